"""Celery task of the assistant (thin: it calls the service), run daily by beat (settings
CELERY_BEAT_SCHEDULE): unanswered questions past the retention time are deleted."""

from celery import shared_task

from . import services


@shared_task
def purge_questions() -> int:
    """Delete the scrubbed unanswered questions older than the county's retention time."""
    return services.purge()
