"""Search benchmark: autocomplete and search over a generated catalogue of 10,000 services.

Run by hand (`make bench` or `.venv/bin/python bench/search.py`). It
1. builds its own SQLite database under var/bench/ with the made-up Musterkreis and
   10,000 generated services (names from real administrative words),
2. measures autocomplete latency in-process (the search function, no HTTP),
3. starts gunicorn with the production settings and measures, through the real HTTP
   stack, the autocomplete API, the search results page and a static file (the ceiling),
   each with the same concurrent keep-alive clients,
and prints a table with p50/p99 latency, requests/s and the ratio to the static file, the
goals (autocomplete and the results page each ≥ 1/3 of the static file) and the load
average. `--reuse-db` keeps the database of an earlier run (building it takes minutes).
"""

from __future__ import annotations

import argparse
import http.client
import multiprocessing as mp
import os
import random
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.parse
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
WORK = ROOT / "var" / "bench"
DB = WORK / "search.sqlite3"
PORT = 8731
SECRET = "bench-" + "s" * 60

OBJECTS = [
    "Führerschein",
    "Fahrerlaubnis",
    "Personalausweis",
    "Reisepass",
    "Wohngeld",
    "Elterngeld",
    "Hundesteuer",
    "Gewerbe",
    "Baugenehmigung",
    "Kita-Platz",
    "Meldebescheinigung",
    "Aufenthaltstitel",
    "Jagdschein",
    "Fischereischein",
    "Waffenbesitzkarte",
    "Sperrmüll",
    "Parkausweis",
    "Kfz-Zulassung",
    "Kennzeichen",
    "Grundsteuer",
    "Zweitwohnung",
    "Geburtsurkunde",
    "Eheschließung",
    "Sterbeurkunde",
    "Führungszeugnis",
    "Schülerbeförderung",
    "Sondernutzung",
    "Veranstaltung",
    "Gaststätte",
    "Trinkwasser",
    "Kleinkläranlage",
    "Brunnen",
    "Baumfällung",
    "Denkmal",
    "Bodenrichtwert",
    "Wohnberechtigungsschein",
    "Einbürgerung",
    "Unterhaltsvorschuss",
    "Pflegekind",
    "Schwerbehindertenausweis",
]
ACTIONS = [
    "beantragen",
    "verlängern",
    "ändern",
    "abmelden",
    "anmelden",
    "ersetzen",
    "umschreiben",
    "Auskunft",
    "Genehmigung",
    "Bescheinigung",
    "Widerspruch",
    "Befreiung",
    "Ermäßigung",
]
QUALIFIERS = [
    "für Unternehmen",
    "für Vereine",
    "im Ausland",
    "bei Umzug",
    "für Kinder",
    "für Senioren",
    "vorläufig",
    "befristet",
    "dauerhaft",
    "digital",
    "mit Termin",
    "in Eilfällen",
]
AUTOCOMPLETE_INPUTS = [
    "fü",
    "führ",
    "führersch",
    "fahrerl",
    "perso",
    "reisep",
    "wohng",
    "eltern",
    "hundest",
    "gewer",
    "bauge",
    "kita",
    "melde",
    "aufent",
    "jagd",
    "fisch",
    "waffen",
    "sperrm",
    "parka",
    "kfz",
    "kennz",
    "grunds",
    "geburt",
    "ehesch",
    "führungsz",
    "schülerb",
    "fuhrerschein",
    "fuehrerschein",
    "wohngled",
    "baugenemigung",
    "auto anm",
    "ausweis verl",
]
SEARCH_INPUTS = [
    "Führerschein",
    "Auto anmelden",
    "Personalausweis verlängern",
    "Wohngeld beantragen",
    "Hundesteuer",
    "Gewerbe anmelden",
    "Baugenehmigung",
    "Kita Platz",
    "Führerschien",
    "Reisepass für Kinder",
    "Sperrmüll",
    "Jagdschein verlängern",
]


def env() -> dict:
    return {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "openkreis.settings.production",
        "OPENKREIS_SECRET_KEY": SECRET,
        "OPENKREIS_ALLOWED_HOSTS": "127.0.0.1,localhost",
        "OPENKREIS_SSL_REDIRECT": "0",
        "OPENKREIS_SQLITE_PATH": str(DB),
        "OPENKREIS_TENANT": "musterkreis",
        "OPENKREIS_API_ANON_RATE": "100000000/minute",
        "OPENKREIS_LOG_LEVEL": "WARNING",
        # the anonymous search log in batches of a second per process (as in production)
        "OPENKREIS_SEARCH_LOG_BATCH_SECONDS": "1",
    }


