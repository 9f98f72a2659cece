"""The free-place search's index: FreePlaces carry their group's age group."""

from django.db import migrations, models
from django.db.models import OuterRef, Q, Subquery


def copy_age_groups(apps, schema_editor):
    FreePlaces = apps.get_model("capacity", "FreePlaces")
    KitaGroup = apps.get_model("capacity", "KitaGroup")
    FreePlaces.objects.update(
        age_group=Subquery(KitaGroup.objects.filter(pk=OuterRef("group_id")).values("age_group"))
    )


class Migration(migrations.Migration):
    dependencies = [
        ("capacity", "0005_providers_retention"),  # h18b's, made at the same time
    ]

    operations = [
        migrations.AddField(
            model_name="freeplaces",
            name="age_group",
            field=models.CharField(
                choices=[
                    ("krippe", "Crèche (0–3 years)"),
                    ("kindergarten", "Kindergarten (3 years to school)"),
                    ("hort", "After-school care (Hort)"),
                ],
                default="",
                editable=False,
                max_length=20,
            ),
            preserve_default=False,
        ),
        migrations.RunPython(copy_age_groups, migrations.RunPython.noop),
        migrations.AddIndex(
            model_name="freeplaces",
            index=models.Index(
                condition=Q(("free__gt", 0)),
                fields=["age_group", "month"],
                include=("free", "group"),
                name="free_places_age_search",
            ),
        ),
    ]
