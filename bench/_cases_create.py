"""Case creation at scale (issue 26: "case creation ≥ 200 cases/s with the audit chain and
gap-free file numbers intact and nothing lost under SIGKILL").

`run(database_url: str, seconds: float) -> dict` is called by bench/cases.py (in its process,
after it set Django up on its database); run by hand it sets Django up itself and prints the
table: `.venv/bin/python bench/_cases_create.py [--database-url postgresql://…/db]
[--seconds 10] [--workers 2,4]` (default: its own database `openkreis_bench_cases_create`
on postgresql://postgres@127.0.0.1:5432, created, migrated and loaded with Landkreis Harz).

Every figure comes from separate worker processes (`python bench/_cases_create.py --worker
…`, each with its own database connection, all starting at the same instant):
1. `open_case` rows: N = 1, 2, 4 processes each opening online cases of one service (one
   file-plan item, so one file-number counter for all of them: the worst case) with one
   PDF each, through `cases.services.open_case`, while a sealer process runs
   `cases.services.seal_audit()` every half second as the Celery beat task would;
2. the ceiling for each N: the same number of processes inserting a bare case row and its
   `case.received` event in one transaction (ORM, no file number, no audit, no document);
3. after each row: the entries the sealer had not reached yet, the time to seal the rest
   and the time of a whole `verify_audit_chain()`;
4. the SIGKILL check: 4 creating processes and the sealer; halfway through two creators
   and the sealer are killed with SIGKILL; then every committed case must have its file
   number (no placeholder left), the numbers must be gap-free per plan item and year
   (count = counter = highest number), every number a worker saw committed must be there,
   every case must have its `case.opened` audit entry, and after sealing the chain must
   verify intact with nothing left unsealed.
The table prints each figure next to its ceiling and the ratio, with the load average.
"""

from __future__ import annotations

import argparse
import io
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

DB_NAME = "openkreis_bench_cases_create"
ADMIN_URL = "postgresql://postgres@127.0.0.1:5432"
SERVICE = "fahrerlaubnis-ersterteilung"
APPLICANT = "Bea Kreisbench"  # the cases of this bench's open_case processes
BARE_APPLICANT = "Bea Bench"
SEAL_EVERY = 0.5  # seconds between two seals of the sealer process (the beat task's interval)


# -- set-up ---------------------------------------------------------------------------------------
def _child_env(database_url: str) -> dict:
    env = dict(os.environ)
    env["DATABASE_URL"] = database_url
    env.setdefault("DJANGO_SETTINGS_MODULE", "openkreis.settings.dev")
    env.setdefault("OPENKREIS_LOG_LEVEL", "ERROR")
    env.setdefault("PYTHONPATH", str(ROOT))
    return env


def _setup(database_url: str | None) -> str:
    """Django on `database_url` (or the bench's own database) unless already set up; the
    database URL the workers use."""
    from django.conf import settings

    if settings.configured:
        from django.db import connection

        params = connection.settings_dict
        return database_url or (
            f"postgresql://{params['USER']}@{params['HOST']}:{params['PORT']}/{params['NAME']}"
        )
    if database_url is None:
        import psycopg

        with psycopg.connect(ADMIN_URL + "/postgres", autocommit=True) as conn:
            exists = conn.execute(
                "SELECT 1 FROM pg_database WHERE datname = %s", [DB_NAME]
            ).fetchone()
            if not exists:
                conn.execute(f'CREATE DATABASE "{DB_NAME}"')
        database_url = f"{ADMIN_URL}/{DB_NAME}"
    os.environ.update(_child_env(database_url))
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    from openkreis.catalog.models import Service

    if not Service.objects.filter(slug=SERVICE).exists():
        print("loading Landkreis Harz …", flush=True)
        from openkreis.core.testing import load_tenant

        load_tenant("harz")
    return database_url


def _pdf() -> bytes:
    from pypdf import PdfWriter

    writer = PdfWriter()
    writer.add_blank_page(width=595, height=842)
    writer.add_metadata({"/Title": "Antrag"})
    buffer = io.BytesIO()
    writer.write(buffer)
    return buffer.getvalue()


