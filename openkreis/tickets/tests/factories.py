"""Test data for the tickets app (owner: T2 hosts helper; others may add functions at the end).

The scheme, zones and levy rates come from tenants/harz/tickets.yaml (loaded once per test
session with the county). A host is a company account with a member and accommodations."""

from __future__ import annotations

import datetime as dt

from django.contrib.auth import get_user_model
from django.utils import timezone

from openkreis.accounts import services as accounts
from openkreis.core.models import Region
from openkreis.tickets import services
from openkreis.tickets.models import Accommodation, Stay

WERNIGERODE, THALE, HALBERSTADT = "150850370370", "150850330330", "150850135135"


def member(name: str):
    """A citizen account (password "x" * 20)."""
    return get_user_model().objects.create_user(name, f"{name}@example.org", "x" * 20)


def host(name: str = "host", company: str = "Pension Test"):
    """A company account with one member (its administrator); returns (user, company)."""
    user = member(name)
    return user, accounts.create_company(user, name=company)


def accommodation(company, name: str = "Haus am Brocken", ars: str = WERNIGERODE) -> Accommodation:
    return Accommodation.objects.create(
        company=company, name=name, municipality=Region.objects.get(ars=ars), town="Wernigerode"
    )


def stay(
    place: Accommodation,
    *,
    arrival: dt.date | None = None,
    nights: int = 3,
    adults: int = 2,
    children: int = 0,
    paid: bool = False,
    reference: str = "",
    names=None,
) -> Stay:
    arrival = arrival or timezone.localdate()
    counts = {"adult": adults, "child": children}
    return services.register_stay(
        place,
        arrival=arrival,
        departure=arrival + dt.timedelta(days=nights),
        counts=counts,
        names=names,
        paid=paid,
        reference=reference,
    )
