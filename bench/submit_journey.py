"""CPU per online application in one process: the citizen's requests of one application
(start, each of the five form pages shown and sent, the check page, "send", the receipt)
through Django's request handler, without HTTP and without other clients, and the worker's
step that opens the case after the acknowledgement, with the CPU of this process and of its
PostgreSQL backend read around them.

Run by hand after `bench/submit.py` has prepared its database (it reuses it and marks the
drafts of its citizen's earlier runs abandoned first):

    .venv/bin/python bench/submit_journey.py --applications 200
    SRC=/path/to/other/checkout .venv/bin/python bench/submit_journey.py   # A/B

The production settings, Redis as the shared cache (db 12, as the HTTP bench) and as the
broker (db 14, emptied before and after: "send" publishes its task there as in production,
and this process then runs the worker's step itself, timed apart). Prints per application:
the web requests' Python and PostgreSQL CPU, the worker step's, wall time, and per step the
Python and PostgreSQL CPU (`--queries`: the SQL queries too). The machine's speed drifts
within minutes, so compare two versions of the code at the same time, one citizen each
(`--user bench1` for the second), a few rounds; docs/scaling.md, "Submissions at peak".
"""

from __future__ import annotations

import argparse
import contextlib
import os
import re
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from appointments_journey import _backend_cpu, setup_django  # noqa: E402 (shared set-up)
from submit import SERVICE, journey_pages  # noqa: E402 (the HTTP bench's form and answers)

BROKER = "redis://127.0.0.1:6379/14"
STEPS = (
    "start",  # the start and the draft's address, which leads to its first page
    "form page shown",
    "form page sent",
    "check page",
    "send",
    "receipt",
)


