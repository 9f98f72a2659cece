"""E-mail to the citizen: the confirmation (with the calendar file and the manage link) and
the reminder the day before. A mail that fails to go out never undoes a booking."""

from __future__ import annotations

import datetime as dt
import logging

from django.conf import settings
from django.core.mail import EmailMessage
from django.db import transaction
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from ..models import Booking
from .common import BERLIN, _local
from .config import services_of
from .links import format_code, ics, manage_url

logger = logging.getLogger(__name__)


def send_confirmation(
    booking: Booking, base_url: str = "", language: str | None = None, *, fail_silently=True
) -> None:
    """The confirmation e-mail with termin.ics, in the language the citizen booked in.
    By default a failure is swallowed: the booking stands and its page shows the same data
    (the worker's task sends with `fail_silently=False` and tries again later)."""
    with translation.override(language or settings.LANGUAGE_CODE):
        context = _mail_context(booking, base_url)
        subject = _("Your appointment on %(when)s") % {"when": context["when"]}
        body = render_to_string("appointments/email/confirmation.txt", context)
        message = EmailMessage(subject, body, settings.DEFAULT_FROM_EMAIL, [booking.email])
        message.attach("termin.ics", ics(booking, base_url), "text/calendar")
        message.send(fail_silently=fail_silently)


def queue_confirmation(booking: Booking, base_url: str = "", language: str | None = None):
    """After the commit of a booking or a move: the confirmation goes out from a Celery
    worker (queue `mail`), which tries again while the mail server is away, instead of in
    the citizen's request (issue 26: rendering and SMTP were a third of the confirm step).
    Without a broker (`make run`, the tests), or when it cannot be reached, it is sent here."""
    from .. import tasks

    task = tasks.send_confirmation
    if not task.app.conf.task_always_eager:
        try:
            task.delay(booking.pk, base_url, language)
            return
        except Exception:  # noqa: BLE001 - the broker is down: send it from here
            logger.warning("broker unreachable: confirmation of booking %s sent inline", booking.pk)
    send_confirmation(booking, base_url, language)


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
            context = _mail_context(booking)
            subject = _("Reminder: your appointment tomorrow at %(time)s") % {
                "time": booking.start.astimezone(BERLIN).strftime("%H:%M")
            }
            body = render_to_string("appointments/email/reminder.txt", context)
            message = EmailMessage(subject, body, settings.DEFAULT_FROM_EMAIL, [booking.email])
            transaction.on_commit(lambda m=message: m.send(fail_silently=True))
        count += 1
    return count
