"""Booking: holds, fairness, cancellation, moving, signed links, the race for the last
slot and for the fairness limit."""

import contextlib
import datetime as dt
import threading
import time

import pytest
from django.db import connection
from django.utils import timezone

from openkreis.appointments import services
from openkreis.appointments.models import Booking, Branch, SlotClaim
from openkreis.core.models import Event

from .factories import BookingFactory, SlotClaimFactory
from .helpers import BERLIN, book, first_slot, svc

PERSONAL = ("Erika", "Mustermann", "erika@example.org")


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
    slot = first_slot(quedlinburg, chosen, now, after_today=True)
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


def test_limit_counts_the_upcoming_bookings_of_each_service_of_the_address(quedlinburg):
    """The fairness count: upcoming bookings (booked or checked in) of this address per
    service; past, cancelled and other addresses' bookings do not count, nor the booking
    being confirmed; a booking of two services counts for each of them."""
    licence, power = svc("fuehrerschein-umtausch", "vorsorgevollmacht-beglaubigen")
    licence.max_per_email = 2
    licence.save()
    email = "fair@example.org"
    ahead = timezone.now() + dt.timedelta(days=2)
    for state, start, address in [
        (Booking.State.BOOKED, timezone.now() - dt.timedelta(days=1), email),  # past
        (Booking.State.CANCELLED, ahead, email),
        (Booking.State.BOOKED, ahead, "other@example.org"),
        (Booking.State.CHECKED_IN, ahead, email),  # counts: one of two
    ]:
        BookingFactory(
            branch=quedlinburg, chosen=[licence], state=state, start=start, email=address
        )
    # a second one for the licence passes (and counts for the power of attorney too)
    both = [licence, power]
    book(quedlinburg, both, first_slot(quedlinburg, both, after_today=True), email=email)
    held = services.hold(quedlinburg, [licence], first_slot(quedlinburg, [licence]).start)
    with pytest.raises(services.LimitReached, match="2"):
        services.confirm(held.hold_key, "Erika", email)
    held = services.hold(quedlinburg, [power], first_slot(quedlinburg, [power]).start)
    with pytest.raises(services.LimitReached):  # power of attorney: one per address
        services.confirm(held.hold_key, "Erika", email)
    # confirming the same hold again (a double click) is not counted against itself
    held = services.hold(quedlinburg, [power], first_slot(quedlinburg, [power]).start)
    booking = services.confirm(held.hold_key, "Erika", "another@example.org")
    assert services.confirm(held.hold_key, "Erika", "another@example.org") == booking


def test_reschedule_moves_all_or_nothing(quedlinburg):
    chosen = svc("fuehrerschein-umtausch")
    booking = book(quedlinburg, chosen, first_slot(quedlinburg, chosen, after_today=True))
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


def test_expire_holds_gives_back_only_holds_past_their_time(db):
    now = timezone.now()
    late = BookingFactory(state=Booking.State.HELD, hold_expires_at=now - dt.timedelta(minutes=1))
    live = BookingFactory(state=Booking.State.HELD, hold_expires_at=now + dt.timedelta(minutes=5))
    booked = BookingFactory()
    for booking in (late, live, booked):
        SlotClaimFactory(booking=booking)
    assert services.expire_holds(now) == 1
    states = dict(
        Booking.objects.filter(pk__in=[late.pk, live.pk, booked.pk]).values_list("pk", "state")
    )
    assert states == {late.pk: "expired", live.pk: "held", booked.pk: "booked"}
    assert not SlotClaim.objects.filter(booking=late).exists()
    assert SlotClaim.objects.filter(booking__in=[live, booked]).count() == 2


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
    check = services._check_limits

    def slow_check(booking, email, now):
        check(booking, email, now)
        time.sleep(0.3)

    # confirm looks the limit check up in its own module: patch it there
    monkeypatch.setattr(services.booking, "_check_limits", slow_check)
    chosen = svc("fuehrerschein-umtausch")
    holds = []  # at two sites: confirmations at one site also wait for each other's row locks
    for key in ("lra-quedlinburg", "lra-halberstadt"):
        branch = Branch.objects.get(location__key=key)
        # a day after today: late in the afternoon today may have one slot left or none
        day = first_slot(branch, chosen, after_today=True).local_start.date()
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


