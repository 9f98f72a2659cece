"""Holding, confirming, cancelling and moving an appointment, the fairness limit, and the
hourly tidy-up (expired holds, no-shows). Every state change goes through the workflow table
(`openkreis.appointments.workflow`); no double booking is the database's job (SlotClaim)."""

from __future__ import annotations

import contextlib
import datetime as dt
import hashlib
import secrets

from django.db import DatabaseError, IntegrityError, connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from psycopg import ClientCursor

from openkreis.core import event_kinds
from openkreis.core import services as core

from .. import workflow
from ..errors import BookingError, HoldNotFound, LimitReached, SlotTaken, TransitionNotAllowed
from ..models import AppointmentService, Booking, Branch, Counter, SlotClaim
from .common import _LOCKED, BERLIN, _event_base
from .config import services_of, total_minutes, with_branch
from .notify import after_booked, confirmation_due
from .slots import _check

CODE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"
# Appointments that still lie ahead of the citizen: they count against the fairness limit
# and are listed on "my appointments".
UPCOMING = (Booking.State.BOOKED, Booking.State.CHECKED_IN)


def _new_code() -> str:
    return "".join(secrets.choice(CODE_ALPHABET) for _ in range(8))


def _expire(holds: list[Booking]) -> None:
    """Holds the caller has locked run out: they give their cells back at once."""
    for booking in holds:
        workflow.move(booking, Booking.State.EXPIRED)
    SlotClaim.objects.filter(booking__in=holds).delete()


def _claim(booking: Booking | None, counter: Counter, cells: list[dt.datetime], now) -> bool:
    """Insert the claim rows for `booking` on `counter`; False if any cell is taken.
    A lost race leaves the outer transaction usable (no error reaches it). The one
    claim of the engine: a dated slot of a private resource (claim_dated) comes here too,
    with no booking. The insert is tried first (one statement when the cells are free, as
    nearly always); only when a cell is claimed are expired holds looked for and taken back."""
    if _insert_free(booking, counter, cells):
        return True
    try:
        with transaction.atomic():
            candidates = SlotClaim.objects.filter(
                counter=counter,
                start__in=cells,
                booking__state=Booking.State.HELD,
                booking__hold_expires_at__lte=now,
            ).values_list("booking_id", flat=True)
            # Lock the expired holds before taking their cells: a citizen confirming one
            # of them at this moment holds the same row lock, and whoever gets it first
            # decides; the other sees the new state and leaves the cells alone.
            stale = list(
                Booking.objects.select_for_update(no_key=True).filter(
                    pk__in=list(candidates),
                    state=Booking.State.HELD,
                    hold_expires_at__lte=now,
                )
            )
            if not stale:  # taken by a live hold or a booking: another booker was faster
                return False
            _expire(stale)  # expired holds give their cells back
            SlotClaim.objects.bulk_create(
                [SlotClaim(counter=counter, start=c, booking=booking) for c in cells]
            )
        return True
    except IntegrityError:
        return False


# The claim rows of a booking in one round trip on PostgreSQL: the savepoint, the INSERT and
# its release sent as one query string (Django's psycopg cursor binds parameters on the
# client, so several statements may go together). A taken cell fails the INSERT as a whole and
# the savepoint is rolled back at once: nothing of a lost race stays behind to make another
# booker wait until this transaction ends.
_INSERT_CLAIMS_SQL = (
    "SAVEPOINT openkreis_claim; "
    "INSERT INTO appointments_slotclaim (counter_id, start, booking_id) "
    "SELECT %s, cell, %s FROM unnest(%s::timestamptz[]) AS cell; "
    "RELEASE SAVEPOINT openkreis_claim"
)
_UNDO_CLAIMS_SQL = "ROLLBACK TO SAVEPOINT openkreis_claim; RELEASE SAVEPOINT openkreis_claim"


