"""The eAkte: cases (Vorgänge), their status history, documents with versions, requests for
missing documents, the hash-chained audit trail, and the county's file plan and procedures.

Personal data (the applicant's name, address, contact) lives only on the case and in its
documents; retention deletes both and leaves the anonymous events.
"""

from __future__ import annotations

from pathlib import Path

from django.conf import settings
from django.core.files.storage import FileSystemStorage
from django.db import models
from django.utils.translation import gettext_lazy as _

from openkreis.catalog.models import Service
from openkreis.core.models import AppendOnlyError, OrgUnit, Region

from .delivery import channels


class FilePlanItem(models.Model):
    """One subject group of the county's file plan (Aktenplan), e.g. 32.10.01 Fahrerlaubnisse."""

    code = models.CharField(max_length=40, unique=True)
    title = models.CharField(max_length=200)
    retention_years = models.PositiveSmallIntegerField(default=10)
    services = models.ManyToManyField(Service, blank=True, related_name="file_plan_items")
    is_default = models.BooleanField(default=False)

    class Meta:
        ordering = ["code"]

    def __str__(self) -> str:
        return f"{self.code} {self.title}"


class FileNumberCounter(models.Model):
    """The last sequence number handed out per plan item and year (gap-free file numbers)."""

    plan_item = models.ForeignKey(FilePlanItem, on_delete=models.CASCADE)
    year = models.PositiveSmallIntegerField()
    last = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["plan_item", "year"], name="uniq_file_counter")
        ]

    def __str__(self) -> str:
        return f"{self.plan_item.code}/{self.year}: {self.last}"


class Procedure(models.Model):
    """A process definition (states, transitions, roles, target times) loaded from data."""

    key = models.SlugField(max_length=80, unique=True)
    name = models.CharField(max_length=200)
    definition = models.JSONField()
    services = models.ManyToManyField(Service, blank=True, related_name="procedures")

    def __str__(self) -> str:
        return self.name


class Case(models.Model):
    """A Vorgang: one application or matter, whatever channel it came through."""

    class Channel(models.TextChoices):
        ONLINE = "online", _("Online")
        PAPER = "paper", _("Paper (scanned)")
        COUNTER = "counter", _("Counter")
        # A driving school applies for its pupil with the pupil's consent (schools app).
        DRIVING_SCHOOL = "school", _("Driving school")

    file_number = models.CharField(max_length=60, unique=True)
    service = models.ForeignKey(Service, on_delete=models.PROTECT, related_name="cases")
    procedure = models.ForeignKey(Procedure, on_delete=models.PROTECT, related_name="cases")
    plan_item = models.ForeignKey(FilePlanItem, on_delete=models.PROTECT, related_name="cases")
    org_unit = models.ForeignKey(OrgUnit, on_delete=models.PROTECT, related_name="cases")
    region = models.ForeignKey(Region, null=True, blank=True, on_delete=models.SET_NULL)
    # The office (building) that serves this applicant: the one the competence finder names
    # for their town. Receipt, status page and decision letter all name this one.
    office = models.ForeignKey(
        "core.Location", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    channel = models.CharField(max_length=10, choices=Channel.choices)
    state = models.CharField(max_length=40, db_index=True)
    state_kind = models.CharField(max_length=12, db_index=True)
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="assigned_cases",
    )
    received_at = models.DateTimeField(db_index=True)
    target_at = models.DateTimeField(null=True, blank=True, db_index=True)
    decided_at = models.DateTimeField(null=True, blank=True)
    outcome = models.CharField(max_length=20, blank=True)
    retain_until = models.DateField(null=True, blank=True, db_index=True)
    # The applicant (personal data: deleted with the case after retention).
    applicant_user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="own_cases",
    )
    applicant_name = models.CharField(max_length=200, db_index=True)
    applicant_email = models.EmailField(blank=True)
    applicant_phone = models.CharField(max_length=60, blank=True)
    applicant_address = models.CharField(max_length=300, blank=True)
    applicant_birth_date = models.DateField(null=True, blank=True)
    data = models.JSONField(default=dict, blank=True)
    idempotency_key = models.CharField(max_length=80, null=True, blank=True, unique=True)

    class Meta:
        ordering = ["-received_at", "-id"]
        indexes = [
            models.Index(fields=["org_unit", "state_kind", "received_at"]),
            models.Index(fields=["org_unit", "assignee", "state_kind"]),
            models.Index(fields=["org_unit", "target_at"]),
            # The desk's tabs in the desk's order (due date, receipt, id): a page is read
            # in index order and stops after 25, instead of sorting the whole tab (issue 26).
            # The unit comes last: the user's units are checked in the index, so cases of
            # other units cost no table read, and the capped count reads the index alone.
            models.Index(
                fields=["state_kind", "target_at", "received_at", "id", "org_unit"],
                name="cases_case_tab_units",
            ),
            models.Index(
                fields=["target_at", "received_at", "id", "org_unit"],
                condition=~models.Q(state_kind="done"),
                name="cases_case_open_units",
            ),
            # "Mine": a caseworker's open cases in the same order, units checked in the index.
            models.Index(
                fields=["assignee", "target_at", "received_at", "id", "org_unit"],
                condition=~models.Q(state_kind="done"),
                name="cases_case_mine_units",
            ),
        ]

    def __str__(self) -> str:
        return self.file_number

    @property
    def subject(self) -> str:
        return f"case:{self.pk}"

    @property
    def is_overdue(self) -> bool:
        from django.utils import timezone

        return bool(
            self.target_at and self.state_kind != "done" and self.target_at < timezone.now()
        )


