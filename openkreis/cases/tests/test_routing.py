"""Where a new case goes (services.opening.routing): the competent unit, the office, the
procedure and the file-plan item — the same answer as asking the database each time, asked
once per process and kept for a few seconds (issue 26: a third of `open_case` was these
questions). A change made through the models is seen at once; one the process cannot see
(another process's change) after at most OPENKREIS_ROUTING_CACHE_SECONDS."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from openkreis.cases import services
from openkreis.cases.models import FilePlanItem, Procedure
from openkreis.cases.services import opening
from openkreis.catalog.models import Competence, Service
from openkreis.core import setupcache
from openkreis.core.models import Location, OrgUnit, Region

from .factories import FilePlanItemFactory, ProcedureFactory, applicant, open_demo_case

pytestmark = pytest.mark.django_db

ROUTING_TABLES = (
    "catalog_competence",
    "core_location",
    "cases_procedure",
    "cases_fileplanitem",
    "core_region",
)


def _uncached(service, region, unit=None):
    """The answer as open_case computed it before the cache, question by question."""
    unit = unit or opening._competent_unit(service, region)
    return (
        unit,
        opening.office_for(unit, region, service),
        services.procedure_for(service),
        services.plan_item_for(service),
    )


def test_cached_routing_equals_asking_the_database_for_every_service_and_town(harz):
    regions = [None, *Region.objects.filter(kind="municipality").order_by("name")[:6]]
    units = [None, OrgUnit.objects.get(key="fahrerlaubnisbehoerde")]
    checked = 0
    for service in Service.objects.filter(competences__isnull=False).distinct()[:12]:
        for region in regions:
            for unit in units:
                expected = _uncached(service, region, unit)
                assert tuple(opening.routing(service, region, unit)) == expected
                assert tuple(opening.routing(service, region, unit)) == expected  # the hit
                checked += 1
    assert checked >= 12 * 7 * 2


def test_a_second_case_asks_nothing_about_the_set_up(harz):
    open_demo_case()
    with CaptureQueriesContext(connection) as queries:
        case = open_demo_case()
    asked = [q["sql"] for q in queries.captured_queries if q["sql"].startswith("SELECT")]
    about_set_up = [sql for sql in asked if any(f'"{t}"' in sql for t in ROUTING_TABLES)]
    # The applicant's postcode is still looked up (it differs per case); nothing else.
    assert all("postcode" in sql for sql in about_set_up), about_set_up
    assert case.org_unit.key == "fahrerlaubnisbehoerde" and case.office is not None


def test_a_saved_competence_routes_the_next_case_at_once(harz):
    service = Service.objects.get(slug="fahrerlaubnis-ersterteilung")
    first = open_demo_case()
    other = OrgUnit.objects.exclude(pk=first.org_unit_id).order_by("pk").first()
    for competence in Competence.objects.filter(service=service):
        competence.org_unit = other
        competence.location = None
        competence.save()  # as the admin does
    assert open_demo_case().org_unit == other


def test_a_new_procedure_and_plan_item_apply_at_once(harz):
    service = Service.objects.get(slug="fahrerlaubnis-ersterteilung")
    open_demo_case()
    Procedure.services.through.objects.filter(service=service).delete()  # no signal …
    procedure = ProcedureFactory(services=[service])  # … but this m2m change has one
    FilePlanItem.services.through.objects.filter(service=service).delete()
    item = FilePlanItemFactory(services=[service])
    case = open_demo_case()
    assert case.procedure == procedure and case.plan_item == item
    assert case.file_number.startswith(item.code)


def test_a_change_another_process_made_is_seen_after_the_cache_seconds(harz, settings, monkeypatch):
    settings.OPENKREIS_ROUTING_CACHE_SECONDS = 5
    clock = [1000.0]
    monkeypatch.setattr(setupcache.time, "monotonic", lambda: clock[0])
    service = Service.objects.get(slug="fahrerlaubnis-ersterteilung")
    first = open_demo_case()
    other = OrgUnit.objects.exclude(pk=first.org_unit_id).order_by("pk").first()
    # An UPDATE sends no signal: this process learns of it as a worker learns of the
    # admin's change in another process.
    Competence.objects.filter(service=service).update(org_unit=other, location=None)
    clock[0] += 4.9
    assert open_demo_case().org_unit == first.org_unit  # still the cached answer
    clock[0] += 0.2
    assert open_demo_case().org_unit == other


def test_zero_seconds_switches_the_cache_off(harz, settings):
    settings.OPENKREIS_ROUTING_CACHE_SECONDS = 0
    service = Service.objects.get(slug="fahrerlaubnis-ersterteilung")
    first = open_demo_case()
    other = OrgUnit.objects.exclude(pk=first.org_unit_id).order_by("pk").first()
    Competence.objects.filter(service=service).update(org_unit=other, location=None)
    assert open_demo_case().org_unit == other


def test_a_moved_office_is_the_next_cases_office(harz):
    first = open_demo_case(applicant=applicant())
    assert first.office is not None
    office = Location.objects.get(pk=first.office_id)
    office.name = office.name + " (neu)"
    office.save()
    assert open_demo_case().office.name == office.name
