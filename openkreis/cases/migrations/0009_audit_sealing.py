"""The audit chain sealed in batches (issue 26, docs/architecture.md "Case creation at
scale"): writers append entries with their leaf hash only, the sealer numbers them (`seq`)
and links them. The entries already there were chained one by one in id order: they become
the sealed start of the chain, numbered in that order, and keep their hashes (no leaf: the
verification checks them with the formula they were written with)."""

from django.db import migrations, models

NUMBER_EXISTING = (
    "UPDATE cases_auditentry SET seq = numbered.rn FROM ("
    "SELECT id, ROW_NUMBER() OVER (ORDER BY id) AS rn FROM cases_auditentry"
    ") AS numbered WHERE cases_auditentry.id = numbered.id"
)


class Migration(migrations.Migration):
    dependencies = [
        ("cases", "0008_case_channel_driving_school"),
    ]

    operations = [
        migrations.CreateModel(
            name="AuditSeal",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("first_seq", models.BigIntegerField()),
                ("last_seq", models.BigIntegerField(unique=True)),
                ("entry_id", models.BigIntegerField()),
                ("hash", models.CharField(max_length=64)),
                ("sealed_at", models.DateTimeField()),
            ],
        ),
        migrations.AddField(
            model_name="auditentry",
            name="leaf",
            field=models.CharField(blank=True, default="", max_length=64),
        ),
        migrations.AddField(
            model_name="auditentry",
            name="seq",
            field=models.BigIntegerField(blank=True, null=True, unique=True),
        ),
        migrations.AlterField(
            model_name="auditentry",
            name="hash",
            field=models.CharField(blank=True, max_length=64, null=True, unique=True),
        ),
        migrations.AlterField(
            model_name="auditentry",
            name="prev_hash",
            field=models.CharField(blank=True, default="", max_length=64),
        ),
        migrations.RunSQL(NUMBER_EXISTING, migrations.RunSQL.noop),
        migrations.AddIndex(
            model_name="auditentry",
            index=models.Index(
                condition=models.Q(("seq__isnull", True)),
                fields=["id"],
                name="cases_audit_unsealed",
            ),
        ),
    ]
