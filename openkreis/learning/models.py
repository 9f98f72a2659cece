"""Digitaler Führerschein Harz and the Digitale Werkstatt (issue 23, docs/learning.md):
courses of modules with lessons and quizzes, learner groups with teachers, live quizzes in
class, a verifiable certificate, and the Werkstatt's advice offers and guides.

Modules, lessons and questions are county data (tenants/<slug>/learning/). Progress belongs to
a learner's account, so it resumes on any device. Teachers see their groups' progress only as
aggregates. A live-quiz participant has no account: a random token in a cookie, no name.
"""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from openkreis.core.models import Region


class Module(models.Model):
    """A module of the Digitaler Führerschein (smartphone basics, safe online, …)."""

    slug = models.SlugField(max_length=80, unique=True)
    title = models.CharField(max_length=200)
    title_en = models.CharField(max_length=200, blank=True)
    summary = models.TextField(blank=True)
    summary_en = models.TextField(blank=True)
    order = models.PositiveIntegerField(default=0)
    # required for the certificate
    required = models.BooleanField(default=True)
    # share of correct answers needed to pass, in percent
    pass_mark = models.PositiveSmallIntegerField(default=70)
    # questions drawn at random from the module's bank for one attempt
    questions_per_quiz = models.PositiveSmallIntegerField(default=8)
    minutes = models.PositiveSmallIntegerField(default=30)  # expected time, for the learner
    published = models.BooleanField(default=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["order", "slug"]

    def __str__(self) -> str:
        return self.title


class Lesson(models.Model):
    """A page of a module: text (a small safe Markdown subset), pictures, links to videos,
    an exercise to try on one's own phone."""

    module = models.ForeignKey(Module, on_delete=models.CASCADE, related_name="lessons")
    slug = models.SlugField(max_length=80)
    order = models.PositiveIntegerField(default=0)
    title = models.CharField(max_length=200)
    title_en = models.CharField(max_length=200, blank=True)
    body = models.TextField()
    body_en = models.TextField(blank=True)
    # [{"title": "…", "url": "https://…"}] — videos and further reading
    links = models.JSONField(default=list, blank=True)
    exercise = models.TextField(blank=True)
    exercise_en = models.TextField(blank=True)

    class Meta:
        ordering = ["module", "order", "slug"]
        constraints = [
            models.UniqueConstraint(fields=["module", "slug"], name="lesson_slug_in_module")
        ]

    def __str__(self) -> str:
        return self.title


class Question(models.Model):
    """A question of a module's bank. `options`: [{"key", "text", "text_en"}]; `answer`:
    single → "key"; multiple → ["key", …]; ordering → ["key", …] in the right order;
    matching → {"left key": "right key"} with `pairs` [{"key", "text", "text_en"}] as the
    right-hand side."""

    class Kind(models.TextChoices):
        SINGLE = "single", pgettext_lazy("question kind", "Single choice")
        MULTIPLE = "multiple", pgettext_lazy("question kind", "Multiple choice")
        ORDERING = "ordering", pgettext_lazy("question kind", "Put in order")
        MATCHING = "matching", pgettext_lazy("question kind", "Matching")

    module = models.ForeignKey(Module, on_delete=models.CASCADE, related_name="questions")
    key = models.SlugField(max_length=80)
    kind = models.CharField(max_length=10, choices=Kind.choices)
    text = models.TextField()
    text_en = models.TextField(blank=True)
    options = models.JSONField(default=list)
    pairs = models.JSONField(default=list, blank=True)
    answer = models.JSONField()
    explanation = models.TextField(blank=True)
    explanation_en = models.TextField(blank=True)
    active = models.BooleanField(default=True)

    class Meta:
        ordering = ["module", "key"]
        constraints = [
            models.UniqueConstraint(fields=["module", "key"], name="question_key_in_module")
        ]

    def __str__(self) -> str:
        return f"{self.module_id}/{self.key}"


class LessonProgress(models.Model):
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="lesson_progress"
    )
    lesson = models.ForeignKey(Lesson, on_delete=models.CASCADE, related_name="+")
    done_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["user", "lesson"], name="lesson_done_once")]

    def __str__(self) -> str:
        return f"{self.user_id} read {self.lesson_id}"


