"""The maps' data: the public GeoJSON (public fields only, bounded, validated), the back
office's GeoJSON behind the staff gate (only the user's reports), the municipality outlines,
and the map blocks on the pages (hidden without JavaScript, data for map.js)."""

import json

import pytest
from django.core.cache import cache

from openkreis.core.testing import login_staff, make_staff
from openkreis.reports import services
from openkreis.reports.models import Area, Category, Report, Route
from openkreis.reports.tests.factories import FollowerFactory, ReportFactory

URL = "/maengelmelder/karte.geojson"
STAFF_URL = "/maengelmelder/bearbeitung/karte.geojson"
COUNTY = "10.5,51.55,11.5,52.1"
ROAD = "gem-halberstadt-bauamt"


@pytest.fixture(autouse=True)
def _clear_cache():
    cache.clear()


def _ids(response) -> list[str]:
    assert response.status_code == 200, response.content[:300]
    data = response.json()
    assert data["type"] == "FeatureCollection"
    return [f["properties"]["id"] for f in data["features"]]


@pytest.mark.django_db
def test_public_features_carry_public_fields_only(client, django_user_model):
    user = django_user_model.objects.create_user("erika", "erika-privat@example.org", "pw-123456!x")
    report = ReportFactory(
        street="Voigtei 5",
        place="vor der Bäckerei",
        description="GEHEIME-BESCHREIBUNG",
        user=user,
        email="",
        lat=51.8957,
        lon=11.0468,
    )
    FollowerFactory(report=report, email="nachbar-geheim@example.org")
    response = client.get(URL, {"bbox": COUNTY})
    assert _ids(response) == [report.public_id]
    feature = response.json()["features"][0]
    assert feature["geometry"] == {"type": "Point", "coordinates": [11.0468, 51.8957]}
    props = feature["properties"]
    assert props["url"] == f"/maengelmelder/meldung/{report.public_id}/"
    assert props["place"] == "Halberstadt, Voigtei 5"
    assert props["category"] == Category.objects.get(key="strasse").label
    assert props["status"] in ("Eingegangen", "Received")
    assert props["created"] == report.created_at.date().isoformat()
    assert set(props) == {"id", "category", "status", "done", "place", "created", "url"}
    body = response.content.decode()
    for secret in ("erika", "nachbar-geheim", "GEHEIME-BESCHREIBUNG", "vor der Bäckerei"):
        assert secret not in body, secret
    assert response["Cache-Control"] == "public, max-age=60"


@pytest.mark.django_db
def test_bbox_and_filters_choose_the_reports(client):
    halberstadt = Area.objects.get(region__name="Halberstadt")
    wernigerode = Area.objects.get(region__name="Wernigerode")
    hbs = ReportFactory(area=halberstadt, lat=51.8957, lon=11.0468)
    wr = ReportFactory(area=wernigerode, lat=51.8352, lon=10.7850)
    light = ReportFactory(
        area=halberstadt,
        category=Category.objects.get(key="beleuchtung"),
        lat=51.8960,
        lon=11.0470,
    )
    done = ReportFactory(area=halberstadt, lat=51.8961, lon=11.0471, status=Report.Status.FIXED)
    ReportFactory(area=halberstadt, lat=None, lon=None)  # no position: only in the list

    assert set(_ids(client.get(URL, {"bbox": COUNTY}))) == {
        hbs.public_id,
        wr.public_id,
        light.public_id,
        done.public_id,
    }
    # a box around Wernigerode only
    assert _ids(client.get(URL, {"bbox": "10.7,51.8,10.85,51.87"})) == [wr.public_id]
    # a municipality alone is enough (no bbox)
    assert set(_ids(client.get(URL, {"gemeinde": wernigerode.pk}))) == {wr.public_id}
    category = Category.objects.get(key="beleuchtung").pk
    assert _ids(client.get(URL, {"bbox": COUNTY, "kategorie": category})) == [light.public_id]
    assert _ids(client.get(URL, {"bbox": COUNTY, "status": "erledigt"})) == [done.public_id]
    assert done.public_id not in _ids(client.get(URL, {"bbox": COUNTY, "status": "offen"}))


@pytest.mark.django_db
def test_the_number_of_features_is_capped_and_the_answer_says_so(client, settings):
    settings.OPENKREIS_REPORTS_MAP_LIMIT = 2
    made = [ReportFactory(lat=51.8957, lon=11.0468 + i / 1000) for i in range(3)]
    data = client.get(URL, {"bbox": COUNTY}).json()
    assert data["limit"] == 2 and data["count"] == 2 and data["truncated"] is True
    # newest first
    newest = sorted(made, key=lambda r: (r.created_at, r.id), reverse=True)[:2]
    assert [f["properties"]["id"] for f in data["features"]] == [r.public_id for r in newest]
    settings.OPENKREIS_REPORTS_MAP_LIMIT = 3
    assert client.get(URL, {"bbox": COUNTY}).json()["truncated"] is False


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({}, "bbox"),
        ({"bbox": "11,51,12"}, "vier Zahlen"),
        ({"bbox": "a,b,c,d"}, "vier Zahlen"),
        ({"bbox": "nan,51,11,52"}, "vier Zahlen"),
        ({"bbox": "inf,51,11,52"}, "vier Zahlen"),
        ({"bbox": "11.5,51,11,52"}, "Reihenfolge"),
        ({"bbox": "11,52,11.5,51"}, "Reihenfolge"),
        ({"bbox": "0,0,10,10"}, "zu groß"),
        ({"bbox": "200,51,201,52"}, "außerhalb"),
        ({"bbox": "11,51,11.5,52\x00"}, "nicht gültig"),
        ({"bbox": COUNTY, "kategorie": "²"}, "kategorie"),
        ({"bbox": COUNTY, "gemeinde": "99999999999999999999999"}, "gemeinde"),
        ({"bbox": COUNTY, "status": "kaputt"}, "status"),
    ],
)
def test_bad_input_is_a_400_with_a_german_message(client, params, message):
    response = client.get(URL, params, HTTP_ACCEPT_LANGUAGE="de")
    assert response.status_code == 400
    assert response["Content-Type"] == "application/json"
    assert message in response.json()["error"]


