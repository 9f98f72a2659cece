"""Import places from CSV, GeoJSON and OSM extracts (docs/directory.md).

Every format is first read into `PlaceRecord`s and checked (line or feature named in each
message); then the good records are written. Policy: **good rows in, bad rows reported** —
a bad row (no name, unknown category, position outside Germany, bad e-mail …) is left out
with a message naming its line; the rest is imported. Opening hours that are not valid OSM
syntax do not cost the row: the place comes in with unknown hours and a warning line. With
`strict=True` (the county-data step, `load_tenant`) any error or warning stops the import
and nothing is written. `dry_run=True` checks and counts, and writes nothing.

A second import of the same file updates places found by (source, source_ref) and writes
only the fields that differ; it never duplicates. Places missing from a later file are left
as they are (an editor unpublishes them).

CSV columns (header row; comma or semicolon, UTF-8, BOM allowed):

    id            required, unique in the file: the row's reference (source_ref)
    name          required
    category      required: a category slug of tenants/<slug>/directory.yaml
    lat, lon      required: WGS84 decimal degrees (a decimal comma is accepted)
    street, postcode, town, description, phone, email, website   optional
    opening_hours optional: OSM syntax ("Mo-Fr 08:00-16:00; PH off"); empty: not known
    wheelchair    yes | limited | no (or ja | teilweise | nein); empty: not known
    toilet_wheelchair, parking_wheelchair   yes | no (ja | nein); empty: not known
    languages     ISO 639-1 codes separated by ";" or "," or spaces ("de;en")
    municipality  optional: ARS (12 digits) of the municipality; else found (see below)

GeoJSON: a FeatureCollection of Point features; the properties have the CSV column names
(`id` may also be the feature's "id").

Municipality of a place: the municipalities that use the place's postcode (core's
RegionPostcode) — if one, that one; if several, the nearest of them by its centre; without
a postcode match the municipality with the nearest centre within 20 km. The county's
municipality polygons live in the reports app, which the directory does not import; the
centres are a good enough guess for a list filter, and an editor can correct it.
"""

from __future__ import annotations

import csv
import io
import json
import re
from dataclasses import dataclass, field
from pathlib import Path

from django.core.exceptions import ValidationError
from django.core.validators import URLValidator, validate_email
from django.db import transaction
from django.utils.text import slugify
from django.utils.translation import gettext as _

from openkreis.core.geo import distance_m
from openkreis.core.models import Region, RegionPostcode

from . import hours, osm
from .models import PLACE_FIELDS, Category, Place

FIELDS = PLACE_FIELDS  # what an import may set: the same as the editor
CSV_COLUMNS = (
    "id",
    "name",
    "category",
    "lat",
    "lon",
    "street",
    "postcode",
    "town",
    "description",
    "phone",
    "email",
    "website",
    "opening_hours",
    "wheelchair",
    "toilet_wheelchair",
    "parking_wheelchair",
    "languages",
    "municipality",
)
# Germany with a margin: a position outside is a swapped lat/lon or a typo
LAT_RANGE = (47.0, 55.2)
LON_RANGE = (5.8, 15.1)
NEAREST_MUNICIPALITY_M = 20_000
WHEELCHAIR = {
    "yes": "yes",
    "ja": "yes",
    "designated": "yes",
    "limited": "limited",
    "teilweise": "limited",
    "eingeschränkt": "limited",
    "no": "no",
    "nein": "no",
    "unknown": "unknown",
    "": "unknown",
}
YES_NO = {"yes": True, "ja": True, "designated": True, "no": False, "nein": False, "": None}


class PlaceImportError(ValueError):
    """An import that must not write anything (strict mode, unreadable file)."""


@dataclass
class PlaceRecord:
    """One place as read from a file, before it is checked and written."""

    source: str
    source_ref: str
    where: str  # "Zeile 4", "Feature 3", "node/123": for messages
    values: dict = field(default_factory=dict)


@dataclass
class ImportReport:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    skipped: int = 0  # rows left out because of errors
    ignored: int = 0  # OSM objects without a mapped category or name (not errors)
    errors: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    dry_run: bool = False
    places: list[Place] = field(default_factory=list)  # written (not in a dry run)

    def summary(self) -> str:
        text = _(
            "%(created)d new, %(updated)d changed, %(unchanged)d unchanged, "
            "%(skipped)d left out because of errors"
        ) % {
            "created": self.created,
            "updated": self.updated,
            "unchanged": self.unchanged,
            "skipped": self.skipped,
        }
        if self.dry_run:
            text += " " + _("(trial run: nothing was saved)")
        return text


# --- reading ---------------------------------------------------------------------------


