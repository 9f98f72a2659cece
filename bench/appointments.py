"""Appointment booking benchmark through the real HTTP stack.

Run by hand (`.venv/bin/python bench/appointments.py`; needs PostgreSQL, default
postgresql://postgres@127.0.0.1:5432). It
1. creates its own database `openkreis_bench_appointments`, migrates it, loads Landkreis
   Harz (no demo) and adds its own appointment data: a 15-minute service at 5 locations
   with 4 counters each and a 7-week horizon (the release opens an 8th week), and a
   service with 20 counters at one of them for the slot search,
2. serves it with gunicorn and the production settings (the helpers of bench/submit.py),
3. ceiling: the same number of clients fetching /healthz for a few seconds,
4. load: 200 concurrent clients, each booking again and again the way a browser does —
   open a random day's time page at a random location, pick a free time, reserve it,
   confirm with name and e-mail — for --seconds; reports bookings/s, p50/p99 per booking
   and per request, lost races (409: somebody else was faster) and errors,
5. release (issue 26): the last week of the horizon is closed while the steady load runs
   (horizon 49 days); then it opens (horizon 56) and all clients start at the same moment
   on the newly opened week, each booking again and again (a new citizen each time) on a
   random open day of that week at a random location, for --release-seconds or until the
   week is full. Reports bookings/s, p50/p99 per booking, the time from the opening to each
   client's first booking, lost races (409) and full days,
6. counts double bookings from the database (overlapping active bookings on one counter;
   must be 0) and checks every acknowledged booking is there,
7. slot search: the day list of the 20-counter service over 8 weeks (every day's slots
   computed) through HTTP and in-process.

`--scenario release` skips the steady load; `--scenario steady` skips the release. Every
figure is printed next to its ceiling (the /healthz rate of the same run, or the goal of
issue 26: >= 100 bookings/s, p99 < 2 s, 0 double bookings) and the ratio.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import random
import re
import sys
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import submit  # noqa: E402
from submit import Client, Server, manage, percentile  # noqa: E402 (the shared bench helpers)

# A port of its own, so that this bench and bench/submit.py can run side by side.
submit.PORT = 8744

LOCATIONS = [
    "lra-halberstadt",
    "lra-wernigerode",
    "lra-quedlinburg",
    "lra-halberstadt-schwanebecker",
    "lra-wernigerode-kurtsstrasse",
]
SETUP = """
import datetime as dt
from openkreis.appointments.models import AppointmentService, Branch, Counter
from openkreis.core.models import Location
book = AppointmentService.objects.create(key="bench-termin", name="Benchmark-Termin", minutes=15)
search = AppointmentService.objects.create(key="bench-suche", name="Benchmark-Suche", minutes=10)
for key in %(locations)r:
    branch, _ = Branch.objects.get_or_create(location=Location.objects.get(key=key))
    branch.buffer_minutes, branch.lead_minutes, branch.horizon_days = 5, 0, %(horizon)d
    branch.save()
    branch.services.add(book)
    for i in range(4):
        c = Counter.objects.create(branch=branch, label=f"Bench {i + 1}")
        c.services.add(book)
branch = Branch.objects.get(location__key="lra-halberstadt")
branch.services.add(search)
for i in range(20):
    c = Counter.objects.create(branch=branch, label=f"Suche {i + 1}")
    c.services.add(search)
"""
DAYS_CODE = """
import json
from django.utils import timezone
from openkreis.appointments import services
from openkreis.appointments.models import AppointmentService, Branch
svc = [AppointmentService.objects.get(key="bench-termin")]
out = {"steady": {}, "release": {}}
today = timezone.now().astimezone(services.BERLIN).date()
for b in Branch.objects.filter(services=svc[0]):
    b.horizon_days = %(horizon)d  # what the release opens (not saved)
    days = [d for d, _ in services.bookable_days(b, svc)]
    closed = [d for d in days if (d - today).days > %(opened)d]  # the week not open yet
    out["steady"][b.location.key] = [d.isoformat() for d in days if d not in closed][:20]
    out["release"][b.location.key] = [d.isoformat() for d in closed]
