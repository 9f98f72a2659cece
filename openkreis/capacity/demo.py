"""Demo data of the Kapazitätsfinder's staff side: an org unit for every demo Kita
(`Kita.unit`), a Kita's own staff member, the Kita coordination of Wernigerode and of the
county (password + TOTP, as the Mängelmelder demo does). Idempotent."""

from __future__ import annotations

from openkreis.core.models import Organisation, OrgUnit, StaffMembership
from openkreis.core.staff import Role, add_staff, ensure_totp

from .models import Kita

DEMO_PASSWORD = "harz-kita-demo-2026"  # noqa: S105 (printed demo login)
DEMO_KITA = "wernigerode-kunterbunt"
MUNICIPALITY_UNIT = "gem-wernigerode-kita"
COUNTY_UNIT = "jugendamt"

# username, unit key, role, TOTP secret (32 base32 characters), description
DEMO_STAFF = [
    (
        "kita-kunterbunt",
        f"kita-{DEMO_KITA}",
        Role.KITA_STAFF,
        "KITADEMOAAAAAAAAAAAAAAAAAAAAAAAA",
        "Kita Kunterbunt Wernigerode (eigene Kita)",
    ),
    (
        "kita-wernigerode",
        MUNICIPALITY_UNIT,
        Role.KITA_COORDINATOR,
        "KITAGEMEINDEDEMOAAAAAAAAAAAAAAAA",
        "Kita-Koordination Stadt Wernigerode",
    ),
    (
        "kita-landkreis",
        COUNTY_UNIT,
        Role.KITA_COORDINATOR,
        "KITALANDKREISDEMOAAAAAAAAAAAAAAA",
        "Kita-Koordination Landkreis (Runden, Korrekturen)",
    ),
]


def _organisation(kita: Kita) -> Organisation | None:
    """The administration of the Kita's municipality (or its Verbandsgemeinde)."""
    region = kita.municipality
    return (
        Organisation.objects.filter(region=region).order_by("pk").first()
        or Organisation.objects.filter(region_id=region.parent_id).order_by("pk").first()
    )


def kita_units() -> int:
    """Every active Kita without a unit gets one ("kita-<key>", a team of its municipality's
    administration): its staff are members of it (role kita_staff)."""
    made = 0
    for kita in Kita.objects.filter(active=True, unit=None).select_related("municipality"):
        organisation = _organisation(kita)
        if organisation is None:
            continue
        unit, _ = OrgUnit.objects.get_or_create(
            key=f"kita-{kita.key}",
            defaults={"organisation": organisation, "name": kita.name, "kind": OrgUnit.Kind.TEAM},
        )
        kita.unit = unit
        kita.save(update_fields=["unit"])
        made += 1
    return made


def load_demo(tenant, folder, report) -> None:
    kita_units()
    wernigerode = Organisation.objects.filter(key="gem-wernigerode").first()
    if wernigerode is not None:
        OrgUnit.objects.get_or_create(
            key=MUNICIPALITY_UNIT,
            defaults={
                "organisation": wernigerode,
                "name": "Kita-Koordination",
                "kind": OrgUnit.Kind.SACHGEBIET,
            },
        )
    logins = []
    for username, unit_key, role, secret, description in DEMO_STAFF:
        unit = OrgUnit.objects.filter(key=unit_key).first()
        if unit is None:
            continue
        user = add_staff(username, f"{username}@example.org", DEMO_PASSWORD, unit, [role])
        StaffMembership.objects.filter(user=user).exclude(org_unit=unit, role=role).delete()
        ensure_totp(user, secret)
        logins.append((description, username, secret))
    report.write("\nKita-Plätze (/kita/verwaltung/), password " + DEMO_PASSWORD + " + TOTP:")
    for description, username, secret in logins:
        report.write(f"  {description:<52} {username:<16} {secret}")
