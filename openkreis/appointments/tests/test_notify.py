"""E-mail: the confirmation with calendar file and signed link, reminders once each."""

import datetime as dt

import pytest
from django.core import mail
from django.core.management import call_command
from django.utils import timezone, translation

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


@pytest.mark.parametrize("broker", ["memory://", "redis://127.0.0.1:9/0"], indirect=True)
def test_with_a_broker_the_booking_only_marks_its_confirmation_due(
    quedlinburg, broker, django_capture_on_commit_callbacks
):
    """The request neither sends the mail nor talks to the broker (one that cannot be
    reached changes nothing); the beat sweep sends it, once."""
    chosen = svc("fuehrerschein-umtausch")
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        booking = book(quedlinburg, chosen, first_slot(quedlinburg, chosen))
    assert mail.outbox == []
    if broker == "memory://":
        assert _queued("mail") == []
    booking.refresh_from_db()
    assert booking.confirmation_due_at is not None and booking.language == "de"
    assert services.send_due_confirmations() == 1
    assert len(mail.outbox) == 1 and services.format_code(booking.code) in mail.outbox[0].body
    assert "Ihr Termin am" in mail.outbox[0].subject
    assert services.send_due_confirmations() == 0  # once
    booking.refresh_from_db()
    assert booking.confirmation_due_at is None


def test_a_committed_booking_gets_its_mail_even_if_nothing_ran_after_the_commit(
    quedlinburg, broker, django_capture_on_commit_callbacks
):
    """The process may die between the commit and anything after it: the mark is part of
    the booking's own UPDATE."""
    chosen = svc("fuehrerschein-umtausch")
    mail.outbox.clear()
    # nothing runs after the commit
    with django_capture_on_commit_callbacks(execute=False), translation.override("en"):
        book(quedlinburg, chosen, first_slot(quedlinburg, chosen))
    assert mail.outbox == []
    assert services.send_due_confirmations() == 1
    assert mail.outbox[0].subject.startswith("Your appointment on")  # the citizen's language


def test_a_confirmation_the_mail_server_refuses_is_tried_again(quedlinburg, broker, settings):
    chosen = svc("fuehrerschein-umtausch")
    booking = book(quedlinburg, chosen, first_slot(quedlinburg, chosen))
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT, settings.EMAIL_TIMEOUT = "127.0.0.1", 9, 2
    # Nobody answers on port 9: 12 tries, 1, 2, 4 … minutes apart, at most an hour, then
    # the mail is given up (an error in the log).
    now, waits = timezone.now(), []
    for _ in range(12):
        assert services.send_due_confirmations(now) == 0
        booking.refresh_from_db()
        if booking.confirmation_due_at is None:
            break
        waits.append(round((booking.confirmation_due_at - now).total_seconds()))
        assert services.send_due_confirmations(now + dt.timedelta(seconds=30)) == 0  # not yet
        now = booking.confirmation_due_at
    assert waits == [60, 120, 240, 480, 960, 1920] + [3600] * 5
    assert booking.confirmation_tries == 12 and booking.confirmation_due_at is None


def test_a_confirmation_goes_out_when_the_mail_server_is_back(quedlinburg, broker, settings):
    chosen = svc("fuehrerschein-umtausch")
    booking = book(quedlinburg, chosen, first_slot(quedlinburg, chosen))
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT, settings.EMAIL_TIMEOUT = "127.0.0.1", 9, 2
    assert services.send_due_confirmations() == 0
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    mail.outbox.clear()
    booking.refresh_from_db()
    assert services.send_due_confirmations(booking.confirmation_due_at) == 1
    assert len(mail.outbox) == 1


def test_a_booking_cancelled_before_its_confirmation_went_out_gets_none(quedlinburg, broker):
    chosen = svc("fuehrerschein-umtausch")
    booking = book(quedlinburg, chosen, first_slot(quedlinburg, chosen, after_today=True))
    services.cancel(booking)
    mail.outbox.clear()
    assert services.send_due_confirmations() == 0
    assert mail.outbox == []
    booking.refresh_from_db()
    assert booking.confirmation_due_at is None


