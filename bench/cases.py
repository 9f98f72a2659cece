"""eAkte benchmark: the caseworker's desk and the citizen's list at state scale, case
creation and the paper channel's OCR.

Run by hand (`.venv/bin/python bench/cases.py`; needs PostgreSQL, default
postgresql://postgres@127.0.0.1:5432). It
1. creates its own database (`--db`, default `ok_bench_cases`), migrates it and loads Landkreis
   Harz (file plan, procedures, services, units, forms),
2. generates --cases cases (default 1,000,000) inside PostgreSQL (INSERT … SELECT over
   generate_series: no Python object and no round trip per row), each with 10 events, 3 history
   rows and 3 documents with a text layer (10 M events and 3 M documents at full size; the
   documents share FILES small PDFs on disk); a citizen account behind every online case (a
   tenth of the cases' number of accounts; the HEAVY citizens share every 97th case, about
   a thousand each at full size) and
   a submitted online application behind those whose service has a form. Secondary indexes
   are dropped for the load and built again after it (their definitions wait in the table
   `bench_dropped_indexes`, so a run that breaks off restores them with `--reuse`),
3. measures through the Django test client (the whole Django stack without a socket, with
   the production settings; the team lead logs in with TOTP through the real login pages,
   citizens are logged in directly): the inbox page (every tab, pages 1/2/5), the staff search
   (file number, applicant name, a word in the documents' text), the case page (30 random
   cases), and "Meine Anträge" of the 5 citizens with the most cases and 15 others — each p99
   next to its goal (issue 26) and next to /healthz through the same client (the ceiling:
   what a page costs when it does nothing), with the load average,
4. (without --reads-only) measures case creation per second through `cases.services.open_case`
   (one PDF each) next to the bare minimum (one case row + one event row in a transaction,
   ORM), the case-creation part of issue 26 when `bench/_cases_create.py` exists (its `run(
   database_url, seconds)` figures are printed as they come), and OCR throughput in pages
   per minute: our intake against plain `ocrmypdf` on the same files with the same options,
and prints a table: figure, ceiling, ratio. `--explain` prints each page's queries and the
plan of its slowest one first (where the time goes).

`--reuse` keeps an existing benchmark database of the same size (skips steps 1–2, but
migrates it: a new index is built on the data that is there). `--cases 100000` is a quick run.
"""

from __future__ import annotations

import argparse
import hashlib
import importlib
import io
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
BULK_TABLES = (
    "cases_case",
    "cases_casestatus",
    "core_event",
    "cases_document",
    "cases_documentversion",
    "forms_application",
)
FILES = 32  # distinct files on disk that the documents share (content-addressed, like real ones)
POOL = 1000  # text fragments; a document's text is two of them (a million combinations)
HEAVY = 10  # citizens with many cases ("Meine Anträge" at its longest)


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


def _secondary_indexes(cur) -> list[tuple[str, str]]:
    """(name, definition) of the bulk tables' indexes that back no constraint: dropped before
    the load and built again after it (a bulk load into a GIN index row by row is hours)."""
    cur.execute(
        "SELECT i.indexname, i.indexdef FROM pg_indexes i WHERE i.schemaname = 'public' "
        "AND i.tablename = ANY(%s) AND NOT EXISTS "
        "(SELECT 1 FROM pg_constraint c WHERE c.conname = i.indexname)",
        [list(BULK_TABLES)],
    )
    # core_event is partitioned on PostgreSQL (migration core 0013): its definitions read
    # "ON ONLY public.core_event", which would build the parent's index without the partitions'
    return [(name, sql.replace(" ON ONLY ", " ON ")) for name, sql in cur.fetchall()]


def _plan() -> list[dict]:
    from openkreis.cases import services as cases
    from openkreis.catalog.models import Service
    from openkreis.forms import services as forms

    plan = []
    for slug in SERVICES:
        service = Service.objects.filter(slug=slug).first()
        if service is None:
            continue
        procedure = cases.procedure_for(service)
        item = cases.plan_item_for(service)
        unit = cases._competent_unit(service, None)
        states: dict[str, list[str]] = {}
        for name, info in procedure.definition["states"].items():
            states.setdefault(info["kind"], []).append(name)
        form = forms.form_for_service(service)
        version = form.versions.order_by("-id").first() if form is not None else None
        plan.append(
            {
                "service": service.pk,
                "slug": service.slug,
                "procedure": procedure.pk,
                "procedure_key": procedure.key,
                "item": item.pk,
                "code": item.code,
                "unit": unit.pk,
                "unit_key": unit.key,
                "days": service.processing_days or 30,
                "form": form.pk if form else None,
                "form_version": version.pk if version else None,
                **{k: states.get(k) or states["queue"] for k in STATE_WEIGHTS},
            }
        )
    return plan