class CaseStatus(models.Model):
    """One step in a case's history (append-only)."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="history")
    at = models.DateTimeField()
    activity = models.CharField(max_length=40)
    from_state = models.CharField(max_length=40, blank=True)
    state = models.CharField(max_length=40)
    org_unit = models.ForeignKey(OrgUnit, on_delete=models.PROTECT, related_name="+")
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL
    )
    note = models.TextField(blank=True)

    class Meta:
        ordering = ["at", "id"]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d} {self.activity} → {self.state}"

    def save(self, *args, **kwargs):
        if self.pk is not None:
            raise AppendOnlyError("Case history is append-only.")
        super().save(*args, **kwargs)


class Document(models.Model):
    """A document of a case (its identity); the content lives in versions."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="documents")
    title = models.CharField(max_length=200)
    doc_type = models.CharField(max_length=60, blank=True)
    channel = models.CharField(max_length=10, choices=Case.Channel.choices)
    sender = models.CharField(max_length=200, blank=True)
    received_at = models.DateTimeField()

    class Meta:
        ordering = ["received_at", "id"]

    def __str__(self) -> str:
        return self.title

    def current(self) -> DocumentVersion | None:
        return self.versions.order_by("-number").first()


def _version_path(instance: DocumentVersion, filename: str) -> str:
    return f"cases/{instance.document.case_id}/{instance.sha256[:2]}/{instance.sha256}"


class QuarantineStorage(FileSystemStorage):
    """Where uploads as they came in are kept when neutralising changed them: outside
    MEDIA_ROOT (never served, not even by the development server), in
    OPENKREIS_QUARANTINE_ROOT or else `quarantine/` next to the media folder. No URL."""

    @property
    def base_location(self):
        root = getattr(settings, "OPENKREIS_QUARANTINE_ROOT", None)
        return str(root or Path(settings.MEDIA_ROOT).parent / "quarantine")

    @property
    def location(self):
        return str(Path(self.base_location).resolve())

    def url(self, name):
        raise ValueError("Quarantined files have no URL.")


def quarantine_storage() -> QuarantineStorage:
    return QuarantineStorage()


def _original_path(instance: DocumentVersion, filename: str) -> str:
    digest = instance.original_sha256
    return f"cases/{instance.document.case_id}/{digest[:2]}/{digest}"


