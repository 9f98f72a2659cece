"""Mängelmelder: categories, areas (municipality polygons), the routing table, reports with
their photos, followers and status history (issue 17).

Personal data (the reporter's e-mail or account, the followers) live only on `Report` and
`Follower`; public pages, events and the public history never show them.
"""

from __future__ import annotations

import secrets
from datetime import timedelta

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from openkreis.catalog.models import Translated
from openkreis.core.models import OrgUnit, Region

from .workflow import DONE as DONE_STATUSES


class Category(Translated, models.Model):
    """What is broken (county data, tenants/<slug>/reports.yaml). Empty `regions`: offered in
    every area of the county; else only in those municipalities."""

    key = models.SlugField(max_length=60, unique=True)
    name = models.CharField(max_length=120, help_text=_("German name"))
    name_en = models.CharField(max_length=120, blank=True)
    hint = models.CharField(max_length=250, blank=True, help_text=_("German hint"))
    hint_en = models.CharField(max_length=250, blank=True)
    regions = models.ManyToManyField(Region, blank=True, related_name="+")
    position = models.PositiveSmallIntegerField(default=0)
    active = models.BooleanField(default=True)
    target_days = models.PositiveSmallIntegerField(
        null=True, blank=True, help_text=_("Target time to fix, in days (empty: none)")
    )

    class Meta:
        ordering = ["position", "name"]
        verbose_name = _("report category")
        verbose_name_plural = _("report categories")

    def __str__(self) -> str:
        return self.label

    @property
    def label(self) -> str:
        return self._translated("name")

    @property
    def hint_label(self) -> str:
        return self._translated("hint")


