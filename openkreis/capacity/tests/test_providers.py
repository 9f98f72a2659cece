"""Doctor slots and holiday rooms (/freie-termine/): search, booking without double booking,
cancellation and the waiting list, calendar imports, room search and requests, who may
edit what."""

from __future__ import annotations

import datetime as dt
import re
import threading

import pytest
from django.contrib.auth import get_user_model
from django.core import mail
from django.core.cache import cache
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import IntegrityError, connection, transaction
from django.urls import reverse
from django.utils import timezone

from openkreis.appointments import services as engine
from openkreis.appointments.models import Branch
from openkreis.capacity import ical, providers
from openkreis.capacity.models import (
    DoctorSlot,
    Host,
    Practice,
    RoomPeriod,
    SlotBooking,
    WaitlistEntry,
)
from openkreis.core.loader import LoadReport, TenantDataError

from .factories import HALBERSTADT, WERNIGERODE, host_with_room, practice, slot

pytestmark = pytest.mark.django_db
BERLIN = providers.BERLIN
UTC = dt.UTC


@pytest.fixture(autouse=True)
def _clean():
    cache.clear()
    mail.outbox.clear()


def user(name):
    return get_user_model().objects.create_user(name, f"{name}@example.org", "x" * 20)


def ahead(days, hour=9, minute=0):
    day = timezone.localdate() + dt.timedelta(days=days)
    return dt.datetime.combine(day, dt.time(hour, minute), tzinfo=BERLIN)


# -- county data ------------------------------------------------------------------------------
def test_harz_demo_practices_and_hosts_are_loaded(harz):
    assert Practice.objects.filter(
        key="wr-hausarzt-brocken", municipality__ars=WERNIGERODE
    ).exists()
    assert DoctorSlot.objects.filter(practice__key="hbs-kinderarzt-dom").count() == 8
    assert Host.objects.get(key="ilsenburg-ilsetal").rooms.count() == 2
    assert Practice.objects.get(key="qlb-augenarzt").notify_waiting == 3


# -- search and booking -----------------------------------------------------------------------
def test_search_by_specialty_municipality_and_day(client):
    # the Harz demo practices have slots on the next working days in the same towns and
    # specialties: without them the expected results do not depend on the weekday
    Practice.objects.all().delete()
    wr = practice("wr", "allgemeinmedizin")
    hbs = practice("hbs", "kinderheilkunde", ars=HALBERSTADT)
    mine = slot(wr, days=2, hour=10)
    other_day = slot(wr, days=3, hour=10)
    child = slot(hbs, days=2, hour=11)
    booked = slot(wr, days=2, hour=11)
    providers.book(booked.pk, "Erika", "erika@example.org")
    day = (timezone.localdate() + dt.timedelta(days=2)).isoformat()
    wr_region = wr.municipality.pk
    response = client.get(
        reverse("providers:slots"), {"fach": "allgemeinmedizin", "gemeinde": wr_region, "tag": day}
    )
    assert response.status_code == 200
    assert [s.pk for s in response.context["results"]] == [mine.pk]
    # the waiting lists offered are those of the practices searched for
    assert wr in response.context["practices"] and hbs not in response.context["practices"]
    assert reverse("providers:waitlist", args=[wr.key]) in response.content.decode()
    found = {s.pk for s in providers.free_slots()}
    assert {mine.pk, other_day.pk, child.pk} <= found and booked.pk not in found
    assert [s.pk for s in providers.free_slots("kinderheilkunde", practice=hbs)] == [child.pk]
    assert child.pk not in {s.pk for s in providers.free_slots("allgemeinmedizin")}


def test_bad_search_is_a_400_with_a_message(client):
    response = client.get(reverse("providers:slots"), {"fach": "zauberei", "tag": "morgen"})
    assert response.status_code == 400
    assert "error-summary" in response.content.decode()


