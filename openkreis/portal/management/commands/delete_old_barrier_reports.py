from django.core.management.base import BaseCommand

from openkreis.portal.services import barrier_report_retention_days, delete_old_barrier_reports


class Command(BaseCommand):
    help = "Delete reported barriers older than the retention period (personal data)."

    def add_arguments(self, parser):
        parser.add_argument("--dry-run", action="store_true", help="only count what would go")

    def handle(self, *args, **options):
        count = delete_old_barrier_reports(dry_run=options["dry_run"])
        verb = "would be deleted" if options["dry_run"] else "deleted"
        days = barrier_report_retention_days()
        self.stdout.write(f"{count} barrier reports older than {days} days {verb}.")
