"""Delete the Kapazitätsfinder's personal data past the retention time (children,
applications with their wishes and offers, place alerts; doctor slots that passed with
their bookings, old waiting-list entries; docs/capacity.md). Also run daily
by Celery beat (capacity.tasks.purge_kita_data); for cron setups without Celery."""

from django.core.management.base import BaseCommand

from openkreis.capacity import retention
from openkreis.capacity.services import county_rules


class Command(BaseCommand):
    help = (
        "Delete Kita children, applications, offers and alerts, and doctor-slot bookings "
        "and waiting lists past the retention time."
    )

    def add_arguments(self, parser):
        parser.add_argument("--dry-run", action="store_true", help="only count what would go")

    def handle(self, *args, **options):
        counts = retention.purge(dry_run=options["dry_run"])
        verb = "would be deleted" if options["dry_run"] else "deleted"
        days = county_rules().retention_days
        self.stdout.write(
            f"{counts['applications']} applications, {counts['children']} children, "
            f"{counts['alerts']} alerts older than {days} days {verb}."
        )
        slots = retention.purge_providers(dry_run=options["dry_run"])
        self.stdout.write(
            f"Doctor slots: {slots['slots_expired']} passed without a booking, "
            f"{slots['bookings']} bookings past the practices' retention time, "
            f"{slots['waitlist']} waiting-list entries {verb}."
        )
