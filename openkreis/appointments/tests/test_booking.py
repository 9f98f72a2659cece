"""Booking, holds, fairness, cancellation, reminders, the race for the last slot, bad input."""

import datetime as dt
import threading

import pytest
from django.core import mail
from django.core.management import call_command
from django.db import connection
from django.utils import timezone

from openkreis.appointments import services
from openkreis.appointments.models import AppointmentService, Booking, Branch, SlotClaim
from openkreis.core.models import Event

BERLIN = services.BERLIN
PERSONAL = ("Erika", "Mustermann", "erika@example.org")


def svc(*keys):
    return [AppointmentService.objects.get(key=k) for k in keys]


def first_slot(branch, chosen, now=None):
    day, _ = services.bookable_days(branch, chosen, now)[0]
    return services.free_slots(branch, chosen, day, now)[0]


@pytest.fixture
def quedlinburg(db):
    return Branch.objects.get(location__key="lra-quedlinburg")


def book(branch, chosen, slot, email="erika@example.org", now=None):
    held = services.hold(branch, chosen, slot.start, now)
    return services.confirm(
        held.hold_key, "Erika Mustermann", email, now=now, base_url="http://testserver/"
    )


def test_booking_sends_confirmation_with_ics_and_signed_link(
    quedlinburg, django_capture_on_commit_callbacks
):
    chosen = svc("fuehrerschein-umtausch")
    slot = first_slot(quedlinburg, chosen)
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        booking = book(quedlinburg, chosen, slot)
    assert booking.state == Booking.State.BOOKED
    assert len(mail.outbox) == 1
    message = mail.outbox[-1]
    assert "Termin" in message.subject and services.format_code(booking.code) in message.body
    name, content, mime = message.attachments[0]
    assert name == "termin.ics" and mime == "text/calendar"
    assert (
        "BEGIN:VEVENT" in content
        and slot.start.astimezone(dt.UTC).strftime("DTSTART:%Y%m%dT%H%M%SZ") in content
    )
    link = next(line for line in message.body.splitlines() if "/termine/termin/" in line)
    assert services.booking_from_token(link.rsplit("/termin/", 1)[1].strip("/")) == booking


def test_events_follow_the_contract_without_personal_data(quedlinburg):
    chosen = svc("fuehrerschein-umtausch")
    booking = book(quedlinburg, chosen, first_slot(quedlinburg, chosen))
    services.cancel(booking)
    events = Event.objects.filter(subject=f"appointment:{booking.pk}").order_by("id")
    assert [e.kind for e in events] == ["appointment.booked", "appointment.cancelled"]
    booked = events[0].data
    assert booked["location"] == "lra-quedlinburg" and booked["services"] == [
        "fuehrerschein-umtausch"
    ]
    assert booked["kind"] == "booking" and booked["minutes"] == 15 and booked["lead_days"] >= 0
    assert dt.datetime.fromisoformat(booked["slot_start"]) == booking.start
    assert events[1].data["by"] == "citizen"
    text = str([e.data for e in events])
    assert not any(p.lower() in text.lower() for p in PERSONAL)


def test_cancellation_frees_the_slot(quedlinburg):
    chosen = svc("fuehrerschein-umtausch")
    slot = first_slot(quedlinburg, chosen)
    booking = book(quedlinburg, chosen, slot)
    day = slot.local_start.date()
    assert slot.start not in [s.start for s in services.free_slots(quedlinburg, chosen, day)]
    services.cancel(booking)
    assert slot.start in [s.start for s in services.free_slots(quedlinburg, chosen, day)]
    assert not SlotClaim.objects.filter(booking=booking).exists()
    book(quedlinburg, chosen, slot, email="other@example.org")  # somebody else gets it