def _files() -> list[tuple[str, int, str]]:
    """FILES small PDFs on disk (content-addressed as the eAkte stores them); every
    document version points to one of them: what is measured is the database, not the disk."""
    out = []
    rng = random.Random(5)
    for _ in range(FILES):
        content = b"%PDF-1.4\n% benchmark document\n" + _text(rng, 60).encode() + b"\n%%EOF\n"
        sha = hashlib.sha256(content).hexdigest()
        path = f"cases/bench/{sha[:2]}/{sha}"
        target = MEDIA / path
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(content)
        out.append((path, len(content), sha))
    return out


def _plan_table(cur, plan: list[dict]) -> None:
    """The services' ids, keys, states and forms as a temporary table the inserts join."""
    cur.execute("DROP TABLE IF EXISTS bench_plan")
    cur.execute(
        "CREATE TEMP TABLE bench_plan (i int, service_id bigint, slug text, procedure_id "
        "bigint, procedure_key text, plan_item_id bigint, code text, org_unit_id bigint, "
        "unit_key text, days int, form_id bigint, form_version_id bigint, queue text[], "
        "work text[], applicant text[], done text[])"
    )
    for i, p in enumerate(plan):
        cur.execute(
            "INSERT INTO bench_plan VALUES (%s,%s,%s,%s,%s,%s,%s,%s,%s,%s,%s,%s,%s,%s,%s,%s)",
            [i, p["service"], p["slug"], p["procedure"], p["procedure_key"], p["item"],
             p["code"], p["unit"], p["unit_key"], p["days"], p["form"], p["form_version"],
             p["queue"], p["work"], p["applicant"], p["done"]],
        )  # fmt: skip


def ensure_applications() -> None:
    """The online applications of the citizens' cases, if a broken-off run left none."""
    from django.db import connection

    with connection.cursor() as cur:
        cur.execute("SELECT EXISTS (SELECT 1 FROM forms_application WHERE case_id IS NOT NULL)")
        if cur.fetchone()[0]:
            return
        print("  adding the online applications …", flush=True)
        _plan_table(cur, _plan())
        cur.execute("SELECT MIN(id), MAX(id) FROM cases_case")
        cur.execute(*_applications_sql(cur, *cur.fetchone()))
        cur.execute("ANALYZE forms_application")


