"""Team leads assign cases (services.transitions.assign / assign_many) from the inbox, the
assign page and the case page — only to people of the case's unit, only cases of their
own units."""

import pytest

from openkreis.cases import services
from openkreis.cases.models import AuditEntry, Case
from openkreis.core.tests.factories import StaffFactory

from .factories import login_as, open_demo_case

pytestmark = pytest.mark.django_db


def test_lead_assigns_from_the_inbox_in_bulk(client, case):
    second = open_demo_case()
    worker = StaffFactory(username="t-fl")
    lead = login_as(client, "lead-above")
    inbox = client.get("/sachbearbeitung/").content.decode()
    assert 'name="cases"' in inbox and "t-fl" in inbox
    response = client.post(
        "/sachbearbeitung/zuweisen/",
        {"cases": [case.pk, second.pk], "assignee": worker.pk, "next": "/sachbearbeitung/"},
    )
    assert response.status_code == 302 and response["Location"] == "/sachbearbeitung/"
    assert set(
        Case.objects.filter(pk__in=[case.pk, second.pk]).values_list("assignee", flat=True)
    ) == {worker.pk}
    assert AuditEntry.objects.filter(action="case.assign", actor=lead.username).count() == 2
    from openkreis.core.models import Event

    assert Event.objects.filter(kind="case.assigned", subject=case.subject).exists()
    assert case in services.inbox(worker, "mine")


def test_lead_assigns_from_the_assign_page_and_the_case_page(client, case):
    worker = StaffFactory(username="t-fl2")
    login_as(client, "lead-above")
    page = client.get("/sachbearbeitung/zuweisen/").content.decode()
    assert case.file_number in page
    detail = client.get(f"/sachbearbeitung/vorgang/{case.pk}/").content.decode()
    assert 'action="/sachbearbeitung/zuweisen/"' in detail
    response = client.post(
        "/sachbearbeitung/zuweisen/",
        {"cases": [case.pk], "assignee": worker.pk, "next": f"/sachbearbeitung/vorgang/{case.pk}/"},
    )
    assert response.status_code == 302 and response["Location"].endswith(f"/vorgang/{case.pk}/")
    case.refresh_from_db()
    assert case.assignee == worker
    assert case.file_number not in client.get("/sachbearbeitung/zuweisen/").content.decode()


def test_lead_cannot_assign_to_someone_outside_their_units(client, case):
    outsider = StaffFactory(username="t-soz", unit="sozialamt")
    login_as(client, "lead-above")
    response = client.post(
        "/sachbearbeitung/zuweisen/", {"cases": [case.pk], "assignee": outsider.pk}
    )
    assert response.status_code == 400
    case.refresh_from_db()
    assert case.assignee is None
    # and the service refuses it too, whatever the form offers
    lead = case.org_unit.parent.memberships.get(role="team_lead").user
    with pytest.raises(services.CaseError):
        services.assign(case, outsider, actor=lead)


def test_lead_of_another_unit_cannot_assign_my_units_cases(client, case):
    login_as(client, "lead-other")
    colleague = StaffFactory(username="t-soz2", unit="sozialamt")
    response = client.post(
        "/sachbearbeitung/zuweisen/", {"cases": [case.pk], "assignee": colleague.pk}
    )
    assert response.status_code == 400
    assert case.file_number not in response.content.decode()  # not even named
    case.refresh_from_db()
    assert case.assignee is None


def test_caseworker_cannot_assign_at_all(client, case):
    user = login_as(client, "own-unit")
    assert 'name="cases"' not in client.get("/sachbearbeitung/").content.decode()
    assert (
        'action="/sachbearbeitung/zuweisen/"'
        not in client.get(f"/sachbearbeitung/vorgang/{case.pk}/").content.decode()
    )
    response = client.post("/sachbearbeitung/zuweisen/", {"cases": [case.pk], "assignee": user.pk})
    assert response.status_code == 403
    with pytest.raises(services.CaseError):
        services.assign(case, user, actor=user)
    case.refresh_from_db()
    assert case.assignee is None


def test_assign_bad_input_gets_400_with_a_message(client, case):
    login_as(client, "lead-above")
    client.cookies.load({"django_language": "en"})
    response = client.post("/en/sachbearbeitung/zuweisen/", {"assignee": "x"})
    assert response.status_code == 400
    text = response.content.decode()
    assert "error-summary" in text and "Choose at least one case" in text
