"""Load a county's regions, organisations and locations from its data folder.

A tenant folder (tenants/<slug>/) holds:
  tenant.yaml         the state, the county and the standard municipal units
  regions.csv         Verbandsgemeinden and municipalities with AGS/ARS, postcodes, coordinates
  organisations.yaml  organisations with their org-unit tree and locations

Loading is idempotent: rows are matched by their natural keys (ARS, key) and only
written when a value differs, so a second run reports zero changes.
"""

from __future__ import annotations

import csv
import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml
from django.db import models, transaction

from .models import Location, OpeningHours, Organisation, OrgUnit, Region, RegionPostcode, Tenant

WEEKDAY_CODES = {"mo": 0, "di": 1, "mi": 2, "do": 3, "fr": 4, "sa": 5, "so": 6}


class TenantDataError(ValueError):
    """The tenant's data files are inconsistent; the message says where."""


@dataclass
class LoadReport:
    created: int = 0
    updated: int = 0
    deleted: int = 0
    details: list[str] = field(default_factory=list)
    messages: list[str] = field(default_factory=list)  # lines for the person loading

    def write(self, text: str) -> None:
        """Demo steps say what they made (logins, sample cases): shown by `load_tenant`."""
        self.messages.append(text)

    @property
    def changes(self) -> int:
        return self.created + self.updated + self.deleted

    def merge(self, other: LoadReport) -> None:
        self.created += other.created
        self.updated += other.updated
        self.deleted += other.deleted
        self.details.extend(other.details)
        self.messages.extend(other.messages)


def read_yaml(path: Path) -> Any:
    try:
        with path.open(encoding="utf-8") as fh:
            return yaml.safe_load(fh) or {}
    except FileNotFoundError as exc:
        raise TenantDataError(f"{path}: file missing") from exc
    except yaml.YAMLError as exc:
        raise TenantDataError(f"{path}: not valid YAML ({exc})") from exc


def upsert(
    model: type[models.Model], report: LoadReport, lookup: dict, values: dict
) -> models.Model:
    """Create or update one row, writing only when a value differs."""
    obj = model.objects.filter(**lookup).first()
    if obj is None:
        obj = model.objects.create(**lookup, **values)
        report.created += 1
        return obj
    changed = [name for name, value in values.items() if getattr(obj, name) != value]
    if changed:
        for name in changed:
            setattr(obj, name, values[name])
        obj.save(update_fields=changed)
        report.updated += 1
        report.details.append(f"updated {model.__name__} {lookup}: {', '.join(changed)}")
    return obj


def sync_set(manager, wanted: set, report: LoadReport) -> None:
    """Make a many-to-many relation hold exactly `wanted` (a set of objects)."""
    current = set(manager.all())
    if current != wanted:
        manager.set(wanted)
        report.updated += 1


def _float(value: Any) -> float | None:
    if value in (None, ""):
        return None
    return round(float(value), 6)


def _date(value: Any) -> dt.date | None:
    if value in (None, ""):
        return None
    if isinstance(value, dt.date):
        return value
    return dt.date.fromisoformat(str(value))


def _time(value: str) -> dt.time:
    return dt.time.fromisoformat(str(value))


def _region_values(data: dict, kind: str, parent: Region | None) -> dict:
    population = data.get("population")
    return {
        "kind": kind,
        "name": data["name"],
        "ags": str(data.get("ags") or ""),
        "parent": parent,
        "municipality_kind": data.get("municipality_kind", ""),
        "population": int(population) if population not in (None, "") else None,
        "population_date": _date(data.get("population_date")),
        "lat": _float(data.get("lat")),
        "lon": _float(data.get("lon")),
        "source": data.get("source", ""),
    }


def sync_postcodes(region: Region, codes: list[str], report: LoadReport) -> None:
    wanted = {c.strip() for c in codes if c.strip()}
    for code in wanted:
        if len(code) != 5 or not code.isdigit():
            raise TenantDataError(f"{region.name}: postcode {code!r} is not 5 digits")
    current = set(region.postcodes.values_list("code", flat=True))
    for code in sorted(wanted - current):
        RegionPostcode.objects.create(region=region, code=code)
        report.created += 1
    stale = current - wanted
    if stale:
        report.deleted += region.postcodes.filter(code__in=stale).delete()[0]


