"""Benchmark of the Steuerungs-Cockpit.

    .venv/bin/python bench/cockpit.py --cases 1000000          # engine + PM4Py side by side
    .venv/bin/python bench/cockpit.py --cases 100000 --db      # also the database path (PG)

Generates a log in the engine's in-memory form (about 10 events per case, 95 % decided),
then measures:
- full recompute in memory: fold every case and compute the KPIs (engine.py);
- incremental update after 10,000 new events (fold continues from the stored facts);
- with --db (PostgreSQL via DATABASE_URL, a database of its own, COPY load): the full
  recompute and the incremental refresh of the stored aggregates, and the dashboard's p99
  latency (the real view, rendered, over the aggregates);
- PM4Py on the same log (case durations and the mean time between activities, the
  performance DFG), in its own venv (var/bench-venv, `pip install pm4py`; AGPL, never a
  runtime dependency): the figures must agree, the speed ratio is printed.
"""

from __future__ import annotations

import argparse
import copy
import json
import math
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
from contextlib import suppress
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from openkreis.cockpit import columnar, engine  # noqa: E402
from openkreis.cockpit.engine import DAY, Ev  # noqa: E402

BENCH_VENV = ROOT / "var" / "bench-venv" / "bin" / "python"
START = 1_735_689_600.0  # 2025-01-01 UTC
SERVICES = ["fahrerlaubnis", "aufenthalt", "bau", "sozial", "jagd", "waffen", "kfz", "wohngeld"]
UNITS = {s: f"amt-{s}" for s in SERVICES}
CHANNELS = ["online", "paper", "counter"]
# (activity, state after, state_kind after, mean hours until the next step)
STEPS = [
    ("received", "new", "queue", 60),
    ("assigned", "in_progress", "work", 8),
    ("transition", "review", "queue", 90),
    ("assigned", "in_review", "work", 4),
    ("documents_requested", "waiting", "applicant", 200),
    ("documents_received", "new", "queue", 30),
    ("assigned", "in_progress", "work", 6),
    ("transition", "approval", "queue", 48),
    ("assigned", "approving", "work", 2),
    ("decided", "decided", "done", 0),
]


_SHARED: dict = {}


def _shared(activity, state, kind, common) -> dict:
    key = (activity, state, kind, common["service"], common["channel"])
    data = _SHARED.get(key)
    if data is None:
        data = _SHARED[key] = {"activity": activity, **common, "state": state, "state_kind": kind}
    return data


def generate(cases: int, seed: int = 7) -> tuple[list[Ev], float]:
    """The log, ordered by time (as it would be written); returns (events, end time)."""
    rng = random.Random(seed)
    events: list[Ev] = []
    n = 0
    for c in range(cases):
        service = SERVICES[c % len(SERVICES)]
        common = {
            "service": service,
            "org_unit": UNITS[service],
            "procedure": "generic",
            "channel": CHANNELS[rng.randrange(3)],
        }
        at = START + rng.uniform(0, 365 * DAY)
        target = at + 30 * DAY if c % 5 else None
        length = len(STEPS) if rng.random() < 0.95 else rng.randrange(1, len(STEPS))
        subject = f"case:{c}"
        for i in range(length):
            activity, state, kind, hours = STEPS[i]
            if i == 0:
                data = {
                    "activity": activity,
                    **common,
                    "state": state,
                    "state_kind": kind,
                    "target_at": target,
                    "complete": rng.random() < 0.7,
                }
            else:  # the engine never changes event data: later steps share one dict each
                data = _shared(activity, state, kind, common)
            n += 1
            events.append(Ev(n, f"case.{activity}", round(at, 3), subject, data))
            at += rng.expovariate(1 / (hours * 3600)) if hours else 0
    events.sort(key=lambda e: (e.at, e.id))
    return events, max(e.at for e in events)


