"""County data of Bildung & Arbeit: tenants/harz/jobs.yaml loads; mistakes name file and entry."""

from __future__ import annotations

import io
import shutil
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import CommandError, call_command

from openkreis.core.loader import LoadReport, TenantDataError
from openkreis.jobs import config
from openkreis.jobs.models import Field, Offer, Provider

HARZ = Path(settings.OPENKREIS_TENANTS_DIR) / "harz"


@pytest.mark.django_db
def test_harz_fields_providers_offers():
    assert Field.objects.count() == 15
    assert len(set(Field.objects.values_list("riasec", flat=True))) == 15
    for f in Field.objects.all():
        assert len(f.riasec) == 3 and set(f.riasec) <= set("RIASEC")
    assert Field.objects.get(slug="gesundheit").name == "Gesundheit"
    hs = Provider.objects.get(slug="hochschule-harz")
    assert hs.kind == "university" and hs.offers.count() >= 5
    pflege = Offer.objects.get(slug="harzklinikum-pflegefachfrau")
    assert pflege.municipality.name == "Quedlinburg"
    assert pflege.lat is not None  # from the municipality's centre
    assert list(pflege.fields.values_list("slug", flat=True)) == ["gesundheit"]


@pytest.mark.django_db
def test_loading_twice_changes_nothing():
    report = LoadReport()
    config.load(None, HARZ, report)
    assert report.changes == 0, report.details


@pytest.mark.django_db
def test_removed_entries_leave(tmp_path):
    text = (HARZ / "jobs.yaml").read_text(encoding="utf-8")
    start = text.index("  - slug: kvhs-erste-hilfe")
    (tmp_path / "jobs.yaml").write_text(text[:start], encoding="utf-8")
    report = LoadReport()
    config.load(None, tmp_path, report)
    assert not Offer.objects.filter(slug="kvhs-erste-hilfe").exists()
    assert report.deleted == 1


@pytest.mark.parametrize(
    "change, message",
    [
        (("riasec: ICR", "riasec: IIX"), "riasec 'IIX'"),
        (("provider: hvb", "provider: niemand"), "provider 'niemand'"),
        (("fields: [verkehr]", "fields: [raumfahrt]"), "field 'raumfahrt'"),
        (("kind: kurs", "kind: seminar"), "kind 'seminar'"),
        (("starts_on: 2027-02-15", "starts_on: 2027-13-45"), "month must be in 1..12"),
        (("ends_on: 2027-05-10", 'ends_on: "10.05.2027"'), "kvhs-englisch-a1"),
        (("ends_on: 2027-05-10", "ends_on: 2027-01-10"), "ends_on is before starts_on"),
        (('postcode: "38820"', 'postcode: "3882"'), "five digits"),
        (('municipality: "15085370"', 'municipality: "15999999"'), "15999999"),
    ],
)
@pytest.mark.django_db
def test_mistakes_name_the_entry(tmp_path, change, message):
    text = (HARZ / "jobs.yaml").read_text(encoding="utf-8")
    old, new = change
    assert old in text
    (tmp_path / "jobs.yaml").write_text(text.replace(old, new, 1), encoding="utf-8")
    with pytest.raises(TenantDataError) as exc:
        config.load(None, tmp_path, LoadReport())
    assert "jobs.yaml" in str(exc.value) and message in str(exc.value)


@pytest.mark.django_db
def test_check_with_a_bad_file_writes_nothing(tmp_path):
    folder = tmp_path / "harz"
    shutil.copytree(HARZ, folder)
    jobs = folder / "jobs.yaml"
    jobs.write_text(
        jobs.read_text(encoding="utf-8").replace("title: Erste Hilfe am Kind", "title: Neu", 1)
        + "  - {slug: kaputt, provider: kvhs-harz, kind: kurs}\n",
        encoding="utf-8",
    )
    with pytest.raises(CommandError) as exc:
        call_command("load_tenant", str(folder), "--check", "--no-pages", stdout=io.StringIO())
    assert "jobs.yaml" in str(exc.value) and "title is missing" in str(exc.value)
    assert Offer.objects.get(slug="kvhs-erste-hilfe").title == "Erste Hilfe am Kind"
