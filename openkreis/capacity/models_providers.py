"""Doctor slots and holiday rooms (issue 18, docs/capacity.md "Doctor slots and holiday
rooms"): practices publish free appointment slots, residents book them; hosts publish rooms
and their free dates, guests send a request by e-mail.

No double booking is the appointments engine's job, through its one claim mechanism: each
practice is a private resource of the engine (`Practice.resource`, a Counter of a private
Branch that no public page lists), and a booked slot holds the engine's dated claim of
(that counter, the slot's start) — `SlotBooking.claim`, a unique `SlotClaim` row. Two
residents racing for the same slot both try to claim it; the database lets exactly one
commit. A booked row always has its claim and a cancelled one never (a check constraint).
"""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from openkreis.core.models import Region

__all__ = [
    "Specialty",
    "Practice",
    "DoctorSlot",
    "SlotBooking",
    "WaitlistEntry",
    "Host",
    "Room",
    "RoomPeriod",
]


class Specialty(models.TextChoices):
    GENERAL = "allgemeinmedizin", _("General practice")
    PAEDIATRICS = "kinderheilkunde", _("Paediatrics")
    EYES = "augenheilkunde", _("Ophthalmology")
    GYNAECOLOGY = "gynaekologie", _("Gynaecology")
    ENT = "hno", _("Ear, nose and throat")
    SKIN = "dermatologie", _("Dermatology")
    ORTHOPAEDICS = "orthopaedie", _("Orthopaedics")
    PSYCHOTHERAPY = "psychotherapie", _("Psychotherapy")
    DENTISTRY = "zahnmedizin", _("Dentistry")


class Practice(models.Model):
    """A doctor's practice that publishes free appointment slots."""

    key = models.SlugField(max_length=80, unique=True)
    name = models.CharField(max_length=200)
    specialty = models.CharField(max_length=30, choices=Specialty.choices)
    street = models.CharField(max_length=200, blank=True)
    postcode = models.CharField(max_length=5, blank=True)
    town = models.CharField(max_length=120, blank=True)
    municipality = models.ForeignKey(Region, on_delete=models.PROTECT, related_name="practices")
    lat = models.FloatField(null=True, blank=True)
    lon = models.FloatField(null=True, blank=True)
    hours = models.CharField(max_length=300, blank=True)
    languages = models.CharField(max_length=300, blank=True)
    barrier_free = models.BooleanField(default=False)
    phone = models.CharField(max_length=60, blank=True)
    email = models.EmailField(blank=True)
    url = models.URLField(blank=True)
    # a subscribed iCalendar feed (the practice's or booking channel's export URL), fetched
    # hourly by feeds.refresh_all; the last fetch's time and problem are shown to the managers
    calendar_url = models.URLField(max_length=500, blank=True)
    calendar_fetched_at = models.DateTimeField(null=True, blank=True)
    calendar_error = models.CharField(max_length=300, blank=True)
    # how many people on the waiting list hear of a slot that became free
    notify_waiting = models.PositiveSmallIntegerField(default=3)
    # days after an appointment (or a waiting-list mail) until the names and e-mail
    # addresses go (county setting `retention_days`, capacity/retention.py)
    retention_days = models.PositiveSmallIntegerField(default=30)
    managers = models.ManyToManyField(
        settings.AUTH_USER_MODEL, blank=True, related_name="managed_practices"
    )
    active = models.BooleanField(default=True)
    # the practice as a private resource of the appointments engine (made on first booking)
    resource = models.OneToOneField(
        "appointments.Counter",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class DoctorSlot(models.Model):
    """One free appointment a practice published (entered or imported from its calendar)."""

    class Source(models.TextChoices):
        MANUAL = "manual", _("Entered")
        ICAL = "ical", _("Calendar import")

    practice = models.ForeignKey(Practice, on_delete=models.CASCADE, related_name="slots")
    start = models.DateTimeField(db_index=True)
    minutes = models.PositiveSmallIntegerField(default=15)
    source = models.CharField(max_length=10, choices=Source.choices, default=Source.MANUAL)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["start"]
        constraints = [
            models.UniqueConstraint(fields=["practice", "start"], name="uniq_practice_slot")
        ]

    def __str__(self) -> str:
        return f"{self.practice} {self.start:%Y-%m-%d %H:%M}"

    @property
    def end(self) -> dt.datetime:
        return self.start + dt.timedelta(minutes=self.minutes)


class SlotBooking(models.Model):
    """A resident's booking of a slot. A booked row holds the engine's claim of the slot
    (unique per practice and start), so at most one booked row per slot can exist."""

    class State(models.TextChoices):
        BOOKED = "booked", _("Booked")
        CANCELLED = "cancelled", _("Cancelled")

    slot = models.ForeignKey(DoctorSlot, on_delete=models.CASCADE, related_name="bookings")
    code = models.CharField(max_length=12, unique=True)
    name = models.CharField(max_length=200)
    email = models.EmailField()
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="slot_bookings",
    )
    state = models.CharField(max_length=10, choices=State.choices, default=State.BOOKED)
    created_at = models.DateTimeField(default=timezone.now)
    cancelled_at = models.DateTimeField(null=True, blank=True)
    # the appointments engine's dated claim of the slot while booked (PROTECT: the slot
    # cannot be freed behind the booking's back; cancel() lets go of it first)
    claim = models.OneToOneField(
        "appointments.SlotClaim",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.CheckConstraint(
                condition=Q(state="booked", claim__isnull=False)
                | Q(state="cancelled", claim__isnull=True),
                name="booked_holds_claim",
            )
        ]

    def __str__(self) -> str:
        return self.code


