from django.core.management.base import BaseCommand

from openkreis.forms.services import ABANDON_AFTER_DAYS, abandon_stale_drafts


class Command(BaseCommand):
    help = "Mark drafts untouched for N days as abandoned (emits application.abandoned)."

    def add_arguments(self, parser):
        parser.add_argument("--days", type=int, default=ABANDON_AFTER_DAYS)

    def handle(self, *args, **options):
        self.stdout.write(f"{abandon_stale_drafts(options['days'])} drafts abandoned")
