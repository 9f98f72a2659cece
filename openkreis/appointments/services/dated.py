"""Dated slots of private resources: the engine's claim for a resource that is no public
office — a doctor's practice of the capacity app publishing single appointments, say.

A private resource is a `Branch` with `private=True`, no core Location and a key of the
calling app's choosing, with one `Counter`. It never appears on the public appointment
pages (`tenant_branches()`, `bookable_services()`, `branches_for()`, the staff counters
read only public offices). Its slots are not on a weekly opening-hours grid: a slot is
one dated start, published by the owner, and claiming it is one `SlotClaim(counter,
start)` row without a `Booking` — inserted by the same `_claim` as every booking's cells,
so the same unique (counter, cell) decides a race and the loser gets `SlotTaken`. The
caller keeps its own record of who booked (name, e-mail, state) and points to the claim.

A dated slot is claimed as the one cell at its start, whatever its length: two slots of
one resource that overlap are two offers (two doctors of one practice), and one start is
one slot.
"""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from ..errors import BookingError, SlotTaken
from ..models import Branch, Counter, SlotClaim
from .booking import _claim

RESOURCE_LABEL = "1"  # a private resource has one counter


def private_resource(key: str, name: str = "") -> Counter:
    """The counter of the private resource `key` (e.g. "practice:wr-hausarzt"), made on
    first use. Safe when several requests make it at once (the key is unique)."""
    branch, _created = Branch.objects.get_or_create(
        key=key, defaults={"private": True, "location": None, "name": name[:200]}
    )
    if not branch.private:
        raise ValueError(f"branch {key!r} is a public office, not a private resource")
    counter, _created = Counter.objects.get_or_create(branch=branch, label=RESOURCE_LABEL)
    return counter


def claim_dated(resource: Counter, start: dt.datetime, now: dt.datetime | None = None) -> SlotClaim:
    """Claim the dated slot at `start` of a private resource: exactly one of any number
    of callers racing for it gets the claim (the unique (counter, start) of SlotClaim);
    the others get SlotTaken. A start in the past is a BookingError. A lost race raises no
    database error: the caller's transaction stays usable, and the claim is undone with it."""
    now = now or timezone.now()
    if not Branch.objects.filter(pk=resource.branch_id, private=True).exists():
        raise ValueError("claim_dated is for private resources; offices are booked by hold()")
    if start < now:
        raise BookingError(_("This time is in the past. Please choose a later slot."))
    if not _claim(None, resource, [start], now):
        raise SlotTaken(_("This slot has just been taken. Please choose another one."))
    return SlotClaim.objects.get(counter=resource, start=start)


def release_dated(claim_ids) -> int:
    """Give dated claims back (a cancellation, or the owner deleting its old records): the
    slots are free at once. Claims of bookings are never touched here. Returns how many."""
    ids = [pk for pk in claim_ids if pk]
    if not ids:
        return 0
    with transaction.atomic():
        deleted, _rows = SlotClaim.objects.filter(pk__in=ids, booking__isnull=True).delete()
    return deleted


def dated_claims():
    """The dated claims (no booking), for a caller's "is this slot taken" subquery, e.g.
    `Exists(dated_claims().filter(counter=OuterRef("resource"), start=OuterRef("start")))`."""
    return SlotClaim.objects.filter(booking__isnull=True)


def is_claimed(resource: Counter | None, start: dt.datetime) -> bool:
    """Whether the dated slot at `start` of `resource` is claimed (no resource yet: free)."""
    if resource is None:
        return False
    return dated_claims().filter(counter=resource, start=start).exists()
