"""What the cockpit's pages show, read from the precomputed aggregates (never from the raw
event log): filters, headline KPIs with trend, series per week or month, backlog now,
waiting per step, channel mix, portal, feedback and appointments. Figures over fewer than
five cases come back as None with `suppressed` set (see engine.suppress / engine.enough)."""

from __future__ import annotations

import datetime as dt
from collections import Counter, defaultdict
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field, replace

from django.db import connection
from django.db.models import Count, DateField, Max, Q, Sum
from django.db.models.functions import Trunc
from django.utils import timezone

from . import engine
from .engine import K_ANONYMITY
from .models import (
    CaseFact,
    DailyCaseStat,
    DailyMetric,
    DailyStepStat,
    MonthlyCaseStat,
    MonthlyStepStat,
)

PERIODS = ("week", "month")
_MEMO: ContextVar[dict | None] = ContextVar("cockpit_read_memo", default=None)


@contextmanager
def one_request():
    """Within this block, the same daily rows are read from the database only once."""
    token = _MEMO.set({})
    try:
        yield
    finally:
        _MEMO.reset(token)


CHANNELS = ("online", "paper", "counter", "school")
# The channels that arrive digitally: a driving school applies online for its pupil.
DIGITAL_CHANNELS = ("online", "school")
LEAD_BUCKETS = [
    (0, 7, "0–7"),
    (8, 14, "8–14"),
    (15, 30, "15–30"),
    (31, 60, "31–60"),
    (61, 90, "61–90"),
    (91, None, "> 90"),
]


@dataclass
class Filters:
    service: str = ""
    org_unit: str = ""
    channel: str = ""
    period: str = "month"
    start: dt.date = field(default_factory=lambda: engine.local_day(0))
    end: dt.date = field(default_factory=lambda: engine.local_day(0))  # inclusive
    # the manager's scope (scope.py): org unit keys, and the services of those units for
    # the figures that only know a service; None = the whole county. Not in the URL.
    units: tuple[str, ...] | None = None
    services: tuple[str, ...] | None = None

    def q(self, prefix: str = "") -> Q:
        q = Q()
        if self.service:
            q &= Q(**{prefix + "service": self.service})
        if self.org_unit:
            q &= Q(**{prefix + "org_unit": self.org_unit})
        if self.channel:
            q &= Q(**{prefix + "channel": self.channel})
        if self.units is not None:
            q &= Q(**{prefix + "org_unit__in": self.units})
        return q

    def previous(self) -> Filters:
        """The window of the same length right before this one."""
        length = (self.end - self.start).days + 1
        end = self.start - dt.timedelta(days=1)
        return Filters(
            self.service,
            self.org_unit,
            self.channel,
            self.period,
            end - dt.timedelta(days=length - 1),
            end,
            self.units,
            self.services,
        )

    def query_string(self) -> str:
        from urllib.parse import urlencode

        return urlencode(
            {
                "service": self.service,
                "org_unit": self.org_unit,
                "channel": self.channel,
                "period": self.period,
                "von": self.start.isoformat(),
                "bis": self.end.isoformat(),
            }
        )


def default_filters(today: dt.date, period: str = "month") -> Filters:
    """The last 12 months (or 12 weeks) up to today."""
    if period == "week":
        start = engine.period_start(today, "week") - dt.timedelta(weeks=11)
    else:
        first = engine.period_start(today, "month")
        year, month = first.year, first.month - 11
        while month < 1:
            month += 12
            year -= 1
        start = dt.date(year, month, 1)
    return Filters(period=period, start=start, end=today)


# -- small helpers ------------------------------------------------------------------------------
_COUNTERS = (
    "received", "complete_known", "first_time_right", "with_requests",
    "repeated_requests", "reopened", "decided", "with_target", "on_time",
    "lead_seconds", "waiting_seconds", "applicant_seconds", "processing_seconds",
)  # fmt: skip


