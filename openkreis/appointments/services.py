"""The appointments app's public functions: the only way other apps and the views change
its data. Every change runs in one transaction and writes its cockpit event
(docs/events.md, section Appointments) in the same transaction — ids and figures only.

Times: opening hours are wall-clock times in Europe/Berlin; a slot's start is that wall
time on that day converted to an aware datetime, and durations are added in real minutes
(UTC), so a 30-minute appointment is 30 minutes long on the days the clocks change too.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets
from dataclasses import dataclass
from pathlib import Path
from zoneinfo import ZoneInfo

from django.conf import settings
from django.core import signing
from django.core.mail import EmailMessage
from django.db import IntegrityError, connection, transaction
from django.db.models import F, Q
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from openkreis.catalog.models import Service
from openkreis.core import services as core
from openkreis.core import staff
from openkreis.core.loader import LoadReport, TenantDataError, read_yaml
from openkreis.core.models import Location, Region

from .holidays import holiday_name
from .models import (
    CELL_MINUTES,
    AppointmentService,
    Booking,
    Branch,
    Closure,
    Counter,
    DayCounter,
    SlotClaim,
    Ticket,
)

BERLIN = ZoneInfo("Europe/Berlin")
UTC = dt.UTC
CELL = dt.timedelta(minutes=CELL_MINUTES)
TOKEN_SALT = "openkreis.appointments.manage"  # noqa: S105 (a salt, not a secret)
TOKEN_MAX_AGE = 60 * 60 * 24 * 120  # a link stays valid well past any horizon
CODE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"
APPOINTMENT_PREFIX = "T"
ON_TIME_MINUTES = 5  # an appointment holder counts as "on time" from 5 minutes before
STAFF_ROLES = (staff.Role.FRONT_DESK, staff.Role.TEAM_LEAD)


class BookingError(Exception):
    """A request that cannot be honoured; the message is for the user (already translated)."""


class SlotTaken(BookingError):
    """Somebody else was faster: the slot is no longer free."""


class LimitReached(BookingError):
    """The fairness limit per e-mail address and service is reached."""


@dataclass(frozen=True)
class Slot:
    start: dt.datetime  # aware, UTC
    end: dt.datetime
    free: int  # counters still free for it

    @property
    def local_start(self) -> dt.datetime:
        return self.start.astimezone(BERLIN)

    @property
    def value(self) -> str:
        """What a form posts: the local wall time, e.g. 2026-03-30T08:20."""
        return self.local_start.strftime("%Y-%m-%dT%H:%M")


# -- configuration (tenant data) ------------------------------------------------------------
def _text(value, lang: str) -> str:
    if isinstance(value, dict):
        return str(value.get(lang) or value.get("de") or "")
    return str(value or "") if lang == "de" else ""


def load_configuration(folder: Path, tenant=None) -> LoadReport:
    """Load tenants/<slug>/appointments.yaml: services with durations, branches (per core
    location) with rules and counters, closures. Idempotent; unknown keys fail the load."""
    report = LoadReport()
    path = folder / "appointments.yaml"
    if not path.exists():
        return report
    data = read_yaml(path)
    defaults = data.get("defaults", {})
    by_key: dict[str, AppointmentService] = {}
    for position, spec in enumerate(data.get("services", [])):
        key = spec["key"]
        catalogue = None
        if spec.get("service"):
            services = Service.objects.filter(slug=spec["service"])
            if tenant is not None:
                services = services.filter(tenant=tenant)
            catalogue = services.first()
            if catalogue is None:
                raise TenantDataError(f"{path}: service {key}: unknown catalogue service")
        minutes = int(spec["minutes"])
        if minutes <= 0 or minutes % CELL_MINUTES:
            raise TenantDataError(f"{path}: service {key}: minutes must be a multiple of 5")
        values = {
            "service": catalogue,
            "name": _text(spec.get("name"), "de") or (catalogue.name if catalogue else key),
            "name_en": _text(spec.get("name"), "en")
            or (getattr(catalogue, "name_en", "") if catalogue else ""),
            "minutes": minutes,
            "prefix": spec.get("prefix", "A"),
            "max_per_email": int(spec.get("max_per_email", defaults.get("max_per_email", 1))),
            "bookable": bool(spec.get("bookable", True)),
            "walk_in": bool(spec.get("walk_in", True)),
            "position": position,
        }
        obj, created = AppointmentService.objects.update_or_create(key=key, defaults=values)
        report.created += created
        by_key[key] = obj
    for spec in data.get("branches", []):
        location = Location.objects.filter(key=spec["location"]).first()
        if location is None:
            raise TenantDataError(f"{path}: unknown location {spec['location']}")
        rules = {**defaults, **spec}
        for name in ("buffer_minutes",):
            if int(rules.get(name, 0)) % CELL_MINUTES:
                raise TenantDataError(f"{path}: {spec['location']}: {name} not a multiple of 5")
        branch, created = Branch.objects.update_or_create(
            location=location,
            defaults={
                "buffer_minutes": int(rules.get("buffer_minutes", 0)),
                "horizon_days": int(rules.get("horizon_days", 28)),
                "lead_minutes": int(rules.get("lead_minutes", 120)),
                "step_minutes": int(rules.get("step_minutes", 10)),
                "hold_minutes": int(rules.get("hold_minutes", 10)),
                "no_show_minutes": int(rules.get("no_show_minutes", 15)),
                "holidays": str(rules.get("holidays", "ST")),
            },
        )
        report.created += created
        offered: set[str] = set()
        for counter_spec in spec.get("counters", []):
            keys = counter_spec["services"]
            missing = [k for k in keys if k not in by_key]
            if missing:
                raise TenantDataError(f"{path}: {spec['location']}: unknown services {missing}")
            counter, created = Counter.objects.update_or_create(
                branch=branch,
                label=counter_spec["label"],
                defaults={"active": bool(counter_spec.get("active", True))},
            )
            report.created += created
            counter.services.set([by_key[k] for k in keys])
            offered.update(keys)
        branch.services.set([by_key[k] for k in offered])
        for closure in spec.get("closures", []):
            _closure(branch, closure, report)
    for closure in data.get("closures", []):
        _closure(None, closure, report)
    return report


def _closure(branch: Branch | None, spec: dict, report: LoadReport) -> None:
    first = (
        spec["from"] if isinstance(spec["from"], dt.date) else dt.date.fromisoformat(spec["from"])
    )
    last = spec.get("to", first)
    last = last if isinstance(last, dt.date) else dt.date.fromisoformat(last)
    _, created = Closure.objects.get_or_create(
        branch=branch, first_day=first, last_day=last, defaults={"reason": spec.get("reason", "")}
    )
    report.created += created


# -- choosing services and branches ---------------------------------------------------------
def tenant_branches():
    """Branches of the tenant this deployment serves (locations in its county)."""
    qs = Branch.objects.select_related("location")
    tenant = core.current_tenant()
    if tenant is not None:
        qs = qs.filter(location__organisation__region__ars__startswith=tenant.region.ars[:5])
    return qs


def bookable_services() -> list[AppointmentService]:
    return list(
        AppointmentService.objects.filter(bookable=True, branches__in=tenant_branches()).distinct()
    )


def services_from_keys(keys: list[str], *, walk_in: bool = False) -> list[AppointmentService]:
    """The services named by `keys` (from a form); anything unknown or repeated is refused."""
    keys = [k for k in keys if k]
    if not keys:
        raise BookingError(_("Please choose at least one service."))
    if len(keys) > 5 or len(set(keys)) != len(keys):
        raise BookingError(_("The list of services is not valid. Please choose again."))
    found = {s.key: s for s in AppointmentService.objects.filter(key__in=keys)}
    if len(found) != len(keys):
        raise BookingError(_("The list of services is not valid. Please choose again."))
    services = [found[k] for k in keys]
    if not walk_in and not all(s.bookable for s in services):
        raise BookingError(_("One of these services cannot be booked online."))
    return services


def booking_service_for(service: Service) -> AppointmentService | None:
    """The bookable appointment service for a catalogue service, if any branch offers it."""
    return (
        AppointmentService.objects.filter(service=service, bookable=True, branches__isnull=False)
        .order_by("position")
        .first()
    )


def _capable_counters(branch: Branch, services: list[AppointmentService]) -> list[Counter]:
    wanted = {s.pk for s in services}
    counters = branch.counters.filter(active=True).prefetch_related("services")
    return [c for c in counters if wanted <= {s.pk for s in c.services.all()}]


def branches_for(services: list[AppointmentService], region: Region | None = None) -> list[dict]:
    """Branches that can serve all `services` in one appointment, nearest to `region` first."""
    result = []
    branches = tenant_branches().prefetch_related("counters__services")
    for branch in branches:
        wanted = {s.pk for s in services}
        capable = [
            c
            for c in branch.counters.all()
            if c.active and wanted <= {s.pk for s in c.services.all()}
        ]
        if not capable:
            continue
        distance = None
        if region is not None and region.lat is not None:
            distance = branch.location.distance_km(region.lat, region.lon)
            distance = None if distance == float("inf") else distance
        result.append({"branch": branch, "counters": len(capable), "distance": distance})
    result.sort(
        key=lambda r: (r["distance"] is None, r["distance"] or 0, r["branch"].location.name)
    )
    return result


def total_minutes(services: list[AppointmentService]) -> int:
    return sum(s.minutes for s in services)


# -- days and slots -------------------------------------------------------------------------
@dataclass
class _Calendar:
    """A branch's opening hours by weekday and its closures, read once per computation."""

    hours: dict[int, list[tuple[dt.time, dt.time]]]
    closures: list[tuple[dt.date, dt.date, str]]
    state: str

    def closed(self, day: dt.date) -> str | None:
        name = holiday_name(day, self.state)
        if name:
            return _("public holiday (%(name)s)") % {"name": name}
        for first, last, reason in self.closures:
            if first <= day <= last:
                return reason or _("closed")
        if not self.hours.get(day.weekday()):
            return _("no opening hours")
        return None

    def intervals(self, day: dt.date) -> list[tuple[dt.datetime, dt.datetime]]:
        return [(_local(day, o), _local(day, c)) for o, c in self.hours.get(day.weekday(), [])]


