"""Appointment booking benchmark through the real HTTP stack.

Run by hand (`.venv/bin/python bench/appointments.py`; needs PostgreSQL, default
postgresql://postgres@127.0.0.1:5432). It
1. creates its own database `openkreis_bench_appointments`, migrates it, loads Landkreis
   Harz (no demo) and adds its own appointment data: a 15-minute service at 5 locations
   with 4 counters each and a 4-week horizon, and a service with 20 counters and an
   8-week horizon for the slot search,
2. serves it with gunicorn and the production settings (the helpers of bench/submit.py),
3. ceiling: the same number of clients fetching /healthz for a few seconds,
4. load: 200 concurrent clients, each booking again and again the way a browser does —
   open a random day's time page at a random location, pick a free time, reserve it,
   confirm with name and e-mail — for --seconds; reports bookings/s, p50/p99 per booking
   and per request, lost races (409: somebody else was faster) and errors,
5. counts double bookings from the database (overlapping active bookings on one counter;
   must be 0) and checks every acknowledged booking is there,
6. slot search: the day list of the 20-counter service over 8 weeks (every day's slots
   computed) through HTTP and in-process.
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
from submit import Client, Server, manage, percentile  # noqa: E402 (the shared bench helpers)

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
    branch.buffer_minutes, branch.lead_minutes, branch.horizon_days = 5, 0, 56
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
from openkreis.appointments import services
from openkreis.appointments.models import AppointmentService, Branch
svc = [AppointmentService.objects.get(key="bench-termin")]
out = {}
for b in Branch.objects.filter(services=svc[0]):
    days = services.bookable_days(b, svc)
    out[b.location.key] = [d.isoformat() for d, _ in days][:20]
print(json.dumps(out))
"""
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
        """One booking; returns 'ok:<code>', 'lost' (409 or no free time) or raises."""
        location = rng.choice(LOCATIONS)
        day = rng.choice(days[location])
        query = f"leistung=bench-termin&standort={location}&tag={day}"
        status, _, data = self.request("slots", "GET", f"/termine/zeit/?{query}")
        if status != 200:
            raise RuntimeError(f"slots: {status}")
        slots = SLOT_RE.findall(data)
        if not slots:
            return "lost"
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


def run_load(clients: int, seconds: float, days: dict) -> dict:
    stop = time.time() + seconds
    lock = threading.Lock()
    acknowledged: list[str] = []
    booking_times: list[float] = []
    counts = {"lost": 0, "errors": 0}
    everyone: list[Booker] = []

    def worker(index: int) -> None:
        client = Booker(f"c{index}", retry=False)
        everyone.append(client)
        rng = random.Random(index)
        n = 0
        while time.time() < stop:
            n += 1
            t0 = time.perf_counter()
            try:
                result = client.book(n, days, rng)
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
                else:
                    counts["lost"] += 1

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(clients)]
    t0 = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    elapsed = time.perf_counter() - t0
    requests = [d for c in everyone for _, d in c.timings]
    return {
        "elapsed": elapsed,
        "acknowledged": acknowledged,
        "booking_times": booking_times,
        "requests": requests,
        "holds": [d for c in everyone for label, d in c.timings if label == "hold"],
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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--database", default="postgresql://postgres@127.0.0.1:5432")
    parser.add_argument("--clients", type=int, default=200)
    parser.add_argument("--seconds", type=float, default=30)
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument("--threads", type=int, default=8)
    args = parser.parse_args()

    import os

    import psycopg

    os.environ["OPENKREIS_APPOINTMENT_HOLDS_PER_HOUR"] = "1000000000"
    os.environ["OPENKREIS_APPOINTMENT_CONFIRMS_PER_HOUR"] = "1000000000"
    name = "openkreis_bench_appointments"
    with psycopg.connect(args.database + "/postgres", autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')
    url = f"{args.database}/{name}"
    print("preparing the database …")
    manage(url, "migrate", "--noinput", "-v0")
    manage(url, "collectstatic", "--noinput", "-v0")
    manage(url, "load_tenant", "harz", "--no-pages")
    manage(url, "shell", "-c", SETUP % {"locations": LOCATIONS})
    days = json.loads(manage(url, "shell", "-c", DAYS_CODE).strip().splitlines()[-1])
    print(f"bookable days per location: {', '.join(f'{k}={len(v)}' for k, v in days.items())}")

    server = Server(url, args.workers, args.threads)
    server.start()
    try:
        print(f"ceiling: {args.clients} clients on /healthz for 5 s …")
        healthz = ceiling(args.clients, 5)
        print(f"load: {args.clients} clients booking for {args.seconds:.0f} s …")
        result = run_load(args.clients, args.seconds, days)
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
    missing = set(result["acknowledged"]) - set(db["codes"])

    bookings = len(result["acknowledged"])
    rps = len(result["requests"]) / result["elapsed"]
    ms = 1000
    print()
    print(
        f"appointments benchmark · {dt.date.today()} · gunicorn {args.workers}×{args.threads} · "
        f"PostgreSQL · {args.clients} clients · {result['elapsed']:.0f} s"
    )
    print("| what | figure | ceiling / peer (same run) | ratio |")
    print("| --- | --- | --- | --- |")
    print(f"| bookings per second | {bookings / result['elapsed']:.1f} | – | – |")
    print(
        f"| HTTP requests per second (4 per booking) | {rps:.0f} | /healthz {healthz:.0f} "
        f"| {rps / healthz:.0%} |"
    )
    print(
        f"| booking (4 requests) p50 / p99 ms | "
        f"{percentile(result['booking_times'], 50) * ms:.0f} / "
        f"{percentile(result['booking_times'], 99) * ms:.0f} | – | – |"
    )
    print(
        f"| request p50 / p99 ms | {percentile(result['requests'], 50) * ms:.0f} / "
        f"{percentile(result['requests'], 99) * ms:.0f} | – | – |"
    )
    print(f"| reserve (hold) request p99 ms | {percentile(result['holds'], 99) * ms:.0f} | – | – |")
    print(
        f"| lost races (409 or day full) / errors | {result['lost']} / {result['errors']} | – | – |"
    )
    print(f"| acknowledged bookings / booked in database | {bookings} / {db['booked']} | – | – |")
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
