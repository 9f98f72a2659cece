"""Django's PostgreSQL backend with two costs of every request removed (issue 26,
docs/scaling.md "The database driver"). ENGINE `openkreis.core.db.postgresql`; everything
else is Django's backend unchanged.

1. **Times are read by psycopg's compiled loader.** Django reads every `timestamptz` value
   through a Python subclass of psycopg's *pure-Python* loader (`BaseTzLoader`: parse the text,
   then `replace(tzinfo=…)`), so each time value costs a Python parse even with
   psycopg-binary installed — 5 % of a booking's CPU (py-spy). Django keeps the session's
   time zone at UTC (USE_TZ), and for a UTC session psycopg's compiled loader returns exactly
   what Django's does (an aware datetime with `datetime.timezone.utc`), so that loader is
   registered instead; with another time zone setting Django's stays.
2. **The health check of a busy connection asks the socket, not the server.** With
   `CONN_HEALTH_CHECKS` Django sends `SELECT 1` before the first query of every request (a
   round trip, and a statement for the server to parse and run). A server that ends a
   session — restart, `pg_terminate_backend`, an idle timeout — sends its farewell and closes
   the socket, which then reads as ready. So a connection that ran a query in the last
   `RECENT_SECONDS`, is outside a transaction and has nothing waiting on its socket is taken
   as usable; any other (idle for longer, in a transaction, something to read, an error on
   the socket) gets Django's `SELECT 1`. The time limit is for the losses that send nothing
   until the client writes (the host crashed, a failover moved its address, a firewall
   forgot the connection): only `SELECT 1` finds those, and after a few quiet seconds it is
   asked again. Under load every connection runs queries every few milliseconds, so the
   round trip is saved where it costs most.
3. **`json` columns come as text**, as Django has `jsonb` come (its JSONField decodes the
   text once; psycopg's own decoding would make a JSON string at the top be decoded twice):
   the event log's data (core.fields.StoredJSONField).
"""

from __future__ import annotations

import datetime as dt
import select
import time

from django.db.backends.postgresql import base
from django.db.backends.postgresql.psycopg_any import is_psycopg3

if is_psycopg3:
    import psycopg
    from psycopg import pq
    from psycopg._cmodule import _psycopg as _c  # None without psycopg-binary / psycopg-c
    from psycopg.types.string import TextLoader

    _compiled = getattr(_c, "TimestamptzLoader", None)

    if _compiled is not None:

        class UtcTimestamptzLoader(psycopg.adapt.Loader):
            """psycopg's compiled loader behind the Python face Django's cursor() expects
            (`timezone`, which it compares; the compiled class cannot be subclassed)."""

            timezone = dt.UTC

            def __init__(self, oid, context=None):
                super().__init__(oid, context)
                # the compiled method as an attribute of the instance: called without a
                # Python frame of ours (it shadows the method below)
                self.load = _compiled(oid, context).load

            def load(self, data):  # pragma: no cover - shadowed in __init__
                raise TypeError("UtcTimestamptzLoader used without its __init__")

else:  # pragma: no cover - psycopg 2 is not installed here
    _compiled = None


# A connection that ran a query this recently skips `SELECT 1` when its socket is quiet.
RECENT_SECONDS = 2.0


class DatabaseWrapper(base.DatabaseWrapper):
    _used_at = float("-inf")  # time.monotonic() of the last cursor made on this connection

    def get_new_connection(self, conn_params):
        connection = super().get_new_connection(conn_params)
        if _compiled is not None and self.timezone is dt.UTC:
            connection.adapters.register_loader("timestamptz", UtcTimestamptzLoader)
        if is_psycopg3:  # `json` as text, as Django has `jsonb` (core.fields.StoredJSONField)
            connection.adapters.register_loader("json", TextLoader)
        return connection

    def create_cursor(self, name=None):
        self._used_at = time.monotonic()
        return super().create_cursor(name)

    def is_usable(self):
        if self.connection is None:
            return False
        if is_psycopg3 and self._idle_and_quiet():
            return True
        return super().is_usable()

    def _idle_and_quiet(self) -> bool:
        """True when the connection ran a query in the last RECENT_SECONDS, is open and
        outside a transaction, and its socket has nothing to read (the server has neither
        written nor closed it)."""
        if time.monotonic() - self._used_at > RECENT_SECONDS:
            return False
        pgconn = self.connection.pgconn
        if pgconn.status != pq.ConnStatus.OK:
            return False
        if pgconn.transaction_status != pq.TransactionStatus.IDLE:
            return False
        try:
            poll = select.poll()  # poll, not select: no limit on the descriptor's number
            poll.register(pgconn.socket, select.POLLIN | select.POLLPRI)
            return not poll.poll(0)  # a hang-up or an error is reported too
        except (AttributeError, OSError, ValueError, psycopg.OperationalError):
            return False  # no poll() here (gevent, Windows), or no socket: ask the server
