"""Read replicas for the desk's lists and the cockpit (issue 26, docs/scaling.md).

With a replica configured (`OPENKREIS_REPLICA_URL`, settings/base.py), a GET of one of the
pages named in `OPENKREIS_REPLICA_VIEWS` (the desk's inbox, the cockpit's figures) reads from
the replica; everything else reads and writes the primary. A replica lags behind the primary
by a moment, so three rules keep a person from missing what they just did:

- every write goes to the primary, and after the first write in a request every read of that
  request goes there too;
- a read inside a transaction (`transaction.atomic`) goes to the primary: it may be followed
  by a write that depends on it (SELECT … FOR UPDATE is always inside one);
- a response to a request that wrote sets a short-lived cookie (`PIN_COOKIE`, for
  `OPENKREIS_REPLICA_PIN_SECONDS`): that browser's next requests read the primary, so the
  inbox shown after claiming a case lists it as claimed (read-your-writes).

Celery tasks, management commands and every page not listed read the primary: the replica is
an opt-in per page, never the default. Without a replica the middleware is not installed and
the router not listed, so nothing here runs.
"""

from __future__ import annotations

import contextvars
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, connections

REPLICA_ALIAS = "replica"
PIN_COOKIE = "okdb_primary"
READ_METHODS = frozenset({"GET", "HEAD"})


@dataclass
class Scope:
    """What one request (or one `replica_reads()` block) has done so far."""

    replica: bool = False  # reads may go to the replica
    wrote: bool = False  # a write happened: from now on the primary only
    depth: int = 0  # transactions open on the primary when the scope began


_scope: contextvars.ContextVar[Scope | None] = contextvars.ContextVar(
    "openkreis_db_scope", default=None
)


def _open_transactions() -> int:
    return len(connections[DEFAULT_DB_ALIAS].atomic_blocks)


@contextmanager
def replica_reads(enabled: bool = True) -> Iterator[Scope]:
    """Reads inside this block may go to the replica (used by the middleware; a report or an
    export outside a request may use it too). Writes and transactions still go to the primary."""
    scope = Scope(replica=enabled, depth=_open_transactions())
    token = _scope.set(scope)
    try:
        yield scope
    finally:
        _scope.reset(token)


def reads_from_replica() -> bool:
    """Whether a read right now would go to the replica."""
    scope = _scope.get()
    return (
        scope is not None
        and scope.replica
        and not scope.wrote
        and REPLICA_ALIAS in connections.settings
        and _open_transactions() <= scope.depth
    )


class ReplicaRouter:
    """Django database router: reads to the replica only inside a replica scope (above)."""

    def db_for_read(self, model, **hints) -> str:
        # Always an explicit alias: Django would otherwise follow the `instance` hint, and an
        # object read from the replica would pull its relations from there outside the scope.
        return REPLICA_ALIAS if reads_from_replica() else DEFAULT_DB_ALIAS

    def db_for_write(self, model, **hints) -> str:
        scope = _scope.get()
        if scope is not None:
            scope.wrote = True
        return DEFAULT_DB_ALIAS

    def allow_relation(self, obj1, obj2, **hints) -> bool | None:
        # the replica holds the same rows as the primary
        both = {obj1._state.db, obj2._state.db}
        return True if both <= {DEFAULT_DB_ALIAS, REPLICA_ALIAS} else None

    def allow_migrate(self, db, app_label, model_name=None, **hints) -> bool | None:
        # the replica gets its schema by replication, never by `migrate`
        return False if db == REPLICA_ALIAS else None


class ReplicaMiddleware:
    """Opens a scope per request; lets the listed GET pages read the replica unless the browser
    wrote a moment ago; pins a browser to the primary after a request that wrote."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        with replica_reads(enabled=False) as scope:
            response = self.get_response(request)
        if scope.wrote:
            response.set_cookie(
                PIN_COOKIE,
                "1",
                max_age=settings.OPENKREIS_REPLICA_PIN_SECONDS,
                httponly=True,
                samesite="Lax",
                secure=request.is_secure(),
            )
        return response

    def process_view(self, request, view_func, view_args, view_kwargs):
        scope = _scope.get()
        match = request.resolver_match
        if (
            scope is not None
            and request.method in READ_METHODS
            and PIN_COOKIE not in request.COOKIES
            and match is not None
            and match.view_name in settings.OPENKREIS_REPLICA_VIEWS
        ):
            scope.replica = True
            scope.depth = _open_transactions()
        return None
