"""Harz-Kompass hiking routes (D3): the list with filters, the route page (figures, elevation
profile as SVG with its data table, map, places along the way, stops), the GPX download and the
printable route sheet (PDF, WeasyPrint)."""

from __future__ import annotations

import json
from decimal import Decimal, InvalidOperation

from django.conf import settings
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.template.loader import render_to_string
from django.urls import NoReverseMatch, reverse
from django.utils import translation
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET
from weasyprint import HTML

from openkreis.core import event_kinds
from openkreis.core.geo import stop_finders
from openkreis.core.services import record_event

from . import routes as route_service
from .models import Route

# the filter's words in the address (German, like the paths)
DIFFICULTY_PARAM = {"leicht": "easy", "mittel": "medium", "schwer": "hard"}
MAX_KM_LIMIT = 200


def duration(minutes: int) -> str:
    """'4 h 42 min' (German: '4 Std. 42 Min.')."""
    hours, rest = divmod(int(minutes), 60)
    if not hours:
        return _("{minutes} min").format(minutes=rest)
    return _("{hours} h {minutes} min").format(hours=hours, minutes=f"{rest:02d}")


def tile_url() -> str:
    url = getattr(settings, "OPENKREIS_DIRECTORY_TILE_URL", "")
    if url == "local":
        try:
            return reverse("directory:tile", args=[0, 0, 0]).replace("0/0/0.png", "{z}/{x}/{y}.png")
        except NoReverseMatch:
            return ""
    return url


def _filters(request) -> tuple[str, float | None, list[str]]:
    """(difficulty, max_km, errors) from the query; wrong values are errors, not a 500."""
    errors = []
    difficulty = request.GET.get("schwierigkeit", "").strip()
    if difficulty and difficulty not in DIFFICULTY_PARAM:
        errors.append(_("Please choose a difficulty from the list."))
        difficulty = ""
    max_km = None
    raw = request.GET.get("hoechstens_km", "").strip().replace(",", ".")
    if raw:
        try:
            value = Decimal(raw)
        except InvalidOperation:
            value = None
        if value is None or not value.is_finite() or value <= 0 or value > MAX_KM_LIMIT:
            errors.append(
                _("Please give the longest length as a number of kilometres from 1 to {n}.").format(
                    n=MAX_KM_LIMIT
                )
            )
        else:
            max_km = float(value)
    return difficulty, max_km, errors


@require_GET
def route_list(request):
    difficulty, max_km, errors = _filters(request)
    routes = route_service.published_routes(DIFFICULTY_PARAM.get(difficulty, ""), max_km)
    page = Paginator(routes, 20).get_page(request.GET.get("seite"))
    rows = [
        {
            "route": route,
            "km": route.length_m / 1000,
            "duration": duration(route.walking_minutes),
            "elevation_known": route_service.elevation_known(route),
        }
        for route in page.object_list
    ]
    query = request.GET.copy()
    query.pop("seite", None)
    return render(
        request,
        "directory/route_list.html",
        {
            "rows": rows,
            "page": page,
            "query": query.urlencode(),
            "difficulty": difficulty,
            "max_km": request.GET.get("hoechstens_km", "").strip()[:10],
            "difficulties": [
                (param, Route.Difficulty(value).label) for param, value in DIFFICULTY_PARAM.items()
            ],
            "errors": errors,
        },
        status=400 if errors else 200,
    )


def _published(slug: str) -> Route:
    route = get_object_or_404(Route, slug=slug)
    if not route.published:
        raise Http404
    return route


def _context(route: Route) -> dict:
    """What the page and the sheet show."""
    start, end = route_service.stops_at_start_and_end(route)
    known = route_service.elevation_known(route)
    profile_title = _("Elevation profile of {route}").format(route=route.name)
    profile_label = (
        _(
            "Elevation profile: from {low} m to {high} m over {km} km; the table below lists "
            "the figures."
        ).format(
            low=route.min_ele_m,
            high=route.max_ele_m,
            km=f"{route.length_m / 1000:.1f}".replace(".", ","),
        )
        if known
        else ""
    )
    return {
        "route": route,
        "km": route.length_m / 1000,
        "duration": duration(route.walking_minutes),
        "elevation_known": known,
        "round_trip": route_service.is_round_trip(route),
        "profile_svg": route_service.profile_svg(route, title=profile_title, label=profile_label),
        "profile_rows": route_service.profile_rows(route) if known else [],
        "places": route_service.places_along(route),
        "along_m": route_service.ALONG_M,
        "stops_known": len(stop_finders) > 0,
        "stop_radius_km": route_service.STOP_RADIUS_M / 1000,
        "start_stops": start,
        "end_stops": end,
    }


@require_GET
def route_detail(request, slug: str):
    route = _published(slug)
    context = _context(route)
    context.update(
        {
            "track_json": json.dumps(
                [[p[0], p[1], p[3]] for p in route.track], separators=(",", ":")
            ),
            "map_tiles": tile_url(),
            "map_attribution": getattr(settings, "OPENKREIS_MAP_ATTRIBUTION", ""),
        }
    )
    record_event(event_kinds.DIRECTORY_ROUTE_VIEWED, subject=route.slug, data={"route": route.slug})
    return render(request, "directory/route_detail.html", context)


@require_GET
def route_gpx(request, slug: str):
    """The file as it was imported."""
    route = _published(slug)
    response = HttpResponse(route.gpx.encode("utf-8"), content_type="application/gpx+xml")
    response["Content-Disposition"] = f'attachment; filename="{route.slug}.gpx"'
    return response


@require_GET
def route_sheet(request, slug: str):
    """A printable A4 route sheet (PDF) with the figures, the profile, places and stops."""
    route = _published(slug)
    base = request.build_absolute_uri("/")
    with translation.override(translation.get_language() or "de"):
        context = _context(route)
        context["page_url"] = request.build_absolute_uri(
            reverse("directory:route", args=[route.slug])
        )
        html = render_to_string("directory/route_sheet.html", context, request=request)
    pdf = HTML(string=html, base_url=base).write_pdf()
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="{route.slug}.pdf"'
    return response