def generate(count: int, seed: int = 4711) -> dict:
    """`count` cases with 10 events, 3 history rows and 3 documents each, a citizen account
    behind every online case (HEAVY citizens with many cases) and an online application behind
    those with a form — generated inside PostgreSQL (INSERT … SELECT over generate_series):
    no Python object and no round trip per row. Secondary indexes are dropped first and built
    again at the end; foreign-key triggers are off during the load (the data is consistent by
    construction)."""
    from django.db import connection

    rng = random.Random(seed)
    plan = _plan()
    files = _files()
    pool = [_text(rng, rng.randint(20, 45)) for _ in range(POOL)]
    steps: list[tuple[str, float]] = []
    started = time.perf_counter()

    def step(label, sql, params=None):
        t0 = time.perf_counter()
        cur.execute(sql, params)
        steps.append((label, time.perf_counter() - t0))
        print(f"  {label}: {steps[-1][1]:.0f} s", flush=True)

    with connection.cursor() as cur:
        cur.execute("SET maintenance_work_mem = '1GB'")
        cur.execute("SET work_mem = '256MB'")
        cur.execute("SET session_replication_role = replica")  # no FK triggers in the load
        cur.execute("SELECT COALESCE(MAX(id), 0) FROM cases_case")
        first = cur.fetchone()[0] + 1
        last = first + count - 1
        cur.execute("SELECT COALESCE(MAX(id), 0) FROM cases_document")
        first_doc = cur.fetchone()[0] + 1
        citizens = max(HEAVY + 10, count // 10)
        indexes = _secondary_indexes(cur)
        # kept in a table until they are built again: a run that breaks off restores them
        cur.execute(
            "CREATE TABLE IF NOT EXISTS bench_dropped_indexes (name text PRIMARY KEY, "
            "definition text)"
        )
        for name, definition in indexes:
            cur.execute(
                "INSERT INTO bench_dropped_indexes VALUES (%s, %s) ON CONFLICT DO NOTHING",
                [name, definition],
            )
            cur.execute(f'DROP INDEX IF EXISTS "{name}"')
        cur.execute("DROP TABLE IF EXISTS bench_gen")
        _plan_table(cur, plan)
        # Citizens: a bench account each (no password: the bench logs them in directly).
        cur.execute("SELECT COALESCE(MAX(id), 0) FROM auth_user")
        first_user = cur.fetchone()[0] + 1
        step(
            f"{citizens:,} citizen accounts",
            "INSERT INTO auth_user (id, password, is_superuser, username, first_name, last_name, "
            "email, is_staff, is_active, date_joined) SELECT %s + g, '!', false, "
            "'bench-citizen-' || (%s + g), (%s::text[])[1 + g %% 19], (%s::text[])[1 + g %% 23], "
            "'bench-citizen-' || (%s + g) || '@example.org', false, true, now() "
            "FROM generate_series(0, %s - 1) g",
            [first_user, first_user, FIRST, LAST, first_user, citizens],
        )
        cur.execute(
            "SELECT setval(pg_get_serial_sequence('auth_user', 'id'), "
            "(SELECT MAX(id) FROM auth_user))"
        )
        cur.execute("SELECT setseed(%s)", [(seed % 1000) / 1000])
        # One row per case with its random draws; the insert below derives everything else.
        step(
            "draws",
            "CREATE TEMP TABLE bench_gen AS SELECT g AS id, g %% %s AS i, "
            "now() - random() * interval '1095 days' AS received, random() AS rk, "
            "random() AS rs, random() AS rc, random() AS ru, random() AS rd, "
            "1 + floor(random() * %s)::int AS fi, 1 + floor(random() * %s)::int AS li "
            "FROM generate_series(%s, %s) g",
            [len(plan), len(FIRST), len(LAST), first, last],
        )
        weights = dict(STATE_WEIGHTS)
        total = sum(weights.values())
        done_t = weights["done"] / total
        queue_t = done_t + weights["queue"] / total
        work_t = queue_t + weights["work"] / total
        step(
            f"{count:,} cases",
            """
            INSERT INTO cases_case (id, file_number, service_id, procedure_id, plan_item_id,
              org_unit_id, channel, state, state_kind, received_at, target_at, decided_at,
              outcome, applicant_name, applicant_email, applicant_phone, applicant_address,
              data, applicant_user_id)
            SELECT k.id,
              p.code || '-' || k.year || '-' || lpad((COALESCE(fc.last, 0) + row_number()
                OVER (PARTITION BY p.plan_item_id, k.year ORDER BY k.id))::text, 6, '0'),
              p.service_id, p.procedure_id, p.plan_item_id, p.org_unit_id,
              CASE WHEN k.citizen IS NOT NULL OR k.rc < 0.5 THEN 'online'
                   WHEN k.rc < 0.8 THEN 'paper' ELSE 'counter' END,
              CASE k.kind WHEN 'done' THEN p.done[1 + floor(k.rs * cardinality(p.done))::int]
                WHEN 'queue' THEN p.queue[1 + floor(k.rs * cardinality(p.queue))::int]
                WHEN 'work' THEN p.work[1 + floor(k.rs * cardinality(p.work))::int]
                ELSE p.applicant[1 + floor(k.rs * cardinality(p.applicant))::int] END,
              k.kind, k.received, k.received + p.days * interval '1 day',
              CASE WHEN k.kind = 'done' THEN k.received + (5 + k.rd * 85) * interval '1 day' END,
              CASE WHEN k.kind = 'done' THEN 'granted' ELSE '' END,
              CASE WHEN k.citizen IS NOT NULL THEN u.first_name || ' ' || u.last_name
                ELSE (%(first)s::text[])[k.fi] || ' ' || (%(last)s::text[])[k.li] END,
              'b' || k.id || '@example.org', '',
              'Markt ' || (1 + k.id %% 89) || ', 38820 Halberstadt', '{"bench": true}'::jsonb,
              u.id
            FROM (
              SELECT g.*, extract(year FROM g.received)::int AS year,
                CASE WHEN g.rk < %(done)s THEN 'done' WHEN g.rk < %(queue)s THEN 'queue'
                     WHEN g.rk < %(work)s THEN 'work' ELSE 'applicant' END AS kind,
                CASE WHEN g.id %% 97 = 0 THEN %(user)s + (g.id / 97) %% %(heavy)s
                     WHEN g.rc < 0.33 THEN %(user)s + %(heavy)s
                       + floor(g.ru * (%(citizens)s - %(heavy)s))::int END AS citizen
              FROM bench_gen g) k
            JOIN bench_plan p ON p.i = k.i
            LEFT JOIN auth_user u ON u.id = k.citizen
            LEFT JOIN cases_filenumbercounter fc
              ON fc.plan_item_id = p.plan_item_id AND fc.year = k.year
            """,
            {"first": FIRST, "last": LAST, "done": done_t, "queue": queue_t, "work": work_t,
             "user": first_user, "heavy": HEAVY, "citizens": citizens},
        )  # fmt: skip
        cur.execute(
            "INSERT INTO cases_filenumbercounter (plan_item_id, year, last) "
            "SELECT plan_item_id, extract(year FROM received_at)::int, count(*) FROM cases_case "
            "WHERE id BETWEEN %s AND %s GROUP BY 1, 2 "
            "ON CONFLICT (plan_item_id, year) DO UPDATE SET last = "
            "cases_filenumbercounter.last + EXCLUDED.last",
            [first, last],
        )
        step(
            f"{3 * count:,} history rows",
            "INSERT INTO cases_casestatus (case_id, at, activity, from_state, state, "
            "org_unit_id, note) SELECT c.id, c.received_at + s * interval '1 day', "
            "(ARRAY['received', 'assigned', 'transition'])[s + 1], "
            "CASE WHEN s > 0 THEN 'new' ELSE '' END, CASE WHEN s = 2 THEN c.state ELSE 'new' END, "
            "c.org_unit_id, '' FROM cases_case c CROSS JOIN generate_series(0, 2) s "
            "WHERE c.id BETWEEN %s AND %s",
            [first, last],
        )
        step(
            f"{10 * count:,} events",
            "INSERT INTO core_event (kind, occurred_at, tenant, subject, data) "
            "SELECT 'case.' || a.activity, c.received_at + (a.n - 1) * interval '20 hours', "
            "'harz', "
            "'case:' || c.id, jsonb_build_object('service', p.slug, 'procedure', "
            "p.procedure_key, 'org_unit', p.unit_key, 'channel', c.channel, "
            "'activity', a.activity, 'state', CASE WHEN a.n = 1 THEN 'new' ELSE c.state END, "
            "'state_kind', CASE WHEN a.n = 1 THEN 'queue' ELSE c.state_kind END) "
            "FROM cases_case c JOIN bench_plan p ON p.service_id = c.service_id "
            "CROSS JOIN unnest(%s::text[]) WITH ORDINALITY AS a(activity, n) "
            "WHERE c.id BETWEEN %s AND %s",
            [["received", *ACTIVITIES], first, last],
        )
        step(
            f"{3 * count:,} documents",
            "INSERT INTO cases_document (id, case_id, title, doc_type, channel, sender, "
            "received_at) SELECT %s + (c.id - %s) * 3 + d, c.id, 'Anlage ' || (d + 1) || '.pdf', "
            "'', c.channel, c.applicant_name, c.received_at "
            "FROM cases_case c CROSS JOIN generate_series(0, 2) d WHERE c.id BETWEEN %s AND %s",
            [first_doc, first, first, last],
        )
        step(
            f"{3 * count:,} document versions (text layer)",
            "INSERT INTO cases_documentversion (document_id, number, file, filename, mime, size, "
            "sha256, text, text_source, created_at, neutralised, removed, original, "
            "original_sha256) SELECT d.id, 1, (%(paths)s::text[])[1 + d.id %% %(files)s], "
            "lower(replace(d.title, ' ', '-')), 'application/pdf', "
            "(%(sizes)s::int[])[1 + d.id %% %(files)s], (%(shas)s::text[])[1 + d.id %% %(files)s], "
            "(%(pool)s::text[])[1 + (d.id * 7919) %% %(n)s] || ' ' || "
            "(%(pool)s::text[])[1 + (d.id / %(n)s * 31 + d.id * 13) %% %(n)s] "
            "|| CASE WHEN d.id %% 1000 = 7 THEN ' ' || %(rare)s ELSE '' END "
            "|| CASE WHEN d.id %% 100 = 7 THEN ' ' || %(medium)s ELSE '' END, "
            "'pdf', d.received_at, false, '[]'::jsonb, '', '' "
            "FROM cases_document d WHERE d.id >= %(first_doc)s",
            {"paths": [f[0] for f in files], "sizes": [f[1] for f in files],
             "shas": [f[2] for f in files], "files": FILES, "pool": pool, "n": POOL,
             "rare": RARE, "medium": MEDIUM, "first_doc": first_doc},
        )  # fmt: skip
        step("online applications", *_applications_sql(cur, first, last))
        cur.execute("SET session_replication_role = origin")
        for table in ("cases_case", "cases_document", "cases_documentversion"):
            sql = f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), (SELECT MAX(id) FROM {table}))"  # noqa: S608, E501 (fixed table names)
            cur.execute(sql)
        for name, definition in indexes:
            step(f"index {name}", definition)
            cur.execute("DELETE FROM bench_dropped_indexes WHERE name = %s", [name])
        # VACUUM as well: autovacuum does it in a running system, and without it a freshly
        # loaded table has no visibility map (index-only scans would read the table).
        step("VACUUM ANALYZE", "VACUUM (ANALYZE)")
        cur.execute("DROP TABLE IF EXISTS bench_plan, bench_gen")
    return {"seconds": time.perf_counter() - started, "steps": steps}


