"""Beteiligung: residents' proposals, supports, comments, abuse reports (issue 20,
docs/participation.md "Proposals"). Personal data (author, supporters, commenters,
reporters) live only here and go with the account (retention.py); public pages show the
author's chosen display name only if they allowed it."""

from __future__ import annotations

import secrets
import uuid

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from openkreis.core.models import OrgUnit, Region


def _public_id() -> str:
    alphabet = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"
    return "V-" + "".join(secrets.choice(alphabet) for _ in range(8))


def _photo_path(instance, filename: str) -> str:
    return f"private/participation/proposals/{uuid.uuid4().hex}.jpg"


class Proposal(models.Model):
    class Moderation(models.TextChoices):
        PENDING = "pending", pgettext_lazy("moderation", "Waiting for moderation")
        PUBLISHED = "published", pgettext_lazy("moderation", "Published")
        HIDDEN = "hidden", pgettext_lazy("moderation", "Not published")

    class Answer(models.TextChoices):
        NONE = "", pgettext_lazy("proposal status", "Not yet answered")
        UNDER_REVIEW = "under_review", pgettext_lazy("proposal status", "Under review")
        ACCEPTED = "accepted", pgettext_lazy("proposal status", "Accepted")
        REJECTED = "rejected", pgettext_lazy("proposal status", "Rejected")
        IMPLEMENTED = "implemented", pgettext_lazy("proposal status", "Implemented")

    public_id = models.CharField(max_length=12, unique=True, default=_public_id, editable=False)
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="proposals",
    )
    # shown publicly only if the author chose to (else "a resident")
    author_name = models.CharField(max_length=80, blank=True)
    title = models.CharField(max_length=150)
    text = models.TextField(max_length=5000)
    municipality = models.ForeignKey(
        Region, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    lat = models.FloatField(null=True, blank=True)
    lon = models.FloatField(null=True, blank=True)
    photo = models.ImageField(upload_to=_photo_path, blank=True)
    moderation = models.CharField(
        max_length=10, choices=Moderation.choices, default=Moderation.PENDING, db_index=True
    )
    moderation_reason = models.CharField(max_length=500, blank=True)
    moderated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    # the county's official answer
    status = models.CharField(max_length=15, choices=Answer.choices, blank=True, default="")
    answer = models.TextField(blank=True, max_length=5000)
    answer_unit = models.ForeignKey(
        OrgUnit, null=True, blank=True, on_delete=models.SET_NULL, related_name="proposals"
    )
    answered_at = models.DateTimeField(null=True, blank=True)
    answered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    # taken into a Gestaltungskreis (issue 24 builds the circles; until then its name)
    circle = models.CharField(max_length=200, blank=True)
    supporters_count = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField(default=timezone.now, db_index=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("proposal")
        verbose_name_plural = _("proposals")

    def __str__(self) -> str:
        return f"{self.public_id} {self.title}"


class Support(models.Model):
    proposal = models.ForeignKey(Proposal, on_delete=models.CASCADE, related_name="supports")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="proposal_supports"
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["proposal", "user"], name="participation_one_support")
        ]

    def __str__(self) -> str:
        return f"{self.proposal} · {self.user_id}"


class Comment(models.Model):
    proposal = models.ForeignKey(Proposal, on_delete=models.CASCADE, related_name="comments")
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="proposal_comments",
    )
    author_name = models.CharField(max_length=80, blank=True)
    text = models.TextField(max_length=2000)
    moderation = models.CharField(
        max_length=10, choices=Proposal.Moderation.choices, default=Proposal.Moderation.PUBLISHED
    )
    moderation_reason = models.CharField(max_length=500, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return self.text[:40]


class AbuseReport(models.Model):
    """A resident flags a proposal or a comment; a moderator decides (keep or hide)."""

    class Outcome(models.TextChoices):
        OPEN = "", pgettext_lazy("abuse report", "Open")
        KEPT = "kept", pgettext_lazy("abuse report", "Kept")
        HIDDEN = "hidden", pgettext_lazy("abuse report", "Hidden")

    proposal = models.ForeignKey(
        Proposal, null=True, blank=True, on_delete=models.CASCADE, related_name="abuse_reports"
    )
    comment = models.ForeignKey(
        Comment, null=True, blank=True, on_delete=models.CASCADE, related_name="abuse_reports"
    )
    reporter = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    reason = models.CharField(max_length=1000)
    outcome = models.CharField(max_length=10, choices=Outcome.choices, blank=True, default="")
    resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    resolved_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["created_at", "id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(proposal__isnull=False) | models.Q(comment__isnull=False),
                name="participation_abuse_target",
            )
        ]

    def __str__(self) -> str:
        return self.reason[:40]
