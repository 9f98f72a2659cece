"""What a confirmation carries: the signed cancel/reschedule link, the calendar file and the
booking code as printed. A module of its own below `booking` and `notify`: booking sends the
confirmation (so it imports notify) and notify needs these, so neither may own them."""

from __future__ import annotations

from django.conf import settings
from django.core import signing
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from ..errors import BookingError
from ..models import Booking
from .common import UTC
from .config import services_of, with_branch

TOKEN_SALT = "openkreis.appointments.manage"  # noqa: S105 (a salt, not a secret)
TOKEN_MAX_AGE = 60 * 60 * 24 * 120  # a link stays valid well past any horizon


def manage_token(booking: Booking) -> str:
    """The signed token of a booking's cancel/reschedule link (id and code, no personal data)."""
    return signing.dumps({"b": booking.pk, "c": booking.code}, salt=TOKEN_SALT, compress=True)


def booking_from_token(token: str) -> Booking:
    """The booking a signed cancel/reschedule link names; BookingError for a forged,
    damaged or outdated link."""
    try:
        data = signing.loads(token, salt=TOKEN_SALT, max_age=TOKEN_MAX_AGE)
        booking = with_branch(Booking.objects.get(pk=data["b"], code=data["c"]))
    except (signing.BadSignature, Booking.DoesNotExist, KeyError, TypeError):
        raise BookingError(
            _("This link is not valid. Please use the link from your e-mail.")
        ) from None
    return booking


def manage_url(booking: Booking, base_url: str = "") -> str:
    """The absolute cancel/reschedule link (on `base_url`, else the configured site)."""
    base = (base_url or settings.WAGTAILADMIN_BASE_URL).rstrip("/")
    return base + reverse("appointments:manage", args=[manage_token(booking)])


def format_code(code: str) -> str:
    """A booking code as printed and spoken: ABCD-EFGH."""
    return f"{code[:4]}-{code[4:]}"


def _ics_escape(text: str) -> str:
    return text.replace("\\", "\\\\").replace(";", "\\;").replace(",", "\\,").replace("\n", "\\n")


def ics(booking: Booking, base_url: str = "") -> str:
    """An iCalendar (RFC 5545) file for the appointment, times in UTC."""
    location = booking.branch.location
    fmt = "%Y%m%dT%H%M%SZ"
    summary = _("Appointment: %(services)s") % {
        "services": ", ".join(s.display_name for s in services_of(booking))
    }
    place = f"{location.name}, {location.street}, {location.postcode} {location.city}"
    description = (
        f"{_('Booking code')}: {format_code(booking.code)}\n{manage_url(booking, base_url)}"
    )
    lines = [
        "BEGIN:VCALENDAR",
        "VERSION:2.0",
        "PRODID:-//openkreis//appointments//DE",
        "METHOD:PUBLISH",
        "BEGIN:VEVENT",
        f"UID:appointment-{booking.pk}-{booking.code}@openkreis",
        f"DTSTAMP:{timezone.now().astimezone(UTC).strftime(fmt)}",
        f"DTSTART:{booking.start.astimezone(UTC).strftime(fmt)}",
        f"DTEND:{booking.end.astimezone(UTC).strftime(fmt)}",
        f"SUMMARY:{_ics_escape(summary)}",
        f"LOCATION:{_ics_escape(place)}",
        f"DESCRIPTION:{_ics_escape(description)}",
        "END:VEVENT",
        "END:VCALENDAR",
    ]
    return "\r\n".join(lines) + "\r\n"
