"""eAkte benchmark: the caseworker's desk at county scale, and the paper channel's OCR.

Run by hand (`.venv/bin/python bench/cases.py`; needs PostgreSQL, default
postgresql://postgres@127.0.0.1:5432). It
1. creates its own database `ok_bench_cases`, migrates it and loads Landkreis Harz (file
   plan, procedures, services, units),
2. generates --cases cases (default 100,000) with 10 events each and 3 small documents each
   (a file on disk with a text layer) by COPY — 1,000,000 events and 300,000 documents at
   full size — spread over the units and services, three years and every state,
3. measures through the Django test client (the whole Django stack without a socket, with
   the production settings, logged in as a team lead with TOTP through the real login
   pages): the inbox page (every tab, first pages), and the staff search (file number,
   applicant name, a word in the documents' text), next to /healthz through the same client
   (the ceiling: what a page costs when it does nothing),
4. measures case creation per second through `cases.services.open_case` (one PDF each)
   next to the bare minimum (one case row + one event row in a transaction, ORM),
5. measures OCR throughput in pages per minute: our intake (`intake.services.receive_scan`:
   store, preflight, OCRmyPDF + Tesseract deu, text, file-number suggestion; in-process as
   in `make run`) against plain `ocrmypdf` on the same files with the same options,
and prints a table: figure, peer/ceiling, ratio.

`--reuse` keeps an existing benchmark database of the same size (skips steps 1–2, but
migrates it: a new index is added to the data that is there).
"""

from __future__ import annotations

import argparse
import datetime as dt
import hashlib
import io
import json
import os
import random
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "bench"))
sys.path.insert(0, str(ROOT))

from search import SECRET, percentile  # noqa: E402 (the search benchmark's helpers)

DB_NAME = "ok_bench_cases"
MEDIA = ROOT / "var" / "bench" / "cases-media"
LEAD, LEAD_UNIT = "bench-lead", "dezernat-2"
FIRST = ["Anna", "Jonas", "Marie", "Paul", "Lena", "Felix", "Sophie", "Lukas", "Emma", "Ben"]
FIRST += ["Mia", "Tim", "Hannah", "Leon", "Lea", "Olena", "Mehmet", "Giulia", "Aleksandra"]
LAST = ["Müller", "Schmidt", "Schneider", "Fischer", "Weber", "Meyer", "Wagner", "Becker"]
LAST += ["Schulz", "Hoffmann", "Koch", "Richter", "Klein", "Wolf", "Schröder", "Neumann"]
LAST += ["Braun", "Krüger", "Kowalski", "Yılmaz", "Zimmermann", "Hartmann", "Lange"]
WORDS = (
    "Antrag Bescheid Nachweis Anlage Unterlagen Meldebescheinigung Personalausweis Reisepass "
    "Führerschein Sehtest Passbild Erste-Hilfe Kurs Fahrschule Prüfung Aufenthalt Freizügigkeit "
    "Arbeitsvertrag Krankenversicherung Mietvertrag Bauantrag Lageplan Bauzeichnung Statik "
    "Baubeschreibung Grundstück Flurstück Gemarkung Nachbar Abstandsfläche Stellplatz "
    "Einkommen Vermögen Kontoauszug Miete Heizkosten Bedarf Regelsatz Unterhalt Rente "
    "Halberstadt Wernigerode Quedlinburg Blankenburg Thale Ballenstedt Harzgerode Ilsenburg "
    "Sehr geehrte Damen und Herren hiermit beantrage ich bitte um Prüfung Mit freundlichen "
    "Grüßen anbei sende ich die geforderten Unterlagen Frist Termin Wohnsitz Straße Hausnummer"
).split()
RARE = "Grundwasserabsenkung"  # in one document in a thousand
MEDIUM = "Wärmepumpe"  # in one document in a hundred
SEARCHES = ["Schröder", "Olena Kowalski", RARE, MEDIUM]
SERVICES = [
    "fahrerlaubnis-ersterteilung",
    "aufenthaltskarte-eu",
    "baugenehmigung-vereinfacht",
    "hilfe-zum-lebensunterhalt",
    "jagdschein",
    "waffenbesitzkarte",
    "fischereischein",
    "kfz-zulassung",
    "wohngeld",
]
STATE_WEIGHTS = {"done": 60, "queue": 15, "work": 15, "applicant": 10}
ACTIVITIES = [
    "assigned",
    "transition",
    "documents_requested",
    "documents_received",
    "assigned",
    "transition",
    "transition",
    "decided",
    "closed",
]


