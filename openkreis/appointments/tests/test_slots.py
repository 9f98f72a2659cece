"""Slot calculation: opening hours, computed holidays, closures, DST, mixed durations."""

import datetime as dt

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from openkreis.appointments import services
from openkreis.appointments.holidays import holiday_name
from openkreis.appointments.models import SlotClaim

from .helpers import BERLIN, at, svc


def test_no_slots_on_holidays_closures_and_days_without_hours(halberstadt):
    umtausch = svc("fuehrerschein-umtausch")
    now = at("2026-12-28")
    assert services.free_slots(halberstadt, umtausch, dt.date(2027, 1, 6), now) == []  # Drei Könige
    assert services.free_slots(halberstadt, umtausch, dt.date(2026, 12, 31), now) == []  # closure
    assert services.free_slots(halberstadt, umtausch, dt.date(2027, 1, 8), now) == []  # Friday
    assert services.free_slots(halberstadt, umtausch, dt.date(2027, 1, 7), now)  # Thursday
    assert "Heilige Drei Könige" in services.closed_reason(halberstadt, dt.date(2027, 1, 6))
    days = [d for d, _ in services.bookable_days(halberstadt, umtausch, now)]
    assert dt.date(2027, 1, 6) not in days and dt.date(2027, 1, 4) in days


def test_opening_hours_lead_time_and_horizon(halberstadt):
    umtausch = svc("fuehrerschein-umtausch")
    now = at("2027-01-07", "09:03")
    slots = services.free_slots(halberstadt, umtausch, dt.date(2027, 1, 7), now)
    # lead time 120 minutes: the first slot is 11:10; 11:50 ends at 12:05 > 12:00 closing
    starts = [s.local_start.strftime("%H:%M") for s in slots]
    assert starts[0] == "11:10" and "11:50" not in starts and "11:40" in starts
    assert "13:00" in starts and starts[-1] == "15:40"
    assert services.free_slots(halberstadt, umtausch, dt.date(2027, 2, 15), now) == []  # > 28 days


@pytest.mark.parametrize(
    "day,utc_hour",
    [
        ("2027-03-25", 7),  # Thursday before spring forward: CET, 08:00 = 07:00 UTC
        ("2027-03-30", 6),  # Tuesday after: CEST, 08:00 = 06:00 UTC (29th is Easter Monday)
        ("2026-10-22", 6),  # Thursday before fall back: CEST
        ("2026-10-26", 7),  # Monday after: CET
    ],
)
def test_slots_keep_wall_clock_hours_across_dst(halberstadt, day, utc_hour):
    umtausch = svc("fuehrerschein-umtausch")
    now = at("2027-03-20") if day.startswith("2027") else at("2026-10-19")
    slots = services.free_slots(halberstadt, umtausch, dt.date.fromisoformat(day), now)
    assert slots[0].local_start.strftime("%H:%M") == "08:00"
    assert slots[0].start.hour == utc_hour
    assert all(s.end - s.start == dt.timedelta(minutes=15) for s in slots)


def test_dst_booking_duration_is_real_minutes(halberstadt):
    kfz = svc("kfz-zulassung")
    now = at("2027-03-26")
    slot = services.free_slots(halberstadt, kfz, dt.date(2027, 3, 30), now)[0]
    booking = services.hold(halberstadt, kfz, slot.start, now)
    # 30 minutes + 5 buffer = 7 cells of 5 minutes, consecutive in real time
    cells = sorted(SlotClaim.objects.filter(booking=booking).values_list("start", flat=True))
    assert len(cells) == 7
    assert all(b - a == dt.timedelta(minutes=5) for a, b in zip(cells, cells[1:], strict=False))


def test_mixed_durations_add_up_and_need_one_counter_for_all(halberstadt):
    both = svc("fuehrerschein-umtausch", "kfz-zulassung")
    now = at("2027-01-04")
    slots = services.free_slots(halberstadt, both, dt.date(2027, 1, 7), now)
    assert all(s.end - s.start == dt.timedelta(minutes=45) for s in slots)
    starts = [s.local_start.strftime("%H:%M") for s in slots]
    assert "11:10" in starts and "11:20" not in starts  # 11:20 + 45 > 12:00
    assert all(s.free == 1 for s in slots)  # only Schalter 3 does both
    # a combination no counter serves has no office at all
    assert services.branches_for(svc("aufenthaltstitel", "kfz-zulassung")) == []


