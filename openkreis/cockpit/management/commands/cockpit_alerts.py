"""Evaluate the cockpit's alert rules now (after bringing the aggregates up to date)."""

from django.core.management.base import BaseCommand

from openkreis.cockpit import aggregates, alerts


class Command(BaseCommand):
    help = "Evaluate the cockpit's alert rules and mail the subscribers of new alerts."

    def handle(self, *args, **options):
        aggregates.refresh()
        raised = alerts.evaluate()
        self.stdout.write(f"cockpit: {len(raised)} new alert(s)")
        for alert in raised:
            self.stdout.write(f"  {alert.rule.name}: {alert.last_value}")