def env(admin_url: str) -> dict:
    return {
        "DJANGO_SETTINGS_MODULE": "openkreis.settings.production",
        "DATABASE_URL": f"{admin_url}/{DB_NAME}",
        "OPENKREIS_SECRET_KEY": SECRET,
        "OPENKREIS_ALLOWED_HOSTS": "testserver,127.0.0.1,localhost",
        "OPENKREIS_SSL_REDIRECT": "0",
        "OPENKREIS_LOG_LEVEL": "ERROR",
        "OPENKREIS_MEDIA_ROOT": str(MEDIA),
        "OPENKREIS_TENANT": "harz",
    }


def create_database(admin_url: str) -> None:
    import psycopg

    with psycopg.connect(admin_url + "/postgres", autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{DB_NAME}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{DB_NAME}"')
    shutil.rmtree(MEDIA, ignore_errors=True)


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
def _text(rng: random.Random, words: int) -> str:
    return " ".join(rng.choice(WORDS) for _ in range(words))


def plant_search_words() -> None:
    """The searched words go into a known share of the documents (idempotent): RARE into
    every 1,000th, MEDIUM into every 100th. (Filler words are in about half of all documents;
    searching them is not what a caseworker does.)"""
    from django.db import connection

    with connection.cursor() as cur:
        for word, every in ((RARE, 1000), (MEDIUM, 100)):
            cur.execute(
                "UPDATE cases_documentversion SET text = text || ' ' || %s "
                "WHERE id %% %s = 7 AND strpos(text, %s) = 0",
                [word, every, word],
            )
        cur.execute("ANALYZE cases_documentversion")


def generate(count: int, seed: int = 4711) -> dict:
    """COPY `count` cases with 10 events and 3 documents (file + text layer) each."""
    from django.db import connection

    from openkreis.cases import services as cases
    from openkreis.cases import workflow
    from openkreis.catalog.models import Service

    rng = random.Random(seed)
    now = dt.datetime.now(dt.UTC)
    plan = []
    for slug in SERVICES:
        service = Service.objects.filter(slug=slug).first()
        if service is None:
            continue
        procedure = cases.procedure_for(service)
        item = cases.plan_item_for(service)
        states: dict[str, list[str]] = {}
        for name, info in procedure.definition["states"].items():
            states.setdefault(info["kind"], []).append(name)
        plan.append(
            (service, procedure, item, cases._competent_unit(service, None), states, workflow)
        )
    kinds = list(STATE_WEIGHTS)
    weights = list(STATE_WEIGHTS.values())
    started = time.perf_counter()
    with connection.cursor() as cur:
        cur.execute("SELECT COALESCE(MAX(id), 0) FROM cases_case")
        first_id = cur.fetchone()[0] + 1
        cur.execute("SELECT COALESCE(MAX(id), 0) FROM cases_document")
        first_doc = cur.fetchone()[0] + 1
        raw = cur.cursor
        case_rows, status_rows, event_rows, doc_rows, version_rows = [], [], [], [], []
        counters: dict[tuple, int] = {}
        for n in range(count):
            pk = first_id + n
            service, procedure, item, unit, states, _ = plan[n % len(plan)]
            received = now - dt.timedelta(days=rng.uniform(0, 3 * 365))
            kind = rng.choices(kinds, weights)[0]
            if kind not in states:
                kind = "queue"
            state = rng.choice(states[kind])
            target = received + dt.timedelta(days=service.processing_days or 30)
            year = received.year
            counters[(item.pk, year)] = counters.get((item.pk, year), 0) + 1
            number = f"{item.code}-{year}-{counters[(item.pk, year)]:06d}"
            decided = received + dt.timedelta(days=rng.uniform(5, 90)) if kind == "done" else None
            name = f"{rng.choice(FIRST)} {rng.choice(LAST)}"
            case_rows.append(
                (
                    pk,
                    number,
                    service.pk,
                    procedure.pk,
                    item.pk,
                    unit.pk,
                    rng.choice(["online", "paper", "counter"]),
                    state,
                    kind,
                    received,
                    target,
                    decided,
                    "granted" if decided else "",
                    name,
                    f"b{pk}@example.org",
                    "",
                    f"Markt {rng.randrange(1, 90)}, 38820 Halberstadt",
                    json.dumps({"bench": True}),
                )
            )
            status_rows.append((pk, received, "received", "", state, unit.pk, ""))
            base = {
                "service": service.slug,
                "procedure": procedure.key,
                "org_unit": unit.key,
                "channel": case_rows[-1][6],
            }
            at = received
            event_rows.append(
                (
                    "case.received",
                    at,
                    "harz",
                    f"case:{pk}",
                    json.dumps({**base, "activity": "received", "state": "new"}),
                )
            )
            for activity in ACTIVITIES:
                at = at + dt.timedelta(hours=rng.uniform(1, 200))
                event_rows.append(
                    (
                        f"case.{activity}",
                        at,
                        "harz",
                        f"case:{pk}",
                        json.dumps({**base, "activity": activity, "state": state}),
                    )
                )
            for d in range(3):
                doc = first_doc + n * 3 + d
                text = _text(rng, rng.randint(40, 90))
                content = (
                    b"%PDF-1.4\n% benchmark document\n" + text.encode() + b"\n%%EOF\n"
                )  # a small file; its text layer is stored next to it as for a real PDF
                sha = hashlib.sha256(content).hexdigest()
                path = f"cases/{pk}/{sha[:2]}/{sha}"
                target_file = MEDIA / path
                target_file.parent.mkdir(parents=True, exist_ok=True)
                target_file.write_bytes(content)
                doc_rows.append((doc, pk, f"Anlage {d + 1}.pdf", "", case_rows[-1][6], name, at))
                version_rows.append(
                    (doc, 1, path, f"anlage-{d + 1}.pdf", "application/pdf", len(content), sha,
                     text, "pdf", received)
                )  # fmt: skip
            if len(case_rows) >= 5000 or n == count - 1:
                _copy(raw, case_rows, status_rows, event_rows, doc_rows, version_rows)
                case_rows, status_rows, event_rows, doc_rows, version_rows = [], [], [], [], []
                print(f"  {n + 1:,} cases …", flush=True, end="\r")
        for (item_pk, year), last in counters.items():
            cur.execute(
                "INSERT INTO cases_filenumbercounter (plan_item_id, year, last) VALUES (%s,%s,%s) "
                "ON CONFLICT (plan_item_id, year) DO UPDATE SET last = GREATEST("
                "cases_filenumbercounter.last, EXCLUDED.last)",
                [item_pk, year, last],
            )
        for table in ("cases_case", "cases_document", "cases_documentversion"):
            sql = f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), (SELECT MAX(id) FROM {table}))"  # noqa: S608, E501 (fixed table names)
            cur.execute(sql)
        cur.execute("ANALYZE")
    return {"seconds": time.perf_counter() - started}


