"""Radar pages: authorisation as a table (anonymous, citizen, another staff role, the
programme office), the public page, the staff radar with SVG and data tables, a decision
through the form, the CSV import with bad rows (known answers), the self-assessment."""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import clear_url_caches

from openkreis.catalog.models import Service
from openkreis.core import event_kinds
from openkreis.core.models import Event
from openkreis.core.testing import login_as, make_staff
from openkreis.radar import services
from openkreis.radar.models import EfaImport, EfaOffer, RadarEntry, RolloutSite

pytestmark = pytest.mark.django_db
ROLES = ["anonymous", "citizen", "caseworker", "office"]
STAFF = {
    "caseworker": ("ordnungsamt-kreis", ["caseworker"]),
    "office": ("digitale-werkstatt", ["programme_office"]),
}
PUBLIC = [200, 200, 200, 200]
OFFICE = ["login", 403, 403, 200]
ACCOUNT = ["login", 200, 200, 200]


@pytest.fixture
def english(settings):
    settings.LANGUAGE_CODE = "en"
    clear_url_caches()
    yield
    clear_url_caches()


def _client(role: str) -> Client:
    client = Client()
    if role == "citizen":
        client.force_login(get_user_model().objects.create_user("t-radar-citizen"))
    else:
        login_as(client, role, STAFF, prefix="t-radar")
    return client


TABLE = [
    ("/ozg/", "get", PUBLIC),
    ("/ozg/?thema=umwelt&q=brunnen&seite=%C2%B2", "get", PUBLIC),
    ("/ozg/musterkommune/", "get", PUBLIC),
    ("/ozg/radar/", "get", OFFICE),
    ("/ozg/radar/?thema=x&entscheidung=zzz", "get", OFFICE),
    ("/ozg/radar/leistung/wohngeld/", "get", OFFICE),
    ("/ozg/radar/leistung/wohngeld/bewertung/", "post", ["login", 403, 403, 400]),
    ("/ozg/radar/leistung/wohngeld/entscheidung/", "post", ["login", 403, 403, 400]),
    ("/ozg/radar/leistung/gibt-es-nicht/", "get", ["login", 403, 403, 404]),
    ("/ozg/radar/import/", "get", OFFICE),
    ("/ozg/radar/import/999999/", "get", ["login", 403, 403, 404]),
    ("/ozg/radar/import/999999/bericht/", "get", ["login", 403, 403, 404]),
    ("/ozg/radar/rollout/", "get", OFFICE),
    ("/ozg/reifegrad/", "get", ACCOUNT),
    ("/ozg/reifegrad/999999/", "get", ["login", 404, 404, 404]),
    ("/ozg/reifegrad/999999/neu/", "get", ["login", 404, 404, 404]),
]


@pytest.mark.parametrize("role", ROLES)
def test_authorisation_table(harz, role):
    client = Client() if role == "anonymous" else _client(role)
    column = ROLES.index(role)
    for path, method, outcomes in TABLE:
        expected = outcomes[column]
        response = getattr(client, method)(path)
        if expected == "login":
            assert response.status_code == 302, path
            assert "/konto/login/" in response["Location"], path
        else:
            assert response.status_code == expected, (path, role, response.status_code)


def test_staff_without_a_second_factor_in_this_session_is_sent_to_log_in(harz):
    user, _secret = make_staff("t-radar-nomfa", "digitale-werkstatt", "programme_office")
    client = Client()
    client.force_login(user)
    response = client.get("/ozg/radar/")
    assert response.status_code == 302 and "/konto/login/" in response["Location"]


def test_another_members_organisation_is_not_found(harz):
    owner = get_user_model().objects.create_user("t-radar-owner")
    org = services.create_organisation(owner, "Schule am Berg", "school")
    other = Client()
    other.force_login(get_user_model().objects.create_user("t-radar-other"))
    assert other.get(f"/ozg/reifegrad/{org.pk}/").status_code == 404
    assert other.post(f"/ozg/reifegrad/{org.pk}/neu/", {}).status_code == 404
    mine = Client()
    mine.force_login(owner)
    assert mine.get(f"/ozg/reifegrad/{org.pk}/").status_code == 200


def test_public_page_lists_levels_filters_and_links_to_the_service(harz, client):
    page = client.get("/ozg/?thema=mobilitaet-reisen").content.decode()
    assert 'href="/leistungen/kfz-zulassung/"' in page
    assert "/leistungen/wohngeld/" not in page  # another topic
    assert 'class="radar-levels"' in page
    found = client.get("/ozg/?q=Wohngeld").content.decode()
    assert "/leistungen/wohngeld/" in found and "/leistungen/kfz-zulassung/" not in found
    # another authority's service (Kindergeld) is not the county's to put online
    assert "/leistungen/kindergeld/" not in client.get("/ozg/?q=Kindergeld").content.decode()


