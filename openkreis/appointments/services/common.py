"""What every services module shares: local time, the booking grid, the Slot value and the
base of every cockpit event."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from ..models import CELL_MINUTES, Booking

BERLIN = ZoneInfo("Europe/Berlin")
UTC = dt.UTC
CELL = dt.timedelta(minutes=CELL_MINUTES)
# What `select_for_update(of=_LOCKED)` locks when a booking is read with its branch and
# location: the booking and its branch, as before private branches made the location an
# outer join (PostgreSQL locks no row on the nullable side of an outer join).
_LOCKED = ("self", "branch")


@dataclass(frozen=True)
class Slot:
    start: dt.datetime  # aware, UTC
    end: dt.datetime
    free: int  # counters still free for it

    @property
    def local_start(self) -> dt.datetime:
        return self.start.astimezone(BERLIN)

    @property
    def value(self) -> str:
        """What a form posts: the local wall time, e.g. 2026-03-30T08:20."""
        return self.local_start.strftime("%Y-%m-%dT%H:%M")


def _local(day: dt.date, time: dt.time) -> dt.datetime:
    return dt.datetime.combine(day, time, tzinfo=BERLIN).astimezone(UTC)


def _cells(start: dt.datetime, minutes: int) -> list[dt.datetime]:
    return [start + i * CELL for i in range(minutes // CELL_MINUTES)]


def _event_base(booking: Booking) -> dict:
    """Ids and figures only (docs/events.md): no name or e-mail ever goes into an event."""
    return {
        "location": booking.branch.location.key,
        "services": list(booking.service_keys),
        "kind": "booking",
    }
