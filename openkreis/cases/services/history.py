"""What every case change writes besides the case row: the status history, the cockpit
event (docs/events.md), and who may act in a unit."""

from __future__ import annotations

import datetime as dt

from openkreis.core import event_kinds, staff
from openkreis.core import services as core
from openkreis.core.models import OrgUnit

from .. import workflow
from ..models import (
    Case,
    CaseStatus,
)
from .common import ALL_CASE_ROLES, Role


def _event(case: Case, activity: str, at: dt.datetime, **extra) -> None:
    info = workflow.state_info(case.procedure.definition, case.state)
    core.record_event(
        event_kinds.case_kind(activity),
        subject=case.subject,
        occurred_at=at,
        data={
            "activity": activity,
            "service": case.service.slug,
            "procedure": case.procedure.key,
            "org_unit": case.org_unit.key,
            "channel": case.channel,
            "state": case.state,
            "state_kind": info["kind"],
            **extra,
        },
    )


def _history(case, activity, from_state, at, actor, note="") -> None:
    CaseStatus.objects.create(
        case=case,
        at=at,
        activity=activity,
        from_state=from_state,
        state=case.state,
        org_unit=case.org_unit,
        actor=actor if getattr(actor, "pk", None) else None,
        note=note,
    )


def roles_in_unit(user, unit: OrgUnit) -> set[str]:
    """The case roles `user` holds for `unit` (memberships in the unit or one above it)."""
    if user is None:
        return set()
    return staff.roles_in_unit(user, unit, ALL_CASE_ROLES + (Role.AUDITOR,))
