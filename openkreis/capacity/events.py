"""The Kapazitätsfinder's events (`kita.*`, docs/events.md): counts for the cockpit, never a
child's name, birth date or parent — the municipality (ARS), the age group, the start month
and the Kita's key only.

services.py records through `_event` (like reports' `_record`); the staff pages call
`record_free_places(row, actor)` when a Kita reports free places.
"""

from __future__ import annotations

from django.conf import settings
from django.utils import timezone

from openkreis.core import event_kinds
from openkreis.core.models import Event
from openkreis.core.services import record_event

from .models import Application, FreePlaces, Kita, Offer, Round, age_group_at


def _month(day) -> str:
    return f"{day:%Y-%m}"


def application_data(application: Application) -> dict:
    child = application.child
    return {
        "municipality": child.municipality.ars,
        "age_group": age_group_at(child.birth_date, application.start_month),
        "month": _month(application.start_month),
        "wishes": application.wishes.count(),
    }


def offer_data(offer: Offer) -> dict:
    application = offer.application
    kita = offer.group.kita
    days = (offer.created_at - application.applied_at).total_seconds() / 86400
    return {
        "kita": kita.key,
        "municipality": kita.municipality.ars,
        "age_group": offer.group.age_group,
        "month": _month(offer.month),
        "wish_rank": offer.wish_rank,
        "days": round(max(days, 0.0), 2),
    }


def _event(kind: str, subject: str, data: dict) -> None:
    record_event(kind, subject=subject, data=data)


def application_event(kind: str, application: Application) -> None:
    _event(kind, f"kita_application:{application.pk}", application_data(application))


def offer_event(kind: str, offer: Offer) -> None:
    _event(kind, f"kita_application:{offer.application_id}", offer_data(offer))


def round_event(kind: str, round_: Round) -> None:
    summary = round_.summary or {}
    data = {k: summary.get(k, 0) for k in ("applications", "offers", "pools", "places")}
    _event(kind, f"kita_round:{round_.pk}", data)


def offers_made(offers: list[Offer]) -> int:
    """One `kita.offer_made` per offer of a round, in one insert (a round can make
    thousands of offers); the Kitas are read in one query."""
    now = timezone.now()
    kitas = Kita.objects.select_related("municipality").in_bulk(
        {offer.group.kita_id for offer in offers}
    )
    for offer in offers:
        offer.group.kita = kitas[offer.group.kita_id]
    rows = [
        Event(
            kind=event_kinds.KITA_OFFER_MADE,
            subject=f"kita_application:{offer.application_id}",
            data=offer_data(offer),
            occurred_at=now,
            tenant=settings.OPENKREIS_TENANT,
        )
        for offer in offers
    ]
    Event.objects.bulk_create(rows, batch_size=2000)
    return len(rows)


def record_free_places(row: FreePlaces, actor=None) -> None:
    """A Kita (or the municipality) reported free places: `kita.free_places_reported` with
    the municipality, age group, month and number. `actor` is not recorded (no person in
    the log); it is accepted so the staff pages can pass it uniformly."""
    kita = row.group.kita
    _event(
        event_kinds.KITA_FREE_PLACES_REPORTED,
        f"kita_places:{kita.key}",
        {
            "kita": kita.key,
            "municipality": kita.municipality.ars,
            "age_group": row.group.age_group,
            "month": _month(row.month),
            "free": row.free,
        },
    )
