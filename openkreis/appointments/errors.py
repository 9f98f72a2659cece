"""The appointments app's domain errors. A module of their own, below both `services` and
`workflow`, because the workflow raises them too and must not import the services package
(the services import the workflow)."""


class BookingError(Exception):
    """A request that cannot be honoured; the message is for the user (already translated)."""


class SlotTaken(BookingError):
    """Somebody else was faster: the slot is no longer free."""


class HoldNotFound(BookingError):
    """No reservation has this key (never made, or released and tidied away)."""


class LimitReached(BookingError):
    """The fairness limit per e-mail address and service is reached."""


class TransitionNotAllowed(BookingError):
    """A state change the workflow table does not allow, or one that another request made
    first. A BookingError, so every view that shows a booking problem shows this one too."""