def test_booking_page_books_and_mails_an_ics_and_the_cancel_link(
    client, django_capture_on_commit_callbacks
):
    s = slot(practice("wr"))
    url = reverse("providers:book", args=[s.pk])
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(url, {"name": "Erika Muster", "email": "Erika@Example.org"})
    assert response.status_code == 302
    booking = SlotBooking.objects.get(slot=s)
    assert booking.state == "booked" and booking.email == "erika@example.org"
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["erika@example.org"]
    name, content, kind = message.attachments[0]
    text = content.decode() if isinstance(content, bytes) else content
    assert kind == "text/calendar" and "BEGIN:VEVENT" in text and "Praxis wr" in text
    # the link carries a signed token with the time of signing: read it from the mail
    prefix = reverse("providers:booking", args=["TOKEN"]).split("TOKEN")[0]
    found = re.search(re.escape(prefix) + r"([^/\s]+)/", message.body)
    assert found, message.body
    assert providers.booking_from_token(found.group(1)) == booking
    # a second booking of the same slot is refused with a clear message
    again = client.post(url, {"name": "Max", "email": "max@example.org"})
    assert again.status_code == 409
    assert SlotBooking.objects.filter(slot=s, state="booked").count() == 1


def test_booking_form_errors_are_400(client):
    s = slot(practice("wr"))
    response = client.post(reverse("providers:book", args=[s.pk]), {"name": "", "email": "x"})
    assert response.status_code == 400
    assert not SlotBooking.objects.exists()
    assert client.get(reverse("providers:book", args=[999999])).status_code == 404


def test_past_slot_cannot_be_booked():
    s = slot(practice("wr"), days=-1)
    with pytest.raises(providers.BookingError):
        providers.book(s.pk, "Erika", "erika@example.org")


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_many_residents_race_for_one_slot_exactly_one_wins():
    """The appointments engine's claim decides: on PostgreSQL 12 threads book at the same
    moment (the practice's private resource is made by the first of them, too); exactly
    one booking commits, with the engine's one claim of the slot; nobody gets an error."""
    p = practice("race")
    s = slot(p)
    threads, results, lock = 12, [], threading.Lock()
    barrier = threading.Barrier(threads)

    def attempt(index):
        try:
            barrier.wait()
            providers.book(s.pk, f"Person {index}", f"p{index}@example.org")
            outcome = "won"
        except providers.SlotTaken:
            outcome = "lost"
        except Exception as exc:  # noqa: BLE001 - reported below
            outcome = repr(exc)
        finally:
            connection.close()
        with lock:
            results.append(outcome)

    workers = [threading.Thread(target=attempt, args=(i,)) for i in range(threads)]
    for w in workers:
        w.start()
    for w in workers:
        w.join()
    assert sorted(results) == ["lost"] * (threads - 1) + ["won"], results
    assert SlotBooking.objects.filter(slot=s, state="booked").count() == 1
    p.refresh_from_db()
    claims = list(engine.dated_claims().filter(counter=p.resource))
    assert [(c.start, c.pk) for c in claims] == [
        (s.start, SlotBooking.objects.get(slot=s).claim_id)
    ]
    assert Branch.objects.filter(key="practice:race", private=True).count() == 1


def test_a_booking_is_the_engines_claim_and_the_practice_is_no_public_office(client):
    p = practice("wr")
    s, other = slot(p, hour=10), slot(p, hour=11)
    public = set(engine.tenant_branches().values_list("pk", flat=True))
    services_before = {x.key for x in engine.bookable_services()}
    booking = providers.book(s.pk, "Erika", "erika@example.org")
    p.refresh_from_db()
    # the practice is a private resource of the engine, booked through its claim
    assert p.resource.branch.private and p.resource.branch.location is None
    assert (booking.claim.counter_id, booking.claim.start) == (p.resource_id, s.start)
    assert booking.claim.booking is None
    assert providers.is_taken(s) and not providers.is_taken(other)
    with pytest.raises(engine.SlotTaken):  # the engine itself refuses a second claim
        engine.claim_dated(p.resource, s.start)
    # ... and never shows it on the public appointment pages
    assert set(engine.tenant_branches().values_list("pk", flat=True)) == public
    assert {x.key for x in engine.bookable_services()} == services_before
    assert p.name not in client.get(reverse("appointments:start")).content.decode()
    # the page of a taken slot says so
    assert client.get(reverse("providers:book", args=[s.pk])).context["taken"] is True
    # cancelling gives the claim back; a booked row without its claim cannot exist
    claim_id = booking.claim_id
    assert providers.cancel(booking)
    assert not engine.dated_claims().filter(pk=claim_id).exists()
    assert not providers.is_taken(s)
    with pytest.raises(IntegrityError), transaction.atomic():
        SlotBooking.objects.create(slot=other, code="NOCLAIM1", name="X", email="x@example.org")


