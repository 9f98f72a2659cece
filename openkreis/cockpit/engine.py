"""The KPI engine: pure functions over event sequences (no ORM, no Django settings).

Input is a sequence of `Ev` (the in-memory form of `core.Event`): times are seconds since
the epoch (UTC), so the engine is fast and testable with hand-made logs. The database
layer (`aggregates.py`) turns events into `Ev`, folds them into one `CaseFact` per case
with `fold_case` and stores the facts; every KPI here is a function of facts (and, for
the portal, feedback and appointment figures, of the events themselves).

Definitions (the same in docs/cockpit.md and on the help page):
- A case is *received* at its `case.received` event (else at its first event).
- A case is *decided* at its last `case.decided` that no later `case.reopened` undid;
  a reopened case is open again until it is decided again.
- Lead time (Durchlaufzeit) = decided − received.
- The time between two events of a case belongs to the `state_kind` of the earlier one:
  `queue` = waiting in an inbox (Liegezeit), `applicant` = waiting for the applicant,
  `work` = processing (Bearbeitungszeit), `done` = not counted.
- Events of a case are ordered by time, then by id (events logged out of order count
  where they happened).
"""

from __future__ import annotations

import datetime as dt
import math
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from zoneinfo import ZoneInfo

from openkreis.core import event_kinds

BERLIN = ZoneInfo("Europe/Berlin")
DAY = 86400.0
K_ANONYMITY = 5  # cells with fewer cases are suppressed


@dataclass(slots=True)
class Ev:
    """One event in the engine's in-memory form."""

    id: int
    kind: str
    at: float  # seconds since the epoch, UTC
    subject: str
    data: dict = field(default_factory=dict)


@dataclass(slots=True)
class CaseFact:
    """Everything the KPIs need to know about one case, folded from its events."""

    subject: str
    service: str = ""
    org_unit: str = ""
    channel: str = ""
    procedure: str = ""
    received_at: float = 0.0
    decided_at: float | None = None
    outcome: str = ""
    target_at: float | None = None
    complete: bool | None = None
    requests: int = 0
    reopened: int = 0
    waiting_seconds: float = 0.0  # queue
    applicant_seconds: float = 0.0  # waiting for the applicant
    processing_seconds: float = 0.0  # work
    state: str = ""
    state_kind: str = ""
    last_at: float = 0.0
    last_id: int = 0
    last_activity: str = ""
    has_received: bool = False
    source: str = ""
    # state -> [state_kind, seconds, visits]
    steps: dict = field(default_factory=dict)
    # "from>to" -> [count, seconds]  (activity to activity, time in between)
    edges: dict = field(default_factory=dict)

    @property
    def decided(self) -> bool:
        return self.decided_at is not None

    @property
    def lead_seconds(self) -> float | None:
        if self.decided_at is None:
            return None
        return self.decided_at - self.received_at

    @property
    def on_time(self) -> bool | None:
        """Decided by the target? None when undecided or without target."""
        if self.decided_at is None or self.target_at is None:
            return None
        return self.decided_at <= self.target_at

    @property
    def first_time_right(self) -> bool | None:
        """Complete on receipt and never asked for documents; None when unknown."""
        if self.complete is None:
            return None
        return bool(self.complete) and self.requests == 0


# -- time helpers ---------------------------------------------------------------------------
def to_epoch(value) -> float | None:
    """Aware datetime or ISO text -> epoch seconds (None stays None; naive means UTC)."""
    if value is None or value == "":
        return None
    if isinstance(value, int | float):
        return float(value)
    if isinstance(value, str):
        text = value.strip().replace("Z", "+00:00")
        try:
            value = dt.datetime.fromisoformat(text)
        except ValueError:
            return None
    if isinstance(value, dt.date) and not isinstance(value, dt.datetime):
        # a date-only target means the end of that day in Berlin
        value = dt.datetime.combine(value, dt.time(23, 59, 59), tzinfo=BERLIN)
    if value.tzinfo is None:
        value = value.replace(tzinfo=dt.UTC)
    return value.timestamp()


def local_day(ts: float) -> dt.date:
    """The calendar day in Europe/Berlin of an epoch time."""
    return dt.datetime.fromtimestamp(ts, BERLIN).date()


