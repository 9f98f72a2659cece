"""County data: categories, demo polygons, the routing table, the status table."""

import io
import json
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import call_command

from openkreis.core.loader import LoadReport, TenantDataError
from openkreis.core.models import Region
from openkreis.reports import config, geo, services, workflow
from openkreis.reports.demo_areas import demo_feature_collection
from openkreis.reports.models import Area, Category, Route

HARZ = Path(settings.BASE_DIR) / "tenants" / "harz"
CATEGORIES = {
    "strasse",
    "beleuchtung",
    "abfall",
    "gruen",
    "spielplatz",
    "schilder",
    "graffiti",
    "sonstiges",
}


def _municipalities():
    return Region.objects.filter(kind=Region.Kind.MUNICIPALITY, ars__startswith="15085")


@pytest.mark.django_db
def test_every_category_routes_to_a_unit_in_every_demo_municipality():
    assert set(Category.objects.filter(active=True).values_list("key", flat=True)) == CATEGORIES
    municipalities = list(_municipalities())
    assert len(municipalities) == 20
    for category in Category.objects.filter(active=True):
        for region in municipalities:
            route = Route.objects.select_related("unit__organisation").get(
                category=category, area__region=region
            )
            assert route.unit is not None
    assert Route.objects.count() == len(CATEGORIES) * 20


@pytest.mark.django_db
def test_routes_follow_the_county_data():
    halberstadt = Region.objects.get(name="Halberstadt")
    ditfurt = Region.objects.get(name="Ditfurt")  # a member of the Verbandsgemeinde Vorharz
    road = Route.objects.get(category__key="strasse", area__region=halberstadt).unit
    assert road.key == "gem-halberstadt-bauamt"
    assert Route.objects.get(category__key="strasse", area__region=ditfurt).unit.key == (
        "vg-vorharz-bauamt"
    )
    for region in (halberstadt, ditfurt):
        waste = Route.objects.get(category__key="abfall", area__region=region).unit
        assert waste.key == "abfallwirtschaft"
        other = Route.objects.get(category__key="sonstiges", area__region=region).unit
        assert other.role == "ordnungsamt"


@pytest.mark.django_db
def test_each_centre_lies_in_its_own_area_and_outside_is_none():
    for region in _municipalities():
        found = geo.area_at(region.lat, region.lon)
        if region.name == "Wegeleben":
            assert found.region == region
        else:
            assert found is not None and found.region == region, region.name
    assert geo.area_at(52.52, 13.405) is None  # Berlin
    assert geo.area_at(51.48, 11.97) is None  # Halle (Saale)


@pytest.mark.django_db
def test_demo_polygons_are_marked_approximate():
    assert not Area.objects.filter(official=True).exists()
    data = json.loads((HARZ / "reports" / "areas.geojson").read_text(encoding="utf-8"))
    assert "NOT official" in data["openkreis:note"]
    assert all(f["properties"]["approximate"] for f in data["features"])
    # the shipped file is what the generator makes
    assert demo_feature_collection(HARZ / "regions.csv") == data


@pytest.mark.django_db
def test_official_boundaries_replace_the_demo_polygons(tmp_path):
    from shapely.geometry import box, mapping

    halberstadt = Region.objects.get(name="Halberstadt")
    square = mapping(box(11.0, 51.85, 11.1, 51.95))
    path = tmp_path / "vg250.geojson"
    path.write_text(
        json.dumps(
            {
                "type": "FeatureCollection",
                "features": [
                    {
                        "type": "Feature",
                        "properties": {"AGS": halberstadt.ags, "GEN": "Halberstadt"},
                        "geometry": json.loads(json.dumps(square)),
                    },
                ],
            }
        )
    )
    call_command("report_areas", "load", "harz", str(path), stdout=io.StringIO())
    area = Area.objects.get(region=halberstadt)
    assert area.official is True
    geo.forget()
    assert geo.area_at(51.86, 11.09).region == halberstadt


@pytest.mark.django_db
def test_bad_area_files_name_the_file_and_the_entry(tmp_path):
    bad = tmp_path / "x.geojson"
    bad.write_text(
        '{"type": "FeatureCollection", "features": [{"type": "Feature", '
        '"properties": {"ars": "999999999999"}, "geometry": null}]}'
    )
    with pytest.raises(TenantDataError, match="feature 0"):
        config.load_areas(bad, LoadReport(), require_all=False)
    bad.write_text("not json")
    with pytest.raises(TenantDataError, match="not valid GeoJSON"):
        config.load_areas(bad, LoadReport(), require_all=False)


@pytest.mark.django_db
def test_a_category_for_some_municipalities_and_an_unknown_unit(tmp_path, harz):
    data = {
        "areas": "reports/areas.geojson",
        "default": {"role": "ordnungsamt"},
        "categories": [
            {"key": "strasse", "name": "Straßen", "route": {"role": "bauamt"}},
            {"key": "brockenweg", "name": "Wanderwege", "municipalities": ["150850228228"]},
        ],
        "routes": [
            {
                "category": "strasse",
                "municipality": "150850135135",
                "unit": "strassenverkehrsbehoerde",
            }
        ],
    }
    report = LoadReport()
    categories = config._load_categories(Path("r.yaml"), data, report)
    config._load_routes(Path("r.yaml"), data, categories, report, county=harz.region)
    assert Route.objects.filter(category__key="brockenweg").count() == 1
    assert (
        Route.objects.get(category__key="strasse", area__region__ars="150850135135").unit.key
        == "strassenverkehrsbehoerde"
    )
    assert not Category.objects.get(key="abfall").active  # no longer listed
    data["categories"][0]["route"] = {"unit": "no-such-unit"}
    with pytest.raises(TenantDataError, match="no-such-unit"):
        config._load_categories(Path("r.yaml"), data, report)


def test_status_table():
    assert workflow.can_change("open", "fixed")
    assert not workflow.can_change("fixed", "in_progress")
    assert workflow.can_change("fixed", "confirmed") and workflow.is_reopening("fixed", "confirmed")
    assert not workflow.can_change("open", "open")
    for status in workflow.TRANSITIONS:
        assert all(target in workflow.TRANSITIONS for target in workflow.allowed(status))


@pytest.mark.django_db
def test_loading_the_county_data_again_changes_nothing(harz):
    report = LoadReport()
    config.load(harz, HARZ, report)
    assert report.changes == 0, report.details


@pytest.mark.django_db
def test_factory_makes_a_routed_report():
    from openkreis.reports.tests.factories import FollowerFactory, ReportFactory

    report = ReportFactory(status="confirmed")
    FollowerFactory(report=report)
    assert report.unit.key == "gem-halberstadt-bauamt"
    assert report.history.get().to_status == "confirmed"
    assert services.recipients(report) == [report.email, report.followers.get().email]