def test_a_slot_booked_again_before_the_mail_tells_nobody_waiting():
    p = practice("wr", notify_waiting=2)
    s = slot(p)
    providers.join_waitlist(p, "Warte", "w@example.org")
    providers.book(s.pk, "Max", "max@example.org")
    assert providers.notify_waiting(s) == 0 and not mail.outbox
    assert WaitlistEntry.objects.get(email="w@example.org").notified_at is None


# -- cancellation and the waiting list --------------------------------------------------------
def test_cancel_frees_the_slot_and_tells_the_first_n_waiting(
    client, django_capture_on_commit_callbacks
):
    p = practice("wr", notify_waiting=2)
    s = slot(p)
    for i in range(3):
        response = client.post(
            reverse("providers:waitlist", args=[p.key]),
            {"name": f"Warte {i}", "email": f"w{i}@example.org"},
        )
        assert response.status_code == 200
    other = practice("andere")
    WaitlistEntry.objects.create(
        practice=other, specialty=other.specialty, name="X", email="x@example.org"
    )
    with django_capture_on_commit_callbacks(execute=True):
        booking = providers.book(s.pk, "Erika", "erika@example.org")
    mail.outbox.clear()
    token = providers.cancel_token(booking)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("providers:booking", args=[token]))
    assert response.status_code == 302
    booking.refresh_from_db()
    assert booking.state == "cancelled"
    assert s.pk in {x.pk for x in providers.free_slots()}
    assert sorted(m.to[0] for m in mail.outbox) == ["w0@example.org", "w1@example.org"]
    assert reverse("providers:book", args=[s.pk]) in mail.outbox[0].body
    assert list(
        WaitlistEntry.objects.filter(practice=p, notified_at=None).values_list("email", flat=True)
    ) == ["w2@example.org"]
    # cancelling twice tells nobody again; the slot can be booked again
    assert providers.cancel(booking) is False
    assert providers.book(s.pk, "Max", "max@example.org").state == "booked"


def test_bad_cancel_link_is_404(client):
    assert client.get(reverse("providers:booking", args=["kaputt"])).status_code == 404


# -- calendar import --------------------------------------------------------------------------
def _cal(*events: str) -> str:
    body = "".join(f"BEGIN:VEVENT\r\n{e.strip()}\r\nEND:VEVENT\r\n" for e in events)
    return (
        "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//Praxis//DE\r\n"
        + body.replace("\n", "\r\n").replace("\r\r\n", "\r\n")
        + "END:VCALENDAR\r\n"
    )


def _stamp(value: dt.datetime) -> str:
    return value.strftime("%Y%m%dT%H%M%S")


def test_ical_slots_tzid_utc_floating_allday_and_busy():
    now = timezone.now()
    local = ahead(3, 9, 0)
    utc = ahead(4, 14, 0).astimezone(UTC)
    floating = ahead(5, 11, 30)
    day = (timezone.localdate() + dt.timedelta(days=6)).strftime("%Y%m%d")
    data = _cal(
        f"UID:a\nSUMMARY:frei\nDTSTART;TZID=Europe/Berlin:{_stamp(local)}\n"
        f"DTEND;TZID=Europe/Berlin:{_stamp(local + dt.timedelta(minutes=20))}",
        f"UID:b\nSUMMARY:Termin frei\nDTSTART:{_stamp(utc)}Z\nDURATION:PT15M",
        f"UID:c\nSUMMARY:Sprechstunde\nTRANSP:TRANSPARENT\nDTSTART:{_stamp(floating)}\n"
        f"DTEND:{_stamp(floating + dt.timedelta(minutes=10))}",
        f"UID:d\nSUMMARY:Frau Meier\nDTSTART;TZID=Europe/Berlin:{_stamp(local)}\n"
        f"DTEND;TZID=Europe/Berlin:{_stamp(local + dt.timedelta(minutes=30))}",
        f"UID:e\nSUMMARY:frei (Urlaub?)\nDTSTART;VALUE=DATE:{day}",
        f"UID:f\nSUMMARY:frei\nSTATUS:CANCELLED\nDTSTART:{_stamp(utc + dt.timedelta(hours=1))}Z\n"
        "DURATION:PT15M",
    )
    found = ical.free_slots(data, now)
    assert found == [
        (local.astimezone(UTC), 20),
        (utc, 15),
        (floating.astimezone(UTC), 10),
    ]


