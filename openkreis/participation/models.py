"""Beteiligung: surveys (issue 20, docs/participation.md).

Two kinds of tables that must never meet (the "unlinkability" design):

* who may take part and who did — `ParticipationCode` (a one-time code sent by letter, only
  its hash is stored) and `AccountParticipation` (an account voted in a survey);
* what was answered — `Ballot` (one completed questionnaire, with the voter's random receipt)
  and its `Answer` rows.

There is no key, no timestamp and no sequential id between the two: ballots and answers have
random UUID keys and no time at all, tokens have a `used` flag and no time of use. A vote
marks the token used and writes the ballot in one transaction; afterwards nothing in the
database says which token produced which ballot (tests/test_unlinkable.py checks the schema).
Proposals live in models_proposals.py.
"""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from openkreis.catalog.models import Translated
from openkreis.core.models import OrgUnit, Region

from .models_proposals import AbuseReport, Comment, Proposal, Support  # noqa: F401


class Survey(Translated, models.Model):
    """A questionnaire of the county or a municipality (`unit` owns it: its survey editors
    edit it; `region` is the county or the municipality it asks about)."""

    class Audience(models.TextChoices):
        PUBLIC = "public", pgettext_lazy("survey audience", "Anyone")
        CODES = "codes", pgettext_lazy("survey audience", "Residents with a code by letter")
        ACCOUNT = "account", pgettext_lazy("survey audience", "Residents with an account")

    class Status(models.TextChoices):
        DRAFT = "draft", pgettext_lazy("survey status", "Draft")
        PUBLISHED = "published", pgettext_lazy("survey status", "Published")
        ARCHIVED = "archived", pgettext_lazy("survey status", "Archived")

    key = models.SlugField(max_length=80, unique=True)
    unit = models.ForeignKey(OrgUnit, on_delete=models.PROTECT, related_name="surveys")
    region = models.ForeignKey(Region, on_delete=models.PROTECT, related_name="surveys")
    name = models.CharField(max_length=200, help_text=_("Title in German"))
    name_en = models.CharField(max_length=200, blank=True)
    summary = models.TextField(blank=True, help_text=_("Introduction in German"))
    summary_en = models.TextField(blank=True)
    audience = models.CharField(max_length=10, choices=Audience.choices, default=Audience.PUBLIC)
    # ACCOUNT audience: the least login level (accounts' trust levels; "" = any account)
    min_login_level = models.CharField(max_length=20, blank=True)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.DRAFT)
    opens_at = models.DateTimeField(null=True, blank=True)
    closes_at = models.DateTimeField(null=True, blank=True)
    results_public = models.BooleanField(default=True)
    # small-cell suppression: a count below this is not shown, free texts only from this many
    min_group = models.PositiveSmallIntegerField(default=5)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(auto_now=True)
    # set when the survey closed and its ballots were rewritten in receipt order and its
    # unused codes deleted (voting.seal): no physical order is left to correlate
    sealed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-opens_at", "name"]
        verbose_name = _("survey")
        verbose_name_plural = _("surveys")

    def __str__(self) -> str:
        return self.name

    def is_open(self, now=None) -> bool:
        now = now or timezone.now()
        return (
            self.status == self.Status.PUBLISHED
            and (self.opens_at is None or self.opens_at <= now)
            and (self.closes_at is None or now < self.closes_at)
        )


class Question(Translated, models.Model):
    class Kind(models.TextChoices):
        SINGLE = "single", pgettext_lazy("question kind", "Single choice")
        MULTIPLE = "multiple", pgettext_lazy("question kind", "Multiple choice")
        SCALE = "scale", pgettext_lazy("question kind", "Scale")
        RANKING = "ranking", pgettext_lazy("question kind", "Ranking")
        TEXT = "text", pgettext_lazy("question kind", "Free text")
        POINT = "point", pgettext_lazy("question kind", "Point on a map")

    survey = models.ForeignKey(Survey, on_delete=models.CASCADE, related_name="questions")
    position = models.PositiveSmallIntegerField(default=0)
    kind = models.CharField(max_length=10, choices=Kind.choices)
    name = models.CharField(max_length=500, help_text=_("Question in German"))
    name_en = models.CharField(max_length=500, blank=True)
    summary = models.TextField(blank=True, help_text=_("Help text in German"))
    summary_en = models.TextField(blank=True)
    required = models.BooleanField(default=False)
    # MULTIPLE: at most this many options (None: any); RANKING: rank at most this many
    max_choices = models.PositiveSmallIntegerField(null=True, blank=True)
    # SCALE: the range and the words at its ends
    scale_min = models.SmallIntegerField(default=1)
    scale_max = models.SmallIntegerField(default=5)
    scale_min_label = models.CharField(max_length=80, blank=True)
    scale_min_label_en = models.CharField(max_length=80, blank=True)
    scale_max_label = models.CharField(max_length=80, blank=True)
    scale_max_label_en = models.CharField(max_length=80, blank=True)
    # skip logic: asked only if one of these options of an earlier question was chosen
    # (empty: always asked)
    show_if = models.ManyToManyField("Option", blank=True, related_name="reveals")

    class Meta:
        ordering = ["survey", "position", "id"]
        verbose_name = _("question")
        verbose_name_plural = _("questions")

    def __str__(self) -> str:
        return self.name


