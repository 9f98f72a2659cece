"""Reading iCalendar feeds of practices and holiday hosts (RFC 5545, the `icalendar`
package): free appointment slots of a practice, busy nights of a room from its booking
channel.

Times as real feeds send them: DTSTART with TZID (Europe/Berlin), UTC ('Z'), floating
times (read as Europe/Berlin) and all-day dates. A recurring event (RRULE) is expanded up
to a horizon (8 weeks for slots, a year for rooms), at most MAX_OCCURRENCES times; EXDATE
is honoured. A file that is no calendar, too large or without events is refused with a
message the uploader can act on (`ICalError`).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from itertools import islice
from zoneinfo import ZoneInfo

from dateutil.rrule import rrulestr
from django.utils.translation import gettext as _
from icalendar import Calendar

BERLIN = ZoneInfo("Europe/Berlin")
UTC = dt.UTC
MAX_BYTES = 1_000_000
MAX_OCCURRENCES = 500
SLOT_HORIZON = dt.timedelta(weeks=8)
ROOM_HORIZON_DAYS = 366
FREE_WORDS = ("frei", "free", "verfügbar", "available")


class ICalError(ValueError):
    """The upload or feed cannot be used; the message says why (German in the UI)."""


@dataclass(frozen=True)
class Occurrence:
    start: dt.datetime | dt.date  # aware UTC datetime, or a date for all-day events
    end: dt.datetime | dt.date
    all_day: bool


def parse(data: bytes | str) -> Calendar:
    if isinstance(data, str):
        data = data.encode("utf-8")
    if not data or not data.strip():
        raise ICalError(_("The calendar file is empty."))
    if len(data) > MAX_BYTES:
        raise ICalError(_("The calendar file is too large (at most 1 MB)."))
    if b"BEGIN:VCALENDAR" not in data[:2000].upper():
        raise ICalError(_("This is not an iCalendar file (.ics)."))
    try:
        calendar = Calendar.from_ical(data)
    except Exception as exc:  # noqa: BLE001 - the package raises ValueError, KeyError, …
        raise ICalError(
            _("The calendar file could not be read. Please export it again as an .ics file.")
        ) from exc
    return calendar


def _aware(value) -> dt.datetime | dt.date:
    if isinstance(value, dt.datetime):
        if value.tzinfo is None:  # a floating time: the practice's wall clock
            value = value.replace(tzinfo=BERLIN)
        return value
    return value


def _occurrences(event, until: dt.datetime) -> list[Occurrence]:
    """The event's occurrences that start before `until` (aware, UTC)."""
    try:
        start = _aware(event.decoded("DTSTART"))
    except (KeyError, ValueError, TypeError) as exc:
        raise ICalError(_("An event has no valid start (DTSTART).")) from exc
    if not isinstance(start, dt.date):
        raise ICalError(_("An event has no valid start (DTSTART)."))
    all_day = not isinstance(start, dt.datetime)
    try:
        if "DTEND" in event:
            end = _aware(event.decoded("DTEND"))
        elif "DURATION" in event:
            end = start + event.decoded("DURATION")
        else:
            end = None
    except (KeyError, ValueError, TypeError) as exc:
        raise ICalError(_("An event has no valid end (DTEND or DURATION).")) from exc
    if end is not None and not isinstance(end, dt.date):
        raise ICalError(_("An event has no valid end (DTEND or DURATION)."))
    if end is None:
        end = start + (dt.timedelta(days=1) if all_day else dt.timedelta(0))
    if isinstance(end, dt.datetime) != (not all_day):
        raise ICalError(_("An event mixes a date and a time in its start and end."))
    length = end - start
    if length < dt.timedelta(0):
        raise ICalError(_("An event ends before it starts."))
    starts = [start]
    if "RRULE" in event:
        rule = event["RRULE"]
        rule = rule[0] if isinstance(rule, list) else rule
        text = rule.to_ical().decode()
        recurrence = _rule(text, start, all_day)
        for exdate in _exdates(event):
            recurrence.exdate(exdate if not all_day else dt.datetime.combine(exdate, dt.time()))
        limit = until if not all_day else until.astimezone(BERLIN).replace(tzinfo=None)
        starts = []
        try:
            values = list(islice(_bounded(recurrence, start, all_day, limit), MAX_OCCURRENCES))
        except TypeError as exc:  # an EXDATE with a zone beside a floating rule
            raise ICalError(
                _("A repeat rule (RRULE) could not be read: %(rule)s") % {"rule": text}
            ) from exc
        for value in values:
            starts.append(value)
    result = []
    for value in starts:
        if all_day:
            result.append(Occurrence(value, value + length, True))
        else:
            result.append(
                Occurrence(value.astimezone(UTC), (value + length).astimezone(UTC), False)
            )
    return result


