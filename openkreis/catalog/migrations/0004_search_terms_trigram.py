"""PostgreSQL only: pg_trgm and a trigram index on the full-text vocabulary
(catalog.fulltext: typo and compound-word lookups, `term % 'akuschraub'`, `term LIKE '%bohr'`).
SQLite has neither; there the in-memory engine does this work."""

from django.db import migrations


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    schema_editor.execute(
        "CREATE INDEX IF NOT EXISTS catalog_searchterm_trgm "
        "ON catalog_searchterm USING gin (term gin_trgm_ops)"
    )


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    # the extension stays: other databases objects may use it
    schema_editor.execute("DROP INDEX IF EXISTS catalog_searchterm_trgm")


class Migration(migrations.Migration):
    dependencies = [("catalog", "0003_search_terms")]

    operations = [migrations.RunPython(forwards, backwards)]
