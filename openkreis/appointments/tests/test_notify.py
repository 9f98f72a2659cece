"""E-mail: the confirmation with calendar file and signed link, reminders once each."""

import datetime as dt

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
