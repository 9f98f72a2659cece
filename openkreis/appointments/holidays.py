"""Public holidays, computed (never typed in): the nationwide ones plus each state's own.

Easter Sunday by the anonymous Gregorian algorithm (Meeus/Jones/Butcher); the movable
feasts follow from it. Only states a tenant uses need an entry in STATE_EXTRAS.
"""

from __future__ import annotations

import datetime as dt
from functools import lru_cache


def easter_sunday(year: int) -> dt.date:
    a = year % 19
    b, c = divmod(year, 100)
    d, e = divmod(b, 4)
    f = (b + 8) // 25
    g = (b - f + 1) // 3
    h = (19 * a + b - d - g + 15) % 30
    i, k = divmod(c, 4)
    m = (32 + 2 * e + 2 * i - h - k) % 7
    n = (a + 11 * h + 22 * m) // 451
    month, day = divmod(h + m - 7 * n + 114, 31)
    return dt.date(year, month, day + 1)


# State (ISO 3166-2:DE suffix) → its own fixed holidays (month, day, name)
STATE_EXTRAS: dict[str, list[tuple[int, int, str]]] = {
    "ST": [(1, 6, "Heilige Drei Könige"), (10, 31, "Reformationstag")],
    "SN": [(10, 31, "Reformationstag")],
    "TH": [(9, 20, "Weltkindertag"), (10, 31, "Reformationstag")],
    "BB": [(10, 31, "Reformationstag")],
    "BY": [(1, 6, "Heilige Drei Könige"), (11, 1, "Allerheiligen")],
    "BW": [(1, 6, "Heilige Drei Könige"), (11, 1, "Allerheiligen")],
}


@lru_cache(maxsize=256)
def public_holidays(year: int, state: str = "ST") -> dict[dt.date, str]:
    """All public holidays of `state` in `year`, date → German name."""
    easter = easter_sunday(year)
    days = {
        dt.date(year, 1, 1): "Neujahr",
        easter - dt.timedelta(days=2): "Karfreitag",
        easter + dt.timedelta(days=1): "Ostermontag",
        dt.date(year, 5, 1): "Tag der Arbeit",
        easter + dt.timedelta(days=39): "Christi Himmelfahrt",
        easter + dt.timedelta(days=50): "Pfingstmontag",
        dt.date(year, 10, 3): "Tag der Deutschen Einheit",
        dt.date(year, 12, 25): "1. Weihnachtstag",
        dt.date(year, 12, 26): "2. Weihnachtstag",
    }
    for month, day, name in STATE_EXTRAS.get(state.upper(), []):
        days[dt.date(year, month, day)] = name
    return days


def holiday_name(day: dt.date, state: str = "ST") -> str | None:
    """The holiday's name if `day` is a public holiday in `state`, else None."""
    return public_holidays(day.year, state).get(day)
