"""The tamper-evident audit trail: entries appended by every writer, sealed into a hash chain
in batches by one sealer, its check and the auditor's view.

Writers never read the chain (it used to be read and extended inside every case's
transaction, one writer at a time): `audit` inserts the entry with its leaf hash, the hash
of what it says. `seal_audit` (the Celery beat task `seal_audit`, and first thing in every
check) takes one lock, numbers the committed entries not sealed yet in id order after the
chain's head and links them: hash = SHA-256(previous hash, position, id, leaf). Entries
whose transactions commit later (ids come from a sequence and are not committed in id order)
are simply sealed by a later run, at a later position: the chain's order is the order of
sealing, so the sealer never needs to know whether a lower id is still in flight.
Each run is recorded as an `AuditSeal` (the head after it) and logged; the whole walk checks
that the chain passes through every recorded head (docs/architecture.md "Case creation at
scale").
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import logging

from django.core.cache import cache
from django.db import connection, transaction
from django.db.models import QuerySet
from django.utils import timezone

from ..models import (
    AuditCheckpoint,
    AuditEntry,
    AuditSeal,
    Case,
)
from .common import GENESIS
from .numbering import has_pending_number

logger = logging.getLogger("openkreis.audit")

SEAL_LOCK = 0x6F6B_5345  # the sealer's PostgreSQL advisory lock ("okSE")
SEAL_BATCH = 2000


def _entry_hash(prev_hash: str, at: dt.datetime, actor: str, action: str, ref: str, detail) -> str:
    """The chain hash of an entry written before sealing existed (migration 0009)."""
    payload = json.dumps(
        [prev_hash, at.isoformat(), actor, action, ref, detail], sort_keys=True, default=str
    )
    return hashlib.sha256(payload.encode()).hexdigest()


def _leaf_hash(at: dt.datetime, actor: str, action: str, ref: str, detail) -> str:
    """What an entry says, hashed by its writer."""
    payload = json.dumps(["leaf", at.isoformat(), actor, action, ref, detail], sort_keys=True)
    return hashlib.sha256(payload.encode()).hexdigest()


def _leaf_of(entry: AuditEntry) -> str:
    return _leaf_hash(entry.at, entry.actor, entry.action, entry.case_ref, entry.detail)


def _link_hash(prev_hash: str, seq: int, entry_id: int, leaf: str) -> str:
    """The chain hash of a sealed entry: its place, its id and what it says."""
    return hashlib.sha256(json.dumps([prev_hash, seq, entry_id, leaf]).encode()).hexdigest()


def _expected_hash(entry: AuditEntry, prev: str) -> str:
    if not entry.leaf:  # chained one by one before sealing existed
        return _entry_hash(prev, entry.at, entry.actor, entry.action, entry.case_ref, entry.detail)
    return _link_hash(prev, entry.seq, entry.pk, _leaf_of(entry))


def audit(action: str, *, actor=None, case: Case | None = None, detail: dict | None = None):
    """Append one entry to the audit trail (sealed into the chain later by `seal_audit`).
    An entry about a case that has no file number yet (inside `open_case`) waits for it:
    `release_audit` writes it."""
    name = getattr(actor, "username", "") or ("system" if actor is None else str(actor))
    detail = detail or {}
    at = timezone.now()
    if case is not None and has_pending_number(case):
        held = case.__dict__.setdefault("_audit_held", [])
        held.append((at, name, action, detail))
        return None
    ref = case.file_number if case is not None else ""
    return AuditEntry.objects.create(
        at=at,
        actor=name,
        action=action,
        case_ref=ref,
        detail=detail,
        leaf=_leaf_hash(at, name, action, ref, detail),
    )


def release_audit(case: Case) -> list[AuditEntry]:
    """Write the entries held for `case` until it had its file number (one INSERT)."""
    held = case.__dict__.pop("_audit_held", [])
    ref = case.file_number
    entries = [
        AuditEntry(
            at=at,
            actor=name,
            action=action,
            case_ref=ref,
            detail=detail,
            leaf=_leaf_hash(at, name, action, ref, detail),
        )
        for at, name, action, detail in held
    ]
    return AuditEntry.objects.bulk_create(entries) if entries else []


def _take_seal_lock() -> None:
    """One sealer at a time. PostgreSQL: an advisory lock until the transaction ends; SQLite
    runs every transaction IMMEDIATE (settings), so the sealer holds the only write lock."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [SEAL_LOCK])


