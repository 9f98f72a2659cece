"""The Kapazitätsfinder's counts for the cockpit's page /cockpit/kita/ (the cockpit's port
`cockpit.kita.kita_counts`, registered in apps.py): plain counts by municipality (ARS) and
age group, no person. The cockpit hides small counts."""

from __future__ import annotations

import datetime as dt
from collections import Counter, defaultdict

from django.utils import timezone

from openkreis.cockpit.kita import KitaCounts

from .models import AgeGroup, Application, FreePlaces, Offer, age_group_at


def _day_bounds(start: dt.date, end: dt.date) -> tuple[dt.datetime, dt.datetime]:
    tz = timezone.get_default_timezone()
    lo = dt.datetime.combine(start, dt.time.min, tz)
    hi = dt.datetime.combine(end + dt.timedelta(days=1), dt.time.min, tz)
    return lo, hi


def counts(month: dt.date, start: dt.date, end: dt.date) -> KitaCounts:
    """Free places and waiting applications for a start in `month`; offers made in the
    days start..end (by the Kita's municipality), accepted of those, days to the offer."""
    out = KitaCounts(age_groups={str(g.value): str(g.label) for g in AgeGroup})
    for row in (
        FreePlaces.objects.filter(month=month, group__kita__active=True)
        .values_list("group__kita__municipality__ars", "group__age_group", "free")
        .iterator(2000)
    ):
        ars, group, free = row
        out.free[(ars, group)] = out.free.get((ars, group), 0) + free
    waiting: Counter = Counter()
    for ars, born, start_month in Application.objects.filter(
        status=Application.Status.SUBMITTED, start_month=month
    ).values_list("child__municipality__ars", "child__birth_date", "start_month"):
        waiting[(ars, str(age_group_at(born, start_month)))] += 1
    out.waiting = dict(waiting)
    lo, hi = _day_bounds(start, end)
    days: dict[str, list[float]] = defaultdict(list)
    made: Counter = Counter()
    accepted: Counter = Counter()
    for ars, status, created, applied in Offer.objects.filter(
        created_at__gte=lo, created_at__lt=hi
    ).values_list(
        "group__kita__municipality__ars", "status", "created_at", "application__applied_at"
    ):
        made[ars] += 1
        accepted[ars] += status == Offer.Status.ACCEPTED
        days[ars].append(max((created - applied).total_seconds(), 0) / 86400)
    out.offers, out.accepted, out.days = dict(made), dict(accepted), dict(days)
    return out