def test_musterkommune_page_shows_the_model_municipality_first(harz, client):
    page = client.get("/ozg/musterkommune/").content.decode()
    assert page.index("Thale") < page.index("Wernigerode")
    assert page.count('class="radar-badge"') == 1
    assert "<caption" in page and 'scope="col"' in page


def test_staff_radar_has_both_charts_with_data_tables(harz):
    client = _client("office")
    page = client.get("/ozg/radar/").content.decode()
    assert page.count('<svg class="chart radar-chart') == 1  # no decision: no timeline yet
    entry = services.entry_for(Service.objects.get(tenant=harz, slug="sperrmuell"))
    services.decide(entry, None, {"decision": "build", "owner": "Abfallwirtschaft"})
    page = client.get("/ozg/radar/").content.decode()
    assert page.count('<svg class="chart radar-chart') == 2
    assert page.count("<caption") >= 3  # topics, timeline, services
    assert 'role="img"' in page and "<title" in page and "<desc" in page


def test_a_decision_through_the_form_and_its_history(harz, english):
    client = _client("office")
    service = Service.objects.get(tenant=harz, slug="gewerbe-anmelden")
    offer = EfaOffer.objects.filter(service=service).first()
    before = Event.objects.filter(kind=event_kinds.RADAR_DECIDED).count()
    bad = client.post(
        "/ozg/radar/leistung/gewerbe-anmelden/entscheidung/",
        {"decision": "adopt", "owner": "Gewerbeamt"},
    )
    assert bad.status_code == 400
    assert "To adopt an EfA service, choose which offer." in bad.content.decode()
    response = client.post(
        "/ozg/radar/leistung/gewerbe-anmelden/entscheidung/",
        {"decision": "adopt", "offer": offer.pk, "owner": "Gewerbeamt", "go_live": "2027-01-15"},
    )
    assert response.status_code == 302
    entry = RadarEntry.objects.get(service=service)
    assert entry.decision == "adopt" and entry.offer == offer and str(entry.go_live) == "2027-01-15"
    assert Event.objects.filter(kind=event_kinds.RADAR_DECIDED).count() == before + 1
    page = client.get("/ozg/radar/leistung/gewerbe-anmelden/").content.decode()
    assert "t-radar-office" in page and "Gewerbeamt" in page
    # an offer of another service is refused
    other = EfaOffer.objects.exclude(service=service).first()
    response = client.post(
        "/ozg/radar/leistung/gewerbe-anmelden/entscheidung/",
        {"decision": "adopt", "offer": other.pk, "owner": "x"},
    )
    assert response.status_code == 400


CSV = (
    "Leistung;Onlinedienst;Bundesland;Plattform;Kosten;Status;Link\n"
    "wohngeld;Wohngeld Digital;Schleswig-Holstein;EfA-Plattform;neu;verfügbar;https://example.org/w\n"
    "hund zur hundesteuer anmelden;Hundesteuer online;Bayern;;;Pilot;\n"
    "gibt-es-nicht;X;Bund;;;verfügbar;\n"
    "sperrmuell;Sperrmüll online;Sachsen;;;fertig;\n"
    "sperrmuell;;Sachsen;;;geplant;\n"
    "sperrmuell;Sperrmüll online;Sachsen;;;geplant;ftp://x\n"
    "99102013104000;Hundesteuer online;Bayern;;;Pilot;\n"
    "\n"
)


@pytest.mark.parametrize(
    ("encoding", "delimiter"), [("cp1252", ";"), ("utf-8-sig", ","), ("utf-16", "\t")]
)
def test_encodings_and_delimiters_are_recognised(harz, encoding, delimiter):
    client = _client("office")
    text = "Leistung;Name;Land;Status\nsperrmuell;Sperrmüll digital;Thüringen;geplant\n"
    data = text.replace(";", delimiter).encode(encoding)
    response = client.post("/ozg/radar/import/", {"file": SimpleUploadedFile("l.csv", data)})
    assert response.status_code == 302
    imp = EfaImport.objects.latest("pk")
    assert imp.delimiter == delimiter
    assert imp.columns == ["Leistung", "Name", "Land", "Status"]
    assert "Sperrmüll digital;Thüringen" in imp.text.replace(delimiter, ";")


