"""Celery tasks of the forms app (thin: they call services)."""

from celery import shared_task

from . import services
from .services import abandon_stale_drafts


@shared_task
def abandon_stale_drafts_task() -> int:
    return abandon_stale_drafts()


@shared_task(acks_late=True, reject_on_worker_lost=True)
def register_application(application_id: int) -> str:
    """Open the case of a sent application (after the citizen's acknowledgement). Late
    acknowledgement and an idempotent service: a worker killed in the middle leaves the
    message (or the sweep below) to do it again, once."""
    return services.register_submitted(application_id)


@shared_task
def requeue_unregistered() -> int:
    """The outbox sweep (Celery beat): sent applications whose task was lost."""
    return services.requeue_unregistered()