class Area(models.Model):
    """A municipality's territory: a GeoJSON (Multi)Polygon in WGS84 (lon, lat)."""

    region = models.OneToOneField(Region, on_delete=models.CASCADE, related_name="report_area")
    geometry = models.JSONField(help_text=_("GeoJSON geometry (Polygon or MultiPolygon)"))
    official = models.BooleanField(
        default=False, help_text=_("Official boundary (else an approximate demo polygon)")
    )
    source = models.TextField(blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["region__name"]
        verbose_name = _("report area")
        verbose_name_plural = _("report areas")

    def __str__(self) -> str:
        return self.region.name


class Route(models.Model):
    """The routing table: category × area → the unit that must fix it (expanded from county
    data at load time, so routing a report is one lookup)."""

    category = models.ForeignKey(Category, on_delete=models.CASCADE, related_name="routes")
    area = models.ForeignKey(Area, on_delete=models.CASCADE, related_name="routes")
    unit = models.ForeignKey(OrgUnit, on_delete=models.PROTECT, related_name="report_routes")

    class Meta:
        verbose_name = _("report route")
        verbose_name_plural = _("report routes")
        constraints = [
            models.UniqueConstraint(fields=["category", "area"], name="uniq_report_route")
        ]

    def __str__(self) -> str:
        return f"{self.category.key} × {self.area} → {self.unit.key}"


class Body(Translated, models.Model):
    """Another body a report can be forwarded to (county data), also outside the county,
    e.g. the Landesstraßenbaubehörde. Its name and contact are shown publicly."""

    key = models.SlugField(max_length=60, unique=True)
    name = models.CharField(max_length=200)
    name_en = models.CharField(max_length=200, blank=True)
    contact = models.CharField(max_length=500, blank=True, help_text=_("Public contact"))
    url = models.URLField(blank=True)
    email = models.EmailField(
        blank=True, help_text=_("Gets one mail with the public facts of a forwarded report")
    )
    position = models.PositiveSmallIntegerField(default=0)
    active = models.BooleanField(default=True)

    class Meta:
        ordering = ["position", "name"]
        verbose_name = _("other body")
        verbose_name_plural = _("other bodies")

    def __str__(self) -> str:
        return self.label

    @property
    def label(self) -> str:
        return self._translated("name")


class StatusTemplate(models.Model):
    """A public text staff may start from for a status change (county data)."""

    key = models.SlugField(max_length=60, unique=True)
    status = models.CharField(max_length=30)
    title = models.CharField(max_length=120)
    text = models.TextField()
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["position", "key"]

    def __str__(self) -> str:
        return self.title


def _public_id() -> str:
    # short, unguessable enough to type from a letter, no ambiguous characters
    alphabet = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"
    return "M-" + "".join(secrets.choice(alphabet) for _ in range(8))


class Report(models.Model):
    class Status(models.TextChoices):
        OPEN = "open", pgettext_lazy("report status", "Received")
        CONFIRMED = "confirmed", pgettext_lazy("report status", "Confirmed")
        IN_PROGRESS = "in_progress", pgettext_lazy("report status", "In progress")
        SCHEDULED = "scheduled", pgettext_lazy("report status", "Action scheduled")
        FIXED = "fixed", pgettext_lazy("report status", "Fixed")
        DUPLICATE = "closed_duplicate", pgettext_lazy("report status", "Closed: duplicate")
        NOT_RESPONSIBLE = (
            "closed_not_responsible",
            pgettext_lazy("report status", "Closed: not responsible"),
        )
        NOT_REPRODUCIBLE = (
            "closed_not_reproducible",
            pgettext_lazy("report status", "Closed: could not be found"),
        )

    public_id = models.CharField(max_length=12, unique=True, default=_public_id, editable=False)
    category = models.ForeignKey(Category, on_delete=models.PROTECT, related_name="reports")
    area = models.ForeignKey(Area, on_delete=models.PROTECT, related_name="reports")
    unit = models.ForeignKey(OrgUnit, on_delete=models.PROTECT, related_name="reports")
    status = models.CharField(
        max_length=30, choices=Status.choices, default=Status.OPEN, db_index=True
    )
    lat = models.FloatField(null=True, blank=True)
    lon = models.FloatField(null=True, blank=True)
    street = models.CharField(max_length=200, blank=True)
    place = models.CharField(max_length=500, blank=True, help_text=_("Description of the place"))
    description = models.TextField(max_length=2000)
    # the reporter: an account or an e-mail address (never shown publicly)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="defect_reports",
    )
    email = models.EmailField(blank=True)
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="assigned_defect_reports",
    )
    idempotency_key = models.CharField(max_length=64, unique=True)
    # closed as a duplicate of another report (merge), or forwarded to another body
    duplicate_of = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="duplicates"
    )
    forwarded_to = models.ForeignKey(
        Body, null=True, blank=True, on_delete=models.PROTECT, related_name="reports"
    )
    # made by staff from another report that was really two (split)
    split_from = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="split_into"
    )
    created_at = models.DateTimeField(default=timezone.now, db_index=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("defect report")
        verbose_name_plural = _("defect reports")
        indexes = [
            models.Index(fields=["category", "status"], name="report_cat_status"),
            # the duplicate lookup: open reports of a category in a bounding box (bench/reports.py)
            models.Index(
                fields=["category", "lat", "lon"],
                name="report_open_cat_pos",
                condition=~models.Q(status__in=DONE_STATUSES),
            ),
            # the public and back-office maps: reports in a bounding box
            models.Index(fields=["lat", "lon"], name="report_lat_lon"),
            # the Atom feeds: the last changed reports, county-wide and per municipality
            models.Index(fields=["updated_at", "id"], name="report_updated"),
            models.Index(fields=["area", "updated_at", "id"], name="report_area_updated"),
            # the public list and Open311 GET requests (newest first), also per category or
            # municipality: a page is read from the index instead of sorting the matches
            # (bench/reports.py: a deep list page 10.7 -> 1.1 ms, COUNT(*) 15.8 -> 5.8 ms)
            models.Index(fields=["created_at", "id"], name="report_created"),
            models.Index(fields=["category", "created_at", "id"], name="report_cat_created"),
            models.Index(fields=["area", "created_at", "id"], name="report_area_created"),
        ]

    def __str__(self) -> str:
        return self.public_id

    @property
    def is_open(self) -> bool:
        from .workflow import is_open

        return is_open(self.status)

    def due_at(self):
        """When the category's target time runs out (None: no target time)."""
        days = self.category.target_days
        return self.created_at + timedelta(days=days) if days else None

    @property
    def overdue_days(self) -> int:
        """Days past the target time while still open (0: not overdue)."""
        due = self.due_at()
        if due is None or not self.is_open:
            return 0
        late = timezone.now() - due
        return max(1, late.days) if late.total_seconds() > 0 else 0

    def reporter_address(self) -> str:
        if self.user_id:
            return self.user.email
        return self.email

    def public_photos(self):
        return [p for p in self.photos.all() if p.approved]


def _photo_path(instance, filename: str) -> str:
    return f"reports/{timezone.now():%Y/%m}/{secrets.token_hex(16)}.jpg"


class Photo(models.Model):
    """A photo as stored: re-encoded JPEG without any EXIF, at most 2048 px. Public only after
    staff approved it."""

    report = models.ForeignKey(Report, on_delete=models.CASCADE, related_name="photos")
    image = models.FileField(upload_to=_photo_path)
    width = models.PositiveIntegerField()
    height = models.PositiveIntegerField()
    approved = models.BooleanField(default=False)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["id"]

    def __str__(self) -> str:
        return f"photo {self.pk} of report {self.report_id}"


class Follower(models.Model):
    """Someone else affected ("Ich bin auch betroffen"): gets the same updates."""

    report = models.ForeignKey(Report, on_delete=models.CASCADE, related_name="followers")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    email = models.EmailField(blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["id"]

    def __str__(self) -> str:
        return f"follower of {self.report_id}"

    def address(self) -> str:
        return self.user.email if self.user_id else self.email


class StatusChange(models.Model):
    """The history: who changed what when, a public text and an internal note."""

    report = models.ForeignKey(Report, on_delete=models.CASCADE, related_name="history")
    from_status = models.CharField(max_length=30, blank=True)
    to_status = models.CharField(max_length=30, choices=Report.Status.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    public_text = models.TextField(blank=True, max_length=2000)
    internal_note = models.TextField(blank=True, max_length=2000)
    at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["at", "id"]
        indexes = [
            # Open311 servicerequestupdates: the changes in a date range (bench/reports.py:
            # one day of 200,000 changes 99 -> 28 ms, no sequential scan)
            models.Index(fields=["at", "id"], name="statuschange_at"),
        ]

    def __str__(self) -> str:
        return f"{self.report_id}: {self.from_status} → {self.to_status}"

    @property
    def to_label(self) -> str:
        return Report.Status(self.to_status).label


class FollowUp(models.Model):
    """The four-week questionnaire "Ist der Mangel behoben?": one per report and address,
    recorded before the mail goes out (so a second or parallel run never mails twice). The
    link's token is stored only as its SHA-256."""

    class Answer(models.TextChoices):
        YES = "yes", _("Yes, it is fixed")
        NO = "no", _("No, or only partly")

    report = models.ForeignKey(Report, on_delete=models.CASCADE, related_name="follow_ups")
    email = models.EmailField(help_text=_("Lower-case address the questionnaire went to"))
    token_hash = models.CharField(max_length=64, unique=True)
    sent_at = models.DateTimeField(default=timezone.now)
    answer = models.CharField(max_length=10, choices=Answer.choices, blank=True)
    comment = models.TextField(blank=True, max_length=1000)
    answered_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["id"]
        verbose_name = _("follow-up questionnaire")
        verbose_name_plural = _("follow-up questionnaires")
        constraints = [
            models.UniqueConstraint(fields=["report", "email"], name="uniq_report_follow_up")
        ]

    def __str__(self) -> str:
        return f"follow-up {self.pk} of report {self.report_id}"


# the Open311 API clients live with the API (openkreis/reports/open311/models.py)
from .open311.models import ApiClient  # noqa: E402, F401
