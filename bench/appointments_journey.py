"""CPU per booking in one process: the four requests of a booking (time page, reserve,
confirm, confirmation page) through Django's request handler, without HTTP and without other
clients, with the CPU of this process and of its PostgreSQL backend read around them.

Run by hand after `bench/appointments.py` has prepared its database (it reuses it and deletes
its bookings first):

    .venv/bin/python bench/appointments_journey.py --bookings 800
    SRC=/path/to/other/checkout .venv/bin/python bench/appointments_journey.py   # A/B

The production settings with Redis as cache (db 15 unless REDIS_URL is set) and the
appointment rate limits lifted, as the HTTP bench does. Prints per booking: Python CPU,
PostgreSQL CPU (the backend's /proc), wall time, and the Python CPU of each step. Useful to
compare two versions of the code on the same machine one after the other (the machine's speed
drifts within minutes, so alternate them a few times); docs/scaling.md, "Appointments at
release time".
"""

from __future__ import annotations

import argparse
import os
import random
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from appointments import LOCATIONS, SLOT_RE  # noqa: E402 (the HTTP bench's offices and times)


def setup_django(database: str, redis_url: str) -> None:
    """Django in this process with the production settings on `database`, Redis as the
    cache (REDIS_URL unless set), and the code of the checkout SRC (default: this one).
    Shared with bench/submit_journey.py."""
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "openkreis.settings.production")
    os.environ.setdefault("OPENKREIS_SECRET_KEY", "bench-" + "x" * 60)
    os.environ.setdefault("OPENKREIS_ALLOWED_HOSTS", "testserver")
    os.environ.setdefault("OPENKREIS_SSL_REDIRECT", "0")
    os.environ.setdefault("OPENKREIS_LOG_LEVEL", "WARNING")
    os.environ.setdefault("REDIS_URL", redis_url)
    os.environ["DATABASE_URL"] = database
    sys.path.insert(0, os.environ.get("SRC", str(Path(__file__).resolve().parent.parent)))
    import django

    django.setup()


def _setup(database: str) -> None:
    os.environ["OPENKREIS_APPOINTMENT_HOLDS_PER_HOUR"] = "1000000000"
    os.environ["OPENKREIS_APPOINTMENT_CONFIRMS_PER_HOUR"] = "1000000000"
    setup_django(database, "redis://127.0.0.1:6379/15")


def _backend_cpu(connection) -> float:
    fields = Path(f"/proc/{connection.connection.info.backend_pid}/stat").read_text()
    fields = fields.rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument(
        "--database",
        default="postgresql://postgres@127.0.0.1:5432/openkreis_bench_appointments",
    )
    parser.add_argument("--bookings", type=int, default=800)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument(
        "--warmup", type=int, default=30, help="bookings first, not counted (imports, caches)"
    )
    args = parser.parse_args()
    _setup(args.database)

    from django.db import connection
    from django.test import Client

    from openkreis.appointments import services
    from openkreis.appointments.models import AppointmentService, Booking, Branch, SlotClaim

    SlotClaim.objects.filter(booking__isnull=False).delete()
    Booking.objects.all().delete()
    Branch.objects.filter(services__key="bench-termin").update(horizon_days=56)
    chosen = [AppointmentService.objects.get(key="bench-termin")]
    days = {
        b.location.key: [d for d, _ in services.bookable_days(b, chosen)][:30]
        for b in Branch.objects.filter(services=chosen[0]).select_related("location")
    }
    rng = random.Random(args.seed)
    client = Client(HTTP_X_FORWARDED_PROTO="https")
    client.get("/healthz")
    connection.ensure_connection()
    steps = dict.fromkeys(("time page", "reserve", "confirm", "confirmation page"), 0.0)
    booked = 0
    for n in range(-args.warmup, args.bookings):
        if n == 0:  # the warm-up is over: count from here
            steps = dict.fromkeys(steps, 0.0)
            booked = 0
            cpu0, backend0 = time.process_time(), _backend_cpu(connection)
            wall0 = time.perf_counter()
        location = rng.choice(LOCATIONS)
        query = f"leistung=bench-termin&standort={location}&tag={rng.choice(days[location])}"
        t = time.process_time()
        response = client.get(f"/termine/zeit/?{query}")
        steps["time page"] += time.process_time() - t
        slots = SLOT_RE.findall(response.content)
        if not slots:
            continue
        fields = {"leistung": "bench-termin", "standort": location}
        fields["zeit"] = rng.choice(slots).decode()
        t = time.process_time()
        response = client.post("/termine/reservieren/", fields)
        steps["reserve"] += time.process_time() - t
        if response.status_code != 302:
            raise SystemExit(f"reserve: {response.status_code}")
        person = {"name": f"Bench {n}", "email": f"journey{n}@example.org"}
        t = time.process_time()
        response = client.post(response["Location"], person)
        steps["confirm"] += time.process_time() - t
        if response.status_code != 302:
            raise SystemExit(f"confirm: {response.status_code}")
        t = time.process_time()
        response = client.get(response["Location"])
        steps["confirmation page"] += time.process_time() - t
        if response.status_code != 200:
            raise SystemExit(f"confirmation page: {response.status_code}")
        booked += 1
    cpu = time.process_time() - cpu0
    backend = _backend_cpu(connection) - backend0
    wall = time.perf_counter() - wall0
    if not booked:
        raise SystemExit("no booking made: is the bench database prepared?")
    per = 1000 / booked
    print(
        f"{booked} bookings in one process: Python {cpu * per:.2f} ms, PostgreSQL "
        f"{backend * per:.2f} ms, wall {wall * per:.2f} ms per booking"
    )
    print("Python per step: " + ", ".join(f"{k} {v * per:.2f} ms" for k, v in steps.items()))


if __name__ == "__main__":
    main()