def seal_audit(*, batch: int = SEAL_BATCH) -> int:
    """Link every committed entry not sealed yet into the chain, in id order after the
    chain's head, `batch` entries per transaction; record and log the new head. An entry
    whose leaf no longer matches what it says (changed behind the application's back
    before it was sealed) is not sealed: it stays where verify_audit_chain names it.
    Returns the number of entries sealed."""
    sealed, after = 0, None
    while True:
        with transaction.atomic():
            _take_seal_lock()
            head = (
                AuditEntry.objects.filter(seq__isnull=False)
                .order_by("-seq")
                .only("seq", "hash")
                .first()
            )
            prev, seq = (head.hash, head.seq) if head else (GENESIS, 0)
            first_seq = seq + 1
            unsealed = AuditEntry.objects.filter(seq__isnull=True)
            if after is not None:  # the next batch of this run (changed entries stay behind)
                unsealed = unsealed.filter(pk__gt=after)
            rows = list(unsealed.order_by("id")[:batch])
            linked = []
            for entry in rows:
                leaf = _leaf_of(entry)
                if entry.leaf != leaf:
                    logger.error(
                        "audit entry %s changed before it was sealed; not sealed", entry.pk
                    )
                    continue
                seq += 1
                entry.seq, entry.prev_hash = seq, prev
                entry.hash = prev = _link_hash(prev, seq, entry.pk, leaf)
                linked.append(entry)
            if linked:
                AuditEntry.objects.bulk_update(linked, ["seq", "prev_hash", "hash"], batch_size=500)
                AuditSeal.objects.create(
                    first_seq=first_seq,
                    last_seq=seq,
                    entry_id=linked[-1].pk,
                    hash=prev,
                    sealed_at=timezone.now(),
                )
                logger.info("audit sealed #%s-#%s head %s", first_seq, seq, prev)
        sealed += len(linked)
        if len(rows) < batch:
            return sealed
        after = rows[-1].pk


def _missing(seal) -> AuditEntry:
    """What verify_audit_chain names when the chain ends before a recorded head."""
    return AuditEntry(
        pk=seal.entry_id, at=seal.sealed_at, actor="", action="audit.missing", case_ref=""
    )


def verify_audit_chain(
    *, from_checkpoint: bool = False, seal: bool = True
) -> tuple[int, AuditEntry | None]:
    """(entries checked, first broken entry or None). First seals what was written since
    the last seal (unless `seal=False`); then walks the chain in its order: each entry's
    place, link and hash, and that the chain passes through every recorded seal head; then
    the entries not sealed yet: each must still say what its leaf says. With
    `from_checkpoint`, only the chain after the last checkpoint is walked, after making
    sure the checkpoint's entry still carries the hash it had; a whole walk that finds the
    chain intact, and every intact partial one, moves the checkpoint to the last sealed
    entry."""
    if seal:
        seal_audit()
    prev, count, after = GENESIS, 0, 0
    point = AuditCheckpoint.objects.order_by("-id").first() if from_checkpoint else None
    if point is not None:
        anchor = AuditEntry.objects.filter(pk=point.entry_id).first()
        if anchor is None or anchor.hash != point.hash or anchor.seq is None:
            AuditCheckpoint.objects.all().delete()
            return verify_audit_chain(seal=False)  # the whole walk names the first broken entry
        prev, count, after = point.hash, point.count, anchor.seq

    def broken(entry):
        AuditCheckpoint.objects.all().delete()  # from now on every check starts at 1
        return count, entry

    heads = AuditSeal.objects.filter(last_seq__gt=after).order_by("last_seq").iterator(2000)
    head = next(heads, None)
    last, position = None, after
    for entry in AuditEntry.objects.filter(seq__gt=after).order_by("seq").iterator(2000):
        position += 1
        if (
            entry.seq != position
            or entry.prev_hash != prev
            or entry.hash != _expected_hash(entry, prev)
            or (entry.leaf and entry.leaf != _leaf_of(entry))
        ):
            return broken(entry)
        while head is not None and head.last_seq <= entry.seq:
            if head.last_seq == entry.seq and (
                head.hash != entry.hash or head.entry_id != entry.pk
            ):
                return broken(entry)
            head = next(heads, None)
        prev = entry.hash
        count += 1
        last = entry
    if head is not None:  # a recorded head lies beyond the chain's end: entries were cut off
        return broken(_missing(head))
    sealed_count = count
    for entry in AuditEntry.objects.filter(seq__isnull=True).order_by("id").iterator(2000):
        if entry.leaf != _leaf_of(entry):
            return broken(entry)
        count += 1
    if last is not None:
        AuditCheckpoint.objects.all().delete()
        AuditCheckpoint.objects.create(
            entry_id=last.pk, hash=last.hash, count=sealed_count, checked_at=timezone.now()
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
