"""factory-boy factories for the core models: regions, organisations, org units, locations
and staff memberships.

Every test database has Landkreis Harz loaded (the session fixture in conftest.py), so a
factory that needs something to hang on takes an existing Harz row by default (the county,
the Landratsamt) rather than building a county of its own; what it makes itself gets keys
that cannot clash with the county's data ("test-…", AGS/ARS outside Sachsen-Anhalt).
"""

from __future__ import annotations

import factory
from django.contrib.auth import get_user_model
from factory.django import DjangoModelFactory

from openkreis.core.models import Location, Organisation, OrgUnit, Region, StaffMembership
from openkreis.core.testing import STAFF_PASSWORD

PASSWORD = "geheim-passwort-2026"  # a test account's password (not a staff account)


def harz_county() -> Region:
    return Region.objects.get(kind=Region.Kind.COUNTY, tenant__slug="harz")


def harz_administration() -> Organisation:
    return Organisation.objects.get(key="lra-harz")


class RegionFactory(DjangoModelFactory):
    """A municipality in Harz with made-up official keys (98… is no real Land; the test
    county Musterkreis uses 99…)."""

    class Meta:
        model = Region

    kind = Region.Kind.MUNICIPALITY
    name = factory.Sequence(lambda n: f"Testgemeinde {n}")
    ags = factory.Sequence(lambda n: f"98{n:06d}")
    ars = factory.LazyAttribute(lambda o: f"{o.ags[:5]}0000{o.ags[5:]}")
    parent = factory.LazyFunction(harz_county)


class OrganisationFactory(DjangoModelFactory):
    """A municipal administration of a new test municipality."""

    class Meta:
        model = Organisation

    key = factory.Sequence(lambda n: f"test-verwaltung-{n}")
    name = factory.Sequence(lambda n: f"Testverwaltung {n}")
    kind = Organisation.Kind.MUNICIPAL_ADMINISTRATION
    region = factory.SubFactory(RegionFactory)
    email = factory.LazyAttribute(lambda o: f"{o.key}@example.org")


class LocationFactory(DjangoModelFactory):
    """A building of the Landratsamt (pass `organisation` for another one)."""

    class Meta:
        model = Location

    organisation = factory.LazyFunction(harz_administration)
    key = factory.Sequence(lambda n: f"test-standort-{n}")
    name = factory.Sequence(lambda n: f"Teststandort {n}")
    street = "Friedrich-Ebert-Straße 42"
    postcode = "38820"
    city = "Halberstadt"


class OrgUnitFactory(DjangoModelFactory):
    """A Sachgebiet of the Landratsamt; `locations=[…]` sets where it receives visitors."""

    class Meta:
        model = OrgUnit
        skip_postgeneration_save = True

    organisation = factory.LazyFunction(harz_administration)
    key = factory.Sequence(lambda n: f"test-sachgebiet-{n}")
    name = factory.Sequence(lambda n: f"Testsachgebiet {n}")
    kind = OrgUnit.Kind.SACHGEBIET

    @factory.post_generation
    def locations(self, create, extracted, **kwargs):
        if create and extracted:
            self.locations.set(extracted)


class UserFactory(DjangoModelFactory):
    """A user account (get_user_model()): no role, no second factor, no verified address.
    The apps above add what they need (accounts: a citizen with a confirmed address)."""

    class Meta:
        model = get_user_model()
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"person-{n}")
    email = factory.LazyAttribute(lambda o: f"{o.username}@example.org")
    password = factory.django.Password(PASSWORD)


class StaffUserFactory(UserFactory):
    """A staff member's account, with the staff password of openkreis.core.testing."""

    username = factory.Sequence(lambda n: f"mitarbeiter-{n}")
    password = factory.django.Password(STAFF_PASSWORD)


class StaffMembershipFactory(DjangoModelFactory):
    """A caseworker in a new unit of the Landratsamt."""

    class Meta:
        model = StaffMembership

    user = factory.SubFactory(StaffUserFactory)
    org_unit = factory.SubFactory(OrgUnitFactory)
    role = StaffMembership.Role.CASEWORKER


class StaffFactory(StaffUserFactory):
    """A staff member with `role` in the Harz unit with the key `unit` (by default a
    caseworker of the Fahrerlaubnisbehörde): `StaffFactory(username="sb-1", unit="sozialamt",
    role="team_lead")`. No second factor: for tests of services, where the user is only the
    actor. Tests that log in through the pages use openkreis.core.testing.make_staff."""

    class Params:
        unit = "fahrerlaubnisbehoerde"
        role = StaffMembership.Role.CASEWORKER

    membership = factory.RelatedFactory(
        StaffMembershipFactory,
        factory_related_name="user",
        org_unit=factory.LazyAttribute(lambda o: OrgUnit.objects.get(key=o.factory_parent.unit)),
        role=factory.SelfAttribute("..role"),
    )
