"""The event log partitioned by month (issue 26, docs/scaling.md "Event log partitioning").

On PostgreSQL `core_event` is a table partitioned by range of `occurred_at` (migration
core 0013): one partition per calendar month (UTC bounds, named `core_event_yYYYYmMM`) and a
DEFAULT partition that takes any row no month partition holds, so an insert never fails for
want of a partition. This module keeps the months ahead ready (Celery beat daily, and
`manage.py partition_events`), and moves rows that landed in the DEFAULT partition into
partitions of their own month. On SQLite nothing is partitioned and every function here
returns without doing anything.

Why by month: the cockpit, the retention sweep and any archive read or drop whole time ranges;
a month is small enough that its indexes stay in memory while it is written and large enough
that a state's ten years are ~120 tables. Queries that name a time range (`occurred_at`) read
only the months in it (partition pruning); a query by id or subject reads each month's index.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db import connection, transaction

TABLE = "core_event"
DEFAULT_PARTITION = f"{TABLE}_default"


@dataclass(frozen=True)
class Partition:
    name: str
    start: dt.datetime | None  # None: the DEFAULT partition
    end: dt.datetime | None
    rows: int | None = None


def is_partitioned() -> bool:
    """Whether `core_event` is a partitioned table (PostgreSQL after migration core 0013)."""
    if connection.vendor != "postgresql":
        return False
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT c.relkind FROM pg_class c WHERE c.oid = to_regclass(%s)", [f"public.{TABLE}"]
        )
        row = cursor.fetchone()
    return bool(row and row[0] == "p")


def month_start(moment: dt.datetime | dt.date) -> dt.datetime:
    """The first instant (UTC) of the month `moment` falls in (in UTC)."""
    if isinstance(moment, dt.datetime):
        if moment.tzinfo is not None:
            moment = moment.astimezone(dt.UTC)
        return dt.datetime(moment.year, moment.month, 1, tzinfo=dt.UTC)
    return dt.datetime(moment.year, moment.month, 1, tzinfo=dt.UTC)


def next_month(start: dt.datetime) -> dt.datetime:
    return start.replace(year=start.year + start.month // 12, month=start.month % 12 + 1)


def partition_name(start: dt.datetime) -> str:
    return f"{TABLE}_y{start.year:04d}m{start.month:02d}"


def partitions(count_rows: bool = False) -> list[Partition]:
    """The partitions of the event table with their bounds, oldest first, DEFAULT last."""
    if not is_partitioned():
        return []
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT c.relname, pg_get_expr(c.relpartbound, c.oid) FROM pg_inherits i "
            "JOIN pg_class c ON c.oid = i.inhrelid WHERE i.inhparent = to_regclass(%s) "
            "ORDER BY c.relname",
            [f"public.{TABLE}"],
        )
        rows = cursor.fetchall()
        result = []
        for name, bound in rows:
            start = end = None
            if bound != "DEFAULT":
                # FOR VALUES FROM ('2026-12-01 01:00:00+01') TO ('2027-01-01 01:00:00+01')
                low, high = bound.split("FROM ('", 1)[1].split("') TO ('", 1)
                start = dt.datetime.fromisoformat(low).astimezone(dt.UTC)
                end = dt.datetime.fromisoformat(high.rstrip("')")).astimezone(dt.UTC)
            count = None
            if count_rows:
                cursor.execute(f'SELECT count(*) FROM "{name}"')  # noqa: S608 (our own names)
                count = cursor.fetchone()[0]
            result.append(Partition(name, start, end, count))
    result.sort(key=lambda p: (p.start is None, p.start or dt.datetime.min.replace(tzinfo=dt.UTC)))
    return result


def create_month(start: dt.datetime) -> bool:
    """Create the partition of the month starting at `start` (UTC); False if it exists.

    Rows of that month already in the DEFAULT partition are moved into it in the same
    transaction (PostgreSQL refuses a new partition while the default holds rows of its
    range). Inserts of other months go on meanwhile; inserts into the DEFAULT partition wait
    for the moment of the move."""
    start = month_start(start)
    end = next_month(start)
    name = partition_name(start)
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SELECT to_regclass(%s)", [f"public.{name}"])
        if cursor.fetchone()[0] is not None:
            return False
        cursor.execute(
            f'SELECT EXISTS (SELECT 1 FROM "{DEFAULT_PARTITION}" '  # noqa: S608
            "WHERE occurred_at >= %s AND occurred_at < %s)",
            [start, end],
        )
        if not cursor.fetchone()[0]:
            cursor.execute(
                f'CREATE TABLE "{name}" PARTITION OF "{TABLE}" FOR VALUES FROM (%s) TO (%s)',
                [start, end],
            )
            return True
        # move the month's rows out of the default partition, then attach the new table
        cursor.execute(f'LOCK TABLE "{DEFAULT_PARTITION}" IN SHARE ROW EXCLUSIVE MODE')
        cursor.execute(f'CREATE TABLE "{name}" (LIKE "{TABLE}" INCLUDING DEFAULTS)')
        cursor.execute(
            f'ALTER TABLE "{name}" ADD CONSTRAINT "{name}_range" '
            "CHECK (occurred_at >= %s AND occurred_at < %s)",
            [start, end],
        )
        cursor.execute(
            f'WITH moved AS (DELETE FROM "{DEFAULT_PARTITION}" '  # noqa: S608
            "WHERE occurred_at >= %s AND occurred_at < %s RETURNING *) "
            f'INSERT INTO "{name}" SELECT * FROM moved',
            [start, end],
        )
        # the CHECK constraint spares ATTACH its scan of the new table
        cursor.execute(
            f'ALTER TABLE "{TABLE}" ATTACH PARTITION "{name}" FOR VALUES FROM (%s) TO (%s)',
            [start, end],
        )
        cursor.execute(f'ALTER TABLE "{name}" DROP CONSTRAINT "{name}_range"')
    return True


def ensure_partitions(months_ahead: int = 3, today: dt.date | None = None) -> list[str]:
    """Partitions for this month and `months_ahead` months after it (idempotent, daily)."""
    if not is_partitioned():
        return []
    start = month_start(today or dt.datetime.now(dt.UTC))
    created = []
    for _ in range(months_ahead + 1):
        if create_month(start):
            created.append(partition_name(start))
        start = next_month(start)
    return created


def split_default() -> list[str]:
    """Move every row of the DEFAULT partition into a partition of its month (after a bulk load
    of old events, or when the months ahead were not kept ready)."""
    if not is_partitioned():
        return []
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT DISTINCT date_trunc('month', occurred_at AT TIME ZONE 'UTC') "  # noqa: S608
            f'FROM "{DEFAULT_PARTITION}" ORDER BY 1'
        )
        months = [row[0].replace(tzinfo=dt.UTC) for row in cursor.fetchall()]
    return [partition_name(month) for month in months if create_month(month)]