# -- the worker processes -------------------------------------------------------------------------
def _worker(kind: str, sync: str, seconds: float, log: str | None) -> dict:
    """One process: `open_case`, `bare` or `seal` for `seconds`, from the moment the parent
    writes into `sync`/go (after every process said it is warm)."""
    import django

    django.setup()
    from django.db import transaction
    from django.utils import timezone

    from openkreis.cases import services
    from openkreis.cases.models import Case
    from openkreis.catalog.models import Service
    from openkreis.core.services import record_event

    service = Service.objects.get(slug=SERVICE)
    document = _pdf()
    out = open(log, "a", buffering=1) if log else None  # noqa: SIM115 (line-buffered log)

    def create_one() -> str:
        case = services.open_case(
            service=service,
            channel="online",
            applicant=services.Applicant(name=APPLICANT, email="bea@example.org"),
            documents=[("antrag.pdf", document)],
        )
        return case.file_number

    template = {
        "service_id": service.pk,
        "procedure_id": services.procedure_for(service).pk,
        "plan_item_id": services.plan_item_for(service).pk,
        "org_unit_id": services.opening._competent_unit(service, None).pk,
    }
    pid = os.getpid()

    def bare_one(n: int) -> str:
        with transaction.atomic():
            case = Case.objects.create(
                file_number=f"BARE-{pid}-{n}-{time.time_ns()}",
                channel="online",
                state="new",
                state_kind="queue",
                received_at=timezone.now(),
                applicant_name=BARE_APPLICANT,
                data={"bench_bare": True},
                **template,
            )
            record_event("case.received", subject=case.subject, data={"activity": "received"})
        return case.file_number

    if kind == "open_case":
        create_one()  # warm: imports, caches, the connection
    elif kind == "bare":
        bare_one(-1)
    Path(sync, f"ready-{os.getpid()}").touch()
    go = Path(sync, "go")
    while not go.exists() or not go.read_text():
        time.sleep(0.01)
    start_at = float(go.read_text())
    while time.time() < start_at:
        time.sleep(0.001)
    n, sealed, longest = 0, 0, 0.0
    t0 = time.perf_counter()
    while time.perf_counter() - t0 < seconds:
        if kind == "open_case":
            number = create_one()
        elif kind == "bare":
            number = bare_one(n)
        else:  # the sealer, as the beat task every SEAL_EVERY seconds
            s0 = time.perf_counter()
            sealed += services.seal_audit()
            longest = max(longest, time.perf_counter() - s0)
            time.sleep(SEAL_EVERY)
            continue
        n += 1
        if out:
            out.write(number + "\n")
    return {"n": n, "seconds": time.perf_counter() - t0, "sealed": sealed, "longest": longest}


def _spawn(kind: str, database_url: str, sync: str, seconds: float, log=None):
    args = [sys.executable, str(Path(__file__).resolve()), "--worker", kind]
    args += ["--sync", sync, "--seconds", repr(seconds)]
    if log:
        args += ["--log", log]
    return subprocess.Popen(  # noqa: S603 (our own script)
        args, env=_child_env(database_url), stdout=subprocess.PIPE, text=True
    )


def _start(sync: str, procs) -> float:
    """Wait until every process is warm (under load that takes a while), then start them
    together; returns the start time."""
    deadline = time.time() + 300
    while len(list(Path(sync).glob("ready-*"))) < len(procs) and time.time() < deadline:
        if any(proc.poll() is not None for proc in procs):
            break
        time.sleep(0.05)
    start_at = time.time() + 0.5
    tmp = Path(sync, "go.tmp")
    tmp.write_text(repr(start_at))
    tmp.rename(Path(sync, "go"))
    return start_at


def _collect(procs) -> list[dict]:
    results = []
    for proc in procs:
        out, _ = proc.communicate()
        if proc.returncode == 0:
            results.append(json.loads(out.strip().splitlines()[-1]))
        else:
            results.append({"killed": proc.returncode})
    return results


