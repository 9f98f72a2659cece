"""County data of the Harz-Kompass (owner: D1): tenants/<slug>/directory.yaml and
tenants/<slug>/directory/ (places.csv, places.geojson).

    holidays: ST                 # optional: the Land (ISO 3166-2 code without "DE-"); must be
                                 # the Land of tenant.yaml (hours.py takes it from there)
    categories:
      - {slug: grundschule, name: Grundschule, name_en: Primary school, group: education, order: 10}
    osm_tags:                    # OSM tags → category, the most specific matching rule wins
      - {tags: {amenity: school, "isced:level": "1"}, category: grundschule}
      - {tags: {amenity: school}, category: schule}
      - {tags: {leisure: "sports_hall|sports_centre"}, category: sporthalle}   # "|": one of
      - {tags: {healthcare: "*"}, category: arztpraxis}                          # "*": any value

Places: directory/places.csv (and directory/places.geojson if present) in the importer's
format (imports.py), strict: one bad row stops the load with the file and line named, so
`load_tenant --check` reports it and nothing is written. Categories and places are upserted
by their natural keys (slug; source + id). After the load every place's OpenInterval rows
are rebuilt (a few thousand rows; not counted as changes).
"""

from __future__ import annotations

from pathlib import Path

import holidays as holidays_lib
from django.conf import settings

from openkreis.core.loader import LoadReport, TenantDataError, read_yaml, upsert

from . import hours, imports, routes
from .models import Category

FILE = "directory.yaml"
FOLDER = "directory"
GROUPS = {value for value, _label in Category.Group.choices}


def load(tenant, folder: Path, report: LoadReport) -> None:
    path = Path(folder) / FILE
    if not path.exists():
        return
    data = read_yaml(path)
    if not isinstance(data, dict):
        raise TenantDataError(f"{path}: expected a mapping with categories and osm_tags")
    _check_holidays(path, data.get("holidays"), tenant)
    slugs = _load_categories(path, data.get("categories"), report)
    _tag_rules(path, data.get("osm_tags"), slugs)
    _load_places(Path(folder) / FOLDER, report)
    hours.forget_cached_subdivision()
    hours.rebuild_intervals()
    routes.load(tenant, folder, report)  # tenants/<slug>/routes/*.gpx (D3)


def _check_holidays(path: Path, value, tenant) -> None:
    if value in (None, ""):
        return
    code = str(value).upper().removeprefix("DE-")
    if code not in holidays_lib.Germany.subdivisions:
        raise TenantDataError(
            f"{path}: holidays: {value!r} is not a German Land "
            f"(one of {', '.join(holidays_lib.Germany.subdivisions)})"
        )
    if tenant is not None:
        state = next((r for r in tenant.region.ancestors_and_self() if r.kind == "state"), None)
        land = hours.LAND_SUBDIVISIONS.get((state.ags if state else "")[:2])
        if land and land != code:
            raise TenantDataError(
                f"{path}: holidays: {code} but the county lies in {state.name} ({land}); "
                "public holidays follow the Land of tenant.yaml"
            )


def _load_categories(path: Path, items, report: LoadReport) -> set[str]:
    if not isinstance(items, list) or not items:
        raise TenantDataError(f"{path}: categories: a list of categories is needed")
    seen: set[str] = set()
    for number, item in enumerate(items, start=1):
        where = f"{path}: categories[{number}]"
        if not isinstance(item, dict):
            raise TenantDataError(f"{where}: expected slug, name, group")
        slug = str(item.get("slug") or "")
        if not slug or not slug.replace("-", "").isalnum() or slug != slug.lower():
            raise TenantDataError(f"{where}: slug {slug!r} must be lower-case letters, digits, -")
        if slug in seen:
            raise TenantDataError(f"{where}: slug {slug!r} is used twice")
        seen.add(slug)
        if not item.get("name"):
            raise TenantDataError(f"{where} ({slug}): name is missing")
        group = item.get("group")
        if group not in GROUPS:
            raise TenantDataError(
                f"{where} ({slug}): group {group!r} unknown (one of {', '.join(sorted(GROUPS))})"
            )
        order = item.get("order", number * 10)
        if not isinstance(order, int) or order < 0:
            raise TenantDataError(f"{where} ({slug}): order must be a whole number ≥ 0")
        upsert(
            Category,
            report,
            {"slug": slug},
            {
                "name": str(item["name"])[:120],
                "name_en": str(item.get("name_en") or "")[:120],
                "group": group,
                "order": order,
            },
        )
    return seen


def _tag_rules(path: Path, items, slugs: set[str] | None = None) -> list:
    """The osm_tags list as [(conditions, category slug), …], checked."""
    if items in (None, ""):
        return []
    if not isinstance(items, list):
        raise TenantDataError(f"{path}: osm_tags: expected a list of {{tags: …, category: …}}")
    rules = []
    for number, item in enumerate(items, start=1):
        where = f"{path}: osm_tags[{number}]"
        if not isinstance(item, dict) or not isinstance(item.get("tags"), dict) or not item["tags"]:
            raise TenantDataError(f"{where}: expected {{tags: {{key: value}}, category: slug}}")
        category = str(item.get("category") or "")
        if slugs is not None and category not in slugs:
            raise TenantDataError(f"{where}: category {category!r} is not in categories")
        rules.append(({str(k): str(v) for k, v in item["tags"].items()}, category))
    return rules


def osm_tag_rules(folder: Path | None = None) -> list:
    """The tenant's OSM tag → category rules (for `import_places --format osm`)."""
    folder = Path(folder or Path(settings.OPENKREIS_TENANTS_DIR) / settings.OPENKREIS_TENANT)
    path = folder / FILE
    if not path.exists():
        return []
    data = read_yaml(path)
    slugs = {str(c.get("slug")) for c in data.get("categories") or [] if isinstance(c, dict)}
    return _tag_rules(path, data.get("osm_tags"), slugs)


def _load_places(folder: Path, report: LoadReport) -> None:
    for name, fmt in (("places.csv", "csv"), ("places.geojson", "geojson")):
        path = folder / name
        if not path.exists():
            continue
        try:
            result = imports.import_file(path, fmt, strict=True)
        except imports.PlaceImportError as exc:
            raise TenantDataError(f"{path}: {exc}") from exc
        report.created += result.created
        report.updated += result.updated
        if result.updated:
            report.details.append(f"updated {result.updated} places from {path.name}")
