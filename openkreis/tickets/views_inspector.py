"""The inspector app (/hatix/kontrolle/) and the HarzCard desk (/hatix/harzcard/).

Both pages are offline apps: the service worker (served here, under the page's scope) keeps
the page, its scripts and the trust and revocation lists (/hatix/schluessel.json,
/hatix/sperrliste.json); the browser verifies a code itself (static/tickets/inspector/
verify.js) and keeps what it recorded in IndexedDB until the JSON APIs below take it.

The APIs answer JSON: 403 without a fitting role or second factor (no redirect: a script
calls them), 400 for a body that is not a batch, and per item stored / duplicate / refused
with a German reason — never 500 for bad input. CSRF: the header X-CSRFToken with the token
from the token endpoint (fetched fresh before each upload: a cached page's may be stale).
"""

from __future__ import annotations

import datetime as dt
import json

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.middleware.csrf import get_token
from django.shortcuts import render
from django.templatetags.static import static
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST

from openkreis.core.staff import (
    Role,
    has_role,
    mfa_verified,
    staff_required,
    unit_ids_for,
)

from . import harzcard, inspection
from .models_harzcard import Attraction

INSPECTOR = (Role.TICKET_INSPECTOR,)
DESK = (Role.ATTRACTION_STAFF,)
STATS = (Role.ATTRACTION_STAFF, Role.TICKET_OFFICE)
MAX_BODY = 512 * 1024
CACHE_VERSION = "1"
ASSETS = [
    "tickets/inspector/app.css",
    "tickets/inspector/verify.js",
    "tickets/inspector/queue.js",
    "tickets/inspector/scan.js",
    "tickets/inspector/app.js",
    "vendor/jsqr/jsQR.js",
]


def _api_gate(request: HttpRequest, roles) -> JsonResponse | None:
    if not request.user.is_authenticated:
        return JsonResponse({"error": _("Please log in again.")}, status=403)
    if not has_role(request.user, *roles):
        return JsonResponse({"error": _("This is not open to your role.")}, status=403)
    if not mfa_verified(request):
        return JsonResponse({"error": _("Please log in again.")}, status=403)
    return None


def _batch(request: HttpRequest, key: str) -> list | JsonResponse:
    if len(request.body) > MAX_BODY:
        return JsonResponse({"error": _("Too much data at once.")}, status=413)
    try:
        data = json.loads(request.body.decode("utf-8"))
    except (UnicodeDecodeError, ValueError):
        return JsonResponse({"error": _("The upload is not valid JSON.")}, status=400)
    items = data.get(key) if isinstance(data, dict) else None
    if not isinstance(items, list):
        message = _("The upload has no list %(key)s.") % {"key": key}
        return JsonResponse({"error": message}, status=400)
    if len(items) > inspection.MAX_BATCH:
        return JsonResponse(
            {"error": _("At most %(n)d items at once.") % {"n": inspection.MAX_BATCH}}, status=400
        )
    return items


def _service_worker(request, scope: str, page_url: str, cache: str) -> HttpResponse:
    response = render(
        request,
        "tickets/inspector/sw.js",
        {
            "cache_name": f"{cache}-{CACHE_VERSION}",
            "cache_prefix": cache,
            "page_url": page_url,
            "assets": [static(a) for a in ASSETS],
            "keys_urls": [reverse("tickets:trust_list"), reverse("tickets:revocation_list")],
        },
        content_type="text/javascript; charset=utf-8",
    )
    response["Service-Worker-Allowed"] = scope
    response["Cache-Control"] = "no-cache"
    return response


def _texts() -> dict:
    """The app's words (German first), handed to app.js as JSON."""
    reasons = {key: str(text) for key, text in harzcard.REASONS.items() if key}
    reasons["malformed"] = str(harzcard.REASONS[""])
    reasons["unsupported"] = _("This browser cannot check this signature; use a current browser.")
    return {
        "valid": _("Valid"),
        "invalid": _("Not valid"),
        "reasons": reasons,
        "valid_until": _("Valid until %(when)s"),
        "initials": _("Initials: %(initials)s"),
        "no_initials": _("No initials on the ticket"),
        "harzcard_yes": _("HarzCard included"),
        "harzcard_no": _("Without HarzCard"),
        "context": _("Line %(line)s, stop %(stop)s"),
        "context_missing": _("Choose the line and the stop first."),
        "context_first": _("Please choose the line and the stop first."),
        "no_attraction": _("Please choose the attraction first."),
        "no_harzcard": _("This ticket does not include the HarzCard."),
        "already": _("Already used here"),
        "already_on": _("This HarzCard was already used here on %(day)s: one entry per card."),
        "entry_recorded": _("Entry recorded"),
        "queue_empty": _("Everything is uploaded."),
        "queue_one": _("1 record is waiting for upload."),
        "queue_many": _("%(n)s records are waiting for upload."),
        "keys_loaded": _(
            "Keys: %(keys)s, revoked tickets: %(revoked)s (list of %(updated)s). "
            "Checks work without connection."
        ),
        "keys_missing": _("The keys are not loaded yet. Open this page once with a connection."),
        "never": _("no revocation yet"),
        "camera_on": _("The camera is on: hold the QR code in front of it."),
        "camera_failed": _("The camera could not be started. Type or paste the code instead."),
    }


