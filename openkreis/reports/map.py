"""The Mängelmelder's maps: GeoJSON for the public map and the back office's map, the
municipality outlines, and the place search of the form (docs/reports.md, "Maps and place
search").

Every answer is bounded: the public map needs a bounding box (`bbox=west,south,east,north`,
at most MAX_SPAN degrees wide/high) or a municipality, and gives at most `limit` features,
newest first (`truncated` says there were more). Bad input answers 400 with a message,
never 500. Public features carry public fields only: number, category, status, municipality,
street, date, position, link — never the description, the reporter or the followers.
"""

from __future__ import annotations

import math
import time

from django.conf import settings
from django.db.models import Q
from django.http import JsonResponse
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from openkreis.core.middleware import checks_own_input
from openkreis.core.params import id_param
from openkreis.core.staff import staff_required

from . import geocoding, services, workflow
from .models import Area, Report

MAX_SPAN = (2.0, 1.5)  # degrees of longitude, latitude: the county is about 1.0 × 0.5
_OUTLINES: dict = {"at": 0.0, "version": None, "data": None}


def limit() -> int:
    return int(getattr(settings, "OPENKREIS_REPORTS_MAP_LIMIT", 500))


class BadParameter(ValueError):
    """A request parameter the map cannot use; the message is for the person."""


def _bad(message: str) -> JsonResponse:
    return JsonResponse({"error": message}, status=400)


def _text_param(request, name: str, max_length: int = 100) -> str:
    value = request.GET.get(name, "")
    if "\x00" in value or len(value) > max_length:
        raise BadParameter(_("The parameter '%(name)s' is not valid.") % {"name": name})
    return value.strip()


def _id(request, name: str) -> int | None:
    raw = _text_param(request, name)
    if not raw:
        return None
    value = id_param(raw)
    if value is None:
        raise BadParameter(_("The parameter '%(name)s' is not valid.") % {"name": name})
    return value


def parse_bbox(raw: str) -> tuple[float, float, float, float] | None:
    """'west,south,east,north' in degrees (WGS84) → a tuple, or BadParameter."""
    if not raw:
        return None
    parts = raw.split(",")
    if len(parts) != 4:
        raise BadParameter(_("bbox needs four numbers: west,south,east,north."))
    try:
        west, south, east, north = (float(p) for p in parts)
    except ValueError:
        raise BadParameter(_("bbox needs four numbers: west,south,east,north.")) from None
    if not all(math.isfinite(v) for v in (west, south, east, north)):
        raise BadParameter(_("bbox needs four numbers: west,south,east,north."))
    lons_ok = -180 <= west <= 180 and -180 <= east <= 180
    lats_ok = -90 <= south <= 90 and -90 <= north <= 90
    if not (lons_ok and lats_ok):
        raise BadParameter(_("bbox lies outside the valid coordinates."))
    if west >= east or south >= north:
        raise BadParameter(_("bbox is in the wrong order: west,south,east,north."))
    if east - west > MAX_SPAN[0] or north - south > MAX_SPAN[1]:
        raise BadParameter(_("bbox is too large. Please zoom in."))
    return west, south, east, north


def _in_bbox(reports, bbox):
    if bbox is None:
        return reports
    west, south, east, north = bbox
    return reports.filter(lat__gte=south, lat__lte=north, lon__gte=west, lon__lte=east)


def _features(rows, url_name: str, areas: dict, categories: dict, extra=None) -> list[dict]:
    # per request, not per row (bench/reports.py: 500 reverse() and lazy-string calls were
    # half of a 500-feature answer's time): the status labels and the detail URL's pattern
    labels = {value: str(label) for value, label in Report.Status.choices}
    placeholder = "M-PLACEHOLDER"
    url_pattern = reverse(url_name, args=[placeholder])
    features = []
    for row in rows:
        public_id, category_id, status, lat, lon, created, street, area_id = row[:8]
        town = areas.get(area_id, "")
        props = {
            "id": public_id,
            "category": categories.get(category_id, ""),
            "status": labels.get(status, status),
            "done": status in workflow.DONE,
            "place": f"{town}, {street}" if street else town,
            "created": created.date().isoformat(),
            "url": url_pattern.replace(placeholder, public_id),
        }
        if extra:
            props.update(extra(row))
        features.append(
            {
                "type": "Feature",
                "geometry": {"type": "Point", "coordinates": [round(lon, 6), round(lat, 6)]},
                "properties": props,
            }
        )
    return features


FIELDS = ("public_id", "category_id", "status", "lat", "lon", "created_at", "street", "area_id")


def _collection(reports, url_name: str, *, extra_fields=(), extra=None) -> dict:
    cap = limit()
    rows = list(
        reports.filter(lat__isnull=False, lon__isnull=False)
        .order_by("-created_at", "-id")
        .values_list(*FIELDS, *extra_fields)[: cap + 1]
    )
    # the names only: not the municipalities' polygons (JSON parsed per request for nothing)
    areas = dict(services.areas().values_list("pk", "region__name"))
    categories = {c.pk: c.label for c in services.categories_for()}
    return {
        "type": "FeatureCollection",
        "features": _features(rows[:cap], url_name, areas, categories, extra),
        "count": min(len(rows), cap),
        "limit": cap,
        "truncated": len(rows) > cap,
    }


