"""Harz-Kompass and job board benchmark (issue 21), in-process on PostgreSQL.

Run by hand (not while others use the machine): `.venv/bin/python bench/directory.py`
(default postgresql://postgres@127.0.0.1:5432, database `openkreis_bench_dir`). It
1. creates its own database, migrates it and loads Landkreis Harz (`--reuse` keeps an existing
   one with its generated places and jobs),
2. bulk-creates --places places (default 50,000) spread uniformly over the county's box, with
   opening hours from a realistic mix (offices, practices, shops, pools with seasons and
   holidays, 24/7, unknown), and builds their open intervals (D1's hours.rebuild_intervals),
3. near-me: --searches calls of `directory.search.search(lat=…, lon=…, radius_m=…)` (D2) from
   random points with radii of 1, 2, 5 and 10 km, one page of 50 nearest first — p50/p99
   against p99 < 30 ms,
4. "open now" for every place: `directory.search.open_now_ids(at)` (D2) at --moments moments
   over the next days — p50/max against < 100 ms,
5. bulk-creates --jobs published jobs (default 10,000) of 300 employers and times --searches
   calls of `jobs.search.search(...)` (J2): kind, hours, words and near a point (25 km) mixed —
   p50/p99 against p99 < 30 ms.
Printed: a table with every figure next to its ceiling, the load average and a UTC timestamp.
`--quick` (2,000 places, 500 jobs, 200 searches) is a smoke test that it works.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import random
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "bench"))
sys.path.insert(0, str(ROOT))

from submit import env as server_env  # noqa: E402 (the shared bench helpers)
from submit import percentile  # noqa: E402

DB_NAME = "openkreis_bench_dir"
BOX = (51.55, 52.05, 10.55, 11.45)  # min_lat, max_lat, min_lon, max_lon: Landkreis Harz
NEAR_CEILING_MS = 30
OPEN_NOW_CEILING_MS = 100
JOB_CEILING_MS = 30
PREFIX = "bench-"

# (weight, opening_hours): a mix like the county's OSM data — offices and practices on
# weekdays with holidays off, shops, restaurants over midnight, pools by season, 24/7, unknown
HOURS_MIX = [
    (18, "Mo-Fr 08:00-16:00; PH off"),
    (8, "Mo,Tu,Th 08:00-12:00,14:00-18:00; We,Fr 08:00-12:00; PH off"),
    (6, "Mo-Th 07:30-15:30; Fr 07:30-12:00; PH off"),
    (10, "Mo-Sa 08:00-20:00; PH off"),
    (6, "Tu-Su 10:00-17:00; Mo off"),
    (5, "Mo-Su 11:30-14:30,17:30-01:00"),
    (4, "May-Sep Mo-Su 09:00-20:00; Oct-Apr off"),
    (3, "Apr-Oct Tu-Su 10:00-18:00; Nov-Mar Sa,Su 11:00-16:00"),
    (4, "24/7"),
    (3, "Mo-Fr 06:00-22:00; Sa,Su 08:00-20:00; PH 08:00-20:00"),
    (2, "We 15:00-18:00; Sa 10:00-13:00"),
    (31, ""),  # not known (most OSM objects have no opening_hours)
]


def load() -> str:
    one, five, _ = os.getloadavg()
    return f"load average {one:.1f} (1 min) / {five:.1f} (5 min) on {os.cpu_count()} cores"


def _admin(pg: str, sql: str, params=()):
    import psycopg

    with psycopg.connect(pg + "/postgres", autocommit=True) as conn:
        cursor = conn.execute(sql, params)
        return cursor.fetchone() if cursor.description else None


def setup_db(pg: str, reuse: bool) -> None:
    exists = _admin(pg, "SELECT 1 FROM pg_database WHERE datname = %s", [DB_NAME]) is not None
    if not (reuse and exists):
        _admin(pg, f'DROP DATABASE IF EXISTS "{DB_NAME}" WITH (FORCE)')
        _admin(pg, f'CREATE DATABASE "{DB_NAME}"')
    os.environ.update(
        {
            **server_env(f"{pg}/{DB_NAME}"),
            "OPENKREIS_ALLOWED_HOSTS": "testserver,127.0.0.1,localhost",
            "OPENKREIS_LOG_LEVEL": "ERROR",
            "OPENKREIS_TENANT": "harz",
        }
    )
    import django
    from django.core.management import call_command

    django.setup()
    call_command("migrate", verbosity=0)
    if reuse and exists:
        return
    call_command("load_tenant", str(ROOT / "tenants" / "harz"), "--no-pages", verbosity=0)


def _hours(rng: random.Random) -> str:
    weights = [w for w, _ in HOURS_MIX]
    return rng.choices([h for _, h in HOURS_MIX], weights=weights)[0]


def generate_places(n: int, seed: int = 21) -> tuple[int, float]:
    """`n` bench places (in addition to the county's own); returns (made, seconds for the
    open intervals of all of them)."""
    from django.db import transaction

    from openkreis.core.models import Region
    from openkreis.directory import hours
    from openkreis.directory.models import Category, Place

    have = Place.objects.filter(slug__startswith=PREFIX).count()
    if have >= n:
        return 0, 0.0
    rng = random.Random(seed + have)
    categories = list(Category.objects.all())
    if not categories:
        categories = [Category.objects.create(slug="bench-ort", name="Bench-Ort", group="leisure")]
    towns = list(Region.objects.filter(kind=Region.Kind.MUNICIPALITY)) or [None]
    with transaction.atomic():
        made = Place.objects.bulk_create(
            (
                Place(
                    slug=f"{PREFIX}{i}",
                    name=f"Bench-Ort {i}",
                    category=rng.choice(categories),
                    municipality=(town := rng.choice(towns)),
                    town=town.name if town else "",
                    street=f"Hauptstraße {i % 200 + 1}",
                    postcode="38855",
                    lat=rng.uniform(BOX[0], BOX[1]),
                    lon=rng.uniform(BOX[2], BOX[3]),
                    opening_hours=_hours(rng),
                    wheelchair=rng.choice(("yes", "limited", "no", "unknown")),
                    source="manual",
                )
                for i in range(have, n)
            ),
            batch_size=5000,
        )
    start = time.perf_counter()
    hours.rebuild_intervals(made)
    return len(made), time.perf_counter() - start


def generate_jobs(n: int, seed: int = 22) -> int:
    from django.db import transaction
    from django.utils import timezone

    from openkreis.jobs.models import Employer, Job

    have = Job.objects.filter(title__startswith="Bench-").count()
    if have >= n:
        return 0
    rng = random.Random(seed + have)
    with transaction.atomic():
        employers = list(Employer.objects.filter(slug__startswith=PREFIX))
        if not employers:
            employers = Employer.objects.bulk_create(
                Employer(
                    slug=f"{PREFIX}{i}",
                    name=f"Bench-Betrieb {i}",
                    town="Wernigerode",
                    lat=rng.uniform(BOX[0], BOX[1]),
                    lon=rng.uniform(BOX[2], BOX[3]),
                )
                for i in range(300)
            )
        words = ["Pflege", "Elektroniker", "Koch", "Verwaltung", "Mechatroniker", "Verkauf"]
        today = timezone.localdate()
        now = timezone.now()
        jobs = Job.objects.bulk_create(
            (
                Job(
                    employer=rng.choice(employers),
                    title=f"Bench-{rng.choice(words)} {i}",
                    kind=rng.choice(Job.Kind.values),
                    hours=rng.choice(Job.Hours.values),
                    description=f"{rng.choice(words)} im Harz, Stelle {i}.",
                    postcode="38855",
                    town="Wernigerode",
                    lat=rng.uniform(BOX[0], BOX[1]),
                    lon=rng.uniform(BOX[2], BOX[3]),
                    valid_through=today + dt.timedelta(days=rng.randint(1, 120)),
                    status=Job.Status.PUBLISHED,
                    published_at=now - dt.timedelta(minutes=rng.randint(0, 60 * 24 * 60)),
                )
                for i in range(have, n)
            ),
            batch_size=5000,
        )
    return len(jobs)


def timed_calls(fn, params: list, warm: int = 20) -> tuple[list[float], list]:
    for p in params[:warm]:
        fn(p)
    timings, results = [], []
    for p in params:
        t0 = time.perf_counter()
        results.append(fn(p))
        timings.append((time.perf_counter() - t0) * 1000)
    return timings, results


def near_me(searches: int, seed: int = 7) -> dict:
    from openkreis.directory import search

    rng = random.Random(seed)
    params = [
        (
            rng.uniform(BOX[0], BOX[1]),
            rng.uniform(BOX[2], BOX[3]),
            rng.choice((1000, 2000, 5000, 10000)),
        )
        for _ in range(searches)
    ]
    timings, results = timed_calls(
        lambda p: search.search(lat=p[0], lon=p[1], radius_m=p[2], limit=50), params
    )
    found = sum(total for _page, total in results) / len(results)
    return {"p50": percentile(timings, 50), "p99": percentile(timings, 99), "found": found}


def open_now(moments: int, seed: int = 8) -> dict:
    from django.utils import timezone

    from openkreis.directory import search

    rng = random.Random(seed)
    now = timezone.now()
    ats = [now + dt.timedelta(minutes=rng.randint(0, 60 * 24 * 6)) for _ in range(moments)]
    timings, results = timed_calls(search.open_now_ids, ats, warm=3)
    return {
        "p50": percentile(timings, 50),
        "max": max(timings),
        "open": sum(len(r) for r in results) / len(results),
    }


def job_search(searches: int, seed: int = 9) -> dict:
    from openkreis.jobs import search as jobs_search
    from openkreis.jobs.models import Job

    rng = random.Random(seed)
    params = []
    for i in range(searches):
        p: dict = {}
        if rng.random() < 0.6:
            p["kind"] = rng.choice(Job.Kind.values)
        if rng.random() < 0.4:
            p["hours"] = rng.choice(("full", "part"))
        if rng.random() < 0.3:
            p["q"] = rng.choice(("Pflege", "Koch", "Mechatroniker", "Verwaltung"))
        if i % 2 == 0:
            p.update(lat=rng.uniform(BOX[0], BOX[1]), lon=rng.uniform(BOX[2], BOX[3]), radius_km=25)
        params.append(p)
    timings, results = timed_calls(lambda p: jobs_search.search(**p), params)
    found = sum(total for _page, total in results) / len(results)
    return {"p50": percentile(timings, 50), "p99": percentile(timings, 99), "found": found}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--pg", default="postgresql://postgres@127.0.0.1:5432")
    parser.add_argument("--places", type=int, default=50_000)
    parser.add_argument("--jobs", type=int, default=10_000)
    parser.add_argument("--searches", type=int, default=2_000)
    parser.add_argument("--moments", type=int, default=50)
    parser.add_argument("--reuse", action="store_true")
    parser.add_argument("--quick", action="store_true", help="a smoke test with small numbers")
    args = parser.parse_args()
    if args.quick:
        args.places, args.jobs, args.searches, args.moments = 2_000, 500, 200, 10

    print("Harz-Kompass benchmark: database, Harz …", flush=True)
    setup_db(args.pg, args.reuse)
    start = time.perf_counter()
    made, interval_s = generate_places(args.places)
    if made:
        print(
            f"  {made:,} places in {time.perf_counter() - start:.0f} s "
            f"(open intervals {interval_s:.1f} s)",
            flush=True,
        )
    made_jobs = generate_jobs(args.jobs)
    if made_jobs:
        print(f"  {made_jobs:,} jobs", flush=True)
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE")
    from openkreis.directory.models import OpenInterval, Place
    from openkreis.jobs.models import Job

    places, intervals = Place.objects.count(), OpenInterval.objects.count()
    jobs = Job.objects.filter(status="published").count()

    near = near_me(args.searches)
    opened = open_now(args.moments)
    job = job_search(args.searches)

    print(
        f"\nHarz-Kompass — {places:,} places, {intervals:,} open intervals, {jobs:,} published "
        f"jobs on PostgreSQL, in-process{' (--quick)' if args.quick else ''}; {load()}; "
        f"{time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}"
    )
    print("| figure | p50 / p99 (max) | ceiling | verdict |")
    print("| --- | --- | --- | --- |")
    print(
        f"| near-me `directory.search.search(lat, lon, radius_m)`, 1–10 km, 50 nearest "
        f"({args.searches} searches, {near['found']:.0f} places in the radius on average) | "
        f"{near['p50']:.2f} / {near['p99']:.2f} ms | p99 < {NEAR_CEILING_MS} ms | "
        f"{'met' if near['p99'] < NEAR_CEILING_MS else 'MISSED'} |"
    )
    print(
        f"| open now for all places `directory.search.open_now_ids(at)` ({args.moments} "
        f"moments, {opened['open']:.0f} open on average) | {opened['p50']:.2f} / max "
        f"{opened['max']:.2f} ms | < {OPEN_NOW_CEILING_MS} ms | "
        f"{'met' if opened['max'] < OPEN_NOW_CEILING_MS else 'MISSED'} |"
    )
    print(
        f"| job search `jobs.search.search(...)` kind/hours/words, half near a point 25 km "
        f"({args.searches} searches, {job['found']:.0f} found on average) | "
        f"{job['p50']:.2f} / {job['p99']:.2f} ms | p99 < {JOB_CEILING_MS} ms | "
        f"{'met' if job['p99'] < JOB_CEILING_MS else 'MISSED'} |"
    )


if __name__ == "__main__":
    main()
