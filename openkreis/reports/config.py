"""County data for the Mängelmelder: tenants/<slug>/reports.yaml and the area polygons.

    areas: reports/areas.geojson      # FeatureCollection, property `ars` (or `ags`) per feature
                                      # reports/places.csv (optional): Ortsteile for the place
                                      # search (name, municipality ARS, lat, lon; geocoding.py)
    default: {role: ordnungsamt}      # where a category without its own route goes
    categories:
      - key: strasse
        name: Straßenschäden
        name_en: Road damage
        target_days: 20                # optional: target time to fix (overdue after)
        route: {role: bauamt}          # the municipality's (or Verbandsgemeinde's) unit …
      - key: abfall
        route: {unit: abfallwirtschaft}  # … or one unit for the whole county
        municipalities: ["150850135135"]  # optional: offered only there
    routes:                             # exceptions for one category in one municipality
      - {category: strasse, municipality: "150850135135", unit: gem-halberstadt-bauamt}
    bodies:                             # other bodies to forward to (shown publicly)
      - {key: lsbb, name: Landesstraßenbaubehörde Sachsen-Anhalt, contact: "…", url: "…",
         email: "…"}                   # optional: gets the public facts of a forwarded report
    templates:                          # public texts staff start from
      - {key: fixed-done, status: fixed, title: Behoben, text: "…"}

The step expands everything into `Route` rows (category × area → unit) and fails with the
file and entry when a unit, a municipality or a route is missing: every category must reach
a unit in every area where it is offered.
"""

from __future__ import annotations

import json
from pathlib import Path

from django.core.exceptions import ValidationError
from django.core.validators import validate_email

from openkreis.core.loader import LoadReport, TenantDataError, read_yaml, sync_set, upsert
from openkreis.core.models import OrgUnit, Region
from openkreis.core.services import administration_for, unit_with_role

from . import geo, geocoding, roads, workflow
from .models import Area, Body, Category, Route, StatusTemplate

FILE = "reports.yaml"


def load(tenant, folder: Path, report: LoadReport) -> None:
    path = folder / FILE
    if not path.exists():
        return  # a county without a Mängelmelder
    data = read_yaml(path)
    areas_file = data.get("areas")
    if not areas_file:
        raise TenantDataError(f"{path}: 'areas' (the GeoJSON file of the municipalities) missing")
    county = tenant.region if tenant is not None else None
    load_areas(folder / areas_file, report, county=county)
    geocoding.check_places(folder)  # the place search's gazetteer (read by geocoding.local)
    geocoding.local.reset()
    categories = _load_categories(path, data, report)
    _load_routes(path, data, categories, report, county=county)
    _load_templates(path, data, report)
    _load_bodies(path, data, report)
    _load_roads(folder, path, data, categories)
    geo.forget()


def municipalities(county: Region | None):
    qs = Region.objects.filter(kind=Region.Kind.MUNICIPALITY)
    if county is not None:
        qs = qs.filter(ars__startswith=county.ars[:5])
    return qs


def read_features(path: Path) -> list[dict]:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError as exc:
        raise TenantDataError(f"{path}: file missing") from exc
    except (ValueError, UnicodeDecodeError) as exc:
        raise TenantDataError(f"{path}: not valid GeoJSON ({exc})") from exc
    if not isinstance(data, dict) or data.get("type") != "FeatureCollection":
        raise TenantDataError(f"{path}: a GeoJSON FeatureCollection is expected")
    return data.get("features") or []


