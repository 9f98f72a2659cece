"""The states of a booking and of a queue ticket as data: which changes are allowed (in the
manner of Signalen's `ALLOWED_STATUS_CHANGES`), which fields a state sets when it is
entered, and how a checked-in booking follows its ticket.

Services never write `state` themselves; they call `move`, the one function that changes
a state. It checks the table and then changes the row with one conditional UPDATE ... WHERE
state = <the state the caller read>. Of two requests that read the same state only one
moves the row; the other gets `TransitionNotAllowed`. That is what keeps two counters from
calling the same ticket and a no-show run from overwriting a check-in made a moment
earlier, with or without a row lock.
"""

from __future__ import annotations

import datetime as dt

from django.db.models import F, Model
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .errors import TransitionNotAllowed
from .models import Booking, Ticket

B = Booking.State
T = Ticket.State

# from-state → the states it may move to. A state with no way out is listed with an empty
# tuple so that the table names every state (a test checks it against the model's choices).
ALLOWED_STATUS_CHANGES: dict[type[Model], dict[str, tuple[str, ...]]] = {
    Booking: {
        B.HELD: (B.BOOKED, B.EXPIRED),  # confirmed in time, or given back / run out
        B.BOOKED: (B.CANCELLED, B.CHECKED_IN, B.NO_SHOW),
        B.CHECKED_IN: (B.CALLED,),
        # called → called: a visitor sent to another counter (the ticket went back to
        # waiting, the booking stayed called) is called again there.
        B.CALLED: (B.CALLED, B.SERVED, B.NO_SHOW),
        B.CANCELLED: (),
        B.SERVED: (),
        B.NO_SHOW: (),
        B.EXPIRED: (),
    },
    Ticket: {
        T.WAITING: (T.CALLED,),
        T.CALLED: (T.WAITING, T.SERVED, T.NO_SHOW),  # waiting again = sent to another counter
        T.SERVED: (),
        T.NO_SHOW: (),
    },
}

NOW = object()  # in ON_ENTER: the time of the move

# Fields a state sets whenever it is entered (besides `state`), so that the timestamps cannot
# drift from the state: a booked booking has a booked_at and no hold expiry any more, and
# every call of a ticket counts and shows on the display.
ON_ENTER: dict[type[Model], dict[str, dict[str, object]]] = {
    Booking: {
        B.BOOKED: {"booked_at": NOW, "hold_expires_at": None},
        B.CANCELLED: {"cancelled_at": NOW},
    },
    Ticket: {
        T.CALLED: {"called_at": NOW, "shown_at": NOW, "call_count": F("call_count") + 1},
        T.SERVED: {"done_at": NOW},
        T.NO_SHOW: {"done_at": NOW},
    },
}

# A checked-in appointment's booking follows its ticket. Back to waiting (a transfer) is not
# listed: the booking stays called until the next counter calls it again.
BOOKING_FOLLOWS_TICKET: dict[str, str] = {
    T.CALLED: B.CALLED,
    T.SERVED: B.SERVED,
    T.NO_SHOW: B.NO_SHOW,
}

# What the user reads when a step is refused and the service names no better reason.
REFUSALS = {
    Booking: _("This appointment can no longer be changed."),
    Ticket: _("This is no longer possible for this ticket. Please reload the page."),
}


def allowed(model: type[Model], source: str, target: str) -> bool:
    """Whether the table lets a `model` row move from `source` to `target`."""
    return target in ALLOWED_STATUS_CHANGES[model].get(source, ())


def check(obj: Model, target: str, message: str | None = None) -> None:
    """Refuse (TransitionNotAllowed with `message`) unless `obj` may move to `target`.
    For services that must refuse before they do other work; `move` checks again."""
    model = obj._meta.model
    if not allowed(model, obj.state, target):
        raise TransitionNotAllowed(str(message or REFUSALS[model]))


def _entered(model: type[Model], target: str, now: dt.datetime) -> dict:
    return {
        name: now if value is NOW else value
        for name, value in ON_ENTER[model].get(target, {}).items()
    }


def move(
    obj: Model,
    target: str,
    *,
    now: dt.datetime | None = None,
    message: str | None = None,
    **changes,
) -> Model:
    """Move `obj` to `target`: check the table, then set the state, the fields the target
    state sets (ON_ENTER) and `changes` in one UPDATE that only matches while the row is
    still in the state `obj` was read in. Refused or overtaken: TransitionNotAllowed with
    `message` (default: REFUSALS). On success `obj` carries the new values."""
    check(obj, target, message)
    model = obj._meta.model
    values = {"state": target, **_entered(model, target, now or timezone.now()), **changes}
    if not model.objects.filter(pk=obj.pk, state=obj.state).update(**values):
        raise TransitionNotAllowed(str(message or REFUSALS[model]))
    # Expressions (call_count + 1) are computed by the database: read them back.
    computed = [name for name, value in values.items() if hasattr(value, "resolve_expression")]
    for name, value in values.items():
        if name not in computed:
            setattr(obj, name, value)
    if computed:
        obj.refresh_from_db(fields=computed)
    return obj
