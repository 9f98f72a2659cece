"""Public functions of the catalogue: read services, resolve competence, search, load data."""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

from django.conf import settings
from django.db import transaction
from django.db.models import Count, Max, Prefetch
from django.utils import timezone

from openkreis.core import event_kinds
from openkreis.core import services as core
from openkreis.core.loader import LoadReport, TenantDataError, read_yaml, sync_set, upsert
from openkreis.core.models import Event, Location, Organisation, OrgUnit, Region, Tenant

from . import search as search_engine
from .models import Competence, LifeEvent, OzgTopic, SearchSynonym, Service

SLUG_RE = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
LEIKA_RE = re.compile(r"^99\d{12}$")


class UnknownService(LookupError):
    """No service with that slug in this tenant's catalogue."""


# -- reading -------------------------------------------------------------------------------
def published_services(tenant: Tenant):
    return Service.objects.filter(tenant=tenant)


def get_service(tenant: Tenant, slug: str) -> Service:
    """One service with everything its page shows, or UnknownService."""
    service = (
        Service.objects.filter(tenant=tenant, slug=slug).prefetch_related("life_events").first()
    )
    if service is None:
        raise UnknownService(slug)
    return service


def most_used(tenant: Tenant, limit: int = 8) -> list[Service]:
    """The county's most used services (not other authorities' services it points to)."""
    services = published_services(tenant).exclude(level=Service.Level.EXTERNAL)
    return list(services.order_by("-popularity", "name")[:limit])


def life_events(tenant: Tenant):
    return LifeEvent.objects.filter(tenant=tenant).annotate(service_count=Count("services"))


# -- competence ----------------------------------------------------------------------------
@dataclass
class CompetenceAnswer:
    """Who is responsible for a service in a municipality, and where to go."""

    service: Service
    region: Region
    org_unit: OrgUnit
    location: Location | None
    other_locations: list[Location]

    @property
    def organisation(self) -> Organisation:
        return self.org_unit.organisation


# The models whose rows decide resolve_competence's answer (with the unit ↔ locations
# table): what a per-process cache of its answers (core.setupcache) watches.
COMPETENCE_MODELS = frozenset(
    {
        "catalog.Competence",
        "catalog.Service",
        "core.Region",
        "core.OrgUnit",
        "core.Organisation",
        "core.Location",
        "core.OrgUnit_locations",
    }
)


def resolve_competence(service: Service, region: Region) -> CompetenceAnswer | None:
    """The competent org unit for a service in a region (most specific region wins).

    None when nobody in the county is (an `external` service names its authority itself).
    """
    chain = region.ancestors_and_self()
    rows = {
        c.region_id: c
        for c in Competence.objects.filter(service=service, region__in=chain).select_related(
            "org_unit__organisation", "location"
        )
    }
    for node in chain:
        competence = rows.get(node.pk)
        if competence is None:
            continue
        unit = competence.org_unit
        locations = list(unit.locations.prefetch_related("opening_hours").order_by("name")) or list(
            unit.organisation.locations.prefetch_related("opening_hours").order_by("name")
        )
        chosen = competence.location or core.nearest_location(locations, region)
        others = sorted(
            (loc for loc in locations if loc != chosen),
            key=lambda loc: loc.distance_km(region.lat, region.lon),
        )
        return CompetenceAnswer(service, region, unit, chosen, others)
    return None


# -- search --------------------------------------------------------------------------------
def catalogue_version(tenant_id: int) -> tuple:
    """Changes whenever a service, a competence or a synonym group of the tenant changes."""
    stats = Service.objects.filter(tenant_id=tenant_id).aggregate(
        n=Count("id"), changed=Max("updated_at"), top=Max("id")
    )
    synonyms = SearchSynonym.objects.filter(tenant_id=tenant_id).aggregate(
        n=Count("id"), top=Max("id")
    )
    return (stats["n"], stats["changed"], stats["top"], synonyms["n"], synonyms["top"])


