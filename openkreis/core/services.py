"""Public functions of the core app: regions, organisations, tenants, the event log."""

from __future__ import annotations

import datetime as dt
import re
import time
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from .models import AppendOnlyError, Event, Location, Organisation, OrgUnit, Region, Tenant

POSTCODE_RE = re.compile(r"^\d{5}$")
AGS_RE = re.compile(r"^\d{2}(\d{3}(\d{3})?)?$")


class UnknownRegion(LookupError):
    """No region matches the given key or postcode."""


_TENANT_CACHE: dict[str, tuple[float, Tenant]] = {}
TENANT_CACHE_SECONDS = 30.0


def current_tenant() -> Tenant | None:
    """The tenant this deployment serves (settings.OPENKREIS_TENANT), if loaded.

    Every request needs it and it almost never changes, so each process keeps it for
    TENANT_CACHE_SECONDS instead of querying it per request.
    """
    slug = settings.OPENKREIS_TENANT
    cached = _TENANT_CACHE.get(slug)
    now = time.monotonic()
    if cached and cached[0] > now:
        return cached[1]
    tenant = Tenant.objects.select_related("region", "administration").filter(slug=slug).first()
    if tenant is not None:
        _TENANT_CACHE[slug] = (now + TENANT_CACHE_SECONDS, tenant)
    return tenant


def forget_cached_tenant() -> None:
    """Drop the per-process tenant cache (after loading data, and in tests)."""
    _TENANT_CACHE.clear()


def municipalities(tenant: Tenant | None = None):
    """All municipalities of a tenant's county (or of every county), by name."""
    qs = Region.objects.filter(kind=Region.Kind.MUNICIPALITY)
    if tenant is not None:
        qs = qs.filter(ars__startswith=tenant.region.ars[:5])
    return qs.order_by("name")


def region_by_key(key: str) -> Region:
    """Find a region by AGS (2, 5 or 8 digits) or ARS (12 digits)."""
    key = (key or "").strip()
    if len(key) == 12 and key.isdigit():
        region = Region.objects.filter(ars=key).first()
    elif AGS_RE.match(key):
        region = Region.objects.filter(ags=key).first()
    else:
        region = None
    if region is None:
        raise UnknownRegion(key)
    return region


def regions_for_postcode(code: str) -> list[Region]:
    """Municipalities using a postcode; several when a postcode spans municipalities."""
    code = (code or "").strip()
    if not POSTCODE_RE.match(code):
        return []
    return list(
        Region.objects.filter(postcodes__code=code, kind=Region.Kind.MUNICIPALITY)
        .select_related("parent")
        .order_by("name")
        .distinct()
    )


def administration_for(region: Region) -> Organisation | None:
    """The administration serving a municipality: its own, else its Verbandsgemeinde's."""
    for node in region.ancestors_and_self():
        org = (
            Organisation.objects.filter(
                region=node,
                kind__in=[
                    Organisation.Kind.MUNICIPAL_ADMINISTRATION,
                    Organisation.Kind.VERBANDSGEMEINDE_ADMINISTRATION,
                ],
            )
            .order_by("id")
            .first()
        )
        if org is not None:
            return org
        if node.kind not in (Region.Kind.MUNICIPALITY, Region.Kind.VERBANDSGEMEINDE):
            return None
    return None


def unit_with_role(organisation: Organisation, role: str) -> OrgUnit | None:
    return organisation.units.filter(role=role).order_by("id").first()


def nearest_location(locations: list[Location], region: Region | None) -> Location | None:
    """The location closest to a region's centre (first one when coordinates are missing)."""
    if not locations:
        return None
    if region is None or region.lat is None:
        return locations[0]
    return min(locations, key=lambda loc: loc.distance_km(region.lat, region.lon))


def record_event(
    kind: str,
    *,
    subject: str = "",
    data: dict[str, Any] | None = None,
    occurred_at: dt.datetime | None = None,
    tenant: str | None = None,
) -> Event:
    """Append one event to the log. Callers pass no personal data, only ids and figures."""
    return Event.objects.create(
        kind=kind,
        subject=subject,
        data=data or {},
        occurred_at=occurred_at or timezone.now(),
        tenant=tenant if tenant is not None else settings.OPENKREIS_TENANT,
    )


def record_events(events: list[Event]) -> None:
    """Append many events in one INSERT (built as `Event(kind=…, occurred_at=…, …)`, not
    saved); for logs written in batches. Same rule: no personal data."""
    if any(event.pk is not None for event in events):
        raise AppendOnlyError("Events are append-only.")
    Event.objects.bulk_create(events, batch_size=500)


@transaction.atomic
def ensure_tenant(slug: str, name: str, region: Region, **fields: Any) -> Tenant:
    tenant, _ = Tenant.objects.update_or_create(
        slug=slug, defaults={"name": name, "region": region, **fields}
    )
    return tenant
