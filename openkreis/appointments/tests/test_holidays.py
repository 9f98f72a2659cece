"""Public holidays computed per state: Easter, the movable feasts, Sachsen-Anhalt's own."""

import datetime as dt

from hypothesis import given
from hypothesis import strategies as st

from openkreis.appointments.holidays import easter_sunday, holiday_name, public_holidays


def test_easter_and_sachsen_anhalt_holidays():
    assert easter_sunday(2026) == dt.date(2026, 4, 5)
    assert easter_sunday(2027) == dt.date(2027, 3, 28)
    assert easter_sunday(2000) == dt.date(2000, 4, 23)
    days = public_holidays(2027, "ST")
    assert days[dt.date(2027, 1, 6)] == "Heilige Drei Könige"
    assert days[dt.date(2027, 10, 31)] == "Reformationstag"
    assert days[dt.date(2027, 3, 26)] == "Karfreitag"
    assert days[dt.date(2027, 5, 6)] == "Christi Himmelfahrt"
    assert days[dt.date(2027, 5, 17)] == "Pfingstmontag"
    assert len(days) == 11
    assert holiday_name(dt.date(2027, 1, 6), "NI") is None  # not a holiday in Niedersachsen


@given(st.integers(min_value=1900, max_value=2200))
def test_property_easter_is_a_sunday_between_march_22_and_april_25(year):
    easter = easter_sunday(year)
    assert easter.weekday() == 6
    assert dt.date(year, 3, 22) <= easter <= dt.date(year, 4, 25)
    days = public_holidays(year, "ST")
    assert dt.date(year, 1, 6) in days and dt.date(year, 10, 31) in days
    # 9 nationwide + 2 of Sachsen-Anhalt; Himmelfahrt can fall on 1 May (2008, 2160)
    assert len(days) == 11 - (easter + dt.timedelta(days=39) == dt.date(year, 5, 1))