def _sums(filters: Filters, whole: bool = False) -> dict[str, dict]:
    """The window's daily rows summed per period ('2026-03' or '2026-W11'): the counters,
    `received` per channel and the merged lead time histogram ({hours: cases}). Summed by
    the database (issue 26: at a million cases a year's window holds thousands of daily rows;
    fetching them, decoding each histogram and adding them up in Python took over a second
    per dashboard). Once per request and window: pages ask for several figures of it.
    `whole`: the whole window as one period (key ''), for a caller that needs only the total."""
    key = _sums_key(filters, whole)
    memo = _MEMO.get()
    if memo is not None and key in memo:
        return memo[key]
    out: dict[str, dict] = defaultdict(_empty_sums)
    period = None if whole else filters.period
    # a week can straddle two months: weekly periods are summed from the days only
    for qs, col in _rows(filters, filters.start, filters.end, months=whole or period == "month"):
        if whole:
            rows = qs.values("channel")
        else:
            rows = qs.annotate(p=Trunc(col, period, output_field=DateField())).values(
                "p", "channel"
            )
        for row in rows.annotate(**{c: Sum(c) for c in _COUNTERS}):
            t = out["" if whole else engine.period_key(row["p"], period)]
            for name in _COUNTERS:
                t[name] += row[name] or 0
            t["by_channel"][row["channel"]] += row["received"] or 0
        for day, hours, n in _hist_rows(qs, "lead_hist", None if whole else col, period):
            out["" if whole else engine.period_key(day, period)]["lead_hist"][int(hours)] += int(n)
    result = dict(out)
    if memo is not None:
        memo[key] = result
    return result


def _sums_key(filters: Filters, whole: bool) -> tuple:
    return (
        "sums",
        whole,
        filters.service,
        filters.org_unit,
        filters.channel,
        filters.start,
        filters.end,
        filters.units,
        filters.period,
    )


def _empty_sums() -> dict:
    return {**dict.fromkeys(_COUNTERS, 0), "by_channel": Counter(), "lead_hist": Counter()}


def _hist_rows(qs, hist: str, group: str | None = None, period: str | None = None):
    """(group, bucket, cases) of the histograms ({bucket: cases}) in column `hist` of the
    rows of `qs`, merged per value of column `group` — per period of it when `period` is
    given (a day of the period), all rows as one when `group` is None (group None). On
    PostgreSQL the database merges them (jsonb_each_text); elsewhere (SQLite: `make run`)
    they are read row by row and the caller adds them up."""
    if connection.vendor != "postgresql":
        for g, h in qs.values_list(group or "pk", hist):
            for bucket, n in h.items():
                yield (g if group else None), bucket, n
        return
    sql, params = qs.values(*([group] if group else []), hist).query.sql_with_params()
    if group is None:
        key, key_params = "NULL", []
    elif period is not None:
        key, key_params = f"date_trunc(%s, d.{group})::date", [period]
    else:
        key, key_params = f"d.{group}", []
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT {key}, h.key::int, SUM(h.value::bigint) "  # noqa: S608 - Django's SQL, its own params
            f"FROM ({sql}) d, jsonb_each_text(d.{hist}) h GROUP BY 1, 2",
            key_params + list(params),
        )
        yield from cursor.fetchall()


def _total(filters: Filters) -> dict:
    """The window's sums: its periods added up when a page read them already, else summed
    by the database as one."""
    memo = _MEMO.get()
    by_period = _sums_key(filters, whole=False)
    parts = memo[by_period] if memo is not None and by_period in memo else _sums(filters, True)
    total = _empty_sums()
    for t in parts.values():
        for name in _COUNTERS:
            total[name] += t[name]
        total["by_channel"].update(t["by_channel"])
        total["lead_hist"].update(t["lead_hist"])
    return total


def _guard(value, n: int):
    """The value if it was computed over enough cases, else None (suppressed)."""
    return value if engine.enough(n) else None


def _rows(
    filters: Filters,
    start: dt.date,
    end: dt.date,
    months: bool = True,
    tables: tuple = (DailyCaseStat, MonthlyCaseStat),
) -> list:
    """(rows, their date column) that together cover the days start..end (inclusive) once:
    the whole calendar months in between from the monthly table, the days before and after
    them from the daily one (`months=False`: all from the daily table). `tables`: (daily,
    monthly) — the case rows, or the step rows."""
    daily, monthly = tables
    q = filters.q()
    first = start if start.day == 1 else engine.next_month(start)  # the first whole month
    stop = (end + dt.timedelta(days=1)).replace(day=1)  # the month after the last whole one
    if not months or first >= stop:
        return [(daily.objects.filter(q, day__gte=start, day__lte=end), "day")]
    parts = [(monthly.objects.filter(q, month__gte=first, month__lt=stop), "month")]
    if start < first:
        parts.append((daily.objects.filter(q, day__gte=start, day__lt=first), "day"))
    if stop <= end:
        parts.append((daily.objects.filter(q, day__gte=stop, day__lte=end), "day"))
    return parts


