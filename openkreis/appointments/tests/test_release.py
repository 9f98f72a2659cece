"""Release time (issue 26): when a new week opens everyone books at once. What must hold
then: a confirmation locks its own booking only (not the branch, so confirmations and new
holds at one site do not wait for each other), each step of the booking journey costs a
small, fixed number of queries, and the confirmation page does not compute the whole
horizon to list the next days."""

import datetime as dt
import threading
import time

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from openkreis.appointments import services
from openkreis.appointments.models import Booking, Branch, Closure, SlotClaim
from openkreis.core import setupcache

from .helpers import first_slot, svc

# Queries per step of the journey (Django's test client; the production cache and session
# backends add their own; PostgreSQL counts a few more than SQLite). Before issue 26 on
# SQLite: time page 9, reserve 29, confirmation page 9 with a read of every claim of the
# horizon; then 7-8, 14-18, 12-14, 9; with the set-up kept per process (config.setup_cache)
# and the days to move to listed only when asked: 1, 12, 12-13, 3; with the hold in a
# cookie of its own instead of a new session row: 1, 8, 8-9, 2; with the hold read once per
# confirmation and a booking's services taken from the set-up cache: 1, 8, 6-7, 1. On
# PostgreSQL the claim is one INSERT … ON CONFLICT DO NOTHING without a savepoint (reserve
# 8 → 6; SQLite keeps the savepoint); confirm counts one query more here than in a running
# process: the first confirmation of a process reads the branch into the set-up cache.
BUDGET = {"time page": 2, "reserve": 9, "confirm": 8, "confirmation page": 2}
BUDGET_POSTGRESQL = {**BUDGET, "reserve": 6}


def _journey(client, branch) -> dict:
    chosen = svc("fuehrerschein-umtausch")
    slot = first_slot(branch, chosen, after_today=True)
    day = slot.local_start.date().isoformat()
    key = branch.location.key
    steps = {}
    url = f"/termine/zeit/?leistung=fuehrerschein-umtausch&standort={key}&tag={day}"
    client.get(url)  # the session and the tenant are read once per client/process
    with CaptureQueriesContext(connection) as steps["time page"]:
        page = client.get(url)
    assert page.status_code == 200 and slot.value in page.content.decode()
    with CaptureQueriesContext(connection) as steps["reserve"]:
        response = client.post(
            "/termine/reservieren/",
            {"leistung": "fuehrerschein-umtausch", "standort": key, "zeit": slot.value},
        )
    assert response.status_code == 302
    with CaptureQueriesContext(connection) as steps["confirm"]:
        response = client.post(response["Location"], {"name": "Erika M", "email": "e@example.org"})
    assert response.status_code == 302
    with CaptureQueriesContext(connection) as steps["confirmation page"]:
        page = client.get(response["Location"])
    assert page.status_code == 200 and "Ihr Termin ist gebucht" in page.content.decode()
    return {name: len(q.captured_queries) for name, q in steps.items()}


def test_each_step_of_the_journey_stays_within_its_query_budget(client, quedlinburg):
    counts = _journey(client, quedlinburg)
    budget = BUDGET_POSTGRESQL if connection.vendor == "postgresql" else BUDGET
    over = {k: (n, budget[k]) for k, n in counts.items() if n > budget[k]}
    assert not over, f"queries (made, budget): {over}"


