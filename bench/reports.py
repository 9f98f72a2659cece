"""Mängelmelder benchmark (issue 17): 100,000 reports across the county on PostgreSQL.

Run by hand (`.venv/bin/python bench/reports.py`; needs PostgreSQL, default
postgresql://postgres@127.0.0.1:5432). It
1. creates its own database `openkreis_bench_reports`, migrates it and loads Landkreis Harz
   (categories, routes, the 20 municipality polygons),
2. generates --reports reports (default 100,000) with bulk_create over two years: spread
   over the 20 municipalities by population, three in four within a few kilometres of the
   town centre and the rest anywhere in the municipality's polygon, categories weighted
   (roads and street lights most), statuses by age (old reports mostly fixed or closed),
   a status history row per change (receipt, and the closing change),
3. measures in-process the duplicate lookup `reports.services.nearby_open` for a random
   category at a random point (half next to an existing report, half anywhere in the
   county): p50/p99 against the ceiling p99 < 20 ms,
4. serves the database with gunicorn (production settings; the helpers of bench/submit.py)
   and measures with one keep-alive client (latency, no queueing) the public list page
   (filters, a deep page), the Atom feeds, the public map's GeoJSON (when it is built) and
   Open311 `GET requests.json`/`.xml` with typical filters and `servicerequestupdates`
   against the ceiling p99 < 50 ms, next to /healthz through the same server,
5. measures report submissions per second through gunicorn (Open311 `POST requests.json`
   with an API key, --clients concurrent clients, random places and categories) next to a
   bare ORM insert of one Report row in a transaction (in-process, one thread): the ratio.
Submitted and inserted rows are deleted afterwards, so `--reuse` measures the same data.

`--reuse` keeps an existing benchmark database of the same size; `--explain` prints the
query plans of the duplicate lookup and the list and Open311 queries; `--index NAME`
creates one of the indexes in INDEXES by raw SQL in the benchmark database first (to
measure an index before it is in a migration) and `--drop-index NAME` drops it.
"""

from __future__ import annotations

import argparse
import datetime as dt
import http.client
import os
import random
import sys
import threading
import time
import uuid
from pathlib import Path
from urllib.parse import urlencode

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "bench"))
sys.path.insert(0, str(ROOT))

import submit  # noqa: E402 (the shared bench helpers)
from submit import Server, percentile  # noqa: E402
from submit import env as server_env  # noqa: E402

DB_NAME = "openkreis_bench_reports"
PORT = submit.PORT = 8753  # not submit.py's port: another benchmark may be running
CATEGORY_WEIGHTS = {
    "strasse": 30,
    "beleuchtung": 20,
    "abfall": 15,
    "gruen": 10,
    "schilder": 8,
    "spielplatz": 5,
    "graffiti": 7,
    "sonstiges": 5,
}
DONE_WEIGHTS = {
    "fixed": 75,
    "closed_duplicate": 10,
    "closed_not_responsible": 8,
    "closed_not_reproducible": 7,
}
OPEN_WEIGHTS = {"open": 40, "confirmed": 25, "in_progress": 25, "scheduled": 10}
STREETS = ["Markt", "Hauptstraße", "Bahnhofstraße", "Lindenweg", "Am Anger", "Kirchstraße"]
STREETS += ["Breiter Weg", "Schulstraße", "Gartenstraße", "Harzweg", "Mühlenweg", "Ringstraße"]
# Indexes to try before they are in a migration (`--index NAME`): name → SQL
INDEXES = {
    "report_open_cat_pos": (
        "CREATE INDEX IF NOT EXISTS report_open_cat_pos ON reports_report "
        "(category_id, lat, lon) WHERE status NOT IN ('fixed', 'closed_duplicate', "
        "'closed_not_responsible', 'closed_not_reproducible')"
    ),
    "report_updated": (
        "CREATE INDEX IF NOT EXISTS report_updated ON reports_report (updated_at, id)"
    ),
    "report_area_updated": (
        "CREATE INDEX IF NOT EXISTS report_area_updated ON reports_report (area_id, updated_at, id)"
    ),
    # reports 0006: the newest-first list and Open311 GETs (listed here to show in the header)
    "report_created": (
        "CREATE INDEX IF NOT EXISTS report_created ON reports_report (created_at, id)"
    ),
    "report_cat_created": (
        "CREATE INDEX IF NOT EXISTS report_cat_created ON reports_report "
        "(category_id, created_at, id)"
    ),
    "report_area_created": (
        "CREATE INDEX IF NOT EXISTS report_area_created ON reports_report (area_id, created_at, id)"
    ),
}


