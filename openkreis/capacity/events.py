"""The Kapazitätsfinder's events (`kita.*`, docs/events.md): counts for the cockpit, never a
child's name, birth date or parent — the municipality (ARS), the age group, the start month
and the Kita's key only. Doctor slots and holiday rooms write `slot.*` and `room.requested`:
the practice or host, specialty, municipality and times — never a resident's or guest's
name or e-mail address.

services.py records through `_event` (like reports' `_record`); the staff pages call
`record_free_places(row, actor)` when a Kita reports free places.
"""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.utils import timezone

from openkreis.core import event_kinds
from openkreis.core.models import Event
from openkreis.core.services import record_event

from .models import Application, FreePlaces, Kita, Offer, Round, age_group_at
from .models_providers import DoctorSlot, Practice, Room, SlotBooking


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
    kitas = Kita.objects.select_related("municipality").in_bulk(
        {offer.group.kita_id for offer in offers}
    )
    for offer in offers:
        offer.group.kita = kitas[offer.group.kita_id]
    return _bulk(
        event_kinds.KITA_OFFER_MADE,
        [(f"kita_application:{offer.application_id}", offer_data(offer)) for offer in offers],
    )


def _bulk(kind: str, rows: list[tuple[str, dict]]) -> int:
    """Events of one kind, (subject, data) each, in one insert at the same moment."""
    now = timezone.now()
    Event.objects.bulk_create(
        [
            Event(
                kind=kind,
                subject=subject,
                data=data,
                occurred_at=now,
                tenant=settings.OPENKREIS_TENANT,
            )
            for subject, data in rows
        ],
        batch_size=2000,
    )
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


# -- doctor slots and holiday rooms (providers.py, retention.py) -------------------------------
def _practice_data(slot: DoctorSlot) -> dict:
    practice = slot.practice
    return {
        "practice": practice.key,
        "specialty": practice.specialty,
        "municipality": practice.municipality.ars,
        "minutes": slot.minutes,
    }


def _days(later: dt.datetime, earlier: dt.datetime) -> float:
    return round(max((later - earlier).total_seconds() / 86400, 0.0), 1)


def slots_published(practice: Practice, count: int, source: str) -> None:
    """`slot.published`: a practice published `count` new slots (entered or imported)."""
    if count:
        _event(
            event_kinds.SLOT_PUBLISHED,
            f"practice:{practice.key}",
            {
                "practice": practice.key,
                "specialty": practice.specialty,
                "municipality": practice.municipality.ars,
                "count": count,
                "source": source,
            },
        )


def slot_booked(booking: SlotBooking) -> None:
    """`slot.booked`: the practice, specialty, municipality, length and `days_ahead` (from
    the booking to the appointment) — never the resident's name or e-mail."""
    slot = booking.slot
    data = {**_practice_data(slot), "days_ahead": _days(slot.start, booking.created_at)}
    _event(event_kinds.SLOT_BOOKED, f"doctor_slot:{slot.pk}", data)


def slot_cancelled(booking: SlotBooking, by: str) -> None:
    """`slot.cancelled` by the resident (their link) or the practice; `days_ahead` from the
    cancellation to the appointment."""
    slot = booking.slot
    data = {
        **_practice_data(slot),
        "by": by,
        "days_ahead": _days(slot.start, booking.cancelled_at or timezone.now()),
    }
    _event(event_kinds.SLOT_CANCELLED, f"doctor_slot:{slot.pk}", data)


def slots_expired(slots: list[DoctorSlot]) -> int:
    """`slot.expired` for each published slot whose time passed without a booking (one
    insert; written by retention.purge_providers before it deletes them)."""
    return _bulk(
        event_kinds.SLOT_EXPIRED,
        [(f"doctor_slot:{slot.pk}", _practice_data(slot)) for slot in slots],
    )


def room_requested(room: Room, arrival: dt.date, departure: dt.date, persons: int) -> None:
    """`room.requested`: a guest's request went to the host — the host, municipality,
    persons, nights and `days_ahead` (today to arrival); never the guest."""
    _event(
        event_kinds.ROOM_REQUESTED,
        f"room:{room.pk}",
        {
            "host": room.host.key,
            "municipality": room.host.municipality.ars,
            "persons": persons,
            "nights": (departure - arrival).days,
            "days_ahead": (arrival - timezone.localdate()).days,
        },
    )
