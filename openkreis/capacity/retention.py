"""Retention of the Kapazitätsfinder's personal data (docs/capacity.md): children,
applications, wishes, offers and the parents' place alerts go `Rules.retention_days` after an
application was closed (placed or withdrawn); a child without any application after the same
time from its creation. Run daily by Celery beat (tasks.purge_kita_data) or
`manage.py purge_kita_data`. Rounds stay (a seed and counts, no person).

Doctor slots (`purge_providers`): a slot that passed without a booking is deleted the next
day (`slot.expired`); a slot that passed with bookings goes with them (name, e-mail) the
practice's `retention_days` (county setting, default 30) after the appointment; waiting-list
entries go that long after their mail, or `WAITLIST_DAYS` after joining. Room requests are
not stored (an e-mail to the host).

Also the account's part of the data export and deletion (core.personal_data): `KitaData`
and `ProviderData`."""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.db.models import Exists, OuterRef, Q
from django.utils import timezone

from openkreis.appointments import services as engine

from . import events, providers
from .models import (
    Application,
    Child,
    DoctorSlot,
    PlaceAlert,
    Practice,
    SlotBooking,
    WaitlistEntry,
)
from .services import county_rules

WAITLIST_DAYS = 180  # an entry nobody was told about leaves the waiting list after this


def cutoff(now: dt.datetime | None = None) -> dt.datetime:
    return (now or timezone.now()) - dt.timedelta(days=county_rules().retention_days)


@transaction.atomic
def purge(now: dt.datetime | None = None, *, dry_run: bool = False) -> dict[str, int]:
    """Delete what is past the retention time; returns the counts (would) deleted."""
    limit = cutoff(now)
    closed = Application.objects.filter(
        status__in=[Application.Status.PLACED, Application.Status.WITHDRAWN],
        closed_at__lt=limit,
    )
    counts = {"applications": closed.count()}
    old_child = Q(created_at__lt=limit)
    # children left without any application (after the closed ones go)
    orphans = Child.objects.filter(old_child).exclude(
        applications__in=Application.objects.exclude(pk__in=closed.values("pk"))
    )
    counts["children"] = orphans.count()
    # alerts of parents with nothing open, untouched for the retention time
    active_parents = Application.objects.filter(status__in=Application.ACTIVE).values(
        "child__parent"
    )
    alerts = (
        PlaceAlert.objects.exclude(user__in=active_parents)
        .filter(created_at__lt=limit)
        .filter(Q(last_sent_at=None) | Q(last_sent_at__lt=limit))
    )
    counts["alerts"] = alerts.count()
    if not dry_run:
        alerts.delete()
        orphan_ids = list(orphans.values_list("pk", flat=True))
        closed.delete()  # wishes and offers with them
        Child.objects.filter(pk__in=orphan_ids).delete()
    return counts


@transaction.atomic
def purge_providers(now: dt.datetime | None = None, *, dry_run: bool = False) -> dict[str, int]:
    """Doctor slots and waiting lists past their time; returns the counts (would) deleted:
    `slots_expired` (passed without a booking, `slot.expired` written), `bookings` (with
    their slot, the practice's retention_days after the appointment), `waitlist`."""
    now = now or timezone.now()
    booked = SlotBooking.objects.filter(slot=OuterRef("pk"), state=SlotBooking.State.BOOKED)
    expired = list(
        DoctorSlot.objects.filter(start__lt=now)
        .exclude(Exists(booked))
        .select_related("practice__municipality")
    )
    # per practice: its own retention time (the county setting, copied on load)
    old_slots, old_waiting = DoctorSlot.objects.none(), WaitlistEntry.objects.none()
    for days in set(Practice.objects.values_list("retention_days", flat=True)):
        limit = now - dt.timedelta(days=days)
        old_slots |= DoctorSlot.objects.filter(
            practice__retention_days=days, start__lt=limit
        ).filter(Exists(booked))
        old_waiting |= WaitlistEntry.objects.filter(
            practice__retention_days=days, notified_at__lt=limit
        )
    old_waiting |= WaitlistEntry.objects.filter(
        notified_at=None, created_at__lt=now - dt.timedelta(days=WAITLIST_DAYS)
    )
    counts = {
        "slots_expired": len(expired),
        "bookings": SlotBooking.objects.filter(slot__in=old_slots).count(),
        "waitlist": old_waiting.count(),
    }
    if not dry_run:
        events.slots_expired(expired)
        claims = list(
            SlotBooking.objects.filter(slot__in=old_slots, claim__isnull=False).values_list(
                "claim_id", flat=True
            )
        )
        DoctorSlot.objects.filter(pk__in=[s.pk for s in expired]).delete()
        DoctorSlot.objects.filter(pk__in=old_slots.values("pk")).delete()
        engine.release_dated(claims)  # the engine's claims of the deleted bookings
        WaitlistEntry.objects.filter(pk__in=old_waiting.values("pk")).delete()
    return counts