def env(admin_url: str) -> dict:
    return {
        **server_env(f"{admin_url}/{DB_NAME}"),
        "OPENKREIS_ALLOWED_HOSTS": "testserver,127.0.0.1,localhost",
        "OPENKREIS_LOG_LEVEL": "ERROR",
        "OPENKREIS_TENANT": "harz",
    }


def create_database(admin_url: str) -> None:
    import psycopg

    with psycopg.connect(admin_url + "/postgres", autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{DB_NAME}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{DB_NAME}"')


def database_exists(admin_url: str) -> bool:
    import psycopg

    with psycopg.connect(admin_url + "/postgres", autocommit=True) as conn:
        row = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [DB_NAME]).fetchone()
    return row is not None


def setup_django(admin_url: str) -> None:
    os.environ.update(env(admin_url))
    import django

    django.setup()


def migrate_and_load() -> None:
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    call_command("collectstatic", "--noinput", verbosity=0)
    call_command("load_tenant", str(ROOT / "tenants" / "harz"), "--no-pages", verbosity=0)


# -- data ---------------------------------------------------------------------------------------
def _polygons() -> list[dict]:
    """Each municipality's area with its shapely geometry, centre, population and routes."""
    from shapely.geometry import Point

    from openkreis.reports import geo, services
    from openkreis.reports.models import Route

    routes: dict[tuple[int, int], int] = {
        (r.category_id, r.area_id): r.unit_id for r in Route.objects.all()
    }
    out = []
    for area in services.areas():
        geom = geo.geometry_of(area.geometry)
        region = area.region
        centre = (region.lat, region.lon)
        if centre[0] is None or not geom.covers(Point(centre[1], centre[0])):
            point = geom.representative_point()
            centre = (point.y, point.x)
        offered = {c.key: c.pk for c in services.categories_for(area)}
        out.append(
            {
                "area": area,
                "geom": geom,
                "bounds": geom.bounds,
                "centre": centre,
                "population": region.population or 1000,
                "categories": {k: v for k, v in offered.items() if (v, area.pk) in routes},
                "routes": routes,
            }
        )
    return out


def random_point(rng: random.Random, place: dict, near_centre: bool) -> tuple[float, float]:
    """A point inside the municipality: near its centre (a town, ~1.5 km spread) or anywhere."""
    from shapely.geometry import Point

    min_lon, min_lat, max_lon, max_lat = place["bounds"]
    for _ in range(200):
        if near_centre:
            lat = place["centre"][0] + rng.gauss(0, 0.0135)  # ~1.5 km
            lon = place["centre"][1] + rng.gauss(0, 0.022)
        else:
            lat, lon = rng.uniform(min_lat, max_lat), rng.uniform(min_lon, max_lon)
        if place["geom"].covers(Point(lon, lat)):
            return round(lat, 6), round(lon, 6)
    return place["centre"]


def _weighted(rng: random.Random, weights: dict) -> str:
    return rng.choices(list(weights), list(weights.values()))[0]