def _json(data: dict, *, private: bool) -> JsonResponse:
    response = JsonResponse(data)
    response["Cache-Control"] = "private, no-store" if private else "public, max-age=60"
    return response


@checks_own_input  # a NUL in the query is a 400 here, not silently dropped
@require_GET
def public_geojson(request):
    """The reports of the list's filter inside a bounding box (or one municipality)."""
    try:
        bbox = parse_bbox(_text_param(request, "bbox"))
        area_id = _id(request, "gemeinde")
        category_id = _id(request, "kategorie")
        state = _text_param(request, "status")
    except BadParameter as exc:
        return _bad(str(exc))
    if state not in ("", "offen", "erledigt"):
        return _bad(_("The parameter 'status' is 'offen' or 'erledigt'."))
    if bbox is None and area_id is None:
        return _bad(_("Please give a bbox (west,south,east,north) or a municipality."))
    reports = _in_bbox(Report.objects.all(), bbox)
    if area_id:
        reports = reports.filter(area_id=area_id)
    if category_id:
        reports = reports.filter(category_id=category_id)
    if state == "offen":
        reports = reports.exclude(status__in=workflow.DONE)
    elif state == "erledigt":
        reports = reports.filter(status__in=workflow.DONE)
    return _json(_collection(reports, "reports:detail"), private=False)


def inbox_filter(request, reports):
    """The inbox's tab and filters (shared by the list and its map):
    (reports, tab, category_id, area_id, q)."""
    tab = request.GET.get("tab", "offen")
    if tab not in ("offen", "ueberfaellig", "meine", "erledigt", "alle"):
        tab = "offen"
    if tab == "ueberfaellig":
        reports = services.overdue(reports)
    elif tab == "offen":
        reports = reports.exclude(status__in=workflow.DONE)
    elif tab == "meine":
        reports = reports.filter(assignee=request.user).exclude(status__in=workflow.DONE)
    elif tab == "erledigt":
        reports = reports.filter(status__in=workflow.DONE)
    category_id = id_param(request.GET.get("kategorie"))
    area_id = id_param(request.GET.get("gemeinde"))
    q = request.GET.get("q", "").replace("\x00", "").strip()[:100]
    if category_id:
        reports = reports.filter(category_id=category_id)
    if area_id:
        reports = reports.filter(area_id=area_id)
    if q:
        reports = reports.filter(
            Q(public_id__iexact=q) | Q(description__icontains=q) | Q(street__icontains=q)
        )
    return reports, tab, category_id, area_id, q


@checks_own_input
@require_GET
@staff_required(*services.STAFF_ROLES)
def staff_geojson(request):
    """The back office's map: the reports of the inbox's tab and filter the user may see."""
    try:
        bbox = parse_bbox(_text_param(request, "bbox"))
        for name in ("kategorie", "gemeinde"):
            _id(request, name)
        _text_param(request, "q")
        _text_param(request, "tab")
    except BadParameter as exc:
        return _bad(str(exc))
    reports, *_rest = inbox_filter(request, services.visible_reports(request.user))
    return _json(_collection(_in_bbox(reports, bbox), "reports:staff_detail"), private=True)


@require_GET
def outlines(request):
    """The municipality outlines (approximate unless official), for the map's background."""
    version = Area.objects.order_by("-updated_at").values_list("updated_at", flat=True).first()
    now = time.monotonic()
    if _OUTLINES["data"] is None or _OUTLINES["version"] != version or now - _OUTLINES["at"] > 600:
        _OUTLINES["data"] = {
            "type": "FeatureCollection",
            "features": [
                {
                    "type": "Feature",
                    "geometry": area.geometry,
                    "properties": {
                        "id": area.pk,
                        "name": area.region.name,
                        "official": area.official,
                    },
                }
                for area in services.areas()
            ],
        }
        _OUTLINES["version"] = version
        _OUTLINES["at"] = now
    return _json(_OUTLINES["data"], private=False)


@checks_own_input
@require_GET
def places(request):
    """The form's place search: `?q=` (2–100 characters) → at most 10 places of the county."""
    q = request.GET.get("q", "")
    if "\x00" in q or any(ord(c) < 32 for c in q):
        return _bad(_("The search contains characters that are not allowed."))
    q = q.strip()
    if len(q) < 2:
        return _bad(_("Please type at least two characters."))
    if len(q) > 100:
        return _bad(_("Please type at most 100 characters."))
    results = geocoding.search(q, geocoding.MAX_RESULTS)
    response = JsonResponse([p.as_json() for p in results], safe=False)
    response["Cache-Control"] = "public, max-age=300"
    return response


def map_context(**extra) -> dict:
    """What the templates pass to static/reports/map.js (data-* attributes)."""
    bounds = geocoding.county_bounds()
    return {
        "map_tiles": getattr(settings, "OPENKREIS_MAP_TILE_URL", ""),
        "map_attribution": getattr(settings, "OPENKREIS_MAP_ATTRIBUTION", ""),
        "map_bounds": ",".join(f"{v:.5f}" for v in bounds) if bounds else "",
        **extra,
    }
