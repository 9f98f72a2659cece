"""The facts' keys compared byte by byte (COLLATE "C") and their JSON kept as plain text on
PostgreSQL (models.KeyField, models.TextJSONField; docs/scaling.md, "Cockpit recompute").
One ALTER TABLE, one rewrite of the fact table. SQLite has neither a "C" collation nor
a JSON type of its own: nothing changes there."""

from django.db import migrations

import openkreis.cockpit.models

KEYS = (("subject", 120), ("service", 120), ("org_unit", 120), ("channel", 20), ("procedure", 120))
JSON = ("steps", "edges", "fold")


def _alter(schema_editor, collation: str, json_type: str) -> None:
    if schema_editor.connection.vendor != "postgresql":
        return
    keys = [
        f'ALTER COLUMN {name} TYPE varchar({size}) COLLATE "{collation}"' for name, size in KEYS
    ]
    texts = [f"ALTER COLUMN {name} TYPE {json_type} USING {name}::{json_type}" for name in JSON]
    schema_editor.execute("ALTER TABLE cockpit_casefact " + ", ".join(keys + texts))


def forwards(apps, schema_editor):
    _alter(schema_editor, "C", "text")


def backwards(apps, schema_editor):
    _alter(schema_editor, "default", "json")


class Migration(migrations.Migration):
    dependencies = [
        ("cockpit", "0012_fewer_fact_indexes"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            database_operations=[migrations.RunPython(forwards, backwards)],
            state_operations=[
                migrations.AlterField(
                    model_name="casefact",
                    name=name,
                    field=openkreis.cockpit.models.KeyField(
                        max_length=size,
                        **({"unique": True} if name == "subject" else {}),
                        **({"blank": True} if name == "procedure" else {}),
                    ),
                )
                for name, size in KEYS
            ],
        ),
    ]
