"""Kita allocation benchmark (issue 18): child-proposing deferred acceptance for 50,000 children
with 5 wishes each over 2,000 Kitas (two age groups each: 4,000 pools) — ceiling < 1 s — checked
against an independent implementation, the `matching` package from PyPI (HospitalResident,
resident-optimal), first on 200 small random instances, then on the full instance; its time is
printed beside ours.

Run by hand: `.venv/bin/pip install matching==1.4.3 && .venv/bin/python bench/capacity.py`
(`matching` is an outside oracle for this benchmark only, not a dependency of openkreis).
Options: --children N --kitas N --wishes N --seed N --no-oracle.

The free-place search (goal p99 < 30 ms; `--search`, or `--search-only` without the
allocation): on PostgreSQL (default postgresql://postgres@127.0.0.1:5432) in its own
database `openkreis_bench_capacity` (migrated, Landkreis Harz loaded, then --search-kitas
generated Kitas (default 2,000) over Harz's municipalities × 3 age groups × 12 start months of
`FreePlaces`, 72,000 rows, about a third of them 0) it measures `services.free_places`
in-process and the page /kita/freie-plaetze/?… through gunicorn (production settings, the
helpers of bench/submit.py, one keep-alive client), each with and without a municipality,
p50/p99 next to the ceiling and the load average (the machine may be shared). `--reuse` keeps
a benchmark database of the same size.
"""

from __future__ import annotations

import argparse
import http.client
import os
import random
import statistics
import sys
import time
from datetime import date
from pathlib import Path
from urllib.parse import urlencode

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "bench"))
sys.path.insert(0, str(ROOT))

import submit  # noqa: E402 (the shared bench helpers)
from submit import Server, percentile  # noqa: E402
from submit import env as server_env  # noqa: E402

from openkreis.capacity.allocation import Applicant, Instance, Rules  # noqa: E402

DB_NAME = "openkreis_bench_capacity"
PORT = submit.PORT = 8754  # not submit.py's or reports.py's port
SEARCH_CEILING_MS = 30

RULES = {
    None: Rules({"residence": 10, "sibling": 6, "hardship": 8, "single_parent": 3}),
    "m3": Rules({"residence": 10, "sibling": 12, "hardship": 8, "working_parents": 2}),
}
FLAGS = ("hardship", "single_parent", "working_parents")


def instance(children: int, kitas: int, wishes: int, seed: int) -> Instance:
    """A county-shaped market: 20 municipalities, Kitas spread over them, each child wishing
    Kitas mostly near home (its own and a neighbouring municipality), 10 % with a flag, 20 %
    with a sibling at one of its wished Kitas, applications over a year."""
    rng = random.Random(seed)
    municipalities = [f"m{i}" for i in range(20)]
    kita_ids = [f"k{i}" for i in range(kitas)]
    municipality_of = {k: municipalities[i % 20] for i, k in enumerate(kita_ids)}
    by_municipality: dict[str, list[str]] = {}
    for k, m in municipality_of.items():
        by_municipality.setdefault(m, []).append(k)
    capacity = {}
    for k in kita_ids:
        capacity[(k, "krippe")] = rng.randint(2, 14)
        capacity[(k, "kindergarten")] = rng.randint(5, 30)
    applicants = []
    for i in range(children):
        home = rng.choice(municipalities)
        neighbour = municipalities[(int(home[1:]) + 1) % 20]
        near = by_municipality.get(home, []) + by_municipality.get(neighbour, [])
        near = near or kita_ids
        group = "krippe" if rng.random() < 0.45 else "kindergarten"
        chosen = rng.sample(near, min(wishes, len(near)))
        sibling = frozenset({rng.choice(chosen)}) if chosen and rng.random() < 0.2 else frozenset()
        applicants.append(
            Applicant(
                id=i,
                wishes=tuple((k, group) for k in chosen),
                municipality=home,
                applied_on=date(2026, 1, 1).fromordinal(
                    date(2026, 1, 1).toordinal() + rng.randrange(365)
                ),
                flags=frozenset(f for f in FLAGS if rng.random() < 0.1),
                siblings_at=sibling,
            )
        )
    return Instance(
        capacity=capacity,
        kita_of={p: p[0] for p in capacity},
        municipality_of=municipality_of,
        rules=RULES,
        applicants=applicants,
        seed=seed,
    )


GAME_CHECKS_UP_TO = 3_000  # children; beyond, the game's input checks take minutes (below)