def test_ical_weekly_rrule_is_expanded_eight_weeks_in_wall_time_with_exdate():
    now = timezone.now()
    first = ahead(1, 8, 0)
    skipped = first + dt.timedelta(weeks=2)
    data = _cal(
        f"UID:w\nSUMMARY:frei\nDTSTART;TZID=Europe/Berlin:{_stamp(first)}\n"
        f"DTEND;TZID=Europe/Berlin:{_stamp(first + dt.timedelta(minutes=15))}\n"
        "RRULE:FREQ=WEEKLY\n"
        f"EXDATE;TZID=Europe/Berlin:{_stamp(skipped)}"
    )
    found = ical.free_slots(data, now)
    starts = [s for s, _ in found]
    assert len(starts) == 7  # 8 weeks ahead, one excluded
    assert skipped.astimezone(UTC) not in starts
    # every occurrence at 8:00 Berlin time, across a change of the clocks too
    assert {s.astimezone(BERLIN).time() for s in starts} == {dt.time(8, 0)}
    assert max(starts) < now + dt.timedelta(weeks=8)


def test_ical_bad_files_are_refused_with_a_reason():
    with pytest.raises(ical.ICalError):
        ical.free_slots(b"", timezone.now())
    with pytest.raises(ical.ICalError):
        ical.free_slots(b"%PDF-1.7 not a calendar", timezone.now())
    with pytest.raises(ical.ICalError):
        ical.free_slots(
            "BEGIN:VCALENDAR\r\nBEGIN:VEVENT\r\nSUMMARY:frei\r\nDTSTART:kaputt\r\n"
            "END:VEVENT\r\nEND:VCALENDAR\r\n",
            timezone.now(),
        )
    with pytest.raises(ical.ICalError):
        ical.free_slots(
            _cal("UID:x\nSUMMARY:frei\nDTSTART:20300101T100000Z\nRRULE:FREQ=NIE"), timezone.now()
        )


def test_practice_uploads_a_calendar_and_bad_uploads_are_400(client):
    manager = user("praxis")
    p = practice("wr")
    p.managers.add(manager)
    client.force_login(manager)
    url = reverse("providers:practice_manage", args=[p.key])
    start = ahead(2, 10)
    good = _cal(f"UID:1\nSUMMARY:frei\nDTSTART:{_stamp(start.astimezone(UTC))}Z\nDURATION:PT15M")
    response = client.post(
        url,
        {
            "action": "import",
            "ics-file": SimpleUploadedFile("k.ics", good.encode(), "text/calendar"),
        },
    )
    assert response.status_code == 302
    assert list(p.slots.values_list("start", "source")) == [(start, "ical")]
    for bad in (b"", b"no calendar", b"BEGIN:VCALENDAR\r\nBEGIN:VEVENT\r\nDTSTART:x\r\n"):
        upload = SimpleUploadedFile("k.ics", bad, "text/calendar")
        response = client.post(url, {"action": "import", "ics-file": upload})
        assert response.status_code == 400, bad
        assert "error-summary" in response.content.decode()
    assert p.slots.count() == 1
    # entering a slot by hand; one in the past is a form error
    day = (timezone.localdate() + dt.timedelta(days=4)).isoformat()
    ok = client.post(
        url, {"action": "add", "slot-day": day, "slot-time": "09:45", "slot-minutes": 20}
    )
    assert ok.status_code == 302 and p.slots.count() == 2
    past = client.post(
        url, {"action": "add", "slot-day": "2020-01-01", "slot-time": "09:00", "slot-minutes": 20}
    )
    assert past.status_code == 400 and p.slots.count() == 2


# -- authorisation ----------------------------------------------------------------------------
def test_a_manager_edits_only_their_own_practice_and_host(client):
    mine, theirs = practice("meine"), practice("fremde")
    host, room = host_with_room("fremder-hof")
    manager = user("praxis")
    mine.managers.add(manager)
    target = slot(theirs)
    assert client.get(reverse("providers:practice_manage", args=[mine.key])).status_code == 302
    client.force_login(manager)
    assert client.get(reverse("providers:practice_manage", args=[mine.key])).status_code == 200
    assert client.get(reverse("providers:practice_manage", args=[theirs.key])).status_code == 403
    response = client.post(
        reverse("providers:practice_manage", args=[theirs.key]),
        {"action": "remove", "slot": target.pk},
    )
    assert response.status_code == 403 and DoctorSlot.objects.filter(pk=target.pk).exists()
    # another practice's slot through one's own page: not found
    response = client.post(
        reverse("providers:practice_manage", args=[mine.key]),
        {"action": "remove", "slot": target.pk},
    )
    assert response.status_code == 404 and DoctorSlot.objects.filter(pk=target.pk).exists()
    assert client.get(reverse("providers:host_manage", args=[host.key])).status_code == 403
    overview = client.get(reverse("providers:mine"))
    assert mine.name in overview.content.decode() and theirs.name not in overview.content.decode()