def test_hold_is_exclusive_until_it_expires(quedlinburg):
    chosen = svc("fuehrerschein-umtausch")
    now = timezone.now()
    slot = first_slot(quedlinburg, chosen, now)
    first = services.hold(quedlinburg, chosen, slot.start, now)
    with pytest.raises(services.SlotTaken):
        services.hold(quedlinburg, chosen, slot.start, now + dt.timedelta(minutes=9))
    later = now + dt.timedelta(minutes=quedlinburg.hold_minutes, seconds=1)
    second = services.hold(quedlinburg, chosen, slot.start, later)  # the hold ran out
    first.refresh_from_db()
    assert first.state == Booking.State.EXPIRED
    with pytest.raises(services.BookingError):
        services.confirm(first.hold_key, "A", "a@example.org", now=later)
    assert services.confirm(second.hold_key, "B", "b@example.org", now=later).state == "booked"


def test_expired_hold_can_still_be_confirmed_if_nobody_took_it(quedlinburg):
    chosen = svc("fuehrerschein-umtausch")
    now = timezone.now()
    held = services.hold(quedlinburg, chosen, first_slot(quedlinburg, chosen, now).start, now)
    late = now + dt.timedelta(minutes=30)
    assert services.confirm(held.hold_key, "A", "a@example.org", now=late).state == "booked"


def test_limit_per_email_and_service(quedlinburg):
    chosen = svc("fuehrerschein-umtausch")
    book(quedlinburg, chosen, first_slot(quedlinburg, chosen), email="Erika@Example.org")
    held = services.hold(quedlinburg, chosen, first_slot(quedlinburg, chosen).start)
    with pytest.raises(services.LimitReached):
        services.confirm(held.hold_key, "Erika", "erika@example.org ")
    # another service is fine
    other = svc("vorsorgevollmacht-beglaubigen")
    book(quedlinburg, other, first_slot(quedlinburg, other))


def test_reschedule_moves_all_or_nothing(quedlinburg):
    chosen = svc("fuehrerschein-umtausch")
    booking = book(quedlinburg, chosen, first_slot(quedlinburg, chosen))
    old_start = booking.start
    day = booking.start.astimezone(BERLIN).date()
    target = services.free_slots(quedlinburg, chosen, day)[3]
    services.reschedule(booking, target.start)
    booking.refresh_from_db()
    assert booking.start == target.start
    free = [s.start for s in services.free_slots(quedlinburg, chosen, day)]
    assert old_start in free and target.start not in free
    taker = book(
        quedlinburg, chosen, services.free_slots(quedlinburg, chosen, day)[0], email="x@example.org"
    )
    with pytest.raises(services.SlotTaken):
        services.reschedule(booking, taker.start)
    booking.refresh_from_db()
    assert booking.start == target.start  # unchanged


def test_forged_and_tampered_tokens_are_refused(quedlinburg):
    chosen = svc("fuehrerschein-umtausch")
    booking = book(quedlinburg, chosen, first_slot(quedlinburg, chosen))
    token = services.manage_token(booking)
    for bad in (token[:-2] + "xx", "abc", token.replace(token.split(":")[0], "eyJiIjoxfQ")):
        with pytest.raises(services.BookingError):
            services.booking_from_token(bad)


def test_reminders_once_and_no_shows(quedlinburg):
    chosen = svc("fuehrerschein-umtausch")
    slot = first_slot(quedlinburg, chosen)
    booking = book(quedlinburg, chosen, slot)
    day_before = (slot.start.astimezone(BERLIN) - dt.timedelta(days=1)).replace(hour=9, minute=0)
    mail.outbox.clear()
    assert services.send_reminders(day_before) == 1
    assert services.send_reminders(day_before) == 0  # once
    booking.refresh_from_db()
    assert booking.reminded_at is not None
    after = slot.start + dt.timedelta(minutes=quedlinburg.no_show_minutes + 1)
    assert services.record_no_shows(slot.start + dt.timedelta(minutes=1)) == 0
    assert services.record_no_shows(after) == 1
    booking.refresh_from_db()
    assert booking.state == Booking.State.NO_SHOW
    assert Event.objects.filter(
        kind="appointment.no_show", subject=f"appointment:{booking.pk}"
    ).exists()


def test_reminder_command_runs(db):
    call_command("send_appointment_reminders", stdout=open("/dev/null", "w"))  # noqa: SIM115


