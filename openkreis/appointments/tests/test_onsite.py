"""On site: kiosk tickets, check-in, the counter's call rule, the display, staff authorisation."""

import datetime as dt

import pytest
from django.utils import timezone

from openkreis.appointments import services
from openkreis.appointments.models import AppointmentService, Booking, Branch, Counter, Ticket
from openkreis.core.models import Event
from openkreis.core.testing import login_staff, make_staff


@pytest.fixture
def halberstadt(db):
    return Branch.objects.get(location__key="lra-halberstadt")


def svc(key):
    return AppointmentService.objects.get(key=key)


def booked_today(branch, service, start, email="t@example.org"):
    """A booking for today (placed directly: the lead time forbids booking it online now)."""
    booking = Booking.objects.create(
        code=services._new_code(),
        hold_key=services.secrets.token_urlsafe(8),
        branch=branch,
        counter=branch.counters.filter(services=service).first(),
        service_keys=[service.key],
        start=start,
        end=start + dt.timedelta(minutes=service.minutes),
        minutes=service.minutes,
        state=Booking.State.BOOKED,
        name="Test",
        email=email,
    )
    booking.services.set([service])
    return booking


def office_morning():
    """Today 10:00 in Berlin: on-site steps pass their time explicitly, and a real clock near
    midnight would put a booking 90 minutes ahead on another day."""
    return timezone.localtime().replace(hour=10, minute=0, second=0, microsecond=0)


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


def test_kiosk_pages_ticket_pdf_and_display_json(client, halberstadt):
    page = client.get("/termine/kiosk/lra-halberstadt/")
    assert page.status_code == 200 and "Abholschalter" in page.content.decode()
    response = client.post("/termine/kiosk/lra-halberstadt/ziehen/", {"leistung": "abholschalter"})
    assert response.status_code == 302
    ticket_page = client.get(response["Location"])
    assert "P001" in ticket_page.content.decode()
    pdf = client.get(response["Location"] + "wartemarke.pdf")
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")
    bad = client.post("/termine/kiosk/lra-halberstadt/", {"code": "XXXX-YYYY"})
    assert bad.status_code == 400 and "keinen Termin" in bad.content.decode()
    assert (
        client.post("/termine/kiosk/lra-halberstadt/ziehen/", {"leistung": "nix"}).status_code
        == 400
    )
    assert client.get("/termine/kiosk/mond/").status_code == 404
    state = client.get("/termine/anzeige/lra-halberstadt/aufrufe.json").json()
    assert state["calls"] == [] and state["waiting"] == 1
    counter = Counter.objects.get(branch=halberstadt, label="Abholschalter")
    services.call_next(counter)
    state = client.get("/termine/anzeige/lra-halberstadt/aufrufe.json").json()
    assert state["calls"][0] == {**state["calls"][0], "number": "P001", "counter": "Abholschalter"}
    display = client.get("/termine/anzeige/lra-halberstadt/").content.decode()
    assert "P001" in display and 'http-equiv="refresh"' in display and "<script src=" in display


# -- authorisation table --------------------------------------------------------------------
@pytest.fixture
def people(db, django_user_model):
    citizen = django_user_model.objects.create_user("citizen", "c@example.org", "pw-123456789")
    return {
        "front_desk": make_staff("fd-ordnung", "ordnungsamt-kreis", "front_desk"),
        "other_unit": make_staff("fd-gesundheit", "gesundheitsamt", "front_desk"),
        "caseworker": make_staff("sb-test", "fahrerlaubnisbehoerde", "caseworker"),
        "citizen": citizen,
    }


@pytest.mark.parametrize(
    "role,list_status,page_status,action_status",
    [
        ("anonymous", 302, 302, 302),
        ("citizen", 403, 403, 403),
        ("caseworker", 403, 403, 403),
        ("other_unit", 200, 404, 404),  # a front desk elsewhere: not this location's counter
        ("front_desk", 200, 200, 302),
    ],
)
def test_staff_pages_authorisation(
    client, people, halberstadt, role, list_status, page_status, action_status
):
    counter = Counter.objects.get(branch=halberstadt, label="Schalter 1")
    if role == "citizen":
        client.force_login(people["citizen"])
    elif role != "anonymous":
        user, secret = people[role]
        login_staff(client, user, secret)
    assert client.get("/termine/schalter/").status_code == list_status
    assert client.get(f"/termine/schalter/{counter.pk}/").status_code == page_status
    response = client.post(f"/termine/schalter/{counter.pk}/aktion/", {"action": "next"})
    assert response.status_code == action_status


def test_staff_without_second_factor_is_sent_to_log_in_again(client, people, halberstadt):
    user, _secret = people["front_desk"]
    client.force_login(user)  # password only, no TOTP in this session
    response = client.get("/termine/schalter/")
    assert response.status_code == 302 and "login" in response["Location"]


def test_counter_page_actions_and_bad_input(client, people, halberstadt):
    user, secret = people["front_desk"]
    login_staff(client, user, secret)
    counter = Counter.objects.get(branch=halberstadt, label="Schalter 1")
    services.draw_ticket(halberstadt, svc("fuehrerschein-umtausch"))
    client.post(f"/termine/schalter/{counter.pk}/aktion/", {"action": "next"})
    response = client.get(f"/termine/schalter/{counter.pk}/")
    page = response.content.decode()
    assert "F001" in page and "Fertig" in page
    assert "Refresh" not in response  # somebody at the counter: the page stays still
    bad = client.post(
        f"/termine/schalter/{counter.pk}/aktion/", {"action": "done", "ticket": "abc"}
    )
    assert bad.status_code == 400 and "nicht an Ihrem Schalter" in bad.content.decode()
    assert (
        client.post(f"/termine/schalter/{counter.pk}/aktion/", {"action": "explode"}).status_code
        == 400
    )


def test_idle_counter_page_keeps_its_queue_current(client, people, halberstadt):
    user, secret = people["front_desk"]
    login_staff(client, user, secret)
    counter = Counter.objects.get(branch=halberstadt, label="Schalter 1")
    response = client.get(f"/termine/schalter/{counter.pk}/")
    assert response["Refresh"] == "20"  # nobody at the counter: reloads itself, no JS
    assert "aktualisiert sich alle 20 Sekunden" in response.content.decode()
    still = client.get(f"/termine/schalter/{counter.pk}/?auto=0")
    assert "Refresh" not in still and "Warteschlange aktualisieren" in still.content.decode()


def test_kiosk_check_in_with_booking_code(client, halberstadt, monkeypatch):
    # The kiosk reads the clock itself: hold it at a morning so that "in 20 minutes" is today.
    morning = office_morning()
    monkeypatch.setattr(timezone, "now", lambda: morning)
    umtausch = svc("fuehrerschein-umtausch")
    booking = booked_today(halberstadt, umtausch, morning + dt.timedelta(minutes=20))
    code = services.format_code(booking.code).lower()
    response = client.post("/termine/kiosk/lra-halberstadt/", {"code": f" {code} "})
    assert response.status_code == 302
    page = client.get(response["Location"]).content.decode()
    assert "T001" in page and "Termin um" in page
    booking.refresh_from_db()
    assert booking.state == "checked_in"
    event = Event.objects.get(kind="appointment.checked_in", subject=f"appointment:{booking.pk}")
    assert 18 <= event.data["early_minutes"] <= 20
    # twice is harmless: the same number again
    again = client.post("/termine/kiosk/lra-halberstadt/", {"code": booking.code})
    assert again["Location"] == response["Location"]
