"""Celery tasks of the appointments app (thin: they call services). Reminders and no-shows
are scheduled hourly by beat in production; in `make run` mode run `python manage.py
send_appointment_reminders`. Confirmations are queued by each booking (queue `mail`)."""

import smtplib

from celery import shared_task

from . import services


@shared_task
def send_reminders() -> int:
    return services.send_reminders()


@shared_task
def record_no_shows() -> int:
    services.expire_holds()
    return services.record_no_shows()


@shared_task(bind=True, acks_late=True, reject_on_worker_lost=True, max_retries=12)
def send_confirmation(self, booking_id: int, base_url: str = "", language: str | None = None):
    """The confirmation e-mail of a booking (or of its move). While the mail server cannot
    be reached it is tried again, after 1, 2, 4 … minutes (at most an hour apart, about
    half a day in all); a booking cancelled meanwhile gets none."""
    from .models import Booking

    booking = (
        Booking.objects.select_related("branch__location")
        .filter(pk=booking_id, state=Booking.State.BOOKED)
        .first()
    )
    if booking is None:
        return "not booked"
    try:
        services.send_confirmation(booking, base_url, language, fail_silently=False)
    except (smtplib.SMTPException, OSError) as exc:
        raise self.retry(exc=exc, countdown=min(60 * 2**self.request.retries, 3600)) from exc
    return "sent"