def test_manager_cancels_a_booking_and_cannot_remove_a_booked_slot(client):
    p = practice("wr")
    manager = user("praxis")
    p.managers.add(manager)
    s = slot(p)
    booking = providers.book(s.pk, "Erika", "erika@example.org")
    client.force_login(manager)
    url = reverse("providers:practice_manage", args=[p.key])
    client.post(url, {"action": "remove", "slot": s.pk})
    assert DoctorSlot.objects.filter(pk=s.pk).exists()
    client.post(url, {"action": "cancel", "booking": booking.pk})
    booking.refresh_from_db()
    assert booking.state == "cancelled"
    assert client.post(url, {"action": "remove", "slot": s.pk}).status_code == 302
    assert not DoctorSlot.objects.filter(pk=s.pk).exists()
    assert client.post(url, {"action": "zaubern"}).status_code == 400


# -- holiday rooms ----------------------------------------------------------------------------
def test_room_search_over_date_ranges():
    today = timezone.localdate()
    d = lambda n: today + dt.timedelta(days=n)  # noqa: E731
    _, open_room = host_with_room("offen", persons=4)  # no periods: free
    _, window = host_with_room("fenster")
    RoomPeriod.objects.create(room=window, first=d(10), until=d(20), kind="free")
    _, busy = host_with_room("belegt")
    RoomPeriod.objects.create(room=busy, first=d(12), until=d(14), kind="busy")
    _, far = host_with_room("halberstadt", ars=HALBERSTADT)

    def found(a, b, persons=1, region=None):
        names = {r.host.key for r in providers.free_rooms(d(a), d(b), persons, region)}
        return names & {"offen", "fenster", "belegt", "halberstadt"}

    assert found(10, 12) == {
        "offen",
        "fenster",
        "belegt",
        "halberstadt",
    }  # departure 12 = arrival ok
    assert found(11, 13) == {"offen", "fenster", "halberstadt"}
    assert found(14, 16) == {"offen", "fenster", "belegt", "halberstadt"}
    assert found(18, 21) == {"offen", "belegt", "halberstadt"}  # past the free window
    assert found(5, 8, persons=3) == {"offen"}
    wr = open_room.host.municipality
    assert found(5, 8, region=wr) == {"offen", "fenster", "belegt"} - {"fenster"}


def test_room_search_page_validates_dates(client):
    today = timezone.localdate()
    url = reverse("providers:rooms")
    bad = client.get(
        url, {"anreise": today + dt.timedelta(days=5), "abreise": today, "personen": 2}
    )
    assert bad.status_code == 400
    past = client.get(url, {"anreise": "2020-01-01", "abreise": "2020-01-03", "personen": 2})
    assert past.status_code == 400
    host_with_room("suche")
    ok = client.get(
        url,
        {
            "anreise": today + dt.timedelta(days=3),
            "abreise": today + dt.timedelta(days=5),
            "personen": 2,
        },
    )
    assert ok.status_code == 200 and "Zimmer suche" in ok.content.decode()