def period_key(day: dt.date, period: str) -> str:
    """`day` -> 'YYYY-MM-DD', ISO week 'YYYY-Www' or 'YYYY-MM'."""
    if period == "week":
        year, week, _ = day.isocalendar()
        return f"{year}-W{week:02d}"
    if period == "month":
        return f"{day.year}-{day.month:02d}"
    return day.isoformat()


def period_start(day: dt.date, period: str) -> dt.date:
    if period == "week":
        return day - dt.timedelta(days=day.weekday())
    if period == "month":
        return day.replace(day=1)
    return day


def next_month(day: dt.date) -> dt.date:
    """The first day of the month after the one of `day`."""
    return dt.date(day.year + day.month // 12, day.month % 12 + 1, 1)


# -- folding ----------------------------------------------------------------------------------
CASE_PREFIXES = ("case.", "import.")


def is_case_event(kind: str) -> bool:
    return kind.startswith(CASE_PREFIXES)


TRANSITION = "transition"
STATE_NODE = "state:"  # labels.STATE_PREFIX


def activity_of(ev: Ev) -> str:
    return node_of(ev.data) or ev.kind.split(".", 1)[-1]


def node_of(data: dict) -> str:
    """The node of the process graph an event stands for: its activity; a workflow step
    of the procedure's own (`transition`: Bedarfsberechnung, Vier-Augen-Prüfung …) is
    named by the state it leads to (`state:<key>`), so that the graph shows the
    procedure's steps instead of one node "transition". "" when the data names none."""
    activity = data.get("activity") or ""
    if activity == TRANSITION and data.get("state"):
        return STATE_NODE + data["state"]
    return activity


def fold_case(events: Iterable[Ev], fact: CaseFact | None = None) -> CaseFact | None:
    """One case's events (any order) -> its fact; None if none of them is a case event.

    With `fact`, the fold goes on from a stored fact (which it changes): the events must
    all come after its last event in (time, id) order — the result is the same as folding
    everything again (`can_continue` tells whether that holds)."""
    evs = [e for e in events if e.kind.startswith(CASE_PREFIXES)]
    if not evs:
        return fact
    evs.sort(key=_order)
    if fact is None:
        fact = CaseFact(subject=evs[0].subject, received_at=evs[0].at)
    # the hot part of the fold runs on local variables (this is the benchmark's inner loop)
    waiting, applicant, processing = (
        fact.waiting_seconds,
        fact.applicant_seconds,
        fact.processing_seconds,
    )
    last_at, last_id, last_activity = fact.last_at, fact.last_id, fact.last_activity
    state, state_kind = fact.state, fact.state_kind
    steps, edges = fact.steps, fact.edges
    for ev in evs:
        data = ev.data
        at = ev.at
        kind = ev.kind
        activity = data.get("activity")
        if not activity:
            activity = kind.split(".", 1)[-1]
        elif activity == TRANSITION and data.get("state"):  # node_of, inline: the hot loop
            activity = STATE_NODE + data["state"]
        if last_id:
            span = at - last_at
            if state_kind == "queue":
                waiting += span
            elif state_kind == "work":
                processing += span
            elif state_kind == "applicant":
                applicant += span
            if state_kind and state_kind != "done":
                step = steps.get(state or last_activity)
                if step is None:
                    steps[state or last_activity] = [state_kind, span, 1]
                else:
                    step[1] += span
                    step[2] += 1
            key = last_activity + ">" + activity
            edge = edges.get(key)
            if edge is None:
                edges[key] = [1, span]
            else:
                edge[0] += 1
                edge[1] += span
        if kind != event_kinds.CASE_TRANSITION and kind != event_kinds.CASE_ASSIGNED:
            _milestone(fact, ev, kind, data, first=not last_id)
        elif not last_id:
            _milestone(fact, ev, kind, data, first=True)
        service = data.get("service")
        if service:
            fact.service = service
        unit = data.get("org_unit")
        if unit:
            fact.org_unit = unit
        if not fact.procedure or data.get("procedure"):
            fact.procedure = data.get("procedure") or fact.procedure
        if not fact.channel and data.get("channel"):
            fact.channel = data["channel"]
        state = data.get("state") or state
        state_kind = data.get("state_kind") or state_kind
        last_activity, last_at, last_id = activity, at, ev.id
    fact.waiting_seconds, fact.applicant_seconds, fact.processing_seconds = (
        waiting,
        applicant,
        processing,
    )
    fact.last_at, fact.last_id, fact.last_activity = last_at, last_id, last_activity
    fact.state, fact.state_kind = state, state_kind
    return fact


def _milestone(fact: CaseFact, ev: Ev, kind: str, data: dict, first: bool) -> None:
    """What an event other than a plain step changes: receipt, decision, reopening,
    request; and what the first event says until a case.received says more."""
    if kind == event_kinds.CASE_RECEIVED and not fact.has_received:
        fact.has_received = True
        fact.received_at = ev.at
        fact.target_at = to_epoch(data.get("target_at"))
        complete = data.get("complete")
        fact.complete = None if complete is None else bool(complete)
        fact.channel = data.get("channel", "") or fact.channel
        fact.source = str(data.get("source", "") or fact.source)
    elif kind == event_kinds.CASE_DECIDED:
        fact.decided_at = ev.at
        fact.outcome = data.get("outcome", "") or ""
    elif kind == event_kinds.CASE_REOPENED:
        fact.reopened += 1
        fact.decided_at = None
        fact.outcome = ""
    elif kind == event_kinds.CASE_DOCUMENTS_REQUESTED:
        fact.requests += 1
    if first and not fact.has_received:
        fact.source = str(data.get("source", "") or "")
        fact.target_at = to_epoch(data.get("target_at"))


def _order(ev: Ev) -> tuple[float, int]:
    return (ev.at, ev.id)


def can_continue(fact: CaseFact, events: Iterable[Ev]) -> bool:
    """True if every event sorts after the fact's last one, so the fold can go on."""
    return all((e.at, e.id) > (fact.last_at, fact.last_id) for e in events)


def fold_all(events: Iterable[Ev]) -> dict[str, CaseFact]:
    """All case events (any order, any subjects) -> {subject: fact}."""
    by_subject: dict[str, list[Ev]] = defaultdict(list)
    for ev in events:
        if ev.kind.startswith(CASE_PREFIXES):
            by_subject[ev.subject].append(ev)
    facts = {}
    for subject, evs in by_subject.items():
        fact = fold_case(evs)
        if fact is not None:
            facts[subject] = fact
    return facts


# -- statistics -----------------------------------------------------------------------------
def percentile(values: Sequence[float], q: float) -> float | None:
    """Linear interpolation between closest ranks (numpy's default); None when empty."""
    if not values:
        return None
    data = sorted(values)
    if len(data) == 1:
        return float(data[0])
    pos = (len(data) - 1) * q
    lo = math.floor(pos)
    hi = math.ceil(pos)
    if lo == hi:
        return float(data[lo])
    return data[lo] + (data[hi] - data[lo]) * (pos - lo)


def median(values: Sequence[float]) -> float | None:
    return percentile(values, 0.5)


def mean(values: Sequence[float]) -> float | None:
    return sum(values) / len(values) if values else None


def share(part: int, whole: int) -> float | None:
    return part / whole if whole else None


def hist_percentile(hist: dict, q: float) -> float | None:
    """Percentile from a histogram {bucket(int or str): count}: the bucket holding rank q
    of the values (lower bound), linear within the ranks like `percentile`."""
    items = sorted((int(k), int(v)) for k, v in hist.items() if int(v) > 0)
    total = sum(v for _, v in items)
    if not total:
        return None
    values_at = []  # rank -> bucket, expanded lazily via cumulative counts
    cumulative = 0
    for bucket, count in items:
        cumulative += count
        values_at.append((cumulative, bucket))

    def value_at(rank: int) -> int:
        for cum, bucket in values_at:
            if rank < cum:
                return bucket
        return values_at[-1][1]

    pos = (total - 1) * q
    lo, hi = math.floor(pos), math.ceil(pos)
    a, b = value_at(lo), value_at(hi)
    return a + (b - a) * (pos - lo)


# -- selection --------------------------------------------------------------------------------
def select(
    facts: Iterable[CaseFact],
    *,
    service: str = "",
    org_unit: str = "",
    channel: str = "",
) -> list[CaseFact]:
    return [
        f
        for f in facts
        if (not service or f.service == service)
        and (not org_unit or f.org_unit == org_unit)
        and (not channel or f.channel == channel)
    ]


def _in(ts: float | None, start: float | None, end: float | None) -> bool:
    if ts is None:
        return False
    return (start is None or ts >= start) and (end is None or ts < end)


# -- KPIs over facts ----------------------------------------------------------------------------
def intake_output(facts: Sequence[CaseFact], start=None, end=None) -> dict:
    """Cases received and decided in [start, end), and the completion rate decided/received."""
    received = sum(1 for f in facts if _in(f.received_at, start, end))
    decided = sum(1 for f in facts if _in(f.decided_at, start, end))
    return {"received": received, "decided": decided, "completion_rate": share(decided, received)}


AGE_BUCKETS = [(0, 7, "0–7"), (7, 30, "8–30"), (30, 90, "31–90"), (90, None, "> 90")]


def backlog(facts: Sequence[CaseFact], now: float, risk_days: float = 7.0) -> dict:
    """Open cases at `now` (received, not decided), their age histogram in days, the
    overdue ones (target passed) and the ones at risk (target within `risk_days`)."""
    open_ = [f for f in facts if f.received_at <= now and not _decided_by(f, now)]
    ages = Counter()
    for f in open_:
        age = (now - f.received_at) / DAY
        for lo, hi, label in AGE_BUCKETS:
            if age >= lo and (hi is None or age < hi):
                ages[label] += 1
                break
    overdue = [f for f in open_ if f.target_at is not None and f.target_at < now]
    at_risk = [
        f for f in open_ if f.target_at is not None and now <= f.target_at < now + risk_days * DAY
    ]
    return {
        "open": len(open_),
        "ages": [(label, ages[label]) for *_, label in AGE_BUCKETS],
        "overdue": len(overdue),
        "at_risk": len(at_risk),
        "without_target": sum(1 for f in open_ if f.target_at is None),
    }


def _decided_by(fact: CaseFact, now: float) -> bool:
    return fact.decided_at is not None and fact.decided_at <= now


def lead_time(facts: Sequence[CaseFact], start=None, end=None) -> dict:
    """Lead time (seconds) of the cases decided in [start, end): n, mean, median, p90."""
    values = [f.lead_seconds for f in facts if _in(f.decided_at, start, end)]
    return {
        "n": len(values),
        "mean": mean(values),
        "median": median(values),
        "p90": percentile(values, 0.9),
    }


def time_split(facts: Sequence[CaseFact], start=None, end=None) -> dict:
    """Waiting (queue), applicant and processing (work) seconds summed over the cases
    decided in [start, end), and the waiting share of the lead time."""
    chosen = [f for f in facts if _in(f.decided_at, start, end)]
    waiting = sum(f.waiting_seconds for f in chosen)
    applicant = sum(f.applicant_seconds for f in chosen)
    processing = sum(f.processing_seconds for f in chosen)
    total = waiting + applicant + processing
    return {
        "n": len(chosen),
        "waiting": waiting,
        "applicant": applicant,
        "processing": processing,
        "waiting_share": (waiting + applicant) / total if total else None,
    }


def step_waits(facts: Sequence[CaseFact]) -> dict[str, dict]:
    """Per state: the kind, how many cases stayed there, and the median seconds per case."""
    per: dict[str, list[float]] = defaultdict(list)
    kinds: dict[str, str] = {}
    for f in facts:
        for state, (kind, seconds, _visits) in f.steps.items():
            per[state].append(seconds)
            kinds[state] = kind
    return {
        state: {"kind": kinds[state], "cases": len(v), "median": median(v), "total": sum(v)}
        for state, v in per.items()
    }


def bottlenecks(facts: Sequence[CaseFact]) -> list[dict]:
    """Waiting states (queue, applicant) ranked by median waiting × number of cases."""
    rows = []
    for state, row in step_waits(facts).items():
        if row["kind"] not in ("queue", "applicant"):
            continue
        rows.append({"state": state, **row, "score": (row["median"] or 0) * row["cases"]})
    rows.sort(key=lambda r: (-r["score"], r["state"]))
    return rows


def process_edges(facts: Sequence[CaseFact]) -> list[dict]:
    """Activity -> activity: how often, and the median time in between (per case)."""
    per: dict[str, list[float]] = defaultdict(list)
    counts: Counter = Counter()
    for f in facts:
        for key, (count, seconds) in f.edges.items():
            counts[key] += count
            per[key].append(seconds / count)
    rows = []
    for key, values in per.items():
        source, target = key.split(">", 1)
        rows.append(
            {"source": source, "target": target, "count": counts[key], "median": median(values)}
        )
    rows.sort(key=lambda r: (-r["count"], r["source"], r["target"]))
    return rows


def deadline_adherence(facts: Sequence[CaseFact], start=None, end=None) -> dict:
    """Of the cases decided in [start, end) that have a target: the share decided in time."""
    chosen = [f for f in facts if _in(f.decided_at, start, end) and f.target_at is not None]
    on_time = sum(1 for f in chosen if f.on_time)
    return {"n": len(chosen), "on_time": on_time, "rate": share(on_time, len(chosen))}


def quality(facts: Sequence[CaseFact], start=None, end=None) -> dict:
    """First-time-right and rework over the cases received in [start, end)."""
    chosen = [f for f in facts if _in(f.received_at, start, end)]
    known = [f for f in chosen if f.complete is not None]
    ftr = sum(1 for f in known if f.first_time_right)
    return {
        "n": len(chosen),
        "known": len(known),
        "first_time_right": ftr,
        "first_time_right_rate": share(ftr, len(known)),
        "incomplete_on_receipt": sum(1 for f in known if not f.complete),
        "with_requests": sum(1 for f in chosen if f.requests > 0),
        "repeated_requests": sum(1 for f in chosen if f.requests > 1),
        "reopened": sum(1 for f in chosen if f.reopened > 0),
    }


def channel_mix(facts: Sequence[CaseFact], period: str = "month") -> dict[str, Counter]:
    """Received cases per period and channel: {period_key: Counter(channel -> n)}."""
    out: dict[str, Counter] = defaultdict(Counter)
    for f in facts:
        out[period_key(local_day(f.received_at), period)][f.channel or "unknown"] += 1
    return dict(sorted(out.items()))


def trend(facts: Sequence[CaseFact], period: str = "month") -> dict[str, dict]:
    """Per period: received, decided, median lead time of the cases decided in it."""
    rec: Counter = Counter()
    leads: dict[str, list[float]] = defaultdict(list)
    for f in facts:
        rec[period_key(local_day(f.received_at), period)] += 1
        if f.decided_at is not None:
            leads[period_key(local_day(f.decided_at), period)].append(f.lead_seconds)
    keys = sorted(set(rec) | set(leads))
    return {
        k: {"received": rec[k], "decided": len(leads[k]), "median_lead": median(leads[k])}
        for k in keys
    }


# -- KPIs over other events -------------------------------------------------------------------
def satisfaction(events: Iterable[Ev]) -> dict:
    """feedback.submitted: n, mean rating, distribution 1..5."""
    ratings = []
    for ev in events:
        if ev.kind != event_kinds.FEEDBACK_SUBMITTED:
            continue
        try:
            rating = int(ev.data.get("rating"))
        except (TypeError, ValueError):
            continue
        if 1 <= rating <= 5:
            ratings.append(rating)
    dist = Counter(ratings)
    return {
        "n": len(ratings),
        "mean": mean(ratings),
        "distribution": [(r, dist[r]) for r in range(1, 6)],
    }


def portal_usage(events: Iterable[Ev], top: int = 10) -> dict:
    """portal.search volume, zero-result queries, and most-viewed services."""
    searches = 0
    zero: Counter = Counter()
    viewed: Counter = Counter()
    for ev in events:
        if ev.kind == event_kinds.PORTAL_SEARCH:
            searches += 1
            if not ev.data.get("results"):
                zero[ev.data.get("query", "")] += 1
        elif ev.kind == event_kinds.PORTAL_SERVICE_VIEWED:
            viewed[ev.data.get("service", "")] += 1
    return {
        "searches": searches,
        "zero_results": sum(zero.values()),
        "zero_rate": share(sum(zero.values()), searches),
        "zero_queries": zero.most_common(top),
        "most_viewed": viewed.most_common(top),
    }


def appointments(events: Iterable[Ev]) -> dict:
    """appointment.*: bookings, median wait on site (check-in/ticket -> call), no-show rate
    = no-shows / (no-shows + check-ins) of booked appointments."""
    booked = no_show = checked_in = 0
    waits = []
    cancelled = 0
    for ev in events:
        kind = ev.kind
        if not kind.startswith("appointment."):
            continue
        if kind == event_kinds.APPOINTMENT_BOOKED:
            booked += 1
        elif kind == event_kinds.APPOINTMENT_CANCELLED:
            cancelled += 1
        elif kind == event_kinds.APPOINTMENT_NO_SHOW:
            no_show += 1
        elif (
            kind == event_kinds.APPOINTMENT_CHECKED_IN
            and ev.data.get("kind", "booking") == "booking"
        ):
            checked_in += 1
        elif kind == event_kinds.APPOINTMENT_CALLED:
            seconds = ev.data.get("wait_seconds")
            if isinstance(seconds, int | float):
                waits.append(float(seconds))
    return {
        "booked": booked,
        "cancelled": cancelled,
        "no_show": no_show,
        "no_show_rate": share(no_show, no_show + checked_in),
        "called": len(waits),
        "median_wait": median(waits),
        "p90_wait": percentile(waits, 0.9),
    }


# -- privacy ----------------------------------------------------------------------------------
def suppress(table: dict[str, dict[str, int]], k: int = K_ANONYMITY) -> dict[str, set]:
    """What to hide in a table of case counts {row: {col: n}} shown with row and column
    totals. Primary: cells and totals with 0 < n < k. Secondary: a row (column) whose total
    is shown and that has exactly one hidden cell would give that cell away by subtraction,
    so its smallest other non-zero cell is hidden too; repeated until no such line is left.
    Zero cells are hidden only where needed for that (a zero alone tells nothing).
    Returns {"cells": {(row, col)}, "rows": {row}, "cols": {col}} (hidden totals)."""
    rows_all = list(table)
    cols_all = sorted({c for cols in table.values() for c in cols})

    def n(cell):
        return table[cell[0]].get(cell[1], 0)

    hidden = {(r, c) for r in rows_all for c in cols_all if 0 < n((r, c)) < k}
    row_tot = {r: sum(table[r].values()) for r in rows_all}
    col_tot = {c: sum(table[r].get(c, 0) for r in rows_all) for c in cols_all}
    hidden_rows = {r for r, t in row_tot.items() if 0 < t < k}
    hidden_cols = {c for c, t in col_tot.items() if 0 < t < k}
    changed = True
    while changed:
        changed = False
        lines = [("row", r, [(r, c) for c in cols_all]) for r in rows_all if r not in hidden_rows]
        lines += [("col", c, [(r, c) for r in rows_all]) for c in cols_all if c not in hidden_cols]
        for axis, name, line in lines:
            if sum(1 for cell in line if cell in hidden) != 1:
                continue
            # the smallest other non-zero cell; a zero cell only when nothing else is left
            # (a known zero plus the total would still give the hidden cell away)
            candidates = [cell for cell in line if cell not in hidden]
            if candidates:
                hidden.add(min(candidates, key=lambda cell: (n(cell) == 0, n(cell), cell)))
            else:  # a line of one cell: its total is the cell, so the total goes
                (hidden_rows if axis == "row" else hidden_cols).add(name)
            changed = True
    return {"cells": hidden, "rows": hidden_rows, "cols": hidden_cols}


def enough(n: int | None, k: int = K_ANONYMITY) -> bool:
    """A figure computed over n cases may be shown when n >= k (or n == 0: nothing to hide)."""
    return not n or n >= k
