"""Opening hours (hours.py): holidays of the Land, over midnight, seasons, 24/7, off, invalid
syntax, summer time; status texts, the week table and the OpenInterval rows."""

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone

from openkreis.directory import hours
from openkreis.directory.models import OpenInterval

from .factories import d1_place

BERLIN = ZoneInfo("Europe/Berlin")
UTC = dt.UTC


def local(text: str) -> dt.datetime:
    return dt.datetime.fromisoformat(text).replace(tzinfo=BERLIN)


# --- holidays -----------------------------------------------------------------------------


def test_ph_off_on_christmas_day():
    expr = "Mo-Su 10:00-18:00; PH off"
    assert hours.is_open(expr, local("2026-12-25 12:00"), subdiv="ST") is False
    assert hours.is_open(expr, local("2026-12-24 12:00"), subdiv="ST") is True
    assert hours.is_open(expr, local("2026-12-25 12:00"), subdiv="BY") is False


def test_reformation_day_is_a_holiday_in_sachsen_anhalt_not_in_bavaria():
    expr = "Mo-Su 10:00-18:00; PH off"
    at = local("2026-10-31 12:00")  # a Saturday
    assert hours.is_open(expr, at, subdiv="ST") is False
    assert hours.is_open(expr, at, subdiv="BY") is True
    assert hours.holiday_name(at.date(), subdiv="ST") == "Reformationstag"
    assert hours.holiday_name(at.date(), subdiv="BY") is None


def test_epiphany_is_a_holiday_in_sachsen_anhalt_but_corpus_christi_is_not():
    expr = "Mo-Fr 08:00-16:00; PH off"
    assert hours.is_open(expr, local("2026-01-06 10:00"), subdiv="ST") is False
    # Fronleichnam (4 June 2026): a holiday in Bavaria, not in Sachsen-Anhalt
    assert hours.is_open(expr, local("2026-06-04 10:00"), subdiv="ST") is True
    assert hours.is_open(expr, local("2026-06-04 10:00"), subdiv="BY") is False


def test_holiday_opening_in_a_weekday_list():
    expr = "Sa,PH 10:00-12:00"
    assert hours.is_open(expr, local("2026-10-31 11:00"), subdiv="ST") is True  # Sa and PH
    assert hours.is_open(expr, local("2026-01-06 11:00"), subdiv="ST") is True  # Tue, PH
    assert hours.is_open(expr, local("2026-01-07 11:00"), subdiv="ST") is False
    assert hours.is_open(expr, local("2026-01-06 11:00"), subdiv="BY") is True  # BY has 6.1.
    assert hours.is_open(expr, local("2026-10-27 11:00"), subdiv="ST") is False


def test_comment_with_ph_is_not_rewritten():
    expr = 'Mo-Fr 08:00-16:00 "nicht an PH"; PH off'
    assert hours.validate(expr) is None
    assert hours.is_open(expr, local("2026-10-30 10:00"), subdiv="ST") is True
    assert hours.is_open(expr, local("2026-01-06 10:00"), subdiv="ST") is False


def test_tenant_land_gives_sachsen_anhalt(harz):
    hours.forget_cached_subdivision()
    assert hours.holiday_subdivision() == "ST"
    assert hours.is_open("Mo-Su 10:00-18:00; PH off", local("2026-10-31 12:00")) is False


# --- over midnight, seasons, 24/7, off ----------------------------------------------------


def test_over_midnight():
    expr = "Fr-Sa 22:00-03:00"
    assert hours.is_open(expr, local("2026-12-04 23:30"), subdiv="ST") is True  # Fri night
    assert hours.is_open(expr, local("2026-12-05 02:30"), subdiv="ST") is True  # Sat early
    assert hours.is_open(expr, local("2026-12-06 02:30"), subdiv="ST") is True  # Sun early
    assert hours.is_open(expr, local("2026-12-06 03:30"), subdiv="ST") is False
    assert hours.is_open(expr, local("2026-12-04 02:30"), subdiv="ST") is False  # Thu night
    state = hours.status(expr, local("2026-12-04 23:00"), subdiv="ST")
    assert state["state"] == "open"
    assert state["until"] == local("2026-12-05 03:00")
    table = dict(hours.week_table(expr, dt.date(2026, 11, 30), subdiv="ST"))
    assert table[dt.date(2026, 12, 4)] == "22:00–03:00"
    assert table[dt.date(2026, 12, 5)] == "22:00–03:00"
    assert "03:00" not in table[dt.date(2026, 12, 6)]


