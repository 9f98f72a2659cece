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
"""

from __future__ import annotations

import datetime as dt
import statistics
from collections.abc import Callable
from dataclasses import dataclass, field

from django.utils.translation import gettext as _

from openkreis.core.models import Region
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
    return {"supply": supply, "offers": offers, "k": k, "available": available()}
