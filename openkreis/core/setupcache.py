"""A per-process cache of what is read from the county's set-up (issue 26).

Busy requests ask the database the same questions about the set-up again and again: which
unit and office a service goes to when a case is opened, a branch's opening hours, closures
and counters for every appointment page. The set-up changes rarely and through the admin or
the tenant loader, so each process keeps the answers for a few seconds:

- any save, delete or many-to-many change of a WATCHED model empties the cache of the
  process that made it at once (Django's model signals);
- other processes (gunicorn workers, Celery workers) see the change within `seconds`,
  which is as if the change had been made that much later;
- a change that bypasses the signals (a raw `UPDATE`, `QuerySet.update`) is seen by every
  process within `seconds` as well;
- `seconds` comes from a setting and 0 switches the cache off.

Cached model instances are shared by the requests served meanwhile and must not be changed
by their users. `clear_all()` empties every cache of the process (the test suite does it
before each test: ids of rolled-back rows come again)."""

from __future__ import annotations

import time
from collections.abc import Callable, Hashable, Iterable
from typing import Any

from django.conf import settings
from django.db.models.signals import m2m_changed, post_delete, post_save

_ALL: list[SetupCache] = []


class SetupCache:
    def __init__(self, name: str, watched: Iterable[str], setting: str, limit: int = 10_000):
        self.name = name
        self.watched = frozenset(watched)
        self.setting = setting
        self.limit = limit  # never unbounded: a whole state's services × towns fit
        self._entries: dict[Hashable, tuple[float, Any]] = {}
        for signal in (post_save, post_delete, m2m_changed):
            signal.connect(self.clear, dispatch_uid=f"setupcache-{name}-{id(signal)}")
        _ALL.append(self)

    @property
    def seconds(self) -> float:
        return float(getattr(settings, self.setting))

    def get(self, key: Hashable, compute: Callable[[], Any]) -> Any:
        """The cached answer for `key`, or `compute()` (kept for `seconds`)."""
        now = time.monotonic()
        hit = self._entries.get(key)
        if hit is not None and hit[0] > now:
            return hit[1]
        value = compute()
        seconds = self.seconds
        if seconds > 0:
            if len(self._entries) >= self.limit:
                self._entries.clear()
            self._entries[key] = (now + seconds, value)
        return value

    def clear(self, sender=None, **kwargs) -> None:
        """Empty the cache (as a signal receiver: only when `sender` is watched)."""
        if sender is None or sender._meta.label in self.watched:
            self._entries.clear()


def clear_all() -> None:
    for cache in _ALL:
        cache.clear()
