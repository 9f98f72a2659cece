"""Test data for the Kapazitätsfinder: a parent with a child, free places at a Harz Kita
(the Kitas themselves come from tenants/harz/capacity.yaml, loaded once per session)."""

from __future__ import annotations

import datetime as dt

from django.contrib.auth import get_user_model
from django.utils import timezone

from openkreis.appointments import services as engine
from openkreis.capacity import providers, services
from openkreis.capacity.models import Child, FreePlaces, Kita, KitaGroup
from openkreis.core.models import Region

WERNIGERODE, HALBERSTADT = "150850370370", "150850135135"


def parent(name: str):
    return get_user_model().objects.create_user(name, f"{name}@example.org", "x" * 20)


def child(who, name: str, born: dt.date, ars: str = WERNIGERODE, siblings=()) -> Child:
    made = Child.objects.create(
        parent=who, first_name=name, birth_date=born, municipality=Region.objects.get(ars=ars)
    )
    made.siblings_at.set(siblings)
    return made


def start() -> dt.date:
    """A start month two months ahead (applications must start this month or later)."""
    return services.add_months(services.first_of_month(timezone.localdate()), 2)


def baby() -> dt.date:
    """A birth date that makes a Krippe child at `start()` (one year and two months old)."""
    return services.add_months(start(), -14)


def free(kita: Kita, group: str, month: dt.date, n: int) -> FreePlaces:
    return FreePlaces.objects.create(
        group=KitaGroup.objects.get(kita=kita, age_group=group), month=month, free=n
    )


# -- doctor slots and holiday rooms (test_providers.py) ----------------------------------------
def practice(key: str = "test-praxis", specialty: str = "allgemeinmedizin", ars=WERNIGERODE, **kw):
    from openkreis.capacity.models import Practice

    return Practice.objects.create(
        key=key,
        name=kw.pop("name", f"Praxis {key}"),
        specialty=specialty,
        municipality=Region.objects.get(ars=ars),
        town="Wernigerode",
        **kw,
    )


def slot(practice_, days: int = 3, hour: int = 10, minutes: int = 15):
    from openkreis.capacity.models import DoctorSlot
    from openkreis.capacity.providers import BERLIN

    day = timezone.localdate() + dt.timedelta(days=days)
    start = dt.datetime.combine(day, dt.time(hour), tzinfo=BERLIN)
    return DoctorSlot.objects.create(practice=practice_, start=start, minutes=minutes)


def booked(slot_, code: str, name: str, email: str, state: str = "booked", user=None):
    """A booking placed directly, past slots too: a booked one holds the engine's claim of
    the slot (as providers.book makes it), a cancelled one none."""
    from openkreis.capacity.models import SlotBooking

    claim = None
    if state == "booked":
        earlier = slot_.start - dt.timedelta(days=1)
        claim = engine.claim_dated(providers.resource(slot_.practice), slot_.start, now=earlier)
    return SlotBooking.objects.create(
        slot=slot_, code=code, name=name, email=email, state=state, user=user, claim=claim
    )


def host_with_room(key: str = "test-host", ars=WERNIGERODE, persons: int = 2):
    from openkreis.capacity.models import Host, Room

    host = Host.objects.create(
        key=key,
        name=f"Gastgeber {key}",
        email=f"{key}@example.org",
        municipality=Region.objects.get(ars=ars),
    )
    room = Room.objects.create(
        host=host, key="zimmer", name=f"Zimmer {key}", persons=persons, price_from=50, price_to=70
    )
    return host, room
