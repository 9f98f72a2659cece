"""Form definitions (data), applications in progress and after submission, payments, feedback.

A form definition is stored as one validated JSON document (pages → fields → sub-fields,
rules) rather than as rows per field: a form is versioned and replaced as a whole when a
county edits its YAML or imports a FIM schema, and rendering needs the whole tree anyway.
"""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from openkreis.catalog.models import Service
from openkreis.core.models import Tenant


class FormDefinition(models.Model):
    """One application form, as loaded from tenants/<slug>/forms/*.yaml or a FIM import."""

    class Source(models.TextChoices):
        YAML = "yaml", _("YAML file")
        XDATENFELDER = "xdatenfelder", _("FIM XDatenfelder import")

    tenant = models.ForeignKey(Tenant, on_delete=models.CASCADE, related_name="form_definitions")
    key = models.SlugField(max_length=120)
    service = models.ForeignKey(
        Service,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="form_definitions",
        help_text=_("Empty for the generic form used by every online service without its own"),
    )
    title = models.CharField(max_length=250)
    title_en = models.CharField(max_length=250, blank=True)
    version = models.CharField(max_length=40, default="1")
    definition = models.JSONField()
    source = models.CharField(max_length=20, choices=Source.choices, default=Source.YAML)
    checksum = models.CharField(max_length=64, help_text=_("SHA-256 of the normalised definition"))
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["tenant", "key"], name="uniq_form_key"),
        ]
        ordering = ["key"]

    def __str__(self) -> str:
        return self.title


class FormVersion(models.Model):
    """One version of a form's definition, kept as it was: a re-import or an edited YAML
    adds a version, and a draft stays on the version it was started with until it is sent
    (its pages and checks must not change under the citizen's hands)."""

    form = models.ForeignKey(FormDefinition, on_delete=models.CASCADE, related_name="versions")
    number = models.PositiveIntegerField(help_text=_("1, 2, 3 … in the order of import"))
    version = models.CharField(
        max_length=40, help_text=_("The definition's own version, e.g. of the FIM schema")
    )
    definition = models.JSONField()
    checksum = models.CharField(max_length=64)
    source = models.CharField(max_length=20, choices=FormDefinition.Source.choices)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["form", "number"], name="uniq_form_version_number"),
        ]
        ordering = ["form", "-number"]

    def __str__(self) -> str:
        return f"{self.form.key} v{self.number} ({self.version})"


class Application(models.Model):
    """An Antrag: a draft while the citizen fills it in, then the submitted application.

    Drafts belong to the logged-in account and live on the server, so they can be resumed
    on another device. The idempotency key is created with the draft and travels in the
    submit form; intake turns the same key into the same case however often it arrives.

    Sending is two steps (docs/scaling.md, "Submissions at peak"): the request commits the
    status `submitted` (the acknowledgement; "wird geprüft" while `case_id` is empty) and a
    Celery task opens the case ("eingegangen"). A sent application without a case is the
    durable outbox a beat task hands to the workers again.
    """

    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        SUBMITTED = "submitted", _("Submitted")
        ABANDONED = "abandoned", _("Abandoned")

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        on_delete=models.SET_NULL,
        related_name="form_applications",
    )
    form = models.ForeignKey(FormDefinition, on_delete=models.PROTECT, related_name="applications")
    form_version = models.ForeignKey(
        FormVersion,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="applications",
        help_text=_("The version the draft was started with; it is sent with that version"),
    )
    service = models.ForeignKey(Service, on_delete=models.PROTECT, related_name="+")
    status = models.CharField(
        max_length=20, choices=Status.choices, default=Status.DRAFT, db_index=True
    )
    data = models.JSONField(default=dict, blank=True)
    last_page = models.CharField(max_length=80, blank=True)
    idempotency_key = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    started_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True, db_index=True)
    submitted_at = models.DateTimeField(null=True, blank=True)
    case_id = models.BigIntegerField(null=True, blank=True, db_index=True)
    file_number = models.CharField(max_length=80, blank=True)
    feedback_given = models.BooleanField(
        default=False, help_text=_("Only a flag: the rating itself is stored without a link")
    )
    registration_error = models.TextField(
        blank=True,
        help_text=_(
            "Why the eAkte refused a sent application after the acknowledgement (the "
            "application is a draft again and the citizen sees this reason)"
        ),
    )

    class Meta:
        ordering = ["-updated_at"]
        indexes = [
            models.Index(fields=["user", "status", "-updated_at"]),
            # the registration outbox: sent, not yet a case (the sweep reads only these)
            models.Index(
                fields=["submitted_at"],
                name="forms_app_unregistered",
                condition=models.Q(status="submitted", case_id__isnull=True),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.service.slug} ({self.status})"

    @property
    def definition(self) -> dict:
        """The definition this application is filled in and sent with: its version's."""
        if self.form_version_id:
            return self.form_version.definition
        return self.form.definition


def upload_path(instance: ApplicationFile, filename: str) -> str:
    return f"forms/{instance.application.public_id}/{instance.public_id}"


class ApplicationFile(models.Model):
    """A file uploaded into a draft's file field; handed to intake on submission."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    application = models.ForeignKey(Application, on_delete=models.CASCADE, related_name="files")
    field = models.CharField(max_length=200, help_text=_("Path of the file field, e.g. plans"))
    file = models.FileField(upload_to=upload_path, max_length=300)
    name = models.CharField(max_length=255)
    content_type = models.CharField(max_length=100)
    size = models.PositiveIntegerField()
    sha256 = models.CharField(max_length=64)
    uploaded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["uploaded_at", "pk"]

    def __str__(self) -> str:
        return self.name


class Payment(models.Model):
    """A fee payment for an application, through one provider of the payment registry."""

    class Status(models.TextChoices):
        PENDING = "pending", _("Pending")
        PAID = "paid", _("Paid")
        FAILED = "failed", _("Failed")

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    application = models.ForeignKey(Application, on_delete=models.CASCADE, related_name="payments")
    provider = models.CharField(max_length=40)
    amount = models.DecimalField(max_digits=10, decimal_places=2)
    currency = models.CharField(max_length=3, default="EUR")
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.PENDING)
    reference = models.CharField(max_length=120, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    paid_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.amount} {self.currency} ({self.status})"


class Feedback(models.Model):
    """One satisfaction rating after a decision. Deliberately no link to person or case."""

    tenant = models.CharField(max_length=80)
    service = models.CharField(max_length=120, db_index=True)
    org_unit = models.CharField(max_length=80, blank=True)
    rating = models.PositiveSmallIntegerField()
    comment = models.TextField(blank=True, max_length=500)
    created_on = models.DateField(auto_now_add=True)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=models.Q(rating__gte=1, rating__lte=5), name="feedback_rating_1_5"
            )
        ]

    def __str__(self) -> str:
        return f"{self.service}: {self.rating}"
