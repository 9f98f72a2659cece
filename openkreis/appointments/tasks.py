"""Celery tasks of the appointments app (thin: they call services). Scheduled hourly by
beat in production; in `make run` mode run `python manage.py send_appointment_reminders`."""

from celery import shared_task

from . import services


@shared_task
def send_reminders() -> int:
    return services.send_reminders()


@shared_task
def record_no_shows() -> int:
    services.expire_holds()
    return services.record_no_shows()
