"""One authorisation table over every case, document, audit and API URL × role: refused
requests never show a trace of the case."""

import pytest

from .factories import login_as

pytestmark = pytest.mark.django_db


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
