"""The appointments app's public functions: the only way other apps and the views change
its data. Every change runs in one transaction and writes its cockpit event
(docs/events.md, section Appointments) in the same transaction — ids and figures only.
State changes of bookings and tickets go through `openkreis.appointments.workflow`.

Times: opening hours are wall-clock times in Europe/Berlin; a slot's start is that wall
time on that day converted to an aware datetime, and durations are added in real minutes
(UTC), so a 30-minute appointment is 30 minutes long on the days the clocks change too.

One module per topic (config, slots, booking, dated, notify, queue; links and common are
shared below them). `dated` claims single dated slots of private resources (another app's
practice, say) through the same SlotClaim as every booking. Callers import the package —
`from openkreis.appointments import services` — and never a module inside it, so a
function can move without breaking them. Tests that
patch a function patch it where it is looked up: `services.booking._check_limits`, not
`services._check_limits` (the name here is only a second reference to it).
"""

from ..errors import (  # noqa: F401
    BookingError,
    HoldNotFound,
    LimitReached,
    SlotTaken,
    TransitionNotAllowed,
)
from .booking import (  # noqa: F401
    CODE_ALPHABET,
    UPCOMING,
    _check_limits,
    _new_code,
    bookings_for_user,
    cancel,
    confirm,
    expire_holds,
    hold,
    normalise_email,
    record_no_shows,
    release_hold,
    reschedule,
)
from .common import BERLIN, CELL, UTC, Slot  # noqa: F401
from .config import (  # noqa: F401
    bookable_services,
    booking_service_for,
    branch_at,
    branches_for,
    load_configuration,
    services_from_keys,
    services_of,
    tenant_branches,
    total_minutes,
)
from .dated import (  # noqa: F401
    claim_dated,
    dated_claims,
    is_claimed,
    private_resource,
    release_dated,
)
from .links import (  # noqa: F401
    TOKEN_MAX_AGE,
    TOKEN_SALT,
    booking_from_token,
    format_code,
    ics,
    manage_token,
    manage_url,
)
from .notify import send_confirmation, send_due_confirmations, send_reminders  # noqa: F401
from .queue import (  # noqa: F401
    APPOINTMENT_PREFIX,
    ON_TIME_MINUTES,
    STAFF_ROLES,
    call_next,
    check_in,
    counters_for,
    current_ticket,
    display_state,
    draw_ticket,
    finish,
    no_show,
    normalise_code,
    recall,
    transfer,
    waiting,
)
from .slots import (  # noqa: F401
    bookable_days,
    booking_window,
    calendar_of,
    check_slot,
    closed_reason,
    free_slots,
    parse_slot,
)
