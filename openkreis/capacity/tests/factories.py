"""Test data for the Kapazitätsfinder: a parent with a child, free places at a Harz Kita
(the Kitas themselves come from tenants/harz/capacity.yaml, loaded once per session)."""

from __future__ import annotations

import datetime as dt

from django.contrib.auth import get_user_model
from django.utils import timezone

from openkreis.capacity import services
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
