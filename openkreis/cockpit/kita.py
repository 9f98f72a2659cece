"""Kita places in the cockpit (issue 18): supply and demand per municipality — free places
against waiting applications per age group for a start month, offers made and accepted in
a period, the median days from application to offer.

The cockpit sits below the Kapazitätsfinder and does not import it: the port `kita_counts`
is filled by the capacity app in its AppConfig.ready() with a callable that returns plain
counts (`KitaCounts`, municipality ARS keys, no person); the cockpit adds the municipality
names, hides small counts (K_ANONYMITY, with the secondary suppression of engine.suppress
against the county totals) and draws the page /cockpit/kita/.

Free places are not about persons (the public free-place search shows them per Kita), so
they are shown as they are; waiting applications, offers and acceptances are counts of
children and are hidden below k; the median needs k offers.

The same page shows doctor slots and holiday rooms per municipality for the period, read
from the event log (`slot.*`, `room.requested`, docs/events.md — core, below the cockpit,
so no port is needed): slots published and passed unbooked are the practices' supply and
shown as they are (no person); bookings, cancellations and room requests are residents'
and guests' demand and hidden below k like the children, with the same secondary
suppression against the county total; a median needs k values.
"""

from __future__ import annotations

import datetime as dt
import statistics
from collections.abc import Callable
from dataclasses import dataclass, field

from django.utils import timezone
from django.utils.translation import gettext as _

from openkreis.core import event_kinds
from openkreis.core.models import Event, Region
from openkreis.core.registry import Registry

from . import engine


@dataclass
class KitaCounts:
    """What the Kapazitätsfinder hands the cockpit (keys: municipality ARS, age group key)."""

    age_groups: dict[str, str] = field(default_factory=dict)  # key → name, in order
    free: dict[tuple[str, str], int] = field(default_factory=dict)  # (ars, age group)
    waiting: dict[tuple[str, str], int] = field(default_factory=dict)  # (ars, age group)
    offers: dict[str, int] = field(default_factory=dict)  # made in the period, by ARS
    accepted: dict[str, int] = field(default_factory=dict)  # of those, accepted
    days: dict[str, list[float]] = field(default_factory=dict)  # application → offer


# the port: provider(month, start, end) -> KitaCounts for the start month `month` and the
# offers made between the Berlin days start..end
kita_counts: Registry[Callable[[dt.date, dt.date, dt.date], KitaCounts]] = Registry(
    "cockpit kita counts"
)


def available() -> bool:
    return bool(list(kita_counts))


def counts(month: dt.date, start: dt.date, end: dt.date) -> KitaCounts:
    merged = KitaCounts()
    for provider in kita_counts:
        part = provider(month, start, end)
        merged.age_groups.update(part.age_groups)
        for name in ("free", "waiting", "offers", "accepted"):
            mine = getattr(merged, name)
            for key, n in getattr(part, name).items():
                mine[key] = mine.get(key, 0) + n
        for key, days in part.days.items():
            merged.days.setdefault(key, []).extend(days)
    return merged


def _hidden(table: dict[str, dict[str, int]], k: int) -> dict[str, set]:
    return engine.suppress(table, k)


def _area_names() -> dict[str, str]:
    return dict(Region.objects.filter(kind=Region.Kind.MUNICIPALITY).values_list("ars", "name"))


