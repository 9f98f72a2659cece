"""Doctor slots and holiday rooms: search, booking without double booking, cancellation with
the waiting list, calendar imports, the request to a host, and the county's demo data
(tenants/<slug>/capacity_providers.yaml). docs/capacity.md, "Doctor slots and holiday rooms".

No double booking is the appointments engine's claim, not a second mechanism here: each
practice is a private resource of the engine (`appointments.services.private_resource`, a
Branch no public page lists), booking a slot claims its start there
(`claim_dated`: one unique SlotClaim row, the loser of a race gets SlotTaken), cancelling
gives the claim back (`release_dated`), and "is this slot free" reads the claims.
"""

from __future__ import annotations

import datetime as dt
import secrets
from pathlib import Path

from django.conf import settings
from django.core import signing
from django.core.mail import EmailMessage, send_mail
from django.db import IntegrityError, transaction
from django.db.models import Exists, OuterRef
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.translation import gettext as _
from icalendar import Calendar, Event

from openkreis.appointments import services as engine
from openkreis.core.loader import LoadReport, TenantDataError, read_yaml, upsert
from openkreis.core.models import Region

from . import events, ical
from .models_providers import (
    DoctorSlot,
    Host,
    Practice,
    Room,
    RoomPeriod,
    SlotBooking,
    Specialty,
    WaitlistEntry,
)

BERLIN = ical.BERLIN
FILE = "capacity_providers.yaml"
TOKEN_SALT = "capacity.slot-booking"  # noqa: S105 - a signing salt
CODE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"
MAX_NIGHTS = 60
RETENTION_DAYS = 30  # default of the county setting `retention_days` (capacity/retention.py)


# The engine's errors: BookingError (the slot cannot be booked: past, unknown; the message
# says why) and its subclass SlotTaken (somebody else claimed this slot a moment earlier).
BookingError = engine.BookingError
SlotTaken = engine.SlotTaken


# -- doctor slots -----------------------------------------------------------------------------
def _claimed():
    """The engine's claim of a DoctorSlot (for an Exists subquery over slots)."""
    return engine.dated_claims().filter(
        counter=OuterRef("practice__resource"), start=OuterRef("start")
    )


def resource(practice: Practice):
    """The practice's private resource in the appointments engine (made on first use)."""
    if practice.resource_id is None:
        counter = engine.private_resource(f"practice:{practice.key}", practice.name)
        Practice.objects.filter(pk=practice.pk, resource=None).update(resource=counter)
        practice.resource = counter
    return practice.resource


def is_taken(slot: DoctorSlot) -> bool:
    """Whether somebody holds the engine's claim of this slot (read afresh: one query)."""
    return DoctorSlot.objects.filter(pk=slot.pk).filter(Exists(_claimed())).exists()


def free_slots(
    specialty: str = "",
    municipality: Region | None = None,
    day: dt.date | None = None,
    now: dt.datetime | None = None,
    practice: Practice | None = None,
):
    """Slots nobody has booked, from now on, soonest first."""
    now = now or timezone.now()
    qs = (
        DoctorSlot.objects.filter(practice__active=True, start__gte=now)
        .annotate(taken=Exists(_claimed()))
        .filter(taken=False)
        .select_related("practice", "practice__municipality")
    )
    if specialty:
        qs = qs.filter(practice__specialty=specialty)
    if municipality is not None:
        qs = qs.filter(practice__municipality=municipality)
    if practice is not None:
        qs = qs.filter(practice=practice)
    if day is not None:
        begin = dt.datetime.combine(day, dt.time(), tzinfo=BERLIN)
        qs = qs.filter(start__gte=begin, start__lt=begin + dt.timedelta(days=1))
    return qs.order_by("start", "practice__name")


def add_slot(
    practice: Practice, start: dt.datetime, minutes: int, source="manual", record=True
) -> bool:
    """Publish one slot; False when the practice has one at that time already. `record`:
    write `slot.published` (the import writes one event for all its slots)."""
    _, created = DoctorSlot.objects.get_or_create(
        practice=practice, start=start, defaults={"minutes": minutes, "source": source}
    )
    if created and record:
        events.slots_published(practice, 1, source)
    return created


def import_slots(practice: Practice, data: bytes | str, now: dt.datetime | None = None) -> int:
    """Publish the free slots of an iCalendar file or feed (ical.free_slots); returns how
    many are new. ICalError when the file cannot be used."""
    now = now or timezone.now()
    found = ical.free_slots(data, now)
    created = 0
    with transaction.atomic():
        for start, minutes in found:
            created += add_slot(practice, start, minutes, DoctorSlot.Source.ICAL, record=False)
        events.slots_published(practice, created, DoctorSlot.Source.ICAL)
    return created


