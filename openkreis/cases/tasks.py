"""Celery tasks of the eAkte (thin: they call services). Scheduled by beat in production;
in `make run` mode run `python manage.py send_reminders` (e.g. daily from cron)."""

from celery import shared_task

from . import services


@shared_task
def send_reminders() -> int:
    return services.send_reminders()
