"""Pages of the radar: public "Was ist online?" and the Musterkommune's rollout; the
programme office's radar (role programme_office + second factor); the maturity
self-assessment for logged-in accounts."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from openkreis.catalog.models import OzgTopic, Service
from openkreis.core.services import current_tenant
from openkreis.core.staff import staff_required

from . import charts, imports, levels, services
from .forms import (
    AssessmentForm,
    DecisionForm,
    MappingForm,
    MaturityForm,
    OrganisationForm,
    RolloutForm,
    UploadForm,
)
from .models import AssessedOrganisation, EfaImport, RadarEntry, Rollout, RolloutSite

office_required = staff_required("programme_office")
PAGE_SIZE = 50


def _tenant():
    tenant = current_tenant()
    if tenant is None:
        raise Http404
    return tenant


def _page_number(value: str | None) -> int:
    value = value or "1"
    return int(value) if value.isascii() and value.isdigit() and len(value) < 6 else 1


def _topic(value: str | None) -> str:
    return value if value in OzgTopic.values else ""


# -- public --------------------------------------------------------------------------------------
def online(request):
    """Was ist online? Every service with its OZG maturity, by topic and search."""
    tenant = _tenant()
    topic = _topic(request.GET.get("thema"))
    query = (request.GET.get("q") or "").strip()[:100]
    qs = services.public_services(tenant, topic, query)
    page = Paginator(qs, PAGE_SIZE).get_page(_page_number(request.GET.get("seite")))
    rows = [
        {
            "service": s,
            "level": s.maturity,
            "label": levels.level_label(s.maturity_model, s.maturity),
            "online": levels.as_v1(s.maturity_model, s.maturity) >= levels.ONLINE_FROM,
            "max": max(levels.LEVELS.get(s.maturity_model, levels.LEVELS["1.0"])),
        }
        for s in page.object_list
    ]
    legend = [
        (version, [(n, str(t[0]), str(t[1])) for n, t in table.items()])
        for version, table in levels.LEVELS.items()
    ]
    return render(
        request,
        "radar/online.html",
        {
            "rows": rows,
            "page": page,
            "topics": OzgTopic.choices,
            "topic": topic,
            "query": query,
            "legend": legend,
            "total": page.paginator.count,
        },
    )


def musterkommune(request):
    sites, rollout_services, cells = services.rollout_overview()
    table = [
        {"site": site, "cells": [(s, cells.get((site.pk, s.pk))) for s in rollout_services]}
        for site in sites
    ]
    return render(
        request,
        "radar/musterkommune.html",
        {"table": table, "services": rollout_services, "model": sites[0] if sites else None},
    )


# -- the programme office ------------------------------------------------------------------------
@office_required
def radar(request):
    tenant = _tenant()
    topic = _topic(request.GET.get("thema"))
    decision = request.GET.get("entscheidung")
    if decision not in (None, "", "offen", *RadarEntry.Decision.values):
        decision = None
    chosen = None if decision in (None, "") else ("" if decision == "offen" else decision)
    summary = services.topic_summary(tenant)
    chart = charts.spider(
        _("Mean OZG maturity by topic"),
        [row["label"] for row in summary],
        [(_("Mean maturity (0–4)"), [row["mean"] for row in summary])],
        4,
        desc=_("For each OZG topic, the mean maturity of its services on the scale 0 to 4."),
    )
    line = services.timeline(tenant)
    timeline_chart = charts.timeline(
        _("Decisions and planned go-lives"),
        [(r["service"].name, r["decided_on"], r["go_live"]) for r in line],
        desc=_("A circle marks the decision, a diamond the planned go-live."),
    )
    return render(
        request,
        "radar/radar.html",
        {
            "summary": summary,
            "chart": chart,
            "timeline": line,
            "timeline_chart": timeline_chart,
            "rows": services.staff_list(tenant, topic, chosen),
            "topics": OzgTopic.choices,
            "topic": topic,
            "decision": decision or "",
            "decisions": RadarEntry.Decision.choices,
            "level_range": range(5),
        },
    )


def _service(slug: str) -> Service:
    return get_object_or_404(Service, tenant=_tenant(), slug=slug)


def _detail(request, service, assessment_form=None, decision_form=None, error=None, status=200):
    entry = RadarEntry.objects.filter(service=service).select_related("offer").first()
    if assessment_form is None:
        assessment_form = AssessmentForm(
            initial={
                "benefit": entry.benefit,
                "effort": entry.effort,
                "legal_fit": entry.legal_fit,
                "note": entry.note,
            }
            if entry
            else {"legal_fit": RadarEntry.LegalFit.UNCLEAR}
        )
    if decision_form is None:
        decision_form = DecisionForm(
            service=service,
            initial={
                "decision": entry.decision,
                "offer": entry.offer_id,
                "owner": entry.owner,
                "decided_on": entry.decided_on,
                "go_live": entry.go_live,
                "review_on": entry.review_on,
            }
            if entry
            else None,
        )
    return render(
        request,
        "radar/detail.html",
        {
            "service": service,
            "entry": entry,
            "level": levels.level_label(service.maturity_model, service.maturity),
            "level_text": levels.level_text(service.maturity_model, service.maturity),
            "offers": service.efa_offers.all(),
            "figures": services.cockpit_figures(service),
            "assessment_form": assessment_form,
            "decision_form": decision_form,
            "history": services.history(entry) if entry else [],
            "error": error,
        },
        status=status,
    )


@office_required
def detail(request, slug):
    return _detail(request, _service(slug))


@require_POST
@office_required
def assess(request, slug):
    service = _service(slug)
    form = AssessmentForm(request.POST)
    if not form.is_valid():
        return _detail(request, service, assessment_form=form, status=400)
    try:
        services.assess(services.entry_for(service), request.user, form.cleaned_data)
    except services.RadarError as exc:
        return _detail(request, service, assessment_form=form, error=str(exc), status=400)
    messages.success(request, _("The assessment was saved."))
    return redirect("radar:detail", slug=service.slug)


@require_POST
@office_required
def decide(request, slug):
    service = _service(slug)
    form = DecisionForm(request.POST, service=service)
    if not form.is_valid():
        return _detail(request, service, decision_form=form, status=400)
    try:
        services.decide(services.entry_for(service), request.user, form.cleaned_data)
    except services.RadarError as exc:
        return _detail(request, service, decision_form=form, error=str(exc), status=400)
    messages.success(request, _("The decision was saved."))
    return redirect("radar:detail", slug=service.slug)


@office_required
def import_upload(request):
    form = UploadForm(request.POST or None, request.FILES or None)
    error = None
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        try:
            imp = imports.receive(request.user, upload.name, upload.read(imports.MAX_BYTES + 1))
        except imports.ImportFileError as exc:
            error = str(exc)
        else:
            return redirect("radar:import_mapping", pk=imp.pk)
    status = 400 if request.method == "POST" else 200
    recent = EfaImport.objects.filter(status=EfaImport.Status.DONE)[:10]
    return render(
        request,
        "radar/import_upload.html",
        {"form": form, "error": error, "recent": recent},
        status=status,
    )


@office_required
def import_mapping(request, pk):
    imp = get_object_or_404(EfaImport, pk=pk)
    if imp.status == EfaImport.Status.DONE:
        return redirect("radar:import_report", pk=imp.pk)
    form = MappingForm(request.POST or None, columns=imp.columns, initial_mapping=imp.mapping)
    if request.method == "POST":
        if form.is_valid():
            imports.run(imp, _tenant(), form.mapping())
            return redirect("radar:import_report", pk=imp.pk)
        status = 400
    else:
        status = 200
    preview = imports._rows(imp.text, imp.delimiter)[1:4]
    return render(
        request,
        "radar/import_mapping.html",
        {"form": form, "imp": imp, "preview": preview},
        status=status,
    )


@office_required
def import_report(request, pk):
    imp = get_object_or_404(EfaImport, pk=pk, status=EfaImport.Status.DONE)
    return render(request, "radar/import_report.html", {"imp": imp, "report": imp.report})


@office_required
def rollout_edit(request):
    sites, rollout_services, cells = services.rollout_overview()
    rows = []
    for site in sites:
        for s in rollout_services:
            cell = cells.get((site.pk, s.pk))
            rows.append(
                {
                    "site": site,
                    "service": s,
                    "cell": cell,
                    "form": RolloutForm(
                        initial={"status": cell.status, "date": cell.date}
                        if cell
                        else {"status": Rollout.Status.PLANNED},
                        prefix=f"r{site.pk}-{s.pk}",
                    ),
                }
            )
    return render(request, "radar/rollout_edit.html", {"rows": rows})


@require_POST
@office_required
def rollout_set(request, site_pk, service_pk):
    site = get_object_or_404(RolloutSite, pk=site_pk)
    service = get_object_or_404(Service, pk=service_pk, tenant=_tenant())
    form = RolloutForm(request.POST, prefix=f"r{site.pk}-{service.pk}")
    if not form.is_valid():
        messages.error(request, _("Please choose a status and a valid date."))
        return redirect("radar:rollout_edit")
    services.set_rollout(site, service, form.cleaned_data["status"], form.cleaned_data["date"])
    messages.success(
        request,
        _("%(service)s in %(place)s saved.") % {"service": service.name, "place": site.region.name},
    )
    return redirect("radar:rollout_edit")


# -- maturity self-assessment --------------------------------------------------------------------
@login_required
def maturity_home(request):
    form = OrganisationForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            org = services.create_organisation(
                request.user,
                form.cleaned_data["name"],
                form.cleaned_data["kind"],
                form.cleaned_data["region"],
            )
        except services.RadarError as exc:
            form.add_error(None, str(exc))
        else:
            return redirect("radar:maturity_new", pk=org.pk)
    status = 400 if request.method == "POST" else 200
    return render(
        request,
        "radar/maturity_home.html",
        {
            "form": form,
            "organisations": services.organisations_for(request.user),
            "model": services.maturity_model(),
        },
        status=status,
    )


def _own_org(request, pk) -> AssessedOrganisation:
    return get_object_or_404(AssessedOrganisation, pk=pk, members=request.user)


@login_required
def maturity_org(request, pk):
    org = _own_org(request, pk)
    model = services.maturity_model()
    history = list(org.assessments.all())
    context = {"org": org, "model": model, "history": history}
    if model and history:
        current = history[0]
        previous = history[1] if len(history) > 1 else None
        rows = services.compare(model.definition, current, previous)
        series = [(_("Now"), [float(r["now"]) if r["now"] is not None else None for r in rows])]
        if previous:
            series.append(
                (
                    _("Last time"),
                    [float(r["before"]) if r["before"] is not None else None for r in rows],
                )
            )
        context.update(
            {
                "current": current,
                "previous": previous,
                "rows": rows,
                "chart": charts.spider(
                    _("Maturity by dimension"),
                    [r["name"] for r in rows],
                    series,
                    4,
                    desc=_("Mean level (1 to 4) per dimension, now and at the last assessment."),
                ),
            }
        )
    return render(request, "radar/maturity_org.html", context)


@login_required
def maturity_new(request, pk):
    org = _own_org(request, pk)
    model = services.maturity_model()
    if model is None:
        raise Http404
    form = MaturityForm(request.POST or None, definition=model.definition)
    if request.method == "POST" and form.is_valid():
        try:
            services.submit_assessment(org, request.user, form.answers())
        except services.RadarError as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(request, _("Thank you. Here is your result."))
            return redirect("radar:maturity_org", pk=org.pk)
    status = 400 if request.method == "POST" else 200
    return render(
        request,
        "radar/maturity_new.html",
        {"org": org, "form": form, "model": model},
        status=status,
    )