def _text(raw: bytes | str) -> str:
    if isinstance(raw, bytes):
        try:
            raw = raw.decode("utf-8-sig")
        except UnicodeDecodeError as exc:
            raise PlaceImportError(
                _("The file is not UTF-8 encoded (save it as “CSV UTF-8”).")
            ) from exc
    return raw.lstrip("\ufeff")


def read_csv(
    raw: bytes | str, *, source: str = Place.Source.CSV
) -> tuple[list[PlaceRecord], list[str]]:
    """Rows of a CSV file as records; errors for rows that cannot even be read."""
    text = _text(raw)
    first = text.split("\n", 1)[0]
    delimiter = ";" if first.count(";") > first.count(",") else ","
    reader = csv.DictReader(io.StringIO(text), delimiter=delimiter)
    header = [h.strip().lower() for h in (reader.fieldnames or [])]
    missing = [c for c in ("id", "name", "category", "lat", "lon") if c not in header]
    if missing:
        raise PlaceImportError(
            _("The CSV file lacks the column(s) %(columns)s (first line: the column names).")
            % {"columns": ", ".join(missing)}
        )
    unknown = [h for h in header if h and h not in CSV_COLUMNS]
    errors = []
    if unknown:
        errors.append(_("Columns ignored (unknown): %(columns)s") % {"columns": ", ".join(unknown)})
    reader.fieldnames = header
    records, seen = [], {}
    for row in reader:
        line = reader.line_num
        where = _("line %(line)d") % {"line": line}
        if None in row:
            errors.append(_("%(where)s: more values than columns") % {"where": where})
            continue
        row = {k: (v or "").strip() for k, v in row.items() if k in CSV_COLUMNS}
        if not any(row.values()):
            continue
        ref = row.pop("id", "")
        if not ref:
            errors.append(_("%(where)s: the column id is empty") % {"where": where})
            continue
        if ref in seen:
            errors.append(
                _("%(where)s: id %(ref)s already used in line %(other)d")
                % {"where": where, "ref": ref, "other": seen[ref]}
            )
            continue
        seen[ref] = line
        records.append(PlaceRecord(source=source, source_ref=ref[:100], where=where, values=row))
    return records, errors


def read_geojson(raw: bytes | str) -> tuple[list[PlaceRecord], list[str]]:
    """Point features of a GeoJSON FeatureCollection as records."""
    try:
        data = json.loads(_text(raw))
    except json.JSONDecodeError as exc:
        raise PlaceImportError(
            _("The file is not valid JSON (line %(line)d: %(msg)s).")
            % {"line": exc.lineno, "msg": exc.msg}
        ) from exc
    if not isinstance(data, dict) or data.get("type") != "FeatureCollection":
        raise PlaceImportError(_("The GeoJSON file must hold a FeatureCollection."))
    records, errors, seen = [], [], set()
    for number, feature in enumerate(data.get("features") or [], start=1):
        where = _("feature %(number)d") % {"number": number}
        if not isinstance(feature, dict):
            errors.append(_("%(where)s: not a feature") % {"where": where})
            continue
        geometry = feature.get("geometry") or {}
        props = feature.get("properties") or {}
        if geometry.get("type") != "Point":
            errors.append(_("%(where)s: only Point geometries can be imported") % {"where": where})
            continue
        coords = geometry.get("coordinates") or []
        if len(coords) < 2:
            errors.append(_("%(where)s: the point has no coordinates") % {"where": where})
            continue
        ref = str(props.get("id") or feature.get("id") or "").strip()
        if not ref:
            errors.append(_("%(where)s: no id (property “id”)") % {"where": where})
            continue
        if ref in seen:
            errors.append(_("%(where)s: id %(ref)s used twice") % {"where": where, "ref": ref})
            continue
        seen.add(ref)
        values = {
            k: ("" if v is None else v) for k, v in props.items() if k in CSV_COLUMNS and k != "id"
        }
        values["lon"], values["lat"] = coords[0], coords[1]
        records.append(
            PlaceRecord(
                source=Place.Source.GEOJSON, source_ref=ref[:100], where=where, values=values
            )
        )
    return records, errors


# --- checking --------------------------------------------------------------------------


class _Resolver:
    """Categories and municipalities, looked up once per import."""

    def __init__(self):
        self.categories = {c.slug: c for c in Category.objects.all()}
        self.municipalities = list(
            Region.objects.filter(kind=Region.Kind.MUNICIPALITY, lat__isnull=False)
        )
        self.by_ars = {r.ars: r for r in self.municipalities}
        by_id = {r.pk: r for r in self.municipalities}
        self.by_postcode: dict[str, list[Region]] = {}
        for code, region_id in RegionPostcode.objects.values_list("code", "region_id"):
            region = by_id.get(region_id)
            if region is not None:
                self.by_postcode.setdefault(code, []).append(region)

    def municipality(self, lat: float, lon: float, postcode: str) -> Region | None:
        candidates = self.by_postcode.get(postcode or "", [])
        if len(candidates) == 1:
            return candidates[0]
        pool = candidates or self.municipalities
        best = min(pool, key=lambda r: distance_m(lat, lon, r.lat, r.lon), default=None)
        if best is None:
            return None
        if not candidates and distance_m(lat, lon, best.lat, best.lon) > NEAREST_MUNICIPALITY_M:
            return None
        return best