def _bounded(recurrence, start, all_day: bool, limit):
    for value in recurrence:
        if value.tzinfo is None and not all_day:
            value = value.replace(tzinfo=start.tzinfo)
        if (value.date() if all_day else value) >= (limit.date() if all_day else limit):
            return
        yield value.date() if all_day else value


def _rule(text: str, start, all_day: bool):
    """The recurrence set of RRULE `text` from `start`. Expanded in the start's wall time
    (a weekly 9:00 stays 9:00 across the clock change); a local UNTIL with a zoned start is
    read as wall time too."""
    if all_day:
        tries = [dt.datetime.combine(start, dt.time())]
    else:
        tries = [start, start.replace(tzinfo=None)]
    for first in tries:
        try:
            return rrulestr(text, dtstart=first, forceset=True)
        except (ValueError, TypeError):
            continue
    raise ICalError(_("A repeat rule (RRULE) could not be read: %(rule)s") % {"rule": text})


def _exdates(event) -> list:
    raw = event.get("EXDATE")
    if raw is None:
        return []
    found = []
    for item in raw if isinstance(raw, list) else [raw]:
        for value in item.dts:
            found.append(_aware(value.dt))
    return found


def _events(calendar: Calendar):
    events = [e for e in calendar.walk("VEVENT") if str(e.get("STATUS", "")).upper() != "CANCELLED"]
    return events


def _is_free(event) -> bool:
    if str(event.get("TRANSP", "")).upper() == "TRANSPARENT":
        return True
    summary = str(event.get("SUMMARY", "")).strip().lower()
    return any(word in summary for word in FREE_WORDS)


def _guarded(read):
    """Anything unexpected in a feed is the feed's fault, never a server error."""

    def wrapped(data, when):
        try:
            return read(data, when)
        except ICalError:
            raise
        except (TypeError, ValueError, AttributeError, OverflowError, KeyError) as exc:
            raise ICalError(
                _("The calendar file could not be read. Please export it again as an .ics file.")
            ) from exc

    wrapped.__doc__ = read.__doc__
    return wrapped


@_guarded
def free_slots(data: bytes | str, now: dt.datetime) -> list[tuple[dt.datetime, int]]:
    """Free appointment slots (start in UTC, minutes) from a practice calendar: events marked
    free (TRANSP:TRANSPARENT, or a summary such as "frei"), timed, 5–240 minutes long,
    starting after `now` and within 8 weeks. All-day events are no slots and are left out."""
    calendar = parse(data)
    until = now + SLOT_HORIZON
    slots = []
    for event in _events(calendar):
        if not _is_free(event):
            continue
        for occ in _occurrences(event, until):
            if occ.all_day or not now <= occ.start < until:
                continue
            minutes = int((occ.end - occ.start).total_seconds() // 60)
            if not 5 <= minutes <= 240:
                continue
            slots.append((occ.start, minutes))
    return sorted(set(slots))


@_guarded
def busy_nights(data: bytes | str, today: dt.date) -> list[tuple[dt.date, dt.date]]:
    """Busy periods (first night, departure day) of a room from its booking channel's feed:
    every event that is not marked free; a timed event blocks the nights it touches.
    Periods that ended before `today` or begin more than a year ahead are left out."""
    calendar = parse(data)
    horizon = today + dt.timedelta(days=ROOM_HORIZON_DAYS)
    until = dt.datetime.combine(horizon, dt.time(), tzinfo=BERLIN)
    periods = []
    for event in _events(calendar):
        if str(event.get("TRANSP", "")).upper() == "TRANSPARENT":
            continue
        for occ in _occurrences(event, until):
            if occ.all_day:
                first, last = occ.start, occ.end
            else:
                first = occ.start.astimezone(BERLIN).date()
                last = occ.end.astimezone(BERLIN).date()
            if last <= first:
                last = first + dt.timedelta(days=1)
            if last <= today or first >= horizon:
                continue
            periods.append((max(first, today), min(last, horizon)))
    return sorted(set(periods))