def load_regions(folder: Path, config: dict, report: LoadReport) -> Region:
    state_cfg, county_cfg = config["state"], config["county"]
    state = upsert(
        Region, report, {"ars": state_cfg["ars"]}, _region_values(state_cfg, "state", None)
    )
    county = upsert(
        Region, report, {"ars": county_cfg["ars"]}, _region_values(county_cfg, "county", state)
    )
    path = folder / "regions.csv"
    try:
        with path.open(encoding="utf-8", newline="") as fh:
            rows = list(csv.DictReader(fh))
    except FileNotFoundError as exc:
        raise TenantDataError(f"{path}: file missing") from exc
    # Verbandsgemeinden first, so members can point at them.
    rows.sort(key=lambda r: 0 if r.get("kind") == "verbandsgemeinde" else 1)
    for line, row in enumerate(rows, start=2):
        ars = (row.get("ars") or "").strip()
        kind = (row.get("kind") or "").strip()
        if len(ars) != 12 or not ars.isdigit() or not ars.startswith(county.ars[:5]):
            raise TenantDataError(f"{path}:{line}: ARS {ars!r} is not a 12-digit key of the county")
        if kind not in ("verbandsgemeinde", "municipality"):
            raise TenantDataError(f"{path}:{line}: unknown kind {kind!r}")
        parent = county
        if row.get("parent_ars"):
            parent = Region.objects.filter(ars=row["parent_ars"].strip()).first()
            if parent is None:
                raise TenantDataError(f"{path}:{line}: parent {row['parent_ars']} not found")
        values = _region_values(row, kind, parent)
        values["municipality_kind"] = row.get("municipality_kind", "") or ""
        region = upsert(Region, report, {"ars": ars}, values)
        sync_postcodes(region, (row.get("postcodes") or "").split(";"), report)
    return county


def find_region(key: str) -> Region:
    key = str(key).strip()
    region = Region.objects.filter(ars=key).first() if len(key) == 12 else None
    region = region or Region.objects.filter(ags=key).first()
    if region is None:
        raise TenantDataError(f"region {key!r} not found (give an AGS or a 12-digit ARS)")
    return region


def sync_opening_hours(location: Location, specs: list[dict], report: LoadReport) -> None:
    wanted = set()
    for spec in specs or []:
        for day in spec.get("days", []):
            if day not in WEEKDAY_CODES:
                raise TenantDataError(f"{location.key}: unknown weekday {day!r}")
            opens, closes = _time(spec["opens"]), _time(spec["closes"])
            if closes <= opens:
                raise TenantDataError(f"{location.key}: {day} closes before it opens")
            wanted.add((WEEKDAY_CODES[day], opens, closes))
    current = {(h.weekday, h.opens, h.closes): h for h in location.opening_hours.all()}
    for item in wanted - current.keys():
        OpeningHours.objects.create(
            location=location, weekday=item[0], opens=item[1], closes=item[2]
        )
        report.created += 1
    for item in current.keys() - wanted:
        current[item].delete()
        report.deleted += 1


def load_locations(org: Organisation, specs: list[dict], report: LoadReport) -> None:
    for spec in specs or []:
        location = upsert(
            Location,
            report,
            {"key": spec["key"]},
            {
                "organisation": org,
                "name": spec["name"],
                "street": spec.get("street", ""),
                "postcode": str(spec.get("postcode", "")),
                "city": spec.get("city", ""),
                "lat": _float(spec.get("lat")),
                "lon": _float(spec.get("lon")),
                "phone": spec.get("phone") or "",
                "email": spec.get("email") or "",
                "accessibility": spec.get("accessibility") or "",
                "hours_note": spec.get("hours_note") or "",
            },
        )
        sync_opening_hours(location, spec.get("opening_hours"), report)


