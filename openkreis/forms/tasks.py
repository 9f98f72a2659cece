"""Celery tasks of the forms app (thin: they call services)."""

from celery import shared_task

from .services import abandon_stale_drafts


@shared_task
def abandon_stale_drafts_task() -> int:
    return abandon_stale_drafts()