def remove_slot(slot: DoctorSlot) -> bool:
    """A practice takes back a slot nobody has booked; False when it is booked."""
    with transaction.atomic():
        slot = DoctorSlot.objects.select_for_update().get(pk=slot.pk)
        if is_taken(slot):
            return False
        slot.delete()
    return True


def _code() -> str:
    return "".join(secrets.choice(CODE_ALPHABET) for _ in range(8))


def book(slot_id: int, name: str, email: str, user=None, now=None, base_url="") -> SlotBooking:
    """Book a free slot. The engine's claim decides (`claim_dated`): of residents booking
    the same slot at once exactly one gets it; the others get SlotTaken. The confirmation
    e-mail (with an .ics file and a cancel link) leaves after commit."""
    now = now or timezone.now()
    name, email = (name or "").strip(), (email or "").strip().lower()
    if not name or not email:
        raise BookingError(_("Please give your name and e-mail address."))
    slot = DoctorSlot.objects.select_related("practice").filter(pk=slot_id).first()
    if slot is None or not slot.practice.active:
        raise BookingError(_("This slot does not exist (any more). Please choose another one."))
    if slot.start < now:
        raise BookingError(_("This slot is in the past. Please choose a later one."))
    counter = resource(slot.practice)  # its own transaction: made once, shared by all
    try:
        with transaction.atomic():
            claim = engine.claim_dated(counter, slot.start, now)
            booking = SlotBooking.objects.create(
                slot=slot,
                code=_code(),
                name=name,
                email=email,
                user=user if getattr(user, "is_authenticated", False) else None,
                created_at=now,
                claim=claim,
            )
            events.slot_booked(booking)
    except IntegrityError:  # the practice removed the slot at this moment
        raise SlotTaken(_("This slot has just been taken. Please choose another one.")) from None
    transaction.on_commit(lambda: send_confirmation(booking, base_url))
    return booking


def cancel_token(booking: SlotBooking) -> str:
    return signing.dumps(booking.code, salt=TOKEN_SALT)


def booking_from_token(token: str) -> SlotBooking | None:
    try:
        code = signing.loads(token, salt=TOKEN_SALT, max_age=60 * 60 * 24 * 120)
    except signing.BadSignature:
        return None
    return SlotBooking.objects.select_related("slot__practice").filter(code=code).first()


def cancel(booking: SlotBooking, now=None, base_url: str = "", by: str = "resident") -> bool:
    """Cancel a booking: the slot is free again at once (if still ahead), and the first N
    people on the practice's waiting list hear of it after commit. False if it was
    cancelled already. `by`: "resident" or "practice" (for the event `slot.cancelled`)."""
    now = now or timezone.now()
    with transaction.atomic():
        claim_id = (
            SlotBooking.objects.select_for_update()
            .filter(pk=booking.pk, state=SlotBooking.State.BOOKED)
            .values_list("claim_id", flat=True)
            .first()
        )
        if claim_id is None:
            return False
        SlotBooking.objects.filter(pk=booking.pk).update(
            state=SlotBooking.State.CANCELLED, cancelled_at=now, claim=None
        )
        engine.release_dated([claim_id])  # the slot is free again
        booking.state, booking.cancelled_at, booking.claim = SlotBooking.State.CANCELLED, now, None
        events.slot_cancelled(booking, by)
        slot = booking.slot
        if slot.start > now:
            transaction.on_commit(lambda: notify_waiting(slot, now, base_url))
    return True


def join_waitlist(practice: Practice, name: str, email: str, now=None) -> bool:
    """Put someone on the practice's waiting list (at the end); False when they are on it
    and not told yet."""
    now = now or timezone.now()
    entry, created = WaitlistEntry.objects.get_or_create(
        practice=practice,
        specialty=practice.specialty,
        email=email.strip().lower(),
        defaults={"name": name.strip(), "created_at": now},
    )
    if created:
        return True
    if entry.notified_at is None:
        return False
    entry.notified_at, entry.created_at, entry.name = None, now, name.strip()
    entry.save(update_fields=["notified_at", "created_at", "name"])
    return True


def notify_waiting(slot: DoctorSlot, now=None, base_url: str = "") -> int:
    """Tell the first `practice.notify_waiting` people waiting for this practice and
    specialty that a slot is free (first come, first served: they book it like anyone).
    Each is told once and then leaves the list."""
    now = now or timezone.now()
    base_url = base_url or getattr(settings, "WAGTAILADMIN_BASE_URL", "")
    practice = slot.practice
    if is_taken(slot):  # booked again before anyone could be told: nobody loses their place
        return 0
    with transaction.atomic():
        entries = list(
            WaitlistEntry.objects.select_for_update(skip_locked=True)
            .filter(practice=practice, specialty=practice.specialty, notified_at=None)
            .order_by("created_at", "id")[: practice.notify_waiting]
        )
        sent = 0
        for entry in entries:
            body = render_to_string(
                "capacity/providers/mail_slot_free.txt",
                {"entry": entry, "slot": slot, "base_url": base_url},
            )
            subject = _("A slot is free at %(practice)s") % {"practice": practice.name}
            sent += send_mail(subject, body, None, [entry.email])
            entry.notified_at = now
            entry.save(update_fields=["notified_at"])
    return sent


