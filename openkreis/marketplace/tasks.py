"""Celery tasks of the marketplace (thin: they call the services), run by beat (settings
CELERY_BEAT_SCHEDULE): `expire_reservations` every five minutes, `purge_reservations` daily."""

from celery import shared_task

from . import loyalty, reservations, retention


@shared_task
def expire_reservations() -> int:
    """Unanswered requests and uncollected reservations past their time expire; their
    pieces are free again."""
    return reservations.expire_due()


@shared_task
def purge_reservations() -> int:
    """Closed reservations past the retention time are deleted."""
    return retention.purge_reservations()


# --- M5 (loyalty tasks) ---
@shared_task
def settle_loyalty() -> int:
    """Daily: the previous month's loyalty settlement, when it was not made yet."""
    return loyalty.settle_previous_month()


# --- end M5
