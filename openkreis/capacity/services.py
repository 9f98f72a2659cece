"""Kapazitätsfinder services: the free-place search (public, no personal data). The parents'
applications, rounds and offers follow (docs/capacity.md)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db.models import Sum

from openkreis.core.models import Region

from .models import FreePlaces, Kita, Rules

SEARCH_MONTHS = 3  # a search for a start month also shows the two months after it


def first_of_month(day: dt.date) -> dt.date:
    return day.replace(day=1)


def add_months(month: dt.date, n: int) -> dt.date:
    index = month.year * 12 + month.month - 1 + n
    return dt.date(index // 12, index % 12 + 1, 1)


def county_rules() -> Rules:
    return Rules.objects.filter(region=None).first() or Rules()


def municipalities_with_kitas():
    return Region.objects.filter(kitas__active=True).distinct().order_by("name")


@dataclass(frozen=True)
class FreeKita:
    kita: Kita
    free: int
    months: list[dt.date]


def free_places(
    *, age_group: str, month: dt.date, hours: int | None = None, municipality: Region | None = None
) -> list[FreeKita]:
    """Kitas with free places in `age_group` for a start in `month` or the two months after,
    that offer at least `hours` of care a day; most free places first. One query."""
    months = [add_months(month, i) for i in range(SEARCH_MONTHS)]
    rows = FreePlaces.objects.filter(
        group__age_group=age_group, month__in=months, free__gt=0, group__kita__active=True
    )
    if hours:
        rows = rows.filter(group__kita__max_hours__gte=hours)
    if municipality is not None:
        rows = rows.filter(group__kita__municipality=municipality)
    found: dict[int, tuple[Kita, int, list]] = {}
    for row in rows.select_related("group__kita__municipality").order_by("month"):
        kita = row.group.kita
        _, free, found_months = found.get(kita.pk, (kita, 0, []))
        found[kita.pk] = (kita, max(free, row.free), [*found_months, row.month])
    result = [FreeKita(kita, free, m) for kita, free, m in found.values()]
    result.sort(key=lambda f: (-f.free, f.kita.municipality.name, f.kita.name))
    return result


def free_places_by_municipality(month: dt.date) -> list[dict]:
    """Free places for a start in `month` per municipality and age group (for the
    overview and the cockpit; counts only)."""
    return list(
        FreePlaces.objects.filter(month=month, group__kita__active=True)
        .values("group__kita__municipality__name", "group__age_group")
        .annotate(free=Sum("free"))
        .order_by("group__kita__municipality__name", "group__age_group")
    )
