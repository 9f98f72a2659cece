"""Opening hours of places in the OSM opening_hours syntax (docs/directory.md).

Parsing and evaluation are done by the library `opening_hours` (PyPI opening-hours-py, the
Rust parser of opening-hours-rs): it reads the full OSM syntax ("Mo-Fr 08:00-16:00; PH off",
"Apr-Oct Mo-Su 10:00-18:00", "Fr-Sa 22:00-03:00", "24/7", comments, fallback rules).

Public holidays: the library knows only a country's *national* holidays ("DE": no Heilige
Drei Könige, no Reformationstag) and cannot be given a Land. We therefore evaluate without a
country and supply the holidays of the county's Land ourselves (library `holidays`,
country DE, subdivision from the Land's AGS: Sachsen-Anhalt "15" → "ST"): on a day that is a
holiday there, the expression is evaluated with every `PH` selector replaced by `Mo-Su`
(the selector then matches, exactly as PH would on that day); on every other day PH never
matches. Two limits, documented: `PH` with a day offset ("PH +1 day") and the "PH Mo" form
cannot be rewritten — such expressions use the library's national German holidays; and an
opening that runs over midnight from a non-holiday into a holiday (or back) is evaluated
with the rule of the day the time falls on.

Times: places are in Europe/Berlin (settings.TIME_ZONE). We evaluate in naive local time
and convert the results with zoneinfo, so the change to and from summer time is right
("Sa-Su 01:00-04:00" on the last Sunday of March is open for two real hours).

Interface (others call these):

* `validate(expr) -> str | None` — None when fine (or empty), else a message for editors
  and import reports (translated, German in the portal).
* `is_open(expr, at) -> bool | None` — None: empty, invalid or "unknown" at that time.
* `status(expr, at) -> dict` — for a place page: state, text ("Jetzt geöffnet bis 18:00"),
  until / next_open (aware datetimes), holiday name, comment.
* `week_table(expr, monday) -> list[tuple[date, str]]` — seven rows for a readable table.
* `rebuild_intervals(places=None, days=HORIZON_DAYS) -> int` — writes OpenInterval rows.
* `holiday_subdivision()`, `holiday_name(day)` — the Land used and a day's holiday.
"""

from __future__ import annotations

import datetime as dt
import re
from collections import defaultdict
from collections.abc import Iterable
from functools import lru_cache
from zoneinfo import ZoneInfo

import holidays as holidays_lib
from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.dates import WEEKDAYS, WEEKDAYS_ABBR
from django.utils.translation import gettext as _
from django.utils.translation import pgettext
from opening_hours import OpeningHours, ParserError, State

from openkreis.core.models import Region, Tenant

from .models import OpenInterval, Place

# OpenInterval rows reach this many days ahead from the start of today (local). The nightly
# task rebuilds them, so even when one night's run fails the next 13 days stay right; the
# list's "open at the weekend" filter needs at most 8 days.
HORIZON_DAYS = 14
# how far status() looks for the next opening (seasonal places: "Apr-Oct …" in December)
LOOKAHEAD_DAYS = 370
MAX_LENGTH = 500
REBUILD_BATCH = 5000

# AGS of the Länder → ISO 3166-2 subdivision codes used by the `holidays` library
LAND_SUBDIVISIONS = {
    "01": "SH", "02": "HH", "03": "NI", "04": "HB", "05": "NW", "06": "HE", "07": "RP",
    "08": "BW", "09": "BY", "10": "SL", "11": "BE", "12": "BB", "13": "MV", "14": "SN",
    "15": "ST", "16": "TH",
}  # fmt: skip

_DEFAULT = object()
_PH_TOKEN = re.compile(r'"[^"]*"|\bPH\b')
_PH_UNSUPPORTED = re.compile(r"\bPH\s*[+-]|\bPH\s+(Mo|Tu|We|Th|Fr|Sa|Su)\b")


def local_tz() -> ZoneInfo:
    return ZoneInfo(settings.TIME_ZONE)


# --- holidays --------------------------------------------------------------------------


_SUBDIVISIONS: dict[str, str | None] = {}


def _subdivision_for(slug: str) -> str | None:
    if slug in _SUBDIVISIONS:
        return _SUBDIVISIONS[slug]
    tenant = Tenant.objects.select_related("region").filter(slug=slug).first()
    if tenant is None:
        return None  # not cached: the tenant may be loaded later in this process
    state = next(
        (r for r in tenant.region.ancestors_and_self() if r.kind == Region.Kind.STATE), None
    )
    code = LAND_SUBDIVISIONS.get(((state or tenant.region).ags or "")[:2])
    _SUBDIVISIONS[slug] = code
    return code


