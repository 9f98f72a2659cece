"""The county's appointment configuration: loading tenants/<slug>/appointments.yaml, and
reading it back (this tenant's branches, its bookable services, which branches and counters
can serve a set of services in one appointment)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from django.conf import settings
from django.utils.translation import gettext as _

from openkreis.catalog.models import Service
from openkreis.core import services as core
from openkreis.core.loader import LoadReport, TenantDataError, read_yaml
from openkreis.core.models import Location, Region
from openkreis.core.setupcache import SetupCache

from ..errors import BookingError
from ..models import CELL_MINUTES, AppointmentService, Branch, Closure, Counter


# -- loading (tenant data) ------------------------------------------------------------------
def _text(value, lang: str) -> str:
    if isinstance(value, dict):
        return str(value.get(lang) or value.get("de") or "")
    return str(value or "") if lang == "de" else ""


def load_configuration(folder: Path, tenant=None) -> LoadReport:
    """Load tenants/<slug>/appointments.yaml: services with durations, branches (per core
    location) with rules and counters, closures. Idempotent; unknown keys fail the load."""
    report = LoadReport()
    path = folder / "appointments.yaml"
    if not path.exists():
        return report
    data = read_yaml(path)
    defaults = data.get("defaults", {})
    by_key: dict[str, AppointmentService] = {}
    for position, spec in enumerate(data.get("services", [])):
        key = spec["key"]
        catalogue = None
        if spec.get("service"):
            services = Service.objects.filter(slug=spec["service"])
            if tenant is not None:
                services = services.filter(tenant=tenant)
            catalogue = services.first()
            if catalogue is None:
                raise TenantDataError(f"{path}: service {key}: unknown catalogue service")
        minutes = int(spec["minutes"])
        if minutes <= 0 or minutes % CELL_MINUTES:
            raise TenantDataError(f"{path}: service {key}: minutes must be a multiple of 5")
        values = {
            "service": catalogue,
            "name": _text(spec.get("name"), "de") or (catalogue.name if catalogue else key),
            "name_en": _text(spec.get("name"), "en")
            or (getattr(catalogue, "name_en", "") if catalogue else ""),
            "minutes": minutes,
            "prefix": spec.get("prefix", "A"),
            "max_per_email": int(spec.get("max_per_email", defaults.get("max_per_email", 1))),
            "bookable": bool(spec.get("bookable", True)),
            "walk_in": bool(spec.get("walk_in", True)),
            "position": position,
        }
        obj, created = AppointmentService.objects.update_or_create(key=key, defaults=values)
        report.created += created
        by_key[key] = obj
    for spec in data.get("branches", []):
        location = Location.objects.filter(key=spec["location"]).first()
        if location is None:
            raise TenantDataError(f"{path}: unknown location {spec['location']}")
        rules = {**defaults, **spec}
        for name in ("buffer_minutes",):
            if int(rules.get(name, 0)) % CELL_MINUTES:
                raise TenantDataError(f"{path}: {spec['location']}: {name} not a multiple of 5")
        branch, created = Branch.objects.update_or_create(
            location=location,
            defaults={
                "buffer_minutes": int(rules.get("buffer_minutes", 0)),
                "horizon_days": int(rules.get("horizon_days", 28)),
                "lead_minutes": int(rules.get("lead_minutes", 120)),
                "step_minutes": int(rules.get("step_minutes", 10)),
                "hold_minutes": int(rules.get("hold_minutes", 10)),
                "no_show_minutes": int(rules.get("no_show_minutes", 15)),
                "holidays": str(rules.get("holidays", "ST")),
            },
        )
        report.created += created
        offered: set[str] = set()
        for counter_spec in spec.get("counters", []):
            keys = counter_spec["services"]
            missing = [k for k in keys if k not in by_key]
            if missing:
                raise TenantDataError(f"{path}: {spec['location']}: unknown services {missing}")
            counter, created = Counter.objects.update_or_create(
                branch=branch,
                label=counter_spec["label"],
                defaults={"active": bool(counter_spec.get("active", True))},
            )
            report.created += created
            counter.services.set([by_key[k] for k in keys])
            offered.update(keys)
        branch.services.set([by_key[k] for k in offered])
        for closure in spec.get("closures", []):
            _closure(branch, closure, report)
    for closure in data.get("closures", []):
        _closure(None, closure, report)
    return report


def _closure(branch: Branch | None, spec: dict, report: LoadReport) -> None:
    first = (
        spec["from"] if isinstance(spec["from"], dt.date) else dt.date.fromisoformat(spec["from"])
    )
    last = spec.get("to", first)
    last = last if isinstance(last, dt.date) else dt.date.fromisoformat(last)
    _, created = Closure.objects.get_or_create(
        branch=branch, first_day=first, last_day=last, defaults={"reason": spec.get("reason", "")}
    )
    report.created += created


# -- choosing services and branches ---------------------------------------------------------
# What every booking page reads about the set-up (the branch, its opening hours and closures,
# the counters able to serve the chosen services, the services themselves) is kept per
# process (core.setupcache; `OPENKREIS_APPOINTMENT_SETUP_SECONDS`, default 5): about half of
# a time page's work was asking these questions again (issue 26). A new day entering the
# horizon is not a change of the set-up (the window is computed from the clock), so a
# release at midnight is seen by every process at once.
setup_cache = SetupCache(
    "appointments",
    {
        "appointments.AppointmentService",
        "appointments.Branch",
        "appointments.Branch_services",
        "appointments.Counter",
        "appointments.Counter_services",
        "appointments.Closure",
        "core.Location",
        "core.OpeningHours",
        "core.Organisation",
        "core.Region",
        "core.Tenant",
    },
    "OPENKREIS_APPOINTMENT_SETUP_SECONDS",
)


def branch_at(location_key: str) -> Branch | None:
    """This tenant's public branch at the location `location_key`, if any (cached)."""
    return setup_cache.get(
        ("branch", settings.OPENKREIS_TENANT, location_key),
        lambda: tenant_branches().filter(location__key=location_key).first(),
    )


