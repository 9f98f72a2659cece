"""On site: walk-in tickets, check-in with a booking code, the counter's call rule, and what
the waiting-room display shows. Ticket (and, for appointments, booking) states change only
through the workflow table; a call is a conditional UPDATE, so two counters never get the
same ticket."""

from __future__ import annotations

import datetime as dt
import secrets

from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from openkreis.core import event_kinds, staff
from openkreis.core import services as core

from .. import workflow
from ..errors import BookingError, TransitionNotAllowed
from ..models import AppointmentService, Booking, Branch, Counter, DayCounter, Ticket
from .common import _LOCKED, BERLIN, _event_base

APPOINTMENT_PREFIX = "T"
ON_TIME_MINUTES = 5  # an appointment holder counts as "on time" from 5 minutes before
STAFF_ROLES = (staff.Role.FRONT_DESK, staff.Role.TEAM_LEAD)


# -- numbers and tickets --------------------------------------------------------------------
def _next_number(branch: Branch, day: dt.date, prefix: str) -> str:
    DayCounter.objects.get_or_create(branch=branch, day=day, prefix=prefix)
    row = DayCounter.objects.select_for_update().get(branch=branch, day=day, prefix=prefix)
    DayCounter.objects.filter(pk=row.pk).update(last=F("last") + 1)
    row.refresh_from_db(fields=["last"])
    return f"{prefix}{row.last:03d}"


def _new_ticket(
    branch: Branch,
    service: AppointmentService,
    prefix: str,
    now: dt.datetime,
    booking: Booking | None = None,
) -> Ticket:
    """A waiting ticket with the next number of the day for `prefix` (call in a transaction:
    the day's counter row stays locked until it commits)."""
    day = now.astimezone(BERLIN).date()
    return Ticket.objects.create(
        branch=branch,
        service=service,
        booking=booking,
        number=_next_number(branch, day, prefix),
        day=day,
        token=secrets.token_urlsafe(16),
        created_at=now,
    )


def draw_ticket(
    branch: Branch, service: AppointmentService, now: dt.datetime | None = None
) -> Ticket:
    """A walk-in ticket with the next number of the day for the service's prefix."""
    now = now or timezone.now()
    if not service.walk_in or not branch.services.filter(pk=service.pk).exists():
        raise BookingError(_("This service is not offered here without an appointment."))
    with transaction.atomic():
        return _new_ticket(branch, service, service.prefix, now)


def normalise_code(code: str) -> str:
    """A booking code as typed at the kiosk (any case, with or without the dash) → stored form."""
    return "".join(ch for ch in (code or "").upper() if ch.isalnum())


