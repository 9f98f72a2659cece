"""Harz-Kompass pages for residents (docs/directory.md): the start page, the place list (works
without JavaScript, the text alternative of the map), a place's page, the map's GeoJSON and
a local placeholder map tile for the demo and tests."""

from __future__ import annotations

import datetime as dt
import json
import math
import struct
import zlib
from functools import lru_cache, wraps

from django.conf import settings
from django.db.models import Max, Min
from django.http import Http404, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, render
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.http import urlencode
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.views.decorators.cache import cache_control
from django.views.decorators.http import require_GET

from openkreis.core import event_kinds
from openkreis.core import services as core
from openkreis.core.models import Region

from . import hours, search
from .forms_places import PlaceSearchForm
from .models import Category, Place

PAGE_SIZE = 20
MAP_LIMIT = 500
MAX_SPAN = (2.0, 1.5)  # degrees of longitude, latitude a map request may cover


# The site's Permissions-Policy (core's SecurityHeadersMiddleware, set only when a view has
# not) forbids geolocation everywhere; "near me" on the start page and the list needs it.
NEAR_ME_PERMISSIONS = "camera=(), microphone=(), geolocation=(self), payment=()"


def _allow_position(view):
    @wraps(view)
    def wrapped(request, *args, **kwargs):
        response = view(request, *args, **kwargs)
        response["Permissions-Policy"] = NEAR_ME_PERMISSIONS
        return response

    return wrapped


def _url_or(name: str, fallback: str) -> str:
    try:
        return reverse(name)
    except NoReverseMatch:
        return fallback


def tile_url() -> str:
    """The tile URL for the Kompass maps: OPENKREIS_DIRECTORY_TILE_URL, "local" for the
    placeholder tiles served here, empty for none (the map shows markers only)."""
    url = getattr(settings, "OPENKREIS_DIRECTORY_TILE_URL", "")
    if url == "local":
        return reverse("directory:tile", args=[0, 0, 0]).replace("0/0/0", "{z}/{x}/{y}")
    return url


def map_context(**extra) -> dict:
    """What _map.html passes to static/directory/map.js."""
    bounds = _county_bounds()
    return {
        "map_tiles": tile_url(),
        "map_attribution": getattr(settings, "OPENKREIS_MAP_ATTRIBUTION", "")
        if getattr(settings, "OPENKREIS_DIRECTORY_TILE_URL", "") not in ("", "local")
        else "",
        "map_bounds": ",".join(f"{v:.5f}" for v in bounds) if bounds else "",
        **extra,
    }


def _county_bounds() -> tuple[float, float, float, float] | None:
    """(west, south, east, north) around the county's municipality centres, with a margin."""
    tenant = core.current_tenant()
    box = core.municipalities(tenant).filter(lat__isnull=False, lon__isnull=False)
    box = box.aggregate(s=Min("lat"), n=Max("lat"), w=Min("lon"), e=Max("lon"))
    if box["s"] is None:
        return None
    return box["w"] - 0.1, box["s"] - 0.06, box["e"] + 0.1, box["n"] + 0.06


def _groups() -> list[dict]:
    """The category groups that have categories, with their categories (for the links)."""
    categories = list(Category.objects.all())
    groups = []
    for value, label in Category.Group.choices:
        members = [c for c in categories if c.group == value]
        if members:
            groups.append({"value": value, "label": label, "categories": members})
    return groups


@require_GET
@_allow_position
def index(request):
    form = PlaceSearchForm()
    return render(
        request,
        "directory/index.html",
        {
            "form": form,
            "groups": _groups(),
            "routes_url": _url_or("directory:routes", "/kompass/wandern/"),
            "jobs_url": _url_or("jobs:index", "/bildung-arbeit/"),
        },
    )


def _page_number(raw: str | None) -> int | None:
    if raw in (None, ""):
        return 1
    if not raw.isascii() or not raw.isdigit() or len(raw) > 6 or int(raw) < 1:
        return None
    return int(raw)