def _calendar(branch: Branch) -> _Calendar:
    hours: dict[int, list] = {}
    for h in branch.location.opening_hours.all():
        hours.setdefault(h.weekday, []).append((h.opens, h.closes))
    closures = list(
        Closure.objects.filter(Q(branch=branch) | Q(branch__isnull=True)).values_list(
            "first_day", "last_day", "reason"
        )
    )
    return _Calendar({k: sorted(v) for k, v in hours.items()}, closures, branch.holidays)


def closed_reason(branch: Branch, day: dt.date) -> str | None:
    """Why the branch takes no appointments on `day` (holiday, closure, no hours), or None."""
    return _calendar(branch).closed(day)


def booking_window(branch: Branch, now: dt.datetime | None = None) -> tuple[dt.datetime, dt.date]:
    """(earliest bookable start, last bookable day) under lead time and horizon."""
    now = now or timezone.now()
    earliest = now + dt.timedelta(minutes=branch.lead_minutes)
    last_day = now.astimezone(BERLIN).date() + dt.timedelta(days=branch.horizon_days)
    return earliest, last_day


def _local(day: dt.date, time: dt.time) -> dt.datetime:
    return dt.datetime.combine(day, time, tzinfo=BERLIN).astimezone(UTC)


def _cells(start: dt.datetime, minutes: int) -> list[dt.datetime]:
    return [start + i * CELL for i in range(minutes // CELL_MINUTES)]


def _taken_cells(counters: list[Counter], start: dt.datetime, end: dt.datetime, now) -> set:
    claims = (
        SlotClaim.objects.filter(counter__in=counters, start__gte=start, start__lt=end)
        .exclude(booking__state=Booking.State.HELD, booking__hold_expires_at__lte=now)
        .values_list("counter_id", "start")
    )
    return {(counter_id, at.astimezone(UTC)) for counter_id, at in claims}


def _day_slots(
    branch: Branch,
    calendar: _Calendar,
    counters: list[Counter],
    minutes: int,
    day: dt.date,
    earliest: dt.datetime,
    taken: set,
) -> list[Slot]:
    """The free slots of one day, from data already read (no queries)."""
    occupied = minutes + branch.buffer_minutes
    step = dt.timedelta(minutes=max(branch.step_minutes, CELL_MINUTES))
    length = dt.timedelta(minutes=minutes)
    slots = []
    for opens, closes in calendar.intervals(day):
        start = opens
        while start + length <= closes:
            if start >= earliest:
                cells = [c for c in _cells(start, occupied) if c < closes]
                free = sum(
                    1 for counter in counters if not any((counter.pk, c) in taken for c in cells)
                )
                if free:
                    slots.append(Slot(start, start + length, free))
            start += step
    return slots


def free_slots(
    branch: Branch,
    services: list[AppointmentService],
    day: dt.date,
    now: dt.datetime | None = None,
    *,
    exclude_booking: Booking | None = None,
) -> list[Slot]:
    """Free slots for all `services` in one appointment at `branch` on `day` (local date)."""
    now = now or timezone.now()
    earliest, last_day = booking_window(branch, now)
    if day > last_day or day < earliest.astimezone(BERLIN).date():
        return []
    calendar = _calendar(branch)
    if calendar.closed(day):
        return []
    counters = _capable_counters(branch, services)
    if not counters:
        return []
    intervals = calendar.intervals(day)
    taken = _taken_cells(counters, min(i[0] for i in intervals), max(i[1] for i in intervals), now)
    if exclude_booking is not None:
        own = set(exclude_booking.claims.values_list("counter_id", "start"))
        taken -= {(c, s.astimezone(UTC)) for c, s in own}
    return _day_slots(branch, calendar, counters, total_minutes(services), day, earliest, taken)


def bookable_days(
    branch: Branch, services: list[AppointmentService], now: dt.datetime | None = None
) -> list[tuple[dt.date, int]]:
    """Days in the horizon with at least one free slot, and how many slots each has.
    Reads hours, closures, counters and every claim of the horizon once (4 queries)."""
    now = now or timezone.now()
    earliest, last_day = booking_window(branch, now)
    counters = _capable_counters(branch, services)
    if not counters:
        return []
    calendar = _calendar(branch)
    first_day = earliest.astimezone(BERLIN).date()
    taken = _taken_cells(
        counters,
        _local(first_day, dt.time(0)),
        _local(last_day + dt.timedelta(days=1), dt.time(0)),
        now,
    )
    minutes = total_minutes(services)
    days = []
    day = first_day
    while day <= last_day:
        if not calendar.closed(day):
            count = len(_day_slots(branch, calendar, counters, minutes, day, earliest, taken))
            if count:
                days.append((day, count))
        day += dt.timedelta(days=1)
    return days


def parse_slot(branch: Branch, value: str) -> dt.datetime:
    """A posted slot value (local wall time) → aware UTC datetime; refuses nonsense."""
    try:
        local = dt.datetime.strptime(value or "", "%Y-%m-%dT%H:%M")
    except ValueError:
        raise BookingError(
            _("This time is not valid. Please choose a slot from the list.")
        ) from None
    return local.replace(tzinfo=BERLIN).astimezone(UTC)


def check_slot(
    branch: Branch,
    services: list[AppointmentService],
    start: dt.datetime,
    now: dt.datetime | None = None,
    *,
    exclude_booking: Booking | None = None,
) -> Slot:
    """The slot at `start` if it is offered and free; else BookingError with the reason."""
    now = now or timezone.now()
    earliest, last_day = booking_window(branch, now)
    day = start.astimezone(BERLIN).date()
    if start < now:
        raise BookingError(_("This time is in the past. Please choose a later slot."))
    if start < earliest:
        raise BookingError(_("Appointments must be booked further in advance."))
    if day > last_day:
        raise BookingError(
            _("Appointments can only be booked %(n)s days ahead.") % {"n": branch.horizon_days}
        )
    reason = closed_reason(branch, day)
    if reason:
        raise BookingError(_("No appointments on this day: %(reason)s.") % {"reason": reason})
    if not _capable_counters(branch, services):
        raise BookingError(_("This office does not offer these services in one appointment."))
    for slot in free_slots(branch, services, day, now, exclude_booking=exclude_booking):
        if slot.start == start:
            return slot
    offered = _slot_grid(branch, services, day)
    if start not in offered:
        raise BookingError(_("This time is outside the appointment hours."))
    raise SlotTaken(_("This slot has just been taken. Please choose another one."))


def _slot_grid(branch: Branch, services: list[AppointmentService], day: dt.date) -> set:
    minutes = total_minutes(services)
    step = dt.timedelta(minutes=max(branch.step_minutes, CELL_MINUTES))
    grid = set()
    for h in branch.location.opening_hours.filter(weekday=day.weekday()):
        start, closes = _local(day, h.opens), _local(day, h.closes)
        while start + dt.timedelta(minutes=minutes) <= closes:
            grid.add(start)
            start += step
    return grid


# -- holding, confirming, cancelling --------------------------------------------------------
def _new_code() -> str:
    return "".join(secrets.choice(CODE_ALPHABET) for _ in range(8))


def _claim(booking: Booking, counter: Counter, cells: list[dt.datetime], now) -> bool:
    """Insert the claim rows for `booking` on `counter`; False if any cell is taken.
    Runs in a savepoint so that a lost race leaves the outer transaction usable."""
    try:
        with transaction.atomic():
            candidates = SlotClaim.objects.filter(
                counter=counter,
                start__in=cells,
                booking__state=Booking.State.HELD,
                booking__hold_expires_at__lte=now,
            ).values_list("booking_id", flat=True)
            # Lock the expired holds before taking their cells: a citizen confirming one
            # of them at this moment holds the same row lock, and whoever gets it first
            # decides; the other sees the new state and leaves the cells alone.
            stale_ids = list(
                Booking.objects.select_for_update()
                .filter(
                    pk__in=list(candidates),
                    state=Booking.State.HELD,
                    hold_expires_at__lte=now,
                )
                .values_list("pk", flat=True)
            )
            if stale_ids:  # expired holds give their cells back
                Booking.objects.filter(pk__in=stale_ids).update(state=Booking.State.EXPIRED)
                SlotClaim.objects.filter(booking_id__in=stale_ids).delete()
            SlotClaim.objects.bulk_create(
                [SlotClaim(counter=counter, start=c, booking=booking) for c in cells]
            )
        return True
    except IntegrityError:
        return False


def _cells_for(branch: Branch, start: dt.datetime, minutes: int) -> list[dt.datetime]:
    """The cells a booking occupies: its minutes plus the buffer, the buffer cut off at
    the end of the opening interval (no buffer is needed after closing)."""
    day = start.astimezone(BERLIN).date()
    closes = start + dt.timedelta(minutes=minutes)
    for h in branch.location.opening_hours.filter(weekday=day.weekday()):
        if _local(day, h.opens) <= start < _local(day, h.closes):
            closes = max(closes, _local(day, h.closes))
    return [c for c in _cells(start, minutes + branch.buffer_minutes) if c < closes]


def hold(
    branch: Branch,
    services: list[AppointmentService],
    start: dt.datetime,
    now: dt.datetime | None = None,
) -> Booking:
    """Hold a slot for a few minutes (branch.hold_minutes) while the citizen types their
    name and e-mail. The hold claims the cells in the database, so it is exclusive; if it
    is not confirmed in time, the next booker's claim takes the cells back."""
    now = now or timezone.now()
    check_slot(branch, services, start, now)
    minutes = total_minutes(services)
    cells = _cells_for(branch, start, minutes)
    with transaction.atomic():
        booking = Booking.objects.create(
            code=_new_code(),
            hold_key=secrets.token_urlsafe(24),
            branch=branch,
            counter=_capable_counters(branch, services)[0],
            service_keys=[s.key for s in services],
            start=start,
            end=start + dt.timedelta(minutes=minutes),
            minutes=minutes,
            state=Booking.State.HELD,
            hold_expires_at=now + dt.timedelta(minutes=branch.hold_minutes),
            created_at=now,
        )
        booking.services.set(services)
        for counter in _capable_counters(branch, services):
            if _claim(booking, counter, cells, now):
                if counter.pk != booking.counter_id:
                    Booking.objects.filter(pk=booking.pk).update(counter=counter)
                    booking.counter = counter
                return booking
        raise SlotTaken(_("This slot has just been taken. Please choose another one."))


def release_hold(hold_key: str) -> None:
    """Give a held slot back at once (the citizen chose another one)."""
    with transaction.atomic():
        booking = (
            Booking.objects.select_for_update()
            .filter(hold_key=hold_key, state=Booking.State.HELD)
            .first()
        )
        if booking is not None:
            Booking.objects.filter(pk=booking.pk).update(state=Booking.State.EXPIRED)
            booking.claims.all().delete()


def normalise_email(email: str) -> str:
    return (email or "").strip().lower()


def _event_base(booking: Booking) -> dict:
    return {
        "location": booking.branch.location.key,
        "services": list(booking.service_keys),
        "kind": "booking",
    }


def confirm(
    hold_key: str,
    name: str,
    email: str,
    user=None,
    now: dt.datetime | None = None,
    base_url: str = "",
) -> Booking:
    """Turn a hold into a booking: check the hold is still ours and in time, apply the
    fairness limit per e-mail and service, record `appointment.booked`, send the
    confirmation e-mail with an .ics file and the cancel/reschedule link."""
    now = now or timezone.now()
    email = normalise_email(email)
    name = (name or "").strip()
    if not name or not email:
        raise BookingError(_("Please give your name and e-mail address."))
    with transaction.atomic():
        booking = (
            Booking.objects.select_for_update()
            .select_related("branch__location")
            .filter(hold_key=hold_key)
            .first()
        )
        if booking is None:
            raise BookingError(_("This reservation does not exist. Please choose a slot again."))
        if booking.state == Booking.State.BOOKED:
            return booking  # a double click or a retried request
        if booking.state != Booking.State.HELD or booking.hold_expires_at <= now:
            if booking.state == Booking.State.HELD and not _reclaim(booking, now):
                raise SlotTaken(
                    _(
                        "Your reservation has expired and the slot is taken. "
                        "Please choose another one."
                    )
                )
            elif booking.state != Booking.State.HELD:
                raise BookingError(_("Your reservation has expired. Please choose a slot again."))
        _check_limits(booking, email, now)
        booking.state = Booking.State.BOOKED
        booking.name, booking.email = name, email
        booking.user = user if getattr(user, "is_authenticated", False) else None
        booking.booked_at = now
        booking.hold_expires_at = None
        booking.save()
        _booked(booking, now, base_url)
    return booking


def _booked(booking: Booking, now, base_url: str) -> None:
    """The booked event (confirmation or move) and, after commit, the confirmation e-mail."""
    core.record_event(
        "appointment.booked",
        subject=f"appointment:{booking.pk}",
        data={
            **_event_base(booking),
            "slot_start": booking.start.isoformat(),
            "lead_days": (
                booking.start.astimezone(BERLIN).date() - now.astimezone(BERLIN).date()
            ).days,
            "minutes": booking.minutes,
        },
        occurred_at=now,
    )
    language = translation.get_language()
    transaction.on_commit(lambda: send_confirmation(booking, base_url, language))


def _reclaim(booking: Booking, now) -> bool:
    """An expired hold whose cells nobody took yet may still be confirmed."""
    return (
        not SlotClaim.objects.filter(
            counter=booking.counter, start__in=list(booking.claims.values_list("start", flat=True))
        )
        .exclude(booking=booking)
        .exists()
        and booking.claims.exists()
    )


def _lock_email(email: str) -> None:
    """Confirmations for one e-mail address one after the other (a transaction-scoped
    advisory lock on PostgreSQL), so that two at once cannot both pass the limit. SQLite
    lets one writer in at a time anyway."""
    if connection.vendor != "postgresql":
        return
    key = int.from_bytes(
        hashlib.blake2b(email.encode(), digest_size=8).digest(), "big", signed=True
    )
    with connection.cursor() as cur:
        cur.execute("SELECT pg_advisory_xact_lock(%s)", [key])


def _check_limits(booking: Booking, email: str, now) -> None:
    _lock_email(email)
    upcoming = Booking.objects.filter(
        email=email,
        state__in=[Booking.State.BOOKED, Booking.State.CHECKED_IN],
        start__gte=now,
    ).exclude(pk=booking.pk)
    for service in booking.services.all():
        count = upcoming.filter(services=service).count()
        if count >= service.max_per_email:
            raise LimitReached(
                _(
                    "This e-mail address already has %(n)s upcoming appointment(s) for "
                    "%(service)s. Please cancel it first or choose it again after the visit."
                )
                % {"n": count, "service": service.display_name}
            )


def cancel(booking: Booking, by: str = "citizen", now: dt.datetime | None = None) -> Booking:
    """Cancel a booking and free its slot at once."""
    now = now or timezone.now()
    with transaction.atomic():
        booking = (
            Booking.objects.select_for_update()
            .select_related("branch__location")
            .get(pk=booking.pk)
        )
        if booking.state == Booking.State.CANCELLED:
            return booking
        if booking.state != Booking.State.BOOKED:
            raise BookingError(_("This appointment can no longer be cancelled."))
        booking.claims.all().delete()
        booking.state = Booking.State.CANCELLED
        booking.cancelled_at = now
        booking.save(update_fields=["state", "cancelled_at"])
        core.record_event(
            "appointment.cancelled",
            subject=f"appointment:{booking.pk}",
            data={**_event_base(booking), "by": by},
            occurred_at=now,
        )
    return booking


def reschedule(
    booking: Booking, start: dt.datetime, now: dt.datetime | None = None, base_url: str = ""
) -> Booking:
    """Move a booking to another free slot at the same branch, all or nothing: the old
    slot is only given up when the new one is claimed. Recorded as a cancellation of the
    old slot and a booking of the new one."""
    now = now or timezone.now()
    with transaction.atomic():
        booking = (
            Booking.objects.select_for_update()
            .select_related("branch__location")
            .get(pk=booking.pk)
        )
        if booking.state != Booking.State.BOOKED:
            raise BookingError(_("This appointment can no longer be changed."))
        services = list(booking.services.all())
        branch = booking.branch
        check_slot(branch, services, start, now, exclude_booking=booking)
        booking.claims.all().delete()
        cells = _cells_for(branch, start, booking.minutes)
        for counter in _capable_counters(branch, services):
            if _claim(booking, counter, cells, now):
                break
        else:
            raise SlotTaken(_("This slot has just been taken. Please choose another one."))
        core.record_event(
            "appointment.cancelled",
            subject=f"appointment:{booking.pk}",
            data={**_event_base(booking), "by": "citizen"},
            occurred_at=now,
        )
        booking.counter = counter
        booking.start, booking.end = start, start + dt.timedelta(minutes=booking.minutes)
        booking.reminded_at = None
        booking.save(update_fields=["counter", "start", "end", "reminded_at"])
        _booked(booking, now, base_url)
    return booking


def bookings_for_user(user):
    return (
        Booking.objects.filter(
            user=user, state__in=[Booking.State.BOOKED, Booking.State.CHECKED_IN]
        )
        .filter(start__gte=timezone.now() - dt.timedelta(hours=12))
        .select_related("branch__location")
        .order_by("start")
    )


# -- signed link, calendar file, e-mail -----------------------------------------------------
def manage_token(booking: Booking) -> str:
    return signing.dumps({"b": booking.pk, "c": booking.code}, salt=TOKEN_SALT, compress=True)


def booking_from_token(token: str) -> Booking:
    """The booking a signed cancel/reschedule link names; BookingError for a forged,
    damaged or outdated link."""
    try:
        data = signing.loads(token, salt=TOKEN_SALT, max_age=TOKEN_MAX_AGE)
        booking = Booking.objects.select_related("branch__location").get(
            pk=data["b"], code=data["c"]
        )
    except (signing.BadSignature, Booking.DoesNotExist, KeyError, TypeError):
        raise BookingError(
            _("This link is not valid. Please use the link from your e-mail.")
        ) from None
    return booking


def manage_url(booking: Booking, base_url: str = "") -> str:
    base = (base_url or settings.WAGTAILADMIN_BASE_URL).rstrip("/")
    return base + reverse("appointments:manage", args=[manage_token(booking)])


def _ics_escape(text: str) -> str:
    return text.replace("\\", "\\\\").replace(";", "\\;").replace(",", "\\,").replace("\n", "\\n")


def ics(booking: Booking, base_url: str = "") -> str:
    """An iCalendar (RFC 5545) file for the appointment, times in UTC."""
    location = booking.branch.location
    fmt = "%Y%m%dT%H%M%SZ"
    summary = _("Appointment: %(services)s") % {
        "services": ", ".join(s.display_name for s in booking.services.all())
    }
    place = f"{location.name}, {location.street}, {location.postcode} {location.city}"
    description = (
        f"{_('Booking code')}: {format_code(booking.code)}\n{manage_url(booking, base_url)}"
    )
    lines = [
        "BEGIN:VCALENDAR",
        "VERSION:2.0",
        "PRODID:-//openkreis//appointments//DE",
        "METHOD:PUBLISH",
        "BEGIN:VEVENT",
        f"UID:appointment-{booking.pk}-{booking.code}@openkreis",
        f"DTSTAMP:{timezone.now().astimezone(UTC).strftime(fmt)}",
        f"DTSTART:{booking.start.astimezone(UTC).strftime(fmt)}",
        f"DTEND:{booking.end.astimezone(UTC).strftime(fmt)}",
        f"SUMMARY:{_ics_escape(summary)}",
        f"LOCATION:{_ics_escape(place)}",
        f"DESCRIPTION:{_ics_escape(description)}",
        "END:VEVENT",
        "END:VCALENDAR",
    ]
    return "\r\n".join(lines) + "\r\n"


def format_code(code: str) -> str:
    return f"{code[:4]}-{code[4:]}"


def send_confirmation(booking: Booking, base_url: str = "", language: str | None = None) -> None:
    with translation.override(language or settings.LANGUAGE_CODE):
        context = _mail_context(booking, base_url)
        subject = _("Your appointment on %(when)s") % {"when": context["when"]}
        body = render_to_string("appointments/email/confirmation.txt", context)
        message = EmailMessage(subject, body, settings.DEFAULT_FROM_EMAIL, [booking.email])
        message.attach("termin.ics", ics(booking, base_url), "text/calendar")
        message.send(fail_silently=True)  # the booking stands; the page shows the same data


def _mail_context(booking: Booking, base_url: str = "") -> dict:
    local = booking.start.astimezone(BERLIN)
    return {
        "booking": booking,
        "when": local.strftime("%d.%m.%Y %H:%M"),
        "code": format_code(booking.code),
        "services": [s.display_name for s in booking.services.all()],
        "location": booking.branch.location,
        "manage_url": manage_url(booking, base_url),
    }


# -- reminders and no-shows -----------------------------------------------------------------
def send_reminders(now: dt.datetime | None = None) -> int:
    """E-mail everyone whose appointment is tomorrow (local date), once each."""
    now = now or timezone.now()
    tomorrow = now.astimezone(BERLIN).date() + dt.timedelta(days=1)
    due = Booking.objects.filter(
        state=Booking.State.BOOKED,
        reminded_at__isnull=True,
        start__gte=_local(tomorrow, dt.time(0)),
        start__lt=_local(tomorrow + dt.timedelta(days=1), dt.time(0)),
    ).select_related("branch__location")
    count = 0
    for booking in due:
        with transaction.atomic():
            if not Booking.objects.filter(pk=booking.pk, reminded_at__isnull=True).update(
                reminded_at=now
            ):
                continue  # another worker sent it
            context = _mail_context(booking)
            subject = _("Reminder: your appointment tomorrow at %(time)s") % {
                "time": booking.start.astimezone(BERLIN).strftime("%H:%M")
            }
            body = render_to_string("appointments/email/reminder.txt", context)
            message = EmailMessage(subject, body, settings.DEFAULT_FROM_EMAIL, [booking.email])
            transaction.on_commit(lambda m=message: m.send(fail_silently=True))
        count += 1
    return count


def record_no_shows(now: dt.datetime | None = None) -> int:
    """Bookings nobody checked in for by start + no_show_minutes become no-shows."""
    now = now or timezone.now()
    count = 0
    due = Booking.objects.filter(state=Booking.State.BOOKED, start__lt=now).select_related(
        "branch__location"
    )
    for booking in due:
        if booking.start + dt.timedelta(minutes=booking.branch.no_show_minutes) > now:
            continue
        with transaction.atomic():
            if not Booking.objects.filter(pk=booking.pk, state=Booking.State.BOOKED).update(
                state=Booking.State.NO_SHOW
            ):
                continue
            core.record_event(
                "appointment.no_show",
                subject=f"appointment:{booking.pk}",
                data=_event_base(booking),
                occurred_at=now,
            )
        count += 1
    return count


def expire_holds(now: dt.datetime | None = None) -> int:
    """Tidy holds past their time (their cells count as free already). Each hold is locked
    first, so a citizen confirming it at this very moment keeps it."""
    now = now or timezone.now()
    with transaction.atomic():
        ids = list(
            Booking.objects.select_for_update()
            .filter(state=Booking.State.HELD, hold_expires_at__lte=now)
            .values_list("pk", flat=True)
        )
        Booking.objects.filter(pk__in=ids).update(state=Booking.State.EXPIRED)
        SlotClaim.objects.filter(booking_id__in=ids).delete()
    return len(ids)


# -- on site: tickets, check-in, counters ---------------------------------------------------
def _next_number(branch: Branch, day: dt.date, prefix: str) -> str:
    DayCounter.objects.get_or_create(branch=branch, day=day, prefix=prefix)
    row = DayCounter.objects.select_for_update().get(branch=branch, day=day, prefix=prefix)
    DayCounter.objects.filter(pk=row.pk).update(last=F("last") + 1)
    row.refresh_from_db(fields=["last"])
    return f"{prefix}{row.last:03d}"


def draw_ticket(
    branch: Branch, service: AppointmentService, now: dt.datetime | None = None
) -> Ticket:
    """A walk-in ticket with the next number of the day for the service's prefix."""
    now = now or timezone.now()
    if not service.walk_in or not branch.services.filter(pk=service.pk).exists():
        raise BookingError(_("This service is not offered here without an appointment."))
    day = now.astimezone(BERLIN).date()
    with transaction.atomic():
        return Ticket.objects.create(
            branch=branch,
            service=service,
            number=_next_number(branch, day, service.prefix),
            day=day,
            token=secrets.token_urlsafe(16),
            created_at=now,
        )


def normalise_code(code: str) -> str:
    return "".join(ch for ch in (code or "").upper() if ch.isalnum())


def check_in(branch: Branch, code: str, now: dt.datetime | None = None) -> Ticket:
    """Check in an appointment holder with their booking code: they get a queue number."""
    now = now or timezone.now()
    code = normalise_code(code)
    with transaction.atomic():
        booking = (
            Booking.objects.select_for_update()
            .select_related("branch__location")
            .filter(code=code, branch=branch)
            .first()
        )
        if booking is None or booking.state in (Booking.State.HELD, Booking.State.EXPIRED):
            raise BookingError(_("We cannot find an appointment with this code at this location."))
        if booking.state == Booking.State.CHECKED_IN:
            return booking.ticket
        if booking.state != Booking.State.BOOKED:
            raise BookingError(_("This appointment is no longer valid."))
        day = now.astimezone(BERLIN).date()
        if booking.start.astimezone(BERLIN).date() != day:
            raise BookingError(
                _("Your appointment is on %(day)s. Check-in is only possible on that day.")
                % {"day": booking.start.astimezone(BERLIN).strftime("%d.%m.%Y")}
            )
        ticket = Ticket.objects.create(
            branch=branch,
            service=booking.services.order_by("position").first(),
            booking=booking,
            number=_next_number(branch, day, APPOINTMENT_PREFIX),
            day=day,
            token=secrets.token_urlsafe(16),
            created_at=now,
        )
        booking.state = Booking.State.CHECKED_IN
        booking.save(update_fields=["state"])
        core.record_event(
            "appointment.checked_in",
            subject=f"appointment:{booking.pk}",
            data={
                **_event_base(booking),
                "early_minutes": int((booking.start - now).total_seconds() // 60),
            },
            occurred_at=now,
        )
    return ticket


def _ticket_event(ticket: Ticket) -> tuple[str, dict]:
    if ticket.booking_id:
        booking = ticket.booking
        return f"appointment:{booking.pk}", _event_base(booking)
    return f"ticket:{ticket.pk}", {
        "location": ticket.branch.location.key,
        "services": [ticket.service.key],
        "kind": "walk_in",
    }


def counters_for(user):
    """Counters the user may work at: those of branches whose location belongs to one of
    the user's front-desk (or team-lead) units."""
    units = staff.unit_ids_for(user, STAFF_ROLES)
    return (
        Counter.objects.filter(active=True, branch__location__units__id__in=units)
        .select_related("branch__location")
        .distinct()
        .order_by("branch__location__name", "label")
    )


def waiting(counter: Counter, now: dt.datetime | None = None):
    """The waiting tickets this counter may call, in the order `call_next` takes them:
    transferred to this counter first, then appointments on time (by slot), then walk-ins
    by waiting time, then appointment holders who came early."""
    now = now or timezone.now()
    day = now.astimezone(BERLIN).date()
    services = list(counter.services.values_list("pk", flat=True))
    qs = (
        Ticket.objects.filter(
            branch=counter.branch, day=day, state=Ticket.State.WAITING, service_id__in=services
        )
        .filter(Q(target_counter__isnull=True) | Q(target_counter=counter))
        .select_related("booking", "service")
    )
    on_time = now + dt.timedelta(minutes=ON_TIME_MINUTES)

    def rank(ticket: Ticket):
        if ticket.target_counter_id == counter.pk:
            return (0, ticket.created_at)
        if ticket.booking_id and ticket.booking.start <= on_time:
            return (1, ticket.booking.start)
        if not ticket.booking_id:
            return (2, ticket.created_at)
        return (3, ticket.booking.start)

    return sorted(qs, key=rank)


def call_next(counter: Counter, now: dt.datetime | None = None) -> Ticket | None:
    """Call the next ticket by rule (see `waiting`); two counters never get the same one."""
    now = now or timezone.now()
    for candidate in waiting(counter, now):
        with transaction.atomic():
            taken = Ticket.objects.filter(pk=candidate.pk, state=Ticket.State.WAITING).update(
                state=Ticket.State.CALLED,
                counter=counter,
                called_at=now,
                shown_at=now,
                call_count=F("call_count") + 1,
            )
            if not taken:
                continue  # another counter was faster
            ticket = Ticket.objects.select_related(
                "booking__branch__location", "branch__location", "service"
            ).get(pk=candidate.pk)
            if ticket.booking_id:
                Booking.objects.filter(pk=ticket.booking_id).update(state=Booking.State.CALLED)
            subject, data = _ticket_event(ticket)
            if ticket.call_count == 1:
                core.record_event(
                    "appointment.called",
                    subject=subject,
                    data={
                        **data,
                        "wait_seconds": int((now - ticket.created_at).total_seconds()),
                        "counter": counter.label,
                    },
                    occurred_at=now,
                )
            return ticket
    return None


def current_ticket(counter: Counter) -> Ticket | None:
    return (
        Ticket.objects.filter(counter=counter, state=Ticket.State.CALLED)
        .select_related("booking", "service")
        .order_by("-called_at")
        .first()
    )


def _counter_ticket(counter: Counter, ticket_id: int) -> Ticket:
    ticket = (
        Ticket.objects.select_related("booking__branch__location", "branch__location", "service")
        .filter(pk=ticket_id, counter=counter, state=Ticket.State.CALLED)
        .first()
    )
    if ticket is None:
        raise BookingError(_("This ticket is not called at your counter."))
    return ticket


def recall(counter: Counter, ticket_id: int, now: dt.datetime | None = None) -> Ticket:
    """Show the number again on the display (with the cue)."""
    now = now or timezone.now()
    ticket = _counter_ticket(counter, ticket_id)
    Ticket.objects.filter(pk=ticket.pk).update(shown_at=now, call_count=F("call_count") + 1)
    ticket.refresh_from_db()
    return ticket


def finish(counter: Counter, ticket_id: int, now: dt.datetime | None = None) -> Ticket:
    """The visitor was served."""
    now = now or timezone.now()
    with transaction.atomic():
        ticket = _counter_ticket(counter, ticket_id)
        ticket.state, ticket.done_at = Ticket.State.SERVED, now
        ticket.save(update_fields=["state", "done_at"])
        if ticket.booking_id:
            Booking.objects.filter(pk=ticket.booking_id).update(state=Booking.State.SERVED)
        subject, data = _ticket_event(ticket)
        core.record_event(
            "appointment.served",
            subject=subject,
            data={**data, "service_seconds": int((now - ticket.called_at).total_seconds())},
            occurred_at=now,
        )
    return ticket


def no_show(counter: Counter, ticket_id: int, now: dt.datetime | None = None) -> Ticket:
    """Called, but nobody came."""
    now = now or timezone.now()
    with transaction.atomic():
        ticket = _counter_ticket(counter, ticket_id)
        ticket.state, ticket.done_at = Ticket.State.NO_SHOW, now
        ticket.save(update_fields=["state", "done_at"])
        if ticket.booking_id:
            Booking.objects.filter(pk=ticket.booking_id).update(state=Booking.State.NO_SHOW)
        subject, data = _ticket_event(ticket)
        core.record_event("appointment.no_show", subject=subject, data=data, occurred_at=now)
    return ticket


def transfer(
    counter: Counter, ticket_id: int, target: Counter, now: dt.datetime | None = None
) -> Ticket:
    """Send the visitor to another counter of the same branch: back in the queue, first
    in line there."""
    now = now or timezone.now()
    if target.branch_id != counter.branch_id or target.pk == counter.pk or not target.active:
        raise BookingError(_("Choose another counter of this location."))
    with transaction.atomic():
        ticket = _counter_ticket(counter, ticket_id)
        if not target.services.filter(pk=ticket.service_id).exists():
            raise BookingError(_("That counter does not serve this service."))
        ticket.state, ticket.target_counter, ticket.counter = Ticket.State.WAITING, target, None
        ticket.save(update_fields=["state", "target_counter", "counter"])
        subject, data = _ticket_event(ticket)
        core.record_event(
            "appointment.transferred",
            subject=subject,
            data={**data, "counter": target.label},
            occurred_at=now,
        )
    return ticket


def display_state(branch: Branch, now: dt.datetime | None = None, limit: int = 6) -> dict:
    """What the waiting-room screen shows: the numbers called now, newest first, and a
    version string that changes with every call or recall (the page's cue)."""
    now = now or timezone.now()
    day = now.astimezone(BERLIN).date()
    called = (
        Ticket.objects.filter(branch=branch, day=day, state=Ticket.State.CALLED)
        .select_related("counter")
        .order_by("-shown_at")[:limit]
    )
    calls = [
        {
            "number": t.number,
            "counter": t.counter.label if t.counter else "",
            "called_at": t.shown_at.isoformat() if t.shown_at else "",
        }
        for t in called
    ]
    waiting_count = Ticket.objects.filter(
        branch=branch, day=day, state=Ticket.State.WAITING
    ).count()
    version = "|".join(f"{c['number']}@{c['called_at']}" for c in calls[:1]) or "none"
    return {"version": version, "calls": calls, "waiting": waiting_count}
