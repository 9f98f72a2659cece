"""Helpers for tests of every app."""

import os
from pathlib import Path

from django.conf import settings
from django.core.management import call_command


def load_tenant(slug: str, pages: bool = False) -> None:
    """Load tenants/<slug>/ quietly (as `manage.py load_tenant` would)."""
    args = ["load_tenant", str(Path(settings.BASE_DIR) / "tenants" / slug)]
    if not pages:
        args.append("--no-pages")
    with open(os.devnull, "w") as devnull:
        call_command(*args, stdout=devnull)


STAFF_PASSWORD = "dienst-passwort-2026!"  # noqa: S105 (test accounts only)


def totp_code(secret: str, ahead: int = 0) -> str:
    """The current TOTP code for `secret`, as an authenticator app would show it. `ahead=1`:
    the next time step's code (accepted with one step of drift) — for a second login of the
    same account within 30 s, whose current code the reuse check refuses."""
    import time

    from allauth.mfa.totp.internal.auth import format_hotp_value, hotp_value

    return format_hotp_value(hotp_value(secret, int(time.time()) // 30 + ahead))


_last_step: dict[str, int] = {}


def fresh_totp_code(secret: str) -> str:
    """A code this process has not typed for `secret` yet, as a person would wait for the next
    code: the current step's, else the next one (one step of drift is accepted), else it
    waits until the next one is in reach. For browser tests that log the same demo account
    in several times: the site refuses a code used before (CI failed on a reused code)."""
    import time

    from allauth.mfa.totp.internal.auth import format_hotp_value, hotp_value

    chosen = max(int(time.time()) // 30, _last_step.get(secret, -1) + 1)
    while chosen > int(time.time()) // 30 + 1:
        time.sleep(0.5)
    _last_step[secret] = chosen
    return format_hotp_value(hotp_value(secret, chosen))


def make_staff(username: str, unit_key: str, *roles: str, password: str = STAFF_PASSWORD):
    """A staff user with TOTP set up and `roles` in the unit `unit_key`; returns (user, secret)."""
    from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret

    from openkreis.core.models import OrgUnit
    from openkreis.core.staff import add_staff

    unit = OrgUnit.objects.get(key=unit_key)
    user = add_staff(username, f"{username}@example.org", password, unit, roles)
    secret = generate_totp_secret()
    TOTP.activate(user, secret)
    return user, secret


def login_staff(client, user, secret: str, password: str = STAFF_PASSWORD) -> None:
    """Log in through the real login pages: password, then the TOTP code."""
    from django.core.cache import cache

    cache.clear()  # a TOTP code counts once per period; tests may log in twice quickly
    response = client.post("/konto/login/", {"login": user.username, "password": password})
    assert response.status_code == 302, response.content[:500]
    response = client.post("/konto/2fa/authenticate/", {"code": totp_code(secret)})
    assert response.status_code == 302, response.content[:500]
    assert client.session.get("_auth_user_id") == str(user.pk), "login did not complete"


def login_as(client, role: str, roles_by_name: dict, prefix: str = "t"):
    """For authorisation tables: log `client` in through the login pages as a new staff member
    for the table's `role` — `roles_by_name[role]` is (unit key, [roles]); returns the user,
    or None for "anonymous" (nobody logs in)."""
    if role == "anonymous":
        return None
    unit, roles = roles_by_name[role]
    user, secret = make_staff(f"{prefix}-{role}", unit, *roles)
    login_staff(client, user, secret)
    return user