def kpis(facts: list) -> dict:
    """The figures compared with PM4Py, and the dashboard's KPIs."""
    decided = [f for f in facts if f.decided]
    edges: dict[str, list] = {}
    for f in facts:
        for key, (count, seconds) in f.edges.items():
            slot = edges.setdefault(key, [0, 0.0])
            slot[0] += count
            slot[1] += seconds
    return {
        "cases": len(facts),
        "decided": len(decided),
        "lead": engine.lead_time(decided),
        "edge_mean": {k: s / c for k, (c, s) in edges.items()},
        "deadline": engine.deadline_adherence(facts),
        "quality": engine.quality(facts),
        "bottlenecks": engine.bottlenecks(facts)[:3],
        "split": engine.time_split(facts),
    }


def timed(fn, *args):
    started = time.perf_counter()
    result = fn(*args)
    return result, time.perf_counter() - started


def in_memory(events: list[Ev], end: float, repeat: int = 3) -> dict:
    facts_by_subject, fold_s = timed(engine.fold_all, events)
    facts = list(facts_by_subject.values())
    figures, kpi_s = timed(kpis, facts)
    # 10,000 new events: the next steps of open cases and new cases
    rng = random.Random(99)
    new: list[Ev] = []
    next_id = events[-1].id + 1 if events else 1
    open_facts = [f for f in facts if not f.decided][:3000]
    for f in open_facts:
        data = {
            "activity": "decided",
            "service": f.service,
            "org_unit": f.org_unit,
            "channel": f.channel,
            "state": "decided",
            "state_kind": "done",
        }
        new.append(Ev(next_id, "case.decided", end + rng.uniform(1, 3600), f.subject, data))
        next_id += 1
    c = 0
    while len(new) < 10_000:
        subject = f"case:new-{c}"
        at = end + rng.uniform(1, 3600)
        for activity, state, kind, _hours in STEPS[:3]:
            data = {
                "activity": activity,
                "service": "bau",
                "org_unit": "amt-bau",
                "channel": "online",
                "state": state,
                "state_kind": kind,
            }
            new.append(Ev(next_id, f"case.{activity}", at, subject, data))
            next_id += 1
            at += 600
        c += 1
    new = new[:10_000]

    def incremental():
        by_subject: dict[str, list[Ev]] = {}
        for ev in new:
            by_subject.setdefault(ev.subject, []).append(ev)
        changed = {}
        for subject, mine in by_subject.items():
            old = facts_by_subject.get(subject)
            if old is not None and engine.can_continue(old, mine):
                # the stored fact is read as a copy, as the database layer does
                start = copy.copy(old)
                start.steps = {k: list(v) for k, v in old.steps.items()}
                start.edges = {k: list(v) for k, v in old.edges.items()}
                changed[subject] = engine.fold_case(mine, start)
            else:
                changed[subject] = engine.fold_case(mine)
        return changed

    changed, inc_s = timed(incremental)
    # the columnar full recompute (compiled with numba), on the same log; the first call in
    # a process loads the machine code from numba's cache (or compiles it): timed apart
    _w, warm_s = timed(lambda: columnar.kpis(columnar.fold(columnar.from_events(events[:50]))))
    log, convert_s = timed(columnar.from_events, events)
    # best of `repeat` runs: the first run in a process that has just built a large heap
    # pays for fresh memory (on a new virtual machine 3-5 times the later runs' page-fault
    # time); PM4Py is timed the same way
    runs = []
    for _ in range(repeat):
        folded, col_fold_s = timed(columnar.fold, log)
        col_figures, col_kpi_s = timed(columnar.kpis, folded)
        runs.append((col_fold_s + col_kpi_s, col_fold_s, col_kpi_s))
        del folded
    del log
    _total, col_fold_s, col_kpi_s = min(runs)
    return {
        "col_runs": [r[0] for r in runs],
        "warm_s": warm_s,
        "convert_s": convert_s,
        "col_fold_s": col_fold_s,
        "col_kpi_s": col_kpi_s,
        "col_figures": col_figures,
        "fold_s": fold_s,
        "kpi_s": kpi_s,
        "figures": figures,
        "incremental_s": inc_s,
        "changed": len(changed),
        "facts": facts,
    }


