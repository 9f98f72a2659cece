"""Open data of the Harz-Kompass (/kompass/daten/): the published places as GeoJSON and CSV,
and their DCAT-AP.de metadata (JSON-LD) for the open-data portals.

Only published places, only facts about institutions: name, category, address, position,
the institution's contact, opening hours, accessibility, languages, source. No person.

Licence: the county's (county data `open_data.licence` in tenants/<slug>/directory.yaml, read
through config.settings_for_tenant() when D1's config offers it), default dl-de/by-2-0. Rows
that came from OpenStreetMap stay under the ODbL ("© OpenStreetMap-Mitwirkende"): each row
names its licence, and the metadata say so.

The DCAT-AP.de document is written here on purpose: the participation app and the cockpit
have their own (same layer / not shared), see the report to the lead."""

from __future__ import annotations

import csv
import json
from collections.abc import Iterator

from django.http import HttpResponse, StreamingHttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.http import require_GET

from openkreis.core.services import current_tenant

from .models import Place

DEFAULT_LICENCE = "dl-de/by-2-0"
LICENCES = {  # key in county data → (DCAT-AP.de licence URI, name)
    "dl-de/by-2-0": (
        "http://dcat-ap.de/def/licenses/dl-by-de/2.0",
        "Datenlizenz Deutschland – Namensnennung – Version 2.0",
    ),
    "dl-de/zero-2-0": (
        "http://dcat-ap.de/def/licenses/dl-zero-de/2.0",
        "Datenlizenz Deutschland – Zero – Version 2.0",
    ),
    "cc-by-4.0": ("http://dcat-ap.de/def/licenses/cc-by/4.0", "Creative Commons BY 4.0"),
    "cc0-1.0": ("http://dcat-ap.de/def/licenses/cc-zero", "Creative Commons Zero 1.0"),
}
OSM_LICENCE = "ODbL-1.0"
OSM_LICENCE_URI = "http://dcat-ap.de/def/licenses/odbl"
EU = "http://publications.europa.eu/resource/authority/"
CONTEXT = {
    "dcat": "http://www.w3.org/ns/dcat#",
    "dct": "http://purl.org/dc/terms/",
    "dcatde": "http://dcat-ap.de/def/dcatde/",
    "foaf": "http://xmlns.com/foaf/0.1/",
}
COLUMNS = [
    "id",
    "name",
    "category",
    "category_name",
    "group",
    "street",
    "postcode",
    "town",
    "municipality_ars",
    "lat",
    "lon",
    "phone",
    "email",
    "website",
    "opening_hours",
    "wheelchair",
    "toilet_wheelchair",
    "parking_wheelchair",
    "languages",
    "source",
    "licence",
    "updated",
]
FIELDS = [
    "key",
    "name",
    "category__slug",
    "category__name",
    "category__group",
    "street",
    "postcode",
    "town",
    "municipality__ars",
    "lat",
    "lon",
    "phone",
    "email",
    "website",
    "opening_hours",
    "wheelchair",
    "toilet_wheelchair",
    "parking_wheelchair",
    "languages",
    "source",
    "updated_at",
]


def licence_key() -> str:
    """The county's licence of its own place data (a key of LICENCES)."""
    from . import config

    getter = getattr(config, "settings_for_tenant", None)
    key = ""
    if getter is not None:
        try:
            key = str(getattr(getter(), "licence", "") or "")
        except Exception:  # noqa: BLE001 - a broken county file must not close the open data
            key = ""
    return key if key in LICENCES else DEFAULT_LICENCE


def _tri(value) -> str:
    return {True: "yes", False: "no"}.get(value, "")


def rows() -> Iterator[dict]:
    """One dict per published place (COLUMNS), in a stable order, read in chunks."""
    own = licence_key()
    qs = (
        Place.objects.filter(published=True)
        .order_by("pk")
        .values_list(*FIELDS)
        .iterator(chunk_size=2000)
    )
    for values in qs:
        v = dict(zip(FIELDS, values, strict=True))
        yield {
            "id": str(v["key"]),
            "name": v["name"],
            "category": v["category__slug"],
            "category_name": v["category__name"],
            "group": v["category__group"],
            "street": v["street"],
            "postcode": v["postcode"],
            "town": v["town"],
            "municipality_ars": v["municipality__ars"] or "",
            "lat": round(v["lat"], 6),
            "lon": round(v["lon"], 6),
            "phone": v["phone"],
            "email": v["email"],
            "website": v["website"],
            "opening_hours": v["opening_hours"],
            "wheelchair": v["wheelchair"],
            "toilet_wheelchair": _tri(v["toilet_wheelchair"]),
            "parking_wheelchair": _tri(v["parking_wheelchair"]),
            "languages": ";".join(v["languages"] or []),
            "source": v["source"],
            "licence": OSM_LICENCE if v["source"] == Place.Source.OSM else own,
            "updated": v["updated_at"].date().isoformat(),
        }


def _geojson_chunks() -> Iterator[str]:
    yield '{"type":"FeatureCollection","features":['
    first = True
    for row in rows():
        props = {k: v for k, v in row.items() if k not in ("lat", "lon")}
        feature = {
            "type": "Feature",
            "id": row["id"],
            "geometry": {"type": "Point", "coordinates": [row["lon"], row["lat"]]},
            "properties": props,
        }
        yield ("" if first else ",") + json.dumps(feature, ensure_ascii=False)
        first = False
    yield "]}"