def load_areas(
    path: Path, report: LoadReport, *, county: Region | None = None, require_all: bool = True
) -> int:
    """Upsert one Area per feature (matched by the property ars/ARS or ags/AGS); with
    `require_all`, every municipality of the county must have one."""
    seen = set()
    for index, feature in enumerate(read_features(path)):
        where = f"{path}: feature {index}"
        props = (feature or {}).get("properties") or {}
        key = {k.lower(): v for k, v in props.items()}
        region = None
        if key.get("ars"):
            region = Region.objects.filter(ars=str(key["ars"]).strip()).first()
        elif key.get("ags"):
            region = Region.objects.filter(
                ags=str(key["ags"]).strip(), kind=Region.Kind.MUNICIPALITY
            ).first()
        if region is None:
            raise TenantDataError(f"{where}: no municipality with ARS/AGS {props!r}")
        try:
            geo.geometry_of(feature.get("geometry"))
        except (ValueError, TypeError, AttributeError) as exc:
            raise TenantDataError(f"{where} ({region.name}): {exc}") from exc
        official = not bool(key.get("approximate"))
        source = str(key.get("source") or "")
        area = Area.objects.filter(region=region).first()
        values = {"geometry": feature["geometry"], "official": official, "source": source}
        if area is None:
            Area.objects.create(region=region, **values)
            report.created += 1
        elif any(getattr(area, k) != v for k, v in values.items()):
            for k, v in values.items():
                setattr(area, k, v)
            area.save()  # the full save moves updated_at, so every process reloads polygons
            report.updated += 1
        seen.add(region.pk)
    if require_all:
        missing = municipalities(county).exclude(pk__in=seen).values_list("name", flat=True)
        if missing:
            raise TenantDataError(f"{path}: no polygon for {', '.join(sorted(missing))}")
    geo.forget()
    return len(seen)


def _unit(path, where, key) -> OrgUnit:
    unit = OrgUnit.objects.filter(key=key).first()
    if unit is None:
        raise TenantDataError(f"{path}: {where}: unknown org unit {key!r}")
    return unit


def _check_route(path, where, spec) -> dict:
    if not isinstance(spec, dict) or len({"unit", "role"} & set(spec)) != 1:
        raise TenantDataError(f"{path}: {where}: a route is {{unit: <key>}} or {{role: <role>}}")
    if "unit" in spec:
        _unit(path, where, spec["unit"])
    return spec


def _load_categories(path, data, report) -> list[tuple[Category, dict]]:
    result = []
    keys = []
    for position, spec in enumerate(data.get("categories") or []):
        where = f"categories[{position}]"
        if not isinstance(spec, dict) or not spec.get("key") or not spec.get("name"):
            raise TenantDataError(f"{path}: {where}: 'key' and 'name' are required")
        keys.append(spec["key"])
        target = spec.get("target_days")
        if target is not None and (
            isinstance(target, bool) or not isinstance(target, int) or not 1 <= target <= 365
        ):
            raise TenantDataError(f"{path}: {where}: 'target_days' is a whole number 1–365")
        category = upsert(
            Category,
            report,
            {"key": spec["key"]},
            {
                "name": spec["name"],
                "name_en": spec.get("name_en", ""),
                "hint": spec.get("hint", ""),
                "hint_en": spec.get("hint_en", ""),
                "position": position,
                "active": bool(spec.get("active", True)),
                "target_days": target,
            },
        )
        wanted = set()
        for ars in spec.get("municipalities") or []:
            region = Region.objects.filter(ars=str(ars), kind=Region.Kind.MUNICIPALITY).first()
            if region is None:
                raise TenantDataError(f"{path}: {where}: unknown municipality {ars!r}")
            wanted.add(region)
        sync_set(category.regions, wanted, report)
        route = spec.get("route")
        result.append((category, _check_route(path, where, route) if route else None))
    if not result:
        raise TenantDataError(f"{path}: no categories")
    stale = Category.objects.exclude(key__in=keys).filter(active=True)
    report.updated += stale.update(active=False)
    return result


def resolve(spec: dict, region: Region) -> OrgUnit | None:
    """The unit a route spec names for a municipality."""
    if "unit" in spec:
        return OrgUnit.objects.filter(key=spec["unit"]).first()
    administration = administration_for(region)
    return unit_with_role(administration, spec["role"]) if administration else None


