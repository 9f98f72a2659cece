"""Open311 GeoReport v2 (docs/open311.md), written from the specification
(wiki.open311.org/GeoReport_v2): every endpoint in both formats with the element structure
of the spec's examples, every error case with the spec's error list, no personal data in a
GET, the web form's rules (routing, duplicates, outside the county, rate limits,
idempotency) for a POST, and never a 500 on hostile values."""

import json
import random
from datetime import UTC, datetime, timedelta
from xml.etree import ElementTree as ET

import pytest
from django.core.cache import cache
from django.core.files.base import ContentFile
from django.db.models import F
from django.test import Client
from django.utils import timezone

from openkreis.core.testing import login_staff, make_staff
from openkreis.reports import services
from openkreis.reports.models import ApiClient, Category, Follower, Photo, Report, StatusChange
from openkreis.reports.open311 import formats
from openkreis.reports.open311.models import new_key
from openkreis.reports.open311.views import open311_status

from .factories import ReportFactory

BASE = "/maengelmelder/open311/v2/"
HALBERSTADT = (51.8957, 11.0468)
BERLIN = (52.5200, 13.4050)
REQUEST_FIELDS = [
    "service_request_id",
    "status",
    "status_notes",
    "service_name",
    "service_code",
    "description",
    "agency_responsible",
    "service_notice",
    "requested_datetime",
    "updated_datetime",
    "expected_datetime",
    "address",
    "address_id",
    "zipcode",
    "lat",
    "long",
    "media_url",
]

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _clear_cache():
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def api_key():
    key = new_key()
    client = ApiClient(name="FixMyStreet Test")
    client.set_key(key)
    client.save()
    return key


def _xml(response) -> ET.Element:
    assert response["Content-Type"] == "text/xml; charset=utf-8"
    body = response.content
    assert body.startswith(b'<?xml version="1.0" encoding="utf-8"?>')
    return ET.fromstring(body)  # noqa: S314 - our own answer


def _json(response):
    assert response["Content-Type"] == "application/json; charset=utf-8"
    return json.loads(response.content)


def _errors(response, fmt: str) -> list[dict]:
    """The spec's error list, the same for both formats."""
    if fmt == "json":
        rows = _json(response)
        assert isinstance(rows, list) and rows
        assert all(set(r) == {"code", "description"} for r in rows)
        return rows
    root = _xml(response)
    assert root.tag == "errors" and len(root)
    rows = []
    for error in root:
        assert error.tag == "error"
        assert [c.tag for c in error] == ["code", "description"]
        rows.append(
            {"code": int(error.findtext("code")), "description": error.findtext("description")}
        )
    return rows


def _post(client, fmt="json", headers=None, **fields):
    data = {
        "service_code": "strasse",
        "lat": str(HALBERSTADT[0]),
        "long": str(HALBERSTADT[1]),
        "email": "melderin@example.org",
        "first_name": "Erika",
        "last_name": "Mustermann",
        "phone": "03941 12345",
        "description": "Tiefes Schlagloch vor der Einfahrt.",
        "device_id": "abc",
        "account_id": "123",
    }
    data.update({k: v for k, v in fields.items() if v is not None})
    for k in [k for k, v in fields.items() if v is None]:
        data.pop(k, None)
    return client.post(f"{BASE}requests.{fmt}", data, headers=headers or {})


# -- GET services ----------------------------------------------------------------------------
def test_service_list_json(client):
    response = client.get(f"{BASE}services.json")
    assert response.status_code == 200
    rows = _json(response)
    keys = [r["service_code"] for r in rows]
    assert keys == list(Category.objects.filter(active=True).values_list("key", flat=True))
    road = rows[keys.index("strasse")]
    assert road["service_name"] == "Straßen, Wege und Schlaglöcher"
    assert road["metadata"] is False and road["type"] == "realtime"
    assert "Schlaglöcher" in road["keywords"] and road["group"] and road["description"]


def test_service_list_xml_and_english(client):
    root = _xml(client.get(f"{BASE}services.xml"))
    assert root.tag == "services" and len(root) == Category.objects.filter(active=True).count()
    for service in root:
        assert service.tag == "service"
        assert [c.tag for c in service] == [
            "service_code",
            "service_name",
            "description",
            "metadata",
            "type",
            "keywords",
            "group",
        ]
        assert service.findtext("metadata") == "false"
        assert service.findtext("type") == "realtime"
    english = _json(client.get(f"/en{BASE}services.json"))
    assert "Roads, paths and potholes" in [r["service_name"] for r in english]


