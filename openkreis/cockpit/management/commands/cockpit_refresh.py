"""Bring the cockpit's aggregates up to date from the event log (incremental), or
rebuild them from scratch with --full."""

import time

from django.core.management.base import BaseCommand

from openkreis.cockpit import aggregates


class Command(BaseCommand):
    help = "Update the cockpit's aggregates from the event log (--full: recompute)."

    def add_arguments(self, parser):
        parser.add_argument("--full", action="store_true", help="recompute from scratch")

    def handle(self, *args, full=False, **options):
        started = time.perf_counter()
        if full:
            n = aggregates.recompute()
            what = f"{n} cases recomputed"
        else:
            n = aggregates.refresh()
            what = f"{n} new events read"
        self.stdout.write(f"cockpit: {what} in {time.perf_counter() - started:.2f} s")
