"""Precomputed aggregates: the incremental update and the full recompute give identical
rows, whatever the batch size and even with events logged late."""

import datetime as dt
import itertools
from collections import Counter, defaultdict

import pytest
from django.apps import apps

from openkreis.cockpit import aggregates, engine
from openkreis.cockpit.models import (
    CaseFact,
    DailyCaseStat,
    DailyMetric,
    DailyStepStat,
    MonthlyCaseStat,
    MonthlyStepStat,
)
from openkreis.core.models import Event

from .factories import START, other_events, random_log, write

pytestmark = pytest.mark.django_db


def snapshot():
    def rows(model, order, exclude=("id",)):
        fields = [f.name for f in model._meta.fields if f.name not in exclude]
        return [
            tuple(str(sorted(v.items()) if isinstance(v, dict) else v) for v in r)
            for r in model.objects.order_by(*order).values_list(*fields)
        ]

    return {
        "facts": rows(CaseFact, ["subject"]),
        "daily": rows(DailyCaseStat, ["day", "service", "org_unit", "channel"]),
        "monthly": rows(MonthlyCaseStat, ["month", "service", "org_unit", "channel"]),
        "monthly_steps": rows(
            MonthlyStepStat, ["month", "service", "org_unit", "channel", "state"]
        ),
        "steps": rows(DailyStepStat, ["day", "service", "org_unit", "channel", "state"]),
        "metrics": rows(DailyMetric, ["day", "metric", "service", "key"]),
    }


def months_of_the_daily_rows(table=aggregates.CASE_MONTHS) -> list[tuple]:
    """The monthly rows as they should be: the daily rows added up per month in Python (the
    kind: the greatest), in snapshot()'s form, sorted."""
    daily = apps.get_model("cockpit", table.daily)
    monthly = apps.get_model("cockpit", table.monthly)
    sums: dict = {}
    for row in daily.objects.values():
        key = (row["day"].replace(day=1), *(row[k] for k in table.keys))
        t = sums.setdefault(key, {table.hist: Counter()})
        for name in table.sums:
            t[name] = t.get(name, 0) + row[name]
        for name in table.greatest:
            t[name] = max(t.get(name, ""), row[name])
        t[table.hist].update(row[table.hist])
    fields = [f.name for f in monthly._meta.fields if f.name != "id"]
    out = []
    for key, t in sums.items():
        t.update(zip(("month", *table.keys), key, strict=True))
        t[table.hist] = sorted(dict(t[table.hist]).items())
        out.append(tuple(str(t[f]) for f in fields))
    return sorted(out)


@pytest.mark.parametrize("batch", [7, 1000])
def test_incremental_equals_recompute(harz, batch):
    log = random_log(seed=batch)
    half = len(log) // 2
    write(log[:half])
    other_events(START)
    aggregates.refresh(batch=batch)
    write(log[half:])  # includes events of known cases with earlier times (refold path)
    other_events(START + dt.timedelta(days=3))
    aggregates.refresh(batch=batch)
    incremental = snapshot()
    assert incremental["facts"] and incremental["daily"] and incremental["metrics"]
    assert sorted(incremental["monthly"]) == months_of_the_daily_rows()
    assert sorted(incremental["monthly_steps"]) == months_of_the_daily_rows(aggregates.STEP_MONTHS)
    aggregates.recompute()
    assert snapshot() == incremental
    assert aggregates.pending() == 0


def test_columnar_recompute_equals_the_python_fold(harz):
    """The full recompute (columnar) writes the same rows as folding case by case."""
    write(random_log(seed=11))
    other_events(START)
    aggregates.recompute(reference=True)
    reference = snapshot()
    assert reference["facts"] and reference["steps"]
    assert sorted(reference["monthly"]) == months_of_the_daily_rows()
    assert sorted(reference["monthly_steps"]) == months_of_the_daily_rows(aggregates.STEP_MONTHS)
    aggregates.recompute()
    assert snapshot() == reference