@require_GET
@_allow_position
def places(request):
    form = PlaceSearchForm(request.GET)
    number = _page_number(request.GET.get("seite"))
    valid = form.is_valid()
    if not valid or number is None:
        errors = [str(e) for errors in form.errors.values() for e in errors] if not valid else []
        if number is None:
            errors.append(_("The page number is not valid."))
        return render(
            request,
            "directory/place_list.html",
            {"form": form, "errors": errors, "groups": _groups(), "places": []},
            status=400,
        )
    kwargs = form.search_kwargs()
    found, total = search.search(**kwargs, limit=PAGE_SIZE, offset=(number - 1) * PAGE_SIZE)
    _lat, _lon, near = form.point()
    if number == 1:
        search.record_search(kwargs, total, near)
    params = form.params()
    pages = max(1, math.ceil(total / PAGE_SIZE))
    category = (
        Category.objects.filter(slug=kwargs["category"]).first() if kwargs["category"] else None
    )
    region = (
        Region.objects.filter(ars=kwargs["municipality"]).first()
        if kwargs["municipality"]
        else None
    )
    return render(
        request,
        "directory/place_list.html",
        {
            "form": form,
            "groups": _groups(),
            "places": found,
            "total": total,
            "near": near,
            "category": category,
            "region": region,
            "page": {
                "number": number,
                "pages": pages,
                "previous": number - 1 if number > 1 else None,
                "next": number + 1 if number < pages else None,
            },
            "params": urlencode(params),
            "params_without_position": urlencode(
                {k: v for k, v in params.items() if k not in ("lat", "lon")}
            ),
            "position_lat": f"{kwargs['lat']:.5f}" if near == "position" else "",
            "position_lon": f"{kwargs['lon']:.5f}" if near == "position" else "",
            **map_context(
                map_params=urlencode(params),
                map_lat=f"{kwargs['lat']:.5f}" if kwargs["lat"] is not None else "",
                map_lon=f"{kwargs['lon']:.5f}" if kwargs["lon"] is not None else "",
            ),
        },
    )


def _json_error(message: str) -> JsonResponse:
    return JsonResponse({"error": message}, status=400)


def _bbox(raw: str) -> tuple[float, float, float, float] | None:
    """'west,south,east,north' → a tuple; ValueError with a German message."""
    if not raw:
        return None
    parts = raw.split(",")
    message = _("bbox needs four numbers: west,south,east,north.")
    if len(parts) != 4 or len(raw) > 100:
        raise ValueError(message)
    try:
        west, south, east, north = (float(p) for p in parts)
    except ValueError:
        raise ValueError(message) from None
    if not all(math.isfinite(v) for v in (west, south, east, north)):
        raise ValueError(message)
    if not (-180 <= west < east <= 180 and -90 <= south < north <= 90):
        raise ValueError(message)
    if east - west > MAX_SPAN[0] or north - south > MAX_SPAN[1]:
        raise ValueError(_("bbox is too large. Please zoom in."))
    return west, south, east, north


@require_GET
def places_geojson(request):
    """The places of the list's filter (inside `bbox` when given), at most MAP_LIMIT, nearest
    first when a point is given. Public data only."""
    form = PlaceSearchForm(request.GET)
    if not form.is_valid():
        return _json_error(" ".join(str(e) for errors in form.errors.values() for e in errors))
    try:
        bbox = _bbox(request.GET.get("bbox", ""))
    except ValueError as exc:
        return _json_error(str(exc))
    kwargs = form.search_kwargs()
    at = timezone.now()
    rows = search.filtered(**kwargs, at=at)
    if bbox:
        west, south, east, north = bbox
        rows = rows.filter(lat__gte=south, lat__lte=north, lon__gte=west, lon__lte=east)
    if kwargs["lat"] is not None:
        rows = rows.alias(approx=search.approx_sq(kwargs["lat"], kwargs["lon"])).order_by(
            "approx", "pk"
        )
    else:
        rows = rows.order_by("name", "pk")
    rows = list(
        rows.values_list(
            "pk",
            "slug",
            "name",
            "category__name",
            "street",
            "postcode",
            "town",
            "lat",
            "lon",
            "wheelchair",
            "opening_hours",
        )[: MAP_LIMIT + 1]
    )
    truncated = len(rows) > MAP_LIMIT
    rows = rows[:MAP_LIMIT]
    open_ids = set(
        search.open_at(at)
        .filter(place_id__in=[r[0] for r in rows])
        .values_list("place_id", flat=True)
    )
    wheel = {value: str(label) for value, label in Place.Wheelchair.choices}
    placeholder = "place-slug-placeholder"
    pattern = reverse("directory:place", args=[placeholder])
    features = []
    for pk, slug, name, category, street, postcode, town, lat, lon, wheelchair, oh in rows:
        town_line = " ".join(p for p in (postcode, town) if p)
        features.append(
            {
                "type": "Feature",
                "geometry": {"type": "Point", "coordinates": [round(lon, 6), round(lat, 6)]},
                "properties": {
                    "name": name,
                    "category": category,
                    "address": ", ".join(p for p in (street, town_line) if p),
                    "open": True if pk in open_ids else (False if oh else None),
                    "wheelchair": wheelchair,
                    "wheelchair_label": wheel.get(wheelchair, ""),
                    "url": pattern.replace(placeholder, slug),
                },
            }
        )
    response = JsonResponse(
        {
            "type": "FeatureCollection",
            "features": features,
            "count": len(features),
            "limit": MAP_LIMIT,
            "truncated": truncated,
        }
    )
    response["Content-Type"] = "application/geo+json"
    response["Cache-Control"] = "public, max-age=60"
    return response


