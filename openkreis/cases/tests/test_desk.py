"""The caseworker's desk over HTTP: authorisation table (URL × role → status), inbox tabs,
search, workflow steps, requests, decisions, handover, bad input."""

import datetime as dt

import pytest
from django.utils import timezone

from openkreis.cases import services
from openkreis.cases.models import AuditEntry
from openkreis.core.models import OrgUnit
from openkreis.core.testing import login_staff, make_staff

from .factories import open_demo_case, pdf_bytes

pytestmark = pytest.mark.django_db


def urls(case):
    version = case.documents.get().current()
    return {
        "inbox": ("get", "/sachbearbeitung/"),
        "case": ("get", f"/sachbearbeitung/vorgang/{case.pk}/"),
        "download": ("get", f"/sachbearbeitung/dokument/{version.pk}/"),
        "step": ("post", f"/sachbearbeitung/vorgang/{case.pk}/schritt/"),
        "decide": ("post", f"/sachbearbeitung/vorgang/{case.pk}/entscheiden/"),
    }


# role → expected status per URL (302 = to the login page)
TABLE = {
    "anonymous": {"inbox": 302, "case": 302, "download": 302, "step": 302, "decide": 302},
    "citizen": {"inbox": 403, "case": 403, "download": 403, "step": 403, "decide": 403},
    "other-unit": {"inbox": 200, "case": 404, "download": 404, "step": 404, "decide": 404},
    "mail-room": {"inbox": 403, "case": 403, "download": 403, "step": 403, "decide": 403},
    "own-unit": {"inbox": 200, "case": 200, "download": 200, "step": 302, "decide": 400},
    "lead-above": {"inbox": 200, "case": 200, "download": 200, "step": 302, "decide": 400},
}


def login_as(client, role):
    if role == "anonymous":
        return None
    unit, roles = {
        "citizen": ("pressestelle", ()),
        "other-unit": ("sozialamt", ("caseworker",)),
        "mail-room": ("fahrerlaubnisbehoerde", ("mail_room",)),
        "own-unit": ("fahrerlaubnisbehoerde", ("caseworker",)),
        "lead-above": ("ordnungsamt-kreis", ("team_lead",)),
    }[role]
    user, secret = make_staff(f"u-{role}", unit, *roles)
    login_staff(client, user, secret)
    return user


@pytest.mark.parametrize("role", list(TABLE))
def test_authorisation_table(client, case, role):
    login_as(client, role)
    for name, (method, url) in urls(case).items():
        response = getattr(client, method)(url)
        assert response.status_code == TABLE[role][name], (role, name, url)
        if response.status_code in (302, 403, 404):  # refused: not a trace of the data
            assert case.applicant_name.encode() not in response.content


def test_staff_reads_are_in_the_audit_trail(client, case):
    user = login_as(client, "own-unit")
    client.get(f"/sachbearbeitung/vorgang/{case.pk}/")
    assert AuditEntry.objects.filter(
        action="case.read", actor=user.username, case_ref=case.file_number
    ).exists()


def test_inbox_tabs_and_search(client, case):
    user = login_as(client, "own-unit")
    new = client.get("/sachbearbeitung/?tab=new")
    assert case.file_number in new.content.decode()
    services.transition(case, "claim", actor=user)
    assert case.file_number in client.get("/sachbearbeitung/?tab=mine").content.decode()
    assert case.file_number not in client.get("/sachbearbeitung/?tab=new").content.decode()
    found = client.get("/sachbearbeitung/", {"q": "Mustermann"}).content.decode()
    assert case.file_number in found
    assert client.get("/sachbearbeitung/", {"tab": "<script>", "seite": "x"}).status_code == 200


@pytest.mark.parametrize("unit", ["²", "99999999999999999999", "-1", "1e3"])
def test_odd_unit_filters_answer_with_the_inbox(client, case, unit):
    """Issue 16 F6: `?unit=²` ("²".isdigit() is true) and a 20-digit unit answered 500."""
    login_as(client, "own-unit")
    response = client.get("/sachbearbeitung/", {"unit": unit})
    assert response.status_code == 200 and case.file_number in response.content.decode()


