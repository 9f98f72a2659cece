"""Celery tasks of the guest tickets (thin: they call the modules), run by beat (settings
CELERY_BEAT_SCHEDULE): `purge_ticket_data` daily."""

from celery import shared_task

from . import retention


@shared_task
def purge_ticket_data() -> dict:
    """Stays past the retention time go with their guests, tickets and HarzCard entries;
    so do check events older than the retention time."""
    return retention.purge()
