from django.core.management.base import BaseCommand

from openkreis.appointments import services


class Command(BaseCommand):
    help = (
        "Remind everyone whose appointment is tomorrow (once each), record no-shows and "
        "tidy expired holds. Run hourly from cron in `make run` mode; Celery beat does it "
        "in production."
    )

    def handle(self, *args, **options):
        reminded = services.send_reminders()
        no_shows = services.record_no_shows()
        expired = services.expire_holds()
        self.stdout.write(
            f"{reminded} reminders sent, {no_shows} no-shows, {expired} holds expired."
        )