print(json.dumps(out))
"""
HORIZON, NEW_WEEK = 56, 7  # the release opens days 50-56 of the horizon
COUNT_CODE = """
import json
from collections import defaultdict
from openkreis.appointments.models import Booking
rows = Booking.objects.filter(state="booked").values_list("counter_id", "start", "end", "code")
by_counter = defaultdict(list)
for counter, start, end, code in rows:
    by_counter[counter].append((start, end, code))
overlaps = 0
for items in by_counter.values():
    items.sort()
    for a, b in zip(items, items[1:]):
        if b[0] < a[1]:
            overlaps += 1
codes = [r[3] for r in rows]
print(json.dumps({"booked": len(codes), "double": overlaps, "codes": codes}))
"""
SEARCH_CODE = """
import json, time
from openkreis.appointments import services
from openkreis.appointments.models import AppointmentService, Branch
svc = [AppointmentService.objects.get(key="bench-suche")]
b = Branch.objects.get(location__key="lra-halberstadt")
times = []
for _ in range(%(n)d):
    t0 = time.perf_counter()
    days = services.bookable_days(b, svc)
    times.append(time.perf_counter() - t0)
print(json.dumps({"times": times, "days": len(days), "slots": sum(n for _, n in days)}))
"""
SLOT_RE = re.compile(rb'name="zeit" value="([0-9T:-]+)"')
CODE_RE = re.compile(rb'class="appt-code">([A-Z0-9-]+)<')


class Booker(Client):
    def book(self, n: int, days: dict, rng: random.Random) -> str:
        """One booking; returns 'ok:<code>', 'lost' (409: somebody else was faster),
        'full:<location>|<day>' (no free time on the day's page) or raises."""
        location = rng.choice([k for k in LOCATIONS if days.get(k)])  # a full one is gone
        day = rng.choice(days[location])
        query = f"leistung=bench-termin&standort={location}&tag={day}"
        status, _, data = self.request("slots", "GET", f"/termine/zeit/?{query}")
        if status != 200:
            raise RuntimeError(f"slots: {status}")
        slots = SLOT_RE.findall(data)
        if not slots:
            return f"full:{location}|{day}"
        fields = {"leistung": "bench-termin", "standort": location, "zeit": rng.choice(slots)}
        fields["zeit"] = fields["zeit"].decode()
        status, location_header, data = self.request(
            "hold", "POST", "/termine/reservieren/", fields
        )
        if status == 409:
            return "lost"
        if status != 302:
            raise RuntimeError(f"hold: {status} {data[:200]!r}")
        person = {"name": f"Bench {self.username} {n}", "email": f"{self.username}-{n}@example.org"}
        status, location_header, data = self.request("confirm", "POST", location_header, person)
        if status == 409:
            return "lost"
        if status != 302:
            raise RuntimeError(f"confirm: {status} {data[:200]!r}")
        status, _, data = self.request("page", "GET", location_header)
        code = CODE_RE.search(data)
        if status != 200 or code is None:
            raise RuntimeError(f"confirmation page: {status}")
        return "ok:" + code.group(1).decode().replace("-", "")


def run_load(clients: int, seconds: float, days: dict, prefix: str = "c", opening=None) -> dict:
    """`clients` bookers for `seconds`. With `opening` (the release): `opening()` opens the
    week (and returns when every web process sees it), then every client is started and
    connected, and all of them go at the same moment; a (location, day) that shows no free
    time is dropped for everyone, and the run ends early when the whole week is full."""
    lock = threading.Lock()
    acknowledged: list[str] = []
    booking_times: list[float] = []
    first_booking: list[float] = []
    counts = {"lost": 0, "full": 0, "errors": 0}
    everyone: list[Booker] = []
    open_days = {k: list(v) for k, v in days.items() if v}
    gate = threading.Barrier(clients + 1)
    start = [0.0, 0.0]  # perf_counter and wall clock of the start

    def worker(index: int) -> None:
        client = Booker(f"{prefix}{index}", retry=False)
        with lock:
            everyone.append(client)
        rng = random.Random(f"{prefix}{index}")
        if opening is not None:
            client.request("warm", "GET", "/healthz")  # connected before the opening
            client.timings.clear()
        gate.wait()
        stop = start[1] + seconds
        n, booked = 0, False
        while time.time() < stop:
            with lock:
                if not open_days:
                    return  # the week is full
                choice = {k: list(v) for k, v in open_days.items()}
            n += 1
            t0 = time.perf_counter()
            try:
                result = client.book(n, choice, rng)
            except Exception as exc:  # noqa: BLE001 - counted and shown
                with lock:
                    counts["errors"] += 1
                    if counts["errors"] <= 3:
                        print("  error:", exc)
                client.conn = None
                continue
            with lock:
                if result.startswith("ok:"):
                    acknowledged.append(result[3:])
                    booking_times.append(time.perf_counter() - t0)
                    if not booked:
                        first_booking.append(time.perf_counter() - start[0])
                        booked = True
                elif result.startswith("full:"):
                    counts["full"] += 1
                    if opening is not None:  # nobody offers a full day any more
                        location, day = result[5:].split("|")
                        if day in open_days.get(location, []):
                            open_days[location].remove(day)
                            if not open_days[location]:
                                del open_days[location]
                else:
                    counts["lost"] += 1

    if opening is not None:
        opening()  # before the clients connect: gunicorn closes a keep-alive idle for 2 s
    threads = [threading.Thread(target=worker, args=(i,)) for i in range(clients)]
    for t in threads:
        t.start()
    if opening is not None:
        time.sleep(0.5)  # every client connected and waiting at the gate
    start[0], start[1] = time.perf_counter(), time.time()
    gate.wait()
    for t in threads:
        t.join()
    elapsed = time.perf_counter() - start[0]
    requests = [d for c in everyone for _, d in c.timings]
    return {
        "elapsed": elapsed,
        "acknowledged": acknowledged,
        "booking_times": booking_times,
        "first_booking": first_booking,
        "requests": requests,
        "holds": [d for c in everyone for label, d in c.timings if label == "hold"],
        "week_full": opening is not None and not open_days,
        **counts,
    }


def ceiling(clients: int, seconds: float) -> float:
    stop = time.time() + seconds
    done = [0]
    lock = threading.Lock()

    def worker(index: int) -> None:
        client = Client(f"h{index}", retry=False)
        while time.time() < stop:
            client.request("healthz", "GET", "/healthz")
            with lock:
                done[0] += 1

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(clients)]
    t0 = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return done[0] / (time.perf_counter() - t0)


