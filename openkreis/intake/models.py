"""Scanned paper mail on its way into the eAkte. A job is stored (file and row) before any
work starts, so an upload that was acknowledged is never lost, whatever happens next."""

import uuid
from pathlib import Path

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from openkreis.cases.models import quarantine_storage


def _original_path(instance, filename: str) -> str:
    return f"intake/{instance.original_sha256[:2]}/{instance.original_sha256}"


def _generated_path(folder: str):
    """Stored under a generated name, never the sender's file name (issue 16 F8); the name
    as uploaded stays in `ScanJob.filename` for the people who file it."""

    def path(instance, filename: str) -> str:
        suffix = Path(filename).suffix.lower()
        suffix = suffix if suffix.isascii() and suffix[1:].isalnum() and len(suffix) <= 6 else ""
        return f"{folder}/{timezone.now():%Y/%m}/{uuid.uuid4().hex}{suffix}"

    return path


def _scan_path(instance, filename: str) -> str:
    return _generated_path("intake")(instance, filename)


def _ocr_path(instance, filename: str) -> str:
    return _generated_path("intake/ocr")(instance, filename)


class ScanJob(models.Model):
    class State(models.TextChoices):
        QUEUED = "queued", _("Waiting for text recognition")
        RUNNING = "running", _("Text recognition running")
        READY = "ready", _("Ready to file")
        FILED = "filed", _("Filed")
        FAILED = "failed", _("Could not be read")

    # The scan as the eAkte accepts it: a PDF neutralised (cases.validate_upload). When that
    # removed anything, the upload itself is kept in quarantine and goes into the case's
    # quarantine with the document; `removed` says what was taken out.
    file = models.FileField(upload_to=_scan_path, max_length=300)
    filename = models.CharField(max_length=200)
    sha256 = models.CharField(max_length=64)  # of the upload as received
    original = models.FileField(
        upload_to=_original_path, storage=quarantine_storage, blank=True, max_length=300
    )
    original_sha256 = models.CharField(max_length=64, blank=True)
    removed = models.JSONField(default=list, blank=True)
    mime = models.CharField(max_length=100)
    state = models.CharField(max_length=10, choices=State.choices, default=State.QUEUED)
    progress = models.CharField(max_length=200, blank=True)
    error = models.TextField(blank=True)
    ocr_file = models.FileField(upload_to=_ocr_path, blank=True, max_length=300)
    text = models.TextField(blank=True)
    suggested_case = models.ForeignKey(
        "cases.Case", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    filed_case = models.ForeignKey(
        "cases.Case", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["state", "created_at"])]

    def __str__(self) -> str:
        return f"{self.filename} ({self.get_state_display()})"

    STEPS = {"": 0, "preflight": 1, "ocr": 2, "done": 3}

    @property
    def step(self) -> int:
        """How far the pipeline got: 0 waiting, 1 checking, 2 text recognition, 3 done."""
        if self.state in (self.State.READY, self.State.FILED):
            return 3
        return self.STEPS.get(self.progress, 0)

    @property
    def step_label(self) -> str:
        labels = {
            0: _("waiting for a worker"),
            1: _("checking the file"),
            2: _("recognising the text"),
            3: _("done"),
        }
        return str(labels[self.step])

    @property
    def in_progress(self) -> bool:
        return self.state in (self.State.QUEUED, self.State.RUNNING)
