"""Full-text index for the staff search's word search in documents (issue 26, docs/scaling.md).

At a million cases the trigram index on the documents' text (0003) answered a word found in
one document of a hundred — 30,000 documents — in 700 ms: a trigram index finds candidates
and PostgreSQL re-reads every candidate's text to check it. A full-text index (`tsvector`,
German stemming) is exact for whole words and their beginnings, needs no re-check, and is a
fraction of the size, so it replaces the trigram index on the text. File numbers and names
keep their trigram indexes: a caseworker types parts of them.

The index covers the first 500,000 characters of a text (about 250 pages): PostgreSQL refuses
a `tsvector` whose distinct words exceed 1 MB, and an OCR text of a very long scan must not
make its document unstorable. The expression is `cases.services.queries.FULLTEXT` exactly,
or PostgreSQL would not use the index. SQLite (`make run`) keeps `icontains`."""

from django.db import migrations

FULLTEXT_INDEX = (
    "CREATE INDEX IF NOT EXISTS cases_version_text_fts ON cases_documentversion "
    "USING gin (to_tsvector('german'::regconfig, left(\"text\", 500000)))"
)
TRIGRAM_INDEX = (
    "CREATE INDEX IF NOT EXISTS cases_version_text_trgm ON cases_documentversion "
    'USING gin (UPPER("text") gin_trgm_ops)'
)


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute(FULLTEXT_INDEX)
    schema_editor.execute("DROP INDEX IF EXISTS cases_version_text_trgm")


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute(TRIGRAM_INDEX)
    schema_editor.execute("DROP INDEX IF EXISTS cases_version_text_fts")


class Migration(migrations.Migration):
    dependencies = [("cases", "0010_scale_indexes")]

    operations = [migrations.RunPython(forwards, backwards)]
