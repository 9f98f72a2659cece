"""The event log's `data` as `json` (the text as written) instead of `jsonb` on PostgreSQL
(core.fields.StoredJSONField; docs/scaling.md, "Cockpit recompute"). One rewrite of the
event table (its partitions, when partitioned: ALTER TABLE on the parent reaches them).
SQLite stores JSON as text either way: nothing to do there."""

from django.db import migrations

import openkreis.core.fields


def _retype(to: str):
    def run(apps, schema_editor):
        if schema_editor.connection.vendor != "postgresql":
            return
        schema_editor.execute(f"ALTER TABLE core_event ALTER COLUMN data TYPE {to} USING data::{to}")

    return run


class Migration(migrations.Migration):
    dependencies = [
        ("core", "0013_event_partitioned_by_month"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            database_operations=[migrations.RunPython(_retype("json"), _retype("jsonb"))],
            state_operations=[
                migrations.AlterField(
                    model_name="event",
                    name="data",
                    field=openkreis.core.fields.StoredJSONField(blank=True, default=dict),
                ),
            ],
        ),
    ]