def holiday_subdivision() -> str | None:
    """The Land whose holidays count ("ST" for the Harz), from the tenant's regions; None
    (national holidays only) when no tenant is loaded."""
    return _subdivision_for(settings.OPENKREIS_TENANT)


def forget_cached_subdivision() -> None:
    _SUBDIVISIONS.clear()


@lru_cache(maxsize=64)
def _holidays(subdiv: str | None, year: int) -> dict[dt.date, str]:
    cal = holidays_lib.country_holidays("DE", subdiv=subdiv, years=year, language="de")
    return dict(cal.items())


def _resolve(subdiv) -> str | None:
    return holiday_subdivision() if subdiv is _DEFAULT else subdiv


def holiday_name(day: dt.date, subdiv=_DEFAULT) -> str | None:
    """The name of the public holiday on `day` in the Land (None: a working day)."""
    return _holidays(_resolve(subdiv), day.year).get(day)


def _holiday_days(start: dt.date, end: dt.date, subdiv: str | None) -> list[dt.date]:
    days = []
    for year in range(start.year, end.year + 1):
        days.extend(d for d in _holidays(subdiv, year) if start <= d <= end)
    return sorted(days)


# --- parsing ---------------------------------------------------------------------------


def _clean(expr: str | None) -> str:
    return " ".join((expr or "").split())


@lru_cache(maxsize=4096)
def _parse(expr: str) -> OpeningHours:
    return OpeningHours(expr, auto_country=False, auto_timezone=False)


@lru_cache(maxsize=4096)
def _parse_holiday(expr: str) -> OpeningHours | None:
    """The expression as it reads on a public holiday (PH → Mo-Su); None when it has no PH."""
    if not re.search(r"\bPH\b", re.sub(r'"[^"]*"', "", expr)):
        return None
    if _PH_UNSUPPORTED.search(expr):
        return OpeningHours(expr, country="DE", auto_country=False, auto_timezone=False)
    rewritten = _PH_TOKEN.sub(lambda m: m.group(0) if m.group(0).startswith('"') else "Mo-Su", expr)
    try:
        return OpeningHours(rewritten, auto_country=False, auto_timezone=False)
    except (ParserError, SyntaxError, ValueError):
        return OpeningHours(expr, country="DE", auto_country=False, auto_timezone=False)


def validate(expr: str | None) -> str | None:
    """None when `expr` is valid OSM opening_hours syntax (or empty: not known), else a
    message saying where it went wrong, for editors and import reports."""
    text = _clean(expr)
    if not text:
        return None
    if len(text) > MAX_LENGTH:
        return _("The opening hours are too long (at most %(max)d characters).") % {
            "max": MAX_LENGTH
        }
    try:
        _parse(text)
    except (ParserError, SyntaxError, ValueError) as exc:
        position = _error_position(str(exc))
        if position and position > len(text):
            return _(
                "The opening hours end too early (after „%(end)s“): a time or day is "
                "missing. Example: Mo-Fr 08:00-16:00; Sa 09:00-12:00; PH off"
            ) % {"end": text[-20:]}
        if position:
            return _(
                "The opening hours are not in OpenStreetMap syntax: not understood from "
                "character %(pos)d („%(rest)s“). Example: Mo-Fr 08:00-16:00; Sa 09:00-12:00; "
                "PH off"
            ) % {"pos": position, "rest": text[position - 1 : position + 19]}
        return _(
            "The opening hours are not in OpenStreetMap syntax. Example: Mo-Fr 08:00-16:00; "
            "Sa 09:00-12:00; PH off"
        )
    return None


def _error_position(message: str) -> int | None:
    found = re.search(r"-->\s*\d+:(\d+)", message)
    return int(found.group(1)) if found else None


def _parsed_or_none(expr: str | None) -> str | None:
    text = _clean(expr)
    if not text or validate(text) is not None:
        return None
    return text


# --- evaluation ------------------------------------------------------------------------

Segment = tuple[dt.datetime, dt.datetime, State, str]  # naive local start, end, state, comment


def _segments(text: str, start: dt.datetime, end: dt.datetime, subdiv: str | None) -> list[Segment]:
    """The states between two naive local times, holidays of the Land applied, merged."""
    plain = _parse(text)
    on_holiday = _parse_holiday(text)
    pieces: list[Segment] = []
    if on_holiday is None:
        pieces = list(plain.intervals(start, end))
    else:
        cursor = start
        for day in _holiday_days(start.date(), end.date(), subdiv):
            d0 = dt.datetime.combine(day, dt.time())
            d1 = d0 + dt.timedelta(days=1)
            a, b = max(d0, start), min(d1, end)
            if a >= b:
                continue
            if cursor < a:
                pieces.extend(plain.intervals(cursor, a))
            pieces.extend(on_holiday.intervals(a, b))
            cursor = b
        if cursor < end:
            pieces.extend(plain.intervals(cursor, end))
    merged: list[Segment] = []
    for seg_start, seg_end, state, comment in pieces:
        seg_end = seg_end or end
        last = merged[-1] if merged else None
        if last and last[2] == state and last[3] == comment and last[1] == seg_start:
            merged[-1] = (last[0], seg_end, state, comment)
            continue
        if seg_start < seg_end:
            merged.append((seg_start, seg_end, state, comment))
    return merged


