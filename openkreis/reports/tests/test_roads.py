"""The road layer (reports/roads.py): Kreisstraßen go to the county's road unit, other
positions stay with the town; Landes-/Bundesstraßen suggest forwarding; the loader refuses a
broken layer with the file and feature named."""

import json
import math
from pathlib import Path

import pytest
from django.conf import settings
from django.core.cache import cache
from shapely.geometry import LineString

from openkreis.core.loader import LoadReport, TenantDataError, read_yaml
from openkreis.core.models import Tenant
from openkreis.reports import config, geo, roads, services
from openkreis.reports.models import ApiClient, Category, Report
from openkreis.reports.open311.models import new_key

HARZ = Path(settings.BASE_DIR) / "tenants" / "harz"
M_PER_DEG = math.pi / 180 * 6_371_000

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _fresh():
    roads.forget()
    cache.clear()
    yield
    roads.forget()
    cache.clear()


def _features():
    data = json.loads((HARZ / "reports" / "roads.geojson").read_text(encoding="utf-8"))
    return data


def _on_road(ref: str) -> tuple[float, float]:
    """(lat, lon) of the middle of a road of the Harz layer."""
    for feature in _features()["features"]:
        if feature["properties"]["ref"] == ref:
            mid = LineString(feature["geometry"]["coordinates"]).interpolate(0.5, normalized=True)
            return mid.y, mid.x
    raise AssertionError(ref)


def _off(lat: float, lon: float, metres: float) -> tuple[float, float]:
    """A point `metres` north of (lat, lon): the test roads run mainly east-west."""
    return lat + metres / M_PER_DEG, lon


def _submit(key: str, lat: float, lon: float) -> Report:
    report, created = services.submit(
        services.Submission(
            category=Category.objects.get(key=key),
            description="Schlagloch am Straßenrand",
            lat=lat,
            lon=lon,
            email="melder@example.org",
        )
    )
    assert created
    return report


def test_the_harz_layer_is_marked_approximate():
    assert "NOT official" in _features()["openkreis:note"]
    assert all(f["properties"]["approximate"] for f in _features()["features"])


@pytest.mark.parametrize("ref", ["K 1354", "K 1311", "K 2355", "K 1334"])
def test_on_a_kreisstrasse_to_the_county_100_m_off_to_the_town(ref):
    lat, lon = _on_road(ref)
    area = geo.area_at(lat, lon)
    assert area is not None, ref  # the demo roads lie in the county
    town = services.route_for(Category.objects.get(key="strasse"), area)
    assert town.key != "kreisstrassen"
    on = _submit("strasse", lat, lon)
    assert on.unit.key == "kreisstrassen"
    off_lat, off_lon = _off(lat, lon, 100)
    off = _submit("strasse", off_lat, off_lon)
    assert off.unit == services.route_for(off.category, off.area)
    assert off.unit.key != "kreisstrassen"


def test_the_distance_is_a_setting(settings):
    lat, lon = _on_road("K 1354")
    near = _off(lat, lon, 20)  # within the default 25 m (the line is almost straight here)
    assert roads.match("strasse", *near).unit == "kreisstrassen"
    assert roads.match("strasse", *near).road.ref == "K 1354"
    assert 15 < roads.match("strasse", *near).distance_m < 25
    settings.OPENKREIS_REPORTS_ROAD_DISTANCE_M = 10
    assert roads.match("strasse", *near) is None
    settings.OPENKREIS_REPORTS_ROAD_DISTANCE_M = 150
    assert roads.match("strasse", *_off(lat, lon, 100)).unit == "kreisstrassen"


def test_only_road_categories_and_only_with_a_position():
    lat, lon = _on_road("K 2355")
    assert _submit("schilder", lat, lon).unit.key == "kreisstrassen"
    # street lights and waste stay with whoever the table names
    light = _submit("beleuchtung", lat, lon)
    assert light.unit == services.route_for(light.category, light.area)
    assert _submit("abfall", lat, lon).unit.key == "abfallwirtschaft"
    assert roads.match("strasse", None, None) is None
    assert roads.match("strasse", float("nan"), lon) is None


def test_landes_and_bundesstrassen_stay_with_the_town_and_suggest_the_body():
    for ref, road_class in (("L 240", "landesstrasse"), ("B 81", "bundesstrasse")):
        lat, lon = _on_road(ref)
        found = roads.match("strasse", lat, lon)
        assert found.road.road_class == road_class
        assert found.body == "lsbb" and found.unit == ""
        report = _submit("strasse", lat, lon)
        assert report.unit == services.route_for(report.category, report.area)


def test_open311_post_on_a_kreisstrasse_goes_to_the_county(client):
    key = new_key()
    api = ApiClient(name="Road test")
    api.set_key(key)
    api.save()
    lat, lon = _on_road("K 1311")
    response = client.post(
        "/maengelmelder/open311/v2/requests.json",
        {
            "service_code": "strasse",
            "lat": str(lat),
            "long": str(lon),
            "email": "app@example.org",
            "description": "Schlagloch auf der Kreisstraße",
            "api_key": key,
        },
    )
    assert response.status_code == 200, response.content
    assert Report.objects.get().unit.key == "kreisstrassen"
    off_lat, off_lon = _off(lat, lon, 100)
    response = client.post(
        "/maengelmelder/open311/v2/requests.json",
        {
            "service_code": "strasse",
            "lat": str(off_lat),
            "long": str(off_lon),
            "email": "app2@example.org",
            "description": "Schlagloch im Ort",
            "api_key": key,
        },
    )
    assert response.status_code == 200, response.content
    report = Report.objects.exclude(unit__key="kreisstrassen").get()
    assert report.unit.key == "gem-huy-bauamt" or report.unit.role == "bauamt"