# -- the race ---------------------------------------------------------------------------------
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_many_bookers_race_for_the_last_slot_exactly_one_wins():
    branch = Branch.objects.get(location__key="lra-quedlinburg")
    chosen = svc("fuehrerschein-umtausch")  # one counter in Quedlinburg
    slot = first_slot(branch, chosen)
    threads, results = 16, []
    barrier = threading.Barrier(threads)
    lock = threading.Lock()

    def attempt(index):
        try:
            barrier.wait()
            held = services.hold(branch, chosen, slot.start)
            booking = services.confirm(held.hold_key, f"Person {index}", f"p{index}@example.org")
            outcome = ("won", booking.pk)
        except services.SlotTaken:
            outcome = ("lost", None)
        except Exception as exc:  # noqa: BLE001 - reported below
            outcome = ("error", repr(exc))
        finally:
            connection.close()
        with lock:
            results.append(outcome)

    workers = [threading.Thread(target=attempt, args=(i,)) for i in range(threads)]
    for w in workers:
        w.start()
    for w in workers:
        w.join()
    assert [r for r in results if r[0] == "error"] == []
    assert sum(1 for r in results if r[0] == "won") == 1
    assert Booking.objects.filter(start=slot.start, branch=branch, state="booked").count() == 1


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_one_email_confirming_two_slots_at_once_gets_one(monkeypatch):
    """The fairness limit (one upcoming appointment per e-mail and service) holds when
    confirmations for the same address arrive at the same moment (a pause after the check
    makes the window between check and write wide, as under load)."""
    import time

    check = services._check_limits

    def slow_check(booking, email, now):
        check(booking, email, now)
        time.sleep(0.3)

    monkeypatch.setattr(services, "_check_limits", slow_check)
    chosen = svc("fuehrerschein-umtausch")
    holds = []  # at two sites: confirmations at one site also wait for each other's row locks
    for key in ("lra-quedlinburg", "lra-halberstadt"):
        branch = Branch.objects.get(location__key=key)
        day = first_slot(branch, chosen).local_start.date()
        for _ in range(2):  # each hold takes its cells: the next free slot does not overlap
            slot = services.free_slots(branch, chosen, day)[0]
            holds.append(services.hold(branch, chosen, slot.start))
    barrier, lock, results = threading.Barrier(len(holds)), threading.Lock(), []

    def attempt(held):
        try:
            barrier.wait()
            services.confirm(held.hold_key, "Erika", "erika@example.org")
            outcome = "booked"
        except services.LimitReached:
            outcome = "limit"
        except Exception as exc:  # noqa: BLE001 - reported below
            outcome = repr(exc)
        finally:
            connection.close()
        with lock:
            results.append(outcome)

    workers = [threading.Thread(target=attempt, args=(h,)) for h in holds]
    for w in workers:
        w.start()
    for w in workers:
        w.join()
    assert sorted(results) == ["booked"] + ["limit"] * (len(holds) - 1), results
    assert Booking.objects.filter(email="erika@example.org", state="booked").count() == 1


# -- pages: bad input answers 4xx in German ------------------------------------------------
def test_booking_journey_through_the_pages(client, quedlinburg):
    chosen = svc("fuehrerschein-umtausch")
    slot = first_slot(quedlinburg, chosen)
    page = client.get("/termine/standort/?leistung=fuehrerschein-umtausch&gemeinde=15085235")
    assert page.status_code == 200
    html = page.content.decode()
    assert html.index("Quedlinburg") < html.index("Wernigerode")  # nearest first for Quedlinburg
    day = slot.local_start.date().isoformat()
    page = client.get(
        f"/termine/zeit/?leistung=fuehrerschein-umtausch&standort=lra-quedlinburg&tag={day}"
    )
    assert slot.value in page.content.decode()
    response = client.post(
        "/termine/reservieren/",
        {"leistung": "fuehrerschein-umtausch", "standort": "lra-quedlinburg", "zeit": slot.value},
    )
    assert response.status_code == 302
    mail.outbox.clear()
    response = client.post(
        response["Location"], {"name": "Erika Mustermann", "email": "erika@example.org"}
    )
    assert response.status_code == 302 and "/termine/termin/" in response["Location"]
    page = client.get(response["Location"])
    assert "Ihr Termin ist gebucht" in page.content.decode()
    booking = Booking.objects.get(email="erika@example.org")
    assert booking.state == "booked"