def _to_local_naive(at: dt.datetime | None) -> dt.datetime:
    at = at or timezone.now()
    if timezone.is_naive(at):
        return at.replace(second=0, microsecond=0)
    return at.astimezone(local_tz()).replace(tzinfo=None, second=0, microsecond=0)


def _aware(naive: dt.datetime) -> dt.datetime:
    return naive.replace(tzinfo=local_tz())


def _state_at(text: str, local: dt.datetime, subdiv) -> tuple[State, str]:
    segments = _segments(text, local, local + dt.timedelta(minutes=1), subdiv)
    return (segments[0][2], segments[0][3]) if segments else (State.CLOSED, "")


def is_open(expr: str | None, at: dt.datetime | None = None, *, subdiv=_DEFAULT) -> bool | None:
    """Whether a place with these opening hours is open at `at` (aware, or naive local time;
    default now). None when the hours are empty, invalid or "unknown" at that time."""
    text = _parsed_or_none(expr)
    if text is None:
        return None
    state, _comment = _state_at(text, _to_local_naive(at), _resolve(subdiv))
    if state == State.UNKNOWN:
        return None
    return state == State.OPEN


def _when(moment: dt.datetime, now: dt.datetime) -> str:
    """ "18:00", "morgen 08:00", "Mo 08:00" or "Mo 12.04. 08:00" relative to `now` (naive local)."""
    if moment.time() == dt.time() and moment.date() - dt.timedelta(days=1) == now.date():
        return "24:00"
    days = (moment.date() - now.date()).days
    clock = moment.strftime("%H:%M")
    if days == 0:
        return clock
    if days == 1:
        return _("tomorrow %(time)s") % {"time": clock}
    if days < 7:
        return f"{WEEKDAYS_ABBR[moment.weekday()]} {clock}"
    return f"{WEEKDAYS_ABBR[moment.weekday()]} {moment:%d.%m.} {clock}"


def status(expr: str | None, at: dt.datetime | None = None, *, subdiv=_DEFAULT) -> dict:
    """What a place page shows about now: {"state": "open"|"closed"|"unknown", "text": …,
    "until": aware datetime|None (open: when it closes), "next_open": aware datetime|None
    (closed: when it opens), "holiday": name of today's holiday|None, "comment": str}."""
    sub = _resolve(subdiv)
    now = _to_local_naive(at)
    holiday = holiday_name(now.date(), sub)
    result = {
        "state": "unknown",
        "text": _("Opening hours not known"),
        "until": None,
        "next_open": None,
        "holiday": holiday,
        "comment": "",
    }
    text = _clean(expr)
    if not text:
        return result
    if validate(text) is not None:
        result["text"] = _("Opening hours could not be read")
        return result
    # a week ahead answers nearly every place; seasonal ones look up to a year ahead
    segments = _segments(text, now, now + dt.timedelta(days=8), sub)
    if len(segments) == 1 or not any(s[2] == State.OPEN for s in segments):
        segments = _segments(text, now, now + dt.timedelta(days=LOOKAHEAD_DAYS), sub)
    if not segments:
        return result
    first_start, first_end, state, comment = segments[0]
    result["comment"] = comment
    if state == State.UNKNOWN:
        result["text"] = comment or _("Opening hours not known")
        return result
    if state == State.OPEN:
        result["state"] = "open"
        if len(segments) == 1:
            result["text"] = _("Open now, around the clock")
        else:
            result["until"] = _aware(first_end)
            result["text"] = _("Open now until %(time)s") % {"time": _when(first_end, now)}
    else:
        result["state"] = "closed"
        following = next((s for s in segments if s[2] == State.OPEN), None)
        if following is None:
            result["text"] = pgettext("opening hours", "Closed")
        else:
            result["next_open"] = _aware(following[0])
            result["text"] = _("Closed, opens %(time)s") % {"time": _when(following[0], now)}
    if holiday and result["state"] == "closed":
        result["text"] = f"{result['text']} ({_('public holiday')}: {holiday})"
    return result