def search_entries(tenant_id: int) -> tuple[list[dict], list[list[str]]]:
    """The texts the search index is built from, one dict per service."""
    topic_labels = dict(OzgTopic.choices)
    units = {
        c.service_id: c.org_unit.name
        for c in Competence.objects.filter(service__tenant_id=tenant_id)
        .select_related("org_unit")
        .order_by("id")
    }
    entries = []
    services = Service.objects.filter(tenant_id=tenant_id).prefetch_related(
        Prefetch("life_events", queryset=LifeEvent.objects.only("name", "name_en"))
    )
    for service in services.iterator(chunk_size=2000):
        entries.append(
            {
                "id": service.id,
                "slug": service.slug,
                "name": service.name,
                "name_en": service.name_en,
                "popularity": service.popularity,
                "keywords": " ".join([*service.keywords, service.name_en]),
                "phrases": service.keywords,
                "summary": service.summary,
                "description": service.description,
                "life_events": " ".join(e.name for e in service.life_events.all()),
                "unit": units.get(service.id, "") or service.external_name,
                "topic": str(topic_labels.get(service.ozg_topic, "")),
            }
        )
    groups = list(SearchSynonym.objects.filter(tenant_id=tenant_id).values_list("terms", flat=True))
    return entries, groups


def clean_query(query: str | None) -> str:
    """Trim, drop control characters and cut overlong input; never raises."""
    query = "".join(ch for ch in (query or "") if ch.isprintable())
    return " ".join(query.split())[: settings.OPENKREIS_SEARCH_MAX_QUERY]


def search(tenant: Tenant, query: str, limit: int = 10, as_prefix: bool = True):
    """Services matching a query, best first (search.Hit objects)."""
    query = clean_query(query)
    if not query:
        return []
    return search_engine.active_backend().search(tenant.id, query, limit=limit, as_prefix=as_prefix)


SENSITIVE_RE = re.compile(r"\S+@\S+|\d")


def search_event(tenant: Tenant, query: str, result_count: int, top_slug: str = "") -> Event | None:
    """The (unsaved) event of a search for the cockpit with no personal data: no user, no
    IP, digits masked; None for a query that is empty once cleaned."""
    text = SENSITIVE_RE.sub("#", clean_query(query).lower())[:80]
    if not text:
        return None
    return Event(
        kind=event_kinds.PORTAL_SEARCH,
        data={"query": text, "results": result_count, "top": top_slug},
        tenant=tenant.slug,
        occurred_at=timezone.now(),
    )


def log_search(tenant: Tenant, query: str, result_count: int, top_slug: str = "") -> None:
    """Record a search for the cockpit (see search_event)."""
    event = search_event(tenant, query, result_count, top_slug)
    if event is not None:
        core.record_events([event])


def log_service_view(tenant: Tenant, service: Service) -> None:
    """Record that a service page was opened (no user, no IP), for the cockpit's top list."""
    core.record_event(
        event_kinds.PORTAL_SERVICE_VIEWED, data={"service": service.slug}, tenant=tenant.slug
    )


# -- loading -------------------------------------------------------------------------------
def _decimal(value) -> Decimal | None:
    if value in (None, ""):
        return None
    return Decimal(str(value)).quantize(Decimal("0.01"))


def _validate_service(spec: dict, where: str, life_event_slugs: set[str]) -> None:
    for required in ("slug", "name", "summary", "ozg_topic", "competence"):
        if not spec.get(required):
            raise TenantDataError(f"{where}: '{required}' missing")
    if not SLUG_RE.match(spec["slug"]):
        raise TenantDataError(f"{where}: slug {spec['slug']!r} must be lowercase-with-hyphens")
    leika = str(spec.get("leika") or "")
    if leika and not LEIKA_RE.match(leika):
        raise TenantDataError(f"{where}: LeiKa key {leika!r} must be 14 digits starting with 99")
    if spec["ozg_topic"] not in OzgTopic.values:
        raise TenantDataError(f"{where}: unknown OZG topic {spec['ozg_topic']!r}")
    if spec["competence"].get("level") not in Service.Level.values:
        raise TenantDataError(
            f"{where}: competence level must be state, county, municipality or external"
        )
    maturity = int(spec.get("maturity", 1))
    model = str(spec.get("maturity_model", "1.0"))
    if not (0 <= maturity <= (4 if model == "1.0" else 7)):
        raise TenantDataError(f"{where}: maturity {maturity} outside model {model}")
    unknown = set(spec.get("life_events") or []) - life_event_slugs
    if unknown:
        raise TenantDataError(f"{where}: unknown life events {sorted(unknown)}")
    _validate_external(spec, where)


