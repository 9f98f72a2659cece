"""Trigram indexes for the job search's words on PostgreSQL (J2; bench/directory.py: 10,000
postings, p99 < 30 ms). Django's `icontains` compiles to `UPPER(col::text) LIKE UPPER(%s)`,
so the indexes are on exactly that expression (as cases 0003 does). SQLite has no pg_trgm and
keeps scanning, which is fine at a demo's size.

Depends on 0001 only: no jobs 0002 existed when this was written; if one is added, make it
depend on the other or add a merge migration."""

from django.db import migrations

INDEXES = [
    ("jobs_job_title_trgm", "jobs_job", 'UPPER("title"::text)'),
    ("jobs_job_description_trgm", "jobs_job", 'UPPER("description"::text)'),
    ("jobs_employer_name_trgm", "jobs_employer", 'UPPER("name"::text)'),
]


def create(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    for name, table, expression in INDEXES:
        schema_editor.execute(
            f"CREATE INDEX IF NOT EXISTS {name} ON {table} USING gin ({expression} gin_trgm_ops)"
        )


def drop(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for name, _table, _expression in INDEXES:
        schema_editor.execute(f"DROP INDEX IF EXISTS {name}")


class Migration(migrations.Migration):
    dependencies = [("jobs", "0001_initial")]

    operations = [migrations.RunPython(create, drop)]
