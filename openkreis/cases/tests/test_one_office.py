"""One truth about offices (issue 14.2): for the same applicant, the service page's competence
finder, the receipt, the status page and the decision letter name the same office and the
authority by one name from the county data."""

import io

import pytest
from django.test import Client
from pypdf import PdfReader

from openkreis.cases import services
from openkreis.cases.models import Case
from openkreis.catalog import services as catalog
from openkreis.catalog.models import Service
from openkreis.core.models import Region
from openkreis.core.testing import login_staff, make_staff
from openkreis.core.tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def _text(pdf: bytes) -> str:
    return " ".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf)).pages)


def _squash(text: str) -> str:
    return " ".join(text.split())


def test_service_page_receipt_status_and_letter_name_the_same_office(client, harz):
    from openkreis.forms.tests.test_views import fill_aufenthaltskarte, start

    service = Service.objects.get(tenant=harz, slug="aufenthaltskarte-eu")
    halberstadt = Region.objects.get(name="Halberstadt")
    answer = catalog.resolve_competence(service, halberstadt)
    office, authority = answer.location, answer.org_unit.organisation.name

    # the service page, for a Halberstadt resident (CONTACT in the form lives in 38820)
    page = client.get(f"/leistungen/{service.slug}/", {"plz": "38820"}).content.decode()
    assert office.street in page and authority in page

    citizen = UserFactory(username="anna-amt", first_name="Anna", last_name="Berg")
    client.force_login(citizen)
    application = start(client)
    fill_aufenthaltskarte(client, application)
    client.post(f"/antrag/a/{application.public_id}/bezahlen/")
    client.post(
        f"/antrag/a/{application.public_id}/absenden/",
        {"idempotency_key": str(application.idempotency_key)},
    )
    application.refresh_from_db()
    case = Case.objects.get(pk=application.case_id)
    assert case.office == office

    receipt = _squash(
        _text(client.get(f"/antrag/a/{application.public_id}/eingangsbestaetigung.pdf").content)
    )
    status_page = client.get(f"/antrag/meine/{application.public_id}/").content.decode()

    worker, secret = make_staff("sb-amt", case.org_unit.key, "caseworker")
    staff = Client()
    login_staff(staff, worker, secret)
    case = services.transition(case, "claim", actor=worker)
    document = services.decide(
        case, actor=worker, outcome="granted", text="Liegt vor.", notify=False
    )
    with document.current().file.open("rb") as handle:
        letter = _squash(_text(handle.read()))

    for name, text in {"receipt": receipt, "status": status_page, "letter": letter}.items():
        assert office.street in text, name
        assert authority in text, name
        others = [loc for loc in case.org_unit.visitor_locations() if loc != office]
        for other in others:
            assert other.street not in text, (name, other.street)
        short = case.org_unit.organisation.short_name
        if short and short != authority:
            assert short not in text, (name, short)
