"""Roles, outcomes and the domain error shared by every topic of the eAkte's services."""

from __future__ import annotations

from openkreis.core import staff

Role = staff.Role


WORKING_ROLES = (Role.CASEWORKER, Role.TEAM_LEAD)


ALL_CASE_ROLES = (Role.CASEWORKER, Role.TEAM_LEAD, Role.MAIL_ROOM, Role.FRONT_DESK)


OUTCOMES = ("granted", "partly", "refused", "withdrawn")


GENESIS = "0" * 64


class CaseError(Exception):
    """A change that is not allowed; the message is for the user (already translated)."""