@pytest.mark.parametrize(
    "url,needle",
    [
        ("/termine/standort/?leistung=gibt-es-nicht", "Liste der Leistungen ist nicht gültig"),
        (
            "/termine/standort/?leistung=fuehrerschein-umtausch&leistung=fuehrerschein-umtausch",
            "nicht gültig",
        ),
        ("/termine/standort/", "mindestens eine Leistung"),
        ("/termine/tag/?leistung=fuehrerschein-umtausch&standort=mond", "keine Termine"),
        (
            "/termine/zeit/?leistung=fuehrerschein-umtausch&standort=lra-quedlinburg&tag=2020-01-02",
            "Vergangenheit",
        ),
        (
            "/termine/zeit/?leistung=fuehrerschein-umtausch&standort=lra-quedlinburg&tag=kaputt",
            "Datum ist nicht gültig",
        ),
        (
            "/termine/zeit/?leistung=fuehrerschein-umtausch&standort=lra-quedlinburg&tag=2099-01-05",
            "Tage im Voraus",
        ),
        ("/termine/termin/gefälscht:abc/", "Link ist nicht gültig"),
    ],
)
def test_bad_input_is_a_clear_400(client, db, url, needle):
    response = client.get(url)
    assert response.status_code == 400
    assert needle in response.content.decode()


def test_bad_slot_posts_are_refused(client, quedlinburg):
    chosen = svc("fuehrerschein-umtausch")
    slot = first_slot(quedlinburg, chosen)
    day = slot.local_start.date()
    base = {"leistung": "fuehrerschein-umtausch", "standort": "lra-quedlinburg"}
    cases = [
        ({"zeit": "2020-01-02T08:00"}, 400, "Vergangenheit"),
        ({"zeit": f"{day.isoformat()}T19:00"}, 400, "außerhalb"),
        ({"zeit": f"{day.isoformat()}T08:03"}, 400, "außerhalb"),
        ({"zeit": "morgen"}, 400, "nicht gültig"),
        ({"zeit": slot.value, "leistung": "kfz-zulassung"}, 400, "nicht in einem Termin"),
    ]
    for extra, status, needle in cases:
        response = client.post("/termine/reservieren/", {**base, **extra})
        assert response.status_code == status, extra
        assert needle in response.content.decode()
    services.hold(quedlinburg, chosen, slot.start)
    response = client.post("/termine/reservieren/", {**base, "zeit": slot.value})
    assert response.status_code == 409 and "vergeben" in response.content.decode()


def test_forged_cancel_link_changes_nothing(client, quedlinburg):
    chosen = svc("fuehrerschein-umtausch")
    booking = book(quedlinburg, chosen, first_slot(quedlinburg, chosen))
    response = client.post(f"/termine/termin/{services.manage_token(booking)}x/absagen/")
    assert response.status_code == 400
    booking.refresh_from_db()
    assert booking.state == "booked"
    response = client.post(f"/termine/termin/{services.manage_token(booking)}/absagen/")
    assert response.status_code == 302
    booking.refresh_from_db()
    assert booking.state == "cancelled"


def test_english_messages_under_en(client, db):
    response = client.get("/en/termine/standort/?leistung=nope")
    assert (
        response.status_code == 400 and "list of services is not valid" in response.content.decode()
    )


def test_hold_rate_limit(client, quedlinburg, settings):
    settings.APPOINTMENT_HOLDS_PER_HOUR = 2
    chosen = svc("fuehrerschein-umtausch")
    slots = services.free_slots(
        quedlinburg, chosen, services.bookable_days(quedlinburg, chosen)[0][0]
    )
    codes = []
    from django.core.cache import cache

    cache.clear()
    for slot in slots[:3]:
        response = client.post(
            "/termine/reservieren/",
            {
                "leistung": "fuehrerschein-umtausch",
                "standort": "lra-quedlinburg",
                "zeit": slot.value,
            },
        )
        codes.append(response.status_code)
    assert codes == [302, 302, 429]
    # one hold per session: the second hold released the first
    assert Booking.objects.filter(state="held").count() == 1