def headline(filters: Filters) -> dict:
    """The headline KPIs of the window."""
    t = _total(filters)
    decided = t["decided"]
    hist = t["lead_hist"]
    out = {
        "received": _guard(t["received"], t["received"]),
        "decided": _guard(decided, decided),
        "completion_rate": _guard(engine.share(decided, t["received"]), t["received"]),
        "median_lead_days": _guard(_hist_days(hist, 0.5), decided),
        "p90_lead_days": _guard(_hist_days(hist, 0.9), decided),
        "mean_lead_days": _guard(
            t["lead_seconds"] / decided / engine.DAY if decided else None, decided
        ),
        "deadline_rate": _guard(engine.share(t["on_time"], t["with_target"]), t["with_target"]),
        "first_time_right_rate": _guard(
            engine.share(t["first_time_right"], t["complete_known"]), t["complete_known"]
        ),
        "waiting_share": None,
        "reopened": _guard(t["reopened"], t["received"]),
        "repeated_requests": _guard(t["repeated_requests"], t["received"]),
        "n_received": t["received"],
        "n_decided": decided,
    }
    spent = t["waiting_seconds"] + t["applicant_seconds"] + t["processing_seconds"]
    if spent:
        out["waiting_share"] = _guard(
            (t["waiting_seconds"] + t["applicant_seconds"]) / spent, decided
        )
    sat = satisfaction(filters)
    out["satisfaction"] = sat["mean"]
    out["n_feedback"] = sat["n"]
    return out


# for each KPI: is a rise good (True), bad (False) or neither (None)?
GOOD_WHEN_UP = {
    "received": None,
    "decided": True,
    "completion_rate": True,
    "median_lead_days": False,
    "p90_lead_days": False,
    "mean_lead_days": False,
    "deadline_rate": True,
    "first_time_right_rate": True,
    "backlog": False,
    "satisfaction": True,
}


def trend(current, previous, good_when_up) -> dict | None:
    """Direction of a KPI against the previous window, said in words as well as by arrow."""
    if current is None or previous is None:
        return None
    if abs(current - previous) <= 1e-9 or (previous and abs(current / previous - 1) < 0.02):
        direction = "flat"
    else:
        direction = "up" if current > previous else "down"
    if direction == "flat" or good_when_up is None:
        verdict = "neutral"
    else:
        verdict = "good" if (direction == "up") == good_when_up else "bad"
    return {"direction": direction, "verdict": verdict, "previous": previous}


def series(filters: Filters) -> list[dict]:
    """Per period of the window: received, decided, median lead time (days), deadline rate,
    first-time-right, and the backlog (open cases) at the end of the period."""
    per = _sums(filters)
    keys = _period_keys(filters)
    open_ = 0  # open at the start: received minus decided on every day before it
    for qs, _col in _rows(filters, dt.date.min, filters.start - dt.timedelta(days=1)):
        before = qs.aggregate(r=Sum("received"), d=Sum("decided"))
        open_ += (before["r"] or 0) - (before["d"] or 0)
    out = []
    for key in keys:
        t = per.get(key) or _empty_sums()
        open_ += t["received"] - t["decided"]
        out.append(
            {
                "period": key,
                "received": t["received"],
                "decided": t["decided"],
                "median_lead_days": _guard(_hist_days(t["lead_hist"], 0.5), t["decided"]),
                "deadline_rate": _guard(
                    engine.share(t["on_time"], t["with_target"]), t["with_target"]
                ),
                "first_time_right_rate": _guard(
                    engine.share(t["first_time_right"], t["complete_known"]), t["complete_known"]
                ),
                "backlog": open_,
            }
        )
    return out