def _insert_free(booking: Booking | None, counter: Counter, cells: list[dt.datetime]) -> bool:
    """Insert the claims of `cells` on `counter` if all of them are free; False (and nothing
    inserted, the caller's transaction usable) if any is taken: one round trip on PostgreSQL
    instead of three (savepoint, the ORM's insert, release), elsewhere the ORM's insert in a
    savepoint. Either way the unique (counter, start) decides."""
    if connection.vendor == "postgresql" and connection.in_atomic_block:
        booking_id = booking.pk if booking is not None else None
        with connection.cursor() as cur:
            if isinstance(cur.cursor, ClientCursor):
                try:
                    cur.execute(_INSERT_CLAIMS_SQL, [counter.pk, booking_id, cells])
                    return True
                except IntegrityError:
                    cur.execute(_UNDO_CLAIMS_SQL)
                    return False
                except DatabaseError:
                    # a lock timeout or a cancelled query: leave the caller's transaction as
                    # the ORM's savepoint would (usable), then let the error go on
                    with contextlib.suppress(DatabaseError):
                        cur.execute(_UNDO_CLAIMS_SQL)
                    raise
    try:
        with transaction.atomic():
            SlotClaim.objects.bulk_create(
                [SlotClaim(counter=counter, start=c, booking=booking) for c in cells]
            )
        return True
    except IntegrityError:
        return False


def _claim_any(booking: Booking, counters: list[Counter], cells: list[dt.datetime], now) -> Counter:
    """Claim `cells` on the first of `counters` (those that were free when the day was read)
    that still has them free; SlotTaken when none has (another booker was faster)."""
    for counter in counters:
        if _claim(booking, counter, cells, now):
            return counter
    raise SlotTaken(_("This slot has just been taken. Please choose another one."))


def hold(
    branch: Branch,
    services: list[AppointmentService],
    start: dt.datetime,
    now: dt.datetime | None = None,
) -> Booking:
    """Hold a slot for a few minutes (branch.hold_minutes) while the citizen types their
    name and e-mail. The hold claims the cells in the database, so it is exclusive; if it
    is not confirmed in time, the next booker's claim takes the cells back. The day is read
    once (check and claim share it), and only counters that were free then are tried."""
    now = now or timezone.now()
    _slot, day = _check(branch, services, start, now)
    counters = day.free_counters(start)
    minutes = total_minutes(services)
    with transaction.atomic():
        booking = Booking.objects.create(
            code=_new_code(),
            hold_key=secrets.token_urlsafe(24),
            branch=branch,
            counter=counters[0],
            service_keys=[s.key for s in services],
            start=start,
            end=start + dt.timedelta(minutes=minutes),
            minutes=minutes,
            state=Booking.State.HELD,  # a booking starts as a hold (the workflow's first row)
            hold_expires_at=now + dt.timedelta(minutes=branch.hold_minutes),
            created_at=now,
        )
        # a new booking has no services yet: one INSERT (services.set reads them first)
        Booking.services.through.objects.bulk_create(
            [Booking.services.through(booking=booking, appointmentservice=s) for s in services]
        )
        counter = _claim_any(booking, counters, day.cells(start), now)
        if counter.pk != booking.counter_id:
            Booking.objects.filter(pk=booking.pk).update(counter=counter)
            booking.counter = counter
        return booking


def release_hold(hold_key: str) -> None:
    """Give a held slot back at once (the citizen chose another one)."""
    with transaction.atomic():
        booking = (
            Booking.objects.select_for_update()
            .filter(hold_key=hold_key, state=Booking.State.HELD)
            .first()
        )
        if booking is not None:
            _expire([booking])


def normalise_email(email: str) -> str:
    """An e-mail address as the fairness limit compares it (trimmed, lower case)."""
    return (email or "").strip().lower()


def confirm(
    hold_key: str,
    name: str,
    email: str,
    user=None,
    now: dt.datetime | None = None,
) -> Booking:
    """Turn a hold into a booking: check the hold is still ours and in time, apply the
    fairness limit per e-mail and service, record `appointment.booked`, send the
    confirmation e-mail with an .ics file and the cancel/reschedule link."""
    now = now or timezone.now()
    email = normalise_email(email)
    name = (name or "").strip()
    if not name or not email:
        raise BookingError(_("Please give your name and e-mail address."))
    with transaction.atomic():
        try:  # hold_key is unique: get() reads without the ORDER BY that first() would add
            booking = with_branch(
                Booking.objects.select_for_update(no_key=True).get(hold_key=hold_key)
            )
        except Booking.DoesNotExist:
            raise HoldNotFound(
                _("This reservation does not exist. Please choose a slot again.")
            ) from None
        if booking.state == Booking.State.BOOKED:
            return booking  # a double click or a retried request
        # Only a hold becomes a booking; refuse before the limit is checked, as ever.
        workflow.check(
            booking,
            Booking.State.BOOKED,
            _("Your reservation has expired. Please choose a slot again."),
        )
        if booking.hold_expires_at <= now and not _reclaim(booking, now):
            raise SlotTaken(
                _("Your reservation has expired and the slot is taken. Please choose another one.")
            )
        _check_limits(booking, email, now)
        workflow.move(
            booking,
            Booking.State.BOOKED,
            now=now,
            name=name,
            email=email,
            user=user if getattr(user, "is_authenticated", False) else None,
            **confirmation_due(now),
        )
        _booked(booking, now)
    return booking


