"""Bildung & Arbeit (issue 21, docs/jobs.md): occupational fields, training and study
offers, the interest test, and the county's job board.

Employers are company accounts (accounts.Company; their members act for them). A posting is
published after a moderator accepted it; the Jobcenter's postings (KoBa) come from staff
with the jobcenter role and need no moderation. Postings expire at `valid_through`.
"""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from openkreis.accounts.models import Company
from openkreis.core.models import Region


class Field(models.Model):
    """An occupational field (Berufsfeld: "Gesundheit und Pflege", "IT", "Handwerk Bau", …)
    with its Holland code (RIASEC letters, strongest first), from county data."""

    slug = models.SlugField(max_length=60, unique=True)
    name = models.CharField(max_length=120)  # German
    name_en = models.CharField(max_length=120, blank=True)
    description = models.TextField(blank=True)
    riasec = models.CharField(max_length=3)  # e.g. "SIC"
    order = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["order", "name"]

    def __str__(self) -> str:
        return self.name


class Provider(models.Model):
    """Who offers training or study: Hochschule Harz, the Kreisvolkshochschule, a
    Bildungsträger, a company training apprentices."""

    class Kind(models.TextChoices):
        UNIVERSITY = "university", pgettext_lazy("provider kind", "University")
        ADULT_EDUCATION = "vhs", pgettext_lazy("provider kind", "Adult education centre")
        TRAINER = "trainer", pgettext_lazy("provider kind", "Training provider")
        SCHOOL = "school", pgettext_lazy("provider kind", "Vocational school")
        COMPANY = "company", pgettext_lazy("provider kind", "Company")

    slug = models.SlugField(max_length=120, unique=True)
    name = models.CharField(max_length=200)
    kind = models.CharField(max_length=12, choices=Kind.choices)
    website = models.URLField(blank=True)
    town = models.CharField(max_length=100, blank=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Offer(models.Model):
    """A training, study or further-education offer with its dates and place."""

    class Kind(models.TextChoices):
        APPRENTICESHIP = "ausbildung", pgettext_lazy("offer kind", "Apprenticeship")
        STUDY = "studium", pgettext_lazy("offer kind", "Degree course")
        DUAL_STUDY = "dual", pgettext_lazy("offer kind", "Dual study")
        FURTHER = "weiterbildung", pgettext_lazy("offer kind", "Further education")
        COURSE = "kurs", pgettext_lazy("offer kind", "Course")

    slug = models.SlugField(max_length=160, unique=True)
    provider = models.ForeignKey(Provider, on_delete=models.CASCADE, related_name="offers")
    kind = models.CharField(max_length=15, choices=Kind.choices, db_index=True)
    title = models.CharField(max_length=200)
    description = models.TextField(blank=True)
    fields = models.ManyToManyField(Field, related_name="offers", blank=True)
    degree = models.CharField(max_length=120, blank=True)  # "Bachelor of Science", "IHK"
    duration = models.CharField(max_length=60, blank=True)  # "3 Jahre", "6 Semester"
    starts_on = models.DateField(null=True, blank=True)
    ends_on = models.DateField(null=True, blank=True)
    street = models.CharField(max_length=200, blank=True)
    postcode = models.CharField(max_length=5, blank=True)
    town = models.CharField(max_length=100, blank=True)
    municipality = models.ForeignKey(
        Region, null=True, blank=True, on_delete=models.SET_NULL, related_name="education_offers"
    )
    lat = models.FloatField(null=True, blank=True)
    lon = models.FloatField(null=True, blank=True)
    url = models.URLField(blank=True)
    published = models.BooleanField(default=True)

    class Meta:
        ordering = ["title"]

    def __str__(self) -> str:
        return self.title


class Employer(models.Model):
    """The public profile of a company account that posts jobs (or of the Jobcenter)."""

    company = models.OneToOneField(
        Company, null=True, blank=True, on_delete=models.CASCADE, related_name="employer"
    )
    slug = models.SlugField(max_length=120, unique=True)
    name = models.CharField(_("name"), max_length=200)
    description = models.TextField(_("about the company"), blank=True)
    website = models.URLField(_("website"), blank=True)
    street = models.CharField(_("street and number"), max_length=200, blank=True)
    postcode = models.CharField(_("postcode"), max_length=5, blank=True)
    town = models.CharField(_("town"), max_length=100, blank=True)
    lat = models.FloatField(null=True, blank=True)
    lon = models.FloatField(null=True, blank=True)
    is_jobcenter = models.BooleanField(default=False)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Job(models.Model):
    """A job or apprenticeship posting."""

    class Kind(models.TextChoices):
        JOB = "job", pgettext_lazy("job kind", "Job")
        APPRENTICESHIP = "ausbildung", pgettext_lazy("job kind", "Apprenticeship")
        DUAL_STUDY = "dual", pgettext_lazy("job kind", "Dual study")
        INTERNSHIP = "praktikum", pgettext_lazy("job kind", "Internship")
        MINI_JOB = "minijob", pgettext_lazy("job kind", "Mini job")

    class Hours(models.TextChoices):
        FULL = "full", pgettext_lazy("working hours", "Full time")
        PART = "part", pgettext_lazy("working hours", "Part time")
        EITHER = "either", pgettext_lazy("working hours", "Full or part time")

    class Status(models.TextChoices):
        DRAFT = "draft", pgettext_lazy("job status", "Draft")
        SUBMITTED = "submitted", pgettext_lazy("job status", "Waiting for review")
        PUBLISHED = "published", pgettext_lazy("job status", "Published")
        REJECTED = "rejected", pgettext_lazy("job status", "Not accepted")
        WITHDRAWN = "withdrawn", pgettext_lazy("job status", "Withdrawn")

    key = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    employer = models.ForeignKey(Employer, on_delete=models.CASCADE, related_name="jobs")
    title = models.CharField(_("job title"), max_length=200)
    kind = models.CharField(_("kind"), max_length=12, choices=Kind.choices, db_index=True)
    hours = models.CharField(_("working hours"), max_length=8, choices=Hours.choices)
    field = models.ForeignKey(
        Field, null=True, blank=True, on_delete=models.SET_NULL, related_name="jobs"
    )
    description = models.TextField(_("description"))
    requirements = models.TextField(_("what you bring"), blank=True)
    street = models.CharField(_("street and number"), max_length=200, blank=True)
    postcode = models.CharField(_("postcode"), max_length=5)
    town = models.CharField(_("town"), max_length=100)
    municipality = models.ForeignKey(
        Region, null=True, blank=True, on_delete=models.SET_NULL, related_name="jobs"
    )
    lat = models.FloatField(null=True, blank=True)
    lon = models.FloatField(null=True, blank=True)
    salary_min = models.DecimalField(max_digits=9, decimal_places=2, null=True, blank=True)
    salary_max = models.DecimalField(max_digits=9, decimal_places=2, null=True, blank=True)
    salary_unit = models.CharField(max_length=5, blank=True)  # HOUR | MONTH | YEAR
    starts_on = models.DateField(_("start"), null=True, blank=True)
    valid_through = models.DateField(_("open until"))
    contact_email = models.EmailField(_("e-mail for applications"), blank=True)
    apply_url = models.URLField(_("web address for applications"), blank=True)
    status = models.CharField(
        max_length=10, choices=Status.choices, default=Status.DRAFT, db_index=True
    )
    moderation_note = models.TextField(blank=True)  # why not accepted (shown to the employer)
    moderated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    published_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-published_at", "-pk"]
        indexes = [
            models.Index(fields=["status", "valid_through"], name="job_open"),
            models.Index(fields=["lat", "lon"], name="job_position"),
        ]

    def __str__(self) -> str:
        return self.title


class InterestResult(models.Model):
    """An interest-test result a person chose to keep in their account (with consent; the
    test itself stores nothing). Deleted with the account or by the person."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="interest_results"
    )
    scores = models.JSONField()  # {"R": 12, "I": 9, …}
    code = models.CharField(max_length=3)  # the three strongest letters
    consented_at = models.DateTimeField()

    class Meta:
        ordering = ["-consented_at"]

    def __str__(self) -> str:
        return f"{self.user_id}: {self.code}"
