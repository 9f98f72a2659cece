"""The statuses of a defect report as a transition table (from → allowed targets)."""

from __future__ import annotations

OPEN = "open"
CONFIRMED = "confirmed"
IN_PROGRESS = "in_progress"
SCHEDULED = "scheduled"
FIXED = "fixed"
DUPLICATE = "closed_duplicate"
NOT_RESPONSIBLE = "closed_not_responsible"
NOT_REPRODUCIBLE = "closed_not_reproducible"

CLOSED = (DUPLICATE, NOT_RESPONSIBLE, NOT_REPRODUCIBLE)
DONE = (FIXED, *CLOSED)

TRANSITIONS: dict[str, tuple[str, ...]] = {
    OPEN: (CONFIRMED, IN_PROGRESS, SCHEDULED, FIXED, *CLOSED),
    CONFIRMED: (IN_PROGRESS, SCHEDULED, FIXED, *CLOSED),
    IN_PROGRESS: (SCHEDULED, FIXED, *CLOSED),
    SCHEDULED: (IN_PROGRESS, FIXED, *CLOSED),
    # done: only reopening (the defect is back, or the closing was wrong)
    FIXED: (CONFIRMED,),
    DUPLICATE: (CONFIRMED,),
    NOT_RESPONSIBLE: (CONFIRMED,),
    NOT_REPRODUCIBLE: (CONFIRMED,),
}


def allowed(from_status: str) -> tuple[str, ...]:
    return TRANSITIONS.get(from_status, ())


def can_change(from_status: str, to_status: str) -> bool:
    return to_status in allowed(from_status)


def is_open(status: str) -> bool:
    return status not in DONE


def is_reopening(from_status: str, to_status: str) -> bool:
    return from_status in DONE and to_status not in DONE
