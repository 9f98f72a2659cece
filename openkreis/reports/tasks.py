"""Celery tasks of the Mängelmelder (thin: they call services). `send_follow_ups` runs hourly
by beat (settings CELERY_BEAT_SCHEDULE); without Celery run
`python manage.py send_report_follow_ups` from cron."""

from celery import shared_task

from . import services


@shared_task
def send_follow_ups() -> int:
    return services.send_follow_ups()
