"""Celery tasks of the portal (thin: they call services)."""

from celery import shared_task

from . import services


@shared_task
def delete_old_barrier_reports() -> int:
    """Daily: reported barriers past the retention period go (personal data)."""
    return services.delete_old_barrier_reports()
