# The practice as a private resource of the appointments engine, and the booking's claim
# (docs/capacity.md, "Doctor slots"). Fields first; 0007 turns the booked slots into
# claims; 0008 swaps the old partial unique constraint for the check constraint.

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("appointments", "0002_private_branches_dated_claims"),
        ("capacity", "0004_search_age_group"),
    ]

    operations = [
        migrations.AddField(
            model_name="practice",
            name="resource",
            field=models.OneToOneField(
                blank=True,
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="+",
                to="appointments.counter",
            ),
        ),
        migrations.AddField(
            model_name="slotbooking",
            name="claim",
            field=models.OneToOneField(
                blank=True,
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="+",
                to="appointments.slotclaim",
            ),
        ),
    ]