def oracle(inst: Instance) -> dict:
    """The same market solved by `matching` (resident-optimal hospital/resident).

    Up to GAME_CHECKS_UP_TO children through the package's game API. `HospitalResident`
    deep-copies all players (hence the raised recursion limit) and checks its inputs with
    list scans that are quadratic in the market's size — e.g. for each hospital a scan of
    all residents (`_check_inputs_player_reciprocated_all_prefs`) and a `not in` over the
    resident list for each hospital preference (`_check_inputs_player_prefs_all_in_party`):
    1.4 s at 2,500 children, 8.3 s at 5,000, more than 10 minutes at 50,000, while its
    algorithm itself takes 0.1 / 0.2 s there. Larger markets therefore build the package's
    own players and call its algorithm (`matching.algorithms.hospital_resident`) directly,
    after the checks that matter done here in linear time (every preference reciprocated,
    no duplicates, capacities ≥ 1) — the oracle's answer is still entirely its own."""
    from matching import Player
    from matching.algorithms import hospital_resident
    from matching.games import HospitalResident
    from matching.players import Hospital

    resident_prefs = {}
    wanted_by: dict = {}
    for a in inst.applicants:
        prefs = [p for p in dict.fromkeys(a.wishes) if inst.capacity.get(p, 0) > 0]
        if prefs:
            resident_prefs[a.id] = prefs
            for p in prefs:
                wanted_by.setdefault(p, []).append(a.id)
    hospital_prefs = {
        p: sorted(ids, key=lambda c, p=p: inst.key(p, c)) for p, ids in wanted_by.items()
    }
    capacities = {p: inst.capacity[p] for p in hospital_prefs}
    if len(inst.applicants) <= GAME_CHECKS_UP_TO:
        sys.setrecursionlimit(max(10_000, 4 * len(inst.applicants)))
        game = HospitalResident.create_from_dictionaries(resident_prefs, hospital_prefs, capacities)
        solution = game.solve(optimal="resident")
    else:
        assert all(len(set(ids)) == len(ids) for ids in hospital_prefs.values())
        assert all(capacities[p] >= 1 for p in hospital_prefs)
        assert {(r, p) for r, ps in resident_prefs.items() for p in ps} == {
            (r, p) for p, rs in hospital_prefs.items() for r in rs
        }
        residents = {r: Player(r) for r in resident_prefs}
        hospitals = {p: Hospital(p, capacities[p]) for p in hospital_prefs}
        for r, player in residents.items():
            player.set_prefs([hospitals[p] for p in resident_prefs[r]])
        for p, hospital in hospitals.items():
            hospital.set_prefs([residents[r] for r in hospital_prefs[p]])
        solution = hospital_resident(list(residents.values()), list(hospitals.values()))
    return {r.name: h.name for h, residents in solution.items() for r in residents}


# -- the free-place search on PostgreSQL ---------------------------------------------------------
def load() -> str:
    one, five, _ = os.getloadavg()
    return f"load average {one:.1f} (1 min) / {five:.1f} (5 min) on {os.cpu_count()} cores"


def _admin(pg: str, sql: str, params=()):
    import psycopg

    with psycopg.connect(pg + "/postgres", autocommit=True) as conn:
        cursor = conn.execute(sql, params)
        return cursor.fetchone() if cursor.description else None


def setup_search_db(pg: str, reuse: bool) -> None:
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
        return  # Harz is loaded already
    call_command("collectstatic", "--noinput", verbosity=0)
    call_command("load_tenant", str(ROOT / "tenants" / "harz"), "--no-pages", verbosity=0)


def generate_free_places(kitas: int, seed: int = 18) -> int:
    """`kitas` generated Kitas spread over Harz's municipalities, each with Krippe,
    Kindergarten and Hort, and FreePlaces for the next 12 start months (a third 0)."""
    from django.db import transaction

    from openkreis.capacity import services
    from openkreis.capacity.models import FreePlaces, Kita, KitaGroup
    from openkreis.core.models import Region

    have = Kita.objects.filter(key__startswith="bench-").count()
    if have >= kitas:
        return 0
    rng = random.Random(seed)
    places = list(Region.objects.filter(kitas__isnull=False).distinct().order_by("ars"))
    month0 = services.first_of_month(date.today())
    months = [services.add_months(month0, i) for i in range(12)]
    with transaction.atomic():
        made = Kita.objects.bulk_create(
            Kita(
                key=f"bench-{i}",
                name=f"Bench-Kita {i}",
                municipality=places[i % len(places)],
                town=places[i % len(places)].name,
                max_hours=rng.choice((8, 9, 10, 10, 11)),
            )
            for i in range(have, kitas)
        )
        groups = KitaGroup.objects.bulk_create(
            KitaGroup(kita=k, age_group=g, places=rng.randint(10, 60))
            for k in made
            for g in ("krippe", "kindergarten", "hort")
        )
        rows = FreePlaces.objects.bulk_create(
            (
                FreePlaces(
                    group=g,
                    age_group=g.age_group,  # bulk_create skips FreePlaces.save
                    month=m,
                    free=0 if rng.random() < 0.33 else rng.randint(1, 8),
                )
                for g in groups
                for m in months
            ),
            batch_size=5000,
        )
    return len(rows)