class _Echo:
    def write(self, value: str) -> str:
        return value


def _csv_chunks() -> Iterator[str]:
    writer = csv.DictWriter(_Echo(), fieldnames=COLUMNS)
    yield "\ufeff" + writer.writeheader()
    for row in rows():
        yield writer.writerow(row)


@require_GET
def places_geojson(request):
    response = StreamingHttpResponse(_geojson_chunks(), content_type="application/geo+json")
    response["Content-Disposition"] = 'inline; filename="orte.geojson"'
    response["Access-Control-Allow-Origin"] = "*"
    return response


@require_GET
def places_csv(request):
    response = StreamingHttpResponse(_csv_chunks(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="orte.csv"'
    response["Access-Control-Allow-Origin"] = "*"
    return response


def _publisher() -> tuple[str, str]:
    tenant = current_tenant()
    if tenant is None:
        return "openkreis", ""
    return tenant.name, getattr(tenant.region, "ars", "") or ""


def dataset(base: str) -> dict:
    """The dcat:Dataset of the places with its two distributions (GeoJSON, CSV)."""
    publisher, ars = _publisher()
    uri, name = LICENCES[licence_key()]
    latest = Place.objects.filter(published=True).order_by("-updated_at").first()

    def distribution(url_name: str, title: str, media: str, file_type: str) -> dict:
        url = base + reverse(url_name)
        return {
            "@type": "dcat:Distribution",
            "dct:title": {"@value": title, "@language": "de"},
            "dcat:accessURL": {"@id": url},
            "dcat:downloadURL": {"@id": url},
            "dcat:mediaType": {"@id": "https://www.iana.org/assignments/media-types/" + media},
            "dct:format": {"@id": EU + "file-type/" + file_type},
            "dct:license": {"@id": uri},
            "dcatde:licenseAttributionByText": publisher,
        }

    data = {
        "@id": base + reverse("directory:opendata_catalogue") + "#orte",
        "@type": "dcat:Dataset",
        "dct:identifier": "harz-kompass-orte",
        "dct:title": {"@value": f"Harz-Kompass: Einrichtungen im {publisher}", "@language": "de"},
        "dct:description": {
            "@value": (
                "Schulen, Ärztinnen und Ärzte, Bäder, Museen, Sportstätten, Behörden und weitere "
                "Einrichtungen mit Kategorie, Adresse, Lage (WGS 84), Kontakt der Einrichtung, "
                "Öffnungszeiten (OpenStreetMap-Syntax opening_hours) und Barrierefreiheit. "
                f"Lizenz: {name}; Zeilen mit der Quelle „osm“ stammen aus OpenStreetMap und "
                "stehen unter der Open Database License (© OpenStreetMap-Mitwirkende)."
            ),
            "@language": "de",
        },
        "dct:publisher": {"@type": "foaf:Organization", "foaf:name": publisher},
        "dcat:theme": [{"@id": EU + "data-theme/SOCI"}, {"@id": EU + "data-theme/GOVE"}],
        "dcat:keyword": ["Einrichtungen", "Öffnungszeiten", "Barrierefreiheit", "Harz-Kompass"],
        "dct:license": {"@id": uri},
        "dcatde:licenseAttributionByText": publisher,
        "dct:accrualPeriodicity": {"@id": EU + "frequency/DAILY"},
        "dcat:landingPage": {"@id": base + reverse("directory:opendata_index")},
        "dcatde:politicalGeocodingLevelURI": {
            "@id": "http://dcat-ap.de/def/politicalGeocoding/Level/administrativeDistrict"
        },
        "dcat:distribution": [
            distribution(
                "directory:opendata_geojson",
                "Einrichtungen (GeoJSON)",
                "application/geo+json",
                "GEOJSON",
            ),
            distribution("directory:opendata_csv", "Einrichtungen (CSV)", "text/csv", "CSV"),
        ],
    }
    if ars:
        geo = {"@id": f"http://dcat-ap.de/def/politicalGeocoding/districtKey/{ars[:5]}"}
        data["dct:spatial"] = geo
        data["dcatde:politicalGeocodingURI"] = geo
    if latest is not None:
        data["dct:modified"] = {
            "@value": latest.updated_at.date().isoformat(),
            "@type": "http://www.w3.org/2001/XMLSchema#date",
        }
    return data


@require_GET
def catalogue(request):
    base = request.build_absolute_uri("/").rstrip("/")
    body = {"@context": CONTEXT, **dataset(base)}
    response = HttpResponse(
        json.dumps(body, ensure_ascii=False, indent=1), content_type="application/ld+json"
    )
    response["Access-Control-Allow-Origin"] = "*"
    return response


@require_GET
def index(request):
    uri, name = LICENCES[licence_key()]
    publisher, _ars = _publisher()
    context = {
        "count": Place.objects.filter(published=True).count(),
        "licence_name": name,
        "licence_uri": uri,
        "osm_licence_uri": "https://opendatacommons.org/licenses/odbl/1-0/",
        "publisher": publisher,
        "columns": COLUMNS,
    }
    return render(request, "directory/staff_opendata.html", context)