def _rate(database_url: str, kind: str, workers: int, seconds: float, seal: bool) -> dict:
    sync = tempfile.mkdtemp(prefix="cases-create-")
    procs = [_spawn(kind, database_url, sync, seconds) for _ in range(workers)]
    sealer = _spawn("seal", database_url, sync, seconds) if seal else None
    _start(sync, procs + ([sealer] if sealer else []))
    results = _collect(procs)
    shutil.rmtree(sync, ignore_errors=True)
    total = sum(r["n"] for r in results)
    elapsed = max(r["seconds"] for r in results)
    row = {"n": total, "rate": total / elapsed, "workers": workers}
    if sealer is not None:
        (sealed,) = _collect([sealer])
        row["sealed_during"] = sealed["sealed"]
        row["longest_seal_s"] = sealed["longest"]
    return row


# -- checks --------------------------------------------------------------------------------
def _unsealed() -> int:
    from openkreis.cases.models import AuditEntry

    return AuditEntry.objects.filter(seq__isnull=True).count()


def _seal_and_verify() -> dict:
    from openkreis.cases import services

    left = _unsealed()
    t0 = time.perf_counter()
    services.seal_audit()
    sealing = time.perf_counter() - t0
    t0 = time.perf_counter()
    checked, broken = services.verify_audit_chain(seal=False)
    return {
        "unsealed_at_end": left,
        "seal_rest_s": sealing,
        "verify_s": time.perf_counter() - t0,
        "checked": checked,
        "intact": broken is None,
        "unsealed_after": _unsealed(),
    }


def _numbers_gap_free() -> dict:
    """Per counter of the bench's service's plan item: how many cases carry a number of
    its plan item and year, the highest number, and the counter."""
    from django.db import connection

    from openkreis.cases.models import Case, FileNumberCounter

    problems = []
    for counter in FileNumberCounter.objects.select_related("plan_item"):
        prefix = f"{counter.plan_item.code}-{counter.year}-"
        with connection.cursor() as cur:
            cur.execute(
                "SELECT COUNT(*), COUNT(DISTINCT file_number), "
                "MAX(CAST(SUBSTR(file_number, %s) AS INTEGER)) "
                "FROM cases_case WHERE plan_item_id = %s AND file_number LIKE %s",
                [len(prefix) + 1, counter.plan_item_id, prefix + "%"],
            )
            count, distinct, highest = cur.fetchone()
        if not (count == distinct == counter.last == (highest or 0)):
            problems.append(
                f"{prefix}: {count} cases, {distinct} numbers, highest {highest}, "
                f"counter {counter.last}"
            )
    placeholders = Case.objects.exclude(file_number__regex=r"^[0-9A-Za-z]").count()
    return {"problems": problems, "placeholders": placeholders}


def _kill_check(database_url: str, seconds: float) -> dict:
    from openkreis.cases.models import AuditEntry, Case

    with tempfile.TemporaryDirectory() as tmp:
        logs = [str(Path(tmp) / f"w{i}.log") for i in range(4)]
        procs = [_spawn("open_case", database_url, tmp, seconds, log) for log in logs]
        sealer = _spawn("seal", database_url, tmp, seconds)
        start_at = _start(tmp, procs + [sealer])
        time.sleep(max(0.0, start_at - time.time()) + seconds / 2)
        for victim in (procs[0], procs[1], sealer):
            victim.send_signal(signal.SIGKILL)
        results = _collect(procs + [sealer])
        acknowledged = []
        for log in logs:
            if Path(log).exists():
                acknowledged += Path(log).read_text().split()
    found = set(
        Case.objects.filter(file_number__in=acknowledged).values_list("file_number", flat=True)
    )
    numbers = _numbers_gap_free()
    ours = Case.objects.filter(applicant_name=APPLICANT)
    opened = AuditEntry.objects.filter(
        action="case.opened", case_ref__in=ours.values("file_number")
    )
    chain = _seal_and_verify()
    return {
        "killed": sum(1 for r in results if "killed" in r),
        "acknowledged": len(acknowledged),
        "lost": len(set(acknowledged) - found),
        "placeholders": numbers["placeholders"],
        "gaps": numbers["problems"],
        "cases_without_audit": ours.count() - opened.values("case_ref").distinct().count(),
        "chain_intact": chain["intact"],
        "unsealed_after": chain["unsealed_after"],
    }


