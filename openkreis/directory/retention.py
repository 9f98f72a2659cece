"""How long the Harz-Kompass keeps what residents typed: a search without result
(MissedSearch: the words, the day, how often) is deleted after RETENTION_DAYS, done or not.
Run daily by the beat entry `directory-purge-missed-searches` (tasks_retention.py)."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from .models import MissedSearch

RETENTION_DAYS = 90


def purge_missed_searches(today: dt.date | None = None, days: int = RETENTION_DAYS) -> int:
    """Delete searches without result whose day is more than `days` days before `today`
    (Berlin); returns how many rows went."""
    today = today or timezone.localdate()
    cutoff = today - dt.timedelta(days=days)
    deleted, _ = MissedSearch.objects.filter(day__lt=cutoff).delete()
    return deleted