@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_service_definition(client, fmt):
    response = client.get(f"{BASE}services/beleuchtung.{fmt}")
    assert response.status_code == 200
    if fmt == "json":
        assert _json(response) == {"service_code": "beleuchtung", "attributes": []}
    else:
        root = _xml(response)
        assert root.tag == "service_definition"
        assert root.findtext("service_code") == "beleuchtung"
        attributes = root.find("attributes")
        assert attributes is not None and len(attributes) == 0


@pytest.mark.parametrize("fmt", ["json", "xml"])
@pytest.mark.parametrize("code", ["gibtsnicht", "strasse%00", "%C2%B2", "9" * 500, "'%20OR%201=1"])
def test_unknown_service_code_is_404(client, fmt, code):
    response = client.get(f"{BASE}services/{code}.{fmt}")
    assert response.status_code == 404
    if "%00" in code:
        return  # core's RequestLimitsMiddleware answers a NUL in the address (its 404 page)
    rows = _errors(response, fmt)
    assert rows[0]["code"] == 404 and "service_code" in rows[0]["description"]


@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_wrong_jurisdiction_is_404_and_the_own_id_accepted(client, fmt, api_key):
    for url in ("services", "requests", "servicerequestupdates"):
        response = client.get(f"{BASE}{url}.{fmt}", {"jurisdiction_id": "sfgov.org"})
        assert response.status_code == 404
        assert "jurisdiction_id" in _errors(response, fmt)[0]["description"]
        ok = client.get(f"{BASE}{url}.{fmt}", {"jurisdiction_id": "kreis-hz.de"})
        assert ok.status_code == 200
    response = _post(client, fmt, api_key=api_key, jurisdiction_id="sfgov.org")
    assert response.status_code == 404
    assert not Report.objects.exists()
    assert _post(client, fmt, api_key=api_key, jurisdiction_id="kreis-hz.de").status_code == 200


# -- POST requests ---------------------------------------------------------------------------
@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_post_creates_a_routed_report(fmt, api_key):
    client = Client(enforce_csrf_checks=True)  # an API client has no CSRF token
    response = _post(client, fmt, api_key=api_key)
    assert response.status_code == 200, response.content
    report = Report.objects.get()
    assert report.unit.key == "gem-halberstadt-bauamt"
    assert report.area.region.name == "Halberstadt"
    assert report.email == "melderin@example.org"
    assert report.description == "Tiefes Schlagloch vor der Einfahrt."
    if fmt == "json":
        rows = _json(response)
        assert len(rows) == 1
        assert rows[0]["service_request_id"] == report.public_id
        assert set(rows[0]) == {"service_request_id", "service_notice", "account_id"}
        assert "token" not in rows[0]
    else:
        root = _xml(response)
        assert root.tag == "service_requests"
        (request,) = list(root)
        assert request.tag == "request"
        assert [c.tag for c in request] == ["service_request_id", "service_notice", "account_id"]
        assert request.findtext("service_request_id") == report.public_id
    assert ApiClient.objects.get().last_used_at is not None


@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_missing_or_invalid_api_key_is_403(client, fmt, api_key):
    for key in (None, "", "ok311_falsch", api_key + "x"):
        response = _post(client, fmt, api_key=key)
        assert response.status_code == 403
        assert _errors(response, fmt)[0]["code"] == 403
    ApiClient.objects.update(active=False)
    response = _post(client, fmt, api_key=api_key)
    assert response.status_code == 403
    assert "api_key" in _errors(response, fmt)[0]["description"]
    assert not Report.objects.exists()


@pytest.mark.parametrize(
    "fields,status,word",
    [
        ({"service_code": None}, 400, "service_code"),
        ({"service_code": "gibtsnicht"}, 404, "service_code"),
        ({"lat": None, "long": None}, 400, "lat"),
        ({"long": None}, 400, "long"),
        ({"lat": str(BERLIN[0]), "long": str(BERLIN[1])}, 400, "Landkreis"),
        (
            {"lat": None, "long": None, "address_string": "Hauptstraße 1, Berlin"},
            400,
            "address_string",
        ),
        ({"description": None}, 400, "description"),
        ({"description": "x" * 2001}, 400, "description"),
        ({"email": "keine-adresse"}, 400, "email"),
        ({"lat": "NaN"}, 400, "lat"),
        ({"lat": "1e400"}, 400, "lat"),
        ({"lat": "9" * 400}, 400, "lat"),
        ({"long": "²"}, 400, "long"),
        ({"address_string": "x" * 501, "lat": None, "long": None}, 400, "address_string"),
        ({"media_url": "javascript:alert(1)"}, 400, "media_url"),
    ],
)
def test_bad_posts_are_refused_with_the_spec_errors(client, api_key, fields, status, word):
    response = _post(client, "json", api_key=api_key, **fields)
    assert response.status_code == status, response.content
    rows = _errors(response, "json")
    assert rows[0]["code"] == status
    assert any(word in r["description"] for r in rows), rows
    assert not Report.objects.exists()


