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
