from django.core.management.base import BaseCommand

from openkreis.cases.services import delete_expired


class Command(BaseCommand):
    help = "Delete cases past their retention period (documents and personal data; events stay)."

    def add_arguments(self, parser):
        parser.add_argument("--dry-run", action="store_true", help="only list what would go")

    def handle(self, *args, **options):
        numbers = delete_expired(dry_run=options["dry_run"])
        verb = "would be deleted" if options["dry_run"] else "deleted"
        self.stdout.write(f"{len(numbers)} cases {verb}.")
        for number in numbers:
            self.stdout.write(f"  {number}")
