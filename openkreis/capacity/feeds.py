"""Subscribed calendar feeds (issue 18): a practice's or a room's iCalendar export URL,
fetched hourly (Celery beat `capacity-calendar-feeds` → tasks.refresh_calendar_feeds) and
when the manager saves it.

A practice's feed publishes its free slots (ical.free_slots) and withdraws the slots an
earlier fetch published that are no longer in the feed and nobody has booked (the practice
gave the time away by phone). A room's feed replaces the room's imported busy periods
(providers.import_busy), as an uploaded file does.

The server fetches a URL a user typed, so the fetch is guarded (server-side request
forgery): https only, every address the host name resolves to must be public (no loopback,
private, link-local, reserved or multicast address — also after each of at most three
redirects), 10 s timeout, at most 1 MB. `OPENKREIS_CALENDAR_FEEDS_ALLOW_PRIVATE` lifts the
address and scheme rule for tests and closed networks. A host name that resolves to a public
address at the check and to a private one at the connect (DNS rebinding) is not caught.
"""

from __future__ import annotations

import datetime as dt
import ipaddress
import socket
import urllib.error
import urllib.request
from urllib.parse import urlsplit

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from . import ical, providers
from .models_providers import DoctorSlot, Practice, Room

MAX_BYTES = 1024 * 1024
TIMEOUT = 10
MAX_REDIRECTS = 3


class FeedError(ValueError):
    """The feed cannot be used; the message is for the manager."""


def _allow_private() -> bool:
    return bool(getattr(settings, "OPENKREIS_CALENDAR_FEEDS_ALLOW_PRIVATE", False))


def check_url(url: str) -> None:
    """Refuse what the server must not fetch (FeedError with the reason)."""
    parts = urlsplit(url)
    allowed = ("https", "http") if _allow_private() else ("https",)
    if parts.scheme not in allowed or not parts.hostname:
        raise FeedError(_("Please give an https:// address of your calendar."))
    try:
        infos = socket.getaddrinfo(parts.hostname, parts.port or 443, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError) as exc:
        raise FeedError(_("The address of the calendar could not be found.")) from exc
    if _allow_private():
        return
    for info in infos:
        address = ipaddress.ip_address(info[4][0].split("%", 1)[0])
        if not address.is_global or address.is_multicast:
            raise FeedError(_("This address is not reachable from the internet."))


class _CheckedRedirects(urllib.request.HTTPRedirectHandler):
    max_redirections = MAX_REDIRECTS

    def redirect_request(self, req, fp, code, msg, headers, newurl):
        check_url(newurl)
        return super().redirect_request(req, fp, code, msg, headers, newurl)


def fetch(url: str) -> bytes:
    """The feed's bytes (at most MAX_BYTES); FeedError when it cannot be fetched."""
    check_url(url)
    opener = urllib.request.build_opener(_CheckedRedirects)
    request = urllib.request.Request(  # noqa: S310 (check_url allows https, http only by setting)
        url, headers={"User-Agent": "openkreis-calendar/1", "Accept": "text/calendar, */*"}
    )
    try:
        with opener.open(request, timeout=TIMEOUT) as response:
            data = response.read(MAX_BYTES + 1)
    except urllib.error.HTTPError as exc:
        raise FeedError(
            _("The calendar address answered with error %(code)s.") % {"code": exc.code}
        ) from exc
    except (urllib.error.URLError, OSError, ValueError) as exc:
        if isinstance(exc, urllib.error.URLError) and isinstance(exc.reason, FeedError):
            raise exc.reason from exc
        raise FeedError(_("The calendar could not be fetched. Please try again later.")) from exc
    if len(data) > MAX_BYTES:
        raise FeedError(_("The calendar is too large (at most 1 MB)."))
    return data


def refresh_practice(practice: Practice, now: dt.datetime | None = None) -> tuple[int, int]:
    """Fetch the practice's feed: (new slots, withdrawn slots). FeedError/ICalError when the
    feed cannot be used (nothing changes then)."""
    now = now or timezone.now()
    data = fetch(practice.calendar_url)
    offered = {start for start, _minutes in ical.free_slots(data, now)}
    created = providers.import_slots(practice, data, now)
    withdrawn = 0
    gone = DoctorSlot.objects.filter(
        practice=practice, source=DoctorSlot.Source.ICAL, start__gte=now
    ).exclude(start__in=offered)
    for slot in gone:
        withdrawn += providers.remove_slot(slot)
    return created, withdrawn


def refresh_room(room: Room, now: dt.datetime | None = None) -> int:
    """Fetch the room's booking-channel feed: how many busy periods it holds."""
    today = timezone.localdate(now) if now else None
    return providers.import_busy(room, fetch(room.calendar_url), today)


def _record(obj, error: str, now: dt.datetime) -> None:
    fields = {"calendar_error": error[:300]}
    if not error:
        fields["calendar_fetched_at"] = now
    type(obj).objects.filter(pk=obj.pk).update(**fields)
    for name, value in fields.items():
        setattr(obj, name, value)


def refresh(obj: Practice | Room, now: dt.datetime | None = None):
    """Refresh one feed and record the outcome on the object; returns the result or raises
    FeedError/ICalError (recorded as `calendar_error` first)."""
    now = now or timezone.now()
    try:
        with transaction.atomic():
            result = (
                refresh_practice(obj, now) if isinstance(obj, Practice) else refresh_room(obj, now)
            )
    except (FeedError, ical.ICalError) as exc:
        _record(obj, str(exc), now)
        raise
    _record(obj, "", now)
    return result


def refresh_all(now: dt.datetime | None = None) -> dict[str, int]:
    """Every subscribed feed once (the hourly task): counts of fetched and failed feeds."""
    counts = {"fetched": 0, "failed": 0}
    for model, active in ((Practice, {"active": True}), (Room, {"host__active": True})):
        for obj in model.objects.filter(**active).exclude(calendar_url=""):
            try:
                refresh(obj, now)
            except (FeedError, ical.ICalError):
                counts["failed"] += 1
            else:
                counts["fetched"] += 1
    return counts
