"""The lead time histogram of DailyCaseStat counts whole hours instead of whole days (a
lead time below two days is shown in hours). Existing rows are carried over (a day
becomes its first hour: the same lower bound); `manage.py cockpit_refresh --full`, which
runs nightly, fills them to the hour."""

from django.db import migrations


def days_to_hours(apps, schema_editor):
    DailyCaseStat = apps.get_model("cockpit", "DailyCaseStat")
    changed = []
    for row in DailyCaseStat.objects.exclude(lead_hist={}).only("pk", "lead_hist").iterator():
        row.lead_hist = {str(int(k) * 24): v for k, v in row.lead_hist.items()}
        changed.append(row)
        if len(changed) >= 2000:
            DailyCaseStat.objects.bulk_update(changed, ["lead_hist"])
            changed = []
    DailyCaseStat.objects.bulk_update(changed, ["lead_hist"])


def hours_to_days(apps, schema_editor):
    DailyCaseStat = apps.get_model("cockpit", "DailyCaseStat")
    changed = []
    for row in DailyCaseStat.objects.exclude(lead_hist={}).only("pk", "lead_hist").iterator():
        days: dict = {}
        for k, v in row.lead_hist.items():
            key = str(int(k) // 24)
            days[key] = days.get(key, 0) + v
        row.lead_hist = days
        changed.append(row)
    DailyCaseStat.objects.bulk_update(changed, ["lead_hist"], batch_size=2000)


class Migration(migrations.Migration):
    dependencies = [("cockpit", "0005_import_sources_and_roles")]

    operations = [migrations.RunPython(days_to_hours, hours_to_days)]
