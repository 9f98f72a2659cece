"""Pages of the programme office (role programme_office + a second factor) and of the
Gestaltungskreise (members see their own circle; the office sees all)."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db import transaction
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.template.loader import render_to_string
from django.utils import translation
from django.utils.formats import number_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from weasyprint import HTML

from openkreis.cockpit import aggregates
from openkreis.core.staff import staff_gate, staff_required

from . import services, svg
from .forms import (
    MeasureForm,
    MeetingForm,
    MilestoneForm,
    NewProjectForm,
    ProjectForm,
    RiskForm,
)
from .models import Circle, Measure, Milestone, Project, Risk

office_required = staff_required(services.OFFICE_ROLE)


def _project(key: str) -> Project:
    return get_object_or_404(
        Project.objects.select_related("org_unit").prefetch_related(
            "milestones", "risks", "depends_on", "needed_by"
        ),
        key=key,
    )


# -- portfolio ---------------------------------------------------------------------------------
@office_required
@require_GET
def portfolio(request):
    kind = request.GET.get("kind", "")
    status = request.GET.get("status", "")
    error = ""
    if kind and kind not in Project.Kind.values:
        error, kind = _("Choose a kind from the list."), ""
    if status and status not in Project.Status.values:
        error, status = _("Choose a status from the list."), ""
    projects = list(services.portfolio(kind, status))
    today = services.today()
    rows = [{"project": p, "next": services.next_milestone(p)} for p in projects]
    return render(
        request,
        "programme/portfolio.html",
        {
            "rows": rows,
            "counts": services.counts(projects),
            "kinds": Project.Kind.choices,
            "statuses": Project.Status.choices,
            "kind": kind,
            "status": status,
            "error": error,
            "today": today,
            "roadmap": svg.roadmap(projects, today),
        },
        status=400 if error else 200,
    )


@office_required
@require_GET
def project(request, key):
    return _project_page(request, _project(key))


def _project_page(request, p, status=200, **forms):
    """A Steckbrief with its add forms (empty, or the one given back with its errors)."""
    return render(
        request,
        "programme/project.html",
        {
            "project": p,
            "history": p.history.select_related("changed_by")[:20],
            "milestone_form": forms.get("milestone_form") or MilestoneForm(prefix="m"),
            "risk_form": forms.get("risk_form") or RiskForm(prefix="r"),
            "today": services.today(),
        },
        status=status,
    )


def _add_to_project(request, key, form_class, prefix, slot, done_message):
    """Add a milestone or risk to a project: saved and back to the Steckbrief, else the
    Steckbrief with the form's errors (400)."""
    p = _project(key)
    form = form_class(request.POST, prefix=prefix)
    if form.is_valid():
        item = form.save(commit=False)
        item.project = p
        item.save()
        messages.success(request, done_message)
        return redirect("programme:project", key=p.key)
    return _project_page(request, p, status=400, **{slot: form})


@office_required
@require_http_methods(["GET", "POST"])
def project_edit(request, key=None):
    instance = _project(key) if key else None
    form_class = ProjectForm if instance else NewProjectForm
    form = form_class(request.POST or None, instance=instance)
    if request.method == "POST" and form.is_valid():
        with transaction.atomic():
            saved = services.save_project(form.save(commit=False), user=request.user)
            form.save_m2m()
        messages.success(request, _("The Steckbrief was saved."))
        return redirect("programme:project", key=saved.key)
    return render(
        request,
        "programme/project_form.html",
        {"form": form, "project": instance},
        status=400 if form.errors else 200,
    )


@office_required
@require_POST
def milestone_add(request, key):
    return _add_to_project(
        request, key, MilestoneForm, "m", "milestone_form", _("The milestone was added.")
    )


@office_required
@require_POST
def milestone_done(request, key, pk):
    p = _project(key)
    milestone = get_object_or_404(Milestone, pk=pk, project=p)
    if request.POST.get("done") == "1":
        milestone.done_on = services.today()
    else:
        milestone.done_on = None
    milestone.save(update_fields=["done_on"])
    return redirect("programme:project", key=p.key)


@office_required
@require_POST
def risk_add(request, key):
    return _add_to_project(request, key, RiskForm, "r", "risk_form", _("The risk was added."))


@office_required
@require_POST
def risk_delete(request, key, pk):
    p = _project(key)
    get_object_or_404(Risk, pk=pk, project=p).delete()
    messages.success(request, _("The risk was removed."))
    return redirect("programme:project", key=p.key)


@office_required
@require_GET
def report_pdf(request):
    report = services.status_report()
    with translation.override("de"):  # a printed county document, German whatever the page
        html = render_to_string("programme/report_pdf.html", report, request=request)
    pdf = HTML(string=html, base_url=request.build_absolute_uri("/")).write_pdf()
    services.report_made(report)
    response = HttpResponse(pdf, content_type="application/pdf")
    name = f"statusbericht-{report['on'].isoformat()}.pdf"
    response["Content-Disposition"] = f'inline; filename="{name}"'
    return response


# -- Gestaltungskreise ------------------------------------------------------------------------
def _circle_gate(request):
    """The office enters with its second factor; members with their login."""
    if services.is_office(request.user):
        return staff_gate(request, (services.OFFICE_ROLE,))
    return None


def _circle(request, slug) -> Circle:
    circle = services.circle_for(request.user, slug)
    if circle is None:
        raise Http404(_("No circle of yours has this address."))
    return circle


@login_required
@require_GET
def circles(request):
    gate = _circle_gate(request)
    if gate is not None:
        return gate
    mine = services.circles_for(request.user).prefetch_related("members")
    return render(
        request,
        "programme/circles.html",
        {"circles": mine, "office": services.is_office(request.user)},
    )