NUL_GERMAN = "Nullzeichen sind nicht erlaubt."


@pytest.mark.parametrize("fmt", ["json", "xml"])
@pytest.mark.parametrize(
    "fields,name",
    [
        ({"description": "Loch\x00"}, "description"),
        ({"service_code": "strasse\x00"}, "service_code"),
        ({"api_key": "\x00"}, "api_key"),
        ({"x\x00y": "1"}, "xy"),
    ],
)
def test_nul_in_a_post_is_the_spec_400(client, api_key, fmt, fields, name):
    """The site's forms get core's HTML 400 page for a NUL; the API answers its error list
    and names the field (before the key is checked: nothing is looked up with a NUL)."""
    response = _post(client, fmt, **{"api_key": api_key, **fields})
    assert response.status_code == 400
    assert _errors(response, fmt) == [{"code": 400, "description": f"{name}: {NUL_GERMAN}"}]
    assert not Report.objects.exists()


@pytest.mark.parametrize("fmt", ["json", "xml"])
@pytest.mark.parametrize(
    "url,name",
    [
        ("services.{fmt}?jurisdiction_id=%00", "jurisdiction_id"),
        ("requests.{fmt}?service_code=strasse%00&status=open", "service_code"),
        ("requests.{fmt}?status=open&x%00=1", "x"),
        ("tokens/abcdefghijklmnop.{fmt}?api_key=ok311_x%00", "api_key"),
        ("servicerequestupdates.{fmt}?start_date=2026-01-01T00:00:00Z%00", "start_date"),
    ],
)
def test_nul_in_the_query_is_the_spec_400(client, fmt, url, name):
    """Before, core's middleware dropped a NUL from the query (so `status=open%00` was a
    valid filter); now the API refuses it in its own error format and names the parameter."""
    response = client.get(BASE + url.format(fmt=fmt))
    assert response.status_code == 400
    assert _errors(response, fmt) == [{"code": 400, "description": f"{name}: {NUL_GERMAN}"}]


@pytest.mark.parametrize("fmt", ["json", "xml"])
@pytest.mark.parametrize(
    "path",
    [
        "services/stra%00sse.{fmt}",
        "requests/M-AAAA%00AAA.{fmt}",
        "tokens/%00abcdefghijklmnop.{fmt}?api_key=x",
        "gibts%00nicht.{fmt}",
        "services%0A.{fmt}",
        "a/%00/b.{fmt}",
    ],
)
def test_a_nul_or_newline_in_the_path_is_the_spec_404(client, fmt, path):
    """Before, a NUL in the path was core's HTML 404 page (and a newline missed the API's
    catch-all pattern): now the spec's 404 in the format the suffix names."""
    response = client.get(BASE + path.format(fmt=fmt))
    assert response.status_code == 404
    assert _errors(response, fmt) == [
        {"code": 404, "description": "Diese Open311-Ressource gibt es nicht."}
    ]


def test_nul_errors_in_english(client):
    response = client.get("/en" + BASE + "requests.json?status=open%00")
    assert _errors(response, "json") == [
        {"code": 400, "description": "status: Null characters are not allowed."}
    ]


