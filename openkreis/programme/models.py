"""Programme office and Gestaltungskreise (issue 24, docs/programme.md).

Projects of the county's digitalisation programme with their Steckbrief (goal, owner, team,
budget, status, phase, milestones, risks, dependencies) and the history of their status;
Gestaltungskreise (design circles) with members from companies and the administration,
meetings whose agenda points at cockpit fact sheets, and measures whose effect is read
from the cockpit before and after they took effect (`beforeafter.py`).
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


class Project(models.Model):
    class Kind(models.TextChoices):
        ADMINISTRATION = "administration", _("Administration project")
        LIGHTHOUSE = "lighthouse", _("Lighthouse project")

    class Status(models.TextChoices):
        GREEN = "green", pgettext_lazy("project status", "On track")
        AMBER = "amber", pgettext_lazy("project status", "At risk")
        RED = "red", pgettext_lazy("project status", "Off track")

    class Phase(models.TextChoices):
        IDEA = "idea", pgettext_lazy("project phase", "Idea")
        PLANNING = "planning", pgettext_lazy("project phase", "Planning")
        BUILD = "build", pgettext_lazy("project phase", "Build")
        PILOT = "pilot", pgettext_lazy("project phase", "Pilot")
        ROLLOUT = "rollout", pgettext_lazy("project phase", "Roll-out")
        OPERATION = "operation", pgettext_lazy("project phase", "Operation")

    key = models.SlugField(_("key"), max_length=60, unique=True)
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices, db_index=True)
    number = models.PositiveSmallIntegerField(_("number"), default=0)
    title = models.CharField(_("title"), max_length=200)
    goal = models.TextField(_("goal"))
    owner = models.CharField(_("project owner"), max_length=200)
    org_unit = models.ForeignKey(
        "core.OrgUnit",
        verbose_name=_("responsible unit"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    team = models.TextField(_("team"), blank=True)
    budget_planned = models.DecimalField(
        _("budget planned (EUR)"), max_digits=12, decimal_places=2, default=0
    )
    budget_spent = models.DecimalField(
        _("budget spent (EUR)"), max_digits=12, decimal_places=2, default=0
    )
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.GREEN, db_index=True
    )
    status_reason = models.TextField(_("reason for the status"), blank=True)
    phase = models.CharField(_("phase"), max_length=20, choices=Phase.choices, default=Phase.IDEA)
    start = models.DateField(_("start"), null=True, blank=True)
    end = models.DateField(_("planned end"), null=True, blank=True)
    app = models.CharField(_("part of openkreis"), max_length=120, blank=True)
    decision_needed = models.TextField(_("decision needed from the steering committee"), blank=True)
    depends_on = models.ManyToManyField(
        "self",
        verbose_name=_("depends on"),
        symmetrical=False,
        blank=True,
        related_name="needed_by",
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["kind", "number", "title"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(budget_planned__gte=0) & models.Q(budget_spent__gte=0),
                name="programme_budget_not_negative",
            ),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def budget_share(self) -> float | None:
        if not self.budget_planned:
            return None
        return float(self.budget_spent / self.budget_planned)


class Milestone(models.Model):
    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="milestones")
    title = models.CharField(_("milestone"), max_length=200)
    due = models.DateField(_("due on"))
    done_on = models.DateField(_("reached on"), null=True, blank=True)

    class Meta:
        ordering = ["due", "pk"]
        indexes = [models.Index(fields=["due"], name="programme_milestone_due")]

    def __str__(self) -> str:
        return self.title


class Risk(models.Model):
    class Level(models.IntegerChoices):
        LOW = 1, pgettext_lazy("risk level", "low")
        MEDIUM = 2, pgettext_lazy("risk level", "medium")
        HIGH = 3, pgettext_lazy("risk level", "high")

    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="risks")
    title = models.CharField(_("risk"), max_length=200)
    probability = models.PositiveSmallIntegerField(_("probability"), choices=Level.choices)
    impact = models.PositiveSmallIntegerField(_("impact"), choices=Level.choices)
    mitigation = models.TextField(_("mitigation"), blank=True)

    class Meta:
        ordering = ["pk"]

    def __str__(self) -> str:
        return self.title

    @property
    def score(self) -> int:
        return self.probability * self.impact


class StatusChange(models.Model):
    """One row per change of a project's status or phase (the history; the project holds
    the current state)."""

    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="history")
    status = models.CharField(max_length=10, choices=Project.Status.choices)
    phase = models.CharField(max_length=20, choices=Project.Phase.choices)
    reason = models.TextField(blank=True)
    changed_at = models.DateTimeField(auto_now_add=True)
    changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["-changed_at", "-pk"]

    def __str__(self) -> str:
        return f"{self.project_id}: {self.status}/{self.phase}"


# -- Gestaltungskreise ----------------------------------------------------------------------
class Circle(models.Model):
    """A Gestaltungskreis: companies and administration redesign one service's process."""

    slug = models.SlugField(_("key"), max_length=60, unique=True)
    name = models.CharField(_("name"), max_length=200)
    purpose = models.TextField(_("purpose"), blank=True)
    service = models.CharField(_("service (catalogue key)"), max_length=120)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class CircleMember(models.Model):
    class Side(models.TextChoices):
        ADMINISTRATION = "administration", _("Administration")
        COMPANY = "company", _("Company")

    circle = models.ForeignKey(Circle, on_delete=models.CASCADE, related_name="members")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="programme_circles"
    )
    side = models.CharField(_("side"), max_length=20, choices=Side.choices)
    company = models.ForeignKey(
        "accounts.Company", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    role = models.CharField(_("role in the circle"), max_length=100, blank=True)

    class Meta:
        ordering = ["side", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["circle", "user"], name="programme_one_membership")
        ]

    def __str__(self) -> str:
        return f"{self.circle_id}: {self.user_id}"


