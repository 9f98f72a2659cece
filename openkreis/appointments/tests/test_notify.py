"""E-mail: the confirmation with calendar file and signed link, reminders once each."""

import datetime as dt
import re

import pytest
from django.core import mail
from django.core.management import call_command

from openkreis.appointments import services
from openkreis.appointments.models import Booking
from openkreis.core.models import Event

from .helpers import BERLIN, book, first_slot, svc


def test_booking_sends_confirmation_with_ics_and_signed_link(
    quedlinburg, django_capture_on_commit_callbacks
):
    chosen = svc("fuehrerschein-umtausch")
    slot = first_slot(quedlinburg, chosen)
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        booking = book(quedlinburg, chosen, slot)
    assert booking.state == Booking.State.BOOKED
    assert len(mail.outbox) == 1
    message = mail.outbox[-1]
    assert "Termin" in message.subject and services.format_code(booking.code) in message.body
    name, content, mime = message.attachments[0]
    assert name == "termin.ics" and mime == "text/calendar"
    assert (
        "BEGIN:VEVENT" in content
        and slot.start.astimezone(dt.UTC).strftime("DTSTART:%Y%m%dT%H%M%SZ") in content
    )
    link = next(line for line in message.body.splitlines() if "/termine/termin/" in line)
    assert services.booking_from_token(link.rsplit("/termin/", 1)[1].strip("/")) == booking


def test_reminders_once_and_no_shows(quedlinburg):
    chosen = svc("fuehrerschein-umtausch")
    slot = first_slot(quedlinburg, chosen)
    booking = book(quedlinburg, chosen, slot)
    day_before = (slot.start.astimezone(BERLIN) - dt.timedelta(days=1)).replace(hour=9, minute=0)
    mail.outbox.clear()
    assert services.send_reminders(day_before) == 1
    assert services.send_reminders(day_before) == 0  # once
    booking.refresh_from_db()
    assert booking.reminded_at is not None
    after = slot.start + dt.timedelta(minutes=quedlinburg.no_show_minutes + 1)
    assert services.record_no_shows(slot.start + dt.timedelta(minutes=1)) == 0
    assert services.record_no_shows(after) == 1
    booking.refresh_from_db()
    assert booking.state == Booking.State.NO_SHOW
    assert Event.objects.filter(
        kind="appointment.no_show", subject=f"appointment:{booking.pk}"
    ).exists()


def test_reminder_command_runs(db):
    call_command("send_appointment_reminders", stdout=open("/dev/null", "w"))  # noqa: SIM115


def _queued(queue: str = "mail") -> list:
    """The messages waiting in a queue of the memory:// broker (taken out)."""
    from openkreis import celery_app

    found = []
    with celery_app.connection_for_read() as conn:
        waiting = conn.SimpleQueue(queue)
        while True:
            try:
                message = waiting.get(block=False)
            except waiting.Empty:
                break
            found.append(message)
            message.ack()
        waiting.close()
    return found


def test_with_a_broker_the_confirmation_waits_for_a_worker(
    quedlinburg, broker, django_capture_on_commit_callbacks
):
    """The booking request only queues the confirmation (queue `mail`); the worker's task
    sends it."""
    from openkreis.appointments import tasks

    chosen = svc("fuehrerschein-umtausch")
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        booking = book(quedlinburg, chosen, first_slot(quedlinburg, chosen))
    assert mail.outbox == []
    messages = _queued("mail")
    assert len(messages) == 1
    assert messages[0].headers["task"] == "openkreis.appointments.tasks.send_confirmation"
    args = messages[0].headers["argsrepr"]
    assert args.startswith(f"({booking.pk},")
    assert tasks.send_confirmation.apply(args=(booking.pk, "", "de")).get() == "sent"
    assert len(mail.outbox) == 1 and services.format_code(booking.code) in mail.outbox[0].body


def test_a_confirmation_the_mail_server_refuses_is_tried_again(quedlinburg, settings, caplog):
    from openkreis.appointments import tasks

    chosen = svc("fuehrerschein-umtausch")
    booking = book(quedlinburg, chosen, first_slot(quedlinburg, chosen))
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT, settings.EMAIL_TIMEOUT = "127.0.0.1", 9, 2
    # Nobody answers on port 9. Run in-process, Celery makes the retries at once (a worker
    # waits the countdown between them): 12 more tries, 1, 2, 4 … minutes apart, at most
    # an hour, before the task gives up.
    result = tasks.send_confirmation.apply(args=(booking.pk, "", "de"))
    waits = [int(w) for w in re.findall(r"retry: Retry in (\d+)s: ConnectionRefused", caplog.text)]
    assert waits == [60, 120, 240, 480, 960, 1920] + [3600] * 6
    assert result.state == "FAILURE"
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    mail.outbox.clear()
    assert tasks.send_confirmation.apply(args=(booking.pk, "", "de")).get() == "sent"
    assert len(mail.outbox) == 1


def test_a_booking_cancelled_before_its_confirmation_went_out_gets_none(quedlinburg):
    from openkreis.appointments import tasks

    chosen = svc("fuehrerschein-umtausch")
    booking = book(quedlinburg, chosen, first_slot(quedlinburg, chosen, after_today=True))
    services.cancel(booking)
    mail.outbox.clear()
    assert tasks.send_confirmation.apply(args=(booking.pk, "", "de")).get() == "not booked"
    assert mail.outbox == []


@pytest.mark.parametrize("broker", ["redis://127.0.0.1:9/0"], indirect=True)
def test_when_the_broker_cannot_be_reached_the_confirmation_is_sent_at_once(
    quedlinburg, broker, django_capture_on_commit_callbacks
):
    chosen = svc("fuehrerschein-umtausch")
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        booking = book(quedlinburg, chosen, first_slot(quedlinburg, chosen))
    assert len(mail.outbox) == 1 and services.format_code(booking.code) in mail.outbox[0].body
