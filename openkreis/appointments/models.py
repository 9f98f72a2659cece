"""Data and invariants of the appointments app.

No double booking is an invariant of the database, not of the code: every booking claims
the grid cells (5 minutes each) it occupies on one counter as `SlotClaim` rows, and
(counter, start) is unique. Two bookers racing for the last slot both try to insert the
same claim rows; the database lets exactly one transaction commit them.

The same claim serves resources that are no public office: a *private* branch (a doctor's
practice of the capacity app, say) has no core Location, never appears on the public
appointment pages, and its single dated slots are claimed as one `SlotClaim` row each
without a `Booking` (services.claim_dated; the app that claimed keeps its own record).
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from openkreis.catalog.models import Service
from openkreis.core.models import Location

CELL_MINUTES = 5  # the booking grid; durations and buffers are multiples of it


class AppointmentService(models.Model):
    """Something a citizen can book or draw a ticket for at a location: a catalogue service,
    or an errand of its own (the central pick-up counter, Abholschalter)."""

    key = models.SlugField(max_length=80, unique=True)
    service = models.ForeignKey(
        Service, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    name = models.CharField(max_length=200)
    name_en = models.CharField(max_length=200, blank=True)
    minutes = models.PositiveSmallIntegerField()
    prefix = models.CharField(max_length=2, default="A", help_text=_("Ticket number prefix"))
    max_per_email = models.PositiveSmallIntegerField(default=1)
    bookable = models.BooleanField(default=True, help_text=_("Online booking (else walk-in)"))
    walk_in = models.BooleanField(default=True)
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["position", "name"]

    def __str__(self) -> str:
        return self.display_name

    @property
    def display_name(self) -> str:
        if (get_language() or "de").startswith("en") and self.name_en:
            return self.name_en
        return self.name


class Branch(models.Model):
    """Appointment rules of one core Location (opening hours stay on the Location); or a
    private resource of another app (no Location, a key and a name), whose dated slots are
    claimed through the same SlotClaim and which no public page ever lists."""

    location = models.OneToOneField(
        Location, null=True, blank=True, on_delete=models.CASCADE, related_name="branch"
    )
    private = models.BooleanField(
        default=False, help_text=_("Not a public office: never listed on the appointment pages")
    )
    key = models.CharField(max_length=120, unique=True, null=True, blank=True)
    name = models.CharField(max_length=200, blank=True)
    services = models.ManyToManyField(AppointmentService, related_name="branches")
    buffer_minutes = models.PositiveSmallIntegerField(default=0)
    horizon_days = models.PositiveSmallIntegerField(default=28)
    lead_minutes = models.PositiveIntegerField(default=120)
    step_minutes = models.PositiveSmallIntegerField(default=10)
    hold_minutes = models.PositiveSmallIntegerField(default=10)
    no_show_minutes = models.PositiveSmallIntegerField(default=15)
    holidays = models.CharField(max_length=10, default="ST", help_text=_("State code, e.g. ST"))

    class Meta:
        constraints = [
            # a public branch is an office (a Location); a private one is known by its key
            models.CheckConstraint(
                condition=models.Q(private=False, location__isnull=False)
                | models.Q(private=True, location__isnull=True, key__isnull=False),
                name="branch_office_or_private",
            )
        ]

    def __str__(self) -> str:
        return str(self.location) if self.location_id else (self.name or self.key or "")


class Counter(models.Model):
    """A counter (Schalter) or staff place at a branch; serves some of its services."""

    branch = models.ForeignKey(Branch, on_delete=models.CASCADE, related_name="counters")
    label = models.CharField(max_length=40)
    services = models.ManyToManyField(AppointmentService, related_name="counters")
    active = models.BooleanField(default=True)

    class Meta:
        ordering = ["branch_id", "label"]
        constraints = [
            models.UniqueConstraint(fields=["branch", "label"], name="uniq_counter_label")
        ]

    def __str__(self) -> str:
        return f"{self.label} · {self.branch}"


class Closure(models.Model):
    """Days a branch (or every branch, when branch is empty) is closed."""

    branch = models.ForeignKey(
        Branch, null=True, blank=True, on_delete=models.CASCADE, related_name="closures"
    )
    first_day = models.DateField()
    last_day = models.DateField()
    reason = models.CharField(max_length=200, blank=True)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=models.Q(last_day__gte=models.F("first_day")),
                name="closure_ends_after_start",
            )
        ]

    def __str__(self) -> str:
        return f"{self.first_day}–{self.last_day} {self.reason}"


class Booking(models.Model):
    """An appointment. A hold becomes a booking when the citizen confirms it in time."""

    class State(models.TextChoices):
        HELD = "held", _("Held")
        BOOKED = "booked", _("Booked")
        CANCELLED = "cancelled", _("Cancelled")
        CHECKED_IN = "checked_in", _("Checked in")
        CALLED = "called", _("Called")
        SERVED = "served", _("Served")
        NO_SHOW = "no_show", _("No-show")
        EXPIRED = "expired", _("Hold expired")

    ACTIVE = (State.HELD, State.BOOKED, State.CHECKED_IN, State.CALLED, State.SERVED)

    code = models.CharField(max_length=12, unique=True)
    hold_key = models.CharField(max_length=40, unique=True)
    branch = models.ForeignKey(Branch, on_delete=models.PROTECT, related_name="bookings")
    counter = models.ForeignKey(Counter, on_delete=models.PROTECT, related_name="bookings")
    services = models.ManyToManyField(AppointmentService, related_name="bookings")
    service_keys = models.JSONField(default=list)
    start = models.DateTimeField(db_index=True)
    end = models.DateTimeField()
    minutes = models.PositiveSmallIntegerField()
    state = models.CharField(max_length=12, choices=State.choices, default=State.HELD)
    hold_expires_at = models.DateTimeField(null=True, blank=True)
    name = models.CharField(max_length=200, blank=True)
    email = models.EmailField(blank=True, db_index=True)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="appointment_bookings",
    )
    created_at = models.DateTimeField(default=timezone.now)
    booked_at = models.DateTimeField(null=True, blank=True)
    reminded_at = models.DateTimeField(null=True, blank=True)
    cancelled_at = models.DateTimeField(null=True, blank=True)
    # The confirmation e-mail as a durable outbox in the row itself: set in the transaction
    # that books or moves, cleared when the mail went out (services.send_due_confirmations,
    # run by beat every few seconds); a failure moves it on (1, 2, 4 … minutes, 12 tries).
    # The language is the one the citizen booked in: the mails are written in it.
    confirmation_due_at = models.DateTimeField(null=True, blank=True)
    confirmation_tries = models.PositiveSmallIntegerField(default=0)
    language = models.CharField(max_length=8, blank=True)

    class Meta:
        ordering = ["start"]
        indexes = [
            models.Index(fields=["state", "start"]),
            models.Index(fields=["email", "state"]),
            models.Index(
                fields=["confirmation_due_at"],
                condition=models.Q(confirmation_due_at__isnull=False),
                name="appt_confirmation_due",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.code} {self.start:%Y-%m-%d %H:%M}"


class SlotClaim(models.Model):
    """One grid cell of one counter taken by one booking (held or booked); or, on a private
    branch's counter, one dated slot claimed without a booking (`booking` empty)."""

    counter = models.ForeignKey(Counter, on_delete=models.CASCADE, related_name="claims")
    start = models.DateTimeField()
    booking = models.ForeignKey(
        Booking, null=True, blank=True, on_delete=models.CASCADE, related_name="claims"
    )

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["counter", "start"], name="uniq_counter_cell")
        ]

    def __str__(self) -> str:
        return f"{self.counter_id}@{self.start:%Y-%m-%d %H:%M}"


