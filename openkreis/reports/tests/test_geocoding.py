"""Place search: the local gazetteer (municipalities + Ortsteile from places.csv, checked by
the loader), the orte.json endpoint, and the Nominatim backend against a local HTTP server
that answers like Nominatim."""

import json
import shutil
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest
from django.conf import settings
from django.core.cache import cache

from openkreis.core.loader import LoadReport, TenantDataError
from openkreis.reports import config, geo, geocoding
from openkreis.reports.models import Area

HARZ = Path(settings.BASE_DIR) / "tenants" / "harz"


@pytest.fixture(autouse=True)
def _fresh():
    cache.clear()
    geocoding.local.reset()
    yield
    geocoding.local.reset()


def _area(name):
    return Area.objects.get(region__name=name)


@pytest.mark.django_db
def test_local_finds_ortsteile_with_their_municipality():
    [schierke] = geocoding.search("Schierke")
    assert schierke.label == "Schierke (Wernigerode)"
    assert schierke.area_id == _area("Wernigerode").pk and schierke.kind == "ortsteil"
    assert 51.7 < schierke.lat < 51.8 and 10.6 < schierke.lon < 10.7
    assert [p.label for p in geocoding.search("gernr")] == ["Gernrode (Quedlinburg)"]
    # without umlauts or ß, any case
    assert geocoding.search("rubeland")[0].label == "Rübeland (Oberharz am Brocken)"
    assert geocoding.search("STROEBECK")[0].label == "Ströbeck (Halberstadt)"
    assert geocoding.search("gross quen")[0].name == "Groß Quenstedt"
    # a municipality comes before places named like it
    halber = geocoding.search("Halberstadt")
    assert halber[0].kind == "municipality" and halber[0].area_id == _area("Halberstadt").pk
    assert geocoding.search("Thale")[0].label == "Thale"
    assert geocoding.search("zzqx") == []


@pytest.mark.django_db
def test_the_harz_places_file_lists_the_ortsteile():
    rows = geocoding.read_places(HARZ / "reports" / "places.csv")
    assert len(rows) >= 60
    names = {r["name"] for r in rows}
    for wanted in (
        "Schierke",
        "Benzingerode",
        "Gernrode",
        "Bad Suderode",
        "Emersleben",
        "Elbingerode",
        "Benneckenstein",
        "Warnstedt",
        "Weddersleben",
        "Allrode",
    ):
        assert wanted in names, wanted
    # the demo polygons are Voronoi cells of the town centres AND the Ortsteile joined per
    # municipality (demo_areas.py): every place lies in its own municipality
    wrong = [
        r["name"]
        for r in rows
        if (area := geo.area_at(r["lat"], r["lon"])) is None or area.pk != r["area"].pk
    ]
    assert wrong == []
    assert geocoding.search("Benneckenstein")[0].as_json()["inside"] is True
    assert geocoding.search("Schierke")[0].as_json()["inside"] is True


@pytest.mark.django_db
def test_orte_json(client):
    response = client.get("/maengelmelder/orte.json", {"q": "Schierke"})
    assert response.status_code == 200
    [place] = response.json()
    assert place["label"] == "Schierke (Wernigerode)"
    assert place["area_id"] == _area("Wernigerode").pk
    assert set(place) == {
        "name",
        "label",
        "area_id",
        "municipality",
        "lat",
        "lon",
        "kind",
        "inside",
    }
    # at most ten ("en" is in far more names)
    assert len(geocoding.search("en", limit=100)) > 10
    assert len(client.get("/maengelmelder/orte.json", {"q": "en"}).json()) == 10


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("q", "message"),
    [
        ("", "mindestens zwei"),
        ("a", "mindestens zwei"),
        ("  b  ", "mindestens zwei"),
        ("x" * 101, "höchstens 100"),
        ("Schi\x00erke", "nicht erlaubt"),
        ("Schi\nerke", "nicht erlaubt"),
    ],
)
def test_orte_json_refuses_bad_input(client, q, message):
    response = client.get("/maengelmelder/orte.json", {"q": q}, HTTP_ACCEPT_LANGUAGE="de")
    assert response.status_code == 400
    assert message in response.json()["error"]


