"""Delete driving-school applications whose consent link expired long ago (never a case)."""

from django.core.management.base import BaseCommand

from openkreis.schools import services


class Command(BaseCommand):
    help = __doc__

    def handle(self, *args, **options):
        count = services.delete_stale_pending()
        self.stdout.write(f"{count} stale application(s) deleted")