@pytest.mark.django_db
def test_outlines_of_every_municipality(client):
    data = client.get("/maengelmelder/gebiete.geojson").json()
    assert len(data["features"]) == Area.objects.count() == 20
    names = {f["properties"]["name"] for f in data["features"]}
    assert {"Halberstadt", "Wernigerode", "Oberharz am Brocken"} <= names
    assert all(f["geometry"]["type"] in ("Polygon", "MultiPolygon") for f in data["features"])


@pytest.mark.django_db
def test_staff_map_shows_only_the_users_reports_of_the_tab(client):
    road = ReportFactory(lat=51.8957, lon=11.0468, description="Schlagloch am Markt")
    waste = ReportFactory(category=Category.objects.get(key="abfall"), lat=51.8958, lon=11.0469)
    assert road.unit.key == ROAD and waste.unit.key != ROAD
    fixed = ReportFactory(lat=51.8959, lon=11.0467, status=Report.Status.FIXED)

    assert client.get(STAFF_URL).status_code == 302  # the staff gate: log in first
    user, secret = make_staff("karte-strasse", ROAD, services.STAFF_ROLES[0])
    login_staff(client, user, secret)
    response = client.get(STAFF_URL)
    assert _ids(response) == [road.public_id]  # open tab, own unit only
    assert response["Cache-Control"] == "private, no-store"
    props = response.json()["features"][0]["properties"]
    assert props["url"] == f"/maengelmelder/bearbeitung/{road.public_id}/"
    assert _ids(client.get(STAFF_URL, {"tab": "erledigt"})) == [fixed.public_id]
    assert set(_ids(client.get(STAFF_URL, {"tab": "alle"}))) == {road.public_id, fixed.public_id}
    assert _ids(client.get(STAFF_URL, {"tab": "alle", "q": "Markt"})) == [road.public_id]
    assert client.get(STAFF_URL, {"bbox": "1,2,3"}).status_code == 400
    assert client.get(STAFF_URL, {"q": "a\x00b"}).status_code == 400


@pytest.mark.django_db
def test_a_citizen_gets_no_staff_map(client, django_user_model):
    user = django_user_model.objects.create_user("buergerin", "b@example.org", "pw-123456!x")
    client.force_login(user)
    assert client.get(STAFF_URL).status_code == 403


@pytest.mark.django_db
def test_pages_carry_the_hidden_map_block(client):
    halberstadt = Area.objects.get(region__name="Halberstadt")
    page = client.get("/maengelmelder/", {"gemeinde": halberstadt.pk, "status": "offen"})
    html = page.content.decode()
    assert 'data-map="list"' in html and '<section class="map-block" hidden' in html
    assert f'data-params="gemeinde={halberstadt.pk}&amp;status=offen"' in html
    assert f'data-area="{halberstadt.pk}"' in html
    assert 'data-tiles=""' in html  # no tile server in tests
    assert "vendor/leaflet/leaflet.js" in html and "reports/map.js" in html
    assert "style=" not in html and "<script>" not in html  # the CSP allows neither

    form = client.get("/maengelmelder/melden/").content.decode()
    assert 'data-map="pick"' in form and 'data-source="/maengelmelder/orte.json"' in form
    # without JavaScript the fields stay: municipality, street, place
    for name in ('name="area"', 'name="street"', 'name="place"', 'name="lat"', 'name="lon"'):
        assert name in form
    bounds = [float(v) for v in _attr(form, "data-bounds").split(",")]
    assert 10.4 < bounds[0] < bounds[2] < 11.6 and 51.5 < bounds[1] < bounds[3] < 52.2


def _attr(html: str, name: str) -> str:
    start = html.index(name + '="') + len(name) + 2
    return html[start : html.index('"', start)]


@pytest.mark.django_db
def test_a_report_set_on_the_map_is_routed_by_its_position(client):
    """What the map does (fill lat/lon) is what the server takes: the area of the point."""
    form = client.get("/maengelmelder/melden/").content.decode()
    key = _attr(form, 'name="key" value')
    response = client.post(
        "/maengelmelder/melden/",
        {
            "category": Category.objects.get(key="strasse").pk,
            "lat": "51.835200",
            "lon": "10.785000",
            "description": "Schlagloch",
            "email": "karte@example.org",
            "key": key,
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    report = Report.objects.get(idempotency_key=key)
    assert report.area.region.name == "Wernigerode"
    assert (report.lat, report.lon) == (51.8352, 10.785)
    assert Route.objects.get(category=report.category, area=report.area).unit == report.unit
    assert (
        json.loads(client.get(URL, {"bbox": COUNTY}).content)["features"][0]["properties"]["id"]
        == report.public_id
    )
