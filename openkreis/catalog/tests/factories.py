"""factory-boy factories for the catalogue: services, life events, competences, synonyms.

They add to Landkreis Harz (loaded in every test database): a service belongs to the Harz
tenant, a competence points at an existing Harz municipality and the Landratsamt's
driving-licence office unless told otherwise. Slugs start with "test-" so they never
clash with the county's catalogue.
"""

from __future__ import annotations

import factory
from factory.django import DjangoModelFactory

from openkreis.catalog.models import Competence, LifeEvent, OzgTopic, SearchSynonym, Service
from openkreis.core.models import OrgUnit, Region, Tenant


def harz() -> Tenant:
    return Tenant.objects.get(slug="harz")


class LifeEventFactory(DjangoModelFactory):
    class Meta:
        model = LifeEvent

    tenant = factory.LazyFunction(harz)
    slug = factory.Sequence(lambda n: f"test-lebenslage-{n}")
    name = factory.Sequence(lambda n: f"Testlebenslage {n}")
    summary = "Eine Lebenslage für Tests."


class ServiceFactory(DjangoModelFactory):
    """A county service of Harz; `life_events=[…]` links it to life events."""

    class Meta:
        model = Service
        skip_postgeneration_save = True

    tenant = factory.LazyFunction(harz)
    slug = factory.Sequence(lambda n: f"test-leistung-{n}")
    name = factory.Sequence(lambda n: f"Testleistung {n}")
    summary = "Eine Leistung für Tests."
    ozg_topic = OzgTopic.QUERSCHNITT
    level = Service.Level.COUNTY
    popularity = 10

    @factory.post_generation
    def life_events(self, create, extracted, **kwargs):
        if create and extracted:
            self.life_events.set(extracted)


class CompetenceFactory(DjangoModelFactory):
    """Quedlinburg → the Fahrerlaubnisbehörde, for a new service."""

    class Meta:
        model = Competence

    service = factory.SubFactory(ServiceFactory)
    region = factory.LazyFunction(lambda: Region.objects.get(ags="15085235"))
    org_unit = factory.LazyFunction(lambda: OrgUnit.objects.get(key="fahrerlaubnisbehoerde"))
    location = None


class SearchSynonymFactory(DjangoModelFactory):
    class Meta:
        model = SearchSynonym

    tenant = factory.LazyFunction(harz)
    terms = factory.Sequence(lambda n: [f"testwort{n}", f"testbegriff{n}"])
