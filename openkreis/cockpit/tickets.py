"""HATIX and HarzCard in the cockpit (issue 19): guests per night and municipality, ticket
checks per line and hour, HarzCard entries per attraction — the page /cockpit/hatix/.

The cockpit sits below the tickets app and does not import it: the port `ticket_counts` is
filled by the tickets app in its AppConfig.ready() with a callable that returns plain counts
(`TicketCounts`: municipality ARS keys, lines, attraction names — no person, no ticket id).
The cockpit adds the municipality names, groups the nights by day (a period of up to 31
days) or by month, and hides small counts (K_ANONYMITY, with the secondary suppression of
engine.suppress against the totals), like cockpit/kita.py.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field

from django.utils.formats import date_format
from django.utils.translation import gettext as _

from openkreis.core.models import Region
from openkreis.core.registry import Registry

from . import engine

DAILY_UP_TO = 31  # days: a longer period is shown by month


@dataclass
class TicketCounts:
    """What the tickets app hands the cockpit for the days start..end."""

    # (municipality ARS, night) → guests of registered stays staying that night
    nights: dict[tuple[str, dt.date], int] = field(default_factory=dict)
    # (line, local hour 0–23) → inspectors' checks
    checks: dict[tuple[str, int], int] = field(default_factory=dict)
    # attraction name → HarzCard entries
    entries: dict[str, int] = field(default_factory=dict)


# the port: provider(start, end) -> TicketCounts for the Berlin days start..end
ticket_counts: Registry[Callable[[dt.date, dt.date], TicketCounts]] = Registry("ticket counts")


def available() -> bool:
    return bool(list(ticket_counts))


def counts(start: dt.date, end: dt.date) -> TicketCounts:
    merged = TicketCounts()
    for provider in ticket_counts:
        part = provider(start, end)
        for name in ("nights", "checks", "entries"):
            mine = getattr(merged, name)
            for key, n in getattr(part, name).items():
                mine[key] = mine.get(key, 0) + n
    return merged


def _table(
    data: dict[str, dict],
    cols: list,
    k: int,
    row_names: dict[str, str],
    total_name: str,
    label: Callable = str,
) -> dict:
    """Rows with their cells and a total, a total row; hidden values are None."""
    hidden = engine.suppress({r: {c: data[r].get(c, 0) for c in cols} for r in data}, k)

    def shown(n: int, is_hidden: bool):
        return None if is_hidden or not engine.enough(n, k) else n

    rows = []
    for r in sorted(data, key=lambda r: (row_names.get(r, r).casefold(), r)):
        total = sum(data[r].values())
        rows.append(
            {
                "key": r,
                "name": row_names.get(r, r),
                "total_row": False,
                "cells": [shown(data[r].get(c, 0), (r, c) in hidden["cells"]) for c in cols],
                "total": shown(total, r in hidden["rows"]),
            }
        )
    if rows:
        col_totals = [sum(data[r].get(c, 0) for r in data) for c in cols]
        grand = sum(col_totals)
        rows.insert(
            0,
            {
                "key": "",
                "name": total_name,
                "total_row": True,
                "cells": [
                    shown(n, c in hidden["cols"]) for n, c in zip(col_totals, cols, strict=True)
                ],
                "total": shown(grand, False),
            },
        )
    return {"cols": cols, "labels": [label(c) for c in cols], "rows": rows}


def _bucket(night: dt.date, daily: bool) -> dt.date:
    return night if daily else night.replace(day=1)


def figures(start: dt.date, end: dt.date, k: int = engine.K_ANONYMITY) -> dict:
    """Three tables (hidden values are None):
    `nights`: guests per night (period ≤ 31 days) or guest nights per month, by
    municipality with a county row; `checks`: checks per line and hour; `entries`: HarzCard
    entries per attraction."""
    data = counts(start, end)
    daily = (end - start).days < DAILY_UP_TO
    names = dict(Region.objects.filter(kind=Region.Kind.MUNICIPALITY).values_list("ars", "name"))

    nights: dict[str, dict[dt.date, int]] = {}
    for (ars, night), n in data.nights.items():
        if start <= night <= end:
            row = nights.setdefault(ars, {})
            row[_bucket(night, daily)] = row.get(_bucket(night, daily), 0) + n
    night_cols = sorted({c for row in nights.values() for c in row})

    checks: dict[str, dict[int, int]] = {}
    for (line, hour), n in data.checks.items():
        checks.setdefault(line or "—", {})[hour] = n
    check_cols = sorted({c for row in checks.values() for c in row})

    entries = {name: {"entries": n} for name, n in data.entries.items()}
    entry_table = _table(entries, ["entries"], k, {}, _("All attractions"))
    return {
        "available": available(),
        "k": k,
        "daily": daily,
        "nights": _table(
            nights,
            night_cols,
            k,
            names,
            _("Whole county"),
            lambda d: date_format(d, "d.m." if daily else "m/Y"),
        ),
        "checks": _table(
            checks, check_cols, k, {}, _("All lines"), lambda h: _("%(hour)s:00") % {"hour": h}
        ),
        "entries": entry_table,
    }
