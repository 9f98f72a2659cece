"""The tamper-evident audit trail: a hash chain of entries, its check and the auditor's view."""

from __future__ import annotations

import datetime as dt
import hashlib
import json

from django.core.cache import cache
from django.db import IntegrityError, transaction
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from ..models import (
    AuditCheckpoint,
    AuditEntry,
    Case,
)
from .common import GENESIS, CaseError


def _entry_hash(prev_hash: str, at: dt.datetime, actor: str, action: str, ref: str, detail) -> str:
    payload = json.dumps(
        [prev_hash, at.isoformat(), actor, action, ref, detail], sort_keys=True, default=str
    )
    return hashlib.sha256(payload.encode()).hexdigest()


def audit(action: str, *, actor=None, case: Case | None = None, detail: dict | None = None):
    """Append one entry to the hash-chained audit trail (retries if another writer won)."""
    name = getattr(actor, "username", "") or ("system" if actor is None else str(actor))
    ref = case.file_number if case is not None else ""
    detail = detail or {}
    for _attempt in range(5):
        last = AuditEntry.objects.order_by("-id").first()
        prev = last.hash if last else GENESIS
        at = timezone.now()
        try:
            with transaction.atomic():
                return AuditEntry.objects.create(
                    at=at,
                    actor=name,
                    action=action,
                    case_ref=ref,
                    detail=detail,
                    prev_hash=prev,
                    hash=_entry_hash(prev, at, name, action, ref, detail),
                )
        except IntegrityError:
            continue
    raise CaseError(_("The audit trail is busy. Please try again."))


def verify_audit_chain(*, from_checkpoint: bool = False) -> tuple[int, AuditEntry | None]:
    """(entries checked, first broken entry or None). With `from_checkpoint`, only the
    entries after the last checkpoint are walked, after making sure the checkpoint's entry
    still carries the hash it had; a whole walk that finds the chain intact, and every
    intact partial one, moves the checkpoint to the last entry."""
    prev, count, after = GENESIS, 0, 0
    point = AuditCheckpoint.objects.order_by("-id").first() if from_checkpoint else None
    if point is not None:
        anchor = AuditEntry.objects.filter(pk=point.entry_id).first()
        if anchor is None or anchor.hash != point.hash:
            AuditCheckpoint.objects.all().delete()
            return verify_audit_chain()  # the whole walk names the first broken entry
        prev, count, after = point.hash, point.count, point.entry_id
    last = None
    for entry in AuditEntry.objects.filter(pk__gt=after).order_by("id").iterator(2000):
        expected = _entry_hash(
            prev, entry.at, entry.actor, entry.action, entry.case_ref, entry.detail
        )
        if entry.prev_hash != prev or entry.hash != expected:
            AuditCheckpoint.objects.all().delete()  # from now on every check starts at 1
            return count, entry
        prev = entry.hash
        count += 1
        last = entry
    if last is not None:
        AuditCheckpoint.objects.all().delete()
        AuditCheckpoint.objects.create(
            entry_id=last.pk, hash=last.hash, count=count, checked_at=timezone.now()
        )
    return count, None


AUDIT_STATUS_CACHE_SECONDS = 60


def audit_chain_status(*, fresh: bool = False) -> dict:
    """The result of `verify_audit_chain` for the auditor's page: entries checked, the first
    broken entry (id and what it says) or None, and when it was checked. The walk over the
    chain since the last intact checkpoint is cached for a minute; `fresh` (the auditor's
    "check now") walks the whole chain from its first entry."""
    key = "cases:audit-chain-status"
    status = None if fresh else cache.get(key)
    if status is None:
        count, broken = verify_audit_chain(from_checkpoint=not fresh)
        status = {
            "checked": count,
            "intact": broken is None,
            "broken_id": broken.pk if broken else None,
            "broken": str(broken) if broken else "",
            "at": timezone.now(),
            "whole": fresh,
        }
        cache.set(key, status, AUDIT_STATUS_CACHE_SECONDS)
    return status


def audit_trail(
    *,
    case_ref: str = "",
    actor: str = "",
    action: str = "",
    since: dt.date | None = None,
    until: dt.date | None = None,
) -> QuerySet[AuditEntry]:
    """The audit trail for auditors, newest first, filtered by file number (exact or its
    beginning), actor (user name), action (exact or a prefix such as `case.`) and period
    (dates inclusive, in local time)."""
    qs = AuditEntry.objects.order_by("-id")
    if case_ref:
        qs = qs.filter(case_ref__startswith=case_ref.strip())
    if actor:
        qs = qs.filter(actor=actor.strip())
    if action:
        action = action.strip()
        qs = (
            qs.filter(action__startswith=action)
            if action.endswith(".")
            else qs.filter(action=action)
        )
    zone = timezone.get_current_timezone()
    if since:
        qs = qs.filter(at__gte=dt.datetime.combine(since, dt.time.min, tzinfo=zone))
    if until:
        qs = qs.filter(
            at__lt=dt.datetime.combine(until + dt.timedelta(days=1), dt.time.min, tzinfo=zone)
        )
    return qs


def audit_actions() -> list[str]:
    """The actions that occur in the trail (for the auditor's filter)."""
    return list(AuditEntry.objects.order_by("action").values_list("action", flat=True).distinct())