def generate(count: int, seed: int = 1717) -> dict:
    """bulk_create `count` reports (and their status history) over the last two years."""
    from django.db import connection, transaction
    from django.utils import timezone

    from openkreis.reports import workflow
    from openkreis.reports.models import Report, StatusChange

    rng = random.Random(seed)
    places = _polygons()
    weights = [p["population"] for p in places]
    now = timezone.now()
    started = time.perf_counter()
    batch: list[Report] = []
    made = 0
    while made < count:
        place = rng.choices(places, weights)[0]
        offered = place["categories"]
        key = _weighted(rng, {k: w for k, w in CATEGORY_WEIGHTS.items() if k in offered})
        category_id = offered[key]
        lat, lon = random_point(rng, place, near_centre=rng.random() < 0.75)
        age = rng.uniform(0, 730)  # days
        created = now - dt.timedelta(days=age)
        # the older, the likelier done: ~30 % done after a week, ~90 % after two months
        done = rng.random() < min(0.92, 0.3 + age / 60 * 0.6) if age > 2 else False
        status = _weighted(rng, DONE_WEIGHTS if done else OPEN_WEIGHTS)
        street = rng.choice(STREETS) if rng.random() < 0.8 else ""
        batch.append(
            Report(
                category_id=category_id,
                area_id=place["area"].pk,
                unit_id=place["routes"][(category_id, place["area"].pk)],
                status=status,
                lat=lat,
                lon=lon,
                street=street,
                place="" if street else "am Ortseingang",
                description=f"Benchmark-Meldung {made}: {key} in {place['area'].region.name}",
                email=f"b{made}@example.org" if rng.random() < 0.6 else "",
                idempotency_key=f"bench-{seed}-{made}",
                created_at=created,
                updated_at=created,
            )
        )
        made += 1
        if len(batch) >= 5000 or made == count:
            with transaction.atomic():
                stored = Report.objects.bulk_create(batch)
                changes = []
                for report in stored:
                    changes.append(
                        StatusChange(report=report, to_status=workflow.OPEN, at=report.created_at)
                    )
                    if report.status != workflow.OPEN:
                        at = report.created_at + dt.timedelta(
                            days=min(rng.expovariate(1 / 12), (now - report.created_at).days)
                        )
                        changes.append(
                            StatusChange(
                                report=report,
                                from_status=workflow.OPEN,
                                to_status=report.status,
                                public_text="Benchmark: Status geändert.",
                                at=at,
                            )
                        )
                StatusChange.objects.bulk_create(changes)
            batch = []
            print(f"  {made:,} reports …", flush=True, end="\r")
    with connection.cursor() as cur:
        # updated_at is auto_now (bulk_create stamps it with now): the last change's time.
        # One grouped join, not a subquery per report: without statistics on the fresh
        # tables PostgreSQL ran that subquery by scanning the `at` index backwards for
        # each of the 100,000 reports (it did not finish in ten minutes).
        cur.execute(
            "UPDATE reports_report r SET updated_at = c.last FROM (SELECT report_id, "
            "MAX(at) AS last FROM reports_statuschange GROUP BY report_id) c "
            "WHERE c.report_id = r.id"
        )
        cur.execute(
            "UPDATE reports_report r SET updated_at = r.created_at WHERE NOT EXISTS "
            "(SELECT 1 FROM reports_statuschange c WHERE c.report_id = r.id)"
        )
    return {"seconds": time.perf_counter() - started}


def vacuum() -> None:
    """VACUUM ANALYZE (outside a transaction): generating updates every row once, and a run
    deletes what it submitted; dead rows would make every plan look worse than it is."""
    from django.db import connection

    with connection.cursor() as cur:
        cur.execute("VACUUM ANALYZE reports_report")
        cur.execute("VACUUM ANALYZE reports_statuschange")


def counts() -> dict:
    from openkreis.reports import workflow
    from openkreis.reports.models import Report, StatusChange

    return {
        "reports": Report.objects.count(),
        "open": Report.objects.exclude(status__in=workflow.DONE).count(),
        "changes": StatusChange.objects.count(),
    }


