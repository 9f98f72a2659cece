"""What every management page of the cockpit shares: the staff gate, the manager's scope
on the request, the filter form and the cache. Kept here once so that the scope is applied
the same way to every page, export and cache key."""

from __future__ import annotations

import hashlib

from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import PermissionDenied
from django.db import connection
from django.utils.translation import get_language

from openkreis.core import staff

from .. import aggregates, presenters, read, scope
from ..forms import FilterForm
from ..models import Alert, CaseFact, MonthlyCaseStat

COCKPIT_ROLES = (staff.Role.MANAGER,)
# login, second factor and the role `manager`: the gate of every management page
manager_required = staff.staff_required(*COCKPIT_ROLES)

CACHE_SECONDS = 300  # at most; "now" figures (backlog, overdue) are at most this old


def cached(part: str, parts, compute):
    """`compute()` through the Django cache (Redis in production), keyed by the tenant and
    database, the language, `parts` (filters) and the high-water mark of the aggregates:
    any newly folded event gives new keys, so nothing stale is ever shown from the cache
    except the clock-driven backlog figures, for at most CACHE_SECONDS."""
    raw = "|".join(
        str(p)
        for p in (
            settings.OPENKREIS_TENANT,
            connection.settings_dict.get("NAME"),
            get_language(),
            *aggregates.version(),
            *parts,
        )
    )
    key = f"cockpit:{part}:" + hashlib.sha256(raw.encode()).hexdigest()
    value = cache.get(key)
    if value is None:
        value = compute()
        cache.set(key, value, CACHE_SECONDS)
    return value


def used_keys(units=scope.COUNTY):
    """Services and org units that have figures (within `units` when given)."""
    # from the monthly rows (hundreds), not the per-case facts (millions)
    rows = MonthlyCaseStat.objects.all()
    if units is not scope.COUNTY:
        rows = rows.filter(org_unit__in=units)
    return (
        sorted(set(rows.values_list("service", flat=True).distinct())),
        sorted(set(rows.values_list("org_unit", flat=True).distinct())),
    )


def _cached_used_keys(units):
    return cached("used", (units,), lambda: used_keys(units))


def imported_services() -> frozenset[str]:
    """Services with cases from imported logs (they may be shown over more than three
    years)."""
    return cached(
        "imported",
        (),
        lambda: frozenset(
            CaseFact.objects.filter(source__startswith="import:")
            .values_list("service", flat=True)
            .distinct()
        ),
    )


def scoped(request, filters: read.Filters) -> read.Filters:
    """`filters` narrowed to the manager's scope: their org units, and the services that
    have figures there (for the figures that only know a service)."""
    units = scope.for_request(request)
    if units is not scope.COUNTY:
        filters.units = units
        filters.services = tuple(_cached_used_keys(units)[0])
    return filters


def county_wide(request) -> None:
    """Pages that act for the whole county (imports) are for county-wide managers only."""
    if scope.for_request(request) is not scope.COUNTY:
        raise PermissionDenied


def visible_alerts(request, *, cleared: bool = False):
    """The active (or the cleared) alerts whose rule lies in the manager's scope, newest
    first."""
    qs = Alert.objects.filter(cleared_at__isnull=not cleared).select_related("rule")
    units = scope.for_request(request)
    return qs if units is scope.COUNTY else qs.filter(rule__org_unit__in=units)


def visible_rules(request, qs):
    """The alert rules of `qs` in the manager's scope."""
    units = scope.for_request(request)
    return qs if units is scope.COUNTY else qs.filter(org_unit__in=units)


def filter_form(request, services: dict, units: dict) -> FilterForm:
    """The dashboard's filter form; it offers only services and units with figures in the
    manager's scope, so nothing outside it can be asked for (that is a 400)."""
    used_services, used_units = _cached_used_keys(scope.for_request(request))
    return FilterForm(
        request.GET or None,
        services=sorted(((s, services.get(s, s)) for s in used_services if s), key=lambda x: x[1]),
        units=sorted(((u, units.get(u, u)) for u in used_units if u), key=lambda x: x[1]),
        imported=imported_services(),
    )


def filters(request):
    """(form, filters, service names, unit names) of a request; filters is None when the
    query is not valid (the form then holds the errors)."""
    services, units = presenters.display_names()
    form = filter_form(request, services, units)
    if request.GET and not form.is_valid():
        return form, None, services, units
    today = presenters.today()
    chosen = form.filters(today) if request.GET else read.default_filters(today)
    return form, scoped(request, chosen), services, units
