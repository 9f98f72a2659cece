"""Mängelmelder figures from the `report.*` events (docs/events.md): time to fix per category
and municipality, counts, the open backlog and the reopened share.

The cockpit does not import the reports app (it sits below it): it reads only the events,
whose data carry the category key and the municipality's ARS, and asks the port
`report_labels` for the category names (the reports app registers them) and core's regions
for the municipality names.

Like the case facts: one `ReportFact` row per report, kept up to date by the incremental
update (aggregates._refresh_batch calls `update` with the batch's report events; each report
with a new event is folded again from all its events, so an event logged late changes
nothing) and rebuilt by the full recompute (`rebuild`). The figures read the facts of the
period (one query of plain tuples), grouped and computed with numpy; the views cache them by
the aggregates' high-water mark.

Definition (the same as the public list page, reports.services.median_days_to_fix): time to
fix = the first `report.fixed` − `report.received`, in days; a report counts in the period in
which it was first fixed. A report reopened and fixed again keeps its first time.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass

import numpy as np
from django.db.models import Count
from django.utils.translation import gettext as _

from openkreis.core import event_kinds
from openkreis.core.models import Event, Region
from openkreis.core.registry import Registry

from . import engine
from .engine import Ev
from .models import ReportFact

PREFIX = "report."
DAY = 86400.0
OPENING = {
    event_kinds.REPORT_RECEIVED,
    event_kinds.REPORT_CONFIRMED,
    event_kinds.REPORT_STATUS_CHANGED,
    event_kinds.REPORT_REOPENED,
}

# the port: a higher app registers a callable () -> {category key: name in the active
# language}; the cockpit shows the key where nobody names it
report_labels: Registry[Callable[[], dict]] = Registry("cockpit report labels")


def is_report_event(kind: str) -> bool:
    return kind.startswith(PREFIX)


@dataclass
class Fold:
    subject: str
    category: str = ""
    area: str = ""
    received_at: float | None = None
    fixed_at: float | None = None
    state: str = ReportFact.State.OPEN
    reopened: int = 0


def fold_report(events: Iterable[Ev]) -> Fold | None:
    """A report's fact from its events (any order; sorted by time, then id)."""
    fact = None
    for ev in sorted(events, key=lambda e: (e.at, e.id)):
        if fact is None:
            fact = Fold(subject=ev.subject)
        data = ev.data if isinstance(ev.data, dict) else {}
        if data.get("category"):
            fact.category = str(data["category"])[:60]
        if data.get("area"):
            fact.area = str(data["area"])[:12]
        if fact.received_at is None:  # receipt; without a received event its first event
            fact.received_at = ev.at
        if ev.kind == event_kinds.REPORT_RECEIVED and ev.at < fact.received_at:
            fact.received_at = ev.at
        if ev.kind == event_kinds.REPORT_FIXED:
            if fact.fixed_at is None:
                fact.fixed_at = ev.at
            fact.state = ReportFact.State.FIXED
        elif ev.kind == event_kinds.REPORT_CLOSED:
            fact.state = ReportFact.State.CLOSED
        elif ev.kind in OPENING:
            fact.state = ReportFact.State.OPEN
        if ev.kind == event_kinds.REPORT_REOPENED:
            fact.reopened += 1
    return fact


def _aware(ts: float | None) -> dt.datetime | None:
    return None if ts is None else dt.datetime.fromtimestamp(ts, dt.UTC)


def to_model(fold: Fold) -> ReportFact:
    fix = None if fold.fixed_at is None else round(max(fold.fixed_at - fold.received_at, 0))
    return ReportFact(
        subject=fold.subject,
        category=fold.category,
        area=fold.area,
        received_at=_aware(fold.received_at),
        fixed_at=_aware(fold.fixed_at),
        fix_seconds=fix,
        state=fold.state,
        reopened=fold.reopened,
    )


def _events_of(subjects: list[str], upto: int) -> dict[str, list[Ev]]:
    out: dict[str, list[Ev]] = defaultdict(list)
    fields = ("id", "kind", "occurred_at", "subject", "data")
    for start in range(0, len(subjects), 500):
        rows = Event.objects.filter(subject__in=subjects[start : start + 500], id__lte=upto)
        for pk, kind, at, subject, data in rows.values_list(*fields).iterator(2000):
            if is_report_event(kind):
                out[subject].append(Ev(pk, kind, at.timestamp(), subject, data))
    return out


def update(evs: Iterable[Ev], upto: int) -> int:
    """Fold again every report that has an event in `evs` (from all its events up to
    `upto`), replacing its fact; returns how many."""
    subjects = sorted({ev.subject for ev in evs if is_report_event(ev.kind) and ev.subject})
    if not subjects:
        return 0
    rows = [to_model(f) for f in map(fold_report, _events_of(subjects, upto).values()) if f]
    ReportFact.objects.filter(subject__in=subjects).delete()
    ReportFact.objects.bulk_create(rows, batch_size=2000)
    return len(rows)


