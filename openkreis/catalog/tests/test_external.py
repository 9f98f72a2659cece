"""Services of other authorities (level external): Kindergeld → Familienkasse, Kfz-Steuer →
Hauptzollamt. Residents look for them on the county portal; the county says who is
responsible and links there, and offers no office, online application or appointment."""

import shutil
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import CommandError, call_command
from django.db import IntegrityError, transaction
from django.utils import translation

from openkreis.catalog import services as catalog
from openkreis.catalog.models import Competence, Service
from openkreis.core import services as core

from .factories import ServiceFactory

MUSTER = Path(settings.BASE_DIR) / "tenants" / "musterkreis"
EXTERNAL_SPEC = """
  - slug: kindergeld
    name: Kindergeld beantragen
    summary: Kindergeld zahlt die Familienkasse.
    ozg_topic: familie-kind
    competence: {level: external}
    external:
      name: Familienkasse der Bundesagentur für Arbeit
      article: die
      url: "https://www.arbeitsagentur.de/familie-und-kinder/kindergeld"
"""
HARZ_EXTERNAL = {"kindergeld", "kfz-steuer", "pflegegeld", "rente", "arbeitslosengeld"}


def muster_with(tmp_path, spec: str) -> Path:
    folder = tmp_path / "muster"
    shutil.copytree(MUSTER, folder)
    with (folder / "services.yaml").open("a", encoding="utf-8") as services:
        services.write(spec)
    return folder


@translation.override("de")
def test_harz_points_to_the_authorities_residents_look_for(harz):
    external = Service.objects.filter(tenant=harz, level=Service.Level.EXTERNAL)
    assert set(external.values_list("slug", flat=True)) >= HARZ_EXTERNAL
    for service in external:
        assert service.external_name and service.external_url.startswith("https://"), service
        assert service.external_authority.split()[0] in ("der", "die", "das"), service
        assert not service.online_url and not service.appointment, service
        assert not service.is_online
        assert not Competence.objects.filter(service=service).exists(), service
    kindergeld = catalog.get_service(harz, "kindergeld")
    assert kindergeld.is_external
    assert kindergeld.external_authority == "die Familienkasse der Bundesagentur für Arbeit"
    with translation.override("en"):  # no German article in an English sentence
        assert kindergeld.external_authority == "Familienkasse der Bundesagentur für Arbeit"


def test_nobody_in_the_county_is_responsible_for_an_external_service(harz):
    service = catalog.get_service(harz, "kfz-steuer")
    assert catalog.resolve_competence(service, core.region_by_key("15085370")) is None


def test_the_county_does_not_list_them_as_its_most_used(harz):
    assert not any(s.is_external for s in catalog.most_used(harz, limit=200))


def test_an_external_service_is_found_by_its_authority(harz):
    assert catalog.search(harz, "Hauptzollamt", as_prefix=False)[0].slug == "kfz-steuer"
    assert catalog.search(harz, "Rentenversicherung", as_prefix=False)[0].slug == "rente"


@pytest.mark.django_db
def test_loader_reads_external_and_reloads_without_changes(tmp_path, capsys):
    folder = muster_with(tmp_path, EXTERNAL_SPEC)
    call_command("load_tenant", str(folder), "--no-pages")
    service = Service.objects.get(tenant__slug="musterkreis", slug="kindergeld")
    assert service.level == Service.Level.EXTERNAL
    assert service.external == {
        "name": "Familienkasse der Bundesagentur für Arbeit",
        "article": "die",
        "url": "https://www.arbeitsagentur.de/familie-und-kinder/kindergeld",
    }
    assert not service.competences.exists()
    capsys.readouterr()
    call_command("load_tenant", str(folder), "--no-pages")
    assert "(0 changes)" in capsys.readouterr().out


@pytest.mark.parametrize(
    ("old", "new", "message"),
    [
        (
            "      name: Familienkasse der Bundesagentur für Arbeit\n",
            "",
            r"external: \{name, url\}",
        ),
        (
            '      url: "https://www.arbeitsagentur',
            '      url: "http://www.arbeitsagentur',
            "https",
        ),
        ("      article: die", "      article: dem", "der, die or das"),
        ("      article: die", "      phone: 0800", "unknown keys"),
        ("    competence: {level: external}", "    competence: {level: sky}", "or external"),
        (
            "    competence: {level: external}",
            "    competence: {level: county, unit: mk-fahrerlaubnis}",
            "'external' needs competence level external",
        ),
        (
            "    competence: {level: external}",
            "    competence: {level: external}\n    online_url: https://example.org/antrag",
            "no online_url and no appointment",
        ),
        (
            "    competence: {level: external}",
            "    competence: {level: external}\n    appointment: true",
            "no online_url and no appointment",
        ),
    ],
)
@pytest.mark.django_db
def test_bad_external_data_is_a_clear_error(tmp_path, old, new, message):
    assert old in EXTERNAL_SPEC
    folder = muster_with(tmp_path, EXTERNAL_SPEC.replace(old, new, 1))
    with pytest.raises(CommandError, match=message):
        call_command("load_tenant", str(folder), "--no-pages")


def test_the_database_keeps_an_external_service_without_application_and_appointment(harz):
    external = {"name": "Familienkasse", "url": "https://www.arbeitsagentur.de"}
    for values in (
        {"level": Service.Level.EXTERNAL},  # who is it?
        {"level": Service.Level.EXTERNAL, "external": external, "online_url": "https://x.de"},
        {"level": Service.Level.EXTERNAL, "external": external, "appointment": True},
        {"level": Service.Level.COUNTY, "external": external},
    ):
        with pytest.raises(IntegrityError), transaction.atomic():
            ServiceFactory(**values)
    assert ServiceFactory(level=Service.Level.EXTERNAL, external=external).is_external


def test_api_says_who_is_responsible(client, harz):
    data = client.get("/api/v1/services/kindergeld/").json()
    assert data["level"] == "external"
    assert data["external"]["name"] == "Familienkasse der Bundesagentur für Arbeit"
    listed = client.get("/api/v1/services/", {"level": "external"}).json()
    rows = listed["results"] if isinstance(listed, dict) else listed
    assert {row["slug"] for row in rows} >= HARZ_EXTERNAL
    competence = client.get("/api/v1/services/kindergeld/competence/", {"ags": "15085370"})
    assert competence.status_code == 200 and competence.json() == []