class Option(Translated, models.Model):
    question = models.ForeignKey(Question, on_delete=models.CASCADE, related_name="options")
    position = models.PositiveSmallIntegerField(default=0)
    key = models.SlugField(max_length=60)
    name = models.CharField(max_length=300, help_text=_("Label in German"))
    name_en = models.CharField(max_length=300, blank=True)

    class Meta:
        ordering = ["question", "position", "id"]
        constraints = [
            models.UniqueConstraint(fields=["question", "key"], name="participation_option_key")
        ]

    def __str__(self) -> str:
        return self.name


def _letter_path(instance, filename: str) -> str:
    return f"private/participation/letters/{uuid.uuid4().hex}/{filename}"


class LetterBatch(models.Model):
    """One upload of a municipality's resident list: its codes and the letters (PDF, and a CSV
    for mail merge). The resident list itself is never stored; the files hold the plain codes
    and go after they were fetched or after a few days (letters.py, retention)."""

    survey = models.ForeignKey(Survey, on_delete=models.CASCADE, related_name="letter_batches")
    municipality = models.ForeignKey(
        Region, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    size = models.PositiveIntegerField(default=0)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    pdf = models.FileField(upload_to=_letter_path, blank=True)
    csv = models.FileField(upload_to=_letter_path, blank=True)
    files_deleted_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.survey} · {self.size}"


class ParticipationCode(models.Model):
    """A one-time code of a CODES survey: only its hash (voting.code_hash). `used` flips once,
    in the transaction that writes the ballot (UPDATE … WHERE used = false: one vote even
    under concurrent submissions). No time of use, no link to the ballot or the resident."""

    survey = models.ForeignKey(Survey, on_delete=models.CASCADE, related_name="codes")
    batch = models.ForeignKey(
        LetterBatch, null=True, blank=True, on_delete=models.SET_NULL, related_name="codes"
    )
    # the municipality of the resident list (participation by municipality)
    municipality = models.ForeignKey(
        Region, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    code_hash = models.CharField(max_length=64, unique=True)
    used = models.BooleanField(default=False)

    def __str__(self) -> str:
        return f"{self.survey} · {self.code_hash[:8]}"


class AccountParticipation(models.Model):
    """An account took part in an ACCOUNT survey (one vote per account, by the unique
    constraint). Says who took part, never what they answered; no time."""

    survey = models.ForeignKey(Survey, on_delete=models.CASCADE, related_name="participations")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="survey_participations"
    )

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["survey", "user"], name="participation_one_per_account")
        ]

    def __str__(self) -> str:
        return f"{self.survey} · {self.user_id}"


class Ballot(models.Model):
    """One completed questionnaire. A random key and a random receipt; no time, no voter."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    survey = models.ForeignKey(Survey, on_delete=models.CASCADE, related_name="ballots")
    receipt = models.CharField(max_length=24, unique=True)
    # the municipality of the code's resident list or of the voter's answer (groups below
    # Survey.min_group are not shown)
    municipality = models.ForeignKey(
        Region, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    def __str__(self) -> str:
        return self.receipt


class Answer(models.Model):
    """One answer of a ballot: an option (single/multiple choice; with `number` = rank for a
    ranking), a number (scale), a text, or a point."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    ballot = models.ForeignKey(Ballot, on_delete=models.CASCADE, related_name="answers")
    question = models.ForeignKey(Question, on_delete=models.CASCADE, related_name="answers")
    option = models.ForeignKey(
        Option, null=True, blank=True, on_delete=models.CASCADE, related_name="answers"
    )
    number = models.SmallIntegerField(null=True, blank=True)
    text = models.TextField(blank=True, max_length=4000)
    lat = models.FloatField(null=True, blank=True)
    lon = models.FloatField(null=True, blank=True)

    class Meta:
        indexes = [models.Index(fields=["question", "option"], name="participation_answer_q")]

    def __str__(self) -> str:
        return f"{self.question_id}: {self.option_id or self.number or self.text[:20]}"