def test_room_busy_import_from_a_booking_channel_feed():
    today = timezone.localdate()
    _, room = host_with_room("kanal")
    a, b = today + dt.timedelta(days=5), today + dt.timedelta(days=8)
    start = ahead(20, 15).astimezone(UTC)
    data = _cal(
        f"UID:1\nSUMMARY:Reserved\nDTSTART;VALUE=DATE:{a:%Y%m%d}\nDTEND;VALUE=DATE:{b:%Y%m%d}",
        f"UID:2\nSUMMARY:Blocked\nDTSTART:{_stamp(start)}Z\n"
        f"DTEND:{_stamp(start + dt.timedelta(days=1))}Z",
        "UID:3\nSUMMARY:alt\nDTSTART;VALUE=DATE:20200101\nDTEND;VALUE=DATE:20200105",
    )
    assert providers.import_busy(room, data, today) == 2
    assert not providers.room_is_free(room, a, b)
    assert providers.room_is_free(room, b, b + dt.timedelta(days=2))
    assert not providers.room_is_free(
        room, today + dt.timedelta(days=20), today + dt.timedelta(days=21)
    )
    # a new import replaces the old imported periods, entered ones stay
    RoomPeriod.objects.create(
        room=room, first=today, until=today + dt.timedelta(days=90), kind="free"
    )
    assert providers.import_busy(room, _cal(), today) == 0
    assert providers.room_is_free(room, a, b)
    assert room.periods.count() == 1


def test_room_request_mails_the_host_and_is_validated_and_rate_limited(client, settings):
    settings.PROVIDERS_ROOM_REQUESTS_PER_HOUR = 2
    host, room = host_with_room("anfrage", persons=2)
    mail.outbox.clear()
    today = timezone.localdate()
    url = reverse("providers:room_request", args=[room.pk])
    data = {
        "name": "Erika Gast",
        "email": "gast@example.org",
        "arrival": today + dt.timedelta(days=10),
        "departure": today + dt.timedelta(days=12),
        "persons": 2,
        "message": "Wir kommen mit dem Rad.",
    }
    assert client.post(url, data).status_code == 200
    assert len(mail.outbox) == 1
    sent = mail.outbox[0]
    assert sent.to == [host.email] and sent.reply_to == ["gast@example.org"]
    assert "Erika Gast" in sent.body and "mit dem Rad" in sent.body and "2" in sent.body
    too_many = client.post(url, {**data, "persons": 5})
    assert too_many.status_code == 400 and len(mail.outbox) == 1
    assert client.post(url, data).status_code == 429
    assert len(mail.outbox) == 1


def test_room_request_for_busy_dates_is_refused(client):
    _, room = host_with_room("voll")
    today = timezone.localdate()
    RoomPeriod.objects.create(
        room=room, first=today, until=today + dt.timedelta(days=30), kind="busy"
    )
    response = client.post(
        reverse("providers:room_request", args=[room.pk]),
        {
            "name": "A",
            "email": "a@example.org",
            "arrival": today + dt.timedelta(days=2),
            "departure": today + dt.timedelta(days=4),
            "persons": 1,
        },
    )
    assert response.status_code == 409 and not mail.outbox


def test_host_enters_free_dates_and_uploads_a_feed(client):
    host, room = host_with_room("hof")
    manager = user("gastgeber")
    host.managers.add(manager)
    client.force_login(manager)
    url = reverse("providers:host_manage", args=[host.key])
    today = timezone.localdate()
    ok = client.post(
        url,
        {
            "action": "period",
            "room": room.pk,
            f"p{room.pk}-first": today,
            f"p{room.pk}-until": today + dt.timedelta(days=30),
        },
    )
    assert ok.status_code == 302 and room.periods.filter(kind="free").count() == 1
    wrong = client.post(
        url,
        {
            "action": "period",
            "room": room.pk,
            f"p{room.pk}-first": today,
            f"p{room.pk}-until": today,
        },
    )
    assert wrong.status_code == 400
    assert "belegter Zeitraum" in client.get(url, HTTP_ACCEPT_LANGUAGE="de").content.decode()
    upload = SimpleUploadedFile("x.ics", b"kaputt", "text/calendar")
    bad = client.post(url, {"action": "import", "room": room.pk, f"i{room.pk}-file": upload})
    assert bad.status_code == 400
    _, other_room = host_with_room("anderer")
    assert client.post(url, {"action": "period", "room": other_room.pk}).status_code == 404