def test_copy_writes_the_same_rows_as_insert(harz, monkeypatch):
    """On PostgreSQL large batches go by COPY: the rows are the same as by INSERT."""
    write(random_log(seed=5, cases=150))
    other_events(START)
    monkeypatch.setattr(aggregates, "_PYTHON_WRITE", True)  # the rows of aggregates._insert
    monkeypatch.setattr(aggregates, "COPY_FROM", 10**9)
    aggregates.recompute()
    inserted = snapshot()
    assert len(inserted["facts"]) >= 150 and len(inserted["steps"]) >= 100
    monkeypatch.setattr(aggregates, "COPY_FROM", 1)
    aggregates.recompute()
    assert snapshot() == inserted


def test_facts_match_the_engine(harz):
    write(random_log(seed=3))
    aggregates.refresh()
    evs = [aggregates.to_ev(e) for e in Event.objects.filter(kind__startswith="case.")]
    expected = engine.fold_all(evs)
    stored = {f.subject: f for f in CaseFact.objects.all()}
    assert set(stored) >= set(expected)
    for subject, fact in expected.items():
        row = stored[subject]
        assert row.lead_seconds == (None if fact.lead_seconds is None else round(fact.lead_seconds))
        assert row.waiting_seconds == round(fact.waiting_seconds)
        assert row.requests == fact.requests and row.reopened == fact.reopened
    total = sum(r.decided for r in DailyCaseStat.objects.all())
    assert total == sum(1 for f in expected.values() if f.decided)


def test_metrics_count_each_event_once(harz):
    other_events(START)
    aggregates.refresh()
    aggregates.refresh()  # nothing new: nothing added
    zero = DailyMetric.objects.get(metric="search_zero")
    assert zero.key == "hundesteuer" and zero.count == 1
    assert DailyMetric.objects.get(metric="feedback").total == 4
    assert DailyMetric.objects.get(metric="appt_called").total == 720


def _event_with_id(pk, kind, subject, at, data):
    """An event with a given id, as when its transaction commits after a later one's
    (bulk_create: Event.save refuses nothing here, the row is new)."""
    Event.objects.bulk_create(
        [Event(id=pk, kind=kind, subject=subject, occurred_at=at, tenant="harz", data=data)]
    )


def test_an_event_committed_late_with_a_lower_id_is_not_lost(harz):
    """Sequence order is not commit order: an id below the high-water mark can appear after
    the refresh read past it. It is waited for, folded once when it comes, and the rows
    equal a full recompute."""
    write(random_log(seed=2, cases=10))
    aggregates.refresh()
    _forget_earlier_holes()
    top = Event.objects.order_by("-id").values_list("id", flat=True).first()
    data = {
        "activity": "received",
        "service": "jagdschein",
        "org_unit": "jagdbehoerde",
        "channel": "online",
        "state": "new",
        "state_kind": "queue",
    }
    at = START + dt.timedelta(days=90)
    # id top+2 commits first, top+1 (a search and a new case) later
    _event_with_id(top + 2, "case.received", "case:late-a", at, data)
    assert aggregates.refresh() == 1
    assert aggregates.version()[0] == top + 2
    assert set(CursorGaps()) == {str(top + 1)}
    _event_with_id(top + 1, "case.received", "case:late-b", at - dt.timedelta(hours=1), data)
    assert aggregates.refresh() == 1
    assert CursorGaps() == {}
    assert CaseFact.objects.filter(subject="case:late-b").exists()
    assert aggregates.refresh() == 0  # read once only
    incremental = snapshot()
    aggregates.recompute()
    assert snapshot() == incremental


def test_a_hole_that_never_fills_is_given_up(harz, monkeypatch):
    write(random_log(seed=4, cases=3))
    aggregates.refresh()
    _forget_earlier_holes()
    top = Event.objects.order_by("-id").values_list("id", flat=True).first()
    _event_with_id(top + 3, "portal.search", "", START, {"query": "x", "results": 1})
    aggregates.refresh()
    assert set(CursorGaps()) == {str(top + 1), str(top + 2)}
    monkeypatch.setattr(aggregates, "GAP_WAIT", 0.0)  # (a rolled-back insert leaves a hole)
    aggregates.refresh()
    assert CursorGaps() == {}