EXTERNAL_KEYS = {"name", "article", "url"}
ARTICLES = {"", "der", "die", "das"}


def _validate_external(spec: dict, where: str) -> None:
    """An `external` service names its authority and offers nothing the county does."""
    external = spec.get("external")
    if spec["competence"].get("level") != Service.Level.EXTERNAL:
        if external:
            raise TenantDataError(f"{where}: 'external' needs competence level external")
        return
    if not isinstance(external, dict) or not external.get("name") or not external.get("url"):
        raise TenantDataError(f"{where}: competence level external needs external: {{name, url}}")
    unknown = set(external) - EXTERNAL_KEYS
    if unknown:
        raise TenantDataError(f"{where}: unknown keys in external {sorted(unknown)}")
    if not str(external["url"]).startswith("https://"):
        raise TenantDataError(f"{where}: external url {external['url']!r} must start with https://")
    if str(external.get("article") or "") not in ARTICLES:
        raise TenantDataError(f"{where}: external article must be der, die or das")
    if spec.get("online_url") or spec.get("appointment"):
        raise TenantDataError(
            f"{where}: another authority's service has no online_url and no appointment here"
        )


def _external(spec: dict) -> dict | None:
    external = spec.get("external")
    if spec["competence"]["level"] != Service.Level.EXTERNAL or not external:
        return None
    return {
        "name": str(external["name"]).strip(),
        "article": str(external.get("article") or "").strip(),
        "url": str(external["url"]).strip(),
    }


def _competence_rows(
    spec: dict, tenant: Tenant, where: str, by_role: dict | None = None
) -> dict[Region, OrgUnit]:
    """Turn a service's competence rule into rows region → org unit. `by_role` keeps the
    municipalities' rows per role across the services of one load (the same for all)."""
    rule = spec["competence"]
    level = rule.get("level")
    if level in ("county", "state"):
        unit = OrgUnit.objects.filter(key=rule.get("unit", "")).first()
        if unit is None:
            raise TenantDataError(f"{where}: unknown org unit {rule.get('unit')!r}")
        region = tenant.region if level == "county" else tenant.region.parent
        return {region: unit}
    if level == Service.Level.EXTERNAL:
        return {}  # another authority: no office of the county, see `external`
    if level == "municipality":
        role = rule.get("role", "")
        if by_role is not None and role in by_role:
            return dict(by_role[role])
        rows = {}
        for municipality in core.municipalities(tenant):
            administration = core.administration_for(municipality)
            unit = core.unit_with_role(administration, role) if administration else None
            if unit is None:
                raise TenantDataError(
                    f"{where}: no administration with role {role!r} for {municipality.name}"
                )
            rows[municipality] = unit
        if by_role is not None:
            by_role[role] = dict(rows)
        return rows
    raise TenantDataError(
        f"{where}: competence level must be state, county, municipality or external"
    )


def load_life_events(tenant: Tenant, folder: Path, report: LoadReport) -> None:
    data = read_yaml(folder / "life_events.yaml")
    for position, spec in enumerate(data.get("life_events", [])):
        upsert(
            LifeEvent,
            report,
            {"tenant": tenant, "slug": spec["slug"]},
            {
                "name": spec["name"],
                "name_en": spec.get("name_en", ""),
                "summary": spec.get("summary", ""),
                "summary_en": spec.get("summary_en", ""),
                "icon": spec.get("icon", ""),
                "position": position,
            },
        )


