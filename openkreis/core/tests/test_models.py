"""The core models' own rules: a region's county, where a unit receives visitors, the
distance to an office, and whose units a staff member's role covers."""

import math

import pytest

from openkreis.core import staff
from openkreis.core.models import OrgUnit, Region, StaffMembership

from .factories import (
    LocationFactory,
    OrganisationFactory,
    OrgUnitFactory,
    RegionFactory,
    StaffFactory,
)

pytestmark = pytest.mark.django_db


def test_a_municipality_knows_its_county_and_state(harz):
    town = RegionFactory(name="Neudorf")
    chain = [r.kind for r in town.ancestors_and_self()]
    assert chain == [
        Region.Kind.MUNICIPALITY,
        Region.Kind.COUNTY,
        Region.Kind.STATE,
    ]
    assert town.county() == harz.region
    assert RegionFactory(parent=None).county() is None


def test_a_unit_receives_visitors_in_its_own_rooms_else_its_organisations(harz):
    organisation = OrganisationFactory()
    hall, annex = (
        LocationFactory(organisation=organisation),
        LocationFactory(organisation=organisation),
    )
    unit = OrgUnitFactory(organisation=organisation)
    assert set(unit.visitor_locations()) == {hall, annex}
    own = OrgUnitFactory(organisation=organisation, locations=[annex])
    assert own.visitor_locations() == [annex]
    assert own.contact_email() == organisation.email  # the unit has none of its own


def test_distance_to_an_office_without_coordinates_is_infinite():
    office = LocationFactory.build(lat=51.8957, lon=11.0466)  # Halberstadt
    assert office.distance_km(51.8, 11.0) == pytest.approx(11.1, abs=0.5)
    assert office.distance_km(None, 11.0) == math.inf
    assert LocationFactory.build().distance_km(51.8, 11.0) == math.inf


def test_a_role_in_a_unit_covers_its_sub_units_added_later(harz):
    parent = OrgUnit.objects.get(key="dezernat-2")
    team = OrgUnitFactory(organisation=parent.organisation, parent=parent)
    lead = StaffFactory(unit="dezernat-2", role=StaffMembership.Role.TEAM_LEAD)
    assert team.pk in staff.unit_ids_for(lead, [StaffMembership.Role.TEAM_LEAD])
    worker = StaffFactory(unit=team.key)
    assert staff.unit_ids_for(worker, [StaffMembership.Role.CASEWORKER]) == {team.pk}
    assert staff.unit_ids_for(worker, [StaffMembership.Role.TEAM_LEAD]) == set()
