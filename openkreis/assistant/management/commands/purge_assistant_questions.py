"""Delete unanswered (scrubbed) questions past the county's retention time
(tenants/<slug>/assistant.yaml `retention_days`, default 90). Run daily (cron or beat)."""

from django.core.management.base import BaseCommand

from openkreis.assistant import config, services


class Command(BaseCommand):
    help = "Delete the assistant's unanswered questions older than the retention time."

    def add_arguments(self, parser):
        parser.add_argument("--dry-run", action="store_true", help="only count what would go")

    def handle(self, *args, **options):
        count = services.purge(dry_run=options["dry_run"])
        verb = "would be deleted" if options["dry_run"] else "deleted"
        days = config.current().retention_days
        self.stdout.write(f"{count} unanswered questions older than {days} days {verb}.")