class Meeting(models.Model):
    circle = models.ForeignKey(Circle, on_delete=models.CASCADE, related_name="meetings")
    date = models.DateField(_("date"))
    title = models.CharField(_("title"), max_length=200)
    notes = models.TextField(_("notes"), blank=True)

    class Meta:
        ordering = ["-date", "-pk"]

    def __str__(self) -> str:
        return self.title


class AgendaItem(models.Model):
    """A point on a meeting's agenda; with a service, the cockpit's fact sheet of that
    service is shown beside it."""

    meeting = models.ForeignKey(Meeting, on_delete=models.CASCADE, related_name="agenda")
    position = models.PositiveSmallIntegerField(default=1)
    title = models.CharField(_("agenda item"), max_length=200)
    service = models.CharField(_("service (catalogue key)"), max_length=120, blank=True)

    class Meta:
        ordering = ["position", "pk"]

    def __str__(self) -> str:
        return self.title


class Measure(models.Model):
    class Status(models.TextChoices):
        OPEN = "open", pgettext_lazy("measure status", "Open")
        IN_PROGRESS = "in_progress", pgettext_lazy("measure status", "In progress")
        DONE = "done", pgettext_lazy("measure status", "Done")
        DROPPED = "dropped", pgettext_lazy("measure status", "Dropped")

    circle = models.ForeignKey(Circle, on_delete=models.CASCADE, related_name="measures")
    title = models.CharField(_("measure"), max_length=200)
    description = models.TextField(_("description"), blank=True)
    owner = models.CharField(_("responsible"), max_length=200)
    due = models.DateField(_("due on"))
    status = models.CharField(
        _("status"), max_length=20, choices=Status.choices, default=Status.OPEN
    )
    effective_on = models.DateField(_("in effect since"), null=True, blank=True)
    window_days = models.PositiveSmallIntegerField(_("comparison window (days)"), default=90)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["due", "pk"]

    def __str__(self) -> str:
        return self.title