def week_table(
    expr: str | None, monday: dt.date | None = None, *, subdiv=_DEFAULT
) -> list[tuple[dt.date, str]]:
    """Seven rows (day, text) from `monday` (default: this week's Monday): "08:00–12:00,
    14:00–16:00", "closed", "open 24 hours"; an opening over midnight stands on the day it
    starts ("22:00–03:00"); a public holiday is named."""
    sub = _resolve(subdiv)
    if monday is None:
        today = _to_local_naive(None).date()
        monday = today - dt.timedelta(days=today.weekday())
    days = [monday + dt.timedelta(days=i) for i in range(7)]
    text = _parsed_or_none(expr)
    if text is None:
        return [(day, _("not known")) for day in days]
    start = dt.datetime.combine(monday, dt.time())
    segments = _segments(text, start - dt.timedelta(days=1), start + dt.timedelta(days=8), sub)
    by_day: dict[dt.date, list[str]] = defaultdict(list)
    for seg_start, seg_end, state, comment in segments:
        if state == State.CLOSED:
            continue
        if seg_start.time() == dt.time() and seg_end - seg_start >= dt.timedelta(days=1):
            # a whole day or more (24/7): every day it covers
            day = seg_start.date()
            while dt.datetime.combine(day, dt.time()) + dt.timedelta(days=1) <= seg_end:
                by_day[day].append(_("open 24 hours") if state == State.OPEN else _("not known"))
                day += dt.timedelta(days=1)
            continue
        if seg_start.time() == dt.time() and any(
            s[1] == seg_start and s[2] != State.CLOSED for s in segments
        ):
            continue  # the rest of an opening that began the day before
        end_text = "24:00" if seg_end.time() == dt.time() else seg_end.strftime("%H:%M")
        label = f"{seg_start:%H:%M}–{end_text}"
        if state == State.UNKNOWN:
            label = f"{label} ({comment or _('not known')})"
        elif comment:
            label = f"{label} ({comment})"
        by_day[seg_start.date()].append(label)
    rows = []
    for day in days:
        row = ", ".join(by_day.get(day, [])) or pgettext("opening hours", "closed")
        name = holiday_name(day, sub)
        if name:
            row = f"{row} ({name})"
        rows.append((day, row))
    return rows


def weekday_name(day: dt.date) -> str:
    return str(WEEKDAYS[day.weekday()])


# --- OpenInterval rows -----------------------------------------------------------------


def intervals(
    expr: str | None, start: dt.datetime, end: dt.datetime, *, subdiv=_DEFAULT
) -> list[tuple[dt.datetime, dt.datetime]]:
    """The open intervals between two times, as aware datetimes (local zone)."""
    text = _parsed_or_none(expr)
    if text is None:
        return []
    segments = _segments(text, _to_local_naive(start), _to_local_naive(end), _resolve(subdiv))
    return [(_aware(a), _aware(b)) for a, b, state, _c in segments if state == State.OPEN]


def rebuild_intervals(places: Iterable[Place] | None = None, days: int = HORIZON_DAYS) -> int:
    """Write the OpenInterval rows of `places` (default: every place) from the start of
    today (local time) for `days` days: old rows of those places go, new ones are written in
    bulk. Places with empty, invalid or "unknown" hours get none. Returns the rows written.
    Called when a place is saved (imports, editors) and nightly (tasks.rebuild_open_intervals).

    Each distinct expression is evaluated once (most places share a few dozen); rows are
    written in batches of REBUILD_BATCH, so 50,000 places do not hold a million rows in memory."""
    today = _to_local_naive(None).date()
    start = dt.datetime.combine(today, dt.time())
    end = start + dt.timedelta(days=days)
    sub = holiday_subdivision()
    if places is None:
        rows = Place.objects.values_list("pk", "opening_hours").iterator(chunk_size=5000)
    else:
        rows = [(p.pk, p.opening_hours) for p in places]
    spans_of: dict[str, list[tuple[dt.datetime, dt.datetime]]] = {}
    written = 0
    batch: list[OpenInterval] = []
    with transaction.atomic():
        if places is None:
            OpenInterval.objects.all().delete()
        else:
            OpenInterval.objects.filter(place_id__in=[pk for pk, _e in rows]).delete()
        for pk, expr in rows:
            text = _clean(expr)
            if text not in spans_of:
                spans_of[text] = (
                    [
                        (_aware(a), _aware(b))
                        for a, b, state, _c in _segments(text, start, end, sub)
                        if state == State.OPEN
                    ]
                    if text and validate(text) is None
                    else []
                )
            batch.extend(
                OpenInterval(place_id=pk, starts_at=a, ends_at=b) for a, b in spans_of[text]
            )
            if len(batch) >= REBUILD_BATCH:
                OpenInterval.objects.bulk_create(batch)
                written += len(batch)
                batch = []
        if batch:
            OpenInterval.objects.bulk_create(batch)
            written += len(batch)
    return written