def test_the_next_days_with_a_limit_are_the_first_days_of_the_whole_horizon(halberstadt):
    chosen = svc("fuehrerschein-umtausch")
    # fill a day so that the list has a gap: every cell of every counter claimed
    day = first_slot(halberstadt, chosen, after_today=True).local_start.date()
    midnight = services.common._local(day, dt.time(0))
    SlotClaim.objects.bulk_create(
        SlotClaim(counter=counter, start=midnight + i * services.CELL)
        for counter in halberstadt.counters.all()
        for i in range(24 * 60 // 5)
    )
    assert not services.free_slots(halberstadt, chosen, day)
    whole = services.bookable_days(halberstadt, chosen)
    assert day not in [d for d, _ in whole]
    for limit in (1, 3, 8, 20, 100):
        assert services.bookable_days(halberstadt, chosen, limit=limit) == whole[:limit]


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_confirmation_does_not_hold_up_other_bookings_at_the_same_site(monkeypatch):
    """While one confirmation is inside its transaction (a pause after the fairness check
    keeps it there), a second citizen at the same site reserves and confirms another time.
    Before issue 26 the first confirmation locked the branch row, and the second citizen's
    reserve (inserting a booking takes a key-share lock on its branch) waited for it."""
    if connection.vendor != "postgresql":
        pytest.skip("row locks: PostgreSQL only (SQLite lets one writer in at a time)")
    branch = Branch.objects.get(location__key="lra-halberstadt")
    chosen = svc("fuehrerschein-umtausch")
    day = first_slot(branch, chosen, after_today=True).local_start.date()
    first = services.hold(branch, chosen, services.free_slots(branch, chosen, day)[0].start)
    inside, release = threading.Event(), threading.Event()
    check = services.booking._check_limits

    def slow_check(booking, email, now):
        check(booking, email, now)
        if booking.pk == first.pk:
            inside.set()
            release.wait(60)

    monkeypatch.setattr(services.booking, "_check_limits", slow_check)
    outcome = {}

    def confirm_first():
        try:
            services.confirm(first.hold_key, "Erste", "erste@example.org")
            outcome["first"] = "booked"
        except Exception as exc:  # noqa: BLE001 - reported below
            outcome["first"] = repr(exc)
        finally:
            connection.close()

    def book_second():
        try:
            t0 = time.monotonic()
            slot = services.free_slots(branch, chosen, day)[0]
            held = services.hold(branch, chosen, slot.start)
            services.confirm(held.hold_key, "Zweite", "zweite@example.org")
            outcome["second"] = time.monotonic() - t0
        except Exception as exc:  # noqa: BLE001 - reported below
            outcome["second"] = repr(exc)
        finally:
            connection.close()

    worker = threading.Thread(target=confirm_first)
    worker.start()
    assert inside.wait(10)
    other = threading.Thread(target=book_second)
    other.start()
    other.join(30)  # the first confirmation is still open all this time (released below)
    finished_while_open = not other.is_alive()
    release.set()
    other.join()
    worker.join()
    assert outcome["first"] == "booked", outcome
    assert isinstance(outcome["second"], float), outcome
    assert finished_while_open, "the second booking waited for the first confirmation"
    assert Booking.objects.filter(branch=branch, state="booked").count() == 2


def test_the_confirmation_page_lists_days_to_move_to_only_when_asked(client, quedlinburg):
    """Every booking ends on the confirmation page; the days to move to (four weeks of
    claims read and every day's slots computed) are shown when the citizen asks for them."""
    chosen = svc("fuehrerschein-umtausch")
    slot = first_slot(quedlinburg, chosen, after_today=True)
    booking = services.confirm(
        services.hold(quedlinburg, chosen, slot.start).hold_key, "Erika M", "e@example.org"
    )
    url = f"/termine/termin/{services.manage_token(booking)}/"
    client.get(url)  # the session and the tenant are read once per client/process
    with CaptureQueriesContext(connection) as plain:
        page = client.get(url).content.decode()
    assert f'href="{url}?verschieben=1#verschieben"' in page
    assert 'class="appt-days"' not in page and not any(
        "slotclaim" in q["sql"].lower() for q in plain.captured_queries
    )
    asked = client.get(url + "?verschieben=1").content.decode()
    first_day = services.bookable_days(quedlinburg, chosen, limit=1)[0][0]
    assert 'class="appt-days"' in asked
    assert f'href="{url}?tag={first_day.isoformat()}#verschieben"' in asked
    # a day chosen from that list shows its free times to move to, with the days again
    day_page = client.get(f"{url}?tag={first_day.isoformat()}").content.decode()
    assert 'name="zeit"' in day_page and 'class="appt-days"' in day_page


def _time_page(client, branch, day) -> str:
    key = branch.location.key
    url = f"/termine/zeit/?leistung=fuehrerschein-umtausch&standort={key}&tag={day}"
    return client.get(url).content.decode()


def test_a_closure_saved_in_this_process_applies_at_once(client, quedlinburg):
    chosen = svc("fuehrerschein-umtausch")
    day = first_slot(quedlinburg, chosen, after_today=True).local_start.date()
    assert 'name="zeit"' in _time_page(client, quedlinburg, day)  # the set-up is cached now
    Closure.objects.create(branch=quedlinburg, first_day=day, last_day=day, reason="Umzug")
    page = _time_page(client, quedlinburg, day)
    assert 'name="zeit"' not in page and "Umzug" in page


def test_a_change_another_process_made_is_seen_after_the_setup_seconds(
    client, quedlinburg, settings, monkeypatch
):
    """A bulk insert sends no signal: this process learns of it as a web worker learns of the
    admin's change made in another process, after OPENKREIS_APPOINTMENT_SETUP_SECONDS."""
    settings.OPENKREIS_APPOINTMENT_SETUP_SECONDS = 5
    clock = [1000.0]
    monkeypatch.setattr(setupcache.time, "monotonic", lambda: clock[0])
    chosen = svc("fuehrerschein-umtausch")
    day = first_slot(quedlinburg, chosen, after_today=True).local_start.date()
    assert 'name="zeit"' in _time_page(client, quedlinburg, day)
    # bulk_create sends no signal, as another process's change does not reach this one
    Closure.objects.bulk_create(
        [Closure(branch=quedlinburg, first_day=day, last_day=day, reason="Umzug")]
    )
    clock[0] += 4.9
    assert 'name="zeit"' in _time_page(client, quedlinburg, day)  # still the cached set-up
    clock[0] += 0.2
    assert 'name="zeit"' not in _time_page(client, quedlinburg, day)


def test_zero_setup_seconds_reads_the_set_up_every_time(client, quedlinburg, settings):
    settings.OPENKREIS_APPOINTMENT_SETUP_SECONDS = 0
    chosen = svc("fuehrerschein-umtausch")
    day = first_slot(quedlinburg, chosen, after_today=True).local_start.date()
    assert 'name="zeit"' in _time_page(client, quedlinburg, day)
    Closure.objects.bulk_create(
        [Closure(branch=quedlinburg, first_day=day, last_day=day, reason="Umzug")]
    )
    assert 'name="zeit"' not in _time_page(client, quedlinburg, day)


def test_an_anonymous_booking_creates_no_session_and_keeps_one_hold_per_browser(
    client, quedlinburg
):
    from django.contrib.sessions.models import Session

    chosen = svc("fuehrerschein-umtausch")
    day = first_slot(quedlinburg, chosen, after_today=True).local_start.date()
    free = services.free_slots(quedlinburg, chosen, day)
    # four times far apart, so that no hold covers another's cells (one counter may serve)
    first, second, third, fourth = (free[i * (len(free) - 1) // 3] for i in range(4))
    sessions = Session.objects.count()

    def reserve(slot):
        return client.post(
            "/termine/reservieren/",
            {"leistung": "fuehrerschein-umtausch", "standort": "lra-quedlinburg"}
            | {"zeit": slot.value},
        )

    response = reserve(first)
    cookie = response.cookies["termin_reservierung"]
    assert cookie["httponly"] and cookie["samesite"] == "Lax" and int(cookie["max-age"]) > 0
    held = Booking.objects.get(state="held")
    assert held.hold_key in cookie.value and cookie.value != held.hold_key  # signed
    reserve(second)  # the second hold of this browser releases the first
    assert [b.start for b in Booking.objects.filter(state="held")] == [second.start]
    # a forged cookie (somebody else's hold key without the signature) releases nothing
    other = services.hold(quedlinburg, chosen, third.start)
    client.cookies["termin_reservierung"] = other.hold_key
    response = reserve(fourth)
    assert response.status_code == 302
    other.refresh_from_db()
    assert other.state == "held"
    done = client.post(response["Location"], {"name": "Erika M", "email": "e@example.org"})
    assert done.status_code == 302 and done.cookies["termin_reservierung"].value == ""
    assert Session.objects.count() == sessions
