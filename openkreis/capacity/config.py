"""County data for the Kapazitätsfinder: tenants/<slug>/capacity.yaml.

    settings: {max_wishes: 5, offer_days: 14, retention_days: 730}
    rules:                                  # priority points (docs/capacity.md)
      default: {residence: 10, sibling: 6, hardship: 8, single_parent: 3, working_parents: 2}
      municipalities:
        "150850370370": {residence: 10, sibling: 12}   # Wernigerode: siblings first
    kitas:
      - key: wr-sonnenschein
        name: Kita Sonnenschein
        provider: Stadt Wernigerode
        municipality: "150850370370"        # ARS
        street: …, postcode: "38855", town: Wernigerode, lat: 51.83, lon: 10.78
        opening_hours: "Mo–Fr 6:00–17:00", max_hours: 10
        languages: [Deutsch, Englisch], inclusion: true, concept: "…"
        groups: {krippe: 24, kindergarten: 60}   # licensed places per age group

Kitas no longer listed are deactivated (their applications and offers stay). A county
without capacity.yaml has no Kapazitätsfinder.
"""

from __future__ import annotations

from pathlib import Path

from openkreis.core.loader import LoadReport, TenantDataError, read_yaml, upsert
from openkreis.core.models import Region

from . import providers
from .allocation import MAX_POINTS
from .models import AgeGroup, Kita, KitaGroup, Rules

FILE = "capacity.yaml"
CRITERIA = ("residence", "sibling", "hardship", "single_parent", "working_parents")


def load(tenant, folder: Path, report: LoadReport) -> None:
    path = folder / FILE
    if not path.exists():
        return
    data = read_yaml(path)
    county = tenant.region if tenant is not None else None
    _load_rules(path, data, report, county)
    _load_kitas(path, data, report, county)
    providers.load(tenant, folder, report)  # doctor slots and holiday rooms


def _municipality(path: Path, where: str, ars, county: Region | None) -> Region:
    qs = Region.objects.filter(kind=Region.Kind.MUNICIPALITY, ars=str(ars or ""))
    if county is not None:
        qs = qs.filter(ars__startswith=county.ars[:5])
    region = qs.first()
    if region is None:
        raise TenantDataError(f"{path}: {where}: unknown municipality {ars!r} (ARS, 12 digits)")
    return region


def _points(path: Path, where: str, spec) -> dict[str, int]:
    if not isinstance(spec, dict):
        raise TenantDataError(f"{path}: {where}: points must be a mapping criterion → points")
    points = {}
    for criterion, value in spec.items():
        if criterion not in CRITERIA:
            raise TenantDataError(
                f"{path}: {where}: unknown criterion {criterion!r} (known: {', '.join(CRITERIA)})"
            )
        if not isinstance(value, int) or isinstance(value, bool) or not 0 <= value <= 1000:
            raise TenantDataError(f"{path}: {where}: {criterion} must be a whole number 0–1000")
        points[criterion] = value
    if sum(points.values()) >= MAX_POINTS:
        raise TenantDataError(f"{path}: {where}: too many points")
    return points


def _load_rules(path: Path, data: dict, report: LoadReport, county) -> None:
    settings = data.get("settings") or {}
    values = {}
    for name, low, high in (
        ("max_wishes", 1, 10),
        ("offer_days", 3, 60),
        ("retention_days", 30, 3650),
    ):
        value = settings.get(name, Rules._meta.get_field(name).default)
        if not isinstance(value, int) or isinstance(value, bool) or not low <= value <= high:
            raise TenantDataError(f"{path}: settings: {name} must be a whole number {low}–{high}")
        values[name] = value
    rules = data.get("rules") or {}
    upsert(
        Rules,
        report,
        {"region": None},
        {"points": _points(path, "rules: default", rules.get("default") or {}), **values},
    )
    wanted = set()
    for ars, spec in (rules.get("municipalities") or {}).items():
        region = _municipality(path, "rules: municipalities", ars, county)
        upsert(Rules, report, {"region": region}, {"points": _points(path, f"rules: {ars}", spec)})
        wanted.add(region.pk)
    stale = Rules.objects.exclude(region=None).exclude(region_id__in=wanted)
    report.deleted += stale.count()
    stale.delete()


def _load_kitas(path: Path, data: dict, report: LoadReport, county) -> None:
    seen = set()
    for item in data.get("kitas") or []:
        key = str(item.get("key") or "").strip()
        name = str(item.get("name") or "").strip()
        if not key or not name:
            raise TenantDataError(f"{path}: kitas: an entry has no key or name ({item!r})")
        if key in seen:
            raise TenantDataError(f"{path}: kitas: {key} listed twice")
        seen.add(key)
        where = f"kitas: {key}"
        region = _municipality(path, where, item.get("municipality"), county)
        lat, lon = item.get("lat"), item.get("lon")
        if (lat is None) != (lon is None) or (
            lat is not None and not (47 <= float(lat) <= 56 and 5 <= float(lon) <= 16)
        ):
            raise TenantDataError(f"{path}: {where}: lat/lon missing one or outside Germany")
        languages = item.get("languages") or []
        kita = upsert(
            Kita,
            report,
            {"key": key},
            {
                "name": name,
                "provider": str(item.get("provider") or ""),
                "municipality": region,
                "street": str(item.get("street") or ""),
                "postcode": str(item.get("postcode") or ""),
                "town": str(item.get("town") or region.name),
                "lat": float(lat) if lat is not None else None,
                "lon": float(lon) if lon is not None else None,
                "opening_hours": str(item.get("opening_hours") or ""),
                "max_hours": int(item.get("max_hours") or 10),
                "concept": str(item.get("concept") or ""),
                "languages": ", ".join(languages)
                if isinstance(languages, list)
                else str(languages),
                "inclusion": bool(item.get("inclusion")),
                "email": str(item.get("email") or ""),
                "phone": str(item.get("phone") or ""),
                "url": str(item.get("url") or ""),
                "active": True,
            },
        )
        groups = item.get("groups") or {}
        if not isinstance(groups, dict) or not groups:
            raise TenantDataError(f"{path}: {where}: groups (age group → places) missing")
        for group, places in groups.items():
            if group not in AgeGroup.values:
                raise TenantDataError(
                    f"{path}: {where}: unknown age group {group!r} ({', '.join(AgeGroup.values)})"
                )
            if not isinstance(places, int) or isinstance(places, bool) or not 0 <= places <= 1000:
                raise TenantDataError(f"{path}: {where}: places of {group} must be 0–1000")
            upsert(KitaGroup, report, {"kita": kita, "age_group": group}, {"places": places})
        stale = kita.groups.exclude(age_group__in=list(groups)).filter(offers=None)
        report.deleted += stale.count()
        stale.delete()
    gone = Kita.objects.filter(active=True).exclude(key__in=seen)
    report.updated += gone.update(active=False)