def _float(value) -> float:
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return float(value)
    return float(str(value).strip().replace(",", "."))


def _clean_record(record: PlaceRecord, resolver: _Resolver, strict: bool):
    """(values for Place, errors, warnings) of one record."""
    v = {
        k: (str(x).strip() if not isinstance(x, (int, float, list)) else x)
        for k, x in record.values.items()
    }
    w = record.where
    errors: list[str] = []
    warnings: list[str] = []
    out: dict = {}
    name = str(v.get("name") or "")
    if not name:
        errors.append(_("%(where)s: the name is missing") % {"where": w})
    elif len(name) > 200:
        errors.append(_("%(where)s: the name is longer than 200 characters") % {"where": w})
    out["name"] = name[:200]
    category = resolver.categories.get(str(v.get("category") or ""))
    if category is None:
        errors.append(
            _("%(where)s: unknown category “%(slug)s” (known: %(known)s)")
            % {
                "where": w,
                "slug": v.get("category") or "",
                "known": ", ".join(sorted(resolver.categories)) or "—",
            }
        )
    out["category"] = category
    try:
        lat, lon = _float(v.get("lat")), _float(v.get("lon"))
        if not (LAT_RANGE[0] <= lat <= LAT_RANGE[1] and LON_RANGE[0] <= lon <= LON_RANGE[1]):
            raise ValueError
        out["lat"], out["lon"] = round(lat, 6), round(lon, 6)
    except (TypeError, ValueError):
        errors.append(
            _(
                "%(where)s: the position (lat %(lat)s, lon %(lon)s) is not a point in Germany "
                "(decimal degrees, e.g. lat 51.8959, lon 11.0467)"
            )
            % {"where": w, "lat": v.get("lat") or "—", "lon": v.get("lon") or "—"}
        )
    postcode = str(v.get("postcode") or "")
    if postcode and not re.fullmatch(r"\d{5}", postcode):
        errors.append(
            _("%(where)s: the postcode “%(pc)s” must have five digits")
            % {"where": w, "pc": postcode}
        )
    out["postcode"] = postcode
    for name_, limit in (("street", 200), ("town", 100), ("phone", 50)):
        value = str(v.get(name_) or "")
        if len(value) > limit:
            errors.append(
                _("%(where)s: %(field)s is longer than %(limit)d characters")
                % {"where": w, "field": name_, "limit": limit}
            )
        out[name_] = value[:limit]
    out["description"] = str(v.get("description") or "")
    email = str(v.get("email") or "")
    if email:
        try:
            validate_email(email)
        except ValidationError:
            errors.append(
                _("%(where)s: “%(email)s” is not an e-mail address") % {"where": w, "email": email}
            )
    out["email"] = email
    website = str(v.get("website") or "")
    if website and not re.match(r"^https?://", website, re.I):
        website = "https://" + website
    if website:
        try:
            URLValidator(schemes=["http", "https"])(website)
        except ValidationError:
            errors.append(
                _("%(where)s: “%(url)s” is not a web address") % {"where": w, "url": website}
            )
    out["website"] = website[:200]
    expr = " ".join(str(v.get("opening_hours") or "").split())
    problem = hours.validate(expr)
    if problem:
        message = _("%(where)s: opening hours “%(expr)s” left out: %(problem)s") % {
            "where": w,
            "expr": expr,
            "problem": problem,
        }
        (errors if strict else warnings).append(message)
        expr = ""
    out["opening_hours"] = expr
    wheelchair = str(v.get("wheelchair") or "").lower()
    if wheelchair not in WHEELCHAIR:
        errors.append(
            _("%(where)s: wheelchair must be yes, limited or no (not “%(value)s”)")
            % {"where": w, "value": wheelchair}
        )
    out["wheelchair"] = WHEELCHAIR.get(wheelchair, "unknown")
    for name_ in ("toilet_wheelchair", "parking_wheelchair"):
        value = str(v.get(name_) or "").lower()
        if value not in YES_NO:
            errors.append(
                _("%(where)s: %(field)s must be yes or no (not “%(value)s”)")
                % {"where": w, "field": name_, "value": value}
            )
        out[name_] = YES_NO.get(value)
    languages = v.get("languages") or []
    if isinstance(languages, str):
        languages = [x for x in re.split(r"[;,\s]+", languages.lower()) if x]
    bad = [x for x in languages if not re.fullmatch(r"[a-z]{2}", str(x))]
    if bad:
        errors.append(
            _("%(where)s: languages must be two-letter codes like de;en (not %(bad)s)")
            % {"where": w, "bad": ", ".join(map(str, bad))}
        )
    out["languages"] = [str(x) for x in languages if str(x) not in bad]
    ars = str(v.get("municipality") or "")
    if ars:
        region = resolver.by_ars.get(ars)
        if region is None:
            errors.append(
                _("%(where)s: unknown municipality (ARS) %(ars)s") % {"where": w, "ars": ars}
            )
        out["municipality"] = region
    elif "lat" in out:
        out["municipality"] = resolver.municipality(out["lat"], out["lon"], postcode)
    return out, errors, warnings


