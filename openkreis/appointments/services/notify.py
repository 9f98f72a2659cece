"""E-mail to the citizen: the confirmation (with the calendar file and the manage link) and
the reminder the day before. A mail that fails to go out never undoes a booking."""

from __future__ import annotations

import datetime as dt
import logging
import smtplib

from django.conf import settings
from django.core.mail import EmailMessage, get_connection
from django.db import transaction
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from ..models import Booking
from .common import _LOCKED, BERLIN, _local
from .config import services_of
from .links import format_code, ics, manage_url

logger = logging.getLogger(__name__)


def send_confirmation(booking: Booking, *, connection=None) -> None:
    """The confirmation e-mail with termin.ics, in the language the citizen booked in; a
    failure is raised (the outbox below counts it and tries again later)."""
    with translation.override(booking.language or settings.LANGUAGE_CODE):
        context = _mail_context(booking)
        subject = _("Your appointment on %(when)s") % {"when": context["when"]}
        body = render_to_string("appointments/email/confirmation.txt", context)
        message = EmailMessage(
            subject, body, settings.DEFAULT_FROM_EMAIL, [booking.email], connection=connection
        )
        message.attach("termin.ics", ics(booking), "text/calendar")
        message.send()


# The confirmation outbox (Booking.confirmation_due_at). A booking or a move marks its
# confirmation due in the same UPDATE that books it, so an acknowledged booking always gets
# its mail, even when the process dies right after the commit; the request itself neither
# renders the mail nor talks to the broker (issue 26: handing the task to Celery was 6 % of
# the web processes' CPU at release time). Celery beat runs the sweep every few seconds.
CONFIRMATION_TRIES = 12
CONFIRMATION_LEASE = dt.timedelta(minutes=5)  # a sweep that died mid-batch: tried again after


def confirmation_due(now: dt.datetime) -> dict:
    """The fields that mark a booking's confirmation due (in the citizen's language)."""
    return {
        "confirmation_due_at": now,
        "confirmation_tries": 0,
        "language": (translation.get_language() or "")[:8],
    }


def after_booked(booking: Booking) -> None:
    """After the commit of a booking or a move: without a broker (`make run`, the tests
    that run tasks at once) nobody runs the sweep, so this booking's mail goes out now,
    through the same outbox code; with one, the beat sweep sends it."""
    from openkreis import celery_app

    if celery_app.conf.task_always_eager:  # at the booking's own time (a test's clock too)
        send_due_confirmations(booking.confirmation_due_at, pks=[booking.pk])


def _retry_after(tries: int) -> dt.timedelta:
    return dt.timedelta(seconds=min(60 * 2 ** (tries - 1), 3600))


def send_due_confirmations(
    now: dt.datetime | None = None, *, pks: list[int] | None = None, limit: int = 200
) -> int:
    """Send the confirmations that are due (at most `limit`, oldest first) over one SMTP
    connection; returns how many went out. Rows are claimed with SKIP LOCKED and a lease;
    each is read again under its row lock just before its mail is written and sent, so a
    move or a cancellation meanwhile is seen (a move waits for the mail in progress), and a
    row another sweep took over after the lease is left to it: no mail twice, none stale.
    A booking cancelled meanwhile gets none; a failure is tried again 1, 2, 4 … minutes
    later (at most an hour apart), 12 times, then given up with an error in the log. When
    the mail server cannot be reached the sweep stops; the rest come back after the lease."""
    now = now or timezone.now()
    lease = now + CONFIRMATION_LEASE
    with transaction.atomic():
        due = Booking.objects.select_for_update(skip_locked=True).filter(
            confirmation_due_at__lte=now
        )
        if pks is not None:
            due = due.filter(pk__in=pks)
        claimed = list(due.order_by("confirmation_due_at").values_list("pk", flat=True)[:limit])
        if not claimed:
            return 0
        Booking.objects.filter(pk__in=claimed).update(confirmation_due_at=lease)
    mine = Booking.objects.filter(confirmation_due_at=lease)  # not moved, not taken over
    sent = 0
    connection = get_connection(fail_silently=False)
    try:
        for pk in claimed:
            with transaction.atomic():
                booking = (
                    mine.select_for_update(of=_LOCKED, no_key=True)
                    .select_related("branch__location")
                    .filter(pk=pk)
                    .first()
                )
                if booking is None:
                    continue
                if booking.state != Booking.State.BOOKED:
                    mine.filter(pk=pk).update(confirmation_due_at=None)
                    continue
                try:
                    send_confirmation(booking, connection=connection)
                except _THIS_MAIL as exc:  # before OSError: SMTP's errors are OSErrors too
                    _failed(booking, now, exc)
                    continue
                except OSError as exc:  # the connection: the server is away or went away
                    _failed(booking, now, exc)
                    break  # the rest keep their lease and come back after it
                except Exception as exc:  # noqa: BLE001 - this mail only (bad data)
                    _failed(booking, now, exc)
                    continue
                mine.filter(pk=pk).update(confirmation_due_at=None)
            sent += 1
    finally:
        connection.close()
    return sent


# Refusals of one message (its recipient, its sender, its content): the sweep goes on.
# Every other OSError is the connection's, and the sweep stops at the first.
_THIS_MAIL = (smtplib.SMTPRecipientsRefused, smtplib.SMTPSenderRefused, smtplib.SMTPDataError)


def _failed(booking: Booking, now: dt.datetime, exc: Exception) -> None:
    tries = booking.confirmation_tries + 1
    given_up = tries >= CONFIRMATION_TRIES
    Booking.objects.filter(pk=booking.pk).update(
        confirmation_tries=tries,
        confirmation_due_at=None if given_up else now + _retry_after(tries),
    )
    log = logger.error if given_up else logger.warning
    log("confirmation of booking %s not sent (try %s): %r", booking.pk, tries, exc)


def _mail_context(booking: Booking, base_url: str = "") -> dict:
    local = booking.start.astimezone(BERLIN)
    return {
        "booking": booking,
        "when": local.strftime("%d.%m.%Y %H:%M"),
        "code": format_code(booking.code),
        "services": [s.display_name for s in services_of(booking)],
        "location": booking.branch.location,
        "manage_url": manage_url(booking, base_url),
    }


def send_reminders(now: dt.datetime | None = None) -> int:
    """E-mail everyone whose appointment is tomorrow (local date), once each."""
    now = now or timezone.now()
    tomorrow = now.astimezone(BERLIN).date() + dt.timedelta(days=1)
    due = Booking.objects.filter(
        state=Booking.State.BOOKED,
        reminded_at__isnull=True,
        start__gte=_local(tomorrow, dt.time(0)),
        start__lt=_local(tomorrow + dt.timedelta(days=1), dt.time(0)),
    ).select_related("branch__location")
    count = 0
    for booking in due:
        with transaction.atomic():
            if not Booking.objects.filter(pk=booking.pk, reminded_at__isnull=True).update(
                reminded_at=now
            ):
                continue  # another worker sent it
            with translation.override(booking.language or settings.LANGUAGE_CODE):
                context = _mail_context(booking)
                subject = _("Reminder: your appointment tomorrow at %(time)s") % {
                    "time": booking.start.astimezone(BERLIN).strftime("%H:%M")
                }
                body = render_to_string("appointments/email/reminder.txt", context)
            message = EmailMessage(subject, body, settings.DEFAULT_FROM_EMAIL, [booking.email])
            transaction.on_commit(lambda m=message: m.send(fail_silently=True))
        count += 1
    return count