RESET_CODE = """
from openkreis.appointments.models import Booking, Branch, SlotClaim
SlotClaim.objects.filter(booking__isnull=False).delete()
Booking.objects.all().delete()
Branch.objects.filter(services__key="bench-termin").update(horizon_days=%(horizon)d)
"""


def prepare(admin_url: str, reuse: bool) -> str:
    import psycopg

    name = "openkreis_bench_appointments"
    url = f"{admin_url}/{name}"
    with psycopg.connect(admin_url + "/postgres", autocommit=True) as conn:
        exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone()
        if reuse and exists:
            print("reusing the database (bookings deleted) …")
            manage(url, "migrate", "--noinput", "-v0")
            manage(url, "shell", "-c", RESET_CODE % {"horizon": HORIZON - NEW_WEEK})
            return url
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')
    print("preparing the database …")
    manage(url, "migrate", "--noinput", "-v0")
    manage(url, "collectstatic", "--noinput", "-v0")
    manage(url, "load_tenant", "harz", "--no-pages")
    manage(url, "shell", "-c", SETUP % {"locations": LOCATIONS, "horizon": HORIZON - NEW_WEEK})
    return url


# The web processes keep a branch's set-up for this many seconds (config.setup_cache).
SETUP_SECONDS = 5


def open_week(url: str) -> None:
    """The release: the bench branches' horizon grows by the new week. The UPDATE reaches
    the web processes as an admin's change in another process does, after SETUP_SECONDS;
    the clients start when every process sees it. (In production a week opens by the
    calendar: each midnight a new day enters the horizon, no set-up changes.)"""
    import psycopg

    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute(
            "UPDATE appointments_branch SET horizon_days = %s WHERE id IN (SELECT branch_id "
            "FROM appointments_branch_services bs JOIN appointments_appointmentservice s "
            "ON s.id = bs.appointmentservice_id WHERE s.key = 'bench-termin')",
            [HORIZON],
        )
    time.sleep(SETUP_SECONDS + 0.5)


