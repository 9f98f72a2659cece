"""Celery tasks of the Harz-Kompass (thin: they call services). Run by beat
(settings CELERY_BEAT_SCHEDULE `directory-open-intervals`, daily)."""

from celery import shared_task

from . import hours


@shared_task
def rebuild_open_intervals() -> int:
    """Every place's OpenInterval rows from today for hours.HORIZON_DAYS days (the "open
    now" filter reads them); returns the rows written."""
    return hours.rebuild_intervals()
