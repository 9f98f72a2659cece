"""Demo data: a front-desk login and a few appointments for today, so `make run` shows the
counter, the kiosk check-in and the call display at work. Idempotent."""

from __future__ import annotations

from django.utils import timezone

from openkreis.core.models import OrgUnit
from openkreis.core.staff import Role, add_staff, ensure_totp

from . import services
from .models import AppointmentService, Booking, Branch

DEMO_PASSWORD = "harz-termin-demo-2026"  # noqa: S105 (local demo only)
DEMO_TOTP = "EMPFANGDEMOAAAAAAAAAAAAAAAAAAAAA"
DEMO_UNIT = "ordnungsamt-kreis"


def load_demo(tenant, folder, report) -> None:
    unit = OrgUnit.objects.filter(key=DEMO_UNIT).first()
    if unit is None or not Branch.objects.filter(private=False).exists():
        return
    user = add_staff(
        "empfang",
        "empfang@kreis-hz.example",
        DEMO_PASSWORD,
        unit,
        [Role.FRONT_DESK],
        first_name="Emma",
        last_name="Empfang",
    )
    ensure_totp(user, DEMO_TOTP)
    report.write(
        f"  {'Front desk (counters, call display)':<40} empfang / {DEMO_PASSWORD} "
        f"(TOTP {DEMO_TOTP})"
    )
    _demo_bookings(report)


def _demo_bookings(report) -> None:
    """Two booked appointments on the next day with free slots at Halberstadt."""
    if Booking.objects.filter(email__endswith="@demo.invalid").exists():
        return
    branch = Branch.objects.filter(location__key="lra-halberstadt").first()
    service = AppointmentService.objects.filter(key="fuehrerschein-umtausch").first()
    if branch is None or service is None:
        return
    days = services.bookable_days(branch, [service])
    if not days:
        return
    slots = services.free_slots(branch, [service], days[0][0])
    now = timezone.now()
    for index, slot in enumerate(slots[:2]):
        held = services.hold(branch, [service], slot.start, now=now)
        booking = services.confirm(
            held.hold_key, f"Demo Person {index + 1}", f"demo{index + 1}@demo.invalid", now=now
        )
        report.write(
            f"  Demo appointment {services.format_code(booking.code)} on "
            f"{slot.local_start:%d.%m.%Y %H:%M} (Halberstadt)"
        )