def test_claim_request_decide_through_the_pages(client, case, django_capture_on_commit_callbacks):
    login_as(client, "own-unit")
    base = f"/sachbearbeitung/vorgang/{case.pk}"
    assert client.post(f"{base}/schritt/", {"step": "claim"}).status_code == 302
    deadline = (timezone.localdate() + dt.timedelta(days=10)).isoformat()
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            f"{base}/nachfordern/", {"items": "Sehtest\nPassbild", "deadline": deadline}
        )
    assert response.status_code == 302
    case.refresh_from_db()
    assert case.state == "waiting"
    services.deliver_documents(case, [("sehtest.pdf", pdf_bytes())])
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            f"{base}/entscheiden/",
            {"outcome": "granted", "text": "Voraussetzungen erfüllt.", "action": "confirm"},
        )
    assert response.status_code == 302
    case.refresh_from_db()
    assert case.state == "decided"
    page = client.get(f"{base}/").content.decode()
    assert "Bescheid-" in page


@pytest.mark.parametrize(
    "url,data,message",
    [
        ("nachfordern", {"items": "", "deadline": "2020-01-01"}, "Deadline"),
        ("nachfordern", {"items": "Sehtest", "deadline": "morgen"}, "date"),
        ("entscheiden", {"outcome": "maybe", "text": "x"}, "Outcome"),
        ("abgeben", {"unit": "999999", "reason": "x"}, "Hand over"),
    ],
)
def test_bad_input_gets_400_with_the_form_again(client, case, url, data, message):
    user = login_as(client, "own-unit")
    services.transition(case, "claim", actor=user)
    client.cookies.load({"django_language": "en"})
    response = client.post(f"/en/sachbearbeitung/vorgang/{case.pk}/{url}/", data)
    assert response.status_code == 400
    assert "error-summary" in response.content.decode()


def test_impossible_step_is_a_message_not_an_error(client, case):
    login_as(client, "own-unit")
    response = client.post(
        f"/sachbearbeitung/vorgang/{case.pk}/schritt/", {"step": "close"}, follow=True
    )
    assert response.status_code == 200
    assert "nicht möglich" in response.content.decode()


def test_hand_over_moves_the_case_out_of_my_units(client, case):
    login_as(client, "own-unit")
    target = OrgUnit.objects.get(key="kfz-zulassung")
    response = client.post(
        f"/sachbearbeitung/vorgang/{case.pk}/abgeben/",
        {"unit": target.pk, "reason": "Falsch zugeordnet"},
    )
    assert response.status_code == 302
    case.refresh_from_db()
    assert case.org_unit == target
    assert client.get(f"/sachbearbeitung/vorgang/{case.pk}/").status_code == 404


def test_court_file_zip_has_paginated_pdf_originals_and_manifest(client, case):
    import io
    import json
    import zipfile

    from pypdf import PdfReader

    from .factories import png_bytes

    login_as(client, "own-unit")
    services.attach_document(case, ('foto <1> "neu";2.png', png_bytes()), channel="paper")
    ids = list(case.documents.values_list("pk", flat=True))
    assert client.get(f"/sachbearbeitung/vorgang/{case.pk}/gerichtsakte/").status_code == 200
    response = client.post(f"/sachbearbeitung/vorgang/{case.pk}/gerichtsakte/", {"documents": ids})
    assert response.status_code == 200 and response["Content-Type"] == "application/zip"
    archive = zipfile.ZipFile(io.BytesIO(response.content))
    manifest = json.loads(archive.read("manifest.json"))
    assert manifest["file_number"] == case.file_number and len(manifest["documents"]) == 2
    # names Windows can unpack (issue 16 F9): no < > : " | ? * ; in any entry
    names = archive.namelist()
    assert not [n for n in names if set(n) & set('<>:"|?*;\\')], names
    assert any(n.endswith("foto _1_ _neu__2.png") for n in names), names
    for entry in manifest["documents"]:
        import hashlib

        assert hashlib.sha256(archive.read(entry["file"])).hexdigest() == entry["sha256"]
    court = PdfReader(io.BytesIO(archive.read("gerichtsakte.pdf")))
    assert len(court.pages) == manifest["court_file"]["pages"] == 3  # cover + two documents
    cover = court.pages[0].extract_text()
    assert "Inhaltsverzeichnis" in cover and case.file_number in cover
    assert "Blatt 3 von 3" in court.pages[2].extract_text()
    assert AuditEntry.objects.filter(action="case.court_export", case_ref=case.file_number).exists()
    bad = client.post(
        f"/sachbearbeitung/vorgang/{case.pk}/gerichtsakte/", {"documents": ["999999"]}
    )
    assert bad.status_code == 400


