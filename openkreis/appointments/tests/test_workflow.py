"""The workflow table: every allowed move works and sets its fields, every other one is
refused with the app's domain error (never a 500), and a move is conditional, so a copy
read before somebody else's move cannot move the row again."""

import datetime as dt
import re
from pathlib import Path

import pytest
from django.utils import timezone

from openkreis.appointments import services, workflow
from openkreis.appointments.errors import BookingError, TransitionNotAllowed
from openkreis.appointments.models import Booking, Counter, Ticket
from openkreis.core.models import Event

from .factories import BookingFactory, TicketFactory
from .helpers import booked_today, office_morning
from .helpers import service as svc

B, T = Booking.State, Ticket.State
TABLE = workflow.ALLOWED_STATUS_CHANGES


def moves(allowed: bool) -> list:
    """(model, from, to) of every pair the table allows (or refuses), named for the test ids."""
    return [
        pytest.param(model, source, target, id=f"{model.__name__}:{source}->{target}")
        for model in (Booking, Ticket)
        for source in model.State.values
        for target in model.State.values
        if (target in TABLE[model][source]) == allowed
    ]


def stamps(model, target, now) -> dict:
    """The fields the table says `target` sets, as they must read after the move."""
    return {
        name: now if value is workflow.NOW else value
        for name, value in workflow.ON_ENTER[model].get(target, {}).items()
        if not hasattr(value, "resolve_expression")
    }


@pytest.mark.parametrize("model", [Booking, Ticket])
def test_the_table_names_every_state_and_nothing_else(model):
    states = set(model.State.values)
    assert set(TABLE[model]) == states
    assert all(set(targets) <= states for targets in TABLE[model].values())
    assert set(workflow.ON_ENTER[model]) <= states
    for fields in workflow.ON_ENTER[model].values():
        assert all(hasattr(model, name) for name in fields)


def test_every_follow_of_a_ticket_is_an_allowed_booking_move():
    # the booking's state when its ticket moves: checked in while the first call is made,
    # called ever after (a transfer leaves it called)
    before = {T.CALLED: (B.CHECKED_IN, B.CALLED), T.SERVED: (B.CALLED,), T.NO_SHOW: (B.CALLED,)}
    ticket_from = {T.CALLED: T.WAITING, T.SERVED: T.CALLED, T.NO_SHOW: T.CALLED}
    assert set(workflow.BOOKING_FOLLOWS_TICKET) == set(before)
    for ticket_target, booking_target in workflow.BOOKING_FOLLOWS_TICKET.items():
        assert workflow.allowed(Ticket, ticket_from[ticket_target], ticket_target)
        for source in before[ticket_target]:
            assert workflow.allowed(Booking, source, booking_target), (source, booking_target)


# -- every move ----------------------------------------------------------------------------
def a_booking(state):
    expires = timezone.now() + dt.timedelta(minutes=10) if state == B.HELD else None
    return BookingFactory(state=state, hold_expires_at=expires)


def a_ticket(state):
    return TicketFactory(state=state, call_count=0 if state == T.WAITING else 1)


MAKE = {Booking: a_booking, Ticket: a_ticket}


@pytest.mark.parametrize("model,source,target", moves(allowed=True))
def test_every_allowed_move_works(db, model, source, target):
    obj = MAKE[model](source)
    calls = getattr(obj, "call_count", 0)
    now = timezone.now().replace(microsecond=0)
    workflow.move(obj, target, now=now)
    assert obj.state == target
    row = model.objects.get(pk=obj.pk)
    assert row.state == target
    for name, value in stamps(model, target, now).items():
        assert getattr(row, name) == getattr(obj, name) == value, name
    if model is Ticket:
        assert row.call_count == obj.call_count == calls + (target == T.CALLED)  # every call


@pytest.mark.parametrize("model,source,target", moves(allowed=False))
def test_every_other_move_is_refused_with_the_domain_error(db, model, source, target):
    obj = MAKE[model](source)
    with pytest.raises(BookingError):
        workflow.move(obj, target)
    assert model.objects.get(pk=obj.pk).state == source


# -- conditional moves ----------------------------------------------------------------------
@pytest.mark.parametrize(
    "make,source,target",
    [
        pytest.param(lambda: TicketFactory(), T.WAITING, T.CALLED, id="two counters call"),
        pytest.param(lambda: BookingFactory(), B.BOOKED, B.NO_SHOW, id="no-show run"),
        pytest.param(lambda: BookingFactory(), B.BOOKED, B.CANCELLED, id="cancel twice"),
    ],
)
def test_a_copy_read_before_another_move_cannot_move_again(db, make, source, target):
    obj = make()
    model = type(obj)
    first, second = model.objects.get(pk=obj.pk), model.objects.get(pk=obj.pk)
    assert first.state == second.state == source
    workflow.move(first, target)
    with pytest.raises(TransitionNotAllowed):
        workflow.move(second, target)
    assert model.objects.get(pk=obj.pk).state == target