def slot_ics(booking: SlotBooking) -> bytes:
    slot = booking.slot
    calendar = Calendar()
    calendar.add("prodid", "-//openkreis//freie-termine//DE")
    calendar.add("version", "2.0")
    event = Event()
    event.add("uid", f"{booking.code}@openkreis")
    event.add("dtstamp", timezone.now())
    event.add("dtstart", slot.start)
    event.add("dtend", slot.end)
    event.add("summary", slot.practice.name)
    place = ", ".join(x for x in (slot.practice.street, slot.practice.town) if x)
    if place:
        event.add("location", place)
    calendar.add_component(event)
    return calendar.to_ical()


def send_confirmation(booking: SlotBooking, base_url: str = "") -> None:
    body = render_to_string(
        "capacity/providers/mail_booked.txt",
        {
            "booking": booking,
            "slot": booking.slot,
            "token": cancel_token(booking),
            "base_url": base_url,
        },
    )
    subject = _("Your appointment at %(practice)s") % {"practice": booking.slot.practice.name}
    message = EmailMessage(subject, body, settings.DEFAULT_FROM_EMAIL, [booking.email])
    message.attach("termin.ics", slot_ics(booking), "text/calendar")
    message.send()


# -- holiday rooms ----------------------------------------------------------------------------
def room_is_free(room: Room, arrival: dt.date, departure: dt.date) -> bool:
    periods = list(room.periods.all())
    if any(p.kind == "busy" and p.first < departure and arrival < p.until for p in periods):
        return False
    free = [p for p in periods if p.kind == "free"]
    return not free or any(p.first <= arrival and departure <= p.until for p in free)


def free_rooms(
    arrival: dt.date, departure: dt.date, persons: int, municipality: Region | None = None
) -> list[Room]:
    """Rooms for `persons` free for every night from `arrival` to the night before
    `departure`."""
    qs = Room.objects.filter(host__active=True, persons__gte=persons).select_related(
        "host", "host__municipality"
    )
    if municipality is not None:
        qs = qs.filter(host__municipality=municipality)
    qs = qs.exclude(
        Exists(
            RoomPeriod.objects.filter(
                room=OuterRef("pk"), kind="busy", first__lt=departure, until__gt=arrival
            )
        )
    ).prefetch_related("periods")
    return [r for r in qs.order_by("persons", "price_from") if room_is_free(r, arrival, departure)]


def add_period(room: Room, first: dt.date, until: dt.date, kind: str = "free") -> RoomPeriod:
    return RoomPeriod.objects.create(room=room, first=first, until=until, kind=kind)


def import_busy(room: Room, data: bytes | str, today: dt.date | None = None) -> int:
    """Replace the room's imported busy periods with those of its booking channel's feed."""
    today = today or timezone.localdate()
    periods = ical.busy_nights(data, today)
    with transaction.atomic():
        room.periods.filter(imported=True).delete()
        RoomPeriod.objects.bulk_create(
            [
                RoomPeriod(room=room, first=a, until=b, kind="busy", imported=True)
                for a, b in periods
            ]
        )
    return len(periods)


def send_room_request(room: Room, data: dict) -> None:
    """The guest's request goes to the host by e-mail (reply goes to the guest); nothing is
    stored here."""
    body = render_to_string("capacity/providers/mail_room_request.txt", {"room": room, **data})
    subject = _("Request for %(room)s, %(arrival)s–%(departure)s") % {
        "room": room.name,
        "arrival": data["arrival"].strftime("%d.%m.%Y"),
        "departure": data["departure"].strftime("%d.%m.%Y"),
    }
    EmailMessage(
        subject, body, settings.DEFAULT_FROM_EMAIL, [room.host.email], reply_to=[data["email"]]
    ).send()
    events.room_requested(room, data["arrival"], data["departure"], data["persons"])


# -- county data ------------------------------------------------------------------------------
def _region(path: Path, where: str, ars, county) -> Region:
    qs = Region.objects.filter(kind=Region.Kind.MUNICIPALITY, ars=str(ars or ""))
    if county is not None:
        qs = qs.filter(ars__startswith=county.ars[:5])
    region = qs.first()
    if region is None:
        raise TenantDataError(f"{path}: {where}: unknown municipality {ars!r} (ARS, 12 digits)")
    return region


def _setting(path: Path, data: dict, name: str, default: int, most: int) -> int:
    value = (data.get("settings") or {}).get(name, default)
    if not isinstance(value, int) or isinstance(value, bool) or not 1 <= value <= most:
        raise TenantDataError(f"{path}: settings: {name} must be a whole number 1–{most}")
    return value