def setup_database(count: int) -> None:
    """Fresh database: migrate, load Musterkreis, add `count` generated services."""
    WORK.mkdir(parents=True, exist_ok=True)
    for suffix in ("", "-wal", "-shm"):
        Path(str(DB) + suffix).unlink(missing_ok=True)
    os.environ.update(env())
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    call_command("collectstatic", "--noinput", verbosity=0)
    call_command("load_tenant", str(ROOT / "tenants" / "musterkreis"), "--no-pages", verbosity=0)
    from openkreis.catalog.models import Service
    from openkreis.core.models import Tenant

    tenant = Tenant.objects.get(slug="musterkreis")
    rng = random.Random(42)
    topics = ["mobilitaet-reisen", "bauen-wohnen", "familie-kind", "recht-ordnung"]
    services, seen = [], set()
    while len(services) < count:
        name = f"{rng.choice(OBJECTS)} {rng.choice(ACTIONS)} {rng.choice(QUALIFIERS)}"
        slug_base = name.lower().translate(str.maketrans("äöüß ", "aous-")).replace("--", "-")
        slug = f"{slug_base}-{len(services)}"
        if slug in seen:
            continue
        seen.add(slug)
        services.append(
            Service(
                tenant=tenant,
                slug=slug[:120],
                name=name,
                summary=f"Hier können Sie {name} erledigen. Wir sagen Ihnen, was Sie brauchen.",
                description="Generierte Leistung für den Benchmark. " * 3,
                ozg_topic=rng.choice(topics),
                level="county",
                keywords=[rng.choice(OBJECTS), rng.choice(ACTIONS)],
                popularity=rng.randint(1, 100),
            )
        )
    Service.objects.bulk_create(services, batch_size=1000)


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    k = min(len(ordered) - 1, max(0, int(round(p / 100 * (len(ordered) - 1)))))
    return ordered[k]


def typing_inputs(count: int, seed: int = 7) -> list[str]:
    """What people type: prefixes of words of real service names, some with a typo."""
    rng = random.Random(seed)
    inputs = list(AUTOCOMPLETE_INPUTS)
    words = [w for phrase in OBJECTS + ACTIONS + QUALIFIERS for w in phrase.split()]
    while len(inputs) < count:
        word = rng.choice(words)
        text = word[: rng.randint(2, len(word))].lower()
        if rng.random() < 0.15 and len(text) > 4:
            i = rng.randrange(1, len(text) - 1)
            text = text[:i] + text[i + 1] + text[i] + text[i + 2 :]  # swapped letters
        if rng.random() < 0.3:
            text = f"{text} {rng.choice(ACTIONS)[:3].lower()}"
        inputs.append(text)
    return inputs


def in_process(queries: list[str]) -> dict:
    """Raw search latency: the index itself, without the per-index memo of repeated input."""
    from openkreis.catalog.search import backend
    from openkreis.core.models import Tenant

    tenant = Tenant.objects.get(slug="musterkreis")
    started = time.perf_counter()
    index = backend.index_for(tenant.id)
    build = time.perf_counter() - started
    timings = []
    for query in queries:
        t0 = time.perf_counter()
        index.search(query, limit=8)
        timings.append((time.perf_counter() - t0) * 1000)
    return {
        "build_s": build,
        "p50": percentile(timings, 50),
        "p99": percentile(timings, 99),
        "max": max(timings),
        "n": len(timings),
    }


def _client(args) -> tuple[list[float], int]:
    paths, seconds, seed = args
    rng = random.Random(seed)
    conn = http.client.HTTPConnection("127.0.0.1", PORT, timeout=30)
    latencies, errors = [], 0
    deadline = time.perf_counter() + seconds
    while time.perf_counter() < deadline:
        path = rng.choice(paths)
        t0 = time.perf_counter()
        try:
            conn.request("GET", path, headers={"Host": "127.0.0.1", "Accept-Language": "de"})
            response = conn.getresponse()
            response.read()
            if response.status != 200:
                errors += 1
        except (OSError, http.client.HTTPException):
            errors += 1
            conn.close()
            conn = http.client.HTTPConnection("127.0.0.1", PORT, timeout=30)
            continue
        latencies.append((time.perf_counter() - t0) * 1000)
    conn.close()
    return latencies, errors


def load(paths: list[str], clients: int, seconds: float) -> dict:
    with mp.Pool(clients) as pool:
        t0 = time.perf_counter()
        results = pool.map(_client, [(paths, seconds, i) for i in range(clients)])
        elapsed = time.perf_counter() - t0
    latencies = [x for lat, _ in results for x in lat]
    errors = sum(e for _, e in results)
    return {
        "rps": len(latencies) / elapsed,
        "p50": percentile(latencies, 50),
        "p99": percentile(latencies, 99),
        "n": len(latencies),
        "errors": errors,
    }


