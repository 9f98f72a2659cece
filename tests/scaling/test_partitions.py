"""The event log partitioned by month (issue 26, docs/scaling.md "Event log partitioning"):
migration core 0013 on PostgreSQL, `partition_events`, and the cockpit still reading it."""

import datetime as dt
import importlib
import io
from types import SimpleNamespace

import pytest
from django.apps import apps
from django.core.management import call_command
from django.db import connection
from django.utils import timezone

from openkreis.core import partitions
from openkreis.core.event_kinds import CASE_RECEIVED
from openkreis.core.models import Event
from openkreis.core.services import record_event

pytestmark = pytest.mark.django_db

postgresql_only = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="declarative partitioning: PostgreSQL only"
)
UTC = dt.UTC


def where(event: Event) -> str:
    with connection.cursor() as cursor:
        cursor.execute("SELECT tableoid::regclass::text FROM core_event WHERE id = %s", [event.pk])
        return cursor.fetchone()[0]


def test_no_table_references_the_event_table():
    """A foreign key to a partitioned table must name the whole key (id, occurred_at); the
    migration relies on there being none. A new one must be thought about first."""
    for model in apps.get_models(include_auto_created=True):
        for field in model._meta.get_fields():
            assert getattr(field, "related_model", None) is not Event or field.model is Event, (
                f"{model.__name__}.{field.name} references core.Event"
            )


def test_month_arithmetic():
    assert partitions.month_start(dt.datetime(2026, 12, 31, 23, 30, tzinfo=UTC)) == dt.datetime(
        2026, 12, 1, tzinfo=UTC
    )
    # 00:30 in Berlin on 1 January is still December in UTC: bounds are UTC
    berlin = dt.timezone(dt.timedelta(hours=1))
    assert partitions.month_start(dt.datetime(2027, 1, 1, 0, 30, tzinfo=berlin)).month == 12
    assert partitions.next_month(dt.datetime(2026, 12, 1, tzinfo=UTC)) == dt.datetime(
        2027, 1, 1, tzinfo=UTC
    )
    assert partitions.partition_name(dt.datetime(2027, 1, 1, tzinfo=UTC)) == "core_event_y2027m01"


def test_on_sqlite_nothing_is_partitioned_and_the_command_says_so():
    if connection.vendor == "postgresql":
        pytest.skip("SQLite only")
    assert partitions.is_partitioned() is False
    assert partitions.ensure_partitions() == [] and partitions.split_default() == []
    out = io.StringIO()
    call_command("partition_events", stdout=out)
    assert "not partitioned" in out.getvalue()


@postgresql_only
def test_the_migration_made_monthly_partitions_a_default_and_kept_the_indexes():
    assert partitions.is_partitioned()
    parts = partitions.partitions()
    assert parts[-1].name == partitions.DEFAULT_PARTITION and parts[-1].start is None
    months = [p for p in parts if p.start is not None]
    assert len(months) >= 4  # the month of migrating and three ahead
    for part in months:
        assert part.start.day == 1 and part.end == partitions.next_month(part.start)
        assert part.name == partitions.partition_name(part.start)
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT array_agg(a.attname::text ORDER BY a.attname) FROM pg_index i "
            "JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = ANY(i.indkey) "
            "WHERE i.indrelid = 'core_event'::regclass AND i.indisprimary"
        )
        assert cursor.fetchone()[0] == ["id", "occurred_at"]
        # the indexes Django made keep their names (later migrations refer to them)
        cursor.execute("SELECT indexname FROM pg_indexes WHERE tablename = 'core_event'")
        names = {row[0] for row in cursor.fetchall()}
        cursor.execute("SELECT pg_get_serial_sequence('core_event', 'id')")
        assert cursor.fetchone()[0] == "public.core_event_id_seq"
    assert {"core_event_pkey", "core_event_subject", "core_event_kind_8dee8d_idx"} <= names
    assert len([n for n in names if n.startswith("core_event_")]) >= 7


@postgresql_only
def test_the_daily_task_keeps_this_month_and_three_ahead_ready():
    from openkreis.core.tasks import create_event_partitions

    create_event_partitions()
    starts = {p.start for p in partitions.partitions()}
    month = partitions.month_start(timezone.now())
    for _ in range(4):
        assert month in starts
        month = partitions.next_month(month)
    assert create_event_partitions() == []  # idempotent