PM4PY_SCRIPT = r"""
import json, sys, time
import pandas as pd
import pm4py
from pm4py.statistics.traces.generic.pandas import case_statistics
path, decided_path = sys.argv[1], sys.argv[2]
df = pd.read_csv(path, dtype={"case": str, "activity": str, "ts": float})
decided = set(open(decided_path).read().split())
runs = []
raw = df
for _ in range(int(sys.argv[3])):
    t0 = time.perf_counter()
    df = raw.copy()
    df["time:timestamp"] = pd.to_datetime(df["ts"], unit="s", utc=True)
    df = pm4py.format_dataframe(df, case_id="case", activity_key="activity",
                                timestamp_key="time:timestamp")
    desc = case_statistics.get_cases_description(df)
    durations = sorted(v["caseDuration"] for k, v in desc.items() if k in decided)
    dfg, start, end = pm4py.discover_performance_dfg(df)
    runs.append(time.perf_counter() - t0)
    del df
elapsed = min(runs)
import statistics
n = len(durations)
pos = (n - 1) * 0.9
lo = int(pos); hi = min(lo + 1, n - 1)
p90 = durations[lo] + (durations[hi] - durations[lo]) * (pos - lo)
print(json.dumps({
    "seconds": elapsed,
    "runs": runs,
    "decided": n,
    "mean": sum(durations) / n,
    "median": statistics.median(durations),
    "p90": p90,
    "edge_mean": {f"{a}>{b}": v["mean"] for (a, b), v in dfg.items()},
}))
"""


def run_pm4py(events: list[Ev], facts: list, repeat: int = 3) -> dict | None:
    if not BENCH_VENV.exists():
        print(
            f"(PM4Py skipped: no {BENCH_VENV}; python3 -m venv var/bench-venv && "
            "var/bench-venv/bin/pip install pm4py)"
        )
        return None
    with tempfile.TemporaryDirectory() as tmp:
        log = Path(tmp) / "log.csv"
        with log.open("w") as out:
            out.write("case,activity,ts\n")
            for ev in events:
                out.write(f"{ev.subject},{engine.activity_of(ev)},{ev.at!r}\n")
        decided = Path(tmp) / "decided.txt"
        decided.write_text("\n".join(f.subject for f in facts if f.decided))
        script = Path(tmp) / "pm.py"
        script.write_text(PM4PY_SCRIPT)
        result = subprocess.run(
            [str(BENCH_VENV), str(script), str(log), str(decided), str(repeat)],
            capture_output=True,
            text=True,
        )
        if result.returncode:
            print(result.stderr[-2000:])
            return None
        return json.loads(result.stdout.strip().splitlines()[-1])


# -- database path -------------------------------------------------------------------------------
class _RolledBack(Exception):
    """Leaves a transaction without its writes (the bench's warm-up)."""