def test_a_claim_with_one_cell_taken_leaves_no_row_behind(quedlinburg):
    """Three cells of which the middle one is taken: the claim fails, none of its rows stay,
    the transaction goes on, and the three free cells next to them are claimed in one go."""
    from django.db import transaction

    from openkreis.appointments.services import booking as engine

    taken = BookingFactory(branch=quedlinburg, state=Booking.State.BOOKED)
    counter = taken.counter
    SlotClaimFactory(booking=taken, counter=counter, start=taken.start)
    cell = dt.timedelta(minutes=5)
    wanted = [taken.start - cell, taken.start, taken.start + cell]
    mine = BookingFactory(branch=quedlinburg, counter=counter, state=Booking.State.HELD)
    now = timezone.now()
    with transaction.atomic():
        assert engine._claim(mine, counter, wanted, now) is False
        assert not SlotClaim.objects.filter(booking=mine).exists()
        later = [taken.start + cell * (i + 1) for i in range(3)]
        assert engine._claim(mine, counter, later, now) is True  # the transaction goes on
    rows = SlotClaim.objects.filter(counter=counter).order_by("start")
    assert [(r.start, r.booking_id) for r in rows] == [(taken.start, taken.pk)] + [
        (start, mine.pk) for start in later
    ]


@contextlib.contextmanager
def _open_in_another_thread(work):
    """Run `work()` in a transaction of another thread and keep that transaction open while
    the block runs (rolled back afterwards); yields a dict with work's result as "value"."""
    from django.db import transaction

    started, go_on, outcome = threading.Event(), threading.Event(), {}

    def run():
        try:
            with transaction.atomic():
                outcome["value"] = work()
                started.set()
                go_on.wait(30)
                transaction.set_rollback(True)
        finally:
            connection.close()

    worker = threading.Thread(target=run)
    worker.start()
    try:
        assert started.wait(10)
        yield outcome
    finally:
        go_on.set()
        worker.join()


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_lost_race_leaves_no_row_that_makes_another_booker_wait(quedlinburg):
    """A claim that lost one of its cells, inside a transaction that stays open (a booker
    going on to the next counter): another booker claims the cells it did not get at once.
    Rows inserted and deleted again in the open transaction would make the second booker
    wait for its end (PostgreSQL's unique check); the savepoint's rollback does not."""
    if connection.vendor != "postgresql":
        pytest.skip("waiting on another transaction's rows: PostgreSQL only")
    from django.db import transaction

    from openkreis.appointments.services import booking as engine

    taken = BookingFactory(branch=quedlinburg, state=Booking.State.BOOKED)
    counter = taken.counter
    SlotClaimFactory(booking=taken, counter=counter, start=taken.start)
    cell = dt.timedelta(minutes=5)
    loser = BookingFactory(branch=quedlinburg, counter=counter, state=Booking.State.HELD)
    other = BookingFactory(branch=quedlinburg, counter=counter, state=Booking.State.HELD)
    wanted = [taken.start - cell, taken.start]
    with (
        _open_in_another_thread(
            lambda: engine._claim(loser, counter, wanted, timezone.now())
        ) as outcome,
        transaction.atomic(),
    ):
        with connection.cursor() as cur:
            cur.execute("SET LOCAL lock_timeout = '2s'")
        t0 = time.monotonic()
        got = engine._claim(other, counter, [taken.start - cell], timezone.now())
        waited = time.monotonic() - t0
    assert outcome["value"] is False
    assert got is True and waited < 1.5, waited


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_claim_stopped_by_a_lock_timeout_leaves_the_transaction_usable(quedlinburg):
    """Another booker's claim on the same cell is still open and this one gives up waiting
    (PostgreSQL's lock timeout): the error reaches the caller, and its transaction can go on,
    as after the ORM's savepoint."""
    if connection.vendor != "postgresql":
        pytest.skip("lock timeouts: PostgreSQL only")
    from django.db import OperationalError, transaction

    from openkreis.appointments.services import booking as engine

    first = BookingFactory(branch=quedlinburg, state=Booking.State.HELD)
    counter = first.counter
    second = BookingFactory(branch=quedlinburg, counter=counter, state=Booking.State.HELD)
    cell = [first.start]
    first_claim = lambda: engine._claim(first, counter, cell, timezone.now())  # noqa: E731
    with _open_in_another_thread(first_claim) as out:
        assert out["value"] is True
        with transaction.atomic():
            with connection.cursor() as cur:
                cur.execute("SET LOCAL lock_timeout = '200ms'")
            with pytest.raises(OperationalError):
                engine._claim(second, counter, cell, timezone.now())
            # without the savepoint's rollback: "current transaction is aborted"
            assert Booking.objects.filter(pk=second.pk).exists()