def test_the_booking_page_offers_the_ics_file_and_only_while_booked(client):
    s = slot(practice("wr", street="Markt 1"))
    booking = providers.book(s.pk, "Erika", "erika@example.org")
    token = providers.cancel_token(booking)
    page = client.get(reverse("providers:booking", args=[token]))
    ics_url = reverse("providers:booking_ics", args=[token])
    assert ics_url in page.content.decode()
    response = client.get(ics_url)
    assert response.status_code == 200
    assert response["Content-Type"] == "text/calendar"
    assert 'filename="termin.ics"' in response["Content-Disposition"]
    text = response.content.decode()
    assert "BEGIN:VEVENT" in text and f"UID:{booking.code}@openkreis" in text
    assert s.start.astimezone(dt.UTC).strftime("%Y%m%dT%H%M%SZ") in text or (
        s.start.strftime("%Y%m%dT%H%M%S") in text
    )
    assert "Erika" not in text  # the calendar file names the practice, not the resident
    assert client.get(reverse("providers:booking_ics", args=["kaputt"])).status_code == 404
    providers.cancel(booking)
    assert client.get(ics_url).status_code == 404
    assert ics_url not in client.get(reverse("providers:booking", args=[token])).content.decode()


def test_the_county_sets_the_retention_time_of_bookings(harz, tmp_path):
    assert Practice.objects.get(key="wr-hausarzt-brocken").retention_days == 30
    folder = tmp_path
    (folder / providers.FILE).write_text(
        "settings: {retention_days: 14}\n"
        "practices:\n"
        "  - {key: wr-hausarzt-brocken, name: X, specialty: allgemeinmedizin,"
        ' municipality: "150850370370"}\n',
        encoding="utf-8",
    )
    providers.load(None, folder, LoadReport())
    assert Practice.objects.get(key="wr-hausarzt-brocken").retention_days == 14
    (folder / providers.FILE).write_text("settings: {retention_days: 0}\n", encoding="utf-8")
    with pytest.raises(TenantDataError, match="retention_days must be a whole number 1–3650"):
        providers.load(None, folder, LoadReport())


# -- the migration: booked slots become the engine's claims ----------------------------------
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_the_migration_turns_booked_slots_into_claims():
    """Back to before the claims (capacity 0006), bookings as the old schema kept them,
    then forward: each booked row holds a claim of its slot on its practice's private
    resource; cancelled rows none; a second practice gets its own resource."""
    from django.db.migrations.executor import MigrationExecutor

    executor = MigrationExecutor(connection)
    before = [("capacity", "0006_slot_claims")]
    # forward to the app's latest migration (the models used below are today's)
    latest = [key for key in executor.loader.graph.leaf_nodes() if key[0] == "capacity"]
    executor.migrate(before)
    old = executor.loader.project_state(before[0]).apps
    Region = old.get_model("core", "Region")
    OldPractice = old.get_model("capacity", "Practice")
    OldSlot, OldBooking = (
        old.get_model("capacity", "DoctorSlot"),
        old.get_model("capacity", "SlotBooking"),
    )
    town = Region.objects.get(ars=WERNIGERODE)
    one = OldPractice.objects.create(
        key="alt-eins", name="Alt 1", specialty="hno", municipality=town
    )
    two = OldPractice.objects.create(
        key="alt-zwei", name="Alt 2", specialty="hno", municipality=town
    )
    start = ahead(3, 9)
    a = OldSlot.objects.create(practice=one, start=start, minutes=15)
    b = OldSlot.objects.create(practice=one, start=start + dt.timedelta(hours=1), minutes=15)
    c = OldSlot.objects.create(practice=two, start=start, minutes=15)
    OldBooking.objects.create(slot=a, code="OLD00001", name="A", email="a@example.org")
    OldBooking.objects.create(
        slot=b, code="OLD00002", name="B", email="b@example.org", state="cancelled"
    )
    OldBooking.objects.create(slot=c, code="OLD00003", name="C", email="c@example.org")

    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(latest)

    first, second = Practice.objects.get(key="alt-eins"), Practice.objects.get(key="alt-zwei")
    assert first.resource.branch.key == "practice:alt-eins" and first.resource.branch.private
    assert second.resource_id not in (None, first.resource_id)
    kept = SlotBooking.objects.get(code="OLD00001")
    assert (kept.claim.counter_id, kept.claim.start) == (first.resource_id, start)
    assert SlotBooking.objects.get(code="OLD00002").claim is None
    assert SlotBooking.objects.get(code="OLD00003").claim.counter_id == second.resource_id
    # after the migration the engine decides: the migrated slot is taken, the other free
    slots_ = {x.pk for x in providers.free_slots(practice=first)}
    assert slots_ == {b.pk}
    with pytest.raises(providers.SlotTaken):
        providers.book(a.pk, "Neu", "neu@example.org")
    assert providers.book(b.pk, "Neu", "neu@example.org").claim.counter_id == first.resource_id
