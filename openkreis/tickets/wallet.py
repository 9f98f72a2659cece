"""The guest's wallet (/hatix/t/<access_key>/): no account, the link is the capability.

The page shows the stay's tickets (the first guest's link, which the host shares with the
booking party) or one ticket (every other guest's own link): the signed QR code as inline
SVG (segno), validity, zones, the HarzCard benefits. A service worker scoped to /hatix/t/
caches each wallet page when it is opened, so it opens again without connection (a bus stop
in a dead spot); a web manifest per wallet lets the guest add it to the home screen; the
PDF (WeasyPrint) is for printing. Unknown keys are a plain 404 (no hint whether a key
existed); the pages are never indexed and send no referrer (the key is in the address).
"""

from __future__ import annotations

import json

from django.conf import settings
from django.http import Http404, HttpResponse
from django.shortcuts import render
from django.template.loader import render_to_string
from django.templatetags.static import static
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET
from weasyprint import HTML

from openkreis.core.qr import qr_data_uri, qr_svg

from . import services
from .models import Attraction, Ticket

T = "tickets/wallet/"
SCOPE = "/hatix/t/"
CACHE_VERSION = "1"


def ticket_state(ticket: Ticket, now=None) -> str:
    """valid, future, expired or revoked (the wallet's badge)."""
    now = now or timezone.now()
    if ticket.revoked_at:
        return "revoked"
    if now < ticket.valid_from:
        return "future"
    if now > ticket.valid_until:
        return "expired"
    return "valid"


def _private(response: HttpResponse) -> HttpResponse:
    response["Cache-Control"] = "private, no-cache"
    response["Referrer-Policy"] = "no-referrer"
    response["X-Robots-Tag"] = "noindex, nofollow"
    return response


def _wallet(access_key: str):
    found = services.wallet(access_key)
    if found is None:
        raise Http404
    return found


def _context(access_key: str) -> dict:
    ticket, tickets = _wallet(access_key)
    stay = ticket.guest.stay
    categories = services.categories()
    zones = services.zone_names()
    now = timezone.now()
    cards = [
        {
            "ticket": t,
            "state": ticket_state(t, now),
            "category": categories.get(t.guest.category, t.guest.category),
            "zones": [zones.get(z, z) for z in t.zones],
            "qr": qr_svg(t.code, title=_("Ticket QR code")) if not t.revoked_at else "",
        }
        for t in tickets
    ]
    return {
        "ticket": ticket,
        "stay": stay,
        "accommodation": stay.accommodation,
        "cards": cards,
        "scheme": services.scheme(),
        "attractions": Attraction.objects.filter(active=True).order_by("name")[:50],
        "access_key": access_key,
    }


@require_GET
def wallet(request, access_key: str):
    context = _context(access_key)
    return _private(render(request, T + "wallet.html", context))


@require_GET
def pdf(request, access_key: str):
    context = _context(access_key)
    for card in context["cards"]:
        card["qr_uri"] = qr_data_uri(card["ticket"].code) if card["qr"] else ""
    html = render_to_string(T + "print.html", context, request=request)
    document = HTML(string=html, base_url=request.build_absolute_uri("/")).write_pdf()
    response = HttpResponse(document, content_type="application/pdf")
    response["Content-Disposition"] = 'inline; filename="hatix-tickets.pdf"'
    return _private(response)


@require_GET
def manifest(request, access_key: str):
    """Add to home screen: the wallet opens as an app at this stay's tickets."""
    _wallet(access_key)
    start = reverse("tickets:wallet", args=[access_key])
    data = {
        "name": _("HATIX guest tickets"),
        "short_name": "HATIX",
        "start_url": start,
        "scope": start,
        "id": start,
        "display": "standalone",
        "background_color": "#ffffff",
        "theme_color": "#004b87",
        "lang": getattr(request, "LANGUAGE_CODE", settings.LANGUAGE_CODE),
        "icons": [
            {"src": static("tickets/icon-192.png"), "sizes": "192x192", "type": "image/png"},
            {"src": static("tickets/icon-512.png"), "sizes": "512x512", "type": "image/png"},
        ],
    }
    response = HttpResponse(
        json.dumps(data, ensure_ascii=False), content_type="application/manifest+json"
    )
    return _private(response)


@require_GET
def service_worker(request):
    """The wallet's worker, served under its scope (/hatix/t/); it names the hashed static
    files it caches, so a new deployment brings a new worker."""
    response = render(
        request,
        T + "wallet-sw.js",
        {"scope": SCOPE, "cache_name": f"openkreis-hatix-{CACHE_VERSION}"},
        content_type="text/javascript; charset=utf-8",
    )
    response["Cache-Control"] = "no-cache"
    return response
