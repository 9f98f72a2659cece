"""The programme app's public functions (docs/programme.md): status changes with their
history, the portfolio and the steering committee's report, who sees which circle, the
cockpit figures of a circle's service and a measure's before/after."""

from __future__ import annotations

import datetime as dt
from collections import Counter

from django.db import transaction
from django.db.models import Prefetch, Q

from openkreis.catalog.models import Service
from openkreis.cockpit import aggregates, engine, read
from openkreis.cockpit.models import CaseFact, DailyMetric
from openkreis.core import event_kinds
from openkreis.core.services import record_event
from openkreis.core.staff import has_role

from . import beforeafter
from .models import Circle, CircleMember, Measure, Milestone, Project, StatusChange

OFFICE_ROLE = "programme_office"
SOON_DAYS = 30  # milestones due within this many days are "due soon" in the report


def today() -> dt.date:
    return aggregates.today()


# -- projects ---------------------------------------------------------------------------------
@transaction.atomic
def save_project(project: Project, *, user=None, reason: str | None = None) -> Project:
    """Save a project (new or edited); a new status or phase writes a history row."""
    previous = None
    if project.pk:
        previous = Project.objects.filter(pk=project.pk).values("status", "phase").first()
    project.save()
    if previous is None or previous != {"status": project.status, "phase": project.phase}:
        StatusChange.objects.create(
            project=project,
            status=project.status,
            phase=project.phase,
            reason=project.status_reason if reason is None else reason,
            changed_by=user if getattr(user, "is_authenticated", False) else None,
        )
    return project


def portfolio(kind: str = "", status: str = ""):
    """The projects for the portfolio (filtered), with what the table shows."""
    qs = Project.objects.select_related("org_unit").prefetch_related(
        Prefetch("milestones", queryset=Milestone.objects.order_by("due", "pk")),
        "depends_on",
    )
    if kind:
        qs = qs.filter(kind=kind)
    if status:
        qs = qs.filter(status=status)
    return qs


def next_milestone(project: Project) -> Milestone | None:
    return next((m for m in project.milestones.all() if m.done_on is None), None)


def counts(projects) -> dict[str, int]:
    by = Counter(p.status for p in projects)
    return {s: by.get(s, 0) for s in Project.Status.values}


def status_report(on: dt.date | None = None) -> dict:
    """What the steering committee's report shows: the portfolio summary, each project's
    status, milestones overdue and due soon, the top risks and the decisions needed."""
    on = on or today()
    projects = list(
        Project.objects.select_related("org_unit").prefetch_related("milestones", "risks")
    )
    soon = on + dt.timedelta(days=SOON_DAYS)
    overdue, due = [], []
    for p in projects:
        for m in p.milestones.all():
            if m.done_on is None and m.due < on:
                overdue.append((p, m))
            elif m.done_on is None and m.due <= soon:
                due.append((p, m))
    overdue.sort(key=lambda pm: pm[1].due)
    due.sort(key=lambda pm: pm[1].due)
    risks = sorted(
        ((p, r) for p in projects for r in p.risks.all()),
        key=lambda pr: (-pr[1].score, -pr[1].impact, pr[0].number, pr[1].pk),
    )[:10]
    planned = sum(p.budget_planned for p in projects)
    spent = sum(p.budget_spent for p in projects)
    return {
        "on": on,
        "projects": projects,
        "counts": counts(projects),
        "overdue": overdue,
        "due_soon": due,
        "soon_days": SOON_DAYS,
        "risks": risks,
        "decisions": [p for p in projects if p.decision_needed.strip()],
        "budget_planned": planned,
        "budget_spent": spent,
    }


def report_made(report: dict) -> None:
    """Record that a status report was made (figures only)."""
    c = report["counts"]
    record_event(
        event_kinds.PROGRAMME_STATUS_REPORTED,
        subject="programme:report",
        data={"projects": len(report["projects"]), "red": c["red"], "amber": c["amber"]},
    )


# -- circles: who sees what -----------------------------------------------------------------
def is_office(user) -> bool:
    return has_role(user, OFFICE_ROLE)


def circles_for(user):
    """The circles `user` sees: all for the programme office, their own for members."""
    if not getattr(user, "is_authenticated", False):
        return Circle.objects.none()
    if is_office(user):
        return Circle.objects.all()
    return Circle.objects.filter(members__user=user).distinct()


def circle_for(user, slug: str) -> Circle | None:
    return circles_for(user).filter(slug=slug).first()


# -- cockpit figures --------------------------------------------------------------------------
def service_name(slug: str) -> str:
    return Service.objects.filter(slug=slug).values_list("name", flat=True).first() or slug


def fact_sheet(service: str, on: dt.date | None = None, months: int = 12) -> dict:
    """The cockpit's headline figures of one service over the last `months` months (the
    fact sheet an agenda item shows; small numbers already withheld by the cockpit)."""
    on = on or today()
    filters = read.default_filters(on)
    if months != 12:
        filters.start = on - dt.timedelta(days=months * 30)
    filters.service = service
    head = read.headline(filters)
    return {"service": service, "start": filters.start, "end": filters.end, **head}


def facts_of(service: str, start: dt.date, end: dt.date) -> list[engine.CaseFact]:
    """The cockpit's case facts of `service` received or decided between start and end."""
    rows = CaseFact.objects.filter(service=service).filter(
        Q(received_day__gte=start, received_day__lte=end)
        | Q(decided_day__gte=start, decided_day__lte=end)
    )
    return [aggregates.model_to_fact(row) for row in rows.iterator()]


def ratings_of(service: str, start: dt.date, end: dt.date) -> list[tuple[dt.date, int, int]]:
    rows = DailyMetric.objects.filter(
        metric="feedback", service=service, day__gte=start, day__lte=end
    ).values_list("day", "key", "count")
    out = []
    for day, key, count in rows:
        if str(key).isascii() and str(key).isdigit():
            out.append((day, int(key), count))
    return out


def before_after(measure: Measure, service: str, on: dt.date | None = None) -> dict | None:
    """The before/after comparison of a measure in effect (None without a date)."""
    if measure.effective_on is None:
        return None
    on = on or today()
    before, after = beforeafter.windows(measure.effective_on, measure.window_days, on)
    end = max(after.end, before.end)
    facts = facts_of(service, before.start, end)
    ratings = ratings_of(service, before.start, end)
    return beforeafter.compare(facts, ratings, measure.effective_on, measure.window_days, on)


@transaction.atomic
def save_measure(measure: Measure, *, was_effective: dt.date | None = None) -> Measure:
    """Save a measure; setting (or moving) its effective date records the event."""
    measure.save()
    if measure.effective_on is not None and measure.effective_on != was_effective:
        record_event(
            event_kinds.CIRCLE_MEASURE_EFFECTIVE,
            subject=f"circle:{measure.circle_id}",
            data={"service": measure.circle.service},
        )
    return measure


def agenda_with_facts(meeting) -> list[dict]:
    items = []
    for item in meeting.agenda.all():
        items.append({"item": item, "facts": fact_sheet(item.service) if item.service else None})
    return items


def is_member(user) -> bool:
    """Whether the account belongs to any circle (the account menu's link)."""
    return CircleMember.objects.filter(user=user).exists()