class DocumentVersion(models.Model):
    """One stored file of a document; a new upload is a new version, never an overwrite."""

    document = models.ForeignKey(Document, on_delete=models.CASCADE, related_name="versions")
    number = models.PositiveIntegerField()
    file = models.FileField(upload_to=_version_path, max_length=300)
    filename = models.CharField(max_length=200)
    mime = models.CharField(max_length=100)
    size = models.PositiveIntegerField()
    sha256 = models.CharField(max_length=64, db_index=True)
    text = models.TextField(blank=True)
    text_source = models.CharField(max_length=20, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    # A PDF whose scripts, actions or embedded files were removed on the way in: `file` is
    # the neutralised PDF (what everybody sees and the court file contains), `original` the
    # upload as it came (quarantined; for the auditor only), `removed` what was taken out.
    neutralised = models.BooleanField(default=False)
    removed = models.JSONField(default=list, blank=True)
    original = models.FileField(
        upload_to=_original_path, storage=quarantine_storage, blank=True, max_length=300
    )
    original_sha256 = models.CharField(max_length=64, blank=True)

    class Meta:
        ordering = ["number"]
        constraints = [
            models.UniqueConstraint(fields=["document", "number"], name="uniq_doc_version")
        ]

    def __str__(self) -> str:
        return f"{self.filename} v{self.number}"


class DocumentRequest(models.Model):
    """A Nachforderung: documents the applicant must still deliver, with a deadline."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="requests")
    items = models.JSONField()
    message = models.TextField(blank=True)
    deadline = models.DateField()
    created_at = models.DateTimeField()
    fulfilled_at = models.DateTimeField(null=True, blank=True)
    reminded_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{', '.join(self.items)} (bis {self.deadline:%d.%m.%Y})"


POST_LABELS = {"post": _("post")}


class Delivery(models.Model):
    """A letter to the applicant (decision, request for documents, reminder) on its way.

    Written in the same transaction as the case change, sent afterwards by a Celery task and
    retried with growing pauses: a mail server that is down never loses a letter, and the
    case page shows staff where each letter is (Open Forms' most common complaint was
    registrations that failed where nobody could see it)."""

    class What(models.TextChoices):
        DECISION = "decision", _("decision")
        REQUEST = "request", _("request for documents")
        REMINDER = "reminder", _("reminder")

    class Status(models.TextChoices):
        PENDING = "pending", _("waiting to be sent")
        SENDING = "sending", _("being sent")
        RETRY = "retry", _("failed, will be tried again")
        SENT = "sent", _("sent")
        POST = "post", _("needs a letter by post")
        FAILED = "failed", _("failed – please send it another way")

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="deliveries")
    what = models.CharField(max_length=20, choices=What.choices)
    document = models.ForeignKey(Document, on_delete=models.SET_NULL, null=True, blank=True)
    request = models.ForeignKey(DocumentRequest, on_delete=models.SET_NULL, null=True, blank=True)
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.PENDING)
    channel = models.CharField(max_length=40, blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    last_error = models.CharField(max_length=300, blank=True)
    created_at = models.DateTimeField()
    updated_at = models.DateTimeField()
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["status", "next_attempt_at"])]

    def __str__(self) -> str:
        return f"{self.get_what_display()}: {self.get_status_display()}"

    @property
    def channel_label(self) -> str:
        """The channel's name for people (Postfach, E-Mail, Post)."""
        plugin = channels.get(self.channel)
        return str(getattr(plugin, "label", "")) or POST_LABELS.get(self.channel, self.channel)


class AuditEntry(models.Model):
    """The audit trail: append-only. A writer only appends (with `leaf`, the hash of what the
    entry says); the sealer (services.seal_audit) later links it into the SHA-256 chain by
    filling in `seq`, `prev_hash` and `hash` once. Entries from before sealing existed carry
    no leaf and the chain hash of the old formula (docs/architecture.md "Case creation at
    scale")."""

    at = models.DateTimeField()
    actor = models.CharField(max_length=150, blank=True)
    action = models.CharField(max_length=60)
    case_ref = models.CharField(max_length=60, blank=True, db_index=True)
    detail = models.JSONField(default=dict, blank=True)
    leaf = models.CharField(max_length=64, blank=True, default="")
    # set by the sealer: the position in the chain (the order of sealing), the hash before
    seq = models.BigIntegerField(null=True, blank=True, unique=True)
    prev_hash = models.CharField(max_length=64, blank=True, default="")
    hash = models.CharField(max_length=64, unique=True, null=True, blank=True)

    class Meta:
        ordering = ["id"]
        indexes = [  # the auditor's filters, newest first
            models.Index(fields=["actor", "id"]),
            models.Index(fields=["action", "id"]),
            models.Index(fields=["at"]),
            # what the sealer reads: the few entries not sealed yet
            models.Index(
                fields=["id"], condition=models.Q(seq__isnull=True), name="cases_audit_unsealed"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.actor} {self.action} {self.case_ref}"

    def save(self, *args, **kwargs):
        if self.pk is not None:
            raise AppendOnlyError("The audit trail is append-only.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise AppendOnlyError("The audit trail is append-only.")


class AuditCheckpoint(models.Model):
    """How far the audit chain was last found intact (services.verify_audit_chain): the
    auditor's page checks only the entries after it (and that this entry still carries
    the same hash); the nightly `verify_audit` walks the whole chain again."""

    entry_id = models.BigIntegerField()
    hash = models.CharField(max_length=64)
    count = models.BigIntegerField()
    checked_at = models.DateTimeField()

    def __str__(self) -> str:
        return f"{self.count} entries intact up to #{self.entry_id}"


class AuditSeal(models.Model):
    """One run of the sealer: the chain's head after it (like a transparency log's signed
    tree head, also written to the log `openkreis.audit`). The whole walk of
    verify_audit_chain checks that the chain still passes through every head, so rewriting
    a stretch of the chain with new hashes, or cutting its end, is found. Append-only."""

    first_seq = models.BigIntegerField()
    last_seq = models.BigIntegerField(unique=True)
    entry_id = models.BigIntegerField()
    hash = models.CharField(max_length=64)
    sealed_at = models.DateTimeField()

    def __str__(self) -> str:
        return f"sealed #{self.first_seq}–#{self.last_seq}: {self.hash[:12]}"
