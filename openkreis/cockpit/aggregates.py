"""Precomputed aggregates: per-case facts and daily figures, kept up to date from the event
log by an incremental update from a high-water mark (the highest event id read), or
rebuilt from scratch. Both paths give identical rows (tests/test_aggregates.py).

Incremental update, per batch of new events (in one transaction, the cursor row locked):
- non-case events only add to daily counters (events are append-only); a Mängelmelder
  report with a new `report.*` event is folded again into its ReportFact (reportfacts.py);
- a case's new events continue its stored fold when they all come after its last event;
  otherwise (an event logged late with an earlier time) its events are folded again;
- each changed fact's old contribution to the daily rows is subtracted and the new one
  added, so daily rows equal what a full recompute would build.
"""

from __future__ import annotations

import datetime as dt
import json
import time
from collections import defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from django.db import DEFAULT_DB_ALIAS, connection, transaction
from django.db.models import Max, Q

from openkreis.core import event_kinds
from openkreis.core.models import Event

from . import bulk, engine, reportfacts
from .engine import BERLIN, Ev
from .models import CaseFact, Cursor, DailyCaseStat, DailyMetric, DailyStepStat, RecomputeMark

CURSOR = "events"
BATCH = 20000
DAILY_FIELDS = [
    "received",
    "complete_known",
    "first_time_right",
    "with_requests",
    "repeated_requests",
    "reopened",
    "decided",
    "with_target",
    "on_time",
    "lead_seconds",
    "waiting_seconds",
    "applicant_seconds",
    "processing_seconds",
]


# -- conversions ------------------------------------------------------------------------------
def to_ev(event: Event) -> Ev:
    return Ev(event.id, event.kind, event.occurred_at.timestamp(), event.subject, event.data)


def _aware(ts: float | None) -> dt.datetime | None:
    return None if ts is None else dt.datetime.fromtimestamp(ts, dt.UTC)


def fact_to_model(fact: engine.CaseFact) -> CaseFact:
    lead = fact.lead_seconds
    return CaseFact(
        subject=fact.subject,
        service=fact.service,
        org_unit=fact.org_unit,
        channel=fact.channel,
        procedure=fact.procedure,
        source=fact.source[:60],
        received_at=_aware(fact.received_at),
        received_day=engine.local_day(fact.received_at),
        decided_at=_aware(fact.decided_at),
        decided_day=engine.local_day(fact.decided_at) if fact.decided_at is not None else None,
        outcome=fact.outcome,
        target_at=_aware(fact.target_at),
        on_time=fact.on_time,
        lead_seconds=None if lead is None else round(lead),
        waiting_seconds=round(fact.waiting_seconds),
        applicant_seconds=round(fact.applicant_seconds),
        processing_seconds=round(fact.processing_seconds),
        complete=fact.complete,
        requests=fact.requests,
        reopened=fact.reopened,
        state=fact.state,
        state_kind=fact.state_kind,
        last_event_at=_aware(fact.last_at),
        # the exact float state of the fold, so that it can go on where it stopped
        steps=fact.steps,
        edges=fact.edges,
        fold={
            "received_at": fact.received_at,
            "decided_at": fact.decided_at,
            "target_at": fact.target_at,
            "waiting": fact.waiting_seconds,
            "applicant": fact.applicant_seconds,
            "processing": fact.processing_seconds,
            "last_at": fact.last_at,
            "last_id": fact.last_id,
            "last_activity": fact.last_activity,
            "has_received": fact.has_received,
            "source": fact.source,
        },
    )