def test_buffer_blocks_the_next_start(halberstadt):
    aufenthalt = svc("aufenthaltstitel")  # one counter, 30 minutes + 5 buffer
    now = at("2027-01-04")
    day = dt.date(2027, 1, 7)
    first = services.free_slots(halberstadt, aufenthalt, day, now)[0]
    services.hold(halberstadt, aufenthalt, first.start, now)
    starts = [
        s.local_start.strftime("%H:%M")
        for s in services.free_slots(halberstadt, aufenthalt, day, now)
    ]
    assert "08:00" not in starts and "08:30" not in starts and "08:40" in starts


@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    keys=st.lists(
        st.sampled_from(
            [
                "fuehrerschein-umtausch",
                "fuehrerschein-ersatz",
                "internationaler-fuehrerschein",
                "kfz-zulassung",
                "kfz-umschreibung",
                "kfz-ausserbetriebsetzung",
            ]
        ),
        min_size=1,
        max_size=3,
        unique=True,
    ),
    offset=st.integers(min_value=0, max_value=27),
    pick=st.integers(min_value=0, max_value=1000),
)
def test_property_slots_inside_hours_and_booking_removes_capacity(halberstadt, keys, offset, pick):
    chosen = svc(*keys)
    now = at("2027-03-15")
    day = dt.date(2027, 3, 15) + dt.timedelta(days=offset)
    slots = services.free_slots(halberstadt, chosen, day, now)
    minutes = sum(s.minutes for s in chosen)
    hours = list(halberstadt.location.opening_hours.filter(weekday=day.weekday()))
    if holiday_name(day) or not hours:
        assert slots == []
        return
    for slot in slots:
        local_start, local_end = slot.local_start, slot.end.astimezone(BERLIN)
        assert slot.end - slot.start == dt.timedelta(minutes=minutes)
        assert any(h.opens <= local_start.time() and local_end.time() <= h.closes for h in hours)
        assert slot.start >= now + dt.timedelta(minutes=halberstadt.lead_minutes)
    if not slots:
        return
    slot = slots[pick % len(slots)]
    booking = services.hold(halberstadt, chosen, slot.start, now)
    after = {s.start: s.free for s in services.free_slots(halberstadt, chosen, day, now)}
    assert after.get(slot.start, 0) == slot.free - 1
    # no counter holds two claims for one cell (the database would refuse it anyway)
    cells = list(SlotClaim.objects.filter(booking=booking).values_list("counter_id", "start"))
    assert len(cells) == len(set(cells))
    services.release_hold(booking.hold_key)


def test_the_days_claims_read_by_hand_are_the_orms(db):
    """services.slots._taken_cells writes its query out; it must find exactly the claims the
    ORM's filter finds: booked and live holds count, expired holds do not, dated claims
    without a booking count, other counters and cells outside the range do not."""
    from openkreis.appointments.models import Booking
    from openkreis.appointments.services.slots import _taken_cells

    from .factories import BookingFactory, CounterFactory

    now = at("2030-03-04", "09:00")
    base = at("2030-03-05", "08:00")
    booked = BookingFactory(start=base)
    branch, counter = booked.branch, booked.counter
    other = CounterFactory(branch=branch)
    elsewhere = CounterFactory(branch=branch)
    live = BookingFactory(
        branch=branch, counter=other, state=Booking.State.HELD, hold_expires_at=now
    )
    expired = BookingFactory(
        branch=branch, counter=other, state=Booking.State.HELD, hold_expires_at=now
    )
    Booking.objects.filter(pk=expired.pk).update(hold_expires_at=now - dt.timedelta(minutes=1))
    Booking.objects.filter(pk=live.pk).update(hold_expires_at=now + dt.timedelta(minutes=1))
    cell = services.CELL
    rows = [
        (counter, base, booked),
        (counter, base + cell, booked),
        (other, base, live),
        (other, base + 2 * cell, expired),
        (other, base + 3 * cell, None),  # a dated claim
        (elsewhere, base, None),  # a counter not asked for
        (counter, base - cell, booked),  # before the range
        (counter, base + 12 * cell, booked),  # the range's end is not in it
    ]
    SlotClaim.objects.bulk_create(SlotClaim(counter=c, start=s, booking=b) for c, s, b in rows)
    end = base + 12 * cell
    taken = _taken_cells([counter, other], base, end, now)
    orm = (
        SlotClaim.objects.filter(counter__in=[counter, other], start__gte=base, start__lt=end)
        .exclude(booking__state=Booking.State.HELD, booking__hold_expires_at__lte=now)
        .values_list("counter_id", "start")
    )
    assert {(c, s) for s, ids in taken.items() for c in ids} == set(orm)
    assert taken == {
        base: {counter.pk, other.pk},
        base + cell: {counter.pk},
        base + 3 * cell: {other.pk},
    }
    assert all(s.tzinfo == services.UTC for s in taken)
    assert _taken_cells([], base, end, now) == {}
