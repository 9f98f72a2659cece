"""The same application on paper (scanned in the mail room, read by OCR) and online (the
citizen's account, the forms app, intake.submit_online) becomes the same kind of case: same
service, procedure, file plan item and competent unit — and both wait in the same inbox."""

import pytest

from openkreis.cases import services as cases
from openkreis.catalog.models import Service
from openkreis.core.tests.factories import StaffFactory
from openkreis.forms.tests.conftest import citizen, harz_forms  # noqa: F401 - fixtures
from openkreis.forms.tests.test_views import fill_aufenthaltskarte, start
from openkreis.intake import services as intake
from openkreis.intake.models import ScanJob
from openkreis.intake.tests.factories import scanned_letter

pytestmark = pytest.mark.slow


def test_paper_and_online_make_the_same_kind_of_case(
    client,
    citizen,  # noqa: F811
    harz_forms,  # noqa: F811
    django_capture_on_commit_callbacks,
):
    from openkreis.forms.models import Application

    client.force_login(citizen)
    application = start(client)
    fill_aufenthaltskarte(client, application)
    client.post(f"/antrag/a/{application.public_id}/bezahlen/")
    response = client.post(
        f"/antrag/a/{application.public_id}/absenden/",
        {"idempotency_key": str(application.idempotency_key)},
    )
    assert response.status_code == 302
    application = Application.objects.get(pk=application.pk)
    online = cases.cases_for_applicant(citizen).get(pk=application.case_id)

    clerk = StaffFactory(username="post-test", unit="dezernat-1", role="mail_room")
    with django_capture_on_commit_callbacks(execute=True):
        job = intake.receive_scan(
            "antrag-aufenthaltskarte.pdf",
            scanned_letter("Antrag auf Ausstellung einer Aufenthaltskarte", "Jan Nowak"),
            actor=clerk,
        )
    job = ScanJob.objects.get(pk=job.pk)
    assert "Aufenthaltskarte" in job.text  # read by OCR
    paper = intake.file_scan(
        job,
        actor=clerk,
        service=Service.objects.get(slug="aufenthaltskarte-eu"),
        applicant_name="Jan Nowak",
    )

    assert (online.channel, paper.channel) == ("online", "paper")
    for attribute in ("service_id", "procedure_id", "plan_item_id", "org_unit_id", "state"):
        assert getattr(online, attribute) == getattr(paper, attribute), attribute
    assert online.file_number.split("-")[0] == paper.file_number.split("-")[0]
    worker = StaffFactory(username="sb-both", unit="auslaenderbehoerde")
    inbox = set(cases.inbox(worker, "new").values_list("pk", flat=True))
    assert {online.pk, paper.pk} <= inbox
