"""Demo of the guest tickets: the host company "Harzer Ferienquartiere" (login printed) with an
accommodation in Wernigerode and one in Elend (Oberharz am Brocken, next to Braunlage —
Braunlage itself lies in Lower Saxony, outside the Landkreis Harz), some stays of this month,
one paid with its tickets; and the guest levy office's staff login (password + TOTP).
Everything goes through the real services (events, signed tickets). Idempotent."""

from __future__ import annotations

import datetime as dt

from allauth.account.models import EmailAddress
from django.contrib.auth import get_user_model
from django.utils import timezone

from openkreis.accounts import services as accounts
from openkreis.accounts.models import Company
from openkreis.core.models import OrgUnit, Region, StaffMembership
from openkreis.core.staff import Role, add_staff, ensure_totp

from . import services
from .models import Accommodation, LevyRate

USERNAME = "gastgeber"
EMAIL = "gastgeber@example.org"
PASSWORD = "harz-gastgeber-demo-2026"  # noqa: S105 (printed demo login)
COMPANY = "Harzer Ferienquartiere GmbH"
OFFICE_USER = "hatix-amt"
OFFICE_PASSWORD = "harz-hatix-amt-demo-2026"  # noqa: S105 (printed demo login)
OFFICE_SECRET = "HATIXAMTDEMOAAAAAAAAAAAAAAAAAAAA"  # noqa: S105 (printed demo TOTP)
OFFICE_UNIT = "hatix-gaestebeitrag"

ACCOMMODATIONS = [
    # name, municipality ARS, street, postcode, town, lat, lon
    (
        "Pension Am Schlossberg",
        "150850370370",
        "Burgstraße 12",
        "38855",
        "Wernigerode",
        51.8353,
        10.7861,
    ),
    (
        "Ferienwohnungen Wurmbergblick",
        "150850228228",
        "Hauptstraße 31",
        "38875",
        "Elend (bei Braunlage)",
        51.7444,
        10.6894,
    ),
]
# accommodation index, reference, arrival offset (days from today), nights, counts, names, paid
STAYS = [
    (
        0,
        "DEMO-1001",
        -2,
        4,
        {"adult": 2, "child": 1},
        [("Anna", "Krause"), ("Ben", "Krause")],
        True,
    ),
    (0, "DEMO-1002", 3, 2, {"adult": 2}, [], False),
    (1, "DEMO-2001", -1, 7, {"adult": 2, "reduced": 1}, [], False),
    (1, "DEMO-2002", 10, 3, {"adult": 4, "child": 2}, [], False),
]


def _host_user():
    user, created = get_user_model().objects.get_or_create(
        username=USERNAME,
        defaults={"email": EMAIL, "first_name": "Katrin", "last_name": "Hoffmann"},
    )
    if created:
        user.set_password(PASSWORD)
        user.save()
    EmailAddress.objects.update_or_create(
        user=user, email=EMAIL, defaults={"verified": True, "primary": True}
    )
    return user


def _office_login(report) -> None:
    parent = OrgUnit.objects.filter(key="wirtschaftsfoerderung").first()
    if parent is None:
        return
    unit, _ = OrgUnit.objects.get_or_create(
        key=OFFICE_UNIT,
        defaults={
            "organisation": parent.organisation,
            "parent": parent,
            "name": "Gästebeitrag und HATIX",
            "kind": OrgUnit.Kind.SACHGEBIET,
        },
    )
    user = add_staff(
        OFFICE_USER, f"{OFFICE_USER}@example.org", OFFICE_PASSWORD, unit, [Role.TICKET_OFFICE]
    )
    StaffMembership.objects.filter(user=user).exclude(
        org_unit=unit, role=Role.TICKET_OFFICE
    ).delete()
    ensure_totp(user, OFFICE_SECRET)
    report.write(
        f"  Gästebeitrag-Stelle (/hatix/amt/): {OFFICE_USER} / {OFFICE_PASSWORD} + TOTP "
        f"{OFFICE_SECRET}"
    )


def load_demo(tenant, folder, report) -> None:
    if not LevyRate.objects.exists():
        return  # the county has no tickets.yaml
    user = _host_user()
    company = Company.objects.filter(name=COMPANY, memberships__user=user).first()
    if company is None:
        company = accounts.create_company(
            user, name=COMPANY, street="Burgstraße 12", postcode="38855", city="Wernigerode"
        )
    made = []
    for name, ars, street, postcode, town, lat, lon in ACCOMMODATIONS:
        region = Region.objects.filter(ars=ars).first()
        if region is None:
            continue
        accommodation, _ = Accommodation.objects.get_or_create(
            company=company,
            name=name,
            defaults={
                "municipality": region,
                "street": street,
                "postcode": postcode,
                "town": town,
                "lat": lat,
                "lon": lon,
            },
        )
        made.append(accommodation)
    report.write(f"\nGastgeber HATIX (/hatix/gastgeber/): {USERNAME} / {PASSWORD}")
    today = timezone.localdate()
    wallet = ""
    for index, reference, offset, nights, counts, names, paid in STAYS:
        if index >= len(made):
            continue
        accommodation = made[index]
        stay = accommodation.stays.filter(reference=reference).first()
        if stay is None:
            arrival = today + dt.timedelta(days=offset)
            stay = services.register_stay(
                accommodation,
                arrival=arrival,
                departure=arrival + dt.timedelta(days=nights),
                counts=counts,
                names=names,
                paid=paid,
                reference=reference,
                user=user,
            )
        link = services.stay_link_ticket(stay)
        if link is not None and not wallet:
            wallet = f"/hatix/t/{link.access_key}/"
    if wallet:
        report.write(f"  Gäste-Wallet eines bezahlten Aufenthalts: {wallet}")
    _office_login(report)
