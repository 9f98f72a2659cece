"""Test data of the radar: accounts, organisations with their self-assessments."""

from __future__ import annotations

from django.contrib.auth import get_user_model

from openkreis.radar import services
from openkreis.radar.models import AssessedOrganisation


def account(username: str):
    """A plain (citizen) account."""
    return get_user_model().objects.create_user(username, f"{username}@example.org")


def organisation(
    owner=None, name: str = "Kleingartenverein", kind: str = "club"
) -> AssessedOrganisation:
    """An organisation with `owner` (a new account if None) as its member."""
    return services.create_organisation(owner or account(f"t-{kind}-owner"), name, kind)


def answers(level: int) -> dict[str, int]:
    """Every question of the county's maturity model answered with `level`."""
    model = services.maturity_model()
    return {q["id"]: level for _key, _name, q in services.questions(model.definition)}