def model_to_fact(row: CaseFact) -> engine.CaseFact:
    fold = row.fold
    return engine.CaseFact(
        subject=row.subject,
        service=row.service,
        org_unit=row.org_unit,
        channel=row.channel,
        procedure=row.procedure,
        received_at=fold["received_at"],
        decided_at=fold["decided_at"],
        outcome=row.outcome,
        target_at=fold["target_at"],
        complete=row.complete,
        requests=row.requests,
        reopened=row.reopened,
        waiting_seconds=fold["waiting"],
        applicant_seconds=fold["applicant"],
        processing_seconds=fold["processing"],
        state=row.state,
        state_kind=row.state_kind,
        last_at=fold["last_at"],
        last_id=fold["last_id"],
        last_activity=fold["last_activity"],
        has_received=fold["has_received"],
        source=fold["source"],
        steps={k: list(v) for k, v in row.steps.items()},
        edges={k: list(v) for k, v in row.edges.items()},
    )


# -- contributions of one fact to the daily rows --------------------------------------------
def contributions(row: CaseFact) -> tuple[dict, dict]:
    """({daily key: {field: n, 'lead_hist': {hours: n}}}, {step key: {...}}) of one fact."""
    base = (row.service, row.org_unit, row.channel)
    daily: dict = defaultdict(lambda: defaultdict(int))
    rec = daily[(row.received_day, *base)]
    rec["received"] += 1
    if row.complete is not None:
        rec["complete_known"] += 1
        if row.complete and row.requests == 0:
            rec["first_time_right"] += 1
    if row.requests > 0:
        rec["with_requests"] += 1
    if row.requests > 1:
        rec["repeated_requests"] += 1
    if row.reopened > 0:
        rec["reopened"] += 1
    steps: dict = {}
    if row.decided_day is not None:
        dec = daily[(row.decided_day, *base)]
        dec["decided"] += 1
        if row.on_time is not None:
            dec["with_target"] += 1
            dec["on_time"] += int(row.on_time)
        dec["lead_seconds"] += row.lead_seconds
        dec["waiting_seconds"] += row.waiting_seconds
        dec["applicant_seconds"] += row.applicant_seconds
        dec["processing_seconds"] += row.processing_seconds
        dec.setdefault("lead_hist", {})
        bucket = str(max(row.lead_seconds, 0) // 3600)  # whole hours (read.HIST_UNIT)
        dec["lead_hist"] = {bucket: 1}
        for state, (kind, seconds, _visits) in row.steps.items():
            steps[(row.decided_day, *base, state)] = {
                "kind": kind,
                "cases": 1,
                "seconds": round(seconds),
                "hist": {str(int(max(seconds, 0) // 3600)): 1},
            }
    return daily, steps


def _merge_hist(target: dict, other: dict, sign: int) -> dict:
    out = dict(target)
    for k, v in other.items():
        n = out.get(k, 0) + sign * v
        if n:
            out[k] = n
        else:
            out.pop(k, None)
    return out


def _apply(daily_delta: dict, step_delta: dict, rollup: bool = True) -> None:
    """Add the deltas to the stored daily rows (rows that reach zero are deleted) and sum
    their months again (`rollup`; a full recompute does all months once at its end)."""
    # a changed fact's received-side counters cancel out (-old +new): only rows whose
    # figures really change are read and written
    daily_delta = {
        k: d
        for k, d in daily_delta.items()
        if d.get("lead_hist") or any(d.get(n) for n in DAILY_FIELDS)
    }
    step_delta = {k: d for k, d in step_delta.items() if d["cases"] or d["seconds"] or d["hist"]}
    if daily_delta:
        days = {k[0] for k in daily_delta}
        existing = {
            (r.day, r.service, r.org_unit, r.channel): r
            for r in DailyCaseStat.objects.filter(day__in=days)
        }
        create, update, delete = [], [], []
        for key, delta in daily_delta.items():
            row = existing.get(key)
            new = row is None
            if new:
                row = DailyCaseStat(
                    day=key[0], service=key[1], org_unit=key[2], channel=key[3], lead_hist={}
                )
            for name in DAILY_FIELDS:
                setattr(row, name, getattr(row, name) + delta.get(name, 0))
            row.lead_hist = _merge_hist(row.lead_hist, delta.get("lead_hist", {}), 1)
            empty = not any(getattr(row, n) for n in DAILY_FIELDS) and not row.lead_hist
            if new and not empty:
                create.append(row)
            elif not new and empty:
                delete.append(row.pk)
            elif not new:
                update.append(row)
        _insert(DailyCaseStat, create)
        DailyCaseStat.objects.bulk_update(update, [*DAILY_FIELDS, "lead_hist"], batch_size=2000)
        DailyCaseStat.objects.filter(pk__in=delete).delete()
        if rollup:
            rollup_months({k[0].replace(day=1) for k in daily_delta}, [CASE_MONTHS])
    if step_delta:
        days = {k[0] for k in step_delta}
        existing = {
            (r.day, r.service, r.org_unit, r.channel, r.state): r
            for r in DailyStepStat.objects.filter(day__in=days)
        }
        create, update, delete = [], [], []
        for key, delta in step_delta.items():
            row = existing.get(key)
            new = row is None
            if new:
                row = DailyStepStat(
                    day=key[0],
                    service=key[1],
                    org_unit=key[2],
                    channel=key[3],
                    state=key[4],
                    kind=delta.get("kind", ""),
                    hist={},
                )
            row.cases += delta["cases"]
            row.seconds += delta["seconds"]
            row.hist = _merge_hist(row.hist, delta["hist"], 1)
            if delta.get("kind") and delta["cases"] > 0:
                row.kind = delta["kind"]
            empty = row.cases == 0 and not row.hist
            if new and not empty:
                create.append(row)
            elif not new and empty:
                delete.append(row.pk)
            elif not new:
                update.append(row)
        _insert(DailyStepStat, create)
        DailyStepStat.objects.bulk_update(update, ["cases", "seconds", "hist", "kind"], 2000)
        DailyStepStat.objects.filter(pk__in=delete).delete()
        if rollup:
            rollup_months({k[0].replace(day=1) for k in step_delta}, [STEP_MONTHS])


@dataclass(frozen=True)
class _Rollup:
    """A table of daily rows and the table of their months: the columns that key a row
    besides its day/month, the counters summed, the histogram merged, the columns of which
    the month keeps the greatest value."""

    daily: str
    monthly: str
    keys: tuple[str, ...]
    sums: tuple[str, ...]
    hist: str
    greatest: tuple[str, ...] = ()


CASE_MONTHS = _Rollup(
    "DailyCaseStat", "MonthlyCaseStat", ("service", "org_unit", "channel"),
    tuple(DAILY_FIELDS), "lead_hist",
)  # fmt: skip
STEP_MONTHS = _Rollup(
    "DailyStepStat", "MonthlyStepStat", ("service", "org_unit", "channel", "state"),
    ("cases", "seconds"), "hist", ("kind",),
)  # fmt: skip


@transaction.atomic  # the delete and the insert of a month together (a savepoint when nested)
def rollup_months(
    months: Iterable[dt.date] | None = None,
    tables: Iterable[_Rollup] = (CASE_MONTHS, STEP_MONTHS),
    apps=None,
) -> None:
    """Build the monthly rows (MonthlyCaseStat, MonthlyStepStat) again from the daily ones:
    of the given months (their first days), of every month when None. After every change
    of daily rows, in the same transaction, so that both always say the same. `apps`: the
    models of a migration (its historical ones)."""
    from django.apps import apps as current

    months = None if months is None else sorted(set(months))
    if months == []:
        return
    for table in tables:
        daily = (apps or current).get_model("cockpit", table.daily)
        monthly = (apps or current).get_model("cockpit", table.monthly)
        rows, old = daily.objects.all(), monthly.objects.all()
        if months is not None:
            spans = Q()
            for first in months:
                spans |= Q(day__gte=first, day__lt=engine.next_month(first))
            rows, old = rows.filter(spans), old.filter(month__in=months)
        old.delete()
        if connection.vendor == "postgresql":
            _rollup_sql(table, rows, monthly)
        else:
            _rollup_python(table, rows, monthly)


def _rollup_python(table: _Rollup, rows, monthly) -> None:
    sums: dict[tuple, dict] = {}
    for row in rows.values("day", *table.keys, *table.sums, *table.greatest, table.hist):
        key = (row["day"].replace(day=1), *(row[k] for k in table.keys))
        slot = sums.get(key)
        if slot is None:
            slot = sums[key] = {table.hist: {}, **dict.fromkeys(table.sums, 0)}
            slot.update({g: row[g] for g in table.greatest})
        for name in table.sums:
            slot[name] += row[name]
        for name in table.greatest:
            slot[name] = max(slot[name], row[name])
        slot[table.hist] = _merge_hist(slot[table.hist], row[table.hist], 1)
    monthly.objects.bulk_create(
        [
            monthly(month=k[0], **dict(zip(table.keys, k[1:], strict=True)), **v)
            for k, v in sums.items()
        ],
        batch_size=2000,
    )


def _rollup_sql(table: _Rollup, rows, monthly) -> None:
    """PostgreSQL: the months summed and the histograms merged by the database."""
    sql, params = rows.values(
        "day", *table.keys, *table.sums, *table.greatest, table.hist
    ).query.sql_with_params()
    q = connection.ops.quote_name
    dims = ", ".join(["m", *(q(k) for k in table.keys)])
    by_dims = ", ".join(str(i + 1) for i in range(len(table.keys) + 1))
    values = [*table.sums, *table.greatest]
    summed = ", ".join(
        [
            *(f"SUM({q(n)})" for n in table.sums),
            *(f'MAX({q(n)} COLLATE "C")' for n in table.greatest),
        ]
    )
    hist = q(table.hist)
    with connection.cursor() as cursor:
        cursor.execute(
            # Django's SQL with its own params; names from the table's spec, quoted
            f"WITH d AS (SELECT date_trunc('month', day)::date AS m, * FROM ({sql}) x), "  # noqa: S608
            f"s AS (SELECT {dims}, {summed} FROM d GROUP BY {by_dims}), "
            f"e AS (SELECT {dims}, h.key AS k, SUM(h.value::bigint) AS n "
            f"      FROM d, jsonb_each_text(d.{hist}) h GROUP BY {by_dims}, k), "
            f"h AS (SELECT {dims}, jsonb_object_agg(k, n) AS hist FROM e "
            f"      WHERE n <> 0 GROUP BY {by_dims}) "
            f"INSERT INTO {q(monthly._meta.db_table)} "
            f"(month, {', '.join(q(k) for k in table.keys)}, "
            f"{', '.join(q(v) for v in values)}, {hist}) "
            f"SELECT s.*, COALESCE(h.hist, '{{}}'::jsonb) FROM s LEFT JOIN h USING ({dims})",
            params,
        )


def _add(acc_daily: dict, acc_steps: dict, row: CaseFact, sign: int) -> None:
    daily, steps = contributions(row)
    for key, values in daily.items():
        slot = acc_daily.setdefault(key, {"lead_hist": {}})
        for name in DAILY_FIELDS:
            slot[name] = slot.get(name, 0) + sign * values.get(name, 0)
        slot["lead_hist"] = _merge_hist(slot["lead_hist"], values.get("lead_hist", {}), sign)
    for key, values in steps.items():
        slot = acc_steps.setdefault(key, {"cases": 0, "seconds": 0, "hist": {}, "kind": ""})
        slot["cases"] += sign * values["cases"]
        slot["seconds"] += sign * values["seconds"]
        slot["hist"] = _merge_hist(slot["hist"], values["hist"], sign)
        if sign > 0:
            slot["kind"] = values["kind"]


# -- metrics of the other events --------------------------------------------------------------
def metric_keys(ev: Ev) -> list[tuple[str, str, str, int]]:
    """(metric, service, key, total) rows one non-case event adds to (count 1 each)."""
    kind, data = ev.kind, ev.data
    if kind == event_kinds.PORTAL_SEARCH:
        rows = [("search", "", "", 0)]
        if not data.get("results"):
            rows.append(("search_zero", "", str(data.get("query", ""))[:120], 0))
        return rows
    if kind == event_kinds.PORTAL_SERVICE_VIEWED:
        return [("view", str(data.get("service", ""))[:120], "", 0)]
    if kind == event_kinds.FEEDBACK_SUBMITTED:
        try:
            rating = int(data.get("rating"))
        except (TypeError, ValueError):
            return []
        if not 1 <= rating <= 5:
            return []
        return [("feedback", str(data.get("service", ""))[:120], str(rating), rating)]
    if kind.startswith("application."):
        return [(f"app_{kind.split('.', 1)[1]}"[:40], str(data.get("service", ""))[:120], "", 0)]
    if kind.startswith("appointment."):
        services = data.get("services") or [""]
        service = str(services[0] if isinstance(services, list) else services)[:120]
        what = kind.split(".", 1)[1]
        if what == "called":
            seconds = data.get("wait_seconds")
            if not isinstance(seconds, int | float):
                return []
            return [("appt_called", service, str(int(max(seconds, 0) // 60)), int(seconds))]
        if what == "checked_in" and data.get("kind", "booking") != "booking":
            return []
        return [(f"appt_{what}"[:40], service, "", 0)]
    return []


def _apply_metrics(delta: dict) -> None:
    if not delta:
        return
    days = {k[0] for k in delta}
    existing = {
        (r.day, r.metric, r.service, r.key): r for r in DailyMetric.objects.filter(day__in=days)
    }
    create, update = [], []
    for key, (count, total) in delta.items():
        row = existing.get(key)
        if row is None:
            create.append(
                DailyMetric(
                    day=key[0], metric=key[1], service=key[2], key=key[3], count=count, total=total
                )
            )
        else:
            row.count += count
            row.total += total
            update.append(row)
    _insert(DailyMetric, create)
    DailyMetric.objects.bulk_update(update, ["count", "total"], batch_size=2000)


def _metric_delta(evs: Iterable[Ev], acc: dict) -> None:
    for ev in evs:
        if engine.is_case_event(ev.kind):
            continue
        day = engine.local_day(ev.at)
        for metric, service, key, total in metric_keys(ev):
            slot = acc.setdefault((day, metric, service, key), [0, 0])
            slot[0] += 1
            slot[1] += total


# -- the two paths ----------------------------------------------------------------------------
def _cursor() -> Cursor:
    Cursor.objects.get_or_create(name=CURSOR)
    return Cursor.objects.select_for_update().get(name=CURSOR)


def refresh(batch: int = BATCH, limit_batches: int | None = None) -> int:
    """Read the events after the high-water mark in batches; returns how many were read.
    Derived tables that came back empty from a crash are built again first (lost())."""
    if lost():
        recompute(only_if_lost=True)
    done = 0
    batches = 0
    while limit_batches is None or batches < limit_batches:
        n = _refresh_batch(batch)
        done += n
        batches += 1
        if n < batch:
            break
    return done


def lost() -> bool:
    """The derived tables are unlogged (bulk.empty_derived) and PostgreSQL has emptied them
    (a crash, a restored base backup): the cursor has read events, the recompute's mark is
    gone. The logged tables (the cursor, the other events' counters, the reports) are as
    before; a full recompute builds them all again."""
    if connection.vendor != "postgresql" or not bulk.derived_unlogged():
        return False
    # the primary, as derived_unlogged (a replica cannot read unlogged tables)
    cursors = Cursor.objects.using(DEFAULT_DB_ALIAS).filter(name=CURSOR)
    last = cursors.values_list("last_event_id", flat=True).first()
    return bool(last) and not RecomputeMark.objects.using(DEFAULT_DB_ALIAS).exists()


GAP_WAIT = 600.0  # seconds an unseen id is waited for (then the nightly recompute has it)
GAP_TRACK = 1000  # at most this many unseen ids are tracked per batch


def _gaps(cursor: Cursor, rows: list[Event], now: float) -> dict:
    """The unseen ids after this batch: the old ones not found yet and younger than
    GAP_WAIT, and the new holes between the high-water mark and the batch's last id."""
    seen = {r.id for r in rows}
    gaps = {k: t for k, t in cursor.gaps.items() if int(k) not in seen and now - t < GAP_WAIT}
    if rows and rows[-1].id > cursor.last_event_id:
        fresh = [r.id for r in rows if r.id > cursor.last_event_id]
        holes = fresh[-1] - cursor.last_event_id - len(fresh)
        if 0 < holes <= GAP_TRACK:
            missing = set(range(cursor.last_event_id + 1, fresh[-1])) - seen
            gaps.update({str(i): now for i in missing})
    return gaps


@transaction.atomic
def _refresh_batch(batch: int) -> int:
    cursor = _cursor()
    rows = list(Event.objects.filter(id__gt=cursor.last_event_id).order_by("id")[:batch])
    late = [int(k) for k in cursor.gaps]
    if late:  # events committed after later ones: read once they are there
        rows = list(Event.objects.filter(id__in=late).order_by("id")) + rows
    gaps = _gaps(cursor, rows, time.time())
    if not rows:
        if gaps != cursor.gaps:
            cursor.gaps = gaps
            cursor.save(update_fields=["gaps"])
        return 0
    evs = [to_ev(r) for r in rows]
    metrics: dict = {}
    _metric_delta(evs, metrics)
    by_subject: dict[str, list[Ev]] = defaultdict(list)
    for ev in evs:
        if engine.is_case_event(ev.kind) and ev.subject:
            by_subject[ev.subject].append(ev)
    daily: dict = {}
    steps: dict = {}
    old_rows = {r.subject: r for r in CaseFact.objects.filter(subject__in=list(by_subject))}
    new_rows = []
    refold = []
    for subject, mine in by_subject.items():
        old = old_rows.get(subject)
        if old is None:
            new_rows.append(fact_to_model(engine.fold_case(mine)))
            continue
        fact = model_to_fact(old)
        if engine.can_continue(fact, mine):
            new_rows.append(fact_to_model(engine.fold_case(mine, fact)))
        else:
            refold.append(subject)
    high = max(cursor.last_event_id, rows[-1].id)
    if refold:  # late events with earlier times: fold those cases again from the log
        for mine in _events_of(refold, upto=high).values():
            new_rows.append(fact_to_model(engine.fold_case(mine)))
    for old in old_rows.values():
        _add(daily, steps, old, -1)
    for row in new_rows:
        _add(daily, steps, row, +1)
    _apply(daily, steps)
    _apply_metrics(metrics)
    reportfacts.update(evs, high)  # the Mängelmelder's reports, folded again from the log
    CaseFact.objects.filter(subject__in=list(old_rows)).delete()
    _insert(CaseFact, new_rows)
    cursor.last_event_id = high
    cursor.gaps = gaps
    cursor.save(update_fields=["last_event_id", "gaps", "updated_at"])
    return len(rows)


def _events_of(subjects: list[str], upto: int) -> dict[str, list[Ev]]:
    out: dict[str, list[Ev]] = defaultdict(list)
    for start in range(0, len(subjects), 500):
        chunk = subjects[start : start + 500]
        for event in Event.objects.filter(subject__in=chunk, id__lte=upto).iterator(2000):
            out[event.subject].append(to_ev(event))
    return out


def _stream_by_subject(upto: int) -> Iterator[list[Ev]]:
    qs = (
        Event.objects.filter(id__lte=upto)
        .exclude(subject="")
        .filter(kind__regex=r"^(case|import)\.")
        .order_by("subject", "occurred_at", "id")
    )
    current: list[Ev] = []
    fields = ("id", "kind", "occurred_at", "subject", "data")
    for pk, kind, at, subject, data in qs.values_list(*fields).iterator(5000):
        if current and subject != current[0].subject:
            yield current
            current = []
        current.append(Ev(pk, kind, at.timestamp(), subject, data))
    if current:
        yield current


CASE_ROWS_SQL = (
    "SELECT id, kind, EXTRACT(EPOCH FROM occurred_at)::float8, subject, data::text"  # noqa: S608 (the model's table)
    f" FROM {Event._meta.db_table} WHERE id <= %s AND subject <> ''"
    " AND (kind LIKE 'case.%%' OR kind LIKE 'import.%%') ORDER BY id"
)


def _case_rows(upto: int) -> Iterator[tuple]:
    """(id, kind, epoch seconds, subject, data) of every case event up to `upto`, in the
    order of the ids (the facts come in the order their cases first occur, and where two
    cases decide a day's figure the later one counts: without the order the table's
    physical order, which free space left by deleted rows changes, decided it). On
    PostgreSQL straight from a server-side cursor with the JSON as text (decoded once per
    distinct text by the columnar reader), elsewhere through the ORM."""
    if connection.vendor == "postgresql":
        with connection.chunked_cursor() as cur:
            cur.execute(CASE_ROWS_SQL, [upto])
            while rows := cur.fetchmany(20000):
                yield from rows
        return
    qs = (
        Event.objects.filter(id__lte=upto)
        .exclude(subject="")
        .filter(kind__regex=r"^(case|import)\.")
        .order_by("id")
    )
    fields = ("id", "kind", "occurred_at", "subject", "data")
    for pk, kind, at, subject, data in qs.values_list(*fields).iterator(5000):
        yield pk, kind, at.timestamp(), subject, data


def _fold_columnar(upto: int) -> dict[str, engine.CaseFact]:
    """Every case's fact from the log at once, by the columnar fold (columnar.py; the
    same facts as folding each case with engine.fold_case, see tests/test_columnar.py)."""
    from . import columnar

    if connection.vendor == "postgresql":
        log = columnar.from_rows(_case_rows(upto), decode=json.loads)
    else:  # every row brings its own dict
        log = columnar.from_rows(_case_rows(upto), key=id)
    return columnar.to_facts(columnar.fold(log))


COPY_FROM = 100  # rows; fewer go by INSERT


def _insert(model, rows: list) -> None:
    """Insert new rows: by COPY on PostgreSQL (Django's bulk INSERT quotes every value
    client-side, 20 times slower at a million rows), by bulk_create elsewhere."""
    if connection.vendor != "postgresql" or len(rows) < COPY_FROM:
        model.objects.bulk_create(rows, batch_size=2000)
        return
    fields = [f for f in model._meta.concrete_fields if not f.primary_key]
    json_fields = [f.get_internal_type() == "JSONField" for f in fields]
    names = [f.attname for f in fields]
    columns = ", ".join(connection.ops.quote_name(f.column) for f in fields)
    table = connection.ops.quote_name(model._meta.db_table)
    connection.ensure_connection()
    with (
        connection.connection.cursor() as cur,
        cur.copy(f"COPY {table} ({columns}) FROM STDIN") as pipe,
    ):
        for row in rows:
            values = [getattr(row, name) for name in names]
            pipe.write_row(
                [json.dumps(v) if j else v for v, j in zip(values, json_fields, strict=True)]
            )


_PYTHON_WRITE = False  # tests: the PostgreSQL recompute through the Python rows instead


def _recompute_case_tables(upto: int, reference: bool) -> tuple[int, Iterable[Ev]]:
    """The case tables fact by fact (SQLite; and the reference of the bulk path)."""
    CaseFact.objects.all().delete()
    DailyCaseStat.objects.all().delete()
    DailyStepStat.objects.all().delete()
    daily: dict = {}
    steps: dict = {}
    buffer: list[CaseFact] = []
    count = 0
    if reference:
        facts = (f for f in map(engine.fold_case, _stream_by_subject(upto)) if f is not None)
    else:
        facts = _fold_columnar(upto).values()
    for fact in facts:
        row = fact_to_model(fact)
        _add(daily, steps, row, +1)
        buffer.append(row)
        count += 1
        if len(buffer) >= 20000:
            _insert(CaseFact, buffer)
            buffer = []
    _insert(CaseFact, buffer)
    _apply(daily, steps, rollup=False)
    others = Event.objects.filter(id__lte=upto).exclude(kind__regex=r"^(case|import)\.")
    return count, (to_ev(e) for e in others.iterator(5000))


@transaction.atomic
def recompute(reference: bool = False, only_if_lost: bool = False) -> int:
    """Throw every aggregate away and build it again from the whole log; returns the
    number of case facts. The columnar fold does it; `reference=True` folds case by case
    with the pure-Python engine instead (the same rows; kept for tests). `only_if_lost`:
    nothing unless lost() still holds once the cursor's table is locked (two workers that
    found the tables emptied rebuild them once)."""
    if connection.vendor == "postgresql" and not connection.savepoint_ids:
        # one snapshot for every read below (so that an event is either read or waited for),
        # taken after a running refresh has finished (the table lock waits for it); only
        # possible as the transaction's first statements (not inside an outer transaction)
        with connection.cursor() as cur:
            cur.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ")
            cur.execute(f"LOCK TABLE {Cursor._meta.db_table} IN EXCLUSIVE MODE")
    if only_if_lost and not lost():
        return 0
    cursor = _cursor()
    upto = Event.objects.aggregate(m=Max("id"))["m"] or 0
    now = time.time()
    lo = max(upto - GAP_TRACK, 0)
    present = set(Event.objects.filter(id__gt=lo, id__lte=upto).values_list("id", flat=True))
    gaps = {str(i): now for i in range(lo + 1, upto + 1) if i not in present}
    old = [int(k) for k, t in cursor.gaps.items() if int(k) <= lo and now - t < GAP_WAIT]
    found = set(Event.objects.filter(id__in=old).values_list("id", flat=True))
    gaps.update({str(i): cursor.gaps[str(i)] for i in old if i not in found})
    DailyMetric.objects.all().delete()
    if connection.vendor == "postgresql" and not reference and not _PYTHON_WRITE:
        # one COPY out, the columnar fold, COPY in; no Python loop per event or fact
        count, others = bulk.recompute_case_tables(upto)  # the monthly rows too
    else:
        if connection.vendor == "postgresql":
            bulk.empty_derived()  # the same tables as the bulk path, the same persistence
        count, others = _recompute_case_tables(upto, reference)
        rollup_months()
    metrics: dict = {}
    _metric_delta(others, metrics)
    _apply_metrics(metrics)
    reportfacts.rebuild(upto)
    cursor.last_event_id = upto
    cursor.gaps = gaps
    cursor.save(update_fields=["last_event_id", "gaps", "updated_at"])
    RecomputeMark.objects.update_or_create(pk=1, defaults={"last_event_id": upto})
    return count


def version() -> tuple:
    """The high-water mark (the id of the last event the aggregates have read) and when it
    last moved: changes whenever the aggregates change (a refresh or a full recompute)."""
    row = Cursor.objects.filter(name=CURSOR).values_list("last_event_id", "updated_at").first()
    return row or (0, None)


def pending() -> int:
    """How many events the aggregates have not read yet."""
    last = Cursor.objects.filter(name=CURSOR).values_list("last_event_id", flat=True).first()
    return Event.objects.filter(id__gt=last or 0).count()


def ensure_fresh() -> None:
    """In the embedded mode (no Celery worker), bring aggregates up to date on demand."""
    from django.conf import settings

    if getattr(settings, "CELERY_TASK_ALWAYS_EAGER", False):
        refresh()


def today() -> dt.date:
    return dt.datetime.now(BERLIN).date()
