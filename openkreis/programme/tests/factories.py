"""Test data of the programme office: accounts, Gestaltungskreise with their members."""

from __future__ import annotations

from django.contrib.auth import get_user_model

from openkreis.accounts.models import Company
from openkreis.programme.models import Circle, CircleMember


def citizen(name: str):
    """A plain (citizen) account."""
    return get_user_model().objects.create_user(name, f"{name}@example.org", "ein-langes-pw-2026")


def circle(slug: str, service: str, *members, side: str = "company", company=None) -> Circle:
    """A Gestaltungskreis on `service` with `members` (accounts) on `side`."""
    made = Circle.objects.create(
        slug=slug, name=slug.replace("-", " ").capitalize(), service=service
    )
    for user in members:
        CircleMember.objects.create(circle=made, user=user, side=side, company=company)
    return made


def company(name: str = "Bau GmbH") -> Company:
    return Company.objects.create(name=name)
