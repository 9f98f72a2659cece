"""openkreis's PostgreSQL backend (openkreis/core/db/postgresql/base.py): times read by
psycopg's compiled loader give what Django's loader gives, and the health check finds a
terminated session without sending a statement to a live one."""

from __future__ import annotations

import datetime as dt
import select
import time
import zoneinfo

import psycopg
import pytest
from django.db import DataError, connection
from django.db.backends.postgresql.psycopg_any import register_tzloader
from psycopg import pq

pytestmark = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="the backend is PostgreSQL's"
)

BERLIN = zoneinfo.ZoneInfo("Europe/Berlin")
TIMES = [
    dt.datetime(2026, 12, 6, 8, 30, tzinfo=dt.UTC),
    dt.datetime(2026, 3, 29, 0, 59, 59, 999999, tzinfo=dt.UTC),  # before DST
    dt.datetime(2026, 3, 29, 1, 0, tzinfo=dt.UTC),  # the change itself
    dt.datetime(2026, 10, 25, 2, 30, 0, 1, tzinfo=BERLIN),  # the hour that comes twice
    dt.datetime(1874, 7, 1, 12, 0, 0, 123456, tzinfo=BERLIN),  # LMT offsets with seconds
    dt.datetime(1, 1, 1, 0, 0, tzinfo=dt.UTC),
    dt.datetime(9999, 12, 31, 23, 59, 59, 999999, tzinfo=dt.UTC),
]


def _read(cursor, values):
    cursor.execute(
        "SELECT v FROM unnest(%s::timestamptz[]) WITH ORDINALITY AS t(v, n) ORDER BY n",
        [values],
    )
    return [row[0] for row in cursor.fetchall()]


@pytest.mark.django_db
def test_times_are_read_by_the_compiled_loader_exactly_as_django_reads_them():
    from openkreis.core.db.postgresql.base import UtcTimestamptzLoader

    connection.ensure_connection()
    oid = connection.connection.adapters.types["timestamptz"].oid
    assert connection.connection.adapters.get_loader(oid, pq.Format.TEXT) is UtcTimestamptzLoader
    with connection.cursor() as ours:
        got = _read(ours, TIMES)
    with connection.cursor() as theirs:
        register_tzloader(dt.UTC, theirs.cursor)  # Django's own Python loader
        expected = _read(theirs, TIMES)
    assert got == expected
    # the same instants (PEP 495: an aware time in a repeated hour never equals another zone's)
    assert [v.timestamp() for v in got] == [t.timestamp() for t in TIMES]
    assert all(value.tzinfo is dt.UTC for value in got)
    assert [v.utcoffset() for v in got] == [dt.timedelta(0)] * len(TIMES)
    # infinity has no datetime: an error from either loader, not a wrong value
    with connection.cursor() as cursor, pytest.raises(DataError):
        cursor.execute("SELECT 'infinity'::timestamptz")
        cursor.fetchall()


@pytest.mark.django_db
def test_model_times_round_trip():
    from openkreis.core import services as core
    from openkreis.core.models import Event

    at = dt.datetime(2026, 10, 25, 0, 45, 30, 250001, tzinfo=dt.UTC)
    event = core.record_event("case.created", subject="case:loader", data={}, occurred_at=at)
    again = Event.objects.get(pk=event.pk)
    assert again.occurred_at == at
    assert again.occurred_at.tzinfo is dt.UTC
    assert Event.objects.filter(occurred_at=at, subject="case:loader").count() == 1


def _other_connection():
    return psycopg.connect(connection.connection.info.dsn, autocommit=True)


def _last_statement(pid: int) -> str:
    with _other_connection() as other:
        return other.execute("SELECT query FROM pg_stat_activity WHERE pid = %s", [pid]).fetchone()[
            0
        ]


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_an_idle_connection_is_checked_without_a_statement():
    connection.ensure_connection()
    with connection.cursor() as cursor:
        cursor.execute("SELECT 'health-check-marker'")
    pid = connection.connection.info.backend_pid
    assert connection.is_usable()
    assert _last_statement(pid) == "SELECT 'health-check-marker'"  # nothing was sent


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_connection_quiet_for_a_while_is_asked_as_django_asks():
    """A loss that sends nothing (a crashed host, a moved address) shows only to a
    statement: a connection that has not run one for RECENT_SECONDS gets SELECT 1."""
    from openkreis.core.db.postgresql import base

    connection.ensure_connection()
    with connection.cursor() as cursor:
        cursor.execute("SELECT 'marker'")
    pid = connection.connection.info.backend_pid
    connection._used_at -= base.RECENT_SECONDS + 1
    assert connection.is_usable()
    assert _last_statement(pid) == "SELECT 1"


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_connection_in_a_transaction_is_asked_as_django_asks():
    connection.ensure_connection()
    pid = connection.connection.info.backend_pid
    with connection.cursor() as cursor:
        cursor.execute("BEGIN")
        cursor.execute("SELECT 'marker'")
        try:
            assert connection.is_usable()
            assert _last_statement(pid) == "SELECT 1"
        finally:
            cursor.execute("ROLLBACK")


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_terminated_session_fails_the_check_and_the_next_request_reconnects():
    connection.ensure_connection()
    pid = connection.connection.info.backend_pid
    with _other_connection() as other:
        assert other.execute("SELECT pg_terminate_backend(%s)", [pid]).fetchone()[0]
    # the server's farewell and the closed socket arrive (at once here; wait for them)
    deadline = time.monotonic() + 10
    socket = connection.connection.pgconn.socket
    while not select.select([socket], [], [], 0.1)[0]:
        assert time.monotonic() < deadline, "the socket never became readable"
    assert not connection.is_usable()
    # what Django does at the first query of a request with CONN_HEALTH_CHECKS
    assert connection.settings_dict["CONN_HEALTH_CHECKS"]
    connection.health_check_done = False
    connection.close_if_health_check_failed()
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        assert cursor.fetchone()[0] != pid
