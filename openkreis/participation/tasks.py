"""Celery tasks of Beteiligung (thin: they call services). `purge_hidden_proposals` runs
daily by beat (settings CELERY_BEAT_SCHEDULE "participation-purge-hidden"): hidden proposals
are deleted with their photos after the county's `hidden_purge_days` (default 180)."""

from celery import shared_task

from . import proposals


@shared_task
def purge_hidden_proposals() -> int:
    return proposals.purge_hidden()
