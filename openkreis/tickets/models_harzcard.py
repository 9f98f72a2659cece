"""HarzCard attractions and entries, inspectors' check events (docs/tickets.md; owner T3)."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from openkreis.core.models import OrgUnit, Region


class Attraction(models.Model):
    """A HarzCard attraction (county data): free or discounted entry."""

    class Kind(models.TextChoices):
        MUSEUM = "museum", _("Museum")
        CASTLE = "castle", _("Castle")
        POOL = "pool", _("Swimming pool")
        CABLE_CAR = "cable_car", _("Cable car")
        RAILWAY = "railway", _("Railway")
        CAVE = "cave", _("Cave / mine")
        OTHER = "other", _("Other")

    class Benefit(models.TextChoices):
        FREE = "free", _("Free entry")
        DISCOUNT = "discount", _("Discounted entry")

    key = models.SlugField(max_length=80, unique=True)
    name = models.CharField(_("name"), max_length=200)
    kind = models.CharField(_("kind"), max_length=12, choices=Kind.choices)
    benefit = models.CharField(_("benefit"), max_length=10, choices=Benefit.choices)
    discount_percent = models.PositiveSmallIntegerField(null=True, blank=True)
    municipality = models.ForeignKey(Region, on_delete=models.PROTECT, related_name="attractions")
    town = models.CharField(_("town"), max_length=100, blank=True)
    lat = models.FloatField(null=True, blank=True)
    lon = models.FloatField(null=True, blank=True)
    url = models.URLField(blank=True)
    # the attraction's staff record entries (StaffMembership role attraction_staff)
    unit = models.ForeignKey(
        OrgUnit, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    active = models.BooleanField(default=True)

    class Meta:
        verbose_name = _("attraction")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class AttractionEntry(models.Model):
    """One HarzCard entry: at most one per attraction and card. Recorded at the attraction,
    also offline (client_id makes the later upload idempotent)."""

    attraction = models.ForeignKey(Attraction, on_delete=models.CASCADE, related_name="entries")
    ticket = models.ForeignKey("tickets.Ticket", on_delete=models.CASCADE, related_name="entries")
    client_id = models.UUIDField(unique=True)
    entered_at = models.DateTimeField()
    recorded_at = models.DateTimeField(auto_now_add=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        verbose_name = _("HarzCard entry")
        constraints = [
            models.UniqueConstraint(fields=["attraction", "ticket"], name="tickets_entry_once")
        ]
        indexes = [models.Index(fields=["attraction", "entered_at"])]

    def __str__(self) -> str:
        return f"{self.attraction_id} {self.entered_at:%Y-%m-%d}"


class CheckEvent(models.Model):
    """An inspector's check: line, stop, a rounded time, the outcome and the ticket's
    validity. Never the ticket id or the inspector (no movement profiles)."""

    class Outcome(models.TextChoices):
        VALID = "valid", _("valid")
        EXPIRED = "expired", _("expired")
        NOT_YET_VALID = "not_yet_valid", _("not yet valid")
        REVOKED = "revoked", _("revoked")
        BAD_SIGNATURE = "bad_signature", _("signature invalid")
        UNKNOWN_KEY = "unknown_key", _("unknown key")
        MALFORMED = "malformed", _("not a ticket")

    client_id = models.UUIDField(unique=True)
    line = models.CharField(max_length=20, blank=True)
    stop = models.CharField(max_length=100, blank=True)
    checked_at = models.DateTimeField(db_index=True)  # rounded down to 15 minutes
    outcome = models.CharField(max_length=16, choices=Outcome.choices)
    valid_until = models.DateField(null=True, blank=True)
    uploaded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("ticket check")
        indexes = [models.Index(fields=["line", "checked_at"])]

    def __str__(self) -> str:
        return f"{self.line} {self.checked_at:%Y-%m-%d %H:%M} {self.outcome}"