def _copy(raw, cases, statuses, events, docs, versions) -> None:
    cols = {
        "cases_case": "id, file_number, service_id, procedure_id, plan_item_id, org_unit_id, "
        "channel, state, state_kind, received_at, target_at, decided_at, outcome, "
        "applicant_name, applicant_email, applicant_phone, applicant_address, data",
        "cases_casestatus": "case_id, at, activity, from_state, state, org_unit_id, note",
        "core_event": "kind, occurred_at, tenant, subject, data",
        "cases_document": "id, case_id, title, doc_type, channel, sender, received_at",
        "cases_documentversion": "document_id, number, file, filename, mime, size, sha256, "
        "text, text_source, created_at",
    }
    for table, rows in (
        ("cases_case", cases),
        ("cases_casestatus", statuses),
        ("core_event", events),
        ("cases_document", docs),
        ("cases_documentversion", versions),
    ):
        with raw.copy(f"COPY {table} ({cols[table]}) FROM STDIN") as copy:
            for row in rows:
                copy.write_row(row)


def counts() -> dict:
    from openkreis.cases.models import Case, DocumentVersion
    from openkreis.core.models import Event

    return {
        "cases": Case.objects.count(),
        "events": Event.objects.count(),
        "documents": DocumentVersion.objects.count(),
    }