# -- the services use the table -------------------------------------------------------------
SERVICES_DIR = Path(services.__file__).parent


def test_no_service_writes_a_state_itself():
    """States change in workflow.move only: no assignment to .state, no update(state=…)."""
    for path in SERVICES_DIR.glob("*.py"):
        text = path.read_text()
        assert not re.search(r"\.state\s*=(?!=)", text), path.name
        assert not re.search(r"\.update\([^)]*\bstate\s*=", text, re.S), path.name


@pytest.mark.parametrize(
    "state,step",
    [
        (B.SERVED, lambda b: services.cancel(b)),
        (B.NO_SHOW, lambda b: services.cancel(b)),
        (B.CHECKED_IN, lambda b: services.cancel(b)),
        (B.CANCELLED, lambda b: services.reschedule(b, b.start)),
        (B.CANCELLED, lambda b: services.check_in(b.branch, b.code, b.start)),
        (B.SERVED, lambda b: services.check_in(b.branch, b.code, b.start)),
        (B.EXPIRED, lambda b: services.confirm(b.hold_key, "Erika", "e@example.org")),
        (B.CANCELLED, lambda b: services.confirm(b.hold_key, "Erika", "e@example.org")),
    ],
    ids=lambda v: v if isinstance(v, str) else "",
)
def test_services_refuse_steps_the_table_forbids_with_the_domain_error(db, state, step):
    booking = a_booking(state)
    with pytest.raises(BookingError):
        step(booking)
    booking.refresh_from_db()
    assert booking.state == state


def test_a_forbidden_step_through_the_pages_is_a_400_not_a_500(client, db):
    booking = a_booking(B.CHECKED_IN)
    response = client.post(f"/termine/termin/{services.manage_token(booking)}/absagen/")
    assert response.status_code == 400
    assert "nicht mehr abgesagt" in response.content.decode()
    booking.refresh_from_db()
    assert booking.state == B.CHECKED_IN


@pytest.mark.parametrize(
    "step,ticket_state,booking_state,kind",
    [
        (services.finish, T.SERVED, B.SERVED, "appointment.served"),
        (services.no_show, T.NO_SHOW, B.NO_SHOW, "appointment.no_show"),
    ],
)
def test_finish_and_no_show_close_ticket_and_booking_alike(
    halberstadt, step, ticket_state, booking_state, kind
):
    now = office_morning()
    umtausch = svc("fuehrerschein-umtausch")
    counter = Counter.objects.get(branch=halberstadt, label="Schalter 1")
    booking = booked_today(halberstadt, umtausch, now + dt.timedelta(minutes=2))
    services.check_in(halberstadt, booking.code, now - dt.timedelta(minutes=1))
    called = services.call_next(counter, now)
    closed = step(counter, called.pk, now + dt.timedelta(minutes=5))
    assert closed.state == ticket_state and closed.done_at == now + dt.timedelta(minutes=5)
    booking.refresh_from_db()
    assert booking.state == booking_state
    event = Event.objects.filter(kind=kind).latest("id")
    assert event.subject == f"appointment:{booking.pk}"
    with pytest.raises(BookingError):
        step(counter, called.pk, now)  # closed already: not called at this counter any more


def test_a_transferred_appointment_is_called_again_at_the_other_counter(halberstadt):
    now = office_morning()
    umtausch = svc("fuehrerschein-umtausch")
    counter1 = Counter.objects.get(branch=halberstadt, label="Schalter 1")
    counter3 = Counter.objects.get(branch=halberstadt, label="Schalter 3")
    booking = booked_today(halberstadt, umtausch, now + dt.timedelta(minutes=2))
    ticket = services.check_in(halberstadt, booking.code, now - dt.timedelta(minutes=1))
    services.call_next(counter1, now)
    services.transfer(counter1, ticket.pk, counter3, now)
    booking.refresh_from_db()
    assert booking.state == B.CALLED  # stays called while the ticket waits again
    again = services.call_next(counter3, now + dt.timedelta(minutes=1))
    assert again.pk == ticket.pk and again.call_count == 2 and again.counter == counter3
    booking.refresh_from_db()
    assert booking.state == B.CALLED
    calls = Event.objects.filter(kind="appointment.called", subject=f"appointment:{booking.pk}")
    assert calls.count() == 1  # the waiting time ends once: the second call records no event