def _forget_earlier_holes():
    """The ids below a test's first event were taken by other tests' rolled-back rows in
    this worker (a sequence is not rolled back): up to 1,000 of them the first refresh waits
    for as holes. The tests of holes are about the holes they make themselves."""
    from openkreis.cockpit.models import Cursor

    Cursor.objects.filter(name=aggregates.CURSOR).update(gaps={})


def CursorGaps():  # noqa: N802 (reads like the value it is)
    from openkreis.cockpit.models import Cursor

    return Cursor.objects.get(name=aggregates.CURSOR).gaps


@pytest.mark.parametrize("period", ["week", "month"])
def test_window_sums_equal_the_daily_rows_added_up(harz, period):
    """read._sums (summed by the database; the histograms merged by jsonb_each_text on
    PostgreSQL; whole months read from the monthly rows) equals adding up the daily rows in
    Python, per period and for the whole window, with and without filters, for windows of
    days and whole months, of one whole month, of days only."""
    from openkreis.cockpit import read

    write(random_log(seed=11))
    aggregates.recompute()
    days = DailyCaseStat.objects.order_by("day").values_list("day", flat=True)
    first, last = days.first(), days.last()
    assert engine.next_month(first) < last.replace(day=1), "the log spans whole months"
    service = DailyCaseStat.objects.values_list("service", flat=True).first()
    windows = [
        (first + dt.timedelta(days=2), last),  # days, whole months, days
        (first.replace(day=1), engine.next_month(first) - dt.timedelta(days=1)),  # one month
        (first + dt.timedelta(days=1), first + dt.timedelta(days=20)),  # days only
    ]
    for (start, end), extra in itertools.product(
        windows, ({}, {"service": service}, {"channel": "online"})
    ):
        filters = read.Filters(period=period, start=start, end=end)
        for name, value in extra.items():
            setattr(filters, name, value)
        expected: dict = defaultdict(lambda: {"lead_hist": Counter(), "by_channel": Counter()})
        whole = {"lead_hist": Counter(), "by_channel": Counter()}
        daily = DailyCaseStat.objects.filter(filters.q(), day__gte=start, day__lte=end)
        for row in daily.values():
            for t in (expected[engine.period_key(row["day"], period)], whole):
                for name in read._COUNTERS:
                    t[name] = t.get(name, 0) + row[name]
                t["by_channel"][row["channel"]] += row["received"]
                t["lead_hist"].update({int(k): v for k, v in row["lead_hist"].items()})
        assert whole["received"] > 0
        got = read._sums(filters)
        assert {k: dict(v) for k, v in got.items()} == {k: dict(v) for k, v in expected.items()}
        total = read._total(filters)
        assert dict(total) == dict(whole)


def test_steps_summed_by_the_database_equal_the_daily_step_rows(harz):
    from openkreis.cockpit import read

    write(random_log(seed=12))
    aggregates.recompute()
    days = DailyStepStat.objects.order_by("day").values_list("day", flat=True)
    first, last = days.first(), days.last()
    assert engine.next_month(first) < last.replace(day=1), "the log spans whole months"
    # the whole log (from the month rows and the days around them), and days + months
    for start in (first, first + dt.timedelta(days=3)):
        filters = read.Filters(start=start, end=last)
        expected: dict = {}
        for row in DailyStepStat.objects.filter(day__gte=start).values():
            t = expected.setdefault(row["state"], {"cases": 0, "seconds": 0, "hist": Counter()})
            t["cases"] += row["cases"]
            t["seconds"] += row["seconds"]
            t["hist"].update({int(k): v for k, v in row["hist"].items()})
        got = {r["state"]: r for r in read.steps(filters)}
        assert set(got) == set(expected) and len(got) > 2
        for state, t in expected.items():
            assert got[state]["cases"] == t["cases"]
            median = engine.hist_percentile(t["hist"], 0.5)
            assert got[state]["median_hours"] == (median if engine.enough(t["cases"]) else None)
            if engine.enough(t["cases"]):
                assert got[state]["mean_hours"] == t["seconds"] / t["cases"] / 3600