def _not_null_fillers(cur, table: str, given: list[str]) -> tuple[list[str], list[str]]:
    """Columns of `table` that must be filled and are not in `given` (added by a later
    migration, without a database default): their names and a neutral value each."""
    cur.execute(
        "SELECT column_name, data_type FROM information_schema.columns WHERE table_name = %s "
        "AND is_nullable = 'NO' AND column_default IS NULL AND is_identity = 'NO'",
        [table],
    )
    neutral = {"boolean": "false", "jsonb": "'{}'::jsonb", "text": "''"}
    names, values = [], []
    for name, kind in cur.fetchall():
        if name not in given and name != "id":
            names.append(name)
            values.append(neutral.get(kind, "''" if "char" in kind else "0"))
    return names, values


def _applications_sql(cur, first: int, last: int) -> tuple[str, list]:
    """An online application (submitted) behind every citizen's case with a form."""
    given = ["public_id", "user_id", "form_id", "form_version_id", "service_id", "status",
             "data", "last_page", "idempotency_key", "started_at", "updated_at", "submitted_at",
             "case_id", "file_number", "feedback_given"]  # fmt: skip
    extra, values = _not_null_fillers(cur, "forms_application", given)
    sql = (
        f"INSERT INTO forms_application ({', '.join(given + extra)}) "  # noqa: S608 (names from the catalog)
        "SELECT gen_random_uuid(), c.applicant_user_id, p.form_id, p.form_version_id, "
        "c.service_id, 'submitted', '{}'::jsonb, '', gen_random_uuid(), "
        "c.received_at - interval '1 hour', c.received_at, c.received_at, c.id, "
        f"c.file_number, false{''.join(', ' + v for v in values)} "
        "FROM cases_case c JOIN bench_plan p ON p.service_id = c.service_id "
        "WHERE c.id BETWEEN %s AND %s AND c.applicant_user_id IS NOT NULL "
        "AND p.form_id IS NOT NULL"
    )
    return sql, [first, last]