def db_path(events: list[Ev], end: float, requests: int, holder: list, keep: bool = False) -> dict:
    """Load the log into a fresh PostgreSQL database by COPY, then time the aggregates.
    `keep`: leave the database there afterwards (for profiling against it)."""
    import psycopg

    url = os.environ.get("DATABASE_URL", "postgresql://postgres@127.0.0.1:5432/postgres")
    name = f"ok_bench_cockpit_{os.getpid()}"
    admin = url.rsplit("/", 1)[0] + "/postgres"
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}"')
        conn.execute(f'CREATE DATABASE "{name}"')
    bench_url = url.rsplit("/", 1)[0] + f"/{name}"
    os.environ["DATABASE_URL"] = bench_url
    os.environ["DJANGO_SETTINGS_MODULE"] = "openkreis.settings.test"
    try:
        import django

        django.setup()
        from django.core.management import call_command

        call_command("migrate", verbosity=0)
        from openkreis.core.testing import load_tenant

        load_tenant("harz")
        expected = expected_rows(holder.pop())  # (needs Django: the model's conversion)
        started = time.perf_counter()
        with (
            psycopg.connect(bench_url) as conn,
            conn.cursor() as cur,
            cur.copy(COPY_SQL) as pipe,
        ):
            texts: dict[int, str] = {}  # later steps share their data dict: one text each
            for ev in events:
                text = texts.get(id(ev.data))
                if text is None:
                    text = json.dumps(ev.data)
                    if "complete" not in ev.data:
                        texts[id(ev.data)] = text
                pipe.write_row((ev.kind, _iso(ev.at), "harz", ev.subject, text))
        copy_s = time.perf_counter() - started
        print(f"  (db) COPY load of the log: {copy_s:.1f} s", flush=True)
        with psycopg.connect(bench_url, autocommit=True) as conn:
            # what autovacuum does after a bulk load (since PostgreSQL 13 also for inserts:
            # statistics, and the rows' hint bits and visibility map, which the first reader
            # would otherwise write: a log written over months has long had them); timed apart
            load_vacuum_s = timed(conn.execute, "VACUUM (ANALYZE) core_event")[1]
        print(f"  (db) VACUUM ANALYZE of the loaded log: {load_vacuum_s:.1f} s", flush=True)
        from django.db import transaction

        from openkreis.cockpit import aggregates, bulk

        def warm_up() -> None:
            """The recompute's compiled parts (reader, fold, writer, groups) compiled into
            numba's cache or loaded from it, on the first 20,000 events, rolled back: what a
            worker does once per installation (and per process: loading), not per night."""
            with suppress(_RolledBack), transaction.atomic():
                bulk.recompute_case_tables(20_000)
                raise _RolledBack

        warm_s = timed(warm_up)[1]
        print(f"  (db) compile or load the compiled code, rolled back: {warm_s:.1f} s", flush=True)
        cpu_before = cpu_seconds()
        facts, full_s = timed(aggregates.recompute)
        cpu = [b - a for a, b in zip(cpu_before, cpu_seconds(), strict=True)]
        print(
            f"  (db) full recompute: {full_s:.1f} s, {facts:,} facts; CPU {cpu[0]:.1f} s in "
            f"Python, {cpu[1]:.1f} s in the PostgreSQL backend (load {os.getloadavg()[0]:.1f})",
            flush=True,
        )
        stored_same = compare_stored(expected)
        print(f"  (db) stored rows vs in-memory facts: {stored_same}", flush=True)
        with psycopg.connect(bench_url, autocommit=True) as conn:
            # autovacuum's work after a recompute (statistics, visibility map): timed apart
            vacuum_s = timed(conn.execute, "VACUUM ANALYZE")[1]
        print(f"  (db) VACUUM ANALYZE after it: {vacuum_s:.1f} s", flush=True)
        from openkreis.core.models import Event

        rng = random.Random(5)
        open_subjects = list(
            __import__("openkreis.cockpit.models", fromlist=["CaseFact"])
            .CaseFact.objects.filter(decided_at__isnull=True)
            .values_list("subject", "service", "org_unit", "channel")[:3000]
        )
        new = []
        for subject, service, unit, channel in open_subjects:
            data = {
                "activity": "decided",
                "service": service,
                "org_unit": unit,
                "channel": channel,
                "state": "decided",
                "state_kind": "done",
            }
            new.append((subject, "case.decided", data))
        c = 0
        while len(new) < 10_000:
            for activity, state, kind, _h in STEPS[:3]:
                data = {
                    "activity": activity,
                    "service": "bau",
                    "org_unit": "amt-bau",
                    "channel": "online",
                    "state": state,
                    "state_kind": kind,
                }
                new.append((f"case:new-{c}", f"case.{activity}", data))
            c += 1
        new = new[:10_000]
        with (
            psycopg.connect(bench_url) as conn,
            conn.cursor() as cur,
            cur.copy(COPY_SQL) as pipe,
        ):
            for i, (subject, kind, data) in enumerate(new):
                at = _iso(end + 60 + i + rng.random())
                pipe.write_row((kind, at, "harz", subject, json.dumps(data)))
        n_read, inc_s = timed(aggregates.refresh)
        print(f"  (db) incremental refresh: {inc_s:.2f} s, {n_read:,} events", flush=True)
        latencies = dashboard_latencies(requests)
        total_events = Event.objects.count()
        return {
            "copy_s": copy_s,
            "load_vacuum_s": load_vacuum_s,
            "vacuum_s": vacuum_s,
            "warm_s": warm_s,
            "full_s": full_s,
            "full_cpu": cpu,
            "facts": facts,
            "stored_same": stored_same,
            "inc_s": inc_s,
            "inc_events": n_read,
            "lat": latencies,
            "events": total_events,
        }
    finally:
        from django.db import connections

        connections.close_all()
        if keep:
            print(f"  (db) kept: {bench_url}", flush=True)
        else:
            with psycopg.connect(admin, autocommit=True) as conn:
                conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def expected_rows(facts: list) -> dict:
    """What the stored aggregates must hold, from the in-memory facts: per-fact rows of a
    sample (every field, JSON included) and sums over all facts and all daily rows."""
    from openkreis.cockpit.aggregates import fact_to_model

    sample = sorted(facts, key=lambda f: f.subject)[:: max(1, len(facts) // 2000)]
    rows = {}
    for f in sample:
        row = fact_to_model(f)
        rows[f.subject] = {
            k: getattr(row, k) for k in STORED_FIELDS if k not in ("steps", "edges", "fold")
        } | {"steps": row.steps, "edges": row.edges, "fold": row.fold}
    decided = [f for f in facts if f.decided]
    sums = {
        "facts": len(facts),
        "decided": len(decided),
        "lead_seconds": sum(round(f.lead_seconds) for f in decided),
        "waiting_seconds": sum(round(f.waiting_seconds) for f in facts),
        "processing_seconds": sum(round(f.processing_seconds) for f in facts),
        "requests": sum(f.requests for f in facts),
        "on_time": sum(1 for f in decided if f.on_time),
        "steps": sum(len(f.steps) for f in decided),
        "step_seconds": sum(round(s[1]) for f in decided for s in f.steps.values()),
    }
    return {"rows": rows, "sums": sums}


STORED_FIELDS = [
    "service", "org_unit", "channel", "procedure", "source", "received_at", "received_day",
    "decided_at", "decided_day", "outcome", "target_at", "on_time", "lead_seconds",
    "waiting_seconds", "applicant_seconds", "processing_seconds", "complete", "requests",
    "reopened", "state", "state_kind", "last_event_at", "steps", "edges", "fold",
]  # fmt: skip


def compare_stored(expected: dict) -> str:
    """The stored CaseFact rows (a sample, every field) and the sums of all facts and of the
    daily rows against the in-memory facts; 'same' or what differs."""
    from django.db.models import Count, Q, Sum

    from openkreis.cockpit.models import CaseFact, DailyCaseStat, DailyStepStat, MonthlyCaseStat

    wrong = []
    stored = {
        r["subject"]: r
        for r in CaseFact.objects.filter(subject__in=list(expected["rows"])).values(
            "subject", *STORED_FIELDS
        )
    }
    for subject, row in expected["rows"].items():
        got = stored.get(subject)
        if got is None:
            wrong.append(f"{subject} missing")
            continue
        # the database numbers the events in the order they were loaded (time order), the
        # generator in the order it made them: only the last event's id differs
        got["fold"] = {k: v for k, v in got["fold"].items() if k != "last_id"}
        row["fold"] = {k: v for k, v in row["fold"].items() if k != "last_id"}
        for key in STORED_FIELDS:
            if got[key] != row[key]:
                wrong.append(f"{subject}.{key}")
    facts = CaseFact.objects.aggregate(
        facts=Count("id"),
        decided=Count("id", filter=Q(decided_at__isnull=False)),
        lead_seconds=Sum("lead_seconds"),
        waiting_seconds=Sum("waiting_seconds"),
        processing_seconds=Sum("processing_seconds"),
        requests=Sum("requests"),
        on_time=Count("id", filter=Q(on_time=True)),
    )
    daily = DailyCaseStat.objects.aggregate(
        facts=Sum("received"),
        decided=Sum("decided"),
        lead_seconds=Sum("lead_seconds"),
        on_time=Sum("on_time"),
    )
    steps = DailyStepStat.objects.aggregate(steps=Sum("cases"), step_seconds=Sum("seconds"))
    monthly = MonthlyCaseStat.objects.aggregate(
        facts=Sum("received"),
        decided=Sum("decided"),
        lead_seconds=Sum("lead_seconds"),
        on_time=Sum("on_time"),
    )
    for name, got in [
        *facts.items(),
        *steps.items(),
        *(("daily " + k, v) for k, v in daily.items()),
        *(("monthly " + k, v) for k, v in monthly.items()),
    ]:
        want = expected["sums"][name.split(" ")[-1]]
        if got != want:
            wrong.append(f"{name}: {got} != {want}")
    if not wrong:
        return (
            f"same ({len(expected['rows'])} rows field by field, sums over all facts, "
            "daily and monthly rows)"
        )
    return "DIFFERENT: " + ", ".join(wrong[:10])


def cpu_seconds() -> tuple[float, float]:
    """CPU seconds so far of this process (all threads) and of its PostgreSQL backend (from
    /proc when the server runs on this machine, else 0): on a busy machine the wall time
    says little, the CPU time what the work costs."""
    from django.db import connection

    with connection.cursor() as cur:
        cur.execute("SELECT pg_backend_pid()")
        pid = cur.fetchone()[0]
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        server = (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    except OSError:
        server = 0.0
    return time.process_time(), server


COPY_SQL = "COPY core_event (kind, occurred_at, tenant, subject, data) FROM STDIN"


def _iso(ts: float) -> str:
    import datetime as dt

    return dt.datetime.fromtimestamp(ts, dt.UTC).isoformat()


def dashboard_latencies(requests: int) -> list[float]:
    """Render the real dashboard view (behind its gate) over the aggregates."""
    from django.contrib.auth import get_user_model
    from django.contrib.sessions.backends.db import SessionStore
    from django.test import RequestFactory

    from openkreis.cockpit import views
    from openkreis.core.models import OrgUnit
    from openkreis.core.staff import add_staff

    user = add_staff(
        "bench-manager", "b@example.org", None, OrgUnit.objects.get(key="landrat"), ["manager"]
    )  # county-wide (tenants/harz/cockpit/access.yaml)
    user = get_user_model().objects.get(pk=user.pk)
    view = views.dashboard.__wrapped__  # the gate (login, TOTP, role) is tested elsewhere
    factory = RequestFactory()
    queries = [
        "",
        "?service=bau",
        "?period=week",
        "?channel=online&service=sozial",
        "?org_unit=amt-kfz",
    ]
    out = []
    for i in range(requests):
        request = factory.get("/cockpit/" + queries[i % len(queries)])
        request.user = user
        request.session = SessionStore()
        request._messages = []
        started = time.perf_counter()
        response = view(request)
        out.append(time.perf_counter() - started)
        assert response.status_code == 200, response.status_code
    return out


def p99(values: list[float]) -> float:
    return engine.percentile(values, 0.99)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--cases", type=int, default=1_000_000)
    parser.add_argument("--db", action="store_true", help="also the PostgreSQL path")
    parser.add_argument("--db-cases", type=int, default=None, help="cases for --db")
    parser.add_argument("--requests", type=int, default=200)
    parser.add_argument("--no-pm4py", action="store_true")
    parser.add_argument(
        "--keep-db", action="store_true", help="keep the --db database (its URL is printed)"
    )
    parser.add_argument(
        "--repeat", type=int, default=3, help="runs of the columnar recompute and of PM4Py (best)"
    )
    args = parser.parse_args()

    events, gen_s = timed(generate, args.cases)
    events, end = events
    print(
        f"log: {args.cases:,} cases, {len(events):,} events (generated in {gen_s:.1f} s; "
        f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores)"
    )
    mem = in_memory(events, end, args.repeat)
    fig = mem["figures"]
    pm = None if args.no_pm4py else run_pm4py(events, mem["facts"], args.repeat)
    col = mem["col_fold_s"] + mem["col_kpi_s"]
    rows = [
        ("full recompute in memory, pure Python (fold + KPIs)", mem["fold_s"] + mem["kpi_s"], None),
        ("  of which fold", mem["fold_s"], None),
        ("full recompute, columnar (compiled fold + KPIs)", col, None),
        ("  of which fold", mem["col_fold_s"], None),
        ("  before it, once per process: load/compile the fold", mem["warm_s"], None),
        ("  before it: Python events -> columns (not in the above)", mem["convert_s"], None),
        ("incremental update, 10,000 new events (in memory)", mem["incremental_s"], None),
    ]
    print()
    print(f"{'figure':<58} {'seconds':>10}")
    for label, value, _ in rows:
        print(f"{label:<58} {value:>10.3f}")
    print(f"columnar runs (best above): {', '.join(f'{r:.3f}' for r in mem['col_runs'])} s")
    lead = fig["lead"]
    cfig = mem["col_figures"]
    same = {k: cfig[k] == fig[k] for k in ("cases", "decided", "deadline", "quality")}
    same["lead"] = all(cfig["lead"][k] == lead[k] for k in ("n", "median", "p90")) and math.isclose(
        cfig["lead"]["mean"], lead["mean"], rel_tol=1e-12
    )
    same["edges"] = cfig["edge_mean"].keys() == fig["edge_mean"].keys() and all(
        math.isclose(v, fig["edge_mean"][k], rel_tol=1e-12) for k, v in cfig["edge_mean"].items()
    )
    same["bottlenecks"] = [(b["state"], b["cases"], b["median"]) for b in cfig["bottlenecks"]] == [
        (b["state"], b["cases"], b["median"]) for b in fig["bottlenecks"]
    ]
    print()
    print(
        "columnar vs pure-Python figures: "
        + ", ".join(f"{k} {'same' if v else 'DIFFERENT'}" for k, v in same.items())
    )
    if pm:
        print()
        print(f"{'same figures, engine vs PM4Py':<40} {'engine':>14} {'PM4Py':>14} {'agree':>6}")
        for key in ("mean", "median", "p90"):
            ok = abs(lead[key] - pm[key]) < 1e-3
            print(
                f"{'case duration ' + key + ' (s)':<40} {lead[key]:>14.1f} {pm[key]:>14.1f} "
                f"{'yes' if ok else 'NO':>6}"
            )
        print(
            f"{'decided cases':<40} {fig['decided']:>14,} {pm['decided']:>14,} "
            f"{'yes' if fig['decided'] == pm['decided'] else 'NO':>6}"
        )
        worst = 0.0
        for key, value in fig["edge_mean"].items():
            other = pm["edge_mean"].get(key)
            worst = max(worst, abs(value - other) if other is not None else float("inf"))
        print(
            f"{'mean time between activities, ' + str(len(fig['edge_mean'])) + ' edges':<40} "
            f"{'max |diff|':>14} {worst:>14.2e} {'yes' if worst < 1e-3 else 'NO':>6}"
        )
        worst = 0.0
        for key in ("mean", "median", "p90"):
            worst = max(worst, abs(cfig["lead"][key] - pm[key]))
        for key, value in cfig["edge_mean"].items():
            other = pm["edge_mean"].get(key)
            worst = max(worst, abs(value - other) if other is not None else float("inf"))
        print(
            f"{'columnar: durations and edges, max |diff|':<40} {'':>14} {worst:>14.2e} "
            f"{'yes' if worst < 1e-3 and cfig['decided'] == pm['decided'] else 'NO':>6}"
        )
        ours = mem["fold_s"] + mem["kpi_s"]
        print()
        print(f"{'speed':<58} {'seconds':>10} {'ratio':>8}")
        print(f"{'PM4Py (case durations + performance DFG)':<58} {pm['seconds']:>10.3f}")
        print(f"PM4Py runs (best above): {', '.join(f'{r:.3f}' for r in pm['runs'])} s")
        print(f"{'pure-Python full recompute':<58} {ours:>10.3f} {pm['seconds'] / ours:>7.1f}x")
        print(f"{'columnar full recompute':<58} {col:>10.3f} {pm['seconds'] / col:>7.1f}x")
        print(f"{'  goal (issue 26): at least 100x PM4Py':<58} {pm['seconds'] / 100:>10.3f}")
        both = col + mem["convert_s"]
        print(
            f"{'columnar incl. conversion from Python events':<58} {both:>10.3f} "
            f"{pm['seconds'] / both:>7.1f}x"
        )
        print(
            f"{'engine incremental (10,000 events) vs PM4Py from scratch':<58} "
            f"{mem['incremental_s']:>10.3f} {pm['seconds'] / mem['incremental_s']:>7.0f}x"
        )
    if args.db:
        n = args.db_cases or args.cases
        db_events = events if n == args.cases else generate(n)[0]
        db_end = max(e.at for e in db_events)
        facts = mem["facts"] if n == args.cases else list(engine.fold_all(db_events).values())
        del mem
        holder = [facts]  # db_path takes what it needs and lets the facts go
        del facts
        d = db_path(db_events, db_end, args.requests, holder, args.keep_db)
        lat = sorted(d["lat"])
        print()
        print(
            f"database path (PostgreSQL): {n:,} cases, {d['events']:,} events "
            f"(load average now {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores)"
        )
        print(f"{'figure':<58} {'seconds':>10}")
        print(f"{'COPY load of the log':<58} {d['copy_s']:>10.3f}")
        print(f"{'  then VACUUM ANALYZE of the log (autovacuum)':<58} {d['load_vacuum_s']:>10.3f}")
        warm = "  then the compiled code compiled or loaded (rolled back)"
        print(f"{warm:<58} {d['warm_s']:>10.3f}")
        print(f"{'full recompute of the stored aggregates':<58} {d['full_s']:>10.3f}")
        goal = 30.0 * n / 1_000_000  # issue 26: < 30 s at a million cases
        print(
            f"{'  goal (30 s per million cases), ratio':<58} {goal:>10.3f} "
            f"{d['full_s'] / goal:>7.2f}x"
        )
        print(
            f"{'  CPU: Python process / PostgreSQL backend':<58} "
            f"{d['full_cpu'][0]:>10.3f} {d['full_cpu'][1]:>8.3f}"
        )
        print(f"{'  stored rows vs in-memory facts':<58} {d['stored_same']}")
        print(f"{'  then VACUUM ANALYZE (autovacuum in production)':<58} {d['vacuum_s']:>10.3f}")
        print(
            f"{'incremental refresh, ' + format(d['inc_events'], ',') + ' new events':<58} "
            f"{d['inc_s']:>10.3f}"
        )
        print(
            f"{'dashboard p50 (' + str(len(lat)) + ' renders)':<58} {statistics.median(lat):>10.3f}"
        )
        print(f"{'dashboard p99 (goal < 0.200)':<58} {p99(lat):>10.3f}")


if __name__ == "__main__":
    main()
