"""Days and slots: a branch's calendar (opening hours, holidays, closures), the booking window,
the free slots of a day and of the horizon, and whether a posted slot is offered and free.

Reading only: nothing here writes. The cells a booking occupies are computed here too
(_Day.cells), so that the grid the citizen chooses from and the grid a booking claims are
the same.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db import connection
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from ..errors import BookingError, SlotTaken
from ..holidays import holiday_name
from ..models import CELL_MINUTES, AppointmentService, Booking, Branch, Closure, Counter
from .common import BERLIN, UTC, Slot, _cells, _local
from .config import _capable_counters, setup_cache, total_minutes


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
    return setup_cache.get(("calendar", branch.pk), lambda: _read_calendar(branch))


def _read_calendar(branch: Branch) -> _Calendar:
    hours: dict[int, list] = {}
    for h in branch.location.opening_hours.all():
        hours.setdefault(h.weekday, []).append((h.opens, h.closes))
    closures = list(
        Closure.objects.filter(Q(branch=branch) | Q(branch__isnull=True)).values_list(
            "first_day", "last_day", "reason"
        )
    )
    return _Calendar({k: sorted(v) for k, v in hours.items()}, closures, branch.holidays)


def calendar_of(branch: Branch) -> _Calendar:
    """A branch's calendar (opening hours, closures), read once for a caller that checks a
    day and then lists its slots: closed_reason and free_slots take it."""
    return _calendar(branch)


def closed_reason(branch: Branch, day: dt.date, calendar: _Calendar | None = None) -> str | None:
    """Why the branch takes no appointments on `day` (holiday, closure, no hours), or None.
    `calendar`: give it when the caller reads the day's slots next (free_slots takes it too)."""
    return (calendar or _calendar(branch)).closed(day)


def booking_window(branch: Branch, now: dt.datetime | None = None) -> tuple[dt.datetime, dt.date]:
    """(earliest bookable start, last bookable day) under lead time and horizon."""
    now = now or timezone.now()
    earliest = now + dt.timedelta(minutes=branch.lead_minutes)
    last_day = now.astimezone(BERLIN).date() + dt.timedelta(days=branch.horizon_days)
    return earliest, last_day


def _taken_cells(
    counters: list[Counter], start: dt.datetime, end: dt.datetime, now
) -> dict[dt.datetime, set[int]]:
    """The claimed cells between `start` and `end`: cell (UTC) -> ids of the counters on
    which it is claimed. A cell nobody claimed is not in it, so the free counters of a
    start time are found with one dictionary lookup per cell (a day of the released week
    is mostly empty)."""
    if not counters:
        return {}
    moment = connection.ops.adapt_datetimefield_value
    with connection.cursor() as cursor:
        cursor.execute(
            _TAKEN_SQL.format(ids=", ".join(["%s"] * len(counters))),
            [c.pk for c in counters]
            + [moment(start), moment(end), Booking.State.HELD, moment(now)],
        )
        claims = cursor.fetchall()
    taken: dict[dt.datetime, set[int]] = {}
    for counter_id, at in claims:
        taken.setdefault(_utc(at), set()).add(counter_id)
    return taken


# The claims of a day, the query every time page and every reserve asks: written out, as
# the ORM spent more time building it than the database answering it (issue 26). The same
# rows as SlotClaim.objects.filter(counter__in=…, start__gte=…, start__lt=…)
# .exclude(booking__state=HELD, booking__hold_expires_at__lte=now) — the test compares them.
_TAKEN_SQL = (
    "SELECT c.counter_id, c.start FROM appointments_slotclaim c "
    "LEFT JOIN appointments_booking b ON c.booking_id = b.id "
    "WHERE c.counter_id IN ({ids}) AND c.start >= %s AND c.start < %s "
    "AND NOT (b.id IS NOT NULL AND b.state IN (%s) AND b.hold_expires_at IS NOT NULL "
    "AND b.hold_expires_at <= %s)"
)


def _utc(at) -> dt.datetime:
    """A time from a raw query as aware UTC (SQLite answers with naive UTC text)."""
    if isinstance(at, str):
        at = dt.datetime.fromisoformat(at)
    return at.replace(tzinfo=UTC) if at.tzinfo is None else at.astimezone(UTC)


def _free_counters(ids: list[int], cells: list[dt.datetime], taken: dict) -> list[int]:
    """Of the counters `ids`, those on which none of `cells` is claimed (in their order)."""
    busy = [taken[c] for c in cells if c in taken]
    if not busy:
        return ids
    claimed = set().union(*busy)
    return [pk for pk in ids if pk not in claimed]


def _step(branch: Branch) -> dt.timedelta:
    """How far apart offered start times are (never finer than the grid)."""
    return dt.timedelta(minutes=max(branch.step_minutes, CELL_MINUTES))


def _day_slots(
    branch: Branch,
    calendar: _Calendar,
    counters: list[Counter],
    minutes: int,
    day: dt.date,
    earliest: dt.datetime,
    taken: dict,
) -> list[Slot]:
    """The free slots of one day, from data already read (no queries)."""
    occupied = minutes + branch.buffer_minutes
    step = _step(branch)
    length = dt.timedelta(minutes=minutes)
    ids = [counter.pk for counter in counters]
    slots = []
    for opens, closes in calendar.intervals(day):
        start = opens
        while start + length <= closes:
            if start >= earliest:
                cells = [c for c in _cells(start, occupied) if c < closes]
                free = len(_free_counters(ids, cells, taken))
                if free:
                    slots.append(Slot(start, start + length, free))
            start += step
    return slots


