"""Competence finder: every Harz municipality resolves every service to the right office."""

import pytest

from openkreis.catalog import services as catalog
from openkreis.catalog.models import Competence, Service
from openkreis.core import services as core
from openkreis.core.models import Organisation, Region
from openkreis.core.tests.factories import LocationFactory

from .factories import CompetenceFactory, ServiceFactory

COUNTY_SERVICES = [
    "fahrerlaubnis-ersterteilung",
    "kfz-zulassung",
    "aufenthaltskarte-eu",
    "einbuergerung",
    "baugenehmigung-vereinfacht",
    "hilfe-zum-lebensunterhalt",
    "wohngeld",
    "fuehrerschein-umtausch",
]
MUNICIPAL_SERVICES = [
    "wohnsitz-anmelden",
    "personalausweis-beantragen",
    "reisepass-beantragen",
    "meldebescheinigung",
    "gewerbe-anmelden",
    "hundesteuer-anmelden",
    "fuehrungszeugnis",
]


def test_harz_has_20_municipalities_with_official_keys(harz):
    municipalities = list(core.municipalities(harz))
    assert len(municipalities) == 20
    for m in municipalities:
        assert len(m.ags) == 8 and m.ags.startswith("15085"), m
        assert len(m.ars) == 12 and m.ars.startswith("15085"), m
        assert m.postcodes.exists(), m
        assert m.lat and m.lon, m
    vorharz = Region.objects.get(kind=Region.Kind.VERBANDSGEMEINDE, ars="150855051000")
    assert vorharz.children.count() == 7
    assert harz.region.parent.name == "Sachsen-Anhalt"


def test_catalogue_is_large_and_split_between_levels(harz):
    services = catalog.published_services(harz)
    assert services.count() >= 80
    assert services.filter(level=Service.Level.COUNTY).count() >= 30
    assert services.filter(level=Service.Level.MUNICIPALITY).count() >= 25
    for service in services:
        assert service.leika_key == "" or (
            len(service.leika_key) == 14 and service.leika_key.startswith("99")
        ), service
        assert 0 <= service.maturity <= 4 and service.maturity_model == "1.0"


def test_every_municipality_resolves_every_service(harz):
    """The issue's proof: each of the 20 municipalities gets an answer for every service.

    Another authority's service (level external) answers with that authority instead."""
    municipalities = list(core.municipalities(harz))
    services = list(catalog.published_services(harz))
    county_admin = harz.administration
    for service in services:
        for municipality in municipalities:
            answer = catalog.resolve_competence(service, municipality)
            if service.is_external:
                assert answer is None and service.external_url, service.slug
                continue
            assert answer is not None, (service.slug, municipality.name)
            org = answer.organisation
            if service.level == Service.Level.COUNTY:
                assert org.region == harz.region, (service.slug, org)
            elif service.level == Service.Level.MUNICIPALITY:
                assert org.kind in (
                    Organisation.Kind.MUNICIPAL_ADMINISTRATION,
                    Organisation.Kind.VERBANDSGEMEINDE_ADMINISTRATION,
                )
                assert org.region in municipality.ancestors_and_self()
            else:
                assert org.kind == Organisation.Kind.STATE_AUTHORITY
            assert answer.location is not None, (service.slug, municipality.name)
    assert county_admin is not None and county_admin.key == "lra-harz"


@pytest.mark.parametrize("slug", COUNTY_SERVICES)
def test_county_services_go_to_the_landratsamt(harz, slug):
    service = catalog.get_service(harz, slug)
    answer = catalog.resolve_competence(service, core.region_by_key("15085235"))  # Quedlinburg
    assert answer.organisation.key in ("lra-harz",) or answer.organisation.region == harz.region


@pytest.mark.parametrize("slug", MUNICIPAL_SERVICES)
def test_municipal_services_go_to_the_town_or_the_verbandsgemeinde(harz, slug):
    service = catalog.get_service(harz, slug)
    wernigerode = catalog.resolve_competence(service, core.region_by_key("15085370"))
    assert wernigerode.organisation.region.ags == "15085370"
    ditfurt = catalog.resolve_competence(service, core.region_by_key("15085090"))  # Vorharz
    assert ditfurt.organisation.key == "vg-vorharz"


def test_nearest_office_is_chosen_for_kfz_zulassung(harz):
    service = catalog.get_service(harz, "kfz-zulassung")
    answer = catalog.resolve_competence(service, core.region_by_key("15085370"))  # Wernigerode
    assert answer.location.city.startswith("Wernigerode")
    # The Quedlinburg registration office is closed: Halberstadt is nearest for Quedlinburg.
    answer = catalog.resolve_competence(service, core.region_by_key("15085235"))
    assert answer.location.city.startswith("Halberstadt")
    assert [loc.city[:11] for loc in answer.other_locations] == ["Wernigerode"]


def test_shared_postcode_points_to_several_municipalities(harz):
    names = {r.name for r in core.regions_for_postcode("06493")}
    assert {"Ballenstedt", "Harzgerode"} <= names
    assert core.regions_for_postcode("38820")[0].name == "Halberstadt"
    assert core.regions_for_postcode("10115") == []  # Berlin: not in the county
    assert core.regions_for_postcode("abcde") == []


def test_competence_rows_exist_for_each_municipal_service(harz):
    service = catalog.get_service(harz, "wohnsitz-anmelden")
    assert Competence.objects.filter(service=service).count() == 20


def test_a_new_services_competence_holds_for_its_region_only(harz):
    competence = CompetenceFactory()  # Quedlinburg → Fahrerlaubnisbehörde
    quedlinburg = core.region_by_key("15085235")
    answer = catalog.resolve_competence(competence.service, quedlinburg)
    assert answer.org_unit.key == "fahrerlaubnisbehoerde"
    assert answer.location is not None  # the unit's (or its organisation's) nearest office
    assert catalog.resolve_competence(competence.service, core.region_by_key("15085370")) is None


def test_a_competence_for_the_county_covers_every_municipality(harz):
    service = ServiceFactory(level=Service.Level.COUNTY)
    office = LocationFactory(city="Wernigerode", lat=51.835, lon=10.785)
    CompetenceFactory(service=service, region=harz.region, location=office)
    for municipality in core.municipalities(harz):
        answer = catalog.resolve_competence(service, municipality)
        assert answer.org_unit.key == "fahrerlaubnisbehoerde" and answer.location == office
