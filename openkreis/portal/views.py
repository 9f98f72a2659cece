"""Portal views rendered from the catalogue: search, service list, service page, locations."""

from __future__ import annotations

import atexit
import hashlib
import secrets
import threading
import time
from types import SimpleNamespace
from urllib.parse import urlencode, urlsplit

from django.conf import settings
from django.contrib import messages
from django.core.cache import cache
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.middleware.csrf import get_token
from django.shortcuts import get_object_or_404, redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.safestring import mark_safe
from django.utils.translation import get_language, ngettext
from django.utils.translation import gettext as _

from openkreis.catalog import services as catalog
from openkreis.catalog.models import OzgTopic, Service
from openkreis.core import ratelimit
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


# The results fragment of the search page, cached per tenant, language, catalogue version,
# query and page (docs/scaling.md, "Search results page"): the same few hundred queries
# make most of the traffic, and the fragment holds no personal data (the page around it,
# with its CSRF token and the visitor's navigation, is rendered for every request).
SEARCH_CACHE_SECONDS = 600
RECENT_FRAGMENTS = 2000
_catalogue_stamps: dict[int, tuple[float, str]] = {}
_recent_fragments: dict[str, dict] = {}


def _catalogue_stamp(tenant_id: int) -> str:
    """The catalogue's version as a short string, read at most as often as the search index
    reads it (its recheck interval): a changed service, competence or synonym changes it,
    so a cached fragment is never older than the index it came from."""
    recheck = getattr(catalog.search_engine.active_backend(), "recheck_seconds", 2.0)
    now = time.monotonic()
    seen = _catalogue_stamps.get(tenant_id)
    if seen is not None and now - seen[0] < recheck:
        return seen[1]
    version = repr(catalog.catalogue_version(tenant_id)).encode()
    stamp = hashlib.sha256(version).hexdigest()[:20]
    _catalogue_stamps[tenant_id] = (now, stamp)
    return stamp


def _search_key(tenant, query: str, page_arg: str) -> str:
    """The results fragment's cache key: tenant, language, catalogue version, page, query."""
    language = get_language() or settings.LANGUAGE_CODE
    raw = f"{tenant.id}|{language}|{_catalogue_stamp(tenant.id)}|{page_arg}|{query}"
    return "portal-search:" + hashlib.sha256(raw.encode()).hexdigest()


def _search_results(tenant, query: str, page_arg: str) -> dict:
    """The rendered results fragment and what the page and the search log need, from the
    cache or computed (one in-process search, one query for the page's services)."""
    key = _search_key(tenant, query, page_arg)
    entry = _recent_fragments.get(key)  # this process: no round trip to the shared cache
    if entry is not None:
        return entry
    entry = cache.get(key)
    if entry is not None:
        _remember(key, entry)
        return entry
    hits = catalog.search(tenant, query, limit=200, as_prefix=True)
    page = Paginator(hits, RESULTS_PER_PAGE).get_page(page_arg or None)
    services = Service.objects.in_bulk([hit.id for hit in page.object_list])
    results = [services[hit.id] for hit in page.object_list if hit.id in services]
    suggestions = catalog.most_used(tenant, 6) if not hits else []
    html = render_to_string(
        "portal/_search_results.html",
        {
            "query": query,
            "results": results,
            "page": page,
            "total": len(hits),
            "pagination_params": urlencode({"q": query}),
            "suggestions": suggestions,
        },
    )
    entry = {
        "html": str(html),
        "total": len(hits),
        "top": hits[0].slug if hits else "",
        "first_page": page.number == 1,
        # what tests and templates may read besides the html (ids and slugs only)
        "results": [SimpleNamespace(id=s.id, slug=s.slug) for s in results],
        "suggestions": [SimpleNamespace(id=s.id, slug=s.slug) for s in suggestions],
    }
    cache.set(key, entry, SEARCH_CACHE_SECONDS)
    _remember(key, entry)
    return entry


