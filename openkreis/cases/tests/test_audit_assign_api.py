"""The auditor's view of the audit trail, team leads assigning cases, the desk's read API —
and one authorisation table over every case, document, audit and API URL × role."""

import pytest

from openkreis.cases import services
from openkreis.cases.models import AuditEntry, Case
from openkreis.core.testing import login_staff, make_staff

from .test_cases import open_demo_case, pdf_bytes

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def german_afterwards():
    """Requests under /en/ leave English active in this thread; later tests expect German."""
    yield
    from django.utils import translation

    translation.activate("de")


@pytest.fixture
def case(harz):
    return open_demo_case(documents=[("antrag.pdf", pdf_bytes())])


ROLES = {
    "citizen": ("pressestelle", ()),
    "other-unit": ("sozialamt", ("caseworker",)),
    "mail-room": ("fahrerlaubnisbehoerde", ("mail_room",)),
    "auditor": ("fachbereich-landrat", ("auditor",)),
    "own-unit": ("fahrerlaubnisbehoerde", ("caseworker",)),
    "lead-above": ("ordnungsamt-kreis", ("team_lead",)),
    "lead-other": ("sozialamt", ("team_lead",)),
}


def login_as(client, role):
    if role == "anonymous":
        return None
    unit, roles = ROLES[role]
    user, secret = make_staff(f"t-{role}", unit, *roles)
    login_staff(client, user, secret)
    return user


def urls(case):
    version = case.documents.get().current()
    base = f"/sachbearbeitung/vorgang/{case.pk}"
    return {
        "inbox": ("get", "/sachbearbeitung/"),
        "case": ("get", f"{base}/"),
        "download": ("get", f"/sachbearbeitung/dokument/{version.pk}/"),
        "step": ("post", f"{base}/schritt/"),
        "request": ("post", f"{base}/nachfordern/"),
        "decide": ("post", f"{base}/entscheiden/"),
        "handover": ("post", f"{base}/abgeben/"),
        "court": ("get", f"{base}/gerichtsakte/"),
        "assign-page": ("get", "/sachbearbeitung/zuweisen/"),
        "assign": ("post", "/sachbearbeitung/zuweisen/"),
        "audit": ("get", "/sachbearbeitung/protokoll/"),
        "api-list": ("get", "/api/v1/cases/cases/"),
        "api-case": ("get", f"/api/v1/cases/cases/{case.pk}/"),
    }


def row(desk, **special):
    """A table row: `desk` for the desk pages, 403 for what needs another role, overrides."""
    names = ["inbox", "case", "download", "step", "request", "decide", "handover", "court"]
    out = {name: desk for name in names}
    out.update({"assign-page": 403, "assign": 403, "audit": 403, "api-list": 403})
    out["api-case"] = 403
    out.update(special)
    return out


NOT_IN_MY_UNITS = 404
TABLE = {
    "anonymous": row(302, **{"assign-page": 302, "assign": 302, "audit": 302}),
    "citizen": row(403),
    "other-unit": row(NOT_IN_MY_UNITS, inbox=200, **{"api-list": 200, "api-case": NOT_IN_MY_UNITS}),
    "lead-other": row(
        NOT_IN_MY_UNITS,
        inbox=200,
        **{"assign-page": 200, "assign": 400, "api-list": 200, "api-case": NOT_IN_MY_UNITS},
    ),
    "mail-room": row(403),
    "auditor": row(403, audit=200),
    "own-unit": row(
        200,
        step=302,
        request=400,
        decide=400,
        handover=400,
        **{"api-list": 200, "api-case": 200},
    ),
    "lead-above": row(
        200,
        step=302,
        request=400,
        decide=400,
        handover=400,
        **{"assign-page": 200, "assign": 400, "api-list": 200, "api-case": 200},
    ),
}


@pytest.mark.parametrize("role", list(TABLE))
def test_authorisation_table_every_url(client, case, role):
    login_as(client, role)
    for name, (method, url) in urls(case).items():
        response = getattr(client, method)(url)
        expected = TABLE[role][name]
        assert response.status_code == expected, (role, name, url, response.status_code)
        if expected in (302, 403, 404) or name == "audit":  # refused, or the audit view
            assert case.applicant_name.encode() not in response.content, (role, name)


def test_other_units_api_list_does_not_contain_the_case(client, case):
    login_as(client, "other-unit")
    data = client.get("/api/v1/cases/cases/", {"tab": "new"}).json()
    assert case.file_number not in str(data)
    assert client.get("/api/v1/cases/cases/", {"q": case.file_number}).json()["count"] == 0


# -- the read API ------------------------------------------------------------------------------
def test_api_lists_my_units_cases_and_logs_reads(client, case):
    user = login_as(client, "own-unit")
    data = client.get("/api/v1/cases/cases/").json()
    assert case.file_number in [c["file_number"] for c in data["results"]]
    found = client.get("/api/v1/cases/cases/", {"q": "Mustermann"}).json()
    assert found["count"] >= 1
    detail = client.get(f"/api/v1/cases/cases/{case.pk}/").json()
    assert detail["documents"][0]["versions"][0]["sha256"] == (
        case.documents.get().current().sha256
    )
    assert AuditEntry.objects.filter(
        action="case.read", actor=user.username, case_ref=case.file_number, detail__via="api"
    ).exists()


def test_api_bad_input_is_a_400_in_the_users_language(client, case):
    login_as(client, "own-unit")
    response = client.get("/api/v1/cases/cases/", {"tab": "<script>"})
    assert response.status_code == 400 and "tab" in response.json()
    assert client.get("/api/v1/cases/cases/abc/").status_code == 404


def test_api_refuses_a_password_only_session(client, case):
    user, _secret = make_staff("t-nomfa", "fahrerlaubnisbehoerde", "caseworker")
    client.force_login(user)  # a session without the second factor
    assert client.get("/api/v1/cases/cases/").status_code == 403
    assert client.get(f"/api/v1/cases/cases/{case.pk}/").status_code == 403


# -- the auditor -------------------------------------------------------------------------------
def test_auditor_reads_the_trail_with_filters_and_sees_the_chain_intact(client, case):
    worker, _ = make_staff("t-worker", "fahrerlaubnisbehoerde", "caseworker")
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


# -- team leads assign -------------------------------------------------------------------------
def test_lead_assigns_from_the_inbox_in_bulk(client, case):
    second = open_demo_case()
    worker, _ = make_staff("t-fl", "fahrerlaubnisbehoerde", "caseworker")
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
    worker, _ = make_staff("t-fl2", "fahrerlaubnisbehoerde", "caseworker")
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
    outsider, _ = make_staff("t-soz", "sozialamt", "caseworker")
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
    colleague, _ = make_staff("t-soz2", "sozialamt", "caseworker")
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
