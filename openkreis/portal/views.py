"""Portal views rendered from the catalogue: search, service list, service page, locations."""

from __future__ import annotations

from urllib.parse import urlencode, urlsplit

from django.conf import settings
from django.contrib import messages
from django.core.cache import cache
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from openkreis.catalog import services as catalog
from openkreis.catalog.models import OzgTopic, Service
from openkreis.core import services as core
from openkreis.core.models import Location
from openkreis.core.net import client_ip
from openkreis.forms import services as forms

from . import services
from .forms import BarrierReportForm, PlaceForm

RESULTS_PER_PAGE = 20


def _tenant():
    tenant = core.current_tenant()
    if tenant is None:
        raise Http404(_("No county data is loaded yet."))
    return tenant


def search(request):
    """The search results page: works without JavaScript, logs the query anonymously."""
    tenant = _tenant()
    query = catalog.clean_query(request.GET.get("q"))
    hits = catalog.search(tenant, query, limit=200, as_prefix=True) if query else []
    page = Paginator(hits, RESULTS_PER_PAGE).get_page(request.GET.get("seite"))
    services = Service.objects.in_bulk([hit.id for hit in page.object_list])
    results = [services[hit.id] for hit in page.object_list if hit.id in services]
    if query and page.number == 1:
        catalog.log_search(tenant, query, len(hits), hits[0].slug if hits else "")
    return render(
        request,
        "portal/search.html",
        {
            "query": query,
            "results": results,
            "page": page,
            "total": len(hits),
            "pagination_params": urlencode({"q": query}),
            "suggestions": catalog.most_used(tenant, 6) if query and not hits else [],
        },
    )


def service_list(request):
    """A–Z of all services, filterable by OZG topic."""
    tenant = _tenant()
    services = catalog.published_services(tenant).order_by("name")
    topic = request.GET.get("thema", "")
    status = 200
    if topic and topic not in OzgTopic.values:
        topic, status = "", 400
    if topic:
        services = services.filter(ozg_topic=topic)
    page = Paginator(services.only("slug", "name", "summary", "name_en", "summary_en"), 50)
    return render(
        request,
        "portal/service_list.html",
        {
            "page": page.get_page(request.GET.get("seite")),
            "topics": OzgTopic.choices,
            "topic": topic,
            "bad_topic": status == 400,
            "pagination_params": urlencode({"thema": topic}),
        },
        status=status,
    )


def service_detail(request, slug: str):
    """What a service is, who may apply, documents, costs, duration, and where to go."""
    tenant = _tenant()
    try:
        service = catalog.get_service(tenant, slug)
    except catalog.UnknownService as exc:
        raise Http404(_("We do not know this service.")) from exc
    form = PlaceForm(request.GET or None, tenant=tenant)
    answers, choices, status, outside = [], [], 200, False
    if request.GET and form.is_valid():
        regions = form.regions()
        if not regions and form.cleaned_data.get("plz"):
            outside = True
        elif len(regions) > 1:
            choices = regions
        for region in regions[:1] if len(regions) == 1 else []:
            answer = catalog.resolve_competence(service, region)
            if answer is not None:
                answers.append(answer)
    elif request.GET:
        status = 400
    if not request.GET:  # the first view; choosing a municipality is the same visit
        catalog.log_service_view(tenant, service)
    apply_url, maturity = service.online_url, service.maturity
    if not apply_url and forms.form_for_service(service) is not None:
        # a form imported for this service (e.g. from FIM) is offered on its page
        apply_url, maturity = reverse("forms:start", args=[service.slug]), max(maturity, 3)
    return render(
        request,
        "portal/service_detail.html",
        {
            "service": service,
            "apply_url": apply_url,
            "maturity": maturity,
            "form": form,
            "answers": answers,
            "choices": choices,
            "outside": outside,
        },
        status=status,
    )


def location_detail(request, key: str):
    location = get_object_or_404(
        Location.objects.select_related("organisation").prefetch_related("opening_hours"),
        key=key,
    )
    units = location.units.order_by("name")
    return render(request, "portal/location_detail.html", {"location": location, "units": units})


def _rate_limited(request, action: str, per_hour: int) -> bool:
    """A fixed one-hour window per client address in the shared cache (as appointments do)."""
    key = f"portal-rate:{action}:{client_ip(request) or 'unknown'}:"
    key += str(int(timezone.now().timestamp() // 3600))
    if cache.add(key, 1, 3700):
        return False
    try:
        return cache.incr(key) > per_hour
    except ValueError:  # the key expired between add and incr
        cache.set(key, 1, 3700)
        return False


def _page_to_report(request) -> str:
    """Which page the barrier is on: ?seite=… (the statement's link passes it), else the
    page the person came from when it is on this site."""
    given = request.GET.get("seite", "").strip()[:500]
    if given.startswith("/") or given.startswith(("https://", "http://")):
        return given
    referer = urlsplit(request.META.get("HTTP_REFERER", ""))
    if referer.netloc and referer.netloc == request.get_host():
        here = reverse("portal:barrier_report")
        if referer.path != here:
            return referer.path + (f"?{referer.query}" if referer.query else "")
    return ""


def barrier_report(request):
    """The feedback form of the accessibility statement: store, mail the contact, confirm."""
    statement = services.accessibility_statement()
    status = 200
    if request.method == "POST":
        form = BarrierReportForm(request.POST)
        per_hour = int(getattr(settings, "OPENKREIS_BARRIER_REPORTS_PER_HOUR", 10))
        if _rate_limited(request, "barrier", per_hour):
            form.is_valid()
            form.add_error(
                None,
                _(
                    "You have sent many reports in the last hour. Please try again later "
                    "or write to us by e-mail."
                ),
            )
            status = 429
        elif form.is_valid():
            data = form.cleaned_data
            services.report_barrier(
                page_url=data["seite"],
                description=data["beschreibung"],
                name=data["name"],
                email=data["email"],
                user=request.user,
            )
            weeks = statement.answer_weeks if statement else 6
            if data["email"]:
                text = ngettext(
                    "Thank you. Your report has reached us. We will answer you within "
                    "%(weeks)s week.",
                    "Thank you. Your report has reached us. We will answer you within "
                    "%(weeks)s weeks.",
                    weeks,
                ) % {"weeks": weeks}
            else:
                text = _(
                    "Thank you. Your report has reached us. You gave no e-mail address, so "
                    "we cannot answer you."
                )
            messages.success(request, text)
            return redirect(statement.get_url(request) if statement else "/")
        else:
            status = 400
    else:
        form = BarrierReportForm(initial={"seite": _page_to_report(request)})
    return render(
        request,
        "portal/barrier_report.html",
        {
            "form": form,
            "statement": statement,
            "retention_days": services.barrier_report_retention_days(),
        },
        status=status,
    )


def health(request):
    """Liveness for load balancers: answers without touching the database."""
    from django.http import HttpResponse

    return HttpResponse("ok", content_type="text/plain")


def not_found(request, exception=None):
    if request.path.startswith("/api/"):
        from django.http import JsonResponse

        return JsonResponse({"detail": _("Not found.")}, status=404)
    return render(request, "404.html", status=404)


def permission_denied(request, exception=None):
    """403 in the user's language, saying why (which role the page is for) and where the user
    may work instead; JSON for the API."""
    reason = str(exception) if exception and str(exception) else ""
    if request.path.startswith("/api/"):
        from django.http import JsonResponse

        return JsonResponse({"detail": reason or _("You do not have permission.")}, status=403)
    return render(request, "403.html", {"reason": reason}, status=403)


def server_error(request):
    return render(request, "500.html", status=500)