# --- writing ---------------------------------------------------------------------------


def _unique_slug(base: str, used: set[str]) -> str:
    base = (slugify(base) or "ort")[:110].strip("-")
    slug, n = base, 2
    while slug in used or Place.objects.filter(slug=slug).exists():
        slug = f"{base}-{n}"
        n += 1
    used.add(slug)
    return slug


class _Rollback(Exception):
    pass


def save_records(
    records: list[PlaceRecord],
    *,
    dry_run: bool = False,
    strict: bool = False,
    report: ImportReport | None = None,
) -> ImportReport:
    """Check the records and write the good ones (see the module's policy)."""
    report = report or ImportReport()
    report.dry_run = dry_run
    resolver = _Resolver()
    cleaned = []
    for record in records:
        values, errors, warnings = _clean_record(record, resolver, strict)
        report.warnings.extend(warnings)
        if errors:
            report.errors.extend(errors)
            report.skipped += 1
            continue
        cleaned.append((record, values))
    if strict and report.errors:
        raise PlaceImportError("\n".join(report.errors))
    try:
        with transaction.atomic():
            _write(cleaned, report)
            if dry_run:
                raise _Rollback
    except _Rollback:
        report.places = []
    return report


def _write(cleaned: list[tuple[PlaceRecord, dict]], report: ImportReport) -> None:
    existing = {
        (p.source, p.source_ref): p
        for p in Place.objects.filter(
            source__in={r.source for r, _v in cleaned},
            source_ref__in=[r.source_ref for r, _v in cleaned],
        )
    }
    used: set[str] = set()
    touched: list[Place] = []
    for record, values in cleaned:
        place = existing.get((record.source, record.source_ref))
        if place is None:
            place = Place(source=record.source, source_ref=record.source_ref, **values)
            place.slug = _unique_slug(f"{values['name']} {values['town']}", used)
            place.save()
            report.created += 1
            touched.append(place)
            continue
        changed = [k for k, val in values.items() if _differs(place, k, val)]
        if not changed:
            report.unchanged += 1
            continue
        for k in changed:
            setattr(place, k, values[k])
        place.save(update_fields=[*changed, "updated_at"])
        report.updated += 1
        touched.append(place)
    if touched:
        hours.rebuild_intervals(touched)
    report.places = touched


def _differs(place: Place, name: str, value) -> bool:
    if name in ("category", "municipality"):  # compare keys: no query per place
        return getattr(place, f"{name}_id") != (value.pk if value is not None else None)
    return getattr(place, name) != value


def import_file(
    path: Path | str,
    fmt: str | None = None,
    *,
    dry_run: bool = False,
    strict: bool = False,
    osm_tags: list | None = None,
) -> ImportReport:
    """Import a .csv, .geojson/.json or .osm.pbf file (format from `fmt` or the name).
    `osm_tags`: the tag → category rules for OSM files (config.osm_tag_rules())."""
    path = Path(path)
    fmt = fmt or guess_format(path)
    report = ImportReport()
    if fmt == "osm":
        found, report.ignored, errors = osm.read_osm(path, osm_tags or [])
        records = [
            PlaceRecord(source=Place.Source.OSM, source_ref=ref, where=ref, values=values)
            for ref, values in found
        ]
    elif fmt in ("csv", "geojson"):
        try:
            raw = path.read_bytes()
        except OSError as exc:
            raise PlaceImportError(
                _("The file cannot be read: %(error)s") % {"error": exc}
            ) from exc
        records, errors = read_csv(raw) if fmt == "csv" else read_geojson(raw)
    else:
        raise PlaceImportError(_("Unknown format %(fmt)s (csv, geojson or osm).") % {"fmt": fmt})
    report.errors.extend(errors)
    if strict and errors:
        raise PlaceImportError("\n".join(errors))
    return save_records(records, dry_run=dry_run, strict=strict, report=report)


def guess_format(path: Path) -> str:
    name = path.name.lower()
    if name.endswith((".osm.pbf", ".pbf", ".osm")):
        return "osm"
    if name.endswith((".geojson", ".json")):
        return "geojson"
    return "csv"