def figures(month: dt.date, start: dt.date, end: dt.date, k: int = engine.K_ANONYMITY) -> dict:
    """Two tables. `supply`: per age group, one row per municipality and a county row: free
    places and waiting applications for a start in `month`. `offers`: per municipality and
    for the county: offers made in the period, accepted, median days from application to
    offer. Hidden values are None."""
    data = counts(month, start, end)
    names = _area_names()

    def by_name(ars: str) -> tuple:
        return (names.get(ars, ars).casefold(), ars)

    supply = []
    for group, group_name in data.age_groups.items():
        areas = sorted({a for a, g in (*data.free, *data.waiting) if g == group}, key=by_name)
        if not areas:
            continue
        waiting = {a: data.waiting.get((a, group), 0) for a in areas}
        hidden = _hidden({group: waiting}, k)
        total_free = sum(data.free.get((a, group), 0) for a in areas)
        total_waiting = sum(waiting.values())
        rows = [
            {
                "area": "",
                "area_name": _("Whole county"),
                "county": True,
                "free": total_free,
                "waiting": total_waiting
                if total_waiting == 0 or (total_waiting >= k and group not in hidden["rows"])
                else None,
            }
        ]
        for a in areas:
            n = waiting[a]
            rows.append(
                {
                    "area": a,
                    "area_name": names.get(a, a),
                    "county": False,
                    "free": data.free.get((a, group), 0),
                    "waiting": n
                    if (group, a) not in hidden["cells"] and engine.enough(n, k)
                    else None,
                }
            )
        supply.append({"age_group": group, "name": group_name, "rows": rows})

    areas = sorted(set(data.offers) | set(data.accepted), key=by_name)
    hidden = {
        name: _hidden({"offers": {a: getattr(data, name).get(a, 0) for a in areas}}, k)
        for name in ("offers", "accepted")
    }

    def offer_row(area: str, made: int, accepted: int, days: list[float], county: bool) -> dict:
        row = {
            "area": area,
            "area_name": _("Whole county") if county else names.get(area, area),
            "county": county,
        }
        for name, n in (("offers", made), ("accepted", accepted)):
            if county:
                shown = n == 0 or (n >= k and "offers" not in hidden[name]["rows"])
            else:
                shown = ("offers", area) not in hidden[name]["cells"] and engine.enough(n, k)
            row[name] = n if shown else None
        enough = len(days) >= k and row["offers"] is not None
        row["median_days"] = round(statistics.median(days), 1) if enough else None
        return row

    offers = []
    if areas:
        every = [d for a in areas for d in data.days.get(a, [])]
        offers.append(
            offer_row(
                "",
                sum(data.offers.get(a, 0) for a in areas),
                sum(data.accepted.get(a, 0) for a in areas),
                every,
                county=True,
            )
        )
        offers += [
            offer_row(
                a, data.offers.get(a, 0), data.accepted.get(a, 0), data.days.get(a, []), False
            )
            for a in areas
        ]
    events = provider_counts(start, end)  # one read of the log for both tables
    return {
        "supply": supply,
        "offers": offers,
        "slots": slot_rows(start, end, k, names, events),
        "rooms": room_rows(start, end, k, names, events),
        "k": k,
        "available": available(),
    }


# -- doctor slots and holiday rooms (events) ---------------------------------------------------
PROVIDER_KINDS = (
    event_kinds.SLOT_PUBLISHED,
    event_kinds.SLOT_BOOKED,
    event_kinds.SLOT_CANCELLED,
    event_kinds.SLOT_EXPIRED,
    event_kinds.ROOM_REQUESTED,
)


@dataclass
class ProviderCounts:
    """The period's `slot.*` and `room.requested` events, summed per municipality (ARS)."""

    published: dict[str, int] = field(default_factory=dict)  # slots (the events' counts)
    expired: dict[str, int] = field(default_factory=dict)  # passed without a booking
    booked: dict[str, int] = field(default_factory=dict)
    cancelled: dict[str, int] = field(default_factory=dict)
    booked_days: dict[str, list[float]] = field(default_factory=dict)  # booking → appointment
    requests: dict[str, int] = field(default_factory=dict)  # room requests
    guests: dict[str, int] = field(default_factory=dict)  # persons in them
    nights: dict[str, list[int]] = field(default_factory=dict)
    request_days: dict[str, list[int]] = field(default_factory=dict)  # request → arrival


def _day_bounds(start: dt.date, end: dt.date) -> tuple[dt.datetime, dt.datetime]:
    tz = timezone.get_default_timezone()
    lo = dt.datetime.combine(start, dt.time.min, tz)
    return lo, dt.datetime.combine(end + dt.timedelta(days=1), dt.time.min, tz)


