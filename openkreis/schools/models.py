"""Driving schools (Fahrschulen) and the applications they submit for their pupils.

A school is a company account (`accounts.Company`) that the licence authority registered as
a driving school with its permit (Fahrschulerlaubnis). An application of a school waits for
the pupil's consent (a link sent to the pupil, or the pupil signed at the school); only then
does it become a case in the eAkte, with the pupil as applicant and the channel "school".

Personal data of a pending application (the pupil's details, the uploads) lives here only
until the case is opened; afterwards the case holds it and this row keeps what the school
itself knows: the pupil's name, the service, the classes, the case id and the consent record.
"""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from openkreis.accounts.models import Company
from openkreis.catalog.models import Service


class DrivingSchool(models.Model):
    """A driving school the authority knows, by its permit; `company` is its company account
    (its members submit applications and read its mailbox)."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    key = models.SlugField(max_length=80, unique=True)
    name = models.CharField(_("name"), max_length=200)
    permit_number = models.CharField(_("driving school permit number"), max_length=60, unique=True)
    street = models.CharField(_("street and number"), max_length=200, blank=True)
    postcode = models.CharField(_("postcode"), max_length=5, blank=True)
    city = models.CharField(_("town"), max_length=100, blank=True)
    company = models.OneToOneField(
        Company,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="driving_school",
        verbose_name=_("company account"),
    )
    active = models.BooleanField(_("may submit applications"), default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("driving school")
        verbose_name_plural = _("driving schools")

    def __str__(self) -> str:
        return f"{self.name} ({self.permit_number})"


class SchoolService(models.Model):
    """A service a driving school may apply for (county data), with the licence classes
    offered for it: [{value, de, en}]."""

    service = models.OneToOneField(Service, on_delete=models.CASCADE, related_name="+")
    classes = models.JSONField(default=list)
    order = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["order", "id"]

    def __str__(self) -> str:
        return self.service.slug


class SchoolApplication(models.Model):
    """One application a school submitted for a pupil."""

    class Consent(models.TextChoices):
        LINK = "link", _("Confirmed by the pupil by a link")
        SIGNED = "signed", _("Signed by the pupil at the driving school")

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    school = models.ForeignKey(DrivingSchool, on_delete=models.PROTECT, related_name="applications")
    service = models.ForeignKey(Service, on_delete=models.PROTECT, related_name="+")
    classes = models.JSONField(default=list)
    pupil_name = models.CharField(max_length=200)
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    submitted_at = models.DateTimeField()
    # The pupil's details and answers until the case is opened (then emptied).
    details = models.JSONField(default=dict, blank=True)
    consent_method = models.CharField(max_length=10, choices=Consent.choices)
    consent_email = models.EmailField(blank=True)
    token_hash = models.CharField(max_length=64, null=True, blank=True, unique=True)
    token_expires_at = models.DateTimeField(null=True, blank=True)
    consent_at = models.DateTimeField(null=True, blank=True)
    consent_recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    case_id = models.BigIntegerField(null=True, blank=True, unique=True)
    notice_sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-submitted_at", "-id"]
        indexes = [models.Index(fields=["school", "submitted_at"])]

    def __str__(self) -> str:
        return f"{self.school.key}: {self.pupil_name}"


class PendingUpload(models.Model):
    """A certificate the school uploaded, kept (already checked once) until the case opens."""

    class Kind(models.TextChoices):
        EYE_TEST = "sehtest", _("Eye test certificate")
        FIRST_AID = "erste-hilfe", _("First-aid certificate")

    application = models.ForeignKey(
        SchoolApplication, on_delete=models.CASCADE, related_name="uploads"
    )
    kind = models.CharField(max_length=20, choices=Kind.choices)
    name = models.CharField(max_length=200)
    mime = models.CharField(max_length=100)
    data = models.BinaryField()

    class Meta:
        ordering = ["id"]

    def __str__(self) -> str:
        return f"{self.kind}: {self.name}"