class QuizAttempt(models.Model):
    """One attempt at a module's quiz: the questions drawn and the options' order shown
    (kept, so a reload or another device shows the same), the answers, the score."""

    key = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="quiz_attempts"
    )
    module = models.ForeignKey(Module, on_delete=models.CASCADE, related_name="attempts")
    # [{"question": key, "order": [option keys as shown], "pair_order": [...]}]
    drawn = models.JSONField(default=list)
    answers = models.JSONField(default=dict)  # question key → answer as given
    correct = models.PositiveSmallIntegerField(default=0)
    total = models.PositiveSmallIntegerField(default=0)
    passed = models.BooleanField(default=False)
    started_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-started_at", "-pk"]
        indexes = [models.Index(fields=["user", "module", "passed"], name="attempt_user_module")]

    def __str__(self) -> str:
        return f"attempt {self.pk} ({self.correct}/{self.total})"


class LearnerGroup(models.Model):
    """A class or course of the Kreisvolkshochschule, a school, a club or an employer.
    Learners join with the group's code; teachers see the group's progress as aggregates."""

    class Kind(models.TextChoices):
        VHS = "vhs", pgettext_lazy("learner group", "Adult education centre")
        SCHOOL = "school", pgettext_lazy("learner group", "School")
        CLUB = "club", pgettext_lazy("learner group", "Club or association")
        SENIORS = "seniors", pgettext_lazy("learner group", "Seniors teach seniors")
        EMPLOYER = "employer", pgettext_lazy("learner group", "Employer")
        OTHER = "other", pgettext_lazy("learner group", "Other")

    key = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    name = models.CharField(_("name of the group"), max_length=150)
    kind = models.CharField(max_length=10, choices=Kind.choices, default=Kind.VHS)
    municipality = models.ForeignKey(
        Region, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    join_code = models.CharField(max_length=12, unique=True)
    archived = models.BooleanField(default=False)
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return self.name


class GroupMembership(models.Model):
    class Role(models.TextChoices):
        TEACHER = "teacher", pgettext_lazy("learner group", "Teacher")
        LEARNER = "learner", pgettext_lazy("learner group", "Learner")

    group = models.ForeignKey(LearnerGroup, on_delete=models.CASCADE, related_name="memberships")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="learner_groups"
    )
    role = models.CharField(max_length=10, choices=Role.choices, default=Role.LEARNER)
    joined_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["group", "user"], name="one_membership_per_group")
        ]

    def __str__(self) -> str:
        return f"{self.user_id} in {self.group_id} ({self.role})"