class WaitlistEntry(models.Model):
    """Someone who wants to hear when a slot at this practice (its specialty) becomes free."""

    practice = models.ForeignKey(Practice, on_delete=models.CASCADE, related_name="waiting")
    specialty = models.CharField(max_length=30, choices=Specialty.choices)
    name = models.CharField(max_length=200)
    email = models.EmailField()
    created_at = models.DateTimeField(default=timezone.now)
    notified_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["created_at", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["practice", "specialty", "email"], name="uniq_waitlist_entry"
            )
        ]

    def __str__(self) -> str:
        return f"{self.practice}: {self.email}"


class Host(models.Model):
    """Someone who lets holiday rooms (a guest house, a flat, a farm)."""

    key = models.SlugField(max_length=80, unique=True)
    name = models.CharField(max_length=200)
    email = models.EmailField()
    municipality = models.ForeignKey(Region, on_delete=models.PROTECT, related_name="hosts")
    managers = models.ManyToManyField(
        settings.AUTH_USER_MODEL, blank=True, related_name="managed_hosts"
    )
    active = models.BooleanField(default=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Room(models.Model):
    """A room or flat of a host. Free when a free period covers the stay (or none is
    entered) and no busy period overlaps it."""

    host = models.ForeignKey(Host, on_delete=models.CASCADE, related_name="rooms")
    key = models.SlugField(max_length=80)
    name = models.CharField(max_length=200)
    persons = models.PositiveSmallIntegerField(default=2)
    price_from = models.PositiveIntegerField(help_text=_("Euro per night"))
    price_to = models.PositiveIntegerField(help_text=_("Euro per night"))
    amenities = models.CharField(max_length=300, blank=True)
    accessible = models.BooleanField(default=False)
    accessibility = models.CharField(max_length=300, blank=True)
    description = models.TextField(blank=True)
    # a subscribed iCalendar feed (the practice's or booking channel's export URL), fetched
    # hourly by feeds.refresh_all; the last fetch's time and problem are shown to the managers
    calendar_url = models.URLField(max_length=500, blank=True)
    calendar_fetched_at = models.DateTimeField(null=True, blank=True)
    calendar_error = models.CharField(max_length=300, blank=True)

    class Meta:
        ordering = ["host__name", "name"]
        constraints = [
            models.UniqueConstraint(fields=["host", "key"], name="uniq_room_key"),
            models.CheckConstraint(
                condition=Q(price_to__gte=models.F("price_from")), name="room_price_range"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} · {self.host}"


class RoomPeriod(models.Model):
    """Nights `first`..`until` (until = the departure day, not a night) free or busy."""

    class Kind(models.TextChoices):
        FREE = "free", _("Free")
        BUSY = "busy", _("Booked")

    room = models.ForeignKey(Room, on_delete=models.CASCADE, related_name="periods")
    first = models.DateField()
    until = models.DateField()
    kind = models.CharField(max_length=4, choices=Kind.choices)
    imported = models.BooleanField(default=False)

    class Meta:
        ordering = ["first"]
        constraints = [
            models.CheckConstraint(condition=Q(until__gt=models.F("first")), name="period_order")
        ]

    def __str__(self) -> str:
        return f"{self.room}: {self.kind} {self.first}–{self.until}"
