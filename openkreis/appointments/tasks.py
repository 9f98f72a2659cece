"""Celery tasks of the appointments app (thin: they call services). Reminders and no-shows
are scheduled hourly by beat in production; in `make run` mode run `python manage.py
send_appointment_reminders`. Confirmations wait in the booking rows (an outbox) until the
sweep here sends them (queue `mail`, every 5 seconds)."""

from celery import shared_task

from . import services


@shared_task
def send_reminders() -> int:
    return services.send_reminders()


@shared_task
def record_no_shows() -> int:
    services.expire_holds()
    return services.record_no_shows()


@shared_task
def send_confirmations() -> int:
    """Every 5 seconds (beat): the confirmation e-mails that are due (the outbox in the
    booking rows; services.send_due_confirmations)."""
    return services.send_due_confirmations()


@shared_task
def send_confirmation(booking_id: int, base_url: str = "", language: str | None = None) -> str:
    """The task each booking queued before the outbox (until 2026-12): messages still
    waiting in a broker at the update mark their booking's confirmation due instead of
    being refused as unknown. Remove it one release later."""
    from django.utils import timezone

    from .models import Booking

    marked = Booking.objects.filter(pk=booking_id, state=Booking.State.BOOKED).update(
        confirmation_due_at=timezone.now(), confirmation_tries=0, language=language or ""
    )
    return "marked" if marked else "not booked"
