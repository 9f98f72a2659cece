"""Celery tasks of the eAkte (thin: they call services). Scheduled by beat in production;
in `make run` mode run `python manage.py send_reminders` (e.g. daily from cron)."""

from celery import shared_task

from . import services


@shared_task
def send_reminders() -> int:
    return services.send_reminders()


@shared_task
def verify_audit_chain() -> dict:
    """The nightly whole walk over the audit chain (the auditor's page checks only what
    came after the last intact check): its result is what the auditor's page shows next."""
    status = services.audit_chain_status(fresh=True)
    return {"checked": status["checked"], "intact": status["intact"]}


@shared_task
def seal_audit() -> int:
    """Every few seconds: link the audit entries written since the last run into the chain
    (one sealer at a time; a run killed halfway is rolled back and done by the next)."""
    return services.seal_audit()


@shared_task(acks_late=True, reject_on_worker_lost=True)
def deliver(delivery_id: int) -> str:
    """Send one letter to the applicant (idempotent; a failure is retried by the sweep)."""
    return services.perform_delivery(delivery_id).status


@shared_task
def retry_due_deliveries() -> int:
    """Every minute: letters whose retry is due, and those a dead worker left half-sent."""
    return services.retry_due_deliveries()