def restore_indexes() -> None:
    """Build the indexes a broken-off generation left dropped (after migrating: a migration
    that copies a table, as the event log's partitioning, is faster without them)."""
    from django.db import connection

    with connection.cursor() as cur:
        cur.execute("SELECT to_regclass('bench_dropped_indexes') IS NOT NULL")
        if not cur.fetchone()[0]:
            return
        cur.execute("SET maintenance_work_mem = '1GB'")
        cur.execute("SELECT name, definition FROM bench_dropped_indexes")
        for name, definition in cur.fetchall():
            print(f"  restoring index {name} …", flush=True)
            cur.execute(definition.replace("CREATE INDEX ", "CREATE INDEX IF NOT EXISTS ", 1))
        cur.execute("DROP TABLE bench_dropped_indexes")
        cur.execute("VACUUM (ANALYZE)")  # the broken-off run never got to it (statistics)


# What the desk reads every few seconds; a running server keeps it in memory, a freshly
# loaded one has it on disk. (Not the events, history and document texts: 10 M + 3 M + 3 M
# rows, more than the buffers a production server gives them.)
HOT = ["cases_case", "cases_document", "cases_documentversion"]


def prewarm() -> str:
    """Load the desk's tables and indexes into PostgreSQL's buffers (pg_prewarm) and return the
    server's memory settings for the headline. With the default shared_buffers (128 MB) a
    million cases do not fit, and every page read goes to the operating system: configure the
    server as for production first (README, docs/scaling.md)."""
    from django.db import connection

    with connection.cursor() as cur:
        cur.execute("CREATE EXTENSION IF NOT EXISTS pg_prewarm")
        cur.execute(
            "SELECT c.relname FROM pg_class c JOIN pg_index i ON i.indexrelid = c.oid "
            "WHERE i.indrelid = ANY(%s::regclass[])",
            [HOT],
        )
        indexes = [row[0] for row in cur.fetchall()]
        tables = [t for t in HOT if t != "cases_documentversion"]  # its texts: 2 GB
        for name in tables + indexes:
            cur.execute("SELECT pg_prewarm(%s)", [name])
        settings = []
        for name in ("shared_buffers", "effective_cache_size", "random_page_cost", "jit"):
            cur.execute(f"SHOW {name}")
            settings.append(f"{name}={cur.fetchone()[0]}")
        cur.execute("SHOW shared_buffers")
    if settings[0] in ("shared_buffers=128MB",):
        print("warning: shared_buffers is PostgreSQL's default (128MB): see docs/scaling.md")
    return ", ".join(settings)


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
    return timed_many([(client, path) for path in paths], rounds)