def _remember(key: str, entry: dict) -> None:
    """Keep the newest fragments in this process too (the key holds the catalogue version,
    so an entry never goes stale; the oldest go first when there are too many)."""
    if len(_recent_fragments) >= RECENT_FRAGMENTS:
        _recent_fragments.pop(next(iter(_recent_fragments)), None)
    _recent_fragments[key] = entry


_search_log: list = []  # unsaved events
_search_log_lock = threading.Lock()
_search_log_since = [time.monotonic()]


def _log_search(tenant, query: str, total: int, top: str) -> None:
    """The anonymous search log (`portal.search`). With OPENKREIS_SEARCH_LOG_BATCH_SECONDS
    (e.g. 1 s in production) the searches of that interval are written together, in one
    INSERT, by the request that finds the batch due — one write per second and process
    instead of one per search, each event with the time of its search; a killed process
    loses at most that second's statistics (the log holds no state anyone acts on; a
    graceful stop writes the rest).
    0 (the default): written at once."""
    interval = getattr(settings, "OPENKREIS_SEARCH_LOG_BATCH_SECONDS", 0)
    if not interval:
        catalog.log_search(tenant, query, total, top)
        return
    now = time.monotonic()
    event = catalog.search_event(tenant, query, total, top)  # its time is the search's
    if event is None:
        return
    with _search_log_lock:
        _search_log.append(event)
        if now - _search_log_since[0] < interval and len(_search_log) < 500:
            return
    _flush_search_log()


def _flush_search_log() -> None:
    with _search_log_lock:
        batch = list(_search_log)
        _search_log.clear()
        _search_log_since[0] = time.monotonic()
    if batch:
        core.record_events(batch)  # one INSERT


atexit.register(_flush_search_log)


# The whole search page for visitors who are not logged in (most of the portal's traffic):
# rendered once per process for each results fragment, address and tenant, with a marker
# where the language switch's CSRF token goes; each request gets its own token put in.
# Logged-in users, staff and a visit with a message to show get the page rendered for them.
RECENT_PAGES = 2000
_CSRF_SLOT = "csrf-slot-" + secrets.token_hex(16)  # per process; never shown to anybody
_recent_pages: dict[str, str] = {}


def _plain_visit(request) -> bool:
    """A visit whose page holds nothing of the visitor's but the CSRF token."""
    return (
        request.method == "GET"
        and not request.user.is_authenticated
        and not len(messages.get_messages(request))  # counts without marking them read
    )


def search(request):
    """The search results page: works without JavaScript, logs the query anonymously."""
    tenant = _tenant()
    query = catalog.clean_query(request.GET.get("q"))
    page_arg = request.GET.get("seite") or ""
    entry = _search_results(tenant, query, page_arg) if query else None
    if entry is not None and entry["first_page"]:
        _log_search(tenant, query, entry["total"], entry["top"])
    context = {
        "query": query,
        "results_html": mark_safe(entry["html"]) if entry else "",  # noqa: S308 - rendered by us
        "results": entry["results"] if entry else [],
        "total": entry["total"] if entry else 0,
        "suggestions": entry["suggestions"] if entry else [],
    }
    if not _plain_visit(request):
        return render(request, "portal/search.html", context)
    raw = "|".join(
        (
            _search_key(tenant, query, page_arg),
            request.get_full_path(),
            tenant.name,
            tenant.seat,
        )
    )
    key = hashlib.sha256(raw.encode()).hexdigest()
    page = _recent_pages.get(key)
    if page is None:
        page = render_to_string(
            "portal/search.html", {**context, "csrf_token": _CSRF_SLOT}, request=request
        )
        if len(_recent_pages) >= RECENT_PAGES:
            _recent_pages.pop(next(iter(_recent_pages)), None)
        _recent_pages[key] = page
    return HttpResponse(page.replace(_CSRF_SLOT, get_token(request)))


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
    if not apply_url and forms.form_for_service(service, definition=False) is not None:
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
    key = f"portal-rate:{action}:{client_ip(request) or 'unknown'}"
    return ratelimit.window_count(key, 3600) > per_hour


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
