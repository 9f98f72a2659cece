"""The auditor's view of the audit trail: filters, pages, and the chain check that names
the first broken entry."""

import pytest

from openkreis.cases import services
from openkreis.cases.models import AuditEntry
from openkreis.core.tests.factories import StaffFactory

from .factories import login_as, open_demo_case

pytestmark = pytest.mark.django_db


def test_auditor_reads_the_trail_with_filters_and_sees_the_chain_intact(client, case):
    worker = StaffFactory(username="t-worker")
    services.transition(case, "claim", actor=worker)
    other = open_demo_case("hilfe-zum-lebensunterhalt")
    login_as(client, "auditor")
    page = client.get("/sachbearbeitung/protokoll/", {"pruefen": "1"}).content.decode()
    assert "Intakt" in page and case.file_number in page and other.file_number in page
    by_case = client.get("/sachbearbeitung/protokoll/", {"case_ref": case.file_number})
    text = by_case.content.decode()
    assert "case.claim" in text and other.file_number not in text
    by_actor = client.get("/sachbearbeitung/protokoll/", {"actor": "t-worker"})
    assert actions(by_actor) == {"case.claim"}
    by_action = client.get("/sachbearbeitung/protokoll/", {"action": "case.opened"})
    assert actions(by_action) == {"case.opened"}
    today = by_case.context["chain"]["at"].date().isoformat()
    period = client.get(
        "/sachbearbeitung/protokoll/",
        {"since": today, "until": today, "case_ref": case.file_number},
    )
    assert "case.claim" in period.content.decode()
    past = client.get("/sachbearbeitung/protokoll/", {"until": "2001-01-01"})
    assert actions(past) == set()


def actions(response) -> set[str]:
    return {entry.action for entry in response.context["page"].object_list}


def test_auditor_bad_filters_get_400_with_a_message(client, case):
    login_as(client, "auditor")
    client.cookies.load({"django_language": "en"})
    response = client.get(
        "/en/sachbearbeitung/protokoll/", {"since": "2026-05-01", "until": "2026-04-01"}
    )
    assert response.status_code == 400 and "before its start" in response.content.decode()
    response = client.get("/en/sachbearbeitung/protokoll/", {"since": "gestern", "seite": "x"})
    assert response.status_code == 400 and "error-summary" in response.content.decode()


def test_auditor_page_names_the_first_broken_entry(client, case):
    first = AuditEntry.objects.filter(case_ref=case.file_number).order_by("id").first()
    AuditEntry.objects.filter(pk=first.pk).update(actor="mallory")  # tampering behind save()
    login_as(client, "auditor")
    response = client.get("/sachbearbeitung/protokoll/", {"pruefen": "1"})
    chain = response.context["chain"]
    assert not chain["intact"] and chain["broken_id"] == services.verify_audit_chain()[1].pk
    assert f"Nr. {first.pk}" in response.content.decode()


def test_audit_trail_is_paginated(client, harz):
    for n in range(60):
        services.audit("test.entry", detail={"n": n})
    login_as(client, "auditor")
    first = client.get("/sachbearbeitung/protokoll/", {"action": "test.entry"})
    assert len(first.context["page"].object_list) == 50
    second = client.get("/sachbearbeitung/protokoll/", {"action": "test.entry", "seite": "2"})
    assert len(second.context["page"].object_list) == 10