def check_in(branch: Branch, code: str, now: dt.datetime | None = None) -> Ticket:
    """Check in an appointment holder with their booking code: they get a queue number."""
    now = now or timezone.now()
    code = normalise_code(code)
    with transaction.atomic():
        booking = (
            Booking.objects.select_for_update(of=_LOCKED, no_key=True)
            .select_related("branch__location")
            .filter(code=code, branch=branch)
            .first()
        )
        if booking is None or booking.state in (Booking.State.HELD, Booking.State.EXPIRED):
            raise BookingError(_("We cannot find an appointment with this code at this location."))
        if booking.state == Booking.State.CHECKED_IN:
            return booking.ticket
        workflow.check(booking, Booking.State.CHECKED_IN, _("This appointment is no longer valid."))
        day = now.astimezone(BERLIN).date()
        if booking.start.astimezone(BERLIN).date() != day:
            raise BookingError(
                _("Your appointment is on %(day)s. Check-in is only possible on that day.")
                % {"day": booking.start.astimezone(BERLIN).strftime("%d.%m.%Y")}
            )
        ticket = _new_ticket(
            branch,
            booking.services.order_by("position").first(),
            APPOINTMENT_PREFIX,
            now,
            booking=booking,
        )
        workflow.move(booking, Booking.State.CHECKED_IN, now=now)
        core.record_event(
            event_kinds.APPOINTMENT_CHECKED_IN,
            subject=f"appointment:{booking.pk}",
            data={
                **_event_base(booking),
                "early_minutes": int((booking.start - now).total_seconds() // 60),
            },
            occurred_at=now,
        )
    return ticket


def _ticket_event(ticket: Ticket) -> tuple[str, dict]:
    if ticket.booking_id:
        booking = ticket.booking
        return f"appointment:{booking.pk}", _event_base(booking)
    return f"ticket:{ticket.pk}", {
        "location": ticket.branch.location.key,
        "services": [ticket.service.key],
        "kind": "walk_in",
    }


def _booking_follows(ticket: Ticket, now: dt.datetime) -> None:
    """An appointment's booking takes the state its ticket just took (workflow table)."""
    target = workflow.BOOKING_FOLLOWS_TICKET.get(ticket.state)
    if target is not None and ticket.booking_id:
        workflow.move(ticket.booking, target, now=now)


# -- the counter ----------------------------------------------------------------------------
def counters_for(user):
    """Counters the user may work at: those of branches whose location belongs to one of
    the user's front-desk (or team-lead) units."""
    units = staff.unit_ids_for(user, STAFF_ROLES)
    return (
        Counter.objects.filter(active=True, branch__location__units__id__in=units)
        .select_related("branch__location")
        .distinct()
        .order_by("branch__location__name", "label")
    )


def waiting(counter: Counter, now: dt.datetime | None = None):
    """The waiting tickets this counter may call, in the order `call_next` takes them:
    transferred to this counter first, then appointments on time (by slot), then walk-ins
    by waiting time, then appointment holders who came early."""
    now = now or timezone.now()
    day = now.astimezone(BERLIN).date()
    services = list(counter.services.values_list("pk", flat=True))
    qs = (
        Ticket.objects.filter(
            branch=counter.branch, day=day, state=Ticket.State.WAITING, service_id__in=services
        )
        .filter(Q(target_counter__isnull=True) | Q(target_counter=counter))
        .select_related("booking", "service")
    )
    on_time = now + dt.timedelta(minutes=ON_TIME_MINUTES)

    def rank(ticket: Ticket):
        if ticket.target_counter_id == counter.pk:
            return (0, ticket.created_at)
        if ticket.booking_id and ticket.booking.start <= on_time:
            return (1, ticket.booking.start)
        if not ticket.booking_id:
            return (2, ticket.created_at)
        return (3, ticket.booking.start)

    return sorted(qs, key=rank)


def call_next(counter: Counter, now: dt.datetime | None = None) -> Ticket | None:
    """Call the next ticket by rule (see `waiting`); two counters never get the same one."""
    now = now or timezone.now()
    for candidate in waiting(counter, now):
        with transaction.atomic():
            try:
                # waiting → called only while the row is still waiting (a conditional UPDATE)
                workflow.move(candidate, Ticket.State.CALLED, now=now, counter=counter)
            except TransitionNotAllowed:
                continue  # another counter was faster
            _booking_follows(candidate, now)
            ticket = Ticket.objects.select_related(
                "booking__branch__location", "branch__location", "service"
            ).get(pk=candidate.pk)
            subject, data = _ticket_event(ticket)
            if ticket.call_count == 1:
                core.record_event(
                    event_kinds.APPOINTMENT_CALLED,
                    subject=subject,
                    data={
                        **data,
                        "wait_seconds": int((now - ticket.created_at).total_seconds()),
                        "counter": counter.label,
                    },
                    occurred_at=now,
                )
            return ticket
    return None


def current_ticket(counter: Counter) -> Ticket | None:
    """The ticket called at this counter now, if any (the newest call)."""
    return (
        Ticket.objects.filter(counter=counter, state=Ticket.State.CALLED)
        .select_related("booking", "service")
        .order_by("-called_at")
        .first()
    )


def _counter_ticket(counter: Counter, ticket_id: int) -> Ticket:
    ticket = (
        Ticket.objects.select_related("booking__branch__location", "branch__location", "service")
        .filter(pk=ticket_id, counter=counter, state=Ticket.State.CALLED)
        .first()
    )
    if ticket is None:
        raise BookingError(_("This ticket is not called at your counter."))
    return ticket


def recall(counter: Counter, ticket_id: int, now: dt.datetime | None = None) -> Ticket:
    """Show the number again on the display (with the cue)."""
    now = now or timezone.now()
    ticket = _counter_ticket(counter, ticket_id)
    # Not a state change (the ticket stays called): only the display's cue moves.
    Ticket.objects.filter(pk=ticket.pk).update(shown_at=now, call_count=F("call_count") + 1)
    ticket.refresh_from_db()
    return ticket


def _close(counter: Counter, ticket_id: int, target: str, now: dt.datetime | None) -> Ticket:
    """End a call at this counter: served or no-show. One path for both, so that the two
    outcomes cannot drift apart; only the event differs."""
    now = now or timezone.now()
    with transaction.atomic():
        ticket = _counter_ticket(counter, ticket_id)
        workflow.move(ticket, target, now=now)
        _booking_follows(ticket, now)
        subject, data = _ticket_event(ticket)
        # Each kind named where it is written: core's event-kind check reads these calls.
        if target == Ticket.State.SERVED:
            seconds = int((now - ticket.called_at).total_seconds())
            core.record_event(
                event_kinds.APPOINTMENT_SERVED,
                subject=subject,
                data={**data, "service_seconds": seconds},
                occurred_at=now,
            )
        else:
            core.record_event(
                event_kinds.APPOINTMENT_NO_SHOW, subject=subject, data=data, occurred_at=now
            )
    return ticket


def finish(counter: Counter, ticket_id: int, now: dt.datetime | None = None) -> Ticket:
    """The visitor was served."""
    return _close(counter, ticket_id, Ticket.State.SERVED, now)


def no_show(counter: Counter, ticket_id: int, now: dt.datetime | None = None) -> Ticket:
    """Called, but nobody came."""
    return _close(counter, ticket_id, Ticket.State.NO_SHOW, now)


def transfer(
    counter: Counter, ticket_id: int, target: Counter, now: dt.datetime | None = None
) -> Ticket:
    """Send the visitor to another counter of the same branch: back in the queue, first
    in line there."""
    now = now or timezone.now()
    if target.branch_id != counter.branch_id or target.pk == counter.pk or not target.active:
        raise BookingError(_("Choose another counter of this location."))
    with transaction.atomic():
        ticket = _counter_ticket(counter, ticket_id)
        if not target.services.filter(pk=ticket.service_id).exists():
            raise BookingError(_("That counter does not serve this service."))
        workflow.move(ticket, Ticket.State.WAITING, now=now, target_counter=target, counter=None)
        _booking_follows(ticket, now)  # nothing today: the booking stays called
        subject, data = _ticket_event(ticket)
        core.record_event(
            event_kinds.APPOINTMENT_TRANSFERRED,
            subject=subject,
            data={**data, "counter": target.label},
            occurred_at=now,
        )
    return ticket


# -- the waiting-room display ---------------------------------------------------------------
def display_state(branch: Branch, now: dt.datetime | None = None, limit: int = 6) -> dict:
    """What the waiting-room screen shows: the numbers called now, newest first, and a
    version string that changes with every call or recall (the page's cue)."""
    now = now or timezone.now()
    day = now.astimezone(BERLIN).date()
    called = (
        Ticket.objects.filter(branch=branch, day=day, state=Ticket.State.CALLED)
        .select_related("counter")
        .order_by("-shown_at")[:limit]
    )
    calls = [
        {
            "number": t.number,
            "counter": t.counter.label if t.counter else "",
            "called_at": t.shown_at.isoformat() if t.shown_at else "",
        }
        for t in called
    ]
    waiting_count = Ticket.objects.filter(
        branch=branch, day=day, state=Ticket.State.WAITING
    ).count()
    version = "|".join(f"{c['number']}@{c['called_at']}" for c in calls[:1]) or "none"
    return {"version": version, "calls": calls, "waiting": waiting_count}