# -- measurements -------------------------------------------------------------------------------
def lead_client():
    from allauth.mfa.models import Authenticator
    from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret
    from django.test import Client

    from openkreis.core.models import OrgUnit
    from openkreis.core.staff import add_staff
    from openkreis.core.testing import STAFF_PASSWORD, login_staff

    unit = OrgUnit.objects.get(key=LEAD_UNIT)
    user = add_staff(LEAD, f"{LEAD}@example.org", STAFF_PASSWORD, unit, ["team_lead"])
    Authenticator.objects.filter(user=user).delete()
    secret = generate_totp_secret()
    TOTP.activate(user, secret)
    client = Client()
    login_staff(client, user, secret)
    return client, user


def give_the_lead_some_cases(lead) -> None:
    """Every 50th open case in the lead's units is theirs (the "mine" tab)."""
    from django.db import connection

    from openkreis.core.staff import unit_ids_for

    with connection.cursor() as cur:
        cur.execute(
            "UPDATE cases_case SET assignee_id = %s WHERE id %% 50 = 0 AND state_kind <> 'done' "
            "AND org_unit_id = ANY(%s)",
            [lead.pk, list(unit_ids_for(lead))],
        )


def timed(client, paths: list[str], rounds: int) -> dict:
    timings, errors = [], 0
    for i in range(rounds):
        path = paths[i % len(paths)]
        t0 = time.perf_counter()
        response = client.get(path)
        timings.append((time.perf_counter() - t0) * 1000)
        if response.status_code != 200:
            errors += 1
    return {
        "p50": percentile(timings, 50),
        "p99": percentile(timings, 99),
        "n": len(timings),
        "errors": errors,
    }


def inbox_paths() -> list[str]:
    tabs = ["new", "mine", "waiting", "overdue", "done"]
    return [f"/sachbearbeitung/?tab={t}&seite={p}" for t in tabs for p in (1, 2, 5)]


def search_paths(lead) -> list[str]:
    from urllib.parse import quote

    from openkreis.cases import services

    numbers = list(
        services.visible_cases(lead).order_by("?").values_list("file_number", flat=True)[:5]
    )
    queries = SEARCHES + numbers + [n.rsplit("-", 1)[0][-9:] for n in numbers[:2]]
    return [f"/sachbearbeitung/?q={quote(q)}" for q in queries]


def pdf_page(text: str) -> bytes:
    from pypdf import PdfWriter

    writer = PdfWriter()
    writer.add_blank_page(width=595, height=842)
    writer.add_metadata({"/Title": text})
    buffer = io.BytesIO()
    writer.write(buffer)
    return buffer.getvalue()


