"""Which figures a manager may see: the org units of their `manager` memberships with all
sub-units, or the whole county for members of the units the county lists in
tenants/<slug>/cockpit/access.yaml (`county_wide_units`). Applied to every management
page, export and cache key (see views/_common.py)."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from django.conf import settings

from openkreis.core import staff
from openkreis.core.loader import read_yaml
from openkreis.core.models import OrgUnit

COUNTY = None  # the scope of a county-wide manager: no restriction


@lru_cache(maxsize=8)
def county_wide_units(folder: str) -> frozenset[str]:
    path = Path(folder) / "cockpit" / "access.yaml"
    if not path.is_file():
        return frozenset()
    return frozenset(str(k) for k in (read_yaml(path) or {}).get("county_wide_units", []))


def _folder() -> str:
    return str(settings.OPENKREIS_TENANTS_DIR / settings.OPENKREIS_TENANT)


def units_for(user) -> tuple[str, ...] | None:
    """The org unit keys whose figures `user` may see (sorted), or None for all."""
    direct = set(
        staff.memberships(user, [staff.Role.MANAGER]).values_list("org_unit__key", flat=True)
    )
    if direct & county_wide_units(_folder()):
        return COUNTY
    ids = staff.unit_ids_for(user, [staff.Role.MANAGER])
    return tuple(sorted(OrgUnit.objects.filter(id__in=ids).values_list("key", flat=True)))


def for_request(request) -> tuple[str, ...] | None:
    """units_for(request.user), worked out once per request: the pages, the cache keys and
    the cockpit's navigation (templatetags) all ask for it."""
    if not hasattr(request, "_cockpit_units"):
        request._cockpit_units = units_for(request.user)
    return request._cockpit_units
