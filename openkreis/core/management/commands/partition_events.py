"""`manage.py partition_events`: keep the event log's monthly partitions ready (PostgreSQL).

Creates the partitions of this month and the next `--ahead` months and moves rows that landed
in the DEFAULT partition into partitions of their month (after a bulk load of old events).
`--list` prints the partitions with their row counts. On SQLite it says so and does nothing.
Celery beat runs the same daily (`openkreis.core.tasks.create_event_partitions`)."""

from django.core.management.base import BaseCommand

from openkreis.core import partitions


class Command(BaseCommand):
    help = "Create the event log's monthly partitions ahead and split the default partition."

    def add_arguments(self, parser):
        parser.add_argument("--ahead", type=int, default=3, help="months after this one")
        parser.add_argument(
            "--no-split", action="store_true", help="leave rows in the DEFAULT partition"
        )
        parser.add_argument("--list", action="store_true", help="list partitions and rows")

    def handle(self, *args, ahead: int, no_split: bool, list: bool, **options):  # noqa: A002
        if not partitions.is_partitioned():
            self.stdout.write("core_event is not partitioned here (SQLite): nothing to do.")
            return
        created = partitions.ensure_partitions(months_ahead=ahead)
        split = [] if no_split else partitions.split_default()
        self.stdout.write(f"created ahead: {len(created)} {' '.join(created)}".rstrip())
        self.stdout.write(f"split from default: {len(split)} {' '.join(split)}".rstrip())
        if list:
            for part in partitions.partitions(count_rows=True):
                bounds = f"{part.start:%Y-%m-%d} … {part.end:%Y-%m-%d}" if part.start else "DEFAULT"
                self.stdout.write(f"{part.name}  {bounds}  {part.rows:,} rows")
