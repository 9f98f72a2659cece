from django.core.management.base import BaseCommand

from openkreis.cases.services import send_reminders


class Command(BaseCommand):
    help = "Remind applicants whose requested documents are past the deadline (once each)."

    def handle(self, *args, **options):
        self.stdout.write(f"{send_reminders()} reminders sent.")
