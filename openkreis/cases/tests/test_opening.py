"""Opening a case (services.opening): filed under the plan with procedure, unit and target
date; every channel — online, paper, the online intake — makes the same kind of case."""

import io

import pytest
from django.utils import timezone

from openkreis.cases import services
from openkreis.cases.models import Case
from openkreis.catalog.models import Service
from openkreis.core.models import Event
from openkreis.intake.services import submit_online

from .factories import applicant, open_demo_case, pdf_bytes

pytestmark = pytest.mark.django_db


def test_open_case_files_it_under_the_plan_with_procedure_unit_target(harz):
    case = open_demo_case()
    year = timezone.localdate().year
    assert case.file_number.startswith(f"32.10.01-{year}-")
    assert case.procedure.key == "fahrerlaubnis-ersterteilung"
    assert case.org_unit.key == "fahrerlaubnisbehoerde"
    assert case.state == "new" and case.state_kind == "queue"
    assert case.target_at is not None and case.target_at > case.received_at
    assert case.documents.count() == 1
    event = Event.objects.get(kind="case.received", subject=f"case:{case.pk}")
    assert event.data["channel"] == "online" and event.data["service"] == case.service.slug
    assert event.data["state_kind"] == "queue" and event.data["org_unit"] == case.org_unit.key
    assert "Mustermann" not in str(event.data)  # no personal data in events


def test_paper_and_online_become_the_same_kind_of_case(harz):
    online = open_demo_case("aufenthaltskarte-eu")
    paper = services.open_case(
        service=Service.objects.get(slug="aufenthaltskarte-eu"),
        channel="paper",
        applicant=applicant(),
    )
    assert (online.procedure, online.org_unit, online.state) == (
        paper.procedure,
        paper.org_unit,
        paper.state,
    )


def test_submit_online_is_idempotent(harz):
    service = Service.objects.get(slug="aufenthaltskarte-eu")
    data = {
        "first_name": "Olena",
        "last_name": "Kowalska",
        "email": "olena@example.org",
        "postcode": "38820",
        "city": "Halberstadt",
    }
    files = [{"name": "pass.pdf", "content": io.BytesIO(pdf_bytes()), "document_type": "pass"}]
    first = submit_online(
        service=service, applicant=data, data={}, files=files, idempotency_key="key-1"
    )
    files[0]["content"].seek(0)
    again = submit_online(
        service=service, applicant=data, data={}, files=files, idempotency_key="key-1"
    )
    assert first.pk == again.pk
    assert Case.objects.filter(idempotency_key="key-1").count() == 1
    assert first.documents.get().doc_type == "pass"
    assert Event.objects.filter(kind="application.submitted", subject=first.subject).count() == 1