def test_procedures_by_index_probes_equal_a_distinct(db):
    """read.procedures (a loose index scan: one probe per procedure) gives what a DISTINCT
    over every case of the scope gives, for a service, a unit, a manager's units and both."""
    from openkreis.cockpit import read

    now = dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.UTC)
    combos = [
        ("bau", "amt-a", "bau-2024"), ("bau", "amt-a", "bau-2026"), ("bau", "amt-b", ""),
        ("bau", "amt-b", "bau-2026"), ("jagd", "amt-a", "jagd"), ("jagd", "amt-c", "Ä-jagd"),
        ("kfz", "amt-c", "kfz"),
    ]  # fmt: skip
    CaseFact.objects.bulk_create(
        CaseFact(
            subject=f"case:{i}",
            service=service,
            org_unit=unit,
            channel="online",
            procedure=procedure,
            received_at=now,
            received_day=now.date(),
            last_event_at=now,
        )  # fmt: skip
        for i, (service, unit, procedure) in enumerate(combos * 3)
    )
    scopes = [
        read.Filters(service="bau"),
        read.Filters(org_unit="amt-a"),
        read.Filters(units=("amt-b", "amt-c")),
        read.Filters(service="jagd", units=("amt-c",)),
        read.Filters(service="bau", org_unit="amt-b"),
        read.Filters(service="none"),
    ]
    for f in scopes:
        want = {
            p
            for s, u, p in combos
            if (not f.service or s == f.service)
            and (not f.org_unit or u == f.org_unit)
            and (f.units is None or u in f.units)
        }
        assert read.procedures(f) == sorted(want), f
    assert read.procedures(read.Filters()) is None  # the county: every procedure
    assert read.process("bau")["procedures"] == ["", "bau-2024", "bau-2026"]


def test_fact_json_columns_round_trip_exactly(db):
    """steps, edges and fold come back exactly as written (floats to the last bit), read as
    a model or as values; on PostgreSQL they are plain `text`, not `json` or `jsonb`."""
    import json

    from django.db import connection, models

    now = dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.UTC)
    values = {
        "steps": {"new": ["queue", 0.1 + 0.2, 2], "in_progress": ["work", 1e-7, 1]},
        "edges": {"received>new": [1, 1767254400.123456]},
        "fold": {"waiting": 2.0 / 3, "target_at": None, "source": 'ä\t\\"x', "has_received": True},
    }
    CaseFact.objects.create(
        subject="case:json", service="s", org_unit="u", channel="online", received_at=now,
        received_day=now.date(), last_event_at=now, **values,
    )  # fmt: skip
    row = CaseFact.objects.get(subject="case:json")
    assert {k: getattr(row, k) for k in values} == values
    assert dict(zip(values, CaseFact.objects.values_list(*values).get(), strict=True)) == values
    if connection.vendor == "postgresql":
        with connection.cursor() as cur:
            cur.execute(
                "SELECT column_name, data_type FROM information_schema.columns"
                " WHERE table_name = 'cockpit_casefact'"
                " AND column_name IN ('steps', 'edges', 'fold')"
            )
            assert dict(cur.fetchall()) == {"steps": "text", "edges": "text", "fold": "text"}
            # the keys compare byte by byte (their indexes are built again every night)
            cur.execute(
                "SELECT column_name, collation_name FROM information_schema.columns"
                " WHERE table_name = 'cockpit_casefact' AND collation_name IS NOT NULL"
            )
            assert dict(cur.fetchall()) == dict.fromkeys(
                ["subject", "service", "org_unit", "channel", "procedure"], "C"
            )
    # an update through the ORM writes json.dumps's text (jsonb would sort the keys)
    changed = {"zz": ["queue", 1 / 3, 1], "a": ["work", 0.5, 2]}
    CaseFact.objects.filter(subject="case:json").update(steps=changed)
    assert CaseFact.objects.values_list("steps", flat=True).get() == changed
    if connection.vendor == "postgresql":
        with connection.cursor() as cur:
            cur.execute("SELECT steps::text FROM cockpit_casefact WHERE subject = 'case:json'")
            assert cur.fetchone()[0] == json.dumps(changed)
        # JSON null from a JSON Value, as Django's JSONField writes it
        CaseFact.objects.filter(subject="case:json").update(
            fold=models.Value(None, output_field=models.JSONField())
        )
        assert CaseFact.objects.values_list("fold", flat=True).get() is None