class KitaData:
    """`core.personal_data` plugin: the parent's children, applications (wishes, offers) and
    place alerts — exported, and deleted with the account."""

    def export(self, user) -> dict:
        children = []
        for child in (
            Child.objects.filter(parent=user)
            .select_related("municipality")
            .prefetch_related("siblings_at", "applications__wishes__kita")
        ):
            children.append(
                {
                    "first_name": child.first_name,
                    "birth_date": child.birth_date.isoformat(),
                    "place_of_residence": child.municipality.name,
                    "siblings_at": [k.name for k in child.siblings_at.all()],
                    "applications": [self._application(a) for a in child.applications.all()],
                }
            )
        alerts = [
            {
                "age_group": a.age_group,
                "municipality": a.municipality.name if a.municipality_id else "",
                "created_at": a.created_at.isoformat(),
            }
            for a in PlaceAlert.objects.filter(user=user).select_related("municipality")
        ]
        return {"children": children, "alerts": alerts}

    @staticmethod
    def _application(application: Application) -> dict:
        return {
            "start_month": f"{application.start_month:%Y-%m}",
            "hours": application.hours,
            "flags": list(application.flags),
            "status": application.status,
            "applied_at": application.applied_at.isoformat(),
            "closed_at": application.closed_at.isoformat() if application.closed_at else None,
            "wishes": [w.kita.name for w in application.wishes.all()],
            "offers": [
                {
                    "kita": o.group.kita.name,
                    "month": f"{o.month:%Y-%m}",
                    "status": o.status,
                    "deadline": o.deadline.isoformat(),
                    "points": o.points,
                }
                for o in application.offers.select_related("group__kita")
            ],
        }

    def erase(self, user) -> None:
        PlaceAlert.objects.filter(user=user).delete()
        Child.objects.filter(parent=user).delete()  # applications, wishes, offers with them


class ProviderData:
    """`core.personal_data` plugin: the account's doctor-slot bookings (made while logged in)
    and the waiting-list entries under its e-mail address. Deleting the account cancels its
    bookings still ahead (the slot is free again, the waiting list hears of it) and deletes
    them all with the entries."""

    def export(self, user) -> dict:
        bookings = [
            {
                "practice": b.slot.practice.name,
                "start": b.slot.start.isoformat(),
                "minutes": b.slot.minutes,
                "name": b.name,
                "email": b.email,
                "number": b.code,
                "state": b.state,
                "booked_at": b.created_at.isoformat(),
                "cancelled_at": b.cancelled_at.isoformat() if b.cancelled_at else None,
            }
            for b in SlotBooking.objects.filter(user=user).select_related("slot__practice")
        ]
        waiting = [
            {
                "practice": e.practice.name,
                "name": e.name,
                "email": e.email,
                "joined_at": e.created_at.isoformat(),
                "told_at": e.notified_at.isoformat() if e.notified_at else None,
            }
            for e in self._waiting(user).select_related("practice")
        ]
        return {"bookings": bookings, "waiting_lists": waiting}

    @staticmethod
    def _waiting(user):
        email = (user.email or "").strip().lower()
        return WaitlistEntry.objects.filter(email=email) if email else WaitlistEntry.objects.none()

    def erase(self, user) -> None:
        now = timezone.now()
        for booking in SlotBooking.objects.filter(
            user=user, state=SlotBooking.State.BOOKED, slot__start__gt=now
        ).select_related("slot__practice__municipality"):
            providers.cancel(booking, now=now, by="resident")
        mine = SlotBooking.objects.filter(user=user)
        claims = list(mine.filter(claim__isnull=False).values_list("claim_id", flat=True))
        mine.delete()
        engine.release_dated(claims)  # bookings already past: their claims go with them
        self._waiting(user).delete()