class Teacher(models.Model):
    """An account the county's learning office made a teacher (may create groups and run
    live quizzes): a VHS lecturer, a teacher, a club's volunteer."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="learning_teacher"
    )
    organisation = models.CharField(max_length=200, blank=True)
    approved_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return f"teacher {self.user_id}"


class LiveSession(models.Model):
    """A live quiz in class: the teacher's screen shows one question at a time, learners
    answer on their phones after joining with `code` (no account)."""

    class State(models.TextChoices):
        LOBBY = "lobby", pgettext_lazy("live quiz", "Waiting for learners")
        QUESTION = "question", pgettext_lazy("live quiz", "Question open")
        REVEAL = "reveal", pgettext_lazy("live quiz", "Answers shown")
        CLOSED = "closed", pgettext_lazy("live quiz", "Finished")

    key = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    code = models.CharField(max_length=8)
    teacher = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="live_sessions"
    )
    group = models.ForeignKey(
        LearnerGroup, null=True, blank=True, on_delete=models.SET_NULL, related_name="sessions"
    )
    module = models.ForeignKey(Module, null=True, blank=True, on_delete=models.SET_NULL)
    question_keys = models.JSONField(default=list)  # [[module slug, question key], …]
    current = models.IntegerField(default=-1)  # index into question_keys; -1 in the lobby
    state = models.CharField(max_length=10, choices=State.choices, default=State.LOBBY)
    created_at = models.DateTimeField(auto_now_add=True)
    closed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["code"], condition=~Q(state="closed"), name="live_code_open_once"
            )
        ]

    def __str__(self) -> str:
        return f"live quiz {self.code} ({self.state})"


class LiveParticipant(models.Model):
    session = models.ForeignKey(LiveSession, on_delete=models.CASCADE, related_name="participants")
    token_hash = models.CharField(max_length=64)
    joined_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["session", "token_hash"], name="live_participant_once")
        ]

    def __str__(self) -> str:
        return f"participant {self.pk} of {self.session_id}"


class LiveAnswer(models.Model):
    session = models.ForeignKey(LiveSession, on_delete=models.CASCADE, related_name="answers")
    participant = models.ForeignKey(LiveParticipant, on_delete=models.CASCADE, related_name="+")
    index = models.PositiveSmallIntegerField()  # the question's index in the session
    answer = models.JSONField()
    correct = models.BooleanField(default=False)
    answered_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["session", "participant", "index"], name="live_answer_once"
            )
        ]

    def __str__(self) -> str:
        return f"answer to {self.index} in {self.session_id}"


class Certificate(models.Model):
    """The Digitaler Führerschein: a PDF and a signed verifiable credential (Open Badges 3.0
    / W3C VC). `status_index` is the certificate's bit in the issuer's status list
    (revocation)."""

    key = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="learning_certificates",
    )
    holder_name = models.CharField(max_length=200)
    modules = models.JSONField(default=list)  # slugs passed
    issued_at = models.DateTimeField()
    expires_at = models.DateTimeField(null=True, blank=True)
    credential = models.JSONField()  # the signed credential as issued
    key_id = models.CharField(max_length=200)  # the verification method used
    status_index = models.PositiveIntegerField(unique=True)
    revoked_at = models.DateTimeField(null=True, blank=True)
    revocation_reason = models.CharField(max_length=300, blank=True)

    class Meta:
        ordering = ["-issued_at", "-pk"]

    def __str__(self) -> str:
        return f"certificate {self.key}"


class IssuerKey(models.Model):
    """A signing key of the county as issuer (Ed25519). The public key is published with
    the issuer's profile; the private key is kept encrypted with the deployment's secret."""

    kid = models.CharField(max_length=100, unique=True)
    public_key = models.TextField()  # multibase (z…) Ed25519 public key
    private_key = models.TextField()  # encrypted (see certificates.py)
    active = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)
    retired_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return self.kid


class AdviceOffer(models.Model):
    """An offer of the Digitale Werkstatt: free or at cost advice on choosing and
    introducing software, for clubs, small businesses or residents."""

    class Audience(models.TextChoices):
        CLUBS = "clubs", pgettext_lazy("advice audience", "Clubs and associations")
        BUSINESS = "business", pgettext_lazy("advice audience", "Small businesses")
        RESIDENTS = "residents", pgettext_lazy("advice audience", "Residents")

    slug = models.SlugField(max_length=80, unique=True)
    title = models.CharField(max_length=200)
    title_en = models.CharField(max_length=200, blank=True)
    topic = models.CharField(max_length=100)
    summary = models.TextField()
    summary_en = models.TextField(blank=True)
    audiences = models.JSONField(default=list)  # Audience values
    free = models.BooleanField(default=True)
    cost_note = models.CharField(max_length=200, blank=True)
    # a consultation bookable through the appointments engine (its service key), or ""
    appointment_service = models.SlugField(max_length=80, blank=True)
    order = models.PositiveIntegerField(default=0)
    published = models.BooleanField(default=True)

    class Meta:
        ordering = ["order", "slug"]

    def __str__(self) -> str:
        return self.title


class AdviceRequest(models.Model):
    """A request to the Werkstatt team; it becomes a case in the eAkte (`case_id`) where the
    team answers and keeps its follow-up notes."""

    key = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    offer = models.ForeignKey(AdviceOffer, on_delete=models.PROTECT, related_name="requests")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="advice_requests",
    )
    audience = models.CharField(max_length=10, choices=AdviceOffer.Audience.choices)
    organisation = models.CharField(_("club or business"), max_length=200, blank=True)
    municipality = models.ForeignKey(
        Region, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    message = models.TextField(_("your question"))
    case_id = models.BigIntegerField(null=True, blank=True, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return f"advice request {self.pk}"