@postgresql_only
def test_events_land_in_their_months_partition_and_old_ones_in_the_default():
    partitions.ensure_partitions(months_ahead=3)
    now = timezone.now()
    current = record_event(CASE_RECEIVED, subject="case:1", data={}, occurred_at=now)
    month = partitions.month_start(now)
    assert where(current) == partitions.partition_name(month)
    ahead = partitions.next_month(partitions.next_month(month)) + dt.timedelta(days=3)
    later = record_event(CASE_RECEIVED, subject="case:2", data={}, occurred_at=ahead)
    assert where(later) == partitions.partition_name(partitions.month_start(ahead))
    old = record_event(
        CASE_RECEIVED, subject="case:3", data={}, occurred_at=dt.datetime(2011, 5, 9, tzinfo=UTC)
    )
    assert where(old) == partitions.DEFAULT_PARTITION
    # ids stay unique and increasing across partitions (one sequence)
    assert current.pk < later.pk < old.pk
    assert Event.objects.filter(pk__in=[current.pk, later.pk, old.pk]).count() == 3


@postgresql_only
def test_the_command_moves_rows_out_of_the_default_into_their_month():
    old = [
        record_event(CASE_RECEIVED, subject=f"case:{n}", data={"n": n}, occurred_at=moment)
        for n, moment in enumerate(
            [
                dt.datetime(2011, 5, 9, 8, tzinfo=UTC),
                dt.datetime(2011, 5, 31, 23, 59, tzinfo=UTC),
                dt.datetime(2011, 6, 1, 0, 0, tzinfo=UTC),  # the bound belongs to June
            ]
        )
    ]
    assert {where(e) for e in old} == {partitions.DEFAULT_PARTITION}
    out = io.StringIO()
    call_command("partition_events", "--list", stdout=out)
    assert "core_event_y2011m05" in out.getvalue() and "core_event_y2011m06" in out.getvalue()
    assert [where(e) for e in old] == ["core_event_y2011m05"] * 2 + ["core_event_y2011m06"]
    # the rows are the same rows (nothing lost, nothing doubled)
    assert list(
        Event.objects.filter(pk__in=[e.pk for e in old]).values_list("data", flat=True)
    ) == [
        {"n": 0},
        {"n": 1},
        {"n": 2},
    ]
    # a second run changes nothing
    out = io.StringIO()
    call_command("partition_events", stdout=out)
    assert "split from default: 0" in out.getvalue()
    # a new row of that month now lands in its partition directly
    again = record_event(
        CASE_RECEIVED, subject="case:9", data={}, occurred_at=dt.datetime(2011, 5, 20, tzinfo=UTC)
    )
    assert where(again) == "core_event_y2011m05"


@postgresql_only
def test_a_time_range_reads_only_its_months_partition():
    partitions.ensure_partitions(months_ahead=1)
    month = partitions.month_start(timezone.now())
    with connection.cursor() as cursor:
        cursor.execute(
            "EXPLAIN SELECT * FROM core_event WHERE occurred_at >= %s AND occurred_at < %s",
            [month, partitions.next_month(month)],
        )
        plan = "\n".join(row[0] for row in cursor.fetchall())
    assert partitions.partition_name(month) in plan
    assert partitions.DEFAULT_PARTITION not in plan
    assert partitions.partition_name(partitions.next_month(month)) not in plan


@postgresql_only
def test_the_migration_reverses_and_applies_again_keeping_every_row():
    """Both directions of migration core 0013, inside the test's transaction (PostgreSQL's DDL
    is transactional, so the rollback at the end restores the table)."""
    migration = importlib.import_module("openkreis.core.migrations.0013_event_partitioned_by_month")
    editor = SimpleNamespace(connection=connection)
    for moment in (dt.datetime(2011, 5, 9, tzinfo=UTC), timezone.now()):
        record_event(CASE_RECEIVED, subject="case:1", data={"at": str(moment)}, occurred_at=moment)

    def snapshot():
        with connection.cursor() as cursor:
            cursor.execute("SELECT indexname FROM pg_indexes WHERE tablename = 'core_event'")
            names = {row[0] for row in cursor.fetchall()}
        rows = list(Event.objects.order_by("id").values_list("id", "kind", "occurred_at", "data"))
        return names, rows

    names, rows = snapshot()
    migration.unpartition(None, editor)
    assert not partitions.is_partitioned()
    assert snapshot() == (names, rows)  # same rows, same index names
    plain = record_event(CASE_RECEIVED, subject="case:2", data={}, occurred_at=timezone.now())
    assert plain.pk > rows[-1][0]  # the sequence went on where it was

    migration.partition(None, editor)
    assert partitions.is_partitioned()
    names_after, rows_after = snapshot()
    assert names_after == names and rows_after == [*rows, rows_after[-1]]
    assert where(Event.objects.get(data__at=str(dt.datetime(2011, 5, 9, tzinfo=UTC)))) == (
        "core_event_y2011m05"  # a month with events got its own partition
    )
    after = record_event(CASE_RECEIVED, subject="case:3", data={}, occurred_at=timezone.now())
    assert after.pk > plain.pk