# the portal's default forbids the camera (core/middleware.py sets it unless a view did):
# these two pages scan with it
CAMERA_POLICY = "camera=(self), microphone=(), geolocation=(), payment=()"


def _app_page(request, template: str, context: dict) -> HttpResponse:
    response = render(request, template, {**_app_context(request), **context})
    response["Permissions-Policy"] = CAMERA_POLICY
    return response


def _app_context(request) -> dict:
    return {
        "trust_list_url": reverse("tickets:trust_list"),
        "revocation_list_url": reverse("tickets:revocation_list"),
        "texts": _texts(),
    }


# -- the inspector ----------------------------------------------------------------------------
@never_cache
@staff_required(*INSPECTOR)
def inspector(request: HttpRequest) -> HttpResponse:
    request.session.set_expiry(inspection.SHIFT_SECONDS)  # the login lasts the shift
    lines, stops = inspection.lines_and_stops()
    return _app_page(
        request,
        "tickets/inspector/app.html",
        {
            "lines": lines,
            "stops": stops,
            "api_url": reverse("tickets:inspector_checks"),
            "token_url": reverse("tickets:inspector_token"),
            "sw_url": reverse("tickets:inspector_sw"),
            "manifest_url": reverse("tickets:inspector_manifest"),
            "scope": reverse("tickets:inspector"),
        },
    )


@require_GET
def inspector_sw(request: HttpRequest) -> HttpResponse:
    page = reverse("tickets:inspector")
    return _service_worker(request, page, page, "hatix-kontrolle")


@require_GET
def inspector_manifest(request: HttpRequest) -> HttpResponse:
    page = reverse("tickets:inspector")
    manifest = {
        "name": _("HATIX ticket checks"),
        "short_name": _("HATIX check"),
        "start_url": page,
        "scope": page,
        "display": "standalone",
        "background_color": "#ffffff",
        "theme_color": "#00543c",
        "lang": request.LANGUAGE_CODE,
    }
    return JsonResponse(manifest, content_type="application/manifest+json")


@never_cache
@require_GET
def inspector_token(request: HttpRequest) -> JsonResponse:
    return _token(request, INSPECTOR)


def _token(request, roles) -> JsonResponse:
    gate = _api_gate(request, roles)
    if gate is not None:
        return gate
    return JsonResponse({"csrf": get_token(request)})


@require_POST
def inspector_checks(request: HttpRequest) -> JsonResponse:
    gate = _api_gate(request, INSPECTOR)
    if gate is not None:
        return gate
    items = _batch(request, "checks")
    if isinstance(items, JsonResponse):
        return items
    now = timezone.now()
    results = [inspection.record_check(item, now=now).as_dict() for item in items]
    return JsonResponse({"results": results})


# -- the HarzCard desk ------------------------------------------------------------------------
def _desk_attractions(request):
    return harzcard.attractions_for(unit_ids_for(request.user, DESK))


@never_cache
@staff_required(*DESK)
def attraction_home(request: HttpRequest) -> HttpResponse:
    request.session.set_expiry(inspection.SHIFT_SECONDS)
    attractions = list(_desk_attractions(request))
    return _app_page(
        request,
        "tickets/harzcard/desk.html",
        {
            "attractions": attractions,
            "api_url": reverse("tickets:attraction_entries"),
            "token_url": reverse("tickets:attraction_token"),
            "sw_url": reverse("tickets:attraction_sw"),
            "scope": reverse("tickets:attraction_home"),
        },
    )


@require_GET
def attraction_sw(request: HttpRequest) -> HttpResponse:
    page = reverse("tickets:attraction_home")
    return _service_worker(request, page, page, "hatix-harzcard")


@never_cache
@require_GET
def attraction_token(request: HttpRequest) -> JsonResponse:
    return _token(request, DESK)


@require_POST
def attraction_entries(request: HttpRequest) -> JsonResponse:
    gate = _api_gate(request, DESK)
    if gate is not None:
        return gate
    items = _batch(request, "entries")
    if isinstance(items, JsonResponse):
        return items
    allowed = {a.key: a for a in _desk_attractions(request)}
    now = timezone.now()
    results = [
        harzcard.record_entry(item, allowed, request.user, now=now).as_dict() for item in items
    ]
    return JsonResponse({"results": results})


@staff_required(*STATS)
def attraction_stats(request: HttpRequest) -> HttpResponse:
    """Entries per attraction and day (last 31 days) or month: the desk sees its own
    attractions, the ticket office all of them."""
    if has_role(request.user, Role.TICKET_OFFICE):
        attractions = Attraction.objects.order_by("name")
    else:
        attractions = Attraction.objects.filter(
            unit_id__in=unit_ids_for(request.user, DESK)
        ).order_by("name")
    period = "month" if request.GET.get("zeitraum") == "monat" else "day"
    ids = [a.pk for a in attractions]
    since = None if period == "month" else timezone.localdate() - dt.timedelta(days=30)
    totals = harzcard.entry_totals(ids)
    return render(
        request,
        "tickets/harzcard/stats.html",
        {
            "period": period,
            "rows": harzcard.entry_stats(ids, period=period, since=since),
            "attractions": [(a, totals.get(a.pk, 0)) for a in attractions],
        },
    )