def wait_for_port(port: int, timeout: float = 30) -> None:
    deadline = time.time() + timeout
    while time.time() < deadline:
        with socket.socket() as s:
            if s.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.2)
    raise RuntimeError("gunicorn did not start")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--services", type=int, default=10_000)
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--threads", type=int, default=4)
    parser.add_argument(
        "--reuse-db",
        action="store_true",
        help="keep var/bench/search.sqlite3 if it exists (built by an earlier run)",
    )
    args = parser.parse_args()
    sys.path.insert(0, str(ROOT))

    if args.reuse_db and DB.exists():
        os.environ.update(env())
        import django

        django.setup()
        from django.core.management import call_command

        call_command("migrate", verbosity=0)
    else:
        setup_database(args.services)
    queries = typing_inputs(3000)
    inproc = in_process(queries)

    from django.contrib.staticfiles.storage import staticfiles_storage

    static_path = staticfiles_storage.url("css/portal.css")
    gunicorn = shutil.which("gunicorn", path=str(ROOT / ".venv" / "bin")) or "gunicorn"
    server = subprocess.Popen(
        [
            gunicorn,
            "openkreis.wsgi:application",
            "-b",
            f"127.0.0.1:{PORT}",
            "--workers",
            str(args.workers),
            "--worker-class",
            "gthread",
            "--threads",
            str(args.threads),
            "--log-level",
            "warning",
            "--keep-alive",
            "30",
        ],
        cwd=ROOT,
        env=env(),
        start_new_session=True,
    )
    try:
        wait_for_port(PORT)
        auto_paths = [f"/api/v1/search/autocomplete/?q={urllib.parse.quote(q)}" for q in queries]
        search_paths = [f"/suche/?q={urllib.parse.quote(q)}" for q in SEARCH_INPUTS]
        load(auto_paths + search_paths, args.clients, 2)  # warm every worker's index
        load_before = os.getloadavg()
        static = load([static_path], args.clients, args.seconds)
        auto = load(auto_paths, args.clients, args.seconds)
        search = load(search_paths, args.clients, args.seconds)
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=20)

    print(
        f"\nSearch benchmark — {args.services:,} services, {os.cpu_count()} cores, "
        f"gunicorn {args.workers} workers × {args.threads} threads, "
        f"{args.clients} keep-alive clients, "
        f"{args.seconds:.0f} s each, {len(set(queries)):,} distinct typed inputs"
    )
    print(f"index build (in-process): {inproc['build_s']:.2f} s")
    print(f"{'what':<34}{'p50 ms':>9}{'p99 ms':>9}{'req/s':>9}{'vs static':>11}{'errors':>8}")
    print(
        f"{'autocomplete, in-process, uncached':<34}{inproc['p50']:>9.2f}{inproc['p99']:>9.2f}"
        f"{'':>9}{'':>11}{0:>8}"
    )
    for label, row in (
        ("static file via gunicorn (ceiling)", static),
        ("autocomplete API via gunicorn", auto),
        ("search results page via gunicorn", search),
    ):
        ratio = row["rps"] / static["rps"]
        print(
            f"{label:<34}{row['p50']:>9.2f}{row['p99']:>9.2f}{row['rps']:>9.0f}"
            f"{ratio:>10.0%} {row['errors']:>8}"
        )
    goal_latency = inproc["p99"] < 30
    goal_throughput = auto["rps"] >= static["rps"] / 3
    goal_page = search["rps"] >= static["rps"] / 3
    print(
        f"\ngoal autocomplete p99 < 30 ms in-process: {'met' if goal_latency else 'MISSED'}; "
        f"autocomplete ≥ 1/3 of static throughput: {'met' if goal_throughput else 'MISSED'}; "
        f"search results page ≥ 1/3 of static throughput: {'met' if goal_page else 'MISSED'} "
        f"({search['rps']:.0f} req/s vs ceiling/3 = {static['rps'] / 3:.0f} req/s, "
        f"ratio {search['rps'] / static['rps']:.2f} of the static file, goal 0.33)"
    )
    load_after = os.getloadavg()
    print(
        "load average (1/5/15 min): before "
        + " ".join(f"{x:.2f}" for x in load_before)
        + ", after "
        + " ".join(f"{x:.2f}" for x in load_after)
        + f"; {time.strftime('%Y-%m-%d %H:%M')}"
    )


if __name__ == "__main__":
    main()