def test_a_moved_booking_is_confirmed_again_with_its_new_time(quedlinburg, broker):
    chosen = svc("fuehrerschein-umtausch")
    first = first_slot(quedlinburg, chosen, after_today=True)
    booking = book(quedlinburg, chosen, first)
    assert services.send_due_confirmations() == 1
    later = services.free_slots(quedlinburg, chosen, first.local_start.date())[-1]
    services.reschedule(booking, later.start)
    mail.outbox.clear()
    assert services.send_due_confirmations() == 1
    assert later.local_start.strftime("%d.%m.%Y %H:%M") in mail.outbox[0].subject


def test_a_second_sweep_during_the_first_sends_nothing_twice(quedlinburg, broker, monkeypatch):
    """Claimed rows carry a lease: a sweep that starts while another is sending finds them
    taken (and one that died leaves them to the next sweep after the lease)."""
    from openkreis.appointments.services import notify

    chosen = svc("fuehrerschein-umtausch")
    for n in range(3):
        book(quedlinburg, chosen, first_slot(quedlinburg, chosen), email=f"b{n}@example.org")
    real, inner = notify.send_confirmation, []

    def sending(*args, **kwargs):
        if not inner:
            inner.append(notify.send_due_confirmations())
        real(*args, **kwargs)

    monkeypatch.setattr(notify, "send_confirmation", sending)
    mail.outbox.clear()
    assert notify.send_due_confirmations() == 3 and inner == [0]
    assert len(mail.outbox) == 3
    later = timezone.now() + notify.CONFIRMATION_LEASE + dt.timedelta(seconds=1)
    assert notify.send_due_confirmations(later) == 0  # sent ones are not due again


def test_without_a_broker_the_mail_goes_out_at_once_also_on_a_later_clock(
    quedlinburg, django_capture_on_commit_callbacks
):
    """`make run` has no beat: the booking's mail is sent after its commit, at the time the
    booking was made (a booking made with a clock ahead is not left waiting)."""
    chosen = svc("fuehrerschein-umtausch")
    later = timezone.now() + dt.timedelta(hours=2)
    slot = first_slot(quedlinburg, chosen, later, after_today=True)
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        booking = book(quedlinburg, chosen, slot, now=later)
    assert len(mail.outbox) == 1
    booking.refresh_from_db()
    assert booking.confirmation_due_at is None


def test_a_mail_one_address_refuses_does_not_hold_up_the_others(quedlinburg, broker, monkeypatch):
    import smtplib

    from openkreis.appointments.services import notify

    chosen = svc("fuehrerschein-umtausch")
    for n in range(3):
        book(quedlinburg, chosen, first_slot(quedlinburg, chosen), email=f"r{n}@example.org")
    real = notify.send_confirmation

    def refusing(booking, *args, **kwargs):
        if booking.email == "r0@example.org":
            raise smtplib.SMTPRecipientsRefused({booking.email: (550, b"no such user")})
        real(booking, *args, **kwargs)

    monkeypatch.setattr(notify, "send_confirmation", refusing)
    mail.outbox.clear()
    assert notify.send_due_confirmations() == 2
    assert sorted(m.to[0] for m in mail.outbox) == ["r1@example.org", "r2@example.org"]
    refused = Booking.objects.get(email="r0@example.org")
    assert refused.confirmation_tries == 1 and refused.confirmation_due_at is not None


def test_a_task_queued_before_the_outbox_marks_its_booking_due(quedlinburg, broker):
    from openkreis.appointments import tasks

    chosen = svc("fuehrerschein-umtausch")
    booking = book(quedlinburg, chosen, first_slot(quedlinburg, chosen))
    assert services.send_due_confirmations() == 1
    assert tasks.send_confirmation.apply(args=(booking.pk, "", "en")).get() == "marked"
    mail.outbox.clear()
    assert services.send_due_confirmations() == 1
    assert mail.outbox[0].subject.startswith("Your appointment on")