class DayCounter(models.Model):
    """The last ticket number given at a branch on a day, per prefix (locked when drawn)."""

    branch = models.ForeignKey(Branch, on_delete=models.CASCADE, related_name="+")
    day = models.DateField()
    prefix = models.CharField(max_length=2)
    last = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["branch", "day", "prefix"], name="uniq_day_counter")
        ]

    def __str__(self) -> str:
        return f"{self.prefix}{self.last} {self.day}"


class Ticket(models.Model):
    """A place in the on-site queue: a walk-in ticket, or an appointment holder checked in."""

    class State(models.TextChoices):
        WAITING = "waiting", _("Waiting")
        CALLED = "called", _("Called")
        SERVED = "served", _("Served")
        NO_SHOW = "no_show", _("No-show")

    branch = models.ForeignKey(Branch, on_delete=models.PROTECT, related_name="tickets")
    service = models.ForeignKey(AppointmentService, on_delete=models.PROTECT, related_name="+")
    booking = models.OneToOneField(
        Booking, null=True, blank=True, on_delete=models.SET_NULL, related_name="ticket"
    )
    number = models.CharField(max_length=8)
    day = models.DateField()
    token = models.CharField(max_length=40, unique=True)
    state = models.CharField(max_length=10, choices=State.choices, default=State.WAITING)
    counter = models.ForeignKey(
        Counter, null=True, blank=True, on_delete=models.SET_NULL, related_name="tickets"
    )
    target_counter = models.ForeignKey(
        Counter, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    called_at = models.DateTimeField(null=True, blank=True)  # first call: waiting time ends
    shown_at = models.DateTimeField(null=True, blank=True)  # last call or recall: the display
    call_count = models.PositiveSmallIntegerField(default=0)
    done_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["created_at"]
        constraints = [
            models.UniqueConstraint(fields=["branch", "day", "number"], name="uniq_ticket_number")
        ]
        indexes = [models.Index(fields=["branch", "state", "created_at"])]

    def __str__(self) -> str:
        return self.number

    @property
    def is_appointment(self) -> bool:
        return self.booking_id is not None