def test_seasonal():
    expr = "Apr-Oct Mo-Su 10:00-18:00"
    assert hours.is_open(expr, local("2026-07-15 12:00"), subdiv="ST") is True
    assert hours.is_open(expr, local("2026-12-04 12:00"), subdiv="ST") is False
    state = hours.status(expr, local("2026-12-04 12:00"), subdiv="ST")
    assert state["state"] == "closed"
    assert state["next_open"] == local("2027-04-01 10:00")
    assert "01.04." in state["text"]


def test_around_the_clock_and_off():
    assert hours.is_open("24/7", local("2026-12-25 03:00"), subdiv="ST") is True
    assert hours.status("24/7", local("2026-12-04 03:00"), subdiv="ST")["until"] is None
    assert hours.is_open("off", local("2026-12-04 12:00"), subdiv="ST") is False
    assert hours.status("off", local("2026-12-04 12:00"), subdiv="ST")["next_open"] is None


def test_empty_and_unknown_are_none():
    assert hours.is_open("", local("2026-12-04 12:00")) is None
    assert hours.is_open(None, local("2026-12-04 12:00")) is None
    assert (
        hours.is_open("Mo-Fr 08:00-12:00 unknown", local("2026-12-04 10:00"), subdiv="ST") is None
    )
    assert hours.status("", local("2026-12-04 12:00"), subdiv="ST")["state"] == "unknown"


def test_status_next_opening_after_holidays():
    # Thursday 24.12.2026 evening: 25. and 26. are holidays, then Sunday → Monday 28.12.
    state = hours.status("Mo-Fr 08:00-18:00; PH off", local("2026-12-24 19:00"), subdiv="ST")
    assert state["state"] == "closed"
    assert state["next_open"] == local("2026-12-28 08:00")
    on_holiday = hours.status("Mo-Fr 08:00-18:00; PH off", local("2026-10-31 10:00"), subdiv="ST")
    assert on_holiday["holiday"] == "Reformationstag"
    assert "Reformationstag" in on_holiday["text"]


def test_status_open_until_today():
    state = hours.status("Mo-Fr 08:00-18:00", local("2026-12-04 10:00"), subdiv="ST")
    assert state["state"] == "open"
    assert state["until"] == local("2026-12-04 18:00")
    assert "18:00" in state["text"]


# --- validation ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    "expr",
    [
        "Mo-Fr 08:00-16:00; PH off",
        "24/7",
        "off",
        "Apr-Oct Mo-Su 10:00-18:00",
        "Fr-Sa 22:00-03:00",
        'Mo,We 09:00-12:00,13:00-18:00; Sa 09:00-12:00 || "nach Vereinbarung"',
        "",
    ],
)
def test_valid_expressions(expr):
    assert hours.validate(expr) is None


@pytest.mark.parametrize(
    "expr, position", [("Mo-Fr 8-16 uhr", 7), ("Montag bis Freitag", 1), ("Mo-Fr 08:00-", "08:00-")]
)
def test_invalid_syntax_is_explained_with_the_position(expr, position):
    message = hours.validate(expr)
    assert message
    assert str(position) in message
    assert hours.is_open(expr, local("2026-12-04 10:00"), subdiv="ST") is None


def test_too_long():
    assert hours.validate("Mo 08:00-09:00; " * 40)


# --- summer time --------------------------------------------------------------------------


def test_dst_spring_forward_shortens_the_night_opening():
    spans = hours.intervals(
        "Su 01:00-04:00", local("2026-03-29 00:00"), local("2026-03-30 00:00"), subdiv="ST"
    )
    assert len(spans) == 1
    start, end = (x.astimezone(UTC) for x in spans[0])
    assert start == dt.datetime(2026, 3, 29, 0, 0, tzinfo=UTC)  # 01:00 CET
    assert end == dt.datetime(2026, 3, 29, 2, 0, tzinfo=UTC)  # 04:00 CEST
    assert end - start == dt.timedelta(hours=2)
    # 01:30 UTC is 03:30 summer time: open
    assert (
        hours.is_open("Su 01:00-04:00", dt.datetime(2026, 3, 29, 1, 30, tzinfo=UTC), subdiv="ST")
        is True
    )


