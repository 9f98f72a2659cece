"""County data of Bildung & Arbeit: tenants/<slug>/jobs.yaml (owner: J1).

    fields:                       # occupational fields (Berufsfelder) with their Holland code
      - {slug: it, name: "IT, Computer", name_en: "IT, computers", riasec: ICR,
         description: "…"}
    providers:                    # who teaches or trains
      - {slug: hochschule-harz, name: Hochschule Harz, kind: university,
         website: "https://www.hs-harz.de", town: Wernigerode}
    offers:                       # training, study and further-education offers
      - slug: hs-harz-wirtschaftsinformatik
        provider: hochschule-harz          # a provider's slug
        kind: studium                      # ausbildung | studium | dual | weiterbildung | kurs
        title: Wirtschaftsinformatik (Bachelor)
        fields: [it, wirtschaft]           # field slugs
        degree, duration, description, url, street, postcode, town   # optional text
        starts_on, ends_on: 2027-10-01     # optional dates
        municipality: "15085370"           # AGS or ARS (optional)
        lat, lon                           # optional; else the municipality's centre

The file is the county's information: the step writes it as it is (natural keys: slugs) and
removes offers and providers that left the file; a field that left the file is removed too
(jobs that named it keep no field). A mistake raises TenantDataError naming the file and entry;
nothing is written then (`load_tenant --check` shows it)."""

from __future__ import annotations

import re
from pathlib import Path

from openkreis.core.loader import (
    LoadReport,
    TenantDataError,
    _date,
    _float,
    find_region,
    read_yaml,
    sync_set,
    upsert,
)

from .models import Field, Offer, Provider

FILE = "jobs.yaml"
RIASEC = "RIASEC"
SLUG = re.compile(r"^[a-z0-9][a-z0-9-]*$")
FIELD_KEYS = {"slug", "name", "name_en", "riasec", "description"}
PROVIDER_KEYS = {"slug", "name", "kind", "website", "town"}
OFFER_TEXT = ("description", "degree", "duration", "street", "postcode", "town", "url")
OFFER_KEYS = {"slug", "provider", "kind", "title", "fields", "starts_on", "ends_on"}
OFFER_KEYS |= {"municipality", "lat", "lon", "published", *OFFER_TEXT}


def _error(path: Path, where: str, message: str) -> TenantDataError:
    return TenantDataError(f"{path}: {where}: {message}")


def _entries(path: Path, data: dict, key: str, allowed: set[str]) -> list[dict]:
    entries = data.get(key) or []
    if not isinstance(entries, list):
        raise _error(path, key, "must be a list")
    seen = set()
    for number, entry in enumerate(entries, 1):
        where = f"{key}[{number}]"
        if not isinstance(entry, dict):
            raise _error(path, where, "must be a mapping")
        unknown = set(entry) - allowed
        if unknown:
            raise _error(path, where, f"unknown keys {sorted(unknown)}")
        slug = str(entry.get("slug") or "")
        if not SLUG.match(slug):
            raise _error(path, where, f"slug {slug!r} must be lower-case letters, digits, '-'")
        if slug in seen:
            raise _error(path, where, f"slug {slug!r} appears twice")
        seen.add(slug)
        entry["_where"] = f"{where} ({slug})"
    return entries


def _text(path: Path, entry: dict, key: str, *, required: bool = False, limit: int = 200) -> str:
    value = entry.get(key)
    value = "" if value is None else str(value).strip()
    if required and not value:
        raise _error(path, entry["_where"], f"{key} is missing")
    if len(value) > limit:
        raise _error(path, entry["_where"], f"{key} is longer than {limit} characters")
    return value


def _riasec(path: Path, entry: dict) -> str:
    code = str(entry.get("riasec") or "").strip().upper()
    if len(code) != 3 or any(c not in RIASEC for c in code) or len(set(code)) != 3:
        raise _error(
            path, entry["_where"], f"riasec {code!r} must be three different letters of RIASEC"
        )
    return code