def timed_many(requests: list[tuple], rounds: int) -> dict:
    """`rounds` GETs, cycling through (client, path) pairs; p50/p99 in ms, non-200 counted."""
    timings, errors = [], 0
    for i in range(rounds):
        client, path = requests[i % len(requests)]
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


def sample_cases(user, n: int, seed: int = 3) -> list:
    """`n` random cases the user may see (random ids, no ORDER BY random() over a million)."""
    from django.db.models import Max, Min

    from openkreis.cases import services
    from openkreis.cases.models import Case

    rng = random.Random(seed)
    bounds = Case.objects.aggregate(lo=Min("id"), hi=Max("id"))
    found: list = []
    while len(found) < n:
        ids = [rng.randint(bounds["lo"], bounds["hi"]) for _ in range(50 * n)]
        found += list(services.visible_cases(user).filter(pk__in=ids)[: n - len(found)])
    return found


def inbox_paths() -> list[str]:
    tabs = ["new", "mine", "waiting", "overdue", "done"]
    return [f"/sachbearbeitung/?tab={t}&seite={p}" for t in tabs for p in (1, 2, 5)]


def search_paths(lead) -> list[str]:
    from urllib.parse import quote

    numbers = [case.file_number for case in sample_cases(lead, 5)]
    queries = SEARCHES + numbers + [n.rsplit("-", 1)[0][-9:] for n in numbers[:2]]
    return [f"/sachbearbeitung/?q={quote(q)}" for q in queries]


def case_paths(lead) -> list[str]:
    return [f"/sachbearbeitung/vorgang/{case.pk}/" for case in sample_cases(lead, 30, seed=5)]