def load_synonyms(tenant: Tenant, folder: Path, report: LoadReport) -> None:
    path = folder / "synonyms.yaml"
    groups = read_yaml(path).get("synonyms", []) if path.exists() else []
    wanted = [[str(w) for w in group] for group in groups if len(group) > 1]
    current = list(
        SearchSynonym.objects.filter(tenant=tenant).order_by("id").values_list("terms", flat=True)
    )
    if current != wanted:
        report.deleted += SearchSynonym.objects.filter(tenant=tenant).delete()[0]
        SearchSynonym.objects.bulk_create(SearchSynonym(tenant=tenant, terms=g) for g in wanted)
        report.created += len(wanted)


def load_services(tenant: Tenant, folder: Path, report: LoadReport) -> None:
    path = folder / "services.yaml"
    specs = read_yaml(path).get("services", [])
    events = {e.slug: e for e in LifeEvent.objects.filter(tenant=tenant)}
    slugs = [spec.get("slug") for spec in specs]
    duplicates = {s for s in slugs if slugs.count(s) > 1}
    if duplicates:
        raise TenantDataError(f"{path}: duplicate slugs {sorted(duplicates)}")
    by_role: dict = {}
    for number, spec in enumerate(specs, start=1):
        where = f"{path} service #{number} ({spec.get('slug')})"
        _validate_service(spec, where, set(events))
        audience = spec.get("audience") or ["citizen"]
        level = spec["competence"]["level"]
        service = upsert(
            Service,
            report,
            {"tenant": tenant, "slug": spec["slug"]},
            {
                "leika_key": str(spec.get("leika") or ""),
                "name": spec["name"].strip(),
                "name_en": (spec.get("name_en") or "").strip(),
                "summary": spec["summary"].strip(),
                "summary_en": (spec.get("summary_en") or "").strip(),
                "description": (spec.get("description") or "").strip(),
                "for_citizens": "citizen" in audience,
                "for_companies": "company" in audience,
                "ozg_topic": spec["ozg_topic"],
                "who_may_apply": (spec.get("who_may_apply") or "").strip(),
                "documents": [str(d) for d in spec.get("documents") or []],
                "fees": (spec.get("fees") or "").strip(),
                "fee_min": _decimal(spec.get("fee_min")),
                "fee_max": _decimal(spec.get("fee_max")),
                "processing_time": (spec.get("processing_time") or "").strip(),
                "processing_days": spec.get("processing_days"),
                "legal_basis": [str(x) for x in spec.get("legal_basis") or []],
                "maturity": int(spec.get("maturity", 1)),
                "maturity_model": str(spec.get("maturity_model", "1.0")),
                "online_url": spec.get("online_url") or "",
                "appointment": bool(spec.get("appointment", False)),
                "efa": spec.get("efa") or None,
                "external": _external(spec),
                "keywords": [str(k) for k in spec.get("keywords") or []],
                "level": level,
                "popularity": int(spec.get("popularity", 10)),
            },
        )
        sync_set(service.life_events, {events[s] for s in spec.get("life_events") or []}, report)
        wanted = _competence_rows(spec, tenant, where, by_role)
        current = {c.region_id: c for c in service.competences.all()}
        for region, unit in wanted.items():
            existing = current.pop(region.pk, None)
            if existing is None:
                Competence.objects.create(service=service, region=region, org_unit=unit)
                report.created += 1
            elif existing.org_unit_id != unit.pk:
                existing.org_unit = unit
                existing.save(update_fields=["org_unit"])
                report.updated += 1
        for stale in current.values():
            stale.delete()
            report.deleted += 1
    stale_services = Service.objects.filter(tenant=tenant).exclude(slug__in=slugs)
    if stale_services.exists():
        report.deleted += stale_services.delete()[0]


@transaction.atomic
def load_catalogue(tenant: Tenant, folder: Path) -> LoadReport:
    """Load life events, synonyms and services of a tenant folder (idempotent)."""
    report = LoadReport()
    load_life_events(tenant, folder, report)
    load_synonyms(tenant, folder, report)
    load_services(tenant, folder, report)
    return report