@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_a_post_above_the_limits_is_the_spec_400(client, api_key, fmt, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1000
    response = _post(client, fmt, api_key=api_key, description="Loch " * 400)
    assert response.status_code == 400
    assert "zu groß" in _errors(response, fmt)[0]["description"]
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 2_621_440
    settings.DATA_UPLOAD_MAX_NUMBER_FIELDS = 5
    response = _post(client, fmt, api_key=api_key)
    assert response.status_code == 400
    assert "zu viele Felder" in _errors(response, fmt)[0]["description"]
    assert not Report.objects.exists()


@pytest.mark.parametrize("path", ["requests.%C3%AFl", "requests.html", "gibtsnicht.json"])
def test_a_post_to_an_unknown_path_is_the_spec_404_not_the_csrf_page(path):
    """Found by schemathesis: an anonymous POST to requests.<not a format> met Django's CSRF
    check (HTML 403) because the catch-all view was not csrf_exempt."""
    client = Client(enforce_csrf_checks=True)
    response = client.post(BASE + path, {"api_key": "x", "service_code": "strasse"})
    assert response.status_code == 404
    fmt = "json" if path.endswith(".json") else "xml"
    assert _errors(response, fmt)[0]["code"] == 404


def test_the_rest_of_the_site_keeps_cores_nul_pages(client):
    """Only the API answers for itself: the report form still gets core's HTML 400 page."""
    response = client.post("/maengelmelder/melden/", {"description": "Loch\x00"})
    assert response.status_code == 400
    assert response["Content-Type"].startswith("text/html")
    assert client.get("/maengelmelder/meldung/M-%00/").status_code == 404


def test_errors_are_german_and_english(client, api_key):
    german = _errors(
        _post(client, api_key=api_key, lat=str(BERLIN[0]), long=str(BERLIN[1])), "json"
    )
    assert "außerhalb des Landkreises" in german[0]["description"]
    response = client.post(
        f"/en{BASE}requests.json",
        {
            "api_key": api_key,
            "service_code": "strasse",
            "description": "x",
            "lat": BERLIN[0],
            "long": BERLIN[1],
        },
    )
    assert "outside the county" in _errors(response, "json")[0]["description"]
    wrong = {"jurisdiction_id": "sfgov.org"}
    german = _errors(client.get(f"{BASE}services.xml", wrong), "xml")[0]["description"]
    english = _errors(client.get(f"/en{BASE}services.xml", wrong), "xml")[0]["description"]
    assert german == "jurisdiction_id nicht gefunden: Dieser Server bedient nur kreis-hz.de."
    assert english == "jurisdiction_id not found: this server serves only kreis-hz.de."


def test_address_string_names_the_municipality(client, api_key):
    response = _post(
        client,
        api_key=api_key,
        lat=None,
        long=None,
        address_string="Am Markt 3, gegenüber der Bäckerei, Quedlinburg",
    )
    assert response.status_code == 200, response.content
    report = Report.objects.get()
    assert report.area.region.name == "Quedlinburg"
    assert report.lat is None and "Bäckerei" in report.place


def test_idempotency_key_and_token(client, api_key):
    headers = {"Idempotency-Key": "9b1deb4d-3b7d-4bad-9bdd-2b0d7b3dcb6d"}
    first = _json(_post(client, api_key=api_key, headers=headers))
    again = _json(_post(client, api_key=api_key, headers=headers))
    assert first[0]["service_request_id"] == again[0]["service_request_id"]
    assert Report.objects.count() == 1
    token = client.get(f"{BASE}tokens/{headers['Idempotency-Key']}.xml", {"api_key": api_key})
    assert token.status_code == 200
    root = _xml(token)
    assert root.tag == "service_requests" and root[0].tag == "request"
    assert [c.tag for c in root[0]] == ["service_request_id", "token"]
    assert root[0].findtext("service_request_id") == first[0]["service_request_id"]
    rows = _json(
        client.get(f"{BASE}tokens/{headers['Idempotency-Key']}.json", {"api_key": api_key})
    )
    assert rows == [
        {"service_request_id": first[0]["service_request_id"], "token": headers["Idempotency-Key"]}
    ]
    # another client's key does not find it; no key is a 403; a bad key a 400
    other = new_key()
    stranger = ApiClient(name="Andere App")
    stranger.set_key(other)
    stranger.save()
    assert (
        client.get(
            f"{BASE}tokens/{headers['Idempotency-Key']}.json", {"api_key": other}
        ).status_code
        == 404
    )
    assert client.get(f"{BASE}tokens/{headers['Idempotency-Key']}.json").status_code == 403
    assert client.get(f"{BASE}tokens/unbekannt.json", {"api_key": api_key}).status_code == 404
    bad = _post(client, api_key=api_key, headers={"Idempotency-Key": "kurz"})
    assert bad.status_code == 400 and Report.objects.count() == 1


def test_a_duplicate_joins_the_open_report(client, api_key):
    first = _json(_post(client, api_key=api_key))[0]["service_request_id"]
    second = _post(client, api_key=api_key, email="nachbar@example.org", lat="51.89572")
    assert second.status_code == 200
    rows = _json(second)
    assert rows[0]["service_request_id"] == first
    assert first in rows[0]["service_notice"]
    assert Report.objects.count() == 1
    assert list(Follower.objects.values_list("email", flat=True)) == ["nachbar@example.org"]
    # another category at the same place is a new report
    third = _json(_post(client, api_key=api_key, service_code="beleuchtung"))
    assert third[0]["service_request_id"] != first and Report.objects.count() == 2


def test_rate_limits_per_client_and_per_email(client, api_key, settings):
    ApiClient.objects.update(per_hour=2)
    assert _post(client, api_key=api_key, email="a@example.org").status_code == 200
    assert (
        _post(client, api_key=api_key, email="b@example.org", service_code="abfall").status_code
        == 200
    )
    response = _post(client, api_key=api_key, email="c@example.org", service_code="gruen")
    assert response.status_code == 429
    assert _errors(response, "json")[0]["code"] == 429
    assert Report.objects.count() == 2
    cache.clear()
    ApiClient.objects.update(per_hour=100)
    codes = ["strasse", "beleuchtung", "abfall", "gruen", "spielplatz", "schilder"]
    answers = [
        _post(
            client,
            api_key=api_key,
            email="viel@example.org",
            service_code=c,
            lat=str(51.80 + i / 100),
        ).status_code
        for i, c in enumerate(codes)
    ]
    assert answers[:5] == [200] * 5 and answers[5] == 429


# -- GET requests ----------------------------------------------------------------------------
def _fixed_report():
    report = ReportFactory(
        email="geheim@example.org", street="Breiter Weg 12", place="vor der Post"
    )
    Follower.objects.create(report=report, email="auch-geheim@example.org")
    services.change_status(report, "confirmed", actor=None, public_text="Wir kümmern uns.")
    services.change_status(
        report,
        "fixed",
        actor=None,
        public_text="Das Loch ist verfüllt.",
        internal_note="Kolonne 3, intern",
    )
    services.add_note(report, actor=None, internal_note="nur intern: Rechnung folgt")
    photo = Photo(report=report, width=10, height=10, approved=True)
    photo.image.save("p.jpg", ContentFile(b"\xff\xd8\xff"), save=False)
    photo.save()
    hidden = Photo(report=report, width=10, height=10, approved=False)
    hidden.image.save("q.jpg", ContentFile(b"\xff\xd8\xff"), save=False)
    hidden.save()
    report.refresh_from_db()
    return report, photo


@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_get_requests_shows_public_data_only(client, fmt):
    report, photo = _fixed_report()
    open_one = ReportFactory(category=Category.objects.get(key="abfall"), email="x@example.org")
    response = client.get(f"{BASE}requests.{fmt}")
    assert response.status_code == 200
    body = response.content.decode()
    for secret in (
        "geheim@example.org",
        "auch-geheim@example.org",
        "Kolonne 3",
        "nur intern",
        "x@example.org",
    ):
        assert secret not in body
    if fmt == "json":
        rows = {r["service_request_id"]: r for r in _json(response)}
        assert list(next(iter(rows.values()))) == REQUEST_FIELDS
    else:
        root = _xml(response)
        assert root.tag == "service_requests"
        rows = {}
        for request in root:
            assert request.tag == "request"
            assert [c.tag for c in request] == REQUEST_FIELDS
            rows[request.findtext("service_request_id")] = {c.tag: c.text for c in request}
    fixed = rows[report.public_id]
    assert fixed["status"] == "closed"
    assert fixed["status_notes"] == "Das Loch ist verfüllt."
    assert fixed["service_code"] == "strasse"
    assert fixed["agency_responsible"] == f"{report.unit.name}, {report.unit.organisation.name}"
    assert fixed["address"] == "Breiter Weg 12, vor der Post, Halberstadt"
    assert fixed["media_url"] == f"http://testserver/maengelmelder/foto/{photo.pk}/"
    assert float(fixed["lat"]) == pytest.approx(report.lat)
    assert rows[open_one.public_id]["status"] == "open"
    assert rows[open_one.public_id]["media_url"] in (None, "")


def test_status_mapping():
    assert [open311_status(s) for s in ("open", "confirmed", "in_progress", "scheduled")] == [
        "open"
    ] * 4
    assert {
        open311_status(s)
        for s in ("fixed", "closed_duplicate", "closed_not_responsible", "closed_not_reproducible")
    } == {"closed"}


def test_get_requests_filters(client):
    road = ReportFactory()
    waste = ReportFactory(category=Category.objects.get(key="abfall"))
    done = ReportFactory(status="fixed")
    old = ReportFactory(created_at=timezone.now() - timedelta(days=120))

    def ids(**params):
        response = client.get(f"{BASE}requests.json", params)
        assert response.status_code == 200, response.content
        return {r["service_request_id"] for r in _json(response)}

    assert ids() == {road.public_id, waste.public_id, done.public_id}  # last 90 days
    assert ids(service_code="abfall") == {waste.public_id}
    assert ids(service_code="abfall,strasse") == {road.public_id, waste.public_id, done.public_id}
    assert ids(status="open") == {road.public_id, waste.public_id}
    assert ids(status="closed") == {done.public_id}
    assert ids(status="open,closed") == {road.public_id, waste.public_id, done.public_id}
    # service_request_id overrides every other argument (old ones too)
    assert ids(service_request_id=f"{old.public_id},{waste.public_id}", status="closed") == {
        old.public_id,
        waste.public_id,
    }
    start = (timezone.now() - timedelta(days=130)).strftime("%Y-%m-%dT%H:%M:%SZ")
    end = (timezone.now() - timedelta(days=100)).strftime("%Y-%m-%dT%H:%M:%S+01:00")
    assert ids(start_date=start, end_date=end) == {old.public_id}
    assert ids(start_date=start) == {old.public_id}


@pytest.mark.parametrize("fmt", ["json", "xml"])
@pytest.mark.parametrize(
    "params",
    [
        {"start_date": "gestern"},
        {"start_date": "2026-01-01T00:00:00"},  # no time zone
        {"end_date": "2026-13-45T00:00:00Z"},
        {"start_date": "2026-06-01T00:00:00Z", "end_date": "2026-01-01T00:00:00Z"},
        {"start_date": "2025-01-01T00:00:00Z", "end_date": "2026-01-01T00:00:00Z"},  # > 90 days
        {"end_date": "99999-01-01T00:00:00Z"},
        {"end_date": "0001-01-01T00:00:00Z"},  # 90 days before it: no such date (was a 500)
        {"start_date": "9999-12-31T23:59:59+14:00"},
        {"status": "offen"},
        {"status": "open,closed,open"},
    ],
)
def test_bad_filters_are_400(client, fmt, params):
    response = client.get(f"{BASE}requests.{fmt}", params)
    assert response.status_code == 400
    assert _errors(response, fmt)[0]["code"] == 400


@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_get_one_request(client, fmt):
    report, _photo = _fixed_report()
    response = client.get(f"{BASE}requests/{report.public_id}.{fmt}")
    assert response.status_code == 200
    if fmt == "json":
        (row,) = _json(response)
        assert row["service_request_id"] == report.public_id and row["status"] == "closed"
    else:
        root = _xml(response)
        assert root.tag == "service_requests" and [r.tag for r in root] == ["request"]
        assert root[0].findtext("service_request_id") == report.public_id
    assert b"geheim@example.org" not in response.content


@pytest.mark.parametrize("fmt", ["json", "xml"])
@pytest.mark.parametrize("wanted", ["M-AAAAAAAA", "1", "%C2%B2", "M-" + "A" * 300, "-1"])
def test_unknown_request_is_404(client, fmt, wanted):
    response = client.get(f"{BASE}requests/{wanted}.{fmt}")
    assert response.status_code == 404
    assert _errors(response, fmt)[0]["code"] == 404


# -- servicerequestupdates (FixMyStreet) -----------------------------------------------------
@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_service_request_updates(client, fmt):
    report, _photo = _fixed_report()
    response = client.get(f"{BASE}servicerequestupdates.{fmt}")
    assert response.status_code == 200
    body = response.content.decode()
    assert "Kolonne 3" not in body and "nur intern" not in body and "geheim@" not in body
    fields = [
        "update_id",
        "service_request_id",
        "status",
        "updated_datetime",
        "description",
        "media_url",
    ]
    if fmt == "json":
        rows = _json(response)
        assert [list(r) for r in rows] == [fields, fields]
    else:
        root = _xml(response)
        assert root.tag == "service_request_updates"
        assert [u.tag for u in root] == ["request_update", "request_update"]
        assert all([c.tag for c in u] == fields for u in root)
        rows = [{c.tag: c.text for c in u} for u in root]
    assert [r["status"] for r in rows] == ["OPEN", "FIXED"]
    assert [r["description"] for r in rows] == ["Wir kümmern uns.", "Das Loch ist verfüllt."]
    assert {r["service_request_id"] for r in rows} == {report.public_id}
    later = (timezone.now() + timedelta(days=1)).strftime("%Y-%m-%dT%H:%M:%SZ")
    assert _json(client.get(f"{BASE}servicerequestupdates.json", {"start_date": later})) == []
    assert client.get(f"{BASE}servicerequestupdates.json", {"start_date": "x"}).status_code == 400


# -- hostile values and other methods --------------------------------------------------------
@pytest.mark.parametrize(
    "url",
    [
        "services.json?jurisdiction_id=%00",
        "requests.xml?service_code=%00,%C2%B2&status=open",
        "requests.json?service_request_id=" + ",".join(["M-AAAAAAAA"] * 1001),
        "requests.json?service_request_id=%00%C2%B2",
        "requests.json?start_date=" + "9" * 5000,
        "servicerequestupdates.xml?end_date=%C2%B2",
        "servicerequestupdates.xml?start_date=0001-01-01T00:30:00%2B01:00",
        "tokens/%C2%B2.xml?api_key=%00",
        "requests/%00.json",
        "gibtsnicht.json",
        "services.html",
    ],
)
def test_hostile_values_never_500(client, url):
    response = client.get(BASE + url)
    assert 400 <= response.status_code < 500
    assert response["Content-Type"].split(";")[0] in ("application/json", "text/xml")


@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_a_time_zone_offset_postgresql_does_not_know_is_read_as_utc(client, fmt):
    # found by schemathesis on PostgreSQL: Python parses "-23:12", PostgreSQL refuses it
    response = client.get(
        f"{BASE}servicerequestupdates.{fmt}", {"start_date": "2026-11-11T21:50:27-23:12"}
    )
    assert response.status_code == 200
    response = client.get(f"{BASE}requests.{fmt}", {"end_date": "2026-11-30T10:00:00+15:59"})
    assert response.status_code == 200


def test_other_methods_are_405_in_the_error_format(client):
    response = client.put(f"{BASE}services.xml")
    assert response.status_code == 405
    assert response["Allow"] == "GET"
    assert _errors(response, "xml")[0]["code"] == 405
    assert client.delete(f"{BASE}requests.json").status_code == 405


def test_security_headers_stay(client):
    response = client.get(f"{BASE}services.json")
    assert response["X-Content-Type-Options"] == "nosniff"


# -- API keys in the admin -------------------------------------------------------------------
def test_admin_shows_a_new_key_once_and_stores_only_its_hash(client):
    admin, secret = make_staff("root311", "pressestelle")
    admin.is_staff = admin.is_superuser = True
    admin.save()
    login_staff(client, admin, secret)  # password + TOTP, as the admin demands
    response = client.post(
        "/django-admin/reports/apiclient/add/",
        {"name": "Stadt-App", "active": "on", "per_hour": "50"},
        follow=True,
    )
    assert response.status_code == 200
    assert response.redirect_chain == [("/django-admin/reports/apiclient/", 302)], (
        response.redirect_chain,
        response.content.decode()[:3000],
    )
    stored = ApiClient.objects.get(name="Stadt-App")
    shown = [str(m) for m in response.context["messages"]]
    key = next(m.rsplit(" ", 1)[1] for m in shown if "ok311_" in m)
    assert ApiClient.for_key(key) == stored
    assert key not in (stored.key_hash, stored.key_hint) and stored.key_hint == key[:12]
    page = client.get(f"/django-admin/reports/apiclient/{stored.pk}/change/")
    assert page.status_code == 200 and key not in page.content.decode()


@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_control_characters_never_break_the_xml(client, fmt):
    report = ReportFactory(description="Loch\x01\x1b[31m mit ² und <b>&amp;</b>")
    response = client.get(f"{BASE}requests/{report.public_id}.{fmt}")
    assert response.status_code == 200
    if fmt == "xml":
        text = _xml(response)[0].findtext("description")
    else:
        text = _json(response)[0]["description"]
    assert text == "Loch[31m mit ² und <b>&amp;</b>"


def test_updated_datetime_notes_and_photo_come_from_the_last_change_and_first_photo(client):
    """The per-report subqueries (bench/reports.py) answer what the spec's fields mean:
    updated_datetime is the last status change, status_notes its last public text, media_url
    the first approved photo; a note without a status change changes nothing."""
    report, photo = _fixed_report()
    later = Photo(report=report, width=10, height=10, approved=True)
    later.image.save("r.jpg", ContentFile(b"\xff\xd8\xff"), save=False)
    later.save()
    last = report.history.exclude(to_status=F("from_status")).order_by("-at", "-id").first()
    row = _json(client.get(f"{BASE}requests/{report.public_id}.json"))[0]
    assert row["updated_datetime"] == timezone.localtime(last.at).isoformat(timespec="seconds")
    assert row["requested_datetime"] == timezone.localtime(report.created_at).isoformat(
        timespec="seconds"
    )
    assert row["status_notes"] == "Das Loch ist verfüllt."
    assert row["media_url"] == f"http://testserver/maengelmelder/foto/{photo.pk}/"
    fresh = ReportFactory()
    row = _json(client.get(f"{BASE}requests/{fresh.public_id}.json"))[0]
    assert row["status_notes"] is None and row["media_url"] is None


def _tree_xml(root, item, data, lists=None):
    """The answer as ElementTree writes it (the oracle for formats.to_xml)."""
    lists = lists or {}

    def fill(parent, fields):
        for name, value in fields.items():
            if isinstance(value, list):
                holder = ET.SubElement(parent, name)
                for one in value:
                    fill(ET.SubElement(holder, lists[name]), one)
            else:
                ET.SubElement(parent, name).text = formats._text(value)

    top = ET.Element(root)
    if item is None:
        fill(top, data)
    else:
        for row in data:
            fill(ET.SubElement(top, item), row)
    ET.indent(top)
    return b'<?xml version="1.0" encoding="utf-8"?>\n' + ET.tostring(top, encoding="utf-8")


def test_the_xml_writer_writes_what_elementtree_writes():
    rng = random.Random(17)
    alphabet = ["a", "ä", "&", "<", ">", '"', "'", "\x01", "\n", " ", "€", "\t", "]]>"]

    def value():
        roll = rng.random()
        if roll < 0.1:
            return None
        if roll < 0.2:
            return rng.choice([True, False])
        if roll < 0.3:
            return rng.uniform(-90, 90)
        return "".join(rng.choice(alphabet) for _ in range(rng.randint(0, 6)))

    lists = {"attributes": "attribute", "values": "value"}
    for _ in range(500):
        rows = [{f"f{j}": value() for j in range(rng.randint(0, 5))} for _ in range(4)]
        assert formats.to_xml("r", "i", rows) == _tree_xml("r", "i", rows)
        assert formats.to_xml("r", "i", []) == _tree_xml("r", "i", [])
        one = {
            "code": value(),
            "attributes": [
                {"key": value(), "values": [{"v": value()} for _ in range(rng.randint(0, 2))]}
                for _ in range(rng.randint(0, 3))
            ],
        }
        assert formats.to_xml("sd", None, one, lists) == _tree_xml("sd", None, one, lists)
        assert formats._clean_rows(rows) == formats._clean(rows)


def test_json_answers_drop_what_xml_cannot_carry_whatever_the_path():
    """formats._json writes once and cleans only when the written text shows a character
    XML cannot carry: the result is always what cleaning every value first gives."""
    rng = random.Random(3)
    chars = [chr(i) for i in range(0x21)] + ["\\", "u", "0", "b", "f", "ä", "\ufffe", "\x7f"]
    for _ in range(2000):
        rows = [
            {f"k{j}": "".join(rng.choices(chars, k=rng.randint(0, 5))) for j in range(3)}
            for _ in range(2)
        ]
        want = json.dumps(formats._clean(rows), ensure_ascii=False).encode()
        assert formats._json(rows) == want


@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_request_times_are_county_time_of_receipt_and_last_status_change(client, fmt):
    """requested_datetime is the receipt, updated_datetime the last change of status (not an
    internal note), both in the county's time zone to the second — in winter (+01:00) and
    summer (+02:00); without a change of status both are the receipt. (The times are read
    as the database's text, see views._text_time: this holds on SQLite and PostgreSQL.)"""
    winter = ReportFactory(created_at=datetime(2026, 1, 15, 23, 30, 5, 250_000, tzinfo=UTC))
    summer = ReportFactory(created_at=datetime(2026, 7, 1, 10, 0, 0, tzinfo=UTC))
    for report in (winter, summer):  # the receipt's change, as services.submit makes it
        StatusChange.objects.filter(report=report).update(at=report.created_at)
    services.change_status(summer, "confirmed", actor=None, public_text="Gesehen.")
    StatusChange.objects.filter(report=summer, to_status="confirmed").update(
        at=datetime(2026, 7, 2, 22, 15, 59, 999_999, tzinfo=UTC)
    )
    services.add_note(summer, actor=None, internal_note="später, intern")
    times = {}
    for start, end in (("2026-01-01", "2026-03-31"), ("2026-07-01", "2026-09-28")):
        response = client.get(
            f"{BASE}requests.{fmt}?start_date={start}T00:00:00Z&end_date={end}T00:00:00Z"
        )
        assert response.status_code == 200
        if fmt == "json":
            rows = _json(response)
        else:
            rows = [{c.tag: c.text for c in r} for r in _xml(response)]
        for row in rows:
            times[row["service_request_id"]] = (row["requested_datetime"], row["updated_datetime"])
    assert times[winter.public_id] == ("2026-01-16T00:30:05+01:00", "2026-01-16T00:30:05+01:00")
    assert times[summer.public_id] == ("2026-07-01T12:00:00+02:00", "2026-07-03T00:15:59+02:00")
