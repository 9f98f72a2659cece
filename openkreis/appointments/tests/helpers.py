"""Helpers that set up situations from the Harz data: services by key, the first free
slot, a booking made the citizen's way, a booking for today placed directly."""

import datetime as dt

from django.utils import timezone

from openkreis.appointments import services
from openkreis.appointments.models import AppointmentService, Booking

from .factories import BookingFactory

BERLIN = services.BERLIN


def at(day: str, time: str = "07:00") -> dt.datetime:
    """A local Berlin time as aware UTC (what `now` is)."""
    return dt.datetime.fromisoformat(f"{day}T{time}").replace(tzinfo=BERLIN).astimezone(dt.UTC)


def svc(*keys):
    return [AppointmentService.objects.get(key=k) for k in keys]


def service(key):
    return AppointmentService.objects.get(key=key)


def first_slot(branch, chosen, now=None, *, after_today=False):
    """The first free slot of the first bookable day. `after_today` skips today: a test that
    moves the clock on by minutes, or posts other times of that day, must not depend on
    whether today still has slots when it runs."""
    today = (now or timezone.now()).astimezone(BERLIN).date()
    days = [d for d, _ in services.bookable_days(branch, chosen, now)]
    if after_today:
        days = [d for d in days if d > today]
    return services.free_slots(branch, chosen, days[0], now)[0]


def book(branch, chosen, slot, email="erika@example.org", now=None):
    held = services.hold(branch, chosen, slot.start, now)
    return services.confirm(held.hold_key, "Erika Mustermann", email, now=now)


def booked_today(branch, service, start, email="t@example.org"):
    """A booking for today (placed directly: the lead time forbids booking it online now)."""
    return BookingFactory(
        branch=branch,
        counter=branch.counters.filter(services=service).first(),
        chosen=[service],
        start=start,
        state=Booking.State.BOOKED,
        name="Test",
        email=email,
    )


def office_morning():
    """Today 10:00 in Berlin: on-site steps pass their time explicitly, and a real clock near
    midnight would put a booking 90 minutes ahead on another day."""
    return timezone.localtime().replace(hour=10, minute=0, second=0, microsecond=0)