def test_desk_search_keeps_its_query_on_page_2(client, harz):
    """The pagination link was escaped twice (?tab=new&amp;amp;q=…): page 2 lost the search."""
    user, secret = make_staff("sb-seite2", "fahrerlaubnisbehoerde", "caseworker")
    login_staff(client, user, secret)
    for _n in range(26):
        open_demo_case()
    html = client.get("/sachbearbeitung/?tab=new&q=32.10").content.decode()
    assert "amp;amp;" not in html
    assert 'href="?tab=new&amp;q=32.10&amp;seite=2"' in html
    page2 = client.get("/sachbearbeitung/?tab=new&q=32.10&seite=2").content.decode()
    assert 'value="32.10"' in page2  # the search is still there on page 2


def test_a_search_with_more_matches_than_the_cap_says_so(client, harz, monkeypatch):
    user, secret = make_staff("sb-breit", "fahrerlaubnisbehoerde", "caseworker")
    login_staff(client, user, secret)
    cases = [open_demo_case() for _n in range(3)]
    html = client.get("/sachbearbeitung/?q=32.10").content.decode()
    assert "Bitte suchen Sie genauer" not in html
    assert all(case.file_number in html for case in cases)
    monkeypatch.setattr("openkreis.cases.services.queries.SEARCH_CAP", 2)
    monkeypatch.setattr("openkreis.cases.services.SEARCH_CAP", 2)
    html = client.get("/sachbearbeitung/?q=32.10").content.decode()
    assert "Mehr als 2 Vorgänge passen" in html and "Bitte suchen Sie genauer" in html
    assert sum(case.file_number in html for case in cases) == 2


def test_case_forms_open_on_demand_and_after_an_error(client, harz):
    user, secret = make_staff("sb-offen", "fahrerlaubnisbehoerde", "caseworker")
    login_staff(client, user, secret)
    case = services.transition(open_demo_case(), "claim", actor=user)
    base = f"/sachbearbeitung/vorgang/{case.pk}"
    html = client.get(f"{base}/").content.decode()
    assert '<details class="case-action" id="nachforderung">' in html  # closed
    assert '<details class="case-action" id="abgabe">' in html
    assert "---------" not in html  # no empty Django choice in the unit list
    response = client.post(f"{base}/nachfordern/", {"items": "", "deadline": "2020-01-01"})
    assert response.status_code == 400
    html = response.content.decode()
    assert '<details class="case-action" id="nachforderung" open>' in html
    assert f'action="{base}/nachfordern/#nachforderung"' in html  # the page jumps to the error


def test_team_lead_assign_form_has_no_empty_django_choice(client, harz):
    """The team lead's "Zuweisen an" list began with Django's "---------" (issue 14.4)."""
    lead, secret = make_staff("tl-zuweisen", "fahrerlaubnisbehoerde", "team_lead")
    login_staff(client, lead, secret)
    case = open_demo_case()
    html = client.get(f"/sachbearbeitung/vorgang/{case.pk}/").content.decode()
    assert 'name="assignee"' in html  # the lead sees the assign form
    assert "---------" not in html
    assert "Bitte eine Person wählen" in html
