"""Demo data of the programme office (`load_tenant harz --demo`): the programme office's
login, and the Gestaltungskreis "Der Bauantrag heute" on the simplified building permit
(the eAkte demo's cases and the cockpit demo's ratings give it figures) with members from a
company and the administration, a first meeting and three measures — one in effect for
four months, so that before/after shows figures. Idempotent."""

from __future__ import annotations

import datetime as dt

from allauth.account.models import EmailAddress
from django.contrib.auth import get_user_model

from openkreis.accounts import services as accounts
from openkreis.accounts.models import Company
from openkreis.catalog.models import Service
from openkreis.core.models import OrgUnit, StaffMembership
from openkreis.core.staff import add_staff, ensure_totp

from . import services
from .models import AgendaItem, Circle, CircleMember, Measure, Meeting

OFFICE_USER = "programm-buero"
OFFICE_PASSWORD = "harz-programm-demo-2026"  # noqa: S105 (printed demo login)
OFFICE_SECRET = "PROGRAMMBUERODEMOAAAAAAAAAAAAAAA"  # noqa: S105 (printed demo TOTP)
# the county's central unit for digitalisation: the radar app's demo makes the OZG programme
# office under it ("ozg-programmbuero"); this demo uses that unit when it is there, else its
# parent, the Fachbereich Landrat
OFFICE_UNITS = ("ozg-programmbuero", "fachbereich-landrat")
COMPANY_USER = "architektur-huy"
COMPANY_EMAIL = "architektur-huy@example.org"
COMPANY = "Architekturbüro am Huy GmbH"
CIRCLE = "bauantrag-heute"
SERVICE = "baugenehmigung-vereinfacht"
STAFF_MEMBER = "sb-bau"  # the eAkte demo's caseworker of the Bauordnungsamt


def _office(report) -> None:
    unit = next((u for key in OFFICE_UNITS if (u := OrgUnit.objects.filter(key=key).first())), None)
    if unit is None:
        return
    if OrgUnit.objects.filter(key=OFFICE_UNITS[0]).exists():
        # a login made before the radar's unit existed moves there (one membership)
        StaffMembership.objects.filter(
            user__username=OFFICE_USER, role=services.OFFICE_ROLE
        ).exclude(org_unit=unit).delete()
    user = add_staff(
        OFFICE_USER,
        f"{OFFICE_USER}@example.org",
        OFFICE_PASSWORD,
        unit,
        [services.OFFICE_ROLE],
        first_name="Programm",
        last_name="Büro",
    )
    ensure_totp(user, OFFICE_SECRET)
    report.write(
        f"\nProgrammbüro (/programm/): {OFFICE_USER} / {OFFICE_PASSWORD} + TOTP {OFFICE_SECRET}"
    )


def _company_member():
    user, created = get_user_model().objects.get_or_create(
        username=COMPANY_USER,
        defaults={"email": COMPANY_EMAIL, "first_name": "Jana", "last_name": "Lindner"},
    )
    if created:
        user.set_password(OFFICE_PASSWORD)
        user.save()
    EmailAddress.objects.update_or_create(
        user=user, email=COMPANY_EMAIL, defaults={"verified": True, "primary": True}
    )
    company = Company.objects.filter(name=COMPANY, memberships__user=user).first()
    if company is None:
        company = accounts.create_company(
            user, name=COMPANY, street="Am Huy 3", postcode="38820", city="Halberstadt"
        )
    return user, company


def load_demo(tenant, folder, report) -> None:
    _office(report)
    if not Service.objects.filter(slug=SERVICE).exists():
        return
    circle, _ = Circle.objects.get_or_create(
        slug=CIRCLE,
        defaults={
            "name": "Der Bauantrag heute",
            "service": SERVICE,
            "purpose": (
                "Bauherren, Architekturbüros und Bauordnungsamt verkürzen gemeinsam den Weg "
                "zur vereinfachten Baugenehmigung – mit den Zahlen des Cockpits."
            ),
        },
    )
    user, company = _company_member()
    CircleMember.objects.get_or_create(
        circle=circle,
        user=user,
        defaults={"side": "company", "company": company, "role": "Architektin"},
    )
    staff = get_user_model().objects.filter(username=STAFF_MEMBER).first()
    if staff is not None:
        CircleMember.objects.get_or_create(
            circle=circle,
            user=staff,
            defaults={"side": "administration", "role": "Sachbearbeitung Bauordnungsamt"},
        )
    today = services.today()
    if not circle.meetings.exists():
        meeting = Meeting.objects.create(
            circle=circle,
            date=today - dt.timedelta(days=130),
            title="Auftakt: Der Bauantrag heute",
            notes="Wo warten Bauanträge, und was fehlt am häufigsten?",
        )
        for position, (title, service) in enumerate(
            [
                ("Der Bauantrag heute: die Zahlen des Cockpits", SERVICE),
                ("Wo warten Anträge am längsten?", ""),
                ("Maßnahmen vereinbaren", ""),
            ],
            1,
        ):
            AgendaItem.objects.create(
                meeting=meeting, position=position, title=title, service=service
            )
    for title, values in [
        (
            "Checkliste der Unterlagen im Online-Antrag",
            {
                "description": "Vor dem Absenden prüft der Antrag, ob Lageplan, Bauzeichnungen "
                "und Baubeschreibung dabei sind.",
                "owner": "Bauordnungsamt",
                "due": today - dt.timedelta(days=125),
                "status": Measure.Status.DONE,
                "effective_on": today - dt.timedelta(days=120),
            },
        ),
        (
            "Fachbehörden digital beteiligen (Sternverfahren)",
            {
                "owner": "Bauordnungsamt mit Umweltamt",
                "due": today + dt.timedelta(days=60),
                "status": Measure.Status.IN_PROGRESS,
            },
        ),
        (
            "Vorab-Beratung für Bauherren per Termin",
            {
                "owner": COMPANY,
                "due": today + dt.timedelta(days=90),
                "status": Measure.Status.OPEN,
            },
        ),
    ]:
        if not Measure.objects.filter(circle=circle, title=title).exists():
            services.save_measure(Measure(circle=circle, title=title, **values))
    report.write(
        f"  Gestaltungskreis (/programm/kreise/{CIRCLE}/): company member {COMPANY_USER} / "
        f"{OFFICE_PASSWORD}" + (f", staff member {STAFF_MEMBER}" if staff else "")
    )