def search_params(n: int, seed: int = 7) -> list[dict]:
    """Random searches: age group, a start month within the next 9, hours (half), and a
    municipality (every other search; the rest search the whole county)."""
    from openkreis.capacity import services
    from openkreis.core.models import Region

    rng = random.Random(seed)
    places = list(services.municipalities_with_kitas())
    month0 = services.first_of_month(date.today())
    out = []
    for i in range(n):
        out.append(
            {
                "gruppe": rng.choice(("krippe", "kindergarten", "hort")),
                "ab": services.add_months(month0, rng.randrange(9)),
                "stunden": rng.choice((None, 8, 10)),
                "gemeinde": rng.choice(places) if i % 2 == 0 else None,
            }
        )
    assert all(isinstance(p["gemeinde"], Region | None) for p in out)
    return out


def measure_search(params: list[dict]) -> dict[str, dict]:
    from openkreis.capacity import services

    def call(p):
        return services.free_places(
            age_group=p["gruppe"], month=p["ab"], hours=p["stunden"], municipality=p["gemeinde"]
        )

    for p in params[:50]:  # warm
        call(p)
    by: dict[str, list] = {"one municipality": [], "whole county": []}
    found: dict[str, list] = {"one municipality": [], "whole county": []}
    for p in params:
        t0 = time.perf_counter()
        result = call(p)
        name = "one municipality" if p["gemeinde"] else "whole county"
        by[name].append((time.perf_counter() - t0) * 1000)
        found[name].append(result.total)
    return {
        name: {
            "p50": percentile(t, 50),
            "p99": percentile(t, 99),
            "n": len(t),
            "kitas": statistics.mean(found[name]),
        }
        for name, t in by.items()
    }


def search_paths(params: list[dict]) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {"one municipality": [], "whole county": []}
    for p in params:
        query = {"gruppe": p["gruppe"], "ab": f"{p['ab']:%Y-%m}"}
        if p["stunden"]:
            query["stunden"] = p["stunden"]
        if p["gemeinde"]:
            query["gemeinde"] = p["gemeinde"].ars
        name = "one municipality" if p["gemeinde"] else "whole county"
        out[name].append("/kita/freie-plaetze/?" + urlencode(query))
    return out


def http_timed(paths: list[str], rounds: int) -> dict:
    """One keep-alive client, the paths in turn: latency without queueing."""
    conn = http.client.HTTPConnection("127.0.0.1", PORT, timeout=60)
    for path in paths[:20]:  # warm every worker once
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
        errors += response.status != 200
    conn.close()
    return {
        "p50": percentile(timings, 50),
        "p99": percentile(timings, 99),
        "n": len(timings),
        "errors": errors,
        "kb": sum(sizes) / len(sizes) / 1024,
    }


def search_benchmark(args) -> None:
    print("free-place search: database, Harz, generated Kitas …", flush=True)
    setup_search_db(args.pg, args.reuse)
    start = time.perf_counter()
    rows = generate_free_places(args.search_kitas)
    if rows:
        print(f"  {rows:,} FreePlaces rows generated in {time.perf_counter() - start:.0f} s")
    from django.db import connection

    with connection.cursor() as cursor:
        # statistics for every table (with stale ones on Kitas and groups the planner chose
        # nested loops) and the visibility map for index-only scans, also after a migration
        cursor.execute("VACUUM ANALYZE")
    from openkreis.capacity.models import FreePlaces, Kita

    total_rows, total_kitas = FreePlaces.objects.count(), Kita.objects.filter(active=True).count()
    params = search_params(args.searches)
    inproc = measure_search(params)
    paths = search_paths(params)
    os.environ["PYTHONPATH"] = str(ROOT)  # gunicorn imports this checkout's code
    server = Server(f"{args.pg}/{DB_NAME}", args.workers, args.threads)
    server.start()
    try:
        health = http_timed(["/healthz"], args.rounds)
        pages = {name: http_timed(p, args.rounds) for name, p in paths.items()}
    finally:
        server.stop()
    print(
        f"\nfree-place search — {total_kitas:,} Kitas, {total_rows:,} FreePlaces rows on "
        f"PostgreSQL; gunicorn {args.workers} workers × {args.threads} threads, production "
        f"settings; {load()}; {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}"
    )
    print("| figure | p50 / p99 | ceiling | verdict |")
    print("| --- | --- | --- | --- |")
    for name, r in inproc.items():
        print(
            f"| `services.free_places` in-process, {name} ({r['n']} searches, "
            f"{r['kitas']:.0f} Kitas found on average) | {r['p50']:.2f} / {r['p99']:.2f} ms "
            f"| p99 < {SEARCH_CEILING_MS} ms | "
            f"{'met' if r['p99'] < SEARCH_CEILING_MS else 'MISSED'} |"
        )
    print(f"| /healthz via gunicorn | {health['p50']:.1f} / {health['p99']:.1f} ms | – | – |")
    for name, r in pages.items():
        print(
            f"| page /kita/freie-plaetze/ via gunicorn, {name} ({r['n']} requests, "
            f"{r['kb']:.0f} KB, {r['errors']} errors) | {r['p50']:.1f} / {r['p99']:.1f} ms "
            f"| p99 < {SEARCH_CEILING_MS} ms | "
            f"{'met' if r['p99'] < SEARCH_CEILING_MS and not r['errors'] else 'MISSED'} |"
        )