def _booked(booking: Booking, now) -> None:
    """The booked event (confirmation or move); the caller has marked the confirmation
    e-mail due in the same transaction (notify.confirmation_due)."""
    core.record_event(
        event_kinds.APPOINTMENT_BOOKED,
        subject=f"appointment:{booking.pk}",
        data={
            **_event_base(booking),
            "slot_start": booking.start.isoformat(),
            "lead_days": (
                booking.start.astimezone(BERLIN).date() - now.astimezone(BERLIN).date()
            ).days,
            "minutes": booking.minutes,
        },
        occurred_at=now,
    )
    transaction.on_commit(lambda: after_booked(booking))


def _cancelled(booking: Booking, by: str, now) -> None:
    """The cancelled event: a cancellation, or the old slot of a move."""
    core.record_event(
        event_kinds.APPOINTMENT_CANCELLED,
        subject=f"appointment:{booking.pk}",
        data={**_event_base(booking), "by": by},
        occurred_at=now,
    )


def _reclaim(booking: Booking, now) -> bool:
    """An expired hold whose cells nobody took yet may still be confirmed."""
    return (
        not SlotClaim.objects.filter(
            counter=booking.counter, start__in=list(booking.claims.values_list("start", flat=True))
        )
        .exclude(booking=booking)
        .exists()
        and booking.claims.exists()
    )


_LOCK_SQL = "SELECT pg_advisory_xact_lock(%s)"


def _lock_key(email: str) -> int:
    return int.from_bytes(
        hashlib.blake2b(email.encode(), digest_size=8).digest(), "big", signed=True
    )


# The upcoming appointments of one e-mail address per service (the fairness limit), for all
# services of a booking in one statement (the index on email and state finds the rows); the
# ORM took longer to build one count per service than PostgreSQL to answer it (issue 26).
_UPCOMING_SQL = (
    "SELECT bs.appointmentservice_id, COUNT(*) FROM appointments_booking b "
    "JOIN appointments_booking_services bs ON bs.booking_id = b.id "
    "WHERE b.email = %s AND b.state IN ({states}) AND b.start >= %s AND b.id <> %s "
    "AND bs.appointmentservice_id IN ({services}) GROUP BY bs.appointmentservice_id"
)


def _upcoming_per_service(booking: Booking, email: str, services, now) -> dict[int, int]:
    """Count after taking the address's lock: confirmations for one e-mail address one after
    the other (a transaction-scoped advisory lock on PostgreSQL), so that two at once cannot
    both pass the limit; SQLite lets one writer in at a time anyway. On PostgreSQL the lock
    and the count go in one round trip: two statements in one query string, each with a
    snapshot of its own (READ COMMITTED), so the count sees what the lock waited for."""
    states, ids = [str(s) for s in UPCOMING], [s.pk for s in services] or [0]
    sql = _UPCOMING_SQL.format(
        states=", ".join(["%s"] * len(states)), services=", ".join(["%s"] * len(ids))
    )
    params = [email, *states, connection.ops.adapt_datetimefield_value(now), booking.pk, *ids]
    with connection.cursor() as cur:
        if connection.vendor == "postgresql":
            if isinstance(cur.cursor, ClientCursor):
                cur.execute(f"{_LOCK_SQL}; {sql}", [_lock_key(email), *params])
                cur.nextset()  # the count's rows
                return dict(cur.fetchall())
            cur.execute(_LOCK_SQL, [_lock_key(email)])
        cur.execute(sql, params)
        return dict(cur.fetchall())


