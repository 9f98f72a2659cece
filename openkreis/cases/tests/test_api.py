"""The desk's read API (openkreis.cases.api): the user's units only, reads in the audit
trail, bad input answered with 400, a second factor required."""

import pytest

from openkreis.cases.models import AuditEntry
from openkreis.core.testing import make_staff

from .factories import login_as

pytestmark = pytest.mark.django_db


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
