"""County data of the Harz-Kompass (config.py): tenants/harz/directory.yaml and the places
demo set load, validate with --check, stay idempotent and name the file and line of bad data."""

import shutil
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import call_command

from openkreis.core.loader import LoadReport, TenantDataError
from openkreis.directory import config
from openkreis.directory.models import Category, OpenInterval, Place

HARZ = Path(settings.OPENKREIS_TENANTS_DIR) / "harz"


def test_harz_places_are_loaded(harz):
    places = Place.objects.filter(
        source="csv", source_ref__in=["kv-halberstadt", "hs-harz-wernigerode"]
    )
    assert places.count() == 2
    kv = Place.objects.get(source="csv", source_ref="kv-halberstadt")
    assert kv.street == "Friedrich-Ebert-Straße 42"
    assert kv.category.slug == "kreisverwaltung"
    assert kv.municipality.name == "Halberstadt"
    # every group has places, except shops, restaurants and crafts: those are the places of
    # the marketplace's shops, not of the county's list
    groups = set(
        Place.objects.filter(source="csv").values_list("category__group", flat=True).distinct()
    )
    assert groups == {value for value, _label in Category.Group.choices} - {"shopping"}
    assert 80 <= Place.objects.filter(source="csv").count() <= 150
    assert Place.objects.filter(source="csv", municipality__isnull=True).count() == 0


def test_harz_check_is_valid_and_a_second_load_changes_nothing(harz):
    report = LoadReport()
    config.load(harz, HARZ, report)
    assert report.changes == 0, report.details
    assert OpenInterval.objects.filter(place__source_ref="kv-halberstadt").exists()
    call_command("load_tenant", str(HARZ), "--check", "--no-pages")


@pytest.fixture
def folder(tmp_path):
    target = tmp_path / "kreis"
    (target / "directory").mkdir(parents=True)
    shutil.copy(HARZ / "directory.yaml", target / "directory.yaml")
    (target / "directory" / "places.csv").write_text(
        "id,name,category,lat,lon,postcode,town\n"
        "t1,D1 Testort,museum,51.79,11.14,06484,Quedlinburg\n",
        encoding="utf-8",
    )
    return target


def test_folder_loads(harz, folder):
    report = LoadReport()
    config.load(harz, folder, report)
    assert Place.objects.filter(source="csv", source_ref="t1").exists()


def test_bad_place_row_names_file_and_line(harz, folder):
    places = folder / "directory" / "places.csv"
    places.write_text(
        places.read_text(encoding="utf-8") + "t2,D1 Zweiter,keine-kategorie,51.79,11.14,,\n",
        encoding="utf-8",
    )
    with pytest.raises(TenantDataError) as info:
        config.load(harz, folder, LoadReport())
    message = str(info.value)
    assert "places.csv" in message and " 3:" in message and "keine-kategorie" in message


def test_bad_hours_in_county_data_are_an_error(harz, folder):
    places = folder / "directory" / "places.csv"
    places.write_text(
        "id,name,category,lat,lon,opening_hours\nt3,D1 Dritter,museum,51.79,11.14,Mo-Fr 8-16\n",
        encoding="utf-8",
    )
    with pytest.raises(TenantDataError, match="8-16"):
        config.load(harz, folder, LoadReport())


@pytest.mark.parametrize(
    "replace, expected",
    [
        ("group: education, order: 10}", "group: schule, order: 10}"),
        ("holidays: ST", "holidays: BY"),
        ("holidays: ST", "holidays: XX"),
        ("category: grundschule}", "category: volksschule}"),
    ],
)
def test_bad_yaml_is_named(harz, folder, replace, expected):
    path = folder / "directory.yaml"
    text = path.read_text(encoding="utf-8")
    assert replace in text
    path.write_text(text.replace(replace, expected, 1), encoding="utf-8")
    with pytest.raises(TenantDataError) as info:
        config.load(harz, folder, LoadReport())
    assert "directory.yaml" in str(info.value)


def test_a_county_without_directory_yaml_is_fine(harz, tmp_path):
    report = LoadReport()
    config.load(harz, tmp_path, report)
    assert report.changes == 0
