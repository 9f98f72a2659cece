"""On-site pages: the kiosk, the ticket and its PDF, the call display, the counter page and
who may use it."""

import datetime as dt

import pytest
from django.utils import timezone

from openkreis.appointments import services
from openkreis.appointments.models import Counter
from openkreis.core.models import Event
from openkreis.core.testing import login_staff, make_staff

from .helpers import booked_today, office_morning
from .helpers import service as svc


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


@pytest.mark.parametrize("target", ["abc", "²", "99999999999999999999"])
def test_transfer_to_an_odd_counter_is_a_400(client, people, halberstadt, target):
    """Issue 16 F6: `action=transfer&target=abc` answered 500."""
    user, secret = people["front_desk"]
    login_staff(client, user, secret)
    counter = Counter.objects.get(branch=halberstadt, label="Schalter 1")
    services.draw_ticket(halberstadt, svc("fuehrerschein-umtausch"))
    client.post(f"/termine/schalter/{counter.pk}/aktion/", {"action": "next"})
    response = client.post(
        f"/termine/schalter/{counter.pk}/aktion/",
        {"action": "transfer", "ticket": "²", "target": target},
    )
    assert response.status_code == 400


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


def test_the_kiosk_is_a_kiosk_without_portal_navigation_or_login(client, halberstadt):
    html = client.get("/termine/kiosk/lra-halberstadt/").content.decode()
    assert 'class="kiosk"' in html and "Welcome" not in html
    assert "/konto/login/" not in html and 'class="wrap main-nav"' not in html
    assert "site-footer" not in html and "Leichte Sprache" not in html