def _number(value, default=0):
    """A figure from an event's data; anything else (an old or broken event) counts as
    `default`, never an error on the page."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        return default
    return value


def provider_counts(start: dt.date, end: dt.date) -> ProviderCounts:
    """Sum the events of the Berlin days start..end (one query, read in batches)."""
    out = ProviderCounts()
    lo, hi = _day_bounds(start, end)
    rows = Event.objects.filter(kind__in=PROVIDER_KINDS, occurred_at__gte=lo, occurred_at__lt=hi)
    for kind, data in rows.values_list("kind", "data").iterator(2000):
        data = data if isinstance(data, dict) else {}
        area = str(data.get("municipality") or "")
        if not area:
            continue

        def add(table: dict, n: int = 1, area: str = area) -> None:
            table[area] = table.get(area, 0) + n

        if kind == event_kinds.SLOT_PUBLISHED:
            add(out.published, int(_number(data.get("count"), 1)))
        elif kind == event_kinds.SLOT_EXPIRED:
            add(out.expired)
        elif kind == event_kinds.SLOT_BOOKED:
            add(out.booked)
            days = _number(data.get("days_ahead"), None)
            if days is not None:
                out.booked_days.setdefault(area, []).append(float(days))
        elif kind == event_kinds.SLOT_CANCELLED:
            add(out.cancelled)
        else:  # room.requested
            add(out.requests)
            add(out.guests, int(_number(data.get("persons"))))
            out.nights.setdefault(area, []).append(int(_number(data.get("nights"))))
            out.request_days.setdefault(area, []).append(int(_number(data.get("days_ahead"))))
    return out


def _private_rows(
    areas: list[str],
    names: dict[str, str],
    k: int,
    public: dict[str, dict[str, int]],
    private: dict[str, dict[str, int]],
    medians: dict[str, dict[str, list]],
    base: str,
) -> list[dict]:
    """A county row and one row per area. `public` figures are shown as they are;
    `private` ones (counts of persons) are hidden below k with secondary suppression
    against the county total; a median of `medians` needs k values and the row's `base`
    count shown."""
    hidden = {
        name: engine.suppress({name: {a: table.get(a, 0) for a in areas}}, k)
        for name, table in private.items()
    }

    def row(area: str, county: bool) -> dict:
        pick = areas if county else [area]
        out = {
            "area": area,
            "area_name": _("Whole county") if county else names.get(area, area),
            "county": county,
        }
        for name, table in public.items():
            out[name] = sum(table.get(a, 0) for a in pick)
        for name, table in private.items():
            n = sum(table.get(a, 0) for a in pick)
            if county:
                shown = n == 0 or (n >= k and name not in hidden[name]["rows"])
            else:
                shown = (name, area) not in hidden[name]["cells"] and engine.enough(n, k)
            out[name] = n if shown else None
        for name, table in medians.items():
            values = [v for a in pick for v in table.get(a, [])]
            enough = len(values) >= k and out[base] is not None
            out[name] = round(statistics.median(values), 1) if enough else None
        return out

    if not areas:
        return []
    return [row("", True)] + [row(a, False) for a in areas]


def slot_rows(
    start: dt.date, end: dt.date, k: int = engine.K_ANONYMITY, names=None, data=None
) -> list[dict]:
    """Doctor slots per municipality in the period: `published` and `expired` (supply, as
    they are), `booked` and `cancelled` (hidden below k), `median_days` from booking to
    appointment (k bookings)."""
    data = data or provider_counts(start, end)
    names = _area_names() if names is None else names
    tables = (data.published, data.expired, data.booked, data.cancelled)
    areas = sorted({a for t in tables for a in t}, key=lambda a: (names.get(a, a).casefold(), a))
    return _private_rows(
        areas,
        names,
        k,
        public={"published": data.published, "expired": data.expired},
        private={"booked": data.booked, "cancelled": data.cancelled},
        medians={"median_days": data.booked_days},
        base="booked",
    )


def room_rows(
    start: dt.date, end: dt.date, k: int = engine.K_ANONYMITY, names=None, data=None
) -> list[dict]:
    """Holiday-room requests per municipality in the period: `requests` and `guests`
    (hidden below k requests), median `nights` and `median_days` from the request to the
    arrival (k requests)."""
    data = data or provider_counts(start, end)
    names = _area_names() if names is None else names
    areas = sorted(data.requests, key=lambda a: (names.get(a, a).casefold(), a))
    rows = _private_rows(
        areas,
        names,
        k,
        public={},
        private={"requests": data.requests},
        medians={"nights": data.nights, "median_days": data.request_days},
        base="requests",
    )
    for row in rows:  # the guests go with their requests: hidden where those are
        pick = areas if row["county"] else [row["area"]]
        guests = sum(data.guests.get(a, 0) for a in pick)
        row["guests"] = guests if row["requests"] is not None else None
    return rows