def _ratio(value: float, ceiling: float) -> str:
    return f"{value / ceiling:.0%}" if ceiling else "–"


def _phase_rows(label: str, result: dict, healthz: float) -> list[str]:
    ms = 1000
    bookings = len(result["acknowledged"])
    rate = bookings / result["elapsed"]
    rps = len(result["requests"]) / result["elapsed"]
    p50 = percentile(result["booking_times"], 50) * ms if result["booking_times"] else 0
    p99 = percentile(result["booking_times"], 99) * ms if result["booking_times"] else 0
    rows = [
        f"| {label}: bookings per second | {rate:.1f} | goal 100 | {_ratio(rate, 100)} |",
        f"| {label}: HTTP requests per second (4 per booking) | {rps:.0f} | /healthz "
        f"{healthz:.0f} | {_ratio(rps, healthz)} |",
        f"| {label}: booking (4 requests) p50 / p99 ms | {p50:.0f} / {p99:.0f} | goal p99 2000 "
        f"| {_ratio(p99, 2000)} |",
        f"| {label}: request p50 / p99 ms | {percentile(result['requests'], 50) * ms:.0f} / "
        f"{percentile(result['requests'], 99) * ms:.0f} | – | – |",
        f"| {label}: reserve (hold) request p99 ms | "
        f"{percentile(result['holds'], 99) * ms:.0f} | – | – |",
        f"| {label}: lost races (409) / day pages without a free time / errors | "
        f"{result['lost']} / {result['full']} / {result['errors']} | – | – |",
    ]
    if result["first_booking"]:
        first = result["first_booking"]
        since = "the opening" if label.startswith("release") else "the start"
        rows.append(
            f"| {label}: from {since} to a client's first booking p50 / p99 ms "
            f"({len(first)} clients booked) | {percentile(first, 50) * ms:.0f} / "
            f"{percentile(first, 99) * ms:.0f} | – | – |"
        )
    return rows


