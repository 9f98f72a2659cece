"""Celery tasks of the job board (thin: they call services), run by beat (settings
CELERY_BEAT_SCHEDULE "jobs-expire"):

* `expire_jobs` (daily): postings whose closing date passed leave the search by themselves
  (the search filters on `valid_through`); this deletes withdrawn and refused postings and
  long-expired ones after board.RETENTION_DAYS."""

from celery import shared_task

from . import board


@shared_task
def expire_jobs() -> int:
    return board.expire_jobs()
