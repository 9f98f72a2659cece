"""Ticket checks on the bus: the inspector app's check events and the demo staff logins.

The inspector app (/hatix/kontrolle/, static/tickets/inspector/) verifies a ticket offline in
the browser and keeps a check event on the device until it can upload it. A check event holds
the line, the stop, the time rounded down to 15 minutes, the outcome and the ticket's last day
of validity — never the ticket id or who checked (no movement profiles). The upload is
idempotent by the device's client_id: a resend is "duplicate", never a second event.
"""

from __future__ import annotations

import datetime as dt

from django.utils import timezone
from django.utils.translation import gettext as _

from openkreis.core.models import Organisation, OrgUnit, StaffMembership
from openkreis.core.staff import Role, add_staff, ensure_totp

from .harzcard import UNIT_PREFIX, UploadResult, parse_client_id, parse_time
from .models_harzcard import Attraction, CheckEvent
from .models_transit import TransitRoute, TransitStop

QUARTER = 15  # minutes
MAX_BATCH = 200  # items per upload
MAX_LINE, MAX_STOP = 20, 100
SHIFT_SECONDS = 12 * 3600  # an inspector's session lasts the shift


def round_down(when: dt.datetime) -> dt.datetime:
    """`when` rounded down to the quarter hour (local time)."""
    local = timezone.localtime(when)
    return local.replace(minute=local.minute - local.minute % QUARTER, second=0, microsecond=0)


def _text(value, limit: int) -> str | None:
    if value is None:
        return ""
    if not isinstance(value, str):
        return None
    value = " ".join(value.split())
    return value if len(value) <= limit else None


def record_check(item, now=None) -> UploadResult:
    """Store one uploaded check event {client_id, line, stop, checked_at, outcome,
    valid_until}. Anything else in the item (a ticket id, a name) is ignored."""
    now = now or timezone.now()
    if not isinstance(item, dict):
        return UploadResult("", "refused", _("The check is not readable."))
    client_id = parse_client_id(item.get("client_id"))
    if client_id is None:
        return UploadResult(str(item.get("client_id", ""))[:40], "refused", _("Bad client id."))
    cid = str(client_id)
    if CheckEvent.objects.filter(client_id=client_id).exists():
        return UploadResult(cid, "duplicate", _("Already recorded."))
    line, stop = _text(item.get("line"), MAX_LINE), _text(item.get("stop"), MAX_STOP)
    if line is None or stop is None:
        return UploadResult(cid, "refused", _("Line or stop is too long."))
    checked_at = parse_time(item.get("checked_at"), now)
    if checked_at is None:
        return UploadResult(cid, "refused", _("The time of the check is missing or not plausible."))
    outcome = item.get("outcome")
    if outcome not in CheckEvent.Outcome.values:
        return UploadResult(cid, "refused", _("Unknown outcome."))
    valid_until = None
    if item.get("valid_until") not in (None, ""):
        try:
            valid_until = dt.date.fromisoformat(str(item["valid_until"])[:10])
        except ValueError:
            return UploadResult(cid, "refused", _("The validity date is not a date."))
    _event, created = CheckEvent.objects.get_or_create(
        client_id=client_id,
        defaults={
            "line": line,
            "stop": stop,
            "checked_at": round_down(checked_at),
            "outcome": outcome,
            "valid_until": valid_until,
        },
    )
    return UploadResult(cid, "stored" if created else "duplicate")


def lines_and_stops(limit: int = 400) -> tuple[list[str], list[str]]:
    """Bus lines and stop names from the GTFS feed (planning part), empty without a feed."""
    lines = sorted(
        {n for n in TransitRoute.objects.values_list("short_name", flat=True) if n},
        key=lambda n: (len(n), n),
    )
    stops = sorted(
        set(TransitStop.objects.filter(parent_station="").values_list("name", flat=True)[:limit])
    )
    return lines[:limit], stops


# -- demo logins ------------------------------------------------------------------------------
DEMO_PASSWORD = "harz-hatix-demo-2026"  # noqa: S105 (printed demo login)
INSPECTOR_UNIT = "hatix-kontrolle"
DEMO_ATTRACTION = "schloss-wernigerode"
# username, TOTP secret (32 base32 characters), description
DEMO_INSPECTOR = ("hatix-kontrolle", "HATIXKONTROLLEDEMOAAAAAAAAAAAAAA", "Fahrausweisprüfung HVB")
DEMO_DESK = ("harzcard-schloss", "HARZCARDSCHLOSSDEMOAAAAAAAAAAAAA", "Kasse Schloss Wernigerode")


def load_demo(tenant, folder, report) -> None:
    logins = []
    county = Organisation.objects.filter(key="lra-harz").first() or (
        Organisation.objects.order_by("pk").first()
    )
    if county is not None:
        unit, _created = OrgUnit.objects.get_or_create(
            key=INSPECTOR_UNIT,
            defaults={
                "organisation": county,
                "name": "Fahrausweisprüfung (HATIX)",
                "kind": OrgUnit.Kind.TEAM,
            },
        )
        username, secret, description = DEMO_INSPECTOR
        user = add_staff(
            username, f"{username}@example.org", DEMO_PASSWORD, unit, [Role.TICKET_INSPECTOR]
        )
        ensure_totp(user, secret)
        logins.append((description, username, secret, "/hatix/kontrolle/"))
    attraction = Attraction.objects.filter(key=DEMO_ATTRACTION).select_related("unit").first()
    if attraction is not None and attraction.unit is not None:
        username, secret, description = DEMO_DESK
        user = add_staff(
            username,
            f"{username}@example.org",
            DEMO_PASSWORD,
            attraction.unit,
            [Role.ATTRACTION_STAFF],
        )
        StaffMembership.objects.filter(user=user).exclude(
            org_unit__key__startswith=UNIT_PREFIX
        ).delete()
        ensure_totp(user, secret)
        logins.append((description, username, secret, "/hatix/harzcard/"))
    report.write("\nHATIX-Kontrolle und HarzCard, password " + DEMO_PASSWORD + " + TOTP:")
    for description, username, secret, url in logins:
        report.write(f"  {description:<34} {username:<18} {secret}  {url}")
