"""Demo data for the Mängelmelder: staff of a road unit and the waste unit (password + TOTP,
as the eAkte demo does) and a handful of reports in different states. Idempotent."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from openkreis.core.models import OrgUnit, StaffMembership
from openkreis.core.staff import Role, add_staff, ensure_totp

from . import services, workflow
from .models import Category, Report

DEMO_PASSWORD = "harz-maengel-demo-2026"  # noqa: S105 (printed demo login)

# username, unit, roles, TOTP secret (32 base32 characters), description
DEMO_STAFF = [
    (
        "mm-bauhof-hbs",
        "gem-halberstadt-bauamt",
        [Role.REPORT_OFFICER],
        "MAENGELBAUHOFDEMOAAAAAAAAAAAAAAA",
        "Mängelmelder Bauamt/Bauhof Halberstadt",
    ),
    (
        "mm-strasse-hbs",
        "gem-halberstadt-bauamt",
        [Role.REPORT_OFFICER],
        "MAENGELSTRASSEDEMOAAAAAAAAAAAAAA",
        "Mängelmelder Straßen Halberstadt",
    ),
    (
        "mm-abfall",
        "abfallwirtschaft",
        [Role.REPORT_OFFICER],
        "MAENGELABFALLDEMOAAAAAAAAAAAAAAA",
        "Mängelmelder enwi Abfall (ganzer Landkreis)",
    ),
]

# category, lat, lon, description, states it went through, days ago
DEMO_REPORTS = [
    (
        "strasse",
        51.8957,
        11.0468,
        "Tiefes Schlagloch in der Fahrbahn vor der Hausnummer 12.",
        [],
        1,
    ),
    (
        "beleuchtung",
        51.8990,
        11.0550,
        "Die Straßenlaterne an der Ecke brennt seit Tagen nicht.",
        [workflow.CONFIRMED],
        4,
    ),
    (
        "strasse",
        51.9012,
        11.0440,
        "Gehwegplatten sind hochgekommen, Stolpergefahr.",
        [workflow.CONFIRMED, workflow.SCHEDULED],
        9,
    ),
    (
        "abfall",
        51.8030,
        11.1480,
        "Sperrmüll (Sofa, Matratze) am Feldweg abgeladen.",
        [workflow.CONFIRMED, workflow.FIXED],
        12,
    ),
    (
        "spielplatz",
        51.8350,
        10.7850,
        "Die Schaukel hat eine gerissene Kette.",
        [workflow.IN_PROGRESS],
        3,
    ),
    (
        "graffiti",
        51.9002,
        11.0502,
        "Schmierereien an der Bushaltestelle.",
        [workflow.NOT_RESPONSIBLE],
        20,
    ),
]


def load_demo(tenant, folder, report) -> None:
    logins = []
    users = {}
    for username, unit_key, roles, secret, description in DEMO_STAFF:
        unit = OrgUnit.objects.filter(key=unit_key).first()
        if unit is None:
            continue
        user = add_staff(username, f"{username}@example.org", DEMO_PASSWORD, unit, roles)
        # only the Mängelmelder's role (an older demo gave caseworker/team lead: the eAkte desk)
        StaffMembership.objects.filter(user=user).exclude(org_unit=unit, role__in=roles).delete()
        ensure_totp(user, secret)
        users[unit_key] = users.get(unit_key) or user
        logins.append((description, username, secret))
    report.write(
        "\nMängelmelder (/maengelmelder/bearbeitung/), password " + DEMO_PASSWORD + " + TOTP:"
    )
    for description, username, secret in logins:
        report.write(f"  {description:<52} {username:<16} {secret}")
    if Report.objects.filter(idempotency_key__startswith="demo-").exists():
        return
    now = timezone.now()
    for index, (key, lat, lon, text, states, days) in enumerate(DEMO_REPORTS):
        category = Category.objects.filter(key=key, active=True).first()
        if category is None:
            continue
        try:
            created, _new = services.submit(
                services.Submission(
                    category=category,
                    description=text,
                    lat=lat,
                    lon=lon,
                    email=f"anwohner{index + 1}@example.org",
                    idempotency_key=f"demo-{index + 1}",
                )
            )
        except services.ReportError:
            continue
        at = now - dt.timedelta(days=days)
        Report.objects.filter(pk=created.pk).update(created_at=at)
        created.history.update(at=at)
        actor = users.get(created.unit.key)
        for step, status in enumerate(states, start=1):
            templates = {t.status: t.text for t in services.status_templates()}
            change = services.change_status(
                created, status, actor=actor, public_text=templates.get(status, "")
            )
            change.at = at + dt.timedelta(days=step)
            change.save(update_fields=["at"])