def test_csv_import_with_mapping_and_a_report_of_rejected_rows(harz, english):
    client = _client("office")
    upload = SimpleUploadedFile("efa.csv", CSV.encode("cp1252"), content_type="text/csv")
    response = client.post("/ozg/radar/import/", {"file": upload})
    assert response.status_code == 302
    imp = EfaImport.objects.latest("pk")
    assert imp.delimiter == ";"
    assert imp.mapping == {"service": 0, "name": 1, "state": 2, "platform": 3,
                           "conditions": 4, "status": 5, "url": 6}  # fmt: skip
    page = client.get(f"/ozg/radar/import/{imp.pk}/").content.decode()
    assert "Wohngeld Digital" in page  # preview of the first lines
    # a mapping that uses one column twice is refused, nothing imported
    twice = {"service": "0", "name": "1", "state": "1", "status": "5"}
    assert client.post(f"/ozg/radar/import/{imp.pk}/", twice).status_code == 400
    assert EfaImport.objects.get(pk=imp.pk).status == EfaImport.Status.MAPPING
    before = EfaOffer.objects.count()
    existing = EfaOffer.objects.get(service__slug="wohngeld", name="Wohngeld Digital")
    mapping = {k: str(v) for k, v in imp.mapping.items()}
    response = client.post(f"/ozg/radar/import/{imp.pk}/", mapping)
    assert response.status_code == 302
    imp.refresh_from_db()
    report = imp.report
    assert (report["rows"], report["created"], report["updated"], report["unchanged"]) == (
        7, 1, 1, 0,
    )  # fmt: skip
    assert report["rejected_count"] == 5
    reasons = {r["line"]: r["reason"] for r in report["rejected"]}
    assert "No service of the catalogue" in reasons[4]
    assert "Unknown status" in reasons[5]
    assert "field name is empty" in reasons[6]
    assert "https://" in reasons[7]
    assert "twice" in reasons[8]
    assert EfaOffer.objects.count() == before + 1
    existing.refresh_from_db()
    assert existing.conditions == "neu" and existing.platform == "EfA-Plattform"
    created = EfaOffer.objects.get(name="Hundesteuer online")
    assert created.status == "pilot" and created.source == "import"
    event = Event.objects.filter(kind=event_kinds.RADAR_IMPORTED).latest("pk")
    assert event.data == {"import": imp.pk, "created": 1, "updated": 1, "rejected": 5}
    page = client.get(f"/ozg/radar/import/{imp.pk}/bericht/").content.decode()
    assert 'data-count="rejected">5<' in page
    # a second post of the mapping imports nothing more
    assert client.post(f"/ozg/radar/import/{imp.pk}/", mapping).status_code == 302
    assert EfaOffer.objects.count() == before + 1


@pytest.mark.parametrize(
    "data",
    [b"", b"\x00\x01binary", b"Spalte\n" + b"x\n" * 5002],
)
def test_csv_upload_that_cannot_be_read_is_a_400(harz, data):
    client = _client("office")
    response = client.post("/ozg/radar/import/", {"file": SimpleUploadedFile("x.csv", data)})
    assert response.status_code == 400
    assert not EfaImport.objects.exists()


def test_self_assessment_through_the_form(harz, english):
    user = get_user_model().objects.create_user("t-radar-schule")
    client = Client()
    client.force_login(user)
    assert client.post("/ozg/reifegrad/", {"name": "", "kind": "school"}).status_code == 400
    response = client.post("/ozg/reifegrad/", {"name": "Grundschule Thale", "kind": "school"})
    assert response.status_code == 302
    org = services.organisations_for(user).get()
    model = services.maturity_model()
    ids = [q["id"] for _k, _n, q in services.questions(model.definition)]
    missing = {f"q_{i}": "2" for i in ids[1:]}
    bad = client.post(f"/ozg/reifegrad/{org.pk}/neu/", missing)
    assert bad.status_code == 400 and 'class="error-summary"' in bad.content.decode()
    assert (
        client.post(f"/ozg/reifegrad/{org.pk}/neu/", {**missing, f"q_{ids[0]}": "9"}).status_code
        == 400
    )
    answers = {f"q_{i}": "2" for i in ids}
    answers[f"q_{ids[0]}"] = "4"  # strategy: (4 + 2) / 2 = 3.00
    assert client.post(f"/ozg/reifegrad/{org.pk}/neu/", answers).status_code == 302
    assessment = org.assessments.get()
    assert assessment.scores["strategie"] == "3.00" and assessment.scores["daten"] == "2.00"
    # overall: (3 + 2 + 2 + 2 + 2 + 2) / 6 = 2.1666… → 2.17
    assert str(assessment.overall) == "2.17"
    page = client.get(f"/ozg/reifegrad/{org.pk}/").content.decode()
    assert '<svg class="chart radar-chart' in page and "<caption" in page
    assert "3.00" in page  # English number format


def test_rollout_edit_by_the_office(harz):
    client = _client("office")
    site = RolloutSite.objects.get(is_model=True)
    service = Service.objects.get(tenant=harz, slug="gewerbe-anmelden")
    prefix = f"r{site.pk}-{service.pk}"
    url = f"/ozg/radar/rollout/{site.pk}/{service.pk}/"
    response = client.post(url, {f"{prefix}-status": "live", f"{prefix}-date": "2026-11-01"})
    assert response.status_code == 302
    assert site.rollouts.get(service=service).status == "live"
    client.post(url, {f"{prefix}-status": "kaputt"})
    assert site.rollouts.get(service=service).status == "live"
    assert client.post(f"/ozg/radar/rollout/{site.pk}/99999999/", {}).status_code == 404