# -- duplicate lookup (in-process) ----------------------------------------------------------------
def lookup_points(n: int, seed: int = 5) -> list[tuple]:
    """(category, lat, lon): half next to an existing report (where people report), half
    anywhere in the county (the duplicate check runs for every report sent)."""
    from openkreis.reports.models import Category, Report

    rng = random.Random(seed)
    places = _polygons()
    weights = [p["population"] for p in places]
    categories = {c.pk: c for c in Category.objects.all()}
    ids = list(Report.objects.values_list("id", flat=True))
    sample = Report.objects.filter(pk__in=rng.sample(ids, n // 2)).values_list(
        "category_id", "lat", "lon"
    )
    out = []
    for category_id, lat, lon in sample:
        jitter = 20 / 111_000  # ~20 m
        dlat, dlon = rng.uniform(-jitter, jitter), rng.uniform(-jitter, jitter)
        out.append((categories[category_id], lat + dlat, lon + dlon))
    while len(out) < n:
        place = rng.choices(places, weights)[0]
        key = _weighted(
            rng, {k: w for k, w in CATEGORY_WEIGHTS.items() if k in place["categories"]}
        )
        lat, lon = random_point(rng, place, near_centre=rng.random() < 0.5)
        out.append((categories[place["categories"][key]], lat, lon))
    rng.shuffle(out)
    return out


def measure_lookup(points: list[tuple]) -> dict:
    from openkreis.reports import services

    for category, lat, lon in points[:50]:  # warm
        services.nearby_open(category, lat, lon)
    timings, found = [], 0
    for category, lat, lon in points:
        t0 = time.perf_counter()
        result = services.nearby_open(category, lat, lon)
        timings.append((time.perf_counter() - t0) * 1000)
        found += bool(result)
    return {
        "p50": percentile(timings, 50),
        "p99": percentile(timings, 99),
        "n": len(timings),
        "found": found,
    }


# -- HTTP -----------------------------------------------------------------------------------------
def http_timed(paths: list[str], rounds: int) -> dict:
    """One keep-alive client, the paths in turn: latency without queueing."""
    conn = http.client.HTTPConnection("127.0.0.1", PORT, timeout=60)
    for path in paths:  # warm every worker's caches once
        conn.request("GET", path)
        conn.getresponse().read()
    timings, errors, sizes = [], 0, []
    for i in range(rounds):
        path = paths[i % len(paths)]
        t0 = time.perf_counter()
        conn.request("GET", path)
        response = conn.getresponse()
        body = response.read()
        timings.append((time.perf_counter() - t0) * 1000)
        sizes.append(len(body))
        if response.status != 200:
            errors += 1
    conn.close()
    return {
        "p50": percentile(timings, 50),
        "p99": percentile(timings, 99),
        "n": len(timings),
        "errors": errors,
        "kb": sum(sizes) / len(sizes) / 1024,
    }


def status_of(path: str) -> int:
    conn = http.client.HTTPConnection("127.0.0.1", PORT, timeout=60)
    conn.request("GET", path)
    response = conn.getresponse()
    response.read()
    conn.close()
    return response.status


def page_sets() -> dict[str, list[str]]:
    from django.utils import timezone

    from openkreis.reports.models import Area, Category, Report

    big = Area.objects.get(region__name="Halberstadt")
    small = Area.objects.get(region__name="Ditfurt")
    road = Category.objects.get(key="strasse")
    light = Category.objects.get(key="beleuchtung")
    now = timezone.now()
    day = (now - dt.timedelta(days=1)).strftime("%Y-%m-%dT%H:%M:%SZ")
    week = (now - dt.timedelta(days=7)).strftime("%Y-%m-%dT%H:%M:%SZ")
    ids = ",".join(Report.objects.order_by("?").values_list("public_id", flat=True)[:5])
    o311 = "/maengelmelder/open311/v2/"
    return {
        "list": [
            "/maengelmelder/",
            "/maengelmelder/?status=offen",
            f"/maengelmelder/?gemeinde={big.pk}",
            f"/maengelmelder/?gemeinde={big.pk}&kategorie={road.pk}&status=offen",
            f"/maengelmelder/?gemeinde={small.pk}&status=erledigt",
            f"/maengelmelder/?kategorie={light.pk}&seite=40",
        ],
        "feed": ["/maengelmelder/feed/all.atom", f"/maengelmelder/feed/{big.region.ars}.atom"],
        "map": [  # a bbox (a town centre, a wider view) or a municipality: always bounded
            "/maengelmelder/karte.geojson?bbox=11.02,51.88,11.08,51.91",
            f"/maengelmelder/karte.geojson?gemeinde={big.pk}",
            "/maengelmelder/karte.geojson?bbox=10.7,51.75,11.2,51.95&"
            + urlencode({"kategorie": road.pk, "status": "offen"}),
        ],
        "open311 typical": [
            o311 + "requests.json?" + urlencode({"service_code": "strasse", "status": "open"}),
            o311 + "requests.json?" + urlencode({"start_date": day}),  # a client polling
            o311 + "requests.json?" + urlencode({"start_date": week, "status": "open"}),
            o311
            + "requests.xml?"
            + urlencode({"service_code": "beleuchtung,abfall", "start_date": week}),  # fmt: skip
            o311 + "requests.json?" + urlencode({"service_request_id": ids}),
            o311 + "servicerequestupdates.json?" + urlencode({"start_date": day}),
        ],
        "open311 unfiltered": [
            o311 + "requests.json",  # the last 90 days: 1000 requests (the cap)
            o311 + "requests.xml",
        ],
    }


# -- submissions ----------------------------------------------------------------------------------
def api_key() -> str:
    from openkreis.reports.models import ApiClient
    from openkreis.reports.open311.models import new_key

    key = new_key()
    ApiClient.objects.filter(name="bench").delete()
    client = ApiClient(name="bench", per_hour=10**9)
    client.set_key(key)
    client.save()
    return key


def submission_bodies(n: int, key: str, seed: int = 9) -> list[bytes]:
    """Open311 POST bodies: a random place anywhere in the county and a category offered
    there (a quarter near a town centre, so some meet an open report: a duplicate)."""
    rng = random.Random(seed)
    places = _polygons()
    weights = [p["population"] for p in places]
    bodies = []
    for i in range(n):
        place = rng.choices(places, weights)[0]
        code = _weighted(
            rng, {k: w for k, w in CATEGORY_WEIGHTS.items() if k in place["categories"]}
        )
        lat, lon = random_point(rng, place, near_centre=rng.random() < 0.25)
        fields = {
            "api_key": key,
            "service_code": code,
            "lat": f"{lat:.6f}",
            "long": f"{lon:.6f}",
            "description": f"Benchmark über Open311 {i}: bitte prüfen.",
        }
        bodies.append(urlencode(fields).encode())
    return bodies


def post_load(bodies: list[bytes], clients: int, seconds: float) -> dict:
    path = "/maengelmelder/open311/v2/requests.json"
    lock = threading.Lock()
    timings: list[float] = []
    results = {"new": 0, "duplicate": 0, "errors": 0}
    stop = time.time() + seconds
    position = iter(range(len(bodies)))

    def worker():
        conn = http.client.HTTPConnection("127.0.0.1", PORT, timeout=60)
        while time.time() < stop:
            with lock:
                index = next(position, None)
            if index is None:
                return
            headers = {
                "Content-Type": "application/x-www-form-urlencoded",
                "Idempotency-Key": uuid.uuid4().hex,
            }
            t0 = time.perf_counter()
            try:
                conn.request("POST", path, body=bodies[index], headers=headers)
                response = conn.getresponse()
                data = response.read()
            except (OSError, http.client.HTTPException):
                conn = http.client.HTTPConnection("127.0.0.1", PORT, timeout=60)
                with lock:
                    results["errors"] += 1
                continue
            elapsed = (time.perf_counter() - t0) * 1000
            with lock:
                timings.append(elapsed)
                if response.status != 200:
                    results["errors"] += 1
                elif b"bereits gemeldet" in data or b"already" in data:
                    results["duplicate"] += 1
                else:
                    results["new"] += 1

    t0 = time.perf_counter()
    threads = [threading.Thread(target=worker) for _ in range(clients)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    elapsed = time.perf_counter() - t0
    done = results["new"] + results["duplicate"]
    return {
        **results,
        "rate": done / elapsed,
        "new_rate": results["new"] / elapsed,
        "p50": percentile(timings, 50),
        "p99": percentile(timings, 99),
    }


def bare_insert_rate(seconds: float) -> dict:
    """The floor of storing a report: one Report row in a transaction (ORM, in-process)."""
    from django.db import transaction

    from openkreis.reports.models import Report

    template = Report.objects.order_by("id").first()
    n, t0 = 0, time.perf_counter()
    while time.perf_counter() - t0 < seconds:
        with transaction.atomic():
            Report.objects.create(
                category_id=template.category_id,
                area_id=template.area_id,
                unit_id=template.unit_id,
                lat=template.lat,
                lon=template.lon,
                description="Bare insert",
                idempotency_key=f"bare-{os.getpid()}-{n}-{time.time_ns()}",
            )
        n += 1
    return {"n": n, "rate": n / (time.perf_counter() - t0)}


def delete_after(last_id: int) -> None:
    """Remove the submitted and bare-inserted reports (the data stays the generated set)."""
    from django.db import connection

    with connection.cursor() as cur:
        for table in ("reports_statuschange", "reports_follower", "reports_photo"):
            cur.execute(f"DELETE FROM {table} WHERE report_id > %s", [last_id])  # noqa: S608
        cur.execute("DELETE FROM reports_report WHERE id > %s", [last_id])
        cur.execute("DELETE FROM reports_follower WHERE email = ''")  # none are made here


# -- query plans ----------------------------------------------------------------------------------
def explain(queryset) -> str:
    from django.db import connection

    sql, params = queryset.query.sql_with_params()
    with connection.cursor() as cur:
        cur.execute("EXPLAIN (ANALYZE, BUFFERS OFF) " + sql, params)
        return "\n".join(row[0] for row in cur.fetchall())


def print_plans(points) -> None:
    from openkreis.reports import geo, services, workflow
    from openkreis.reports.models import Report

    category, lat, lon = points[0]
    min_lat, max_lat, min_lon, max_lon = geo.bounding_box(lat, lon, services.duplicate_radius())
    lookup = (
        Report.objects.filter(category=category)
        .exclude(status__in=workflow.DONE)
        .filter(lat__gte=min_lat, lat__lte=max_lat, lon__gte=min_lon, lon__lte=max_lon)[:50]
    )
    print("-- nearby_open\n" + explain(lookup))
    print("-- list, first page\n" + explain(Report.objects.order_by("-created_at", "-id")[:25]))
    print("-- feed\n" + explain(Report.objects.order_by("-updated_at", "-id")[:50]))


def ensure_index(name: str, drop: bool = False) -> None:
    from django.db import connection

    with connection.cursor() as cur:
        if drop:
            cur.execute(f"DROP INDEX IF EXISTS {name}")
        else:
            cur.execute(INDEXES[name])
        cur.execute("ANALYZE reports_report")


def existing_indexes() -> list[str]:
    from django.db import connection

    with connection.cursor() as cur:
        cur.execute("SELECT indexname FROM pg_indexes WHERE tablename = 'reports_report'")
        names = {row[0] for row in cur.fetchall()}
    return sorted(n for n in INDEXES if n in names)


# -- main -----------------------------------------------------------------------------------------
def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pg", default="postgresql://postgres@127.0.0.1:5432")
    parser.add_argument("--reports", type=int, default=100_000)
    parser.add_argument("--lookups", type=int, default=2000, help="duplicate lookups")
    parser.add_argument("--rounds", type=int, default=300, help="requests per page row")
    parser.add_argument("--seconds", type=float, default=15, help="per submission row")
    parser.add_argument("--clients", type=int, default=3, help="concurrent submitters")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--reuse", action="store_true", help="keep an existing bench database")
    parser.add_argument("--explain", action="store_true", help="print the query plans")
    parser.add_argument("--index", action="append", default=[], choices=sorted(INDEXES))
    parser.add_argument("--drop-index", action="append", default=[], choices=sorted(INDEXES))
    args = parser.parse_args()

    reuse = args.reuse and database_exists(args.pg)
    if not reuse:
        create_database(args.pg)
    setup_django(args.pg)
    print("migrating, loading Harz …", flush=True)
    migrate_and_load()
    generated = None
    have = counts()
    if have["reports"] < args.reports:
        print(f"generating {args.reports - have['reports']:,} reports …", flush=True)
        generated = generate(args.reports - have["reports"])
        print(f"\n  done in {generated['seconds']:.0f} s", flush=True)
        have = counts()
    vacuum()
    for name in args.drop_index:
        ensure_index(name, drop=True)
    for name in args.index:
        ensure_index(name)
    indexes = existing_indexes()

    from openkreis.reports.models import Report

    last_id = Report.objects.order_by("-id").values_list("id", flat=True).first()
    points = lookup_points(args.lookups)
    if args.explain:
        print_plans(points)
    print("measuring the duplicate lookup …", flush=True)
    lookup = measure_lookup(points)
    print(f"  p50 {lookup['p50']:.2f} ms, p99 {lookup['p99']:.2f} ms", flush=True)

    pages = page_sets()
    key = api_key()
    bodies = submission_bodies(20_000, key)
    os.environ["PYTHONPATH"] = str(ROOT)  # gunicorn imports this checkout's code
    server = Server(f"{args.pg}/{DB_NAME}", args.workers, args.threads)
    server.start()
    try:
        print("measuring pages through gunicorn …", flush=True)
        health = http_timed(["/healthz"], args.rounds)
        rows = {}
        for name, paths in pages.items():
            if name == "map" and status_of(paths[0]) == 404:
                rows[name] = None  # not built yet
                continue
            rows[name] = http_timed(paths, args.rounds)
            print(f"  {name}: p50 {rows[name]['p50']:.1f} ms, p99 {rows[name]['p99']:.1f} ms")
        print("measuring submissions through gunicorn …", flush=True)
        posted = post_load(bodies, args.clients, args.seconds)
    finally:
        server.stop()
    bare = bare_insert_rate(args.seconds)
    delete_after(last_id)

    print(
        f"\nMängelmelder benchmark — {have['reports']:,} reports ({have['open']:,} open), "
        f"{have['changes']:,} status changes on PostgreSQL; gunicorn {args.workers} workers × "
        f"{args.threads} threads, production settings; {os.cpu_count()} cores, load "
        f"{os.getloadavg()[0]:.1f}; extra indexes: {', '.join(indexes) or 'none'}; "
        f"{time.strftime('%Y-%m-%d %H:%M')}"
    )
    if generated:
        print(f"data generated in {generated['seconds']:.0f} s (bulk_create)")
    print()
    print("| figure | value | ceiling / peer | verdict |")
    print("| --- | --- | --- | --- |")
    print(
        f"| duplicate lookup `nearby_open` in-process p50 / p99 ({lookup['n']} lookups, "
        f"{lookup['found']} found a report) | {lookup['p50']:.2f} / {lookup['p99']:.2f} ms "
        f"| p99 < 20 ms | {'met' if lookup['p99'] < 20 else 'MISSED'} |"
    )
    print(
        f"| /healthz via gunicorn p50 / p99 | {health['p50']:.1f} / {health['p99']:.1f} ms "
        f"| (the floor of a request) | – |"
    )
    labels = {
        "list": "public list page (6 filter/page variants)",
        "feed": "Atom feed (county, Halberstadt)",
        "map": "map GeoJSON (bbox, municipality, wide bbox + filters)",
        "open311 typical": "Open311 GET requests / updates, typical filters (6 variants)",
        "open311 unfiltered": "Open311 GET requests.json/.xml unfiltered (90 days, 1000 rows)",
    }
    for name, label in labels.items():
        row = rows.get(name)
        if row is None:
            print(f"| {label} | not built yet | p99 < 50 ms | – |")
            continue
        verdict = "met" if row["p99"] < 50 else "MISSED"
        print(
            f"| {label} p50 / p99 ({row['n']} requests, {row['errors']} errors, "
            f"{row['kb']:.0f} KB avg) | {row['p50']:.1f} / {row['p99']:.1f} ms "
            f"| p99 < 50 ms | {verdict} |"
        )
    print(
        f"| Open311 POST requests.json via gunicorn, {args.clients} clients "
        f"({posted['new']} new, {posted['duplicate']} joined an open report, "
        f"{posted['errors']} errors; p50 / p99 {posted['p50']:.0f} / {posted['p99']:.0f} ms) "
        f"| {posted['rate']:.1f}/s | bare Report insert (ORM, 1 thread) {bare['rate']:.0f}/s "
        f"| {posted['rate'] / bare['rate']:.1%} |"
    )


if __name__ == "__main__":
    main()
