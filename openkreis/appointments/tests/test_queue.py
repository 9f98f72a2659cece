"""On site: kiosk tickets, check-in, the counter's call rule, transfer, the display."""

import datetime as dt

import pytest
from django.utils import timezone

from openkreis.appointments import services
from openkreis.appointments.models import Counter, Ticket
from openkreis.core.models import Event

from .helpers import booked_today, office_morning
from .helpers import service as svc


def test_call_next_rule_transfer_recall_done_no_show(halberstadt):
    now = office_morning()
    umtausch = svc("fuehrerschein-umtausch")
    counter1 = Counter.objects.get(branch=halberstadt, label="Schalter 1")
    counter3 = Counter.objects.get(branch=halberstadt, label="Schalter 3")
    walk1 = services.draw_ticket(halberstadt, umtausch, now - dt.timedelta(minutes=20))
    walk2 = services.draw_ticket(halberstadt, umtausch, now - dt.timedelta(minutes=10))
    on_time = booked_today(halberstadt, umtausch, now + dt.timedelta(minutes=2))
    early = booked_today(
        halberstadt, umtausch, now + dt.timedelta(minutes=90), email="e@example.org"
    )
    t_on_time = services.check_in(
        halberstadt, services.format_code(on_time.code).lower(), now - dt.timedelta(minutes=1)
    )
    t_early = services.check_in(halberstadt, early.code, now - dt.timedelta(minutes=30))
    assert walk1.number == "F001" and walk2.number == "F002" and t_on_time.number.startswith("T")
    order = [t.pk for t in services.waiting(counter1, now)]
    assert order == [t_on_time.pk, walk1.pk, walk2.pk, t_early.pk]

    called = services.call_next(counter1, now)
    assert called.pk == t_on_time.pk
    event = Event.objects.filter(kind="appointment.called").latest("id")
    assert event.subject == f"appointment:{on_time.pk}" and event.data["counter"] == "Schalter 1"
    assert event.data["kind"] == "booking" and event.data["wait_seconds"] == 60
    services.recall(counter1, called.pk, now + dt.timedelta(seconds=30))
    assert services.display_state(halberstadt, now)["calls"][0]["number"] == called.number
    services.finish(counter1, called.pk, now + dt.timedelta(minutes=5))
    served = Event.objects.filter(kind="appointment.served").latest("id")
    assert served.data["service_seconds"] == 300

    walk = services.call_next(counter1, now)
    assert walk.pk == walk1.pk
    walk_event = Event.objects.filter(kind="appointment.called").latest("id")
    assert walk_event.subject == f"ticket:{walk1.pk}" and walk_event.data["kind"] == "walk_in"
    services.transfer(counter1, walk.pk, counter3, now)
    assert Event.objects.filter(kind="appointment.transferred", data__counter="Schalter 3").exists()
    assert services.call_next(counter3, now).pk == walk1.pk  # first in line there
    assert services.call_next(counter1, now).pk == walk2.pk
    services.no_show(counter1, walk2.pk, now)
    assert Ticket.objects.get(pk=walk2.pk).state == "no_show"
    with pytest.raises(services.BookingError):
        services.finish(counter1, walk1.pk, now)  # called at counter 3, not here


def test_two_counters_never_call_the_same_ticket(halberstadt):
    umtausch = svc("fuehrerschein-umtausch")
    ticket = services.draw_ticket(halberstadt, umtausch)
    c1 = Counter.objects.get(branch=halberstadt, label="Schalter 1")
    c3 = Counter.objects.get(branch=halberstadt, label="Schalter 3")
    assert services.call_next(c1).pk == ticket.pk
    assert services.call_next(c3) is None


def test_check_in_refuses_wrong_day_and_unknown_code(halberstadt):
    umtausch = svc("fuehrerschein-umtausch")
    tomorrow = booked_today(halberstadt, umtausch, timezone.now() + dt.timedelta(days=1, hours=1))
    with pytest.raises(services.BookingError, match="only possible on that day|nur an diesem Tag"):
        services.check_in(halberstadt, tomorrow.code)
    with pytest.raises(services.BookingError):
        services.check_in(halberstadt, "NOPE-NOPE")