def citizen_requests(heavy: int = 5, normal: int = 15) -> tuple[list[tuple], dict]:
    """(client, "/antrag/meine/") for the `heavy` citizens with the most cases and `normal`
    random citizens with at least one, each logged in on their own client."""
    from django.contrib.auth import get_user_model
    from django.db import connection
    from django.test import Client

    with connection.cursor() as cur:
        cur.execute(
            "SELECT applicant_user_id, count(*) FROM cases_case WHERE applicant_user_id IS NOT "
            "NULL GROUP BY 1 ORDER BY 2 DESC, 1 LIMIT %s",
            [heavy],
        )
        top = cur.fetchall()
        cur.execute(
            "SELECT applicant_user_id, count(*) FROM cases_case WHERE applicant_user_id IN "
            "(SELECT applicant_user_id FROM cases_case WHERE id %% 1009 = 3) GROUP BY 1 "
            "HAVING count(*) < 50 ORDER BY 1 LIMIT %s",
            [normal],
        )
        others = [row for row in cur.fetchall() if row[0] not in {t[0] for t in top}]
    users = get_user_model().objects.in_bulk([row[0] for row in top + others])
    requests = []
    for user_id, _n in top + others:
        client = Client()
        client.force_login(users[user_id])
        requests.append((client, "/antrag/meine/"))
    with connection.cursor() as cur:
        cur.execute(
            "SELECT count(*) FROM cases_case WHERE applicant_user_id = ANY(%s)",
            [[row[0] for row in others]],
        )
        normal_cases = cur.fetchone()[0]
    info = {
        "heavy": len(top),
        "heavy_cases": [row[1] for row in top],
        "normal": len(others),
        "normal_cases": normal_cases / max(1, len(others)),
    }
    return requests, info


def extra_parts(database_url: str, seconds: float) -> list[tuple[str, object]]:
    """Case creation with the audit chain and gap-free numbers (bench/_cases_create.py, helper
    s1's part of issue 26), when the module exists: its figures are printed as they come."""
    if not (ROOT / "bench" / "_cases_create.py").exists():
        return [("_cases_create", "not present")]
    try:
        return [
            ("_cases_create", importlib.import_module("_cases_create").run(database_url, seconds))
        ]
    except Exception as exc:  # noqa: BLE001 - a broken part must not hide the read figures
        return [("_cases_create", f"failed: {exc!r}")]


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


