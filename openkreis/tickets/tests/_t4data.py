"""Stays, guests, tickets, checks and entries for the cockpit and retention tests (T4)."""

import datetime as dt
import secrets
import uuid

from django.utils import timezone

from openkreis.accounts.models import Company
from openkreis.core.models import Region
from openkreis.tickets.models import (
    Accommodation,
    Attraction,
    AttractionEntry,
    CheckEvent,
    Guest,
    SigningKey,
    Stay,
    Ticket,
)

BERLIN = timezone.get_default_timezone()


def municipality(name: str) -> Region:
    return Region.objects.get(name=name, kind=Region.Kind.MUNICIPALITY)


def accommodation(town: str = "Wernigerode", company: Company | None = None) -> Accommodation:
    company = company or Company.objects.create(name=f"Gasthof {town} GmbH")
    return Accommodation.objects.create(
        company=company, name=f"Gasthof {town}", municipality=municipality(town), town=town
    )


def stay(place, arrival: dt.date, nights: int, guests: int, **kw) -> Stay:
    made = Stay.objects.create(
        accommodation=place, arrival=arrival, departure=arrival + dt.timedelta(days=nights), **kw
    )
    for number in range(1, guests + 1):
        Guest.objects.create(stay=made, number=number, first_name="Erika", last_name="Muster")
    return made


def key() -> SigningKey:
    return SigningKey.objects.get_or_create(kid="t4-test", defaults={"public_key": "-"})[0]


def tickets_for(made: Stay) -> list[Ticket]:
    start = dt.datetime.combine(made.arrival, dt.time.min, BERLIN)
    until = dt.datetime.combine(made.departure, dt.time(23), BERLIN)
    return [
        Ticket.objects.create(
            serial=secrets.token_hex(8),
            access_key=secrets.token_urlsafe(32),
            guest=guest,
            valid_from=start,
            valid_until=until,
            zones=["harz"],
            key=key(),
            code="HX1:TEST",
        )
        for guest in made.guests.all()
    ]


def attraction(name: str = "Schloss Wernigerode") -> Attraction:
    return Attraction.objects.get_or_create(
        key=name.lower().replace(" ", "-"),
        defaults={
            "name": name,
            "kind": Attraction.Kind.CASTLE,
            "benefit": Attraction.Benefit.FREE,
            "municipality": municipality("Wernigerode"),
        },
    )[0]


def entry(ticket: Ticket, where: Attraction, when: dt.datetime, **kw) -> AttractionEntry:
    return AttractionEntry.objects.create(
        attraction=where, ticket=ticket, client_id=uuid.uuid4(), entered_at=when, **kw
    )


def check(line: str, when: dt.datetime, outcome: str = "valid") -> CheckEvent:
    return CheckEvent.objects.create(
        client_id=uuid.uuid4(), line=line, stop="", checked_at=when, outcome=outcome
    )