def creation_rate(seconds: float) -> dict:
    from openkreis.cases import services
    from openkreis.catalog.models import Service

    service = Service.objects.get(slug="fahrerlaubnis-ersterteilung")
    document = pdf_page("Antrag")
    n, t0 = 0, time.perf_counter()
    while time.perf_counter() - t0 < seconds:
        services.open_case(
            service=service,
            channel="online",
            applicant=services.Applicant(name="Bea Bench", email="bea@example.org"),
            documents=[("antrag.pdf", document)],
        )
        n += 1
    return {"n": n, "rate": n / (time.perf_counter() - t0)}


def bare_insert_rate(seconds: float) -> dict:
    """The floor of creating a case: one case row and one event row in one transaction."""
    from django.db import transaction
    from django.utils import timezone

    from openkreis.cases.models import Case
    from openkreis.core.services import record_event

    template = Case.objects.filter(data__bench=True).first()
    n, t0 = 0, time.perf_counter()
    while time.perf_counter() - t0 < seconds:
        with transaction.atomic():
            case = Case.objects.create(
                file_number=f"BARE-{os.getpid()}-{n}-{time.time_ns()}",
                service_id=template.service_id,
                procedure_id=template.procedure_id,
                plan_item_id=template.plan_item_id,
                org_unit_id=template.org_unit_id,
                channel="online",
                state="new",
                state_kind="queue",
                received_at=timezone.now(),
                applicant_name="Bea Bench",
            )
            record_event("case.received", subject=case.subject, data={"activity": "received"})
        n += 1
    return {"n": n, "rate": n / (time.perf_counter() - t0)}


def letters(count: int) -> list[tuple[str, bytes]]:
    """Scanned one-page letters (image-only PDFs, 150 dpi, German text), as the demo's."""
    from openkreis.intake.demo import _letter

    rng = random.Random(11)
    out = []
    for i in range(count):
        lines = [
            f"{rng.choice(FIRST)} {rng.choice(LAST)}, Markt {i + 1}, 38820 Halberstadt",
            "An den Landkreis Harz",
            "Sehr geehrte Damen und Herren,",
            " ".join(rng.choice(WORDS) for _ in range(6)),
            " ".join(rng.choice(WORDS) for _ in range(6)),
            "Mit freundlichen Grüßen",
        ]
        out.append((f"brief-{i}.pdf", _letter(lines)))
    return out


def ocr_ours(files: list[tuple[str, bytes]]) -> dict:
    from openkreis.intake import services as intake
    from openkreis.intake.models import ScanJob

    t0 = time.perf_counter()
    jobs = [intake.receive_scan(name, data) for name, data in files]  # eager: OCR runs inside
    elapsed = time.perf_counter() - t0
    states = set(
        ScanJob.objects.filter(pk__in=[j.pk for j in jobs]).values_list("state", flat=True)
    )
    return {"pages": len(files), "seconds": elapsed, "states": states}


def ocr_plain(files: list[tuple[str, bytes]]) -> dict:
    ocrmypdf = shutil.which("ocrmypdf", path=str(Path(sys.executable).parent)) or "ocrmypdf"
    with tempfile.TemporaryDirectory() as tmp:
        paths = []
        for name, data in files:
            path = Path(tmp) / name
            path.write_bytes(data)
            paths.append(path)
        t0 = time.perf_counter()
        for path in paths:
            subprocess.run(
                [
                    ocrmypdf,
                    "-l",
                    "deu",
                    "--skip-text",
                    "--output-type",
                    "pdf",
                    "--optimize",
                    "0",
                    "--quiet",
                    str(path),
                    str(path.with_suffix(".ocr.pdf")),
                ],
                check=True,
            )
        elapsed = time.perf_counter() - t0
    return {"pages": len(files), "seconds": elapsed}