def _check_limits(booking: Booking, email: str, now) -> None:
    services = services_of(booking)
    counts = _upcoming_per_service(booking, email, services, now)
    for service in services:
        count = counts.get(service.pk, 0)
        if count >= service.max_per_email:
            raise LimitReached(
                _(
                    "This e-mail address already has %(n)s upcoming appointment(s) for "
                    "%(service)s. Please cancel it first or choose it again after the visit."
                )
                % {"n": count, "service": service.display_name}
            )


def _locked(booking: Booking) -> Booking:
    """The booking read again under a row lock, so that its state cannot change under us."""
    return (
        Booking.objects.select_for_update(of=_LOCKED, no_key=True)
        .select_related("branch__location")
        .get(pk=booking.pk)
    )


def cancel(booking: Booking, by: str = "citizen", now: dt.datetime | None = None) -> Booking:
    """Cancel a booking and free its slot at once."""
    now = now or timezone.now()
    with transaction.atomic():
        booking = _locked(booking)
        if booking.state == Booking.State.CANCELLED:
            return booking
        workflow.move(
            booking,
            Booking.State.CANCELLED,
            now=now,
            message=_("This appointment can no longer be cancelled."),
        )
        booking.claims.all().delete()
        _cancelled(booking, by, now)
    return booking


def reschedule(booking: Booking, start: dt.datetime, now: dt.datetime | None = None) -> Booking:
    """Move a booking to another free slot at the same branch, all or nothing: the old
    slot is only given up when the new one is claimed. Recorded as a cancellation of the
    old slot and a booking of the new one."""
    now = now or timezone.now()
    with transaction.atomic():
        booking = _locked(booking)
        # Not a state change (booked stays booked): only a booking may be moved.
        if booking.state != Booking.State.BOOKED:
            raise BookingError(_("This appointment can no longer be changed."))
        services = services_of(booking)
        _slot, day = _check(booking.branch, services, start, now, exclude_booking=booking)
        booking.claims.all().delete()
        counter = _claim_any(booking, day.free_counters(start), day.cells(start), now)
        _cancelled(booking, "citizen", now)
        booking.counter = counter
        booking.start, booking.end = start, start + dt.timedelta(minutes=booking.minutes)
        booking.reminded_at = None
        due = confirmation_due(now)
        for name, value in due.items():
            setattr(booking, name, value)
        booking.save(update_fields=["counter", "start", "end", "reminded_at", *due])
        _booked(booking, now)
    return booking


def bookings_for_user(user):
    """A logged-in citizen's appointments still ahead (or begun in the last 12 hours)."""
    return (
        Booking.objects.filter(user=user, state__in=UPCOMING)
        .filter(start__gte=timezone.now() - dt.timedelta(hours=12))
        .select_related("branch__location")
        .order_by("start")
    )


# -- the hourly tidy-up ---------------------------------------------------------------------
def record_no_shows(now: dt.datetime | None = None) -> int:
    """Bookings nobody checked in for by start + no_show_minutes become no-shows."""
    now = now or timezone.now()
    count = 0
    due = Booking.objects.filter(state=Booking.State.BOOKED, start__lt=now).select_related(
        "branch__location"
    )
    for booking in due:
        if booking.start + dt.timedelta(minutes=booking.branch.no_show_minutes) > now:
            continue
        with transaction.atomic():
            try:
                workflow.move(booking, Booking.State.NO_SHOW, now=now)
            except TransitionNotAllowed:
                continue  # checked in or cancelled since it was read
            core.record_event(
                event_kinds.APPOINTMENT_NO_SHOW,
                subject=f"appointment:{booking.pk}",
                data=_event_base(booking),
                occurred_at=now,
            )
        count += 1
    return count


def expire_holds(now: dt.datetime | None = None) -> int:
    """Tidy holds past their time (their cells count as free already). Each hold is locked
    first, so a citizen confirming it at this very moment keeps it."""
    now = now or timezone.now()
    with transaction.atomic():
        holds = list(
            Booking.objects.select_for_update().filter(
                state=Booking.State.HELD, hold_expires_at__lte=now
            )
        )
        _expire(holds)
    return len(holds)
