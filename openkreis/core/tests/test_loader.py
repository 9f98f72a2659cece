"""Loading a county from data files: a second, made-up county loads next to Harz."""

import shutil
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import CommandError, call_command

from openkreis.catalog import services as catalog
from openkreis.core import services as core
from openkreis.core.loader import TenantDataError, load_structure
from openkreis.core.models import Region, Tenant

MUSTER = Path(settings.BASE_DIR) / "tenants" / "musterkreis"


def load_muster(capsys=None):
    call_command("load_tenant", str(MUSTER), "--no-pages")


@pytest.mark.django_db
def test_second_county_loads_next_to_harz(capsys):
    harz_before = Region.objects.filter(ars__startswith="15085").count()
    call_command("load_tenant", str(MUSTER), "--no-pages")
    first = capsys.readouterr().out
    assert "Landkreis Musterkreis" in first and " 0 changes" not in first

    muster = Tenant.objects.get(slug="musterkreis")
    assert Tenant.objects.filter(slug="harz").exists()
    assert Region.objects.filter(ars__startswith="15085").count() == harz_before
    assert [m.name for m in core.municipalities(muster)] == [
        "Beispieldorf",
        "Musterstadt",
        "Probehausen",
    ]
    # The municipal service of a Verbandsgemeinde member goes to the Verbandsgemeinde.
    service = catalog.get_service(muster, "wohnsitz-anmelden")
    answer = catalog.resolve_competence(service, core.region_by_key("99001011"))
    assert answer.organisation.key == "mk-vg-musterau"
    assert answer.org_unit.role == "buergerbuero"
    # A county service resolves to the county unit and its office nearest the municipality.
    licence = catalog.get_service(muster, "fahrerlaubnis-ersterteilung")
    answer = catalog.resolve_competence(licence, core.region_by_key("99001012"))
    assert answer.org_unit.key == "mk-fahrerlaubnis"
    assert answer.location.key == "mk-aussenstelle"
    assert [loc.key for loc in answer.other_locations] == ["mk-haupthaus"]
    # A state service resolves through the state region.
    parental = catalog.get_service(muster, "elterngeld")
    assert catalog.resolve_competence(parental, core.region_by_key("99001001")).org_unit.key == (
        "ml-elterngeld"
    )
    # Harz's own catalogue is untouched by the second county.
    assert not catalog.published_services(muster).filter(slug="kfz-zulassung").exists()
    assert (
        catalog.published_services(Tenant.objects.get(slug="harz"))
        .filter(slug="kfz-zulassung")
        .exists()
    )


@pytest.mark.django_db
def test_loading_twice_changes_nothing(capsys):
    call_command("load_tenant", str(MUSTER), "--no-pages")
    capsys.readouterr()
    call_command("load_tenant", str(MUSTER), "--no-pages")
    assert "(0 changes)" in capsys.readouterr().out


@pytest.mark.django_db
def test_harz_reload_changes_nothing(capsys):
    """The session already loaded Harz with pages; loading it again must change nothing."""
    call_command("load_tenant", "harz")
    assert "(0 changes)" in capsys.readouterr().out


@pytest.mark.django_db
def test_changed_value_is_updated_and_removed_postcode_deleted(tmp_path, capsys):
    folder = tmp_path / "muster"
    shutil.copytree(MUSTER, folder)
    load_structure(folder)
    csv = (folder / "regions.csv").read_text(encoding="utf-8")
    (folder / "regions.csv").write_text(
        csv.replace("99992;99991,1500", "99992,1600"), encoding="utf-8"
    )
    _, report = load_structure(folder)
    assert report.updated == 1 and report.deleted == 1
    probe = Region.objects.get(ags="99001012")
    assert probe.population == 1600
    assert [p.code for p in probe.postcodes.all()] == ["99992"]


@pytest.mark.parametrize(
    ("file", "old", "new", "message"),
    [
        ("regions.csv", "990010001001", "12345", "12-digit"),
        ("regions.csv", "99990;99991", "9999A", "5 digits"),
        (
            "organisations.yaml",
            "locations: [mk-haupthaus, mk-aussenstelle]",
            "locations: [mk-nowhere]",
            "unknown location",
        ),
        (
            "organisations.yaml",
            'opens: "09:00", closes: "15:00"',
            'opens: "15:00", closes: "09:00"',
            "closes before it opens",
        ),
        ("tenant.yaml", "administration: mk-kreisverwaltung", "administration: nope", "unknown"),
        ("services.yaml", "unit: mk-fahrerlaubnis", "unit: nope", "unknown org unit"),
        ("services.yaml", '"99115005104000"', '"12345"', "14 digits"),
        ("services.yaml", "ozg_topic: familie-kind", "ozg_topic: kochen", "unknown OZG topic"),
        ("organisations.yaml", "organisations:", "organisations: [", "not valid YAML"),
    ],
)
@pytest.mark.django_db
def test_bad_data_gives_a_clear_error_and_loads_nothing(tmp_path, file, old, new, message):
    folder = tmp_path / "muster"
    shutil.copytree(MUSTER, folder)
    text = (folder / file).read_text(encoding="utf-8")
    assert old in text
    (folder / file).write_text(text.replace(old, new, 1), encoding="utf-8")
    with pytest.raises(CommandError, match=message):
        call_command("load_tenant", str(folder), "--no-pages")
    assert not Tenant.objects.filter(slug="musterkreis").exists()


@pytest.mark.django_db
def test_missing_folder_is_a_clear_error():
    with pytest.raises(CommandError, match="No tenant folder"):
        call_command("load_tenant", "no-such-county")


@pytest.mark.django_db
def test_missing_file_names_the_file(tmp_path):
    with pytest.raises(TenantDataError, match="tenant.yaml: file missing"):
        load_structure(tmp_path)
