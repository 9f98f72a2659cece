"""Harz-Kompass demo (`load_tenant harz --demo`): the editor `kompass-redaktion` (role
directory_editor in the county's Fachbereich Landrat, password + TOTP), printed with the other
demo logins. The places and routes are county data (config.py), not demo data."""

from __future__ import annotations

from openkreis.core.models import OrgUnit
from openkreis.core.staff import Role, add_staff, ensure_totp

DEMO_USERNAME = "kompass-redaktion"
DEMO_PASSWORD = "harz-kompass-demo-2026"  # noqa: S105 (demo login, printed by load_tenant)
DEMO_SECRET = "KOMPASSREDAKTIONDEMOAAAAAAAAAAAA"  # noqa: S105 (demo TOTP, base32, 32 chars)


def load_demo(tenant, folder, report) -> None:
    unit = OrgUnit.objects.filter(key="fachbereich-landrat").first()
    if unit is None or tenant is None:
        return
    user = add_staff(
        DEMO_USERNAME,
        f"{DEMO_USERNAME}@example.org",
        DEMO_PASSWORD,
        unit,
        [Role.DIRECTORY_EDITOR],
        first_name="Harz-Kompass",
        last_name="Redaktion",
    )
    ensure_totp(user, DEMO_SECRET)
    report.write("\nHarz-Kompass (/kompass/redaktion/), password " + DEMO_PASSWORD + " + TOTP:")
    report.write(f"  {'Redaktion Orte und Wanderwege':<52} {DEMO_USERNAME:<22} {DEMO_SECRET}")