def _setup(database: str) -> None:
    root = Path(__file__).resolve().parent.parent
    os.environ.setdefault("OPENKREIS_MEDIA_ROOT", str(root / "var" / "bench" / "media"))
    os.environ["CELERY_BROKER_URL"] = BROKER
    setup_django(database, "redis://127.0.0.1:6379/12")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument(
        "--database", default="postgresql://postgres@127.0.0.1:5432/openkreis_bench_submit"
    )
    parser.add_argument("--applications", type=int, default=200)
    parser.add_argument("--user", default="bench0", help="a citizen account of bench/submit.py")
    parser.add_argument(
        "--warmup", type=int, default=10, help="applications first, not counted (imports, caches)"
    )
    parser.add_argument(
        "--queries", action="store_true", help="also count the SQL queries of each step"
    )
    parser.add_argument("--show", help="print the SQL of this step's requests (with --queries)")
    args = parser.parse_args()
    if args.applications < 1:
        parser.error("--applications: at least 1")
    _setup(args.database)

    import redis
    from django.contrib.auth import get_user_model
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from openkreis.forms import services
    from openkreis.forms.models import Application

    redis.Redis.from_url(BROKER).flushdb()
    user = get_user_model().objects.get(username=args.user)
    # this citizen's drafts of an earlier run (another citizen's run may go on beside this one)
    Application.objects.filter(user=user, status="draft").update(status="abandoned")
    client = Client(HTTP_X_FORWARDED_PROTO="https")
    client.force_login(user)
    client.get("/healthz")
    connection.ensure_connection()

    def timed(step: str, method: str, path: str, data=None, expect=200):
        capture = CaptureQueriesContext(connection) if args.queries else contextlib.nullcontext()
        t, b = time.process_time(), _backend_cpu(connection)
        with capture:
            response = client.get(path) if method == "GET" else client.post(path, data or {})
        steps[step] += time.process_time() - t
        backend_steps[step] += _backend_cpu(connection) - b
        if args.queries:
            queries[step] += len(capture)
            if step == args.show and n == 0:
                print(f"-- {method} {path}")
                for q in capture.captured_queries:
                    print(q["sql"][:300])
        if response.status_code != expect:
            raise SystemExit(f"{step} {path}: {response.status_code} {response.content[:300]!r}")
        return response

    steps = dict.fromkeys(STEPS, 0.0)
    queries = dict.fromkeys(STEPS, 0)
    backend_steps = dict.fromkeys(STEPS, 0.0)
    worker = worker_backend = 0.0
    for n in range(-args.warmup, args.applications):
        if n == 0:  # the warm-up is over: count from here
            steps = dict.fromkeys(STEPS, 0.0)
            queries = dict.fromkeys(STEPS, 0)
            backend_steps = dict.fromkeys(STEPS, 0.0)
            worker = worker_backend = 0.0
            cpu0, backend0 = time.process_time(), _backend_cpu(connection)
            wall0 = time.perf_counter()
        marker = f"Bitte holen Sie meinen Sperrmüll ab (Auftrag journey-{n})."
        location = timed("start", "POST", f"/antrag/{SERVICE}/", expect=302)["Location"]
        pk = re.search(r"/antrag/a/([0-9a-f-]{36})/", location).group(1)
        location = timed("start", "GET", location, expect=302)["Location"]  # to the first page
        for key, fields, files in journey_pages(args.user, n, marker):
            timed("form page shown", "GET", location)
            data = dict(fields)
            for name, (filename, content) in files.items():
                upload = _upload(filename, content)
                data[name] = upload
            location = timed(
                "form page sent", "POST", f"/antrag/a/{pk}/seite/{key}/", data, expect=302
            )["Location"]
        page = timed("check page", "GET", f"/antrag/a/{pk}/pruefen/").content
        if marker.encode() not in page:
            raise SystemExit("the check page does not show the answers")
        key = re.search(rb'name="idempotency_key" value="([0-9a-f-]{36})"', page).group(1)
        receipt = timed(
            "send", "POST", f"/antrag/a/{pk}/absenden/", {"idempotency_key": key.decode()}, 302
        )["Location"]
        timed("receipt", "GET", receipt)
        application_id = Application.objects.get(public_id=pk).pk  # the task's argument
        t, b = time.process_time(), _backend_cpu(connection)
        outcome = services.register_submitted(application_id)
        worker += time.process_time() - t
        worker_backend += _backend_cpu(connection) - b
        if outcome != "registered":
            raise SystemExit(f"the worker's step: {outcome}")
    cpu = time.process_time() - cpu0 - worker
    backend = _backend_cpu(connection) - backend0 - worker_backend
    wall = time.perf_counter() - wall0
    redis.Redis.from_url(BROKER).flushdb()  # the tasks "send" published (run above)
    per = 1000 / args.applications
    print(
        f"{args.applications} applications in one process: web requests Python "
        f"{cpu * per:.2f} ms, PostgreSQL {backend * per:.2f} ms; the worker's step Python "
        f"{worker * per:.2f} ms, PostgreSQL {worker_backend * per:.2f} ms; "
        f"wall {wall * per:.2f} ms per application"
    )
    counts = {"start": 2, "form page shown": 5, "form page sent": 5}  # requests per step
    print(
        "Python per request: "
        + ", ".join(f"{k} {v * per / counts.get(k, 1):.2f} ms" for k, v in steps.items())
    )
    print(
        "PostgreSQL per request (the kernel counts in ticks of 10 ms: a mean over many): "
        + ", ".join(f"{k} {v * per / counts.get(k, 1):.2f} ms" for k, v in backend_steps.items())
    )
    if args.queries:
        print(
            "SQL queries per request (the CPU figures above include counting them): "
            + ", ".join(
                f"{k} {v / args.applications / counts.get(k, 1):.1f}" for k, v in queries.items()
            )
        )


def _upload(filename: str, content: bytes):
    from django.core.files.uploadedfile import SimpleUploadedFile

    return SimpleUploadedFile(filename, content, content_type="application/pdf")


if __name__ == "__main__":
    main()