# -- the run -------------------------------------------------------------------------------
def run(database_url: str | None = None, seconds: float = 10.0, workers=(1, 2, 4)) -> dict:
    """Case creation per second through `open_case` (N processes) beside the bare insert of
    the same N processes, the sealer's figures and the SIGKILL check."""
    database_url = _setup(database_url)
    results: dict = {"rows": []}
    for n in workers:
        print(f"case creation with {n} process(es) …", flush=True)
        created = _rate(database_url, "open_case", n, seconds, seal=True)
        created.update(_seal_and_verify())
        bare = _rate(database_url, "bare", n, seconds, seal=False)
        results["rows"].append({"workers": n, "open_case": created, "bare": bare})
    print("SIGKILL check …", flush=True)
    results["kill"] = _kill_check(database_url, seconds)
    results["load"] = os.getloadavg()
    results["table"] = table(results)
    return results


def print_table(results: dict) -> None:
    print(results["table"])


def table(results: dict) -> str:
    """The figures as a Markdown table, each beside its ceiling, with the load average."""
    lines: list[str] = []
    print = lines.append  # noqa: A001 (the table is built line by line)
    load = " ".join(f"{x:.2f}" for x in results["load"])
    print(
        f"\ncase creation — {os.cpu_count()} cores, load average {load}, "
        f"{time.strftime('%Y-%m-%d %H:%M', time.gmtime())} UTC"
    )
    print("| figure | value | ceiling | ratio |")
    print("| --- | --- | --- | --- |")
    for row in results["rows"]:
        c, b = row["open_case"], row["bare"]
        print(
            f"| open_case (1 PDF), {row['workers']} process(es) | {c['rate']:.1f}/s "
            f"| bare case + event insert {b['rate']:.1f}/s | {c['rate'] / b['rate']:.0%} |"
        )
        print(
            f"| … audit entries sealed while creating / left at the end | "
            f"{c.get('sealed_during', 0)} / {c['unsealed_at_end']} | longest seal "
            f"{c.get('longest_seal_s', 0) * 1000:.0f} ms; rest sealed in "
            f"{c['seal_rest_s'] * 1000:.0f} ms | |"
        )
        print(
            f"| … verify_audit_chain (whole walk) | {c['checked']:,} entries in "
            f"{c['verify_s']:.2f} s, intact: {c['intact']} | | |"
        )
    k = results["kill"]
    ok = (
        k["lost"] == 0
        and k["placeholders"] == 0
        and not k["gaps"]
        and k["cases_without_audit"] == 0
        and k["chain_intact"]
        and k["unsealed_after"] == 0
    )
    print(
        f"| SIGKILL (2 of 4 creators and the sealer) | {k['acknowledged']} acknowledged, "
        f"{k['lost']} lost, {k['placeholders']} without a number, {len(k['gaps'])} counters "
        f"with gaps, {k['cases_without_audit']} cases without audit entry, chain intact "
        f"{k['chain_intact']}, {k['unsealed_after']} unsealed | must be 0 / intact "
        f"| {'ok' if ok else 'FAILED'} |"
    )
    for problem in k["gaps"]:
        print(f"   gap: {problem}")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url")
    parser.add_argument("--seconds", type=float, default=10.0, help="per row")
    parser.add_argument("--workers", default="1,2,4", help="process counts, comma-separated")
    parser.add_argument("--worker", help=argparse.SUPPRESS)
    parser.add_argument("--sync", help=argparse.SUPPRESS)
    parser.add_argument("--log", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        print(json.dumps(_worker(args.worker, args.sync, args.seconds, args.log)))
        return
    workers = tuple(int(n) for n in re.split(r"[, ]+", args.workers) if n)
    print_table(run(args.database_url, args.seconds, workers))


if __name__ == "__main__":
    main()