def load(tenant, folder: Path, report: LoadReport) -> None:
    """tenants/<slug>/capacity_providers.yaml: practices (with demo slots a few days ahead)
    and hosts with rooms. Called by config.load; a county without the file has none."""
    path = folder / FILE
    if not path.exists():
        return
    data = read_yaml(path)
    county = tenant.region if tenant is not None else None
    notify = _setting(path, data, "waitlist_notify", 3, 50)
    keep = _setting(path, data, "retention_days", RETENTION_DAYS, 3650)
    for item in data.get("practices") or []:
        key = str(item.get("key") or "").strip()
        where = f"practices: {key or '?'}"
        if not key or not item.get("name"):
            raise TenantDataError(f"{path}: {where}: key and name are needed")
        if item.get("specialty") not in Specialty.values:
            raise TenantDataError(
                f"{path}: {where}: specialty must be one of {', '.join(Specialty.values)}"
            )
        practice = upsert(
            Practice,
            report,
            {"key": key},
            {
                "name": str(item["name"]),
                "specialty": item["specialty"],
                "street": str(item.get("street") or ""),
                "postcode": str(item.get("postcode") or ""),
                "town": str(item.get("town") or ""),
                "municipality": _region(path, where, item.get("municipality"), county),
                "lat": item.get("lat"),
                "lon": item.get("lon"),
                "hours": str(item.get("hours") or ""),
                "languages": ", ".join(item.get("languages") or []),
                "barrier_free": bool(item.get("barrier_free")),
                "phone": str(item.get("phone") or ""),
                "email": str(item.get("email") or ""),
                "notify_waiting": notify,
                "retention_days": keep,
            },
        )
        demo = item.get("demo_slots") or {}
        if demo:
            _demo_slots(practice, demo)
    for item in data.get("hosts") or []:
        key = str(item.get("key") or "").strip()
        where = f"hosts: {key or '?'}"
        if not key or not item.get("name") or not item.get("email"):
            raise TenantDataError(f"{path}: {where}: key, name and email are needed")
        host = upsert(
            Host,
            report,
            {"key": key},
            {
                "name": str(item["name"]),
                "email": str(item["email"]),
                "municipality": _region(path, where, item.get("municipality"), county),
            },
        )
        for spec in item.get("rooms") or []:
            low, high = spec.get("price") or [0, 0]
            if not (isinstance(low, int) and isinstance(high, int) and 0 <= low <= high):
                raise TenantDataError(f"{path}: {where}: price must be [from, to] in euro")
            room = upsert(
                Room,
                report,
                {"host": host, "key": str(spec.get("key") or "")},
                {
                    "name": str(spec.get("name") or ""),
                    "persons": int(spec.get("persons") or 2),
                    "price_from": low,
                    "price_to": high,
                    "amenities": ", ".join(spec.get("amenities") or []),
                    "accessible": bool(spec.get("accessible")),
                    "accessibility": str(spec.get("accessibility") or ""),
                    "description": str(spec.get("description") or ""),
                },
            )
            if spec.get("free_days") and not room.periods.exists():
                today = timezone.localdate()
                add_period(room, today, today + dt.timedelta(days=int(spec["free_days"])))


def _demo_slots(practice: Practice, demo: dict) -> None:
    """Demo slots on the next working days at the given times (e.g. ["09:00", "10:30"])."""
    if practice.slots.exists():
        return
    day = timezone.localdate()
    minutes = int(demo.get("minutes") or 15)
    made = 0
    while made < int(demo.get("days") or 5):
        day += dt.timedelta(days=1)
        if day.weekday() >= 5:
            continue
        for text in demo.get("times") or []:
            hour, minute = (int(x) for x in str(text).split(":"))
            start = dt.datetime.combine(day, dt.time(hour, minute), tzinfo=BERLIN)
            add_slot(practice, start, minutes, record=False)
        made += 1


def managed_practices(user):
    return (
        Practice.objects.filter(managers=user) if user.is_authenticated else Practice.objects.none()
    )


def managed_hosts(user):
    return Host.objects.filter(managers=user) if user.is_authenticated else Host.objects.none()


def practices_for(specialty: str = "", municipality: Region | None = None):
    qs = Practice.objects.filter(active=True).select_related("municipality")
    if specialty:
        qs = qs.filter(specialty=specialty)
    if municipality is not None:
        qs = qs.filter(municipality=municipality)
    return qs


def municipalities_with(kind: str):
    """Municipalities that have practices (kind "practices") or hosts ("hosts")."""
    field = "practices" if kind == "practices" else "hosts"
    return Region.objects.filter(**{f"{field}__active": True}).distinct().order_by("name")
