"""Trigram indexes for the staff search on PostgreSQL (bench/cases.py: at 100,000 cases and
300,000 documents the search scanned every document's text). Django's `icontains` compiles
to `UPPER(col::text) LIKE UPPER(%s)`, so the indexes are on exactly that expression. SQLite
(`make run`) has no pg_trgm and keeps scanning, which is fine at a demo's size."""

from django.db import migrations

INDEXES = [
    ("cases_version_text_trgm", "cases_documentversion", 'UPPER("text")'),
    ("cases_case_number_trgm", "cases_case", 'UPPER("file_number"::text)'),
    ("cases_case_applicant_trgm", "cases_case", 'UPPER("applicant_name"::text)'),
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
    dependencies = [("cases", "0002_audit_indexes")]

    operations = [migrations.RunPython(create, drop)]