def _period_keys(filters: Filters) -> list[str]:
    keys, day = [], filters.start
    while day <= filters.end:
        key = engine.period_key(day, filters.period)
        if not keys or keys[-1] != key:
            keys.append(key)
        day += dt.timedelta(days=1)
    return keys


def _hist_days(hist, q: float) -> float | None:
    """A percentile of a lead time histogram ({whole hours: cases}) in days."""
    hours = engine.hist_percentile(hist, q)
    return None if hours is None else hours / 24


def lead_distribution(filters: Filters) -> list[tuple[str, int]]:
    """Cases decided in the window by lead time in days (buckets)."""
    hist = Counter()
    for hours, n in _total(filters)["lead_hist"].items():
        hist[hours // 24] += n
    out = []
    for lo, hi, label in LEAD_BUCKETS:
        out.append((label, sum(v for k, v in hist.items() if k >= lo and (hi is None or k <= hi))))
    return out


def steps(filters: Filters) -> list[dict]:
    """Time per workflow state of the cases decided in the window, with the bottleneck
    score (median waiting hours × cases) for the waiting states."""
    per: dict[str, dict] = {}
    # summed by the database, as the window's sums (_sums); whole months from their rows
    tables = (DailyStepStat, MonthlyStepStat)
    for qs, _col in _rows(filters, filters.start, filters.end, tables=tables):
        for row in qs.values("state").annotate(k=Max("kind"), n=Sum("cases"), s=Sum("seconds")):
            slot = per.setdefault(
                row["state"],
                {"state": row["state"], "kind": row["k"], "cases": 0, "seconds": 0,
                 "hist": Counter()},
            )  # fmt: skip
            slot["kind"] = max(slot["kind"], row["k"])
            slot["cases"] += row["n"]
            slot["seconds"] += row["s"]
        for state, bucket, n in _hist_rows(qs, "hist", "state"):
            per[state]["hist"][int(bucket)] += int(n)
    out = []
    for slot in per.values():
        median_h = engine.hist_percentile(slot["hist"], 0.5)
        waiting = slot["kind"] in ("queue", "applicant")
        out.append(
            {
                "state": slot["state"],
                "kind": slot["kind"],
                "cases": slot["cases"],
                "median_hours": _guard(median_h, slot["cases"]),
                "mean_hours": _guard(slot["seconds"] / slot["cases"] / 3600, slot["cases"])
                if slot["cases"]
                else None,
                "score": (median_h or 0) * slot["cases"] if waiting else None,
            }
        )
    out.sort(key=lambda r: (-(r["score"] or -1), r["state"]))
    return out


def channel_mix(filters: Filters) -> list[dict]:
    """Received cases per period and channel, with the online share."""
    per = _sums(filters)
    out = []
    for key in _period_keys(filters):
        counts = per[key]["by_channel"] if key in per else Counter()
        total = sum(counts.values())
        out.append(
            {
                "period": key,
                **{c: counts.get(c, 0) for c in CHANNELS},
                "total": total,
                "online_share": _guard(
                    engine.share(sum(counts.get(c, 0) for c in DIGITAL_CHANNELS), total), total
                ),
            }
        )
    return out


def backlog_now(filters: Filters, now: dt.datetime | None = None, risk_days: int = 7) -> dict:
    """Open cases now (from the per-case facts): count, age buckets, overdue, at risk.
    Asked for "now" twice in one request (tiles and chart), it is counted once."""
    memo = _MEMO.get() if now is None else None
    key = ("backlog", filters.service, filters.org_unit, filters.channel, filters.units, risk_days)
    if memo is not None and key in memo:
        return memo[key]
    result = _backlog(filters, now or timezone.now(), risk_days)
    if memo is not None:
        memo[key] = result
    return result


# An imported case without an end is open "now" only while its log is live: an undecided
# case whose last event is older than this (a log from 2011, a case the export cut off)
# says nothing about today's backlog. It still counts in the periods it falls into.
IMPORT_LIVE_DAYS = 90


def _backlog(filters: Filters, now: dt.datetime, risk_days: int) -> dict:
    qs = CaseFact.objects.filter(filters.q(), decided_at__isnull=True).exclude(
        source__startswith="import:",
        last_event_at__lt=now - dt.timedelta(days=IMPORT_LIVE_DAYS),
    )
    days = [now - dt.timedelta(days=d) for d in (7, 30, 90)]
    agg = qs.aggregate(
        open=Count("received_at"),
        overdue=Count("received_at", filter=Q(target_at__lt=now)),
        at_risk=Count(
            "received_at",
            filter=Q(target_at__gte=now, target_at__lt=now + dt.timedelta(days=risk_days)),
        ),
        a0=Count("received_at", filter=Q(received_at__gt=days[0])),
        a1=Count("received_at", filter=Q(received_at__lte=days[0], received_at__gt=days[1])),
        a2=Count("received_at", filter=Q(received_at__lte=days[1], received_at__gt=days[2])),
        a3=Count("received_at", filter=Q(received_at__lte=days[2])),
    )
    ages = list(
        zip(
            [label for *_, label in engine.AGE_BUCKETS],
            [agg["a0"], agg["a1"], agg["a2"], agg["a3"]],
            strict=True,
        )
    )
    return {
        "open": agg["open"],
        "overdue": agg["overdue"],
        "at_risk": agg["at_risk"],
        "ages": ages,
    }


def per_service_table(filters: Filters, services: dict[str, str]) -> dict:
    """Received cases per service and period, with small cells suppressed (primary and
    secondary) so that the row and column totals shown cannot reveal them."""
    table: dict[str, dict[str, int]] = {}
    keys = _period_keys(filters)
    base = replace(filters, service="")
    for qs, col in _rows(base, base.start, base.end, months=filters.period == "month"):
        for service, day, n in qs.values_list("service", col, "received"):
            if not n:
                continue
            row = table.setdefault(service, {k: 0 for k in keys})
            key = engine.period_key(day, filters.period)
            row[key] = row.get(key, 0) + n
    hidden = engine.suppress(table)
    rows = []
    for service in sorted(table, key=lambda s: services.get(s, s)):
        cells = [(None if (service, k) in hidden["cells"] else table[service][k]) for k in keys]
        total = sum(table[service].values())
        rows.append(
            {
                "service": service,
                "name": services.get(service, service),
                "cells": cells,
                "total": None if service in hidden["rows"] else total,
            }
        )
    col_totals = []
    for k in keys:
        total = sum(row[k] for row in table.values())
        col_totals.append(None if k in hidden["cols"] else total)
    grand = (
        None if (hidden["rows"] or hidden["cols"]) else sum(sum(r.values()) for r in table.values())
    )
    return {"periods": keys, "rows": rows, "totals": col_totals, "grand": grand}


# -- other events ----------------------------------------------------------------------------
def _metrics(filters: Filters, metric: str):
    qs = DailyMetric.objects.filter(metric=metric, day__gte=filters.start, day__lte=filters.end)
    if filters.service:
        qs = qs.filter(service=filters.service)
    if filters.services is not None:
        qs = qs.filter(service__in=filters.services)
    return qs


def satisfaction(filters: Filters) -> dict:
    dist = Counter()
    for key, n in _metrics(filters, "feedback").values_list("key", "count"):
        dist[int(key)] += n
    n = sum(dist.values())
    total = sum(k * v for k, v in dist.items())
    return {
        "n": n,
        "mean": _guard(total / n if n else None, n),
        "distribution": [(r, dist[r]) for r in range(1, 6)],
    }


def portal(filters: Filters, top: int = 10) -> dict:
    searches = (
        _metrics(Filters(start=filters.start, end=filters.end), "search").aggregate(n=Sum("count"))[
            "n"
        ]
        or 0
    )
    zero = Counter()
    for key, n in _metrics(
        Filters(start=filters.start, end=filters.end), "search_zero"
    ).values_list("key", "count"):
        zero[key] += n
    views = Counter()
    for service, n in _metrics(Filters(start=filters.start, end=filters.end), "view").values_list(
        "service", "count"
    ):
        views[service] += n
    zero_total = sum(zero.values())
    return {
        "searches": searches,
        "zero_results": zero_total,
        "zero_rate": engine.share(zero_total, searches),
        # a query typed fewer than five times is not shown (it could be a name)
        "zero_queries": [(q, n) for q, n in zero.most_common(top) if n >= K_ANONYMITY],
        "most_viewed": views.most_common(top),
    }


def appointments(filters: Filters) -> dict:
    def count(metric):
        return _metrics(filters, metric).aggregate(n=Sum("count"))["n"] or 0

    booked, no_show, checked_in = (
        count("appt_booked"),
        count("appt_no_show"),
        count("appt_checked_in"),
    )
    hist = Counter()
    for key, n in _metrics(filters, "appt_called").values_list("key", "count"):
        hist[int(key)] += n
    called = sum(hist.values())
    return {
        "booked": booked,
        "no_show": no_show,
        "no_show_rate": _guard(engine.share(no_show, no_show + checked_in), no_show + checked_in),
        "called": called,
        "median_wait_minutes": _guard(engine.hist_percentile(hist, 0.5), called),
        "started": count("app_started"),
        "submitted": count("app_submitted"),
        "abandoned": count("app_abandoned"),
    }


def process(service: str, start: dt.date | None = None, units=None) -> dict:
    """Process graph of one service from its per-case facts: activities (nodes) and
    activity -> activity edges with frequency and median time in between (only the cases
    of `units` when given)."""
    qs = CaseFact.objects.filter(service=service)
    if units is not None:
        qs = qs.filter(org_unit__in=units)
    if start:
        qs = qs.filter(received_day__gte=start)
    facts = []
    for edges, steps_ in qs.values_list("edges", "steps").iterator(2000):
        facts.append(engine.CaseFact(subject="", edges=edges, steps=steps_))
    edges = engine.process_edges(facts)
    n = len(facts)
    for e in edges:
        e["median_hours"] = _guard(None if e["median"] is None else e["median"] / 3600, e["count"])
    return {
        "cases": n,
        "edges": edges,
        "nodes": process_order(edges),
        "bottlenecks": engine.bottlenecks(facts),
        # the procedures these cases went through: their names for the steps (labels.py)
        "procedures": procedures_of(qs, units),
    }


def process_order(edges: list[dict]) -> list[str]:
    """The steps in the order a case goes through them: from receipt (or a step nothing
    leads to) along the most frequent way first, then the side ways (requests for
    documents, rework), so that the graph and the list read from top to bottom."""
    following: dict[str, list[str]] = defaultdict(list)
    names: list[str] = []
    targets = set()
    for e in sorted(edges, key=lambda e: -e["count"]):  # stable: ties keep their order
        following[e["source"]].append(e["target"])
        targets.add(e["target"])
        for name in (e["source"], e["target"]):
            if name not in names:
                names.append(name)
    starts = [n for n in names if n == "received"] + [n for n in names if n not in targets]
    order: list[str] = []
    for start in starts + names:
        stack = [start]
        while stack:
            name = stack.pop()
            if name in order:
                continue
            order.append(name)
            stack.extend(reversed([t for t in following[name] if t not in order]))
    return order


def procedures(filters: Filters) -> list[str] | None:
    """The procedures of the cases of a service, unit or scope (for the names of their
    steps); None when nothing narrows them (the county: every procedure)."""
    if not (filters.service or filters.org_unit or filters.units is not None):
        return None
    scope = Filters(service=filters.service, org_unit=filters.org_unit)
    return procedures_of(CaseFact.objects.filter(scope.q()), filters.units)


def procedures_of(facts, units=None) -> list[str]:
    """The distinct procedures of the facts `facts` (of `units` when given), sorted. By a
    loose index scan — the next procedure after the last one found, `ORDER BY procedure
    LIMIT 1`, one probe of the (service, procedure) or (org_unit, procedure) index each —
    instead of a DISTINCT that reads every case of the service: at a million cases that
    took 125–170 ms of an uncached dashboard (issue 26), a probe takes well under one. A
    list of units goes unit by unit (an IN list cannot walk one index in order)."""
    found: set[str] = set()
    for part in [facts] if units is None else [facts.filter(org_unit=u) for u in units]:
        last = None
        while True:
            rows = part if last is None else part.filter(procedure__gt=last)
            last = rows.order_by("procedure").values_list("procedure", flat=True).first()
            if last is None:
                break
            found.add(last)
    return sorted(found)