def _tenant_copy(tmp_path, places: str) -> Path:
    folder = tmp_path / "harz"
    shutil.copytree(HARZ, folder, ignore=shutil.ignore_patterns("pages*", "forms", "cases"))
    (folder / "reports" / "places.csv").write_text(places, encoding="utf-8")
    return folder


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("places", "message"),
    [
        ("name,lat,lon\nX,51.8,10.9\n", "columns missing: municipality"),
        ("name,municipality,lat,lon\nX,999,51.8,10.9\n", "row 2 (X): no municipality area"),
        ("name,municipality,lat,lon\nX,150850370370,nan,10.9\n", "must be numbers"),
        ("name,municipality,lat,lon\nX,150850370370,48.1,11.5\n", "outside the county"),
        ("name,municipality,lat,lon\n,150850370370,51.8,10.9\n", "'name' is required"),
        (
            "name,municipality,lat,lon\nX,150850370370,51.8,10.8\nX,150850370370,51.8,10.8\n",
            "listed twice",
        ),
    ],
)
def test_the_loader_refuses_a_bad_places_file(tmp_path, harz, places, message):
    folder = _tenant_copy(tmp_path, places)
    with pytest.raises(TenantDataError) as error:
        config.load(harz, folder, LoadReport())
    assert message in str(error.value) and "places.csv" in str(error.value)


@pytest.mark.django_db
def test_the_gazetteer_reads_the_deployments_tenant_folder(tmp_path, settings):
    folder = _tenant_copy(tmp_path, "name,municipality,lat,lon\nTestdorf,150850370370,51.8,10.8\n")
    settings.OPENKREIS_TENANTS_DIR = folder.parent
    geocoding.local.reset()
    assert geocoding.search("Testdorf")[0].label == "Testdorf (Wernigerode)"
    assert geocoding.search("Schierke") == []


# -- Nominatim ---------------------------------------------------------------------------------
class _FakeNominatim(BaseHTTPRequestHandler):
    """Stands in for an OpenStreetMap Nominatim server, which cannot be reached from the
    tests (no network): answers /search like Nominatim's jsonv2 format and records the
    requests."""

    requests: list = []
    broken = False

    def do_GET(self):  # noqa: N802 - http.server's name
        type(self).requests.append(self.path)
        if type(self).broken:
            self.send_response(502)
            self.end_headers()
            return
        hits = [
            {  # in the county (Wernigerode, Marktplatz)
                "lat": "51.8352",
                "lon": "10.7850",
                "name": "",
                "display_name": "Marktplatz 1, Wernigerode, Landkreis Harz, Sachsen-Anhalt",
                "address": {"road": "Marktplatz", "house_number": "1", "town": "Wernigerode"},
            },
            {  # outside the county (Magdeburg): dropped
                "lat": "52.1205",
                "lon": "11.6276",
                "name": "Marktplatz",
                "display_name": "Marktplatz, Magdeburg",
                "address": {"road": "Marktplatz", "city": "Magdeburg"},
            },
            {"lat": "nan", "lon": "x", "name": "kaputt"},
        ]
        body = json.dumps(hits).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


@pytest.fixture
def nominatim(settings):
    server = ThreadingHTTPServer(("127.0.0.1", 0), _FakeNominatim)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    _FakeNominatim.requests = []
    _FakeNominatim.broken = False
    settings.OPENKREIS_GEOCODER = "nominatim"
    settings.OPENKREIS_NOMINATIM_URL = f"http://127.0.0.1:{server.server_address[1]}/"
    yield _FakeNominatim
    server.shutdown()
    server.server_close()


@pytest.mark.django_db
def test_nominatim_is_asked_for_the_county_only_and_keeps_hits_inside(client, nominatim):
    response = client.get("/maengelmelder/orte.json", {"q": "Marktplatz 1"})
    assert response.status_code == 200
    [hit] = response.json()
    assert hit["label"] == "Marktplatz 1 (Wernigerode)" and hit["kind"] == "address"
    assert hit["area_id"] == _area("Wernigerode").pk
    [path] = nominatim.requests
    query = parse_qs(urlsplit(path).query)
    assert urlsplit(path).path == "/search"
    assert query["q"] == ["Marktplatz 1"] and query["bounded"] == ["1"]
    assert query["format"] == ["jsonv2"] and query["limit"] == ["10"]
    west, south, east, north = (float(v) for v in query["viewbox"][0].split(","))
    assert 10.4 < west < east < 11.6 and 51.5 < south < north < 52.2
    # the same question again comes from the cache (the public server allows 1/s)
    client.get("/maengelmelder/orte.json", {"q": "Marktplatz 1"})
    assert len(nominatim.requests) == 1


@pytest.mark.django_db
def test_a_dead_nominatim_gives_no_places_not_an_error(client, nominatim):
    nominatim.broken = True
    response = client.get("/maengelmelder/orte.json", {"q": "Marktplatz"})
    assert response.status_code == 200 and response.json() == []
    assert len(nominatim.requests) == 1
