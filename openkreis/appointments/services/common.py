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
# What `select_for_update(of=_LOCKED, no_key=True)` locks when a booking is read with its
# branch and location: the booking row and nothing else. Until issue 26 it locked the branch
# too, and at release time (a new week opens, everyone books at once) that one row made a
# site's confirmations wait for each other, and every new hold there as well: inserting a
# booking takes a key-share lock on its branch, which FOR UPDATE blocks. Nothing needs the
# branch locked: the cells are guarded by SlotClaim's unique (counter, start), a state change
# by the workflow's conditional UPDATE, the fairness limit by a per-address advisory lock.
# FOR NO KEY UPDATE, because nothing changes a booking's id: claims that point at it may
# still be inserted meanwhile (a plain FOR UPDATE blocks their key-share lock too).
_LOCKED = ("self",)


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
