"""Indexes for the desk at a million cases (issue 26, bench/cases.py, docs/scaling.md).

The inbox lists a tab (state kind) in the desk's order — due date, receipt, id — 25 at a
time. With only (org_unit, state_kind, received_at) PostgreSQL collected every case of the
tab in the user's units and sorted them; with the order in an index it reads the first page
in index order and stops. The overdue tab (every open case, due before now) has a partial
index of open cases in the same order."""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("cases", "0009_audit_sealing")]

    operations = [
        migrations.AddIndex(
            model_name="case",
            index=models.Index(
                fields=["state_kind", "target_at", "received_at", "id"],
                name="cases_case_tab_order",
            ),
        ),
        migrations.AddIndex(
            model_name="case",
            index=models.Index(
                condition=models.Q(("state_kind", "done"), _negated=True),
                fields=["target_at", "received_at", "id"],
                name="cases_case_open_order",
            ),
        ),
    ]