def _start(server: Server) -> None:
    """Start gunicorn; on a busy machine its workers may need longer than submit.py's
    minute to answer, so wait up to four more before giving up."""
    try:
        server.start()
        return
    except RuntimeError:
        pass
    deadline = time.time() + 240
    while time.time() < deadline:
        try:
            if Client("start", retry=False).request("start", "GET", "/healthz")[0] == 200:
                return
        except OSError:
            time.sleep(1)
    raise RuntimeError("gunicorn did not start")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--database", default="postgresql://postgres@127.0.0.1:5432")
    parser.add_argument("--clients", type=int, default=200)
    parser.add_argument("--seconds", type=float, default=30, help="steady load")
    parser.add_argument("--release-seconds", type=float, default=30)
    parser.add_argument("--scenario", choices=["both", "steady", "release"], default="both")
    # 2 cores: one process per core with two threads (one runs while the other waits for
    # PostgreSQL). 4 x 8 handlers booked 14-38 % less per second with 2-3x the p99: 32
    # handlers on two cores share them unfairly (docs/scaling.md, "The database driver").
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument(
        "--reuse", action="store_true", help="keep the prepared database, delete its bookings"
    )
    parser.add_argument(
        "--cache",
        default="redis://127.0.0.1:6379/14",
        help="REDIS_URL of the shared cache, as in production (README); 'database' for "
        "the fallback cache table",
    )
    args = parser.parse_args()

    import os

    os.environ["OPENKREIS_APPOINTMENT_HOLDS_PER_HOUR"] = "1000000000"
    os.environ["OPENKREIS_APPOINTMENT_CONFIRMS_PER_HOUR"] = "1000000000"
    os.environ["OPENKREIS_APPOINTMENT_SETUP_SECONDS"] = str(SETUP_SECONDS)
    if args.cache != "database":
        os.environ["REDIS_URL"] = args.cache  # the rate limits' counters live there
    else:
        os.environ.pop("REDIS_URL", None)
    url = prepare(args.database, args.reuse)
    days = json.loads(
        manage(
            url,
            "shell",
            "-c",
            DAYS_CODE % {"horizon": HORIZON, "opened": HORIZON - NEW_WEEK},
        )
        .strip()
        .splitlines()[-1]
    )
    for phase in ("steady", "release"):
        print(
            f"{phase} days per location: "
            + ", ".join(f"{k}={len(v)}" for k, v in days[phase].items())
        )

    load = [os.getloadavg()]
    server = Server(url, args.workers, args.threads)
    steady = release = None
    try:
        _start(server)
        print(f"ceiling: {args.clients} clients on /healthz for 5 s …")
        healthz = ceiling(args.clients, 5)
        if args.scenario in ("both", "steady"):
            print(f"steady: {args.clients} clients booking for {args.seconds:.0f} s …")
            steady = run_load(args.clients, args.seconds, days["steady"])
        if args.scenario in ("both", "release"):
            print(
                f"release: the new week opens, {args.clients} clients book on it at once "
                f"(at most {args.release_seconds:.0f} s) …"
            )
            release = run_load(
                args.clients,
                args.release_seconds,
                days["release"],
                prefix="r",
                opening=lambda: open_week(url),
            )
        load.append(os.getloadavg())
        search_http = []
        client = Client("search", retry=False)
        path = "/termine/tag/?leistung=bench-suche&standort=lra-halberstadt"
        for _ in range(20):
            t0 = time.perf_counter()
            status, _, _ = client.request("search", "GET", path)
            search_http.append(time.perf_counter() - t0)
            assert status == 200, status
    finally:
        server.stop()
    db = json.loads(manage(url, "shell", "-c", COUNT_CODE).strip().splitlines()[-1])
    search_out = manage(url, "shell", "-c", SEARCH_CODE % {"n": 20})
    search = json.loads(search_out.strip().splitlines()[-1])
    acknowledged = [c for r in (steady, release) if r for c in r["acknowledged"]]
    missing = set(acknowledged) - set(db["codes"])

    ms = 1000
    print()
    print(
        f"appointments benchmark · {dt.date.today()} · gunicorn {args.workers}×{args.threads} · "
        f"PostgreSQL · cache {'Redis' if args.cache != 'database' else 'database table'} · "
        f"{args.clients} clients · load average (1 min) before / after "
        f"{load[0][0]:.1f} / {load[-1][0]:.1f} on {os.cpu_count()} cores"
    )
    print("| what | figure | ceiling / goal (same run) | ratio |")
    print("| --- | --- | --- | --- |")
    if steady:
        print("\n".join(_phase_rows(f"steady {steady['elapsed']:.0f} s", steady, healthz)))
    if release:
        label = f"release {release['elapsed']:.1f} s"
        print("\n".join(_phase_rows(label, release, healthz)))
        print(
            "| release: the new week full before the time was up | "
            f"{release['week_full']} | – | – |"
        )
    print(
        f"| acknowledged bookings / booked in database | {len(acknowledged)} / {db['booked']} "
        "| – | – |"
    )
    print(f"| acknowledged but missing in database | {len(missing)} | 0 | – |")
    print(f"| **double bookings (overlaps on one counter)** | **{db['double']}** | 0 | – |")
    print(
        f"| slot search, 20 counters × 8 weeks ({search['days']} days, {search['slots']} slots), "
        f"HTTP p50 / p99 ms | {percentile(search_http, 50) * ms:.0f} / "
        f"{percentile(search_http, 99) * ms:.0f} | in-process p50 "
        f"{percentile(search['times'], 50) * ms:.0f} | "
        f"{percentile(search['times'], 50) / percentile(search_http, 50):.0%} |"
    )


if __name__ == "__main__":
    main()
