"""factory-boy factories for the Mängelmelder models.

Tests run against the Harz data (loaded once per session: categories, areas and the
routing table come from tenants/harz/reports.yaml), so a report made here takes an existing
category and area and the unit the routing table names. It skips the form and the service
(no event, no photo checks): for tests that need a report in a given state.
"""

from __future__ import annotations

import secrets

import factory
from factory.django import DjangoModelFactory

from openkreis.reports.models import Area, Category, Follower, Report, Route, StatusChange


def _category():
    return Category.objects.get(key="strasse")


def _area():
    return Area.objects.get(region__name="Halberstadt")


class ReportFactory(DjangoModelFactory):
    class Meta:
        model = Report
        skip_postgeneration_save = True  # the history hook saves nothing on the report

    category = factory.LazyFunction(_category)
    area = factory.LazyFunction(_area)
    unit = factory.LazyAttribute(lambda o: Route.objects.get(category=o.category, area=o.area).unit)
    lat = factory.LazyAttribute(lambda o: o.area.region.lat)
    lon = factory.LazyAttribute(lambda o: o.area.region.lon)
    description = "Schlagloch"
    email = factory.Sequence(lambda n: f"melder{n}@example.org")
    idempotency_key = factory.LazyFunction(lambda: secrets.token_urlsafe(24))

    @factory.post_generation
    def history(self, create, extracted, **kwargs):
        if create:
            StatusChange.objects.create(report=self, to_status=self.status)


class FollowerFactory(DjangoModelFactory):
    class Meta:
        model = Follower

    report = factory.SubFactory(ReportFactory)
    email = factory.Sequence(lambda n: f"betroffen{n}@example.org")