def timed(fn, repeat: int = 3, cpu: list | None = None):
    """Wall times of `repeat` calls; the process's CPU times go to `cpu` (on a shared
    machine the wall time includes waiting for a core, the CPU time does not)."""
    times = []
    result = None
    for _ in range(repeat):
        start, start_cpu = time.perf_counter(), time.process_time()
        result = fn()
        times.append(time.perf_counter() - start)
        if cpu is not None:
            cpu.append(time.process_time() - start_cpu)
    return result, times


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--children", type=int, default=50_000)
    parser.add_argument("--kitas", type=int, default=2_000)
    parser.add_argument("--wishes", type=int, default=5)
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument("--no-oracle", action="store_true")
    parser.add_argument("--search", action="store_true", help="also the free-place search")
    parser.add_argument("--search-only", action="store_true", help="only the free-place search")
    parser.add_argument("--pg", default="postgresql://postgres@127.0.0.1:5432")
    parser.add_argument("--search-kitas", type=int, default=2_000)
    parser.add_argument("--searches", type=int, default=1_000, help="in-process searches")
    parser.add_argument("--rounds", type=int, default=300, help="requests per page row")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--reuse", action="store_true", help="keep the bench database")
    args = parser.parse_args()
    if args.search_only:
        search_benchmark(args)
        return

    if not args.no_oracle:
        same = 0
        for seed in range(200):
            small = instance(random.Random(seed).randint(5, 300), 12, 3, seed)
            assert small.run().placement == oracle(small), f"differs from matching, seed {seed}"
            same += 1
        print(f"identical to matching on {same} random instances (5–300 children, 24 pools)")

    inst = instance(args.children, args.kitas, args.wishes, args.seed)
    start = time.perf_counter()
    inst.run()  # numba: compiles once per machine, then loads the cached machine code
    first = time.perf_counter() - start
    cpu: list[float] = []
    outcome, times = timed(inst.run, repeat=5, cpu=cpu)
    readable, readable_times = timed(inst.run_reference, repeat=1)
    assert readable.placement == outcome.placement
    seats = sum(inst.capacity.values())
    best = min(times)
    print(
        f"allocation: {args.children:,} children × {args.wishes} wishes, {len(inst.capacity):,} "
        f"pools ({seats:,} places): {outcome.proposals:,} proposals, {len(outcome.placement):,} "
        f"placed"
    )
    print(
        f"  ours: best {best:.3f} s, median {statistics.median(times):.3f} s of {len(times)}  "
        f"(ceiling < 1 s: {'met' if best < 1 else 'MISSED'}); CPU time of this process: "
        f"best {min(cpu):.3f} s, median {statistics.median(cpu):.3f} s; first call in this "
        f"process {first:.2f} s"
    )
    print(
        f"  readable Python (run_reference): {readable_times[0]:.2f} s, identical; "
        f"{readable_times[0] / best:.1f}× the compiled run"
    )
    if not args.no_oracle:
        start = time.perf_counter()
        theirs = oracle(inst)
        took = time.perf_counter() - start
        verdict = "identical" if theirs == outcome.placement else "DIFFERENT"
        how = (
            "HospitalResident"
            if len(inst.applicants) <= GAME_CHECKS_UP_TO
            else "its algorithm hospital_resident, without the game's quadratic input checks"
        )
        print(f"  matching 1.4 ({how}): {took:.1f} s, {verdict}; {took / best:.0f}× ours")
        assert theirs == outcome.placement
    print(f"  ({load()})")
    if args.search:
        search_benchmark(args)


if __name__ == "__main__":
    main()