def _location_set(keys: list[str], where: str) -> set[Location]:
    found = set(Location.objects.filter(key__in=keys or []))
    missing = set(keys or []) - {loc.key for loc in found}
    if missing:
        raise TenantDataError(f"{where}: unknown location(s) {sorted(missing)}")
    return found


def load_units(
    org: Organisation, specs: list[dict], parent: OrgUnit | None, report: LoadReport
) -> None:
    for spec in specs or []:
        unit = upsert(
            OrgUnit,
            report,
            {"key": spec["key"]},
            {
                "organisation": org,
                "parent": parent,
                "name": spec["name"],
                "kind": spec.get("kind", OrgUnit.Kind.SACHGEBIET),
                "role": spec.get("role", ""),
                "email": spec.get("email") or "",
                "phone": spec.get("phone") or "",
            },
        )
        sync_set(unit.locations, _location_set(spec.get("locations"), unit.key), report)
        load_units(org, spec.get("units"), unit, report)


def standard_units(org: Organisation, spec: dict, templates: list[dict], report: LoadReport):
    """Give a municipal administration the standard units (Bürgerbüro, Standesamt, …)."""
    location_keys = spec.get("units_locations") or [
        loc["key"] for loc in (spec.get("locations") or [])[:1]
    ]
    locations = _location_set(location_keys, org.key)
    for template in templates:
        unit = upsert(
            OrgUnit,
            report,
            {"key": f"{org.key}-{template['role']}"},
            {
                "organisation": org,
                "parent": None,
                "name": template["name"],
                "kind": template.get("kind", OrgUnit.Kind.OFFICE),
                "role": template["role"],
                "email": "",
                "phone": "",
            },
        )
        sync_set(unit.locations, locations, report)


def load_organisations(folder: Path, config: dict, report: LoadReport) -> None:
    data = read_yaml(folder / "organisations.yaml")
    templates = config.get("municipal_units", [])
    specs = data.get("organisations", [])
    keys = [spec.get("key") for spec in specs]
    duplicates = {k for k in keys if keys.count(k) > 1}
    if duplicates:
        raise TenantDataError(f"organisations.yaml: duplicate keys {sorted(duplicates)}")
    for spec in specs:
        org = upsert(
            Organisation,
            report,
            {"key": spec["key"]},
            {
                "name": spec["name"],
                "short_name": spec.get("short_name", ""),
                "kind": spec["kind"],
                "region": find_region(spec["region"]),
                "website": spec.get("website") or "",
                "email": spec.get("email") or "",
                "phone": spec.get("phone") or "",
                "source": spec.get("source") or "",
            },
        )
        load_locations(org, spec.get("locations"), report)
    # Units after all locations exist: a unit may receive visitors in another org's building.
    for spec in specs:
        org = Organisation.objects.get(key=spec["key"])
        load_units(org, spec.get("units"), None, report)
        if spec["kind"] in ("municipal_administration", "verbandsgemeinde_administration"):
            standard_units(org, spec, templates, report)


@transaction.atomic
def load_structure(folder: Path) -> tuple[Tenant, LoadReport]:
    """Load regions, organisations and locations of one tenant folder."""
    report = LoadReport()
    config = read_yaml(folder / "tenant.yaml")
    for required in ("slug", "name", "state", "county"):
        if required not in config:
            raise TenantDataError(f"{folder / 'tenant.yaml'}: '{required}' missing")
    county = load_regions(folder, config, report)
    load_organisations(folder, config, report)
    administration = None
    if config.get("administration"):
        administration = Organisation.objects.filter(key=config["administration"]).first()
        if administration is None:
            raise TenantDataError(
                f"tenant.yaml: administration {config['administration']!r} unknown"
            )
    tenant = upsert(
        Tenant,
        report,
        {"slug": config["slug"]},
        {
            "name": config["name"],
            "region": county,
            "administration": administration,
            "website": config.get("website", ""),
            "seat": config.get("seat", ""),
        },
    )
    return tenant, report
