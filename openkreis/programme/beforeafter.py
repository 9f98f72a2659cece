"""Before/after: did a measure of a Gestaltungskreis change its service's figures?

Pure functions over the cockpit's per-case facts (`cockpit.engine.CaseFact`) and feedback
ratings; no ORM, so they are tested on hand-made logs with known answers. The windows are
whole Berlin days: *before* = the `window` days up to the day before the measure took
effect, *after* = the `window` days from that day on (cut at `today`: the days still to
come count for nothing yet).

Definitions (the cockpit's, docs/cockpit.md):
- lead time: decided − received of the cases *decided* in the window (median and mean, days);
- waiting time: the time a case lay in an inbox (`queue`, Liegezeit), cases decided in the
  window (median, days);
- first-time-right: of the cases *received* in the window whose completeness is known, the
  share complete on receipt and never asked for documents;
- satisfaction: mean rating 1–5 of the feedback given in the window.

Every figure carries the number of cases (or ratings) behind it; a figure from fewer than
`k` cases (the cockpit's privacy threshold) is withheld (`suppressed`), never shown.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from openkreis.cockpit import engine

KPIS = ("lead_time", "waiting_time", "first_time_right", "satisfaction")


@dataclass(frozen=True)
class Window:
    start: dt.date  # inclusive
    end: dt.date  # inclusive

    def __contains__(self, day: dt.date | None) -> bool:
        return day is not None and self.start <= day <= self.end

    @property
    def days(self) -> int:
        return max((self.end - self.start).days + 1, 0)


@dataclass(frozen=True)
class Figure:
    """One KPI in one window: its value (None when suppressed or without cases), the
    number of cases behind it, and whether it was withheld for privacy."""

    value: float | None
    n: int
    suppressed: bool
    median: float | None = None  # lead and waiting time also give their median

    @property
    def empty(self) -> bool:
        return self.n == 0


def windows(effective: dt.date, window_days: int, today: dt.date) -> tuple[Window, Window]:
    """The before and after windows of a measure effective on `effective`."""
    if window_days < 1:
        raise ValueError("window_days must be at least 1")
    before = Window(effective - dt.timedelta(days=window_days), effective - dt.timedelta(days=1))
    after_end = min(effective + dt.timedelta(days=window_days - 1), today)
    return before, Window(effective, after_end)


def _figure(values: Sequence[float], k: int, *, with_median: bool = False) -> Figure:
    n = len(values)
    if n == 0:
        return Figure(None, 0, False)
    if not engine.enough(n, k):
        return Figure(None, n, True)
    return Figure(engine.mean(values), n, False, engine.median(values) if with_median else None)


def kpis(
    facts: Iterable[engine.CaseFact],
    ratings: Iterable[tuple[dt.date, int, int]],
    window: Window,
    k: int = engine.K_ANONYMITY,
) -> dict[str, Figure]:
    """The four KPIs of one window. `ratings` are (day, rating 1–5, how many)."""
    leads: list[float] = []
    waits: list[float] = []
    known = 0
    right = 0
    for fact in facts:
        if fact.decided_at is not None and engine.local_day(fact.decided_at) in window:
            leads.append(fact.lead_seconds / engine.DAY)
            waits.append(fact.waiting_seconds / engine.DAY)
        if engine.local_day(fact.received_at) in window and fact.complete is not None:
            known += 1
            right += 1 if fact.first_time_right else 0
    scores: list[float] = []
    for day, rating, count in ratings:
        if day in window and 1 <= rating <= 5 and count > 0:
            scores.extend([float(rating)] * count)
    lead = _figure(leads, k, with_median=True)
    wait = _figure(waits, k, with_median=True)
    if known == 0:
        ftr = Figure(None, 0, False)
    elif not engine.enough(known, k):
        ftr = Figure(None, known, True)
    else:
        ftr = Figure(right / known, known, False)
    return {
        "lead_time": lead,
        "waiting_time": wait,
        "first_time_right": ftr,
        "satisfaction": _figure(scores, k),
    }


def compare(
    facts: Sequence[engine.CaseFact],
    ratings: Sequence[tuple[dt.date, int, int]],
    effective: dt.date,
    window_days: int,
    today: dt.date,
    k: int = engine.K_ANONYMITY,
) -> dict:
    """Before and after a measure: {"before": Window, "after": Window, "rows": [{"kpi",
    "before": Figure, "after": Figure, "change": after − before or None}]}. The change is
    given only when both sides are shown; lead/waiting time compare their medians."""
    before, after = windows(effective, window_days, today)
    if after.end < after.start:  # takes effect in the future: nothing to compare yet
        after = Window(effective, effective - dt.timedelta(days=1))
    b = kpis(facts, ratings, before, k)
    a = kpis(facts, ratings, after, k)
    rows = []
    for kpi in KPIS:
        fb, fa = b[kpi], a[kpi]
        vb = fb.median if fb.median is not None else fb.value
        va = fa.median if fa.median is not None else fa.value
        change = None if vb is None or va is None else va - vb
        rows.append({"kpi": kpi, "before": fb, "after": fa, "change": change})
    return {"before": before, "after": after, "rows": rows}