def load(tenant, folder: Path, report: LoadReport) -> None:
    """The county-data step: write fields, providers and offers of jobs.yaml."""
    path = Path(folder) / FILE
    if not path.exists():
        return
    try:
        data = read_yaml(path)
    except TenantDataError:
        raise
    except ValueError as exc:  # PyYAML reads 2027-13-45 as a date and fails
        raise TenantDataError(f"{path}: not valid ({exc})") from exc
    if not isinstance(data, dict):
        raise TenantDataError(f"{path}: the file must be a mapping (fields, providers, offers)")
    unknown = set(data) - {"fields", "providers", "offers"}
    if unknown:
        raise TenantDataError(f"{path}: unknown top-level keys {sorted(unknown)}")

    fields = {}
    for order, entry in enumerate(_entries(path, data, "fields", FIELD_KEYS), 1):
        values = {
            "name": _text(path, entry, "name", required=True, limit=120),
            "name_en": _text(path, entry, "name_en", limit=120),
            "description": _text(path, entry, "description", limit=2000),
            "riasec": _riasec(path, entry),
            "order": order,
        }
        fields[entry["slug"]] = upsert(Field, report, {"slug": entry["slug"]}, values)

    kinds = set(Provider.Kind.values)
    providers = {}
    for entry in _entries(path, data, "providers", PROVIDER_KEYS):
        kind = _text(path, entry, "kind", required=True)
        if kind not in kinds:
            raise _error(path, entry["_where"], f"kind {kind!r} is not one of {sorted(kinds)}")
        values = {
            "name": _text(path, entry, "name", required=True),
            "kind": kind,
            "website": _url(path, entry, "website"),
            "town": _text(path, entry, "town", limit=100),
        }
        providers[entry["slug"]] = upsert(Provider, report, {"slug": entry["slug"]}, values)

    offer_kinds = set(Offer.Kind.values)
    offers = set()
    for entry in _entries(path, data, "offers", OFFER_KEYS):
        where = entry["_where"]
        provider = providers.get(str(entry.get("provider") or ""))
        if provider is None:
            raise _error(path, where, f"provider {entry.get('provider')!r} is not in providers")
        kind = _text(path, entry, "kind", required=True)
        if kind not in offer_kinds:
            raise _error(path, where, f"kind {kind!r} is not one of {sorted(offer_kinds)}")
        wanted = []
        for slug in entry.get("fields") or []:
            if slug not in fields:
                raise _error(path, where, f"field {slug!r} is not in fields")
            wanted.append(fields[slug])
        try:
            starts_on, ends_on = _date(entry.get("starts_on")), _date(entry.get("ends_on"))
            lat, lon = _float(entry.get("lat")), _float(entry.get("lon"))
            municipality = find_region(entry["municipality"]) if entry.get("municipality") else None
        except (TypeError, ValueError) as exc:
            raise _error(path, where, str(exc)) from exc
        if starts_on and ends_on and ends_on < starts_on:
            raise _error(path, where, "ends_on is before starts_on")
        if (lat is None) != (lon is None):
            raise _error(path, where, "give both lat and lon, or neither")
        if lat is None and municipality is not None:
            lat, lon = municipality.lat, municipality.lon
        if lat is not None and not (-90 <= lat <= 90 and -180 <= lon <= 180):
            raise _error(path, where, "lat/lon out of range")
        postcode = _text(path, entry, "postcode", limit=5)
        if postcode and not (len(postcode) == 5 and postcode.isdigit()):
            raise _error(path, where, f"postcode {postcode!r} must be five digits")
        values = {
            "provider": provider,
            "kind": kind,
            "title": _text(path, entry, "title", required=True),
            "description": _text(path, entry, "description", limit=5000),
            "degree": _text(path, entry, "degree", limit=120),
            "duration": _text(path, entry, "duration", limit=60),
            "starts_on": starts_on,
            "ends_on": ends_on,
            "street": _text(path, entry, "street"),
            "postcode": postcode,
            "town": _text(path, entry, "town", limit=100),
            "municipality": municipality,
            "lat": lat,
            "lon": lon,
            "url": _url(path, entry, "url"),
            "published": bool(entry.get("published", True)),
        }
        offer = upsert(Offer, report, {"slug": entry["slug"]}, values)
        sync_set(offer.fields, set(wanted), report)
        offers.add(offer.pk)

    for model, keep in (
        (Offer, Offer.objects.filter(pk__in=offers)),
        (Provider, Provider.objects.filter(slug__in=providers)),
        (Field, Field.objects.filter(slug__in=fields)),
    ):
        stale = model.objects.exclude(pk__in=keep.values("pk"))
        count = stale.count()
        if count:
            stale.delete()
            report.deleted += count
            report.details.append(f"removed {count} {model.__name__} no longer in {FILE}")


def _url(path: Path, entry: dict, key: str) -> str:
    value = _text(path, entry, key, limit=200)
    if value and not value.startswith(("https://", "http://")):
        raise _error(path, entry["_where"], f"{key} {value!r} must start with https://")
    return value
