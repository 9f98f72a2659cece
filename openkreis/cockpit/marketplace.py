"""Einkaufen im Harz in the cockpit (issue 22): the page /cockpit/einkaufen/ — product
searches per week with the share that found nothing, the most frequent searches without
result, shop page views per category with the share that came through the shop-window QR
code, reservations per week by status with the collection rate, loyalty points earned and
redeemed per month, and the same figures per municipality where the events carry one.

The cockpit sits below the marketplace and does not import it. It reads the `marketplace.*`
events (docs/events.md, "Einkaufen im Harz"): they carry a shop slug, a category, a status,
a municipality and counts — never a person, a card or the words of a search. The words of
searches without result are kept by the marketplace per day (its MissedSearch table); they
reach the cockpit through the port `missed_searches`, which the marketplace fills in its
AppConfig.ready(). Only words searched at least k times in the period are shown: a rarer
search could be one resident's (a name, an illness), and k people searching the same words
are no longer one person.

Small counts are hidden (K_ANONYMITY) with the secondary suppression of engine.suppress
against the totals, through the table builder of cockpit/tickets.py; per municipality with
the rows of cockpit/kita.py. Points are sums, not people: a month's points are shown where
the number of bookings behind them is.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Protocol

from django.db.models import Count, Q
from django.db.models.fields.json import KeyTextTransform
from django.db.models.functions import TruncDate
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from openkreis.core import event_kinds
from openkreis.core.models import Event
from openkreis.core.registry import Registry

from . import directory, engine
from .kita import _area_names, _number, _private_rows
from .tickets import _table

STATUSES = ("requested", "confirmed", "collected", "declined", "cancelled", "expired")
ENDED = ("collected", "declined", "cancelled", "expired")  # a reservation's last states
VIA = ("web", "qr")
MISSED_SHOWN = 30  # the most frequent searches without result on the page
NO_RATE = "–"  # a rate over nothing (no searches, no views, no reservation ended)


class MissedSearches(Protocol):
    """What the marketplace hands the cockpit: (query, how often it was searched without
    result) for the Berlin days start..end, one pair per normalised query."""

    def __call__(self, start: dt.date, end: dt.date) -> list[tuple[str, int]]: ...


# the port: filled by the marketplace in its AppConfig.ready() (marketplace/cockpit.py)
missed_searches: Registry[MissedSearches] = Registry("cockpit missed searches")


def available() -> bool:
    """Whether a provider of the words of searches without result is installed."""
    return bool(list(missed_searches))


def missed(start: dt.date, end: dt.date, k: int = engine.K_ANONYMITY) -> dict:
    """The searches without result of the period that were made at least k times, the most
    frequent first (at most MISSED_SHOWN), and how many distinct rarer ones were left out."""
    merged: dict[str, int] = {}
    for provider in missed_searches:
        for query, n in provider(start, end):
            merged[query] = merged.get(query, 0) + int(_number(n))
    shown = sorted(
        ((q, n) for q, n in merged.items() if n >= k), key=lambda qn: (-qn[1], qn[0].casefold())
    )
    return {
        "available": available(),
        "rows": shown[:MISSED_SHOWN],
        "more": max(0, len(shown) - MISSED_SHOWN),
        "rare": sum(1 for n in merged.values() if 0 < n < k),
    }


def grouped(
    kind: str, start: dt.date, end: dt.date, texts: Iterable[str] = (), numbers=(), **extra
) -> list:
    """The events of one kind in the Berlin days start..end, counted per local day and per
    value of the data keys `texts` (read as text) and `numbers` (read as JSON: a number) —
    one GROUP BY in the database: the values are a few slugs, statuses, municipalities and
    point amounts. Each row: {"day", "n", <key>: value, <extra>}."""
    low, high = directory._bounds(start, end)
    names = {f"text_{key}": key for key in texts} | {f"data__{key}": key for key in numbers}
    rows = (
        Event.objects.filter(kind=kind, occurred_at__gte=low, occurred_at__lt=high)
        .annotate(
            day=TruncDate("occurred_at", tzinfo=timezone.get_default_timezone()),
            # as text: SQLite's JSON reading would turn a numeric string (an ARS) into a number
            **{f"text_{key}": KeyTextTransform(key, "data") for key in texts},
        )
        .values("day", *names)
        .annotate(n=Count("id"), **extra)
        .order_by()
    )
    return [{names.get(name, name): value for name, value in row.items()} for row in rows]


def _text(value) -> str:
    return value if isinstance(value, str) else ""


def _add_area(table: dict, area, col: str, n: int) -> None:
    """Count `n` for a municipality; events without one are left out of that table."""
    if area and isinstance(area, str):
        directory._add(table, area, col, n)


def _rate(part, whole) -> float | str | None:
    """part / whole in per cent; None where either is hidden, NO_RATE over nothing."""
    if part is None or whole is None:
        return None
    return round(100.0 * part / whole, 1) if whole else NO_RATE


def _sum(values) -> int | None:
    """The sum of shown values; None when one of them is hidden."""
    values = list(values)
    return None if any(v is None for v in values) else sum(values)


def week_name(key: str) -> str:
    return _("week of %(date)s") % {"date": date_format(dt.date.fromisoformat(key), "d.m.Y")}


def figures(start: dt.date, end: dt.date, k: int = engine.K_ANONYMITY) -> dict:
    """Tables (hidden values are None, rates over nothing NO_RATE): `searches` (per week:
    searches that found something and those without result, `rate` = share without
    result), `missed` (see missed()), `views` (shop page views per category on the web and
    via the QR code, `rate` = share via QR), `reservations` (per week by status, `rate` =
    collected of the reservations that ended), `loyalty` (per month: bookings and points
    earned and redeemed) and `areas` (per municipality)."""
    searches: dict[str, dict[str, int]] = {}
    for row in grouped(
        event_kinds.MARKET_SEARCHED, start, end, (), empty=Count("id", filter=Q(data__results=0))
    ):
        week = directory._week(row["day"]).isoformat()
        directory._add(searches, week, "found", row["n"] - row["empty"])
        directory._add(searches, week, "empty", row["empty"])
    # found + without result = the week's searches (the total column): one table, so the
    # secondary suppression covers the total that is shown
    search_table = _table(searches, ["found", "empty"], k, {}, _("Whole period"), _column)
    for row in search_table["rows"]:
        row["name"] = row["name"] if row["total_row"] else week_name(row["key"])
        row["rate"] = _rate(row["cells"][1], row["total"])

    views: dict[str, dict[str, int]] = {}
    areas: dict[str, dict[str, int]] = {}
    for row in grouped(
        event_kinds.MARKET_SHOP_VIEWED, start, end, ("category", "via", "municipality")
    ):
        via = "qr" if row["via"] == "qr" else "web"
        directory._add(views, _text(row["category"]), via, row["n"])
        _add_area(areas, row["municipality"], "viewed", row["n"])
    view_table = _table(views, list(VIA), k, {}, _("All categories"), _column)
    for row in view_table["rows"]:
        row["rate"] = _rate(row["cells"][1], row["total"])

    reservations: dict[str, dict[str, int]] = {}
    for row in grouped(event_kinds.MARKET_RESERVATION, start, end, ("status", "municipality")):
        status = _text(row["status"])
        if status not in STATUSES:
            continue  # an unknown status (an old event) is not a figure of this table
        directory._add(reservations, directory._week(row["day"]).isoformat(), status, row["n"])
        if status in ("requested", "collected"):
            _add_area(areas, row["municipality"], status, row["n"])
    reservation_table = _by_column(
        reservations, {w: week_name(w) for w in reservations}, STATUSES, k
    )
    for row in reservation_table["rows"]:
        cells = dict(zip(STATUSES, row["cells"], strict=True))
        row["rate"] = _rate(cells["collected"], _sum(cells[s] for s in ENDED))

    bookings, points, area_points = _points(start, end, areas)
    months = {m: date_format(dt.date.fromisoformat(m), "F Y") for m in bookings}
    loyalty = _by_column(bookings, months, ("earned", "redeemed"), k, points)
    names = _area_names()
    return {
        "k": k,
        "searches": search_table,
        "missed": missed(start, end, k),
        "views": view_table,
        "reservations": reservation_table,
        "loyalty": loyalty,
        "areas": _by_column(
            areas, names, AREA_FIGURES, k, area_points, _("Whole county"), by_name=True
        ),
    }


def _points(start: dt.date, end: dt.date, areas: dict) -> tuple[dict, dict, dict]:
    """Bookings and points per month ({month: {"earned"|"redeemed": n}}) and points per
    municipality; the bookings per municipality are added to `areas`."""
    bookings: dict[str, dict[str, int]] = {}
    points: dict[str, dict[str, int]] = {}
    area_points: dict[str, dict[str, int]] = {}
    for kind, col in (
        (event_kinds.MARKET_POINTS_EARNED, "earned"),
        (event_kinds.MARKET_POINTS_REDEEMED, "redeemed"),
    ):
        for row in grouped(kind, start, end, ("municipality",), ("points",)):
            month = row["day"].replace(day=1).isoformat()
            value = int(_number(row["points"])) * row["n"]
            directory._add(bookings, month, col, row["n"])
            directory._add(points, month, col, value)
            _add_area(areas, row["municipality"], col, row["n"])
            _add_area(area_points, row["municipality"], col, value)
    return bookings, points, area_points


AREA_FIGURES = ("viewed", "requested", "collected", "earned", "redeemed")
POINTS = ("earned", "redeemed")  # the columns whose points are shown beside them


def _by_column(
    data: dict[str, dict[str, int]],
    names: dict[str, str],
    cols: Iterable[str],
    k: int,
    points: dict[str, dict[str, int]] | None = None,
    total_name: str | None = None,
    by_name: bool = False,
) -> dict:
    """A table whose columns do not add up (a status after another, bookings beside page
    views): a total row and one row per key of `data` (in key order: weeks, months; or
    `by_name`), each column hidden below k with its own secondary suppression against the
    total row — the rows of cockpit/kita.py. With `points`, the points of the columns
    "earned" and "redeemed" go with their bookings (hidden where those are)."""
    cols = list(cols)
    keys = sorted(data, key=lambda key: (names.get(key, key).casefold() if by_name else "", key))
    private = {col: {key: data[key].get(col, 0) for key in keys} for col in cols}
    rows = _private_rows(keys, names, k, public={}, private=private, medians={}, base=cols[0])
    shown = cols
    if points is not None:
        shown = [c for col in cols for c in ((col, f"points_{col}") if col in POINTS else (col,))]
        for row in rows:
            pick = keys if row["county"] else [row["area"]]
            for col in POINTS:
                total = sum(points.get(key, {}).get(col, 0) for key in pick)
                row[f"points_{col}"] = None if row.get(col) is None else total
    for row in rows:
        row.update(
            key=row["area"],
            total_row=row["county"],
            name=(total_name or _("Whole period")) if row["county"] else row["area_name"],
            cells=[row[c] for c in shown],
        )
    return {"cols": shown, "labels": [_column(c) for c in shown], "rows": rows}


def _column(col: str) -> str:
    return {
        "found": pgettext("cockpit column", "With result"),
        "empty": pgettext("cockpit column", "Without result"),
        "web": pgettext("cockpit column", "Views on the web"),
        "qr": pgettext("cockpit column", "Views via the shop-window code"),
        "viewed": pgettext("cockpit column", "Shop page views"),
        "requested": pgettext("reservation", "Requested"),
        "confirmed": pgettext("reservation", "Confirmed"),
        "collected": pgettext("reservation", "Collected"),
        "declined": pgettext("reservation", "Declined"),
        "cancelled": pgettext("reservation", "Cancelled"),
        "expired": pgettext("reservation", "Expired"),
        "earned": pgettext("cockpit column", "Bookings with points earned"),
        "points_earned": pgettext("cockpit column", "Points earned"),
        "redeemed": pgettext("cockpit column", "Vouchers redeemed"),
        "points_redeemed": pgettext("cockpit column", "Points redeemed"),
    }.get(col, col)
