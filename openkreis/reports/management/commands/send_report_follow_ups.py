"""Mail the four-week questionnaire "Ist der Mangel behoben?" for reports fixed
OPENKREIS_REPORTS_FOLLOW_UP_DAYS (28) days ago — once per report and address, so running it
twice (or next to the Celery beat task) sends nothing twice. For cron setups without Celery."""

from django.core.management.base import BaseCommand

from openkreis.reports import services


class Command(BaseCommand):
    help = "Send the Mängelmelder's four-week follow-up questionnaire (idempotent)."

    def handle(self, *args, **options):
        sent = services.send_follow_ups()
        self.stdout.write(f"{sent} follow-up e-mail(s) sent")