def with_branch(booking):
    """`booking` with its branch and location from the set-up cache (no join, no rows of
    them to read: the confirmation step and page read the booking alone; issue 26). The
    branch is the process's shared object: read it, never change it."""
    if booking is not None:
        branch = setup_cache.get(
            ("branch-id", booking.branch_id),
            lambda: Branch.objects.select_related("location").get(pk=booking.branch_id),
        )
        booking.branch = branch
    return booking


def tenant_branches():
    """Branches of the tenant this deployment serves (locations in its county): public
    offices only, never a private resource of another app (claim_dated)."""
    qs = Branch.objects.filter(private=False).select_related("location")
    tenant = core.current_tenant()
    if tenant is not None:
        qs = qs.filter(location__organisation__region__ars__startswith=tenant.region.ars[:5])
    return qs


def bookable_services() -> list[AppointmentService]:
    """The services citizens can book online at one of this tenant's branches."""
    return list(
        AppointmentService.objects.filter(bookable=True, branches__in=tenant_branches()).distinct()
    )


def services_from_keys(keys: list[str], *, walk_in: bool = False) -> list[AppointmentService]:
    """The services named by `keys` (from a form); anything unknown or repeated is refused."""
    keys = [k for k in keys if k]
    if not keys:
        raise BookingError(_("Please choose at least one service."))
    if len(keys) > 5 or len(set(keys)) != len(keys):
        raise BookingError(_("The list of services is not valid. Please choose again."))
    found = _services_by_key(keys)
    if len(found) != len(keys):
        raise BookingError(_("The list of services is not valid. Please choose again."))
    services = [found[k] for k in keys]
    if not walk_in and not all(s.bookable for s in services):
        raise BookingError(_("One of these services cannot be booked online."))
    return services


def _services_by_key(keys: list[str]) -> dict[str, AppointmentService]:
    """key -> service for those of `keys` that exist (cached)."""
    return setup_cache.get(
        ("services", tuple(sorted(keys))),
        lambda: {s.key: s for s in AppointmentService.objects.filter(key__in=keys)},
    )


def services_of(booking) -> list[AppointmentService]:
    """A booking's services, in the order the many-to-many rows list them (position, name),
    from the process's set-up cache: the keys are stored with the booking, so the
    confirmation, its page and its mail ask the database only for the booking (issue 26).
    When a key is no longer known (a service renamed or removed since), the rows are read."""
    keys = list(booking.service_keys or [])
    found = _services_by_key(keys) if keys else {}
    if not keys or len(found) != len(keys):
        return list(booking.services.all())
    return sorted(found.values(), key=lambda s: (s.position, s.name))


def booking_service_for(service: Service) -> AppointmentService | None:
    """The bookable appointment service for a catalogue service, if any branch offers it."""
    return (
        AppointmentService.objects.filter(
            service=service, bookable=True, branches__isnull=False, branches__private=False
        )
        .order_by("position")
        .first()
    )


def _serving_all(counters, services: list[AppointmentService]) -> list[Counter]:
    """The active counters among `counters` that serve every one of `services`: one
    appointment is served at one counter."""
    wanted = {s.pk for s in services}
    return [c for c in counters if c.active and wanted <= {s.pk for s in c.services.all()}]


def _capable_counters(branch: Branch, services: list[AppointmentService]) -> list[Counter]:
    return setup_cache.get(
        ("counters", branch.pk, tuple(sorted(s.pk for s in services))),
        lambda: _serving_all(
            branch.counters.filter(active=True).prefetch_related("services"), services
        ),
    )


def branches_for(services: list[AppointmentService], region: Region | None = None) -> list[dict]:
    """Branches that can serve all `services` in one appointment, nearest to `region` first."""
    result = []
    branches = tenant_branches().prefetch_related("counters__services")
    for branch in branches:
        capable = _serving_all(branch.counters.all(), services)
        if not capable:
            continue
        distance = None
        if region is not None and region.lat is not None:
            distance = branch.location.distance_km(region.lat, region.lon)
            distance = None if distance == float("inf") else distance
        result.append({"branch": branch, "counters": len(capable), "distance": distance})
    result.sort(
        key=lambda r: (r["distance"] is None, r["distance"] or 0, r["branch"].location.name)
    )
    return result


def total_minutes(services: list[AppointmentService]) -> int:
    """How long one appointment for all `services` takes (their minutes added up)."""
    return sum(s.minutes for s in services)