def query_profile(client, path: str) -> str:
    """One request with its SQL: how many queries, their time, and the plan of the slowest."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as queries:
        t0 = time.perf_counter()
        client.get(path)
        total = (time.perf_counter() - t0) * 1000
    ranked = sorted(queries.captured_queries, key=lambda q: float(q["time"]), reverse=True)
    sql_ms = sum(float(q["time"]) for q in ranked) * 1000
    lines = [f"{path}: {total:.1f} ms, {len(ranked)} queries, {sql_ms:.1f} ms in SQL"]
    if ranked and ranked[0]["sql"].lstrip().upper().startswith("SELECT"):
        lines.append(
            f"  slowest ({float(ranked[0]['time']) * 1000:.1f} ms): {ranked[0]['sql'][:300]}"
        )
        with connection.cursor() as cur:
            cur.execute("EXPLAIN (ANALYZE, BUFFERS OFF) " + ranked[0]["sql"])
            lines += ["    " + row[0] for row in cur.fetchall()]
    return "\n".join(lines)


GOALS = {"inbox": 50, "search": 100, "case": 50, "mine": 100}  # p99 in ms (issue 26)


def load_average() -> str:
    return " ".join(f"{x:.2f}" for x in os.getloadavg())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pg", default="postgresql://postgres@127.0.0.1:5432")
    parser.add_argument("--cases", type=int, default=1_000_000)
    parser.add_argument("--rounds", type=int, default=300, help="requests per page row")
    parser.add_argument("--seconds", type=float, default=15, help="per creation row")
    parser.add_argument("--ocr-pages", type=int, default=6)
    parser.add_argument("--reuse", action="store_true", help="keep an existing bench database")
    parser.add_argument("--db", default="ok_bench_cases", help="the benchmark database")
    parser.add_argument("--reads-only", action="store_true", help="skip creation and OCR rows")
    parser.add_argument(
        "--explain", action="store_true", help="per page: queries, and the slowest one's plan"
    )
    args = parser.parse_args()
    global DB_NAME  # noqa: PLW0603 - one database per run, named once here
    DB_NAME = args.db

    reuse = args.reuse and database_exists(args.pg)
    if not reuse:
        create_database(args.pg)
    setup_django(args.pg)
    print("migrating, loading Harz …", flush=True)
    migrate_and_load()
    if reuse:
        restore_indexes()
    generated = None
    have = counts()
    if have["cases"] < args.cases:
        print(f"generating {args.cases - have['cases']:,} cases …", flush=True)
        generated = generate(args.cases - have["cases"])
        print(f"  done in {generated['seconds']:.0f} s", flush=True)
    ensure_applications()
    plant_search_words()
    have = counts()

    server = prewarm()
    client, lead = lead_client()
    give_the_lead_some_cases(lead)
    pages = {
        "inbox": [(client, p) for p in inbox_paths()],
        "search": [(client, p) for p in search_paths(lead)],
        "case": [(client, p) for p in case_paths(lead)],
    }
    pages["mine"], citizens = citizen_requests()
    for requests in pages.values():  # warm caches and connections once
        for who, path in requests:
            who.get(path)
    if args.explain:
        for requests in pages.values():
            for who, path in requests[:: max(1, len(requests) // 4)]:
                print(query_profile(who, path), flush=True)
    print(f"measuring pages (load average {load_average()}) …", flush=True)
    health = timed(client, ["/healthz"], args.rounds)
    figures = {kind: timed_many(requests, args.rounds) for kind, requests in pages.items()}
    health_after = timed(client, ["/healthz"], args.rounds)
    load_pages = load_average()
    created = bare = ours = plain = None
    if not args.reads_only:
        print("measuring case creation …", flush=True)
        created = creation_rate(args.seconds)
        bare = bare_insert_rate(args.seconds)
        print(f"measuring OCR on {args.ocr_pages} scanned pages …", flush=True)
        files = letters(args.ocr_pages)
        plain = ocr_plain(files)
        ours = ocr_ours(files)
    extras = [] if args.reads_only else extra_parts(f"{args.pg}/{DB_NAME}", args.seconds)

    from openkreis.cases import services

    in_scope = services.visible_cases(lead).count()
    print(
        f"\neAkte benchmark — {have['cases']:,} cases, {have['events']:,} events, "
        f"{have['documents']:,} documents on PostgreSQL; team lead of {LEAD_UNIT} "
        f"({in_scope:,} cases in scope); 'Meine Anträge' of {citizens['heavy']} citizens with "
        f"{'/'.join(str(n) for n in citizens['heavy_cases'])} cases and {citizens['normal']} with "
        f"{citizens['normal_cases']:.1f} on average; {os.cpu_count()} cores; load average "
        f"{load_pages} (after the pages); {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}"
        f"; PostgreSQL {server}"
    )
    if generated:
        print(
            f"data generated in {generated['seconds']:.0f} s (in PostgreSQL: "
            + ", ".join(f"{label} {s:.0f} s" for label, s in generated["steps"] if s >= 1)
            + ")"
        )
    print()
    print("| figure | value | ceiling | ratio |")
    print("| --- | --- | --- | --- |")
    health_p99 = max(health["p99"], health_after["p99"])

    def page_row(label, row, goal):
        print(
            f"| {label} p50 / p99 ({row['n']} requests, {row['errors']} errors) "
            f"| {row['p50']:.1f} / {row['p99']:.1f} ms "
            f"| goal p99 < {goal} ms; /healthz p99 {health_p99:.1f} ms "
            f"| {row['p99'] / goal:.2f} of the goal; {row['p99'] / health_p99:.0f}× /healthz |"
        )

    page_row("inbox page (5 tabs, pages 1/2/5)", figures["inbox"], GOALS["inbox"])
    page_row("staff search page (file number, name, full text)", figures["search"], GOALS["search"])
    page_row("case page", figures["case"], GOALS["case"])
    page_row("citizen 'Meine Anträge'", figures["mine"], GOALS["mine"])
    print(
        f"| /healthz p50 / p99 before / after the pages | {health['p50']:.1f} / "
        f"{health['p99']:.1f} ms, {health_after['p50']:.1f} / {health_after['p99']:.1f} ms "
        f"| – | – |"
    )
    if created:
        print(
            f"| case creation via open_case (1 PDF) | {created['rate']:.1f}/s "
            f"| bare case + event insert {bare['rate']:.1f}/s "
            f"| {created['rate'] / bare['rate']:.0%} |"
        )
    if ours:
        ours_ppm = ours["pages"] / ours["seconds"] * 60
        plain_ppm = plain["pages"] / plain["seconds"] * 60
        print(
            f"| OCR pages per minute, our intake ({', '.join(sorted(ours['states']))}) "
            f"| {ours_ppm:.1f} | plain ocrmypdf {plain_ppm:.1f} | {ours_ppm / plain_ppm:.0%} |"
        )
    for name, result in extras:
        print(f"\n{name}: {result}")


if __name__ == "__main__":
    main()