def test_logged_in_citizen_is_prefilled_and_listed(client, quedlinburg, django_user_model):
    user = django_user_model.objects.create_user(
        "buerger", "buerger@example.org", "pw-123456789", first_name="Bernd", last_name="Bürger"
    )
    client.force_login(user)
    chosen = svc("fuehrerschein-umtausch")
    slot = first_slot(quedlinburg, chosen)
    response = client.post(
        "/termine/reservieren/",
        {"leistung": "fuehrerschein-umtausch", "standort": "lra-quedlinburg", "zeit": slot.value},
    )
    page = client.get(response["Location"]).content.decode()
    assert 'value="buerger@example.org"' in page and "Bernd Bürger" in page
    client.post(response["Location"], {"name": "Bernd Bürger", "email": "buerger@example.org"})
    mine = client.get("/termine/meine/").content.decode()
    assert "Quedlinburg" in mine


def test_service_page_links_to_booking(client, db):
    page = client.get("/leistungen/fuehrerschein-umtausch/")
    if page.status_code == 404:
        pytest.skip("service page path differs")
    assert "/termine/standort/?leistung=fuehrerschein-umtausch" in page.content.decode()
    assert "Termin buchen" in page.content.decode()


def test_api_services_offices_and_slots(client, quedlinburg):
    keys = [s["key"] for s in client.get("/api/v1/appointments/services/").json()]
    assert "fuehrerschein-umtausch" in keys and "abholschalter" in keys
    offices = client.get(
        "/api/v1/appointments/offices/?leistung=fuehrerschein-umtausch&gemeinde=15085235"
    ).json()
    assert offices[0]["location"] == "lra-quedlinburg"
    base = "/api/v1/appointments/slots/?leistung=fuehrerschein-umtausch&standort=lra-quedlinburg"
    days = client.get(base).json()["days"]
    slots = client.get(base + "&tag=" + days[0]["day"]).json()["slots"]
    assert slots and slots[0]["free"] == 1
    assert client.get("/api/v1/appointments/slots/?leistung=nope&standort=x").status_code == 400
    assert client.get(base + "&tag=morgen").status_code == 400


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_late_confirmation_races_new_bookers_for_an_expired_hold():
    """A hold ran out; its owner confirms while others reserve the same time: exactly one of
    them ends up with the slot, and nobody is left 'booked' without claimed cells."""
    branch = Branch.objects.get(location__key="lra-quedlinburg")
    chosen = svc("fuehrerschein-umtausch")
    now = timezone.now()
    slot = first_slot(branch, chosen, now)
    held = services.hold(branch, chosen, slot.start, now)
    late = now + dt.timedelta(minutes=branch.hold_minutes + 1)
    results, lock = [], threading.Lock()
    barrier = threading.Barrier(9)

    def owner():
        try:
            barrier.wait()
            services.confirm(held.hold_key, "Owner", "owner@example.org", now=late)
            outcome = "won"
        except services.BookingError:
            outcome = "lost"
        finally:
            connection.close()
        with lock:
            results.append(outcome)

    def other(index):
        try:
            barrier.wait()
            services.hold(branch, chosen, slot.start, late)
            outcome = "won"
        except services.BookingError:
            outcome = "lost"
        finally:
            connection.close()
        with lock:
            results.append(outcome)

    workers = [threading.Thread(target=owner)]
    workers += [threading.Thread(target=other, args=(i,)) for i in range(8)]
    for w in workers:
        w.start()
    for w in workers:
        w.join()
    assert results.count("won") == 1, results
    live = Booking.objects.filter(start=slot.start, branch=branch, state__in=["held", "booked"])
    assert live.count() == 1
    assert SlotClaim.objects.filter(booking=live.get()).count() == 3  # 15 min + 0 buffer