def rebuild(upto: int) -> int:
    """Every report's fact from the whole log up to `upto` (the full recompute)."""
    ReportFact.objects.all().delete()
    rows = (
        Event.objects.filter(id__lte=upto, kind__startswith=PREFIX)
        .exclude(subject="")
        .order_by("subject", "occurred_at", "id")
        .values_list("id", "kind", "occurred_at", "subject", "data")
    )
    buffer: list[ReportFact] = []
    current: list[Ev] = []
    count = 0

    def flush_one():
        nonlocal count
        fold = fold_report(current)
        if fold is not None:
            buffer.append(to_model(fold))
            count += 1

    for pk, kind, at, subject, data in rows.iterator(5000):
        if current and subject != current[0].subject:
            flush_one()
            current = []
            if len(buffer) >= 5000:
                ReportFact.objects.bulk_create(buffer, batch_size=2000)
                buffer = []
        current.append(Ev(pk, kind, at.timestamp(), subject, data))
    if current:
        flush_one()
    ReportFact.objects.bulk_create(buffer, batch_size=2000)
    return count


# -- the figures -------------------------------------------------------------------------------
def _stats(days: np.ndarray) -> tuple[float | None, float | None]:
    if not len(days):
        return None, None
    median, p90 = np.percentile(days, [50, 90])  # linear interpolation, as engine.percentile
    return float(median), float(p90)


def category_names() -> dict[str, str]:
    names: dict[str, str] = {}
    for _id, provider in report_labels.items():
        names.update(provider())
    return names


def area_names() -> dict[str, str]:
    return dict(Region.objects.filter(kind=Region.Kind.MUNICIPALITY).values_list("ars", "name"))


def figures(start: dt.date, end: dt.date, k: int = engine.K_ANONYMITY) -> dict:
    """Per category × municipality for the Berlin days start..end: received, fixed (first
    time in the period) with median and p90 days to fix, reopened share of the fixed, and
    the open backlog now; one "whole county" row per category. Counts of 1..k-1 are hidden,
    and secondary suppression (engine.suppress) hides what the county rows would give away;
    median, p90 and the share need k fixed reports. Hidden values are None."""
    lo = dt.datetime.combine(start, dt.time.min, engine.BERLIN)
    hi = dt.datetime.combine(end + dt.timedelta(days=1), dt.time.min, engine.BERLIN)
    # counts by GROUP BY in the database (a few hundred rows, not one per report)
    received = {
        (r["category"], r["area"]): r["n"]
        for r in ReportFact.objects.filter(received_at__gte=lo, received_at__lt=hi)
        .values("category", "area")
        .annotate(n=Count("id"))
        .order_by()
    }
    backlog = {
        (r["category"], r["area"]): r["n"]
        for r in ReportFact.objects.filter(state=ReportFact.State.OPEN)
        .values("category", "area")
        .annotate(n=Count("id"))
        .order_by()
    }
    fixed_rows = list(
        ReportFact.objects.filter(fixed_at__gte=lo, fixed_at__lt=hi).values_list(
            "category", "area", "fix_seconds", "reopened"
        )
    )
    fixes: dict = defaultdict(list)
    reopened: dict = defaultdict(int)
    for category, area, seconds, again in fixed_rows:
        fixes[(category, area)].append(seconds / DAY)
        reopened[(category, area)] += int(again > 0)
    keys = set(received) | set(backlog) | set(fixes)
    categories = sorted({c for c, _a in keys})
    measures = {"received": received, "fixed": {k_: len(v) for k_, v in fixes.items()}}
    measures["open"] = backlog
    hidden: dict = {}
    for name, counts in measures.items():
        # one table per category: its municipalities and the county total (no totals per
        # municipality across categories are shown, so none need protecting)
        hidden[name] = {"cells": set(), "rows": set()}
        for category in categories:
            line = {a: n for (c, a), n in counts.items() if c == category}
            found = engine.suppress({category: line}, k)
            hidden[name]["cells"] |= found["cells"]
            hidden[name]["rows"] |= found["rows"]
    cat_names = category_names()
    ars_names = area_names()

    def row(category, area, values, county: bool) -> dict:
        out = {
            "category": category,
            "category_name": cat_names.get(category, category),
            "area": area,
            "area_name": _("Whole county") if county else ars_names.get(area, area),
            "county": county,
        }
        for name in ("received", "fixed", "open"):
            n = values[name]
            if county:
                shown = n == 0 or (n >= k and category not in hidden[name]["rows"])
            else:
                shown = (category, area) not in hidden[name]["cells"] and engine.enough(n, k)
            out[name] = n if shown else None
        days = np.asarray(values["days"], dtype=float)
        enough = len(days) >= k and out["fixed"] is not None
        median, p90 = _stats(days) if enough else (None, None)
        out["median_days"] = None if median is None else round(median, 1)
        out["p90_days"] = None if p90 is None else round(p90, 1)
        share = engine.share(values["reopened"], len(days)) if enough else None
        out["reopened_share"] = None if share is None else round(100 * share, 1)
        return out

    rows = []
    for category in categories:
        areas = sorted({a for c, a in keys if c == category}, key=lambda a: ars_names.get(a, a))
        total = {"received": 0, "fixed": 0, "open": 0, "days": [], "reopened": 0}
        lines = []
        for area in areas:
            key = (category, area)
            values = {
                "received": received.get(key, 0),
                "fixed": len(fixes.get(key, [])),
                "open": backlog.get(key, 0),
                "days": fixes.get(key, []),
                "reopened": reopened.get(key, 0),
            }
            for name in ("received", "fixed", "open", "reopened"):
                total[name] += values[name]
            total["days"] += values["days"]
            lines.append(row(category, area, values, county=False))
        rows.append(row(category, "", total, county=True))
        rows += lines
    rows.sort(key=lambda r: (r["category_name"].casefold(), not r["county"]))
    return {"rows": rows, "k": k, "reports": len(fixed_rows)}