def _json_ld(place: Place, request) -> str:
    data = {
        "@context": "https://schema.org",
        "@type": "Place",
        "name": place.name,
        "url": request.build_absolute_uri(place_url(place)),
        "geo": {"@type": "GeoCoordinates", "latitude": place.lat, "longitude": place.lon},
    }
    if place.street or place.town:
        data["address"] = {
            "@type": "PostalAddress",
            "streetAddress": place.street,
            "postalCode": place.postcode,
            "addressLocality": place.town,
            "addressCountry": "DE",
        }
    if place.phone:
        data["telephone"] = place.phone
    if place.website:
        data["sameAs"] = place.website
    if place.description:
        data["description"] = place.description
    if place.wheelchair in (Place.Wheelchair.YES, Place.Wheelchair.LIMITED, Place.Wheelchair.NO):
        data["amenityFeature"] = {
            "@type": "LocationFeatureSpecification",
            "name": "wheelchair accessible",
            "value": place.wheelchair == Place.Wheelchair.YES,
        }
    text = json.dumps(data, ensure_ascii=False)
    # as json_script does: nothing in the data can end the script element
    text = text.replace("<", "\\u003C").replace(">", "\\u003E").replace("&", "\\u0026")
    return mark_safe(text)  # noqa: S308 - escaped above


def place_url(place: Place) -> str:
    return reverse("directory:place", args=[place.slug])


def _language_names(codes) -> list[str]:
    from django.utils.translation import get_language_info

    names = []
    for code in codes or []:
        try:
            names.append(get_language_info(str(code))["name_translated"])
        except KeyError:
            names.append(str(code))
    return names


@require_GET
def place(request, slug: str):
    place = get_object_or_404(
        Place.objects.select_related("category", "municipality"), slug=slug, published=True
    )
    now = timezone.localtime()
    monday = now.date() - dt.timedelta(days=now.weekday())
    status = hours.status(place.opening_hours, now) if place.opening_hours else None
    week = hours.week_table(place.opening_hours, monday) if place.opening_hours else None
    core.record_event(
        event_kinds.DIRECTORY_PLACE_VIEWED,
        subject=str(place.key),
        data={
            "category": place.category.slug,
            "municipality": place.municipality.ars if place.municipality else "",
        },
    )
    return render(
        request,
        "directory/place_detail.html",
        {
            "place": place,
            "photos": list(place.photos.all()),
            "status": status,
            "week": week,
            "today": now.date(),
            "languages": _language_names(place.languages),
            "json_ld": _json_ld(place, request),
            "list_url": reverse("directory:places")
            + "?"
            + urlencode({"kategorie": place.category.slug}),
            **map_context(map_lat=f"{place.lat:.6f}", map_lon=f"{place.lon:.6f}"),
        },
    )


# -- the local placeholder tile -------------------------------------------------------------


def _png(width: int, height: int, pixel) -> bytes:
    """A truecolour PNG from pixel(x, y) -> (r, g, b), with zlib only (no imaging library)."""
    raw = bytearray()
    for y in range(height):
        raw.append(0)
        for x in range(width):
            raw.extend(pixel(x, y))

    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(bytes(raw), 9))
        + chunk(b"IEND", b"")
    )


@lru_cache(maxsize=1)
def placeholder_tile() -> bytes:
    """A light 256 px tile with a thin grid line on its top and left edge: the map has a
    visible background (and scale) without any tile server or network."""
    background, line = (238, 242, 245), (205, 213, 220)
    return _png(256, 256, lambda x, y: line if x == 0 or y == 0 else background)


@require_GET
@cache_control(public=True, max_age=86400)
def tile(request, z: int, x: int, y: int):
    if z > 20 or x >= 2**z or y >= 2**z:
        raise Http404(_("There is no such map tile."))
    return HttpResponse(placeholder_tile(), content_type="image/png")