# -- the loader ------------------------------------------------------------------------------
def _folder(tmp_path, features, roads_spec=None) -> Path:
    """A copy of the Harz reports.yaml with its own road file."""
    data = read_yaml(HARZ / "reports.yaml")
    (tmp_path / "reports").mkdir()
    (tmp_path / "reports" / "areas.geojson").write_text(
        (HARZ / "reports" / "areas.geojson").read_text(encoding="utf-8"), encoding="utf-8"
    )
    (tmp_path / "reports" / "roads.geojson").write_text(
        json.dumps({"type": "FeatureCollection", "features": features}), encoding="utf-8"
    )
    data["roads"] = roads_spec or data["roads"]
    import yaml

    (tmp_path / "reports.yaml").write_text(yaml.safe_dump(data, allow_unicode=True), "utf-8")
    return tmp_path


def _road(road_class="kreisstrasse", coordinates=((10.9, 51.86), (10.95, 51.86))):
    return {
        "type": "Feature",
        "properties": {"ref": "K 9999", "class": road_class, "name": "Test"},
        "geometry": {"type": "LineString", "coordinates": [list(c) for c in coordinates]},
    }


def _load(folder):
    config.load(Tenant.objects.get(slug="harz"), folder, LoadReport("reports"))


def test_the_loader_accepts_the_harz_layer_and_a_good_copy(tmp_path):
    _load(HARZ)
    _load(_folder(tmp_path, [_road()]))


@pytest.mark.parametrize(
    ("feature", "words"),
    [
        (_road("feldweg"), ["feature 0 (K 9999)", "unknown road class 'feldweg'"]),
        (_road(coordinates=((10.9, 51.86),)), ["feature 0 (K 9999)", "geometry"]),
        (_road(coordinates=((10.9, 51.86), (10.9, 51.86))), ["feature 0", "empty"]),
        (_road(coordinates=((1000, 51.86), (10.9, 51.8))), ["feature 0", "longitude, latitude"]),
        (
            {**_road(), "geometry": {"type": "Polygon", "coordinates": [[[0, 0], [1, 0], [0, 1]]]}},
            ["feature 0", "LineString"],
        ),
        ({**_road(), "geometry": None}, ["feature 0", "LineString"]),
    ],
)
def test_bad_features_stop_the_loader_with_a_clear_error(tmp_path, feature, words):
    with pytest.raises(TenantDataError) as err:
        _load(_folder(tmp_path, [feature]))
    message = str(err.value)
    assert "roads.geojson" in message
    for word in words:
        assert word in message


@pytest.mark.parametrize(
    ("spec", "words"),
    [
        (
            {"file": "reports/roads.geojson", "classes": {"feldweg": {"unit": "kreisstrassen"}}},
            ["unknown road class 'feldweg'"],
        ),
        (
            {"file": "reports/roads.geojson", "classes": {"kreisstrasse": {"unit": "gibtsnicht"}}},
            ["roads.classes.kreisstrasse", "unknown org unit 'gibtsnicht'"],
        ),
        (
            {"file": "reports/roads.geojson", "classes": {"landesstrasse": {"body": "gibtsnicht"}}},
            ["unknown body 'gibtsnicht'"],
        ),
        (
            {"file": "reports/roads.geojson", "classes": {"kreisstrasse": {"role": "bauamt"}}},
            ["{unit: <key>} or {body: <key>}"],
        ),
        (
            {
                "file": "reports/roads.geojson",
                "categories": ["schlagloch"],
                "classes": {"kreisstrasse": {"unit": "kreisstrassen"}},
            },
            ["unknown categories schlagloch"],
        ),
        (
            {
                "file": "reports/fehlt.geojson",
                "classes": {"kreisstrasse": {"unit": "kreisstrassen"}},
            },
            ["fehlt.geojson: file missing"],
        ),
        ({"classes": {"kreisstrasse": {"unit": "kreisstrassen"}}}, ["'file'"]),
    ],
)
def test_bad_road_sections_stop_the_loader(tmp_path, spec, words):
    with pytest.raises(TenantDataError) as err:
        _load(_folder(tmp_path, [_road()], spec))
    for word in words:
        assert word in str(err.value)


def test_a_broken_layer_at_routing_time_falls_back_to_the_table(tmp_path, settings):
    folder = tmp_path / "kaputt"
    folder.mkdir()
    _folder(folder, [_road()])
    (folder / "reports" / "roads.geojson").write_text("{kein json", encoding="utf-8")
    settings.OPENKREIS_TENANTS_DIR = tmp_path
    settings.OPENKREIS_TENANT = "kaputt"
    assert roads.current() is None
    lat, lon = _on_road("K 1354")
    report = _submit("strasse", lat, lon)
    assert report.unit == services.route_for(report.category, report.area)