def _circle_context(request, circle, **extra) -> dict:
    aggregates.ensure_fresh()
    today = services.today()
    measures = []
    for measure in circle.measures.all():
        comparison = services.before_after(measure, circle.service, today)
        measures.append({"measure": measure, "comparison": present_comparison(comparison)})
    meetings = [
        {
            "meeting": m,
            "agenda": [
                {**item, "facts": present_facts(item["facts"])}
                for item in services.agenda_with_facts(m)
            ],
        }
        for m in circle.meetings.prefetch_related("agenda")
    ]
    return {
        "circle": circle,
        "service_name": services.service_name(circle.service),
        "members": circle.members.select_related("user", "company"),
        "meetings": meetings,
        "measures": measures,
        "office": services.is_office(request.user),
        "measure_form": MeasureForm(prefix="n"),
        "meeting_form": MeetingForm(prefix="t"),
        "today": today,
        **extra,
    }


@login_required
@require_GET
def circle(request, slug):
    gate = _circle_gate(request)
    if gate is not None:
        return gate
    c = _circle(request, slug)
    return render(request, "programme/circle.html", _circle_context(request, c))


@login_required
@require_POST
def measure_add(request, slug):
    gate = _circle_gate(request)
    if gate is not None:
        return gate
    c = _circle(request, slug)
    form = MeasureForm(request.POST, prefix="n")
    if form.is_valid():
        measure = form.save(commit=False)
        measure.circle = c
        services.save_measure(measure)
        messages.success(request, _("The measure was added."))
        return redirect("programme:circle", slug=c.slug)
    return render(
        request,
        "programme/circle.html",
        _circle_context(request, c, measure_form=form),
        status=400,
    )


@login_required
@require_http_methods(["GET", "POST"])
def measure_edit(request, slug, pk):
    gate = _circle_gate(request)
    if gate is not None:
        return gate
    c = _circle(request, slug)
    measure = get_object_or_404(Measure, pk=pk, circle=c)
    was = measure.effective_on
    form = MeasureForm(request.POST or None, instance=measure)
    if request.method == "POST" and form.is_valid():
        services.save_measure(form.save(commit=False), was_effective=was)
        messages.success(request, _("The measure was saved."))
        return redirect("programme:circle", slug=c.slug)
    return render(
        request,
        "programme/measure_form.html",
        {"form": form, "circle": c, "measure": measure},
        status=400 if form.errors else 200,
    )


@office_required
@require_POST
def meeting_add(request, slug):
    c = get_object_or_404(Circle, slug=slug)
    form = MeetingForm(request.POST, prefix="t")
    if form.is_valid():
        with transaction.atomic():
            meeting = form.save(commit=False)
            meeting.circle = c
            meeting.save()
            for position, item in enumerate(form.cleaned_data["agenda"], 1):
                item.meeting = meeting
                item.position = position
                item.save()
        messages.success(request, _("The meeting was added."))
        return redirect("programme:circle", slug=c.slug)
    return render(
        request,
        "programme/circle.html",
        _circle_context(request, c, meeting_form=form),
        status=400,
    )


# -- presenters: figures as the pages write them ------------------------------------------------
def _number(value: float, digits: int = 1) -> str:
    return number_format(round(value, digits), digits, use_l10n=True)


KPI_LABELS = {
    "lead_time": gettext_lazy("Lead time (median, days)"),
    "waiting_time": gettext_lazy("Waiting time in the inbox (median, days)"),
    "first_time_right": gettext_lazy("Complete on receipt (first-time-right)"),
    "satisfaction": gettext_lazy("Satisfaction (mean of 1–5)"),
}


def _figure_text(kpi: str, figure) -> str:
    if figure.empty:
        return str(_("no cases"))
    if figure.suppressed:
        return str(_("too few cases"))
    if kpi in ("lead_time", "waiting_time"):
        return _number(figure.median if figure.median is not None else figure.value)
    if kpi == "first_time_right":
        return f"{_number(figure.value * 100, 0)} %"
    return _number(figure.value)


def _change_text(kpi: str, change) -> str:
    if change is None:
        return "–"
    if kpi == "first_time_right":
        return f"{'+' if change > 0 else ''}{_number(change * 100, 0)} {_('percentage points')}"
    return f"{'+' if change > 0 else ''}{_number(change)}"


def present_comparison(comparison: dict | None) -> dict | None:
    if comparison is None:
        return None
    rows = []
    for row in comparison["rows"]:
        kpi = row["kpi"]
        rows.append(
            {
                "kpi": kpi,
                "label": KPI_LABELS[kpi],
                "before": _figure_text(kpi, row["before"]),
                "before_n": row["before"].n,
                "after": _figure_text(kpi, row["after"]),
                "after_n": row["after"].n,
                "change": _change_text(kpi, row["change"]),
            }
        )
    return {"before": comparison["before"], "after": comparison["after"], "rows": rows}


def present_facts(facts: dict | None) -> list[tuple[str, str]] | None:
    if facts is None:
        return None

    def show(value, fmt):
        return "–" if value is None else fmt(value)

    return [
        (_("Applications received"), show(facts["received"], lambda v: str(v))),
        (_("Decided"), show(facts["decided"], lambda v: str(v))),
        (_("Lead time, median (days)"), show(facts["median_lead_days"], _number)),
        (_("Lead time, 90 % of cases within (days)"), show(facts["p90_lead_days"], _number)),
        (
            _("Share of the time spent waiting"),
            show(facts["waiting_share"], lambda v: f"{_number(v * 100, 0)} %"),
        ),
        (
            _("Complete on receipt (first-time-right)"),
            show(facts["first_time_right_rate"], lambda v: f"{_number(v * 100, 0)} %"),
        ),
        (_("Satisfaction (mean of 1–5)"), show(facts["satisfaction"], _number)),
    ]