def test_dst_fall_back_lengthens_it():
    spans = hours.intervals(
        "Su 01:00-04:00", local("2026-10-25 00:00"), local("2026-10-26 00:00"), subdiv="ST"
    )
    start, end = (x.astimezone(UTC) for x in spans[0])
    assert end - start == dt.timedelta(hours=4)
    # the evening after the change: local winter time is UTC+1, 17:30 local = 16:30 UTC
    assert (
        hours.is_open("Su 10:00-17:30", dt.datetime(2026, 10, 25, 16, 29, tzinfo=UTC), subdiv="ST")
        is True
    )
    assert (
        hours.is_open("Su 10:00-17:30", dt.datetime(2026, 10, 25, 16, 31, tzinfo=UTC), subdiv="ST")
        is False
    )


# --- week table ---------------------------------------------------------------------------


def test_week_table_with_reformation_day():
    table = hours.week_table(
        "Mo-Fr 08:00-12:00,13:00-16:00; Sa 09:00-12:00; PH off", dt.date(2026, 10, 26), subdiv="ST"
    )
    assert [day for day, _text in table] == [
        dt.date(2026, 10, 26) + dt.timedelta(i) for i in range(7)
    ]
    rows = dict(table)
    assert rows[dt.date(2026, 10, 26)] == "08:00–12:00, 13:00–16:00"
    assert "09:00" not in rows[dt.date(2026, 10, 31)]
    assert "Reformationstag" in rows[dt.date(2026, 10, 31)]
    assert "13:00" not in rows[dt.date(2026, 11, 1)]


def test_week_table_around_the_clock_and_unknown():
    rows = dict(hours.week_table("24/7", dt.date(2026, 11, 30), subdiv="ST"))
    assert len(set(rows.values())) == 1
    assert len(rows) == 7
    unknown = hours.week_table("", dt.date(2026, 11, 30), subdiv="ST")
    assert len(unknown) == 7


# --- OpenInterval rows --------------------------------------------------------------------


def test_rebuild_writes_intervals_for_the_horizon(harz):
    place = d1_place("D1 Intervallbad", opening_hours="Mo-Su 10:00-18:00; PH off")
    none = d1_place("D1 Ohne Zeiten", opening_hours="")
    written = hours.rebuild_intervals([place, none])
    rows = list(OpenInterval.objects.filter(place=place).order_by("starts_at"))
    assert written == len(rows)
    holidays_ahead = sum(
        1
        for i in range(hours.HORIZON_DAYS)
        if hours.holiday_name(timezone.localdate() + dt.timedelta(days=i))
    )
    assert len(rows) == hours.HORIZON_DAYS - holidays_ahead
    assert all(r.ends_at - r.starts_at == dt.timedelta(hours=8) for r in rows)
    assert rows[0].starts_at.astimezone(BERLIN).date() == timezone.localdate()
    assert not OpenInterval.objects.filter(place=none).exists()
    # a second run replaces, it does not add
    hours.rebuild_intervals([place])
    assert OpenInterval.objects.filter(place=place).count() == len(rows)
    # open now = one indexed query
    now = timezone.localtime().replace(hour=12, minute=0)
    is_open_now = OpenInterval.objects.filter(
        place=place, starts_at__lte=now, ends_at__gt=now
    ).exists()
    assert is_open_now == bool(hours.is_open(place.opening_hours, now))


def test_rebuild_over_midnight_keeps_the_spill(harz):
    place = d1_place("D1 Nachtbar", opening_hours="Mo-Su 22:00-03:00")
    hours.rebuild_intervals([place])
    rows = list(OpenInterval.objects.filter(place=place).order_by("starts_at"))
    # the first row is the spill from the night before today (00:00–03:00), then full nights
    assert rows[0].starts_at.astimezone(BERLIN).time() == dt.time(0, 0)
    assert rows[1].ends_at - rows[1].starts_at == dt.timedelta(hours=5)