def explain(sql_of) -> str:
    from django.db import connection

    sql, params = sql_of.query.sql_with_params()
    with connection.cursor() as cur:
        cur.execute("EXPLAIN (ANALYZE, BUFFERS OFF) " + sql, params)
        return "\n".join(row[0] for row in cur.fetchall())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pg", default="postgresql://postgres@127.0.0.1:5432")
    parser.add_argument("--cases", type=int, default=100_000)
    parser.add_argument("--rounds", type=int, default=300, help="requests per page row")
    parser.add_argument("--seconds", type=float, default=15, help="per creation row")
    parser.add_argument("--ocr-pages", type=int, default=6)
    parser.add_argument("--reuse", action="store_true", help="keep an existing bench database")
    parser.add_argument("--explain", action="store_true", help="print the search query plan")
    args = parser.parse_args()

    reuse = args.reuse and database_exists(args.pg)
    if not reuse:
        create_database(args.pg)
    setup_django(args.pg)
    print("migrating, loading Harz …", flush=True)
    migrate_and_load()
    generated = None
    have = counts()
    if have["cases"] < args.cases:
        print(f"generating {args.cases - have['cases']:,} cases …", flush=True)
        generated = generate(args.cases - have["cases"])
        print(f"\n  done in {generated['seconds']:.0f} s", flush=True)
    plant_search_words()
    have = counts()

    client, lead = lead_client()
    give_the_lead_some_cases(lead)
    for path in inbox_paths() + search_paths(lead):  # warm caches and connections once
        client.get(path)
    if args.explain:
        from openkreis.cases import services

        print(explain(services.find_cases(lead, RARE).order_by("target_at", "received_at", "id")))
    print("measuring pages …", flush=True)
    health = timed(client, ["/healthz"], args.rounds)
    inbox = timed(client, inbox_paths(), args.rounds)
    search = timed(client, search_paths(lead), args.rounds)
    print("measuring case creation …", flush=True)
    created = creation_rate(args.seconds)
    bare = bare_insert_rate(args.seconds)
    print(f"measuring OCR on {args.ocr_pages} scanned pages …", flush=True)
    files = letters(args.ocr_pages)
    plain = ocr_plain(files)
    ours = ocr_ours(files)

    from openkreis.cases import services

    in_scope = services.visible_cases(lead).count()
    print(
        f"\neAkte benchmark — {have['cases']:,} cases, {have['events']:,} events, "
        f"{have['documents']:,} documents on PostgreSQL; team lead of {LEAD_UNIT} "
        f"({in_scope:,} cases in scope); {os.cpu_count()} cores; "
        f"{time.strftime('%Y-%m-%d %H:%M')}"
    )
    if generated:
        print(f"data generated in {generated['seconds']:.0f} s (COPY, files on disk)")
    print()
    print("| figure | value | peer / ceiling | ratio |")
    print("| --- | --- | --- | --- |")

    def page_row(label, row):
        ratio = row["p99"] / health["p99"]
        print(
            f"| {label} p50 / p99 ({row['n']} requests, {row['errors']} errors) "
            f"| {row['p50']:.1f} / {row['p99']:.1f} ms "
            f"| /healthz p99 {health['p99']:.1f} ms | {ratio:.0f}× |"
        )

    page_row("inbox page (5 tabs, pages 1/2/5)", inbox)
    page_row("staff search page (file number, name, full text)", search)
    print(
        f"| case creation via open_case (1 PDF) | {created['rate']:.1f}/s "
        f"| bare case + event insert {bare['rate']:.1f}/s "
        f"| {created['rate'] / bare['rate']:.0%} |"
    )
    ours_ppm = ours["pages"] / ours["seconds"] * 60
    plain_ppm = plain["pages"] / plain["seconds"] * 60
    print(
        f"| OCR pages per minute, our intake ({', '.join(sorted(ours['states']))}) "
        f"| {ours_ppm:.1f} | plain ocrmypdf {plain_ppm:.1f} | {ours_ppm / plain_ppm:.0%} |"
    )


if __name__ == "__main__":
    main()