@dataclass
class _Day:
    """What one day's slot computation reads (calendar, capable counters, taken cells), read
    once per request and shared by the checks that follow: the time page, the reserve step
    and a move each read it once instead of two or three times (issue 26)."""

    branch: Branch
    day: dt.date
    calendar: _Calendar
    counters: list[Counter]
    minutes: int
    earliest: dt.datetime
    taken: dict  # cell -> ids of the counters claimed there (_taken_cells)

    def slots(self) -> list[Slot]:
        return _day_slots(
            self.branch,
            self.calendar,
            self.counters,
            self.minutes,
            self.day,
            self.earliest,
            self.taken,
        )

    def cells(self, start: dt.datetime) -> list[dt.datetime]:
        """The cells a booking at `start` occupies: its minutes plus the buffer, the buffer
        cut off at the end of the opening interval (no buffer is needed after closing)."""
        closes = start + dt.timedelta(minutes=self.minutes)
        for opens, end in self.calendar.intervals(self.day):
            if opens <= start < end:
                closes = max(closes, end)
        return [c for c in _cells(start, self.minutes + self.branch.buffer_minutes) if c < closes]

    def free_counters(self, start: dt.datetime) -> list[Counter]:
        """The capable counters on which every cell of a booking at `start` was free."""
        free = set(_free_counters([c.pk for c in self.counters], self.cells(start), self.taken))
        return [c for c in self.counters if c.pk in free]


def _read_day(
    branch: Branch,
    services: list[AppointmentService],
    day: dt.date,
    now: dt.datetime,
    *,
    calendar: _Calendar | None = None,
    exclude_booking: Booking | None = None,
) -> _Day | None:
    """The day's data, or None when the day offers no slot at all (outside the window,
    closed, no capable counter)."""
    earliest, last_day = booking_window(branch, now)
    if day > last_day or day < earliest.astimezone(BERLIN).date():
        return None
    calendar = calendar or _calendar(branch)
    if calendar.closed(day):
        return None
    counters = _capable_counters(branch, services)
    if not counters:
        return None
    intervals = calendar.intervals(day)
    taken = _taken_cells(counters, min(i[0] for i in intervals), max(i[1] for i in intervals), now)
    if exclude_booking is not None:
        for counter_id, at in exclude_booking.claims.values_list("counter_id", "start"):
            cell = at.astimezone(UTC)
            if cell in taken:
                taken[cell].discard(counter_id)
    return _Day(branch, day, calendar, counters, total_minutes(services), earliest, taken)


def free_slots(
    branch: Branch,
    services: list[AppointmentService],
    day: dt.date,
    now: dt.datetime | None = None,
    *,
    exclude_booking: Booking | None = None,
    calendar: _Calendar | None = None,
) -> list[Slot]:
    """Free slots for all `services` in one appointment at `branch` on `day` (local date).
    `calendar`: the branch's calendar when the caller has read it already (day_problem)."""
    now = now or timezone.now()
    data = _read_day(branch, services, day, now, calendar=calendar, exclude_booking=exclude_booking)
    return data.slots() if data else []


def bookable_days(
    branch: Branch,
    services: list[AppointmentService],
    now: dt.datetime | None = None,
    *,
    limit: int | None = None,
) -> list[tuple[dt.date, int]]:
    """Days in the horizon with at least one free slot, and how many slots each has.
    Reads hours, closures, counters and the claims of the horizon once (4 queries). With
    `limit` it stops at the limit-th day and reads the claims of the first weeks first (a
    fifth query only when they hold fewer days), so a page that lists the next 20 days
    neither reads nor computes the whole horizon."""
    now = now or timezone.now()
    earliest, last_day = booking_window(branch, now)
    counters = _capable_counters(branch, services)
    if not counters:
        return []
    calendar = _calendar(branch)
    minutes = total_minutes(services)
    days = []
    day = earliest.astimezone(BERLIN).date()
    # With a limit: first the claims of as many weeks as the limit has working days (one
    # query as a rule), then, if that was not enough, the rest of the horizon at once.
    chunk = None if limit is None else dt.timedelta(days=-(-limit // 5) * 7 - 1)
    while day <= last_day and (limit is None or len(days) < limit):
        until = last_day if chunk is None else min(last_day, day + chunk)
        chunk = None
        taken = _taken_cells(
            counters,
            _local(day, dt.time(0)),
            _local(until + dt.timedelta(days=1), dt.time(0)),
            now,
        )
        while day <= until and (limit is None or len(days) < limit):
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
    return _check(branch, services, start, now, exclude_booking=exclude_booking)[0]


def _check(
    branch: Branch,
    services: list[AppointmentService],
    start: dt.datetime,
    now: dt.datetime | None = None,
    *,
    exclude_booking: Booking | None = None,
) -> tuple[Slot, _Day]:
    """check_slot, and the day's data it read (for the claim that follows)."""
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
    calendar = _calendar(branch)
    reason = calendar.closed(day)
    if reason:
        raise BookingError(_("No appointments on this day: %(reason)s.") % {"reason": reason})
    data = _read_day(branch, services, day, now, calendar=calendar, exclude_booking=exclude_booking)
    if data is None:  # open, in the window: no capable counter
        raise BookingError(_("This office does not offer these services in one appointment."))
    for slot in data.slots():
        if slot.start == start:
            return slot, data
    offered = _slot_grid(branch, services, day, calendar)
    if start not in offered:
        raise BookingError(_("This time is outside the appointment hours."))
    raise SlotTaken(_("This slot has just been taken. Please choose another one."))


def _slot_grid(
    branch: Branch, services: list[AppointmentService], day: dt.date, calendar: _Calendar
) -> set:
    minutes = total_minutes(services)
    step = _step(branch)
    grid = set()
    for start, closes in calendar.intervals(day):
        while start + dt.timedelta(minutes=minutes) <= closes:
            grid.add(start)
            start += step
    return grid
