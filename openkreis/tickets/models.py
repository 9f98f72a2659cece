"""HATIX e-ticket and HarzCard (issue 19, docs/tickets.md).

Hosts (accommodation businesses, company accounts) register stays; each guest of a paid stay
gets a signed ticket valid for the stay (COSE_Sign1 over CBOR → zlib → Base45 → "HX1:", the
layers of the EU Digital COVID Certificate, openkreis/tickets/codec.py). Inspectors check
tickets offline; HarzCard attractions record one entry per card. Check events carry line,
stop, a rounded time and the ticket's validity — never the ticket id (no movement profiles).

Personal data is minimised: guests' names are optional, the signed payload holds the
initials at most. Stays and tickets are deleted after the retention time (docs/tickets.md).
"""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from openkreis.accounts.models import Company
from openkreis.core.models import Region

from .models_harzcard import Attraction, AttractionEntry, CheckEvent  # noqa: F401
from .models_keys import SigningKey
from .models_transit import *  # noqa: F403  (GTFS: stops, routes, trips, stop times)


class Scheme(models.Model):
    """The county's ticket scheme (tenants/<slug>/tickets.yaml, one row per tenant)."""

    name = models.CharField(_("name"), max_length=100, default="HATIX")
    prefix = models.CharField(
        _("code prefix"), max_length=8, default="HX1", help_text=_("Like HC1 of the EU certificate")
    )
    zones = models.JSONField(_("zones"), default=list, blank=True)
    # a ticket is valid from arrival 00:00 until departure at this hour (local time)
    valid_until_hour = models.PositiveSmallIntegerField(default=23)
    retention_days = models.PositiveIntegerField(default=400)

    class Meta:
        verbose_name = _("ticket scheme")

    def __str__(self) -> str:
        return self.name


class LevyRate(models.Model):
    """The guest levy (Gästebeitrag) per night of a municipality and category (county data)."""

    municipality = models.ForeignKey(
        Region, on_delete=models.PROTECT, related_name="levy_rates", verbose_name=_("municipality")
    )
    category = models.SlugField(_("category"), max_length=30)  # adult, child, reduced…
    label = models.CharField(_("label"), max_length=100)
    cents_per_night = models.PositiveIntegerField(_("levy per night (cent)"))
    valid_from = models.DateField(_("valid from"))

    class Meta:
        verbose_name = _("guest levy rate")
        ordering = ["municipality_id", "category", "-valid_from"]
        constraints = [
            models.UniqueConstraint(
                fields=["municipality", "category", "valid_from"], name="tickets_levy_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.municipality_id} {self.category} {self.cents_per_night}"


class Accommodation(models.Model):
    """A host's accommodation business; the host is a company account (accounts.Company)."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    company = models.ForeignKey(
        Company, on_delete=models.CASCADE, related_name="accommodations", verbose_name=_("host")
    )
    name = models.CharField(_("name"), max_length=200)
    municipality = models.ForeignKey(
        Region, on_delete=models.PROTECT, related_name="accommodations"
    )
    street = models.CharField(_("street and number"), max_length=200, blank=True)
    postcode = models.CharField(_("postcode"), max_length=5, blank=True)
    town = models.CharField(_("town"), max_length=100, blank=True)
    lat = models.FloatField(null=True, blank=True)
    lon = models.FloatField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("accommodation")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Stay(models.Model):
    """A registered stay: arrival, departure, number of guests, levy paid or not."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    accommodation = models.ForeignKey(Accommodation, on_delete=models.CASCADE, related_name="stays")
    # the booking number of the host's property-management software (CSV import is idempotent)
    reference = models.CharField(_("booking reference"), max_length=60, blank=True)
    arrival = models.DateField(_("arrival"))
    departure = models.DateField(_("departure"))
    paid_at = models.DateTimeField(_("levy paid"), null=True, blank=True)
    cancelled_at = models.DateTimeField(null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("stay")
        ordering = ["-arrival", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["accommodation", "reference"],
                condition=~Q(reference=""),
                name="tickets_stay_reference",
            ),
            models.CheckConstraint(
                condition=Q(departure__gt=models.F("arrival")), name="tickets_stay_dates"
            ),
        ]
        indexes = [models.Index(fields=["accommodation", "arrival"])]

    def __str__(self) -> str:
        return f"{self.accommodation_id} {self.arrival}–{self.departure}"

    @property
    def nights(self) -> int:
        return (self.departure - self.arrival).days


class Guest(models.Model):
    """One guest of a stay. Names are optional (data minimisation)."""

    stay = models.ForeignKey(Stay, on_delete=models.CASCADE, related_name="guests")
    number = models.PositiveSmallIntegerField()
    category = models.SlugField(_("category"), max_length=30, default="adult")
    first_name = models.CharField(_("first name"), max_length=100, blank=True)
    last_name = models.CharField(_("last name"), max_length=100, blank=True)

    class Meta:
        verbose_name = _("guest")
        ordering = ["stay_id", "number"]
        constraints = [
            models.UniqueConstraint(fields=["stay", "number"], name="tickets_guest_number")
        ]

    def __str__(self) -> str:
        return f"{self.stay_id}/{self.number}"

    @property
    def initials(self) -> str:
        return "".join(n[:1].upper() for n in (self.first_name, self.last_name) if n)


class Ticket(models.Model):
    """A guest's HATIX ticket for the stay (also the HarzCard when the scheme includes it)."""

    serial = models.CharField(_("ticket id"), max_length=32, unique=True)
    # the wallet page's capability (the guest has no account): /hatix/<access_key>/
    access_key = models.CharField(max_length=43, unique=True)
    guest = models.ForeignKey(Guest, on_delete=models.CASCADE, related_name="tickets")
    valid_from = models.DateTimeField()
    valid_until = models.DateTimeField(db_index=True)
    zones = models.JSONField(default=list)
    harzcard = models.BooleanField(default=True)
    key = models.ForeignKey(SigningKey, on_delete=models.PROTECT, related_name="tickets")
    code = models.TextField()  # the signed "HX1:…" string the QR code carries
    issued_at = models.DateTimeField(auto_now_add=True)
    revoked_at = models.DateTimeField(null=True, blank=True, db_index=True)
    revoke_reason = models.CharField(max_length=200, blank=True)

    class Meta:
        verbose_name = _("ticket")
        ordering = ["-issued_at"]

    def __str__(self) -> str:
        return self.serial
