"""factory-boy factories for the appointments models.

Tests run against the Harz data (loaded once per session), so a factory that needs a
place to hang on takes an existing organisation rather than building a county; everything
the app owns (services, branches, counters, bookings, tickets) is made fresh. A booking
made here skips the booking rules (lead time, free cells): for tests that need a booking
in a given state, not for tests of booking itself.
"""

from __future__ import annotations

import datetime as dt
import secrets

import factory
from django.utils import timezone
from factory.django import DjangoModelFactory

from openkreis.appointments.models import (
    AppointmentService,
    Booking,
    Branch,
    Closure,
    Counter,
    DayCounter,
    SlotClaim,
    Ticket,
)
from openkreis.appointments.services import BERLIN, _new_code
from openkreis.core.models import Location, Organisation


def _today() -> dt.date:
    return timezone.now().astimezone(BERLIN).date()


def _set_services(obj, create, extracted, **kwargs):
    """`services=[…]`: the appointment services a branch or counter offers (set after save)."""
    if create and extracted:
        obj.services.set(extracted)


class LocationFactory(DjangoModelFactory):
    """A core location at an existing Harz organisation, for a branch of its own."""

    class Meta:
        model = Location

    organisation = factory.LazyFunction(lambda: Organisation.objects.order_by("pk").first())
    key = factory.Sequence(lambda n: f"test-standort-{n}")
    name = factory.Sequence(lambda n: f"Teststandort {n}")
    street = "Friedrich-Ebert-Straße 42"
    postcode = "38820"
    city = "Halberstadt"


class AppointmentServiceFactory(DjangoModelFactory):
    class Meta:
        model = AppointmentService

    key = factory.Sequence(lambda n: f"test-leistung-{n}")
    name = factory.Sequence(lambda n: f"Testleistung {n}")
    minutes = 15
    prefix = "Z"


class BranchFactory(DjangoModelFactory):
    class Meta:
        model = Branch
        skip_postgeneration_save = True  # the hooks only set many-to-many rows

    location = factory.SubFactory(LocationFactory)
    services = factory.PostGeneration(_set_services)


class CounterFactory(DjangoModelFactory):
    class Meta:
        model = Counter
        skip_postgeneration_save = True  # the hooks only set many-to-many rows

    branch = factory.SubFactory(BranchFactory)
    label = factory.Sequence(lambda n: f"Schalter T{n}")
    services = factory.PostGeneration(_set_services)


class ClosureFactory(DjangoModelFactory):
    class Meta:
        model = Closure

    branch = factory.SubFactory(BranchFactory)
    first_day = factory.LazyFunction(lambda: _today() + dt.timedelta(days=7))
    last_day = factory.SelfAttribute("first_day")
    reason = "Betriebsausflug"


class BookingFactory(DjangoModelFactory):
    """A booked appointment tomorrow (pass `state` for another one). `chosen` is the list of
    services booked; by default one fresh 15-minute service."""

    class Meta:
        model = Booking
        skip_postgeneration_save = True  # the hooks only set many-to-many rows

    class Params:
        chosen = factory.LazyFunction(lambda: [AppointmentServiceFactory()])

    code = factory.LazyFunction(_new_code)
    hold_key = factory.LazyFunction(lambda: secrets.token_urlsafe(24))
    branch = factory.SubFactory(BranchFactory)
    counter = factory.SubFactory(CounterFactory, branch=factory.SelfAttribute("..branch"))
    service_keys = factory.LazyAttribute(lambda o: [s.key for s in o.chosen])
    minutes = factory.LazyAttribute(lambda o: sum(s.minutes for s in o.chosen))
    start = factory.LazyFunction(lambda: timezone.now() + dt.timedelta(days=1))
    end = factory.LazyAttribute(lambda o: o.start + dt.timedelta(minutes=o.minutes))
    state = Booking.State.BOOKED
    name = "Test"
    email = factory.Sequence(lambda n: f"person{n}@example.org")

    @factory.post_generation
    def services(self, create, extracted, **kwargs):
        if create:
            self.services.set(AppointmentService.objects.filter(key__in=self.service_keys))


class SlotClaimFactory(DjangoModelFactory):
    class Meta:
        model = SlotClaim

    booking = factory.SubFactory(BookingFactory)
    counter = factory.SelfAttribute("booking.counter")
    start = factory.SelfAttribute("booking.start")


class DayCounterFactory(DjangoModelFactory):
    class Meta:
        model = DayCounter

    branch = factory.SubFactory(BranchFactory)
    day = factory.LazyFunction(_today)
    prefix = "Z"


class TicketFactory(DjangoModelFactory):
    """A waiting walk-in ticket of today (pass `booking` for an appointment holder's)."""

    class Meta:
        model = Ticket

    branch = factory.SubFactory(BranchFactory)
    service = factory.SubFactory(AppointmentServiceFactory)
    number = factory.Sequence(lambda n: f"Z{n % 1000:03d}")
    day = factory.LazyFunction(_today)
    token = factory.LazyFunction(lambda: secrets.token_urlsafe(16))