def _load_routes(path, data, categories, report, *, county) -> None:
    default = data.get("default")
    if default is not None:
        _check_route(path, "default", default)
    overrides = {}
    for index, spec in enumerate(data.get("routes") or []):
        where = f"routes[{index}]"
        if not isinstance(spec, dict) or not spec.get("category") or not spec.get("municipality"):
            raise TenantDataError(f"{path}: {where}: 'category' and 'municipality' are required")
        _check_route(path, where, spec)
        overrides[(spec["category"], str(spec["municipality"]))] = spec
    areas = list(Area.objects.select_related("region").filter(region__in=municipalities(county)))
    wanted = set()
    for category, spec in categories:
        offered = {r.pk for r in category.regions.all()}
        for area in areas:
            if offered and area.region_id not in offered:
                continue
            rule = overrides.get((category.key, area.region.ars)) or spec or default
            if rule is None:
                raise TenantDataError(
                    f"{path}: category {category.key!r} has no route and no default"
                )
            unit = resolve(rule, area.region)
            if unit is None:
                raise TenantDataError(
                    f"{path}: category {category.key!r}: no unit for {area.region.name} ({rule})"
                )
            route = upsert(Route, report, {"category": category, "area": area}, {"unit": unit})
            wanted.add(route.pk)
    stale = Route.objects.exclude(pk__in=wanted)
    if stale.exists():
        report.deleted += stale.count()
        stale.delete()


def _load_templates(path, data, report) -> None:
    statuses = set(workflow.TRANSITIONS)
    for position, spec in enumerate(data.get("templates") or []):
        where = f"templates[{position}]"
        if not isinstance(spec, dict) or not all(spec.get(k) for k in ("key", "status", "text")):
            raise TenantDataError(f"{path}: {where}: 'key', 'status' and 'text' are required")
        if spec["status"] not in statuses:
            raise TenantDataError(f"{path}: {where}: unknown status {spec['status']!r}")
        upsert(
            StatusTemplate,
            report,
            {"key": spec["key"]},
            {
                "status": spec["status"],
                "title": spec.get("title") or spec["key"],
                "text": spec["text"],
                "position": position,
            },
        )


def _load_bodies(path, data, report) -> None:
    keys = []
    for position, spec in enumerate(data.get("bodies") or []):
        where = f"bodies[{position}]"
        if not isinstance(spec, dict) or not spec.get("key") or not spec.get("name"):
            raise TenantDataError(f"{path}: {where}: 'key' and 'name' are required")
        keys.append(spec["key"])
        email = str(spec.get("email") or "").strip()
        if email:
            try:
                validate_email(email)
            except ValidationError as exc:
                raise TenantDataError(f"{path}: {where}: 'email' is not an e-mail address") from exc
        upsert(
            Body,
            report,
            {"key": spec["key"]},
            {
                "name": spec["name"],
                "name_en": spec.get("name_en", ""),
                "contact": spec.get("contact", ""),
                "url": spec.get("url", ""),
                "email": email,
                "position": position,
                "active": True,
            },
        )
    report.updated += Body.objects.exclude(key__in=keys).filter(active=True).update(active=False)


def _load_roads(folder: Path, path: Path, data, categories) -> None:
    """Check the road layer (`roads:`, see reports/roads.py): the file, every feature's class
    and geometry, and that every route names a known unit or body and every category exists.
    The layer itself is read from the tenant folder at routing time (not stored)."""
    spec = data.get("roads")
    roads.forget()
    if spec is None:
        return
    layer = roads.read_layer(folder, spec)
    known = {category.key for category, _route in categories}
    unknown = sorted(layer.categories - known)
    if unknown:
        raise TenantDataError(f"{path}: roads: unknown categories {', '.join(unknown)}")
    bodies = {str(b.get("key")) for b in data.get("bodies") or [] if isinstance(b, dict)}
    for road_class, route in layer.routes.items():
        where = f"roads.classes.{road_class}"
        if "unit" in route:
            _unit(path, where, route["unit"])
        elif route["body"] not in bodies:
            raise TenantDataError(f"{path}: {where}: unknown body {route['body']!r}")
