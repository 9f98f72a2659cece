"""Portal views rendered from the catalogue: search, service list, service page, locations."""

from __future__ import annotations

from urllib.parse import urlencode

from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import get_object_or_404, render
from django.utils.translation import gettext as _

from openkreis.catalog import services as catalog
from openkreis.catalog.models import OzgTopic, Service
from openkreis.core import services as core
from openkreis.core.models import Location

from .forms import PlaceForm

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
    return render(
        request,
        "portal/service_detail.html",
        {
            "service": service,
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
