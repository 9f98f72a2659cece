"""PostgreSQL only: the GIN index of the products' full-text vectors (catalog.fulltext),
partial on active products — the search never looks at others, and a shop's retired
articles do not grow the index. SQLite cannot build GIN indexes (the in-memory engine
searches there), so this is not in the model's Meta."""

from django.db import migrations


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute(
        "CREATE INDEX IF NOT EXISTS marketplace_product_search "
        "ON marketplace_product USING gin (search_vector) WHERE active"
    )


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute("DROP INDEX IF EXISTS marketplace_product_search")


class Migration(migrations.Migration):
    dependencies = [("marketplace", "0002_m5_closed_accounts")]

    operations = [migrations.RunPython(forwards, backwards)]
