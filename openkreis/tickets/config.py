"""County data of the guest tickets: the `scheme` and `levy` keys of tenants/<slug>/tickets.yaml
(the `attractions` key is the HarzCard's, harzcard.py).

    scheme:
      name: HATIX
      prefix: HX1                  # 2–8 capital letters/digits: "HX1:…"
      valid_until_hour: 23         # a ticket ends on the departure day at this hour
      retention_days: 400
      zones: [{key: hvb-regional, name: HVB Regionalverkehr}, …]
    levy:
      categories: {adult: Erwachsene, child: Kinder (6–17 Jahre), reduced: Ermäßigt}
      municipalities:
        "150850370370":            # ARS of a municipality of the county
          source: "…"              # where the figures come from (optional)
          demo: true               # figures not confirmed (optional)
          rates:
            - {valid_from: 2021-01-01, adult: 300, child: 150, reduced: 150}   # cent/night

Loading is idempotent (natural keys: the one scheme row; municipality, category, valid_from);
rates no longer listed are deleted. Any mistake raises TenantDataError naming file and entry.
A county without tickets.yaml has no guest tickets.
"""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

from openkreis.core.loader import LoadReport, TenantDataError, read_yaml, upsert
from openkreis.core.models import Region

from .models import LevyRate, Scheme

FILE = "tickets.yaml"
TOP_LEVEL = {"scheme", "levy", "attractions"}
SCHEME_KEYS = {"name", "prefix", "valid_until_hour", "retention_days", "zones"}
PREFIX = re.compile(r"^[A-Z][A-Z0-9]{1,7}$")
KEY = re.compile(r"^[a-z0-9][a-z0-9-]{0,39}$")
MAX_CENTS = 2000  # 20 € a night: anything above is a typo (cent, not euro)


def load(tenant, folder: Path, report: LoadReport) -> None:
    path = folder / FILE
    if not path.exists():
        return
    data = read_yaml(path)
    if not isinstance(data, dict):
        raise TenantDataError(f"{path}: the file must be a mapping (scheme, levy, attractions)")
    unknown = set(data) - TOP_LEVEL
    if unknown:
        raise TenantDataError(f"{path}: unknown top-level keys {sorted(unknown)}")
    county = tenant.region if tenant is not None else None
    load_scheme(path, data.get("scheme"), report)
    load_levy(path, data.get("levy"), report, county)


def _int(path: Path, where: str, value, low: int, high: int) -> int:
    if not isinstance(value, int) or isinstance(value, bool) or not low <= value <= high:
        raise TenantDataError(f"{path}: {where} must be a whole number {low}–{high} ({value!r})")
    return value


def load_scheme(path: Path, spec, report: LoadReport) -> Scheme:
    if not isinstance(spec, dict):
        raise TenantDataError(f"{path}: scheme: missing or not a mapping")
    unknown = set(spec) - SCHEME_KEYS
    if unknown:
        raise TenantDataError(f"{path}: scheme: unknown keys {sorted(unknown)}")
    name = str(spec.get("name") or "").strip()
    if not name or len(name) > 100:
        raise TenantDataError(f"{path}: scheme: name missing or longer than 100 characters")
    prefix = str(spec.get("prefix") or "")
    if not PREFIX.match(prefix):
        raise TenantDataError(
            f"{path}: scheme: prefix {prefix!r} must be 2–8 capital letters or digits (HX1)"
        )
    zones = spec.get("zones")
    if not isinstance(zones, list) or not zones:
        raise TenantDataError(f"{path}: scheme: zones must be a non-empty list of {{key, name}}")
    clean, seen = [], set()
    for zone in zones:
        if not isinstance(zone, dict) or set(zone) != {"key", "name"}:
            raise TenantDataError(f"{path}: scheme: zones: {zone!r} must have key and name")
        key, zname = str(zone["key"]), str(zone["name"]).strip()
        if not KEY.match(key) or not zname:
            raise TenantDataError(
                f"{path}: scheme: zones: key {key!r} must be lower-case letters, digits, '-'"
            )
        if key in seen:
            raise TenantDataError(f"{path}: scheme: zones: {key} listed twice")
        seen.add(key)
        clean.append({"key": key, "name": zname})
    values = {
        "name": name,
        "prefix": prefix,
        "zones": clean,
        "valid_until_hour": _int(
            path, "scheme: valid_until_hour", spec.get("valid_until_hour", 23), 0, 23
        ),
        "retention_days": _int(
            path, "scheme: retention_days", spec.get("retention_days", 400), 30, 3650
        ),
    }
    scheme = Scheme.objects.order_by("pk").first()
    if scheme is None:
        report.created += 1
        return Scheme.objects.create(**values)
    return upsert(Scheme, report, {"pk": scheme.pk}, values)


def _municipality(path: Path, ars, county: Region | None) -> Region:
    qs = Region.objects.filter(kind=Region.Kind.MUNICIPALITY, ars=str(ars or ""))
    if county is not None:
        qs = qs.filter(ars__startswith=county.ars[:5])
    region = qs.first()
    if region is None:
        raise TenantDataError(
            f"{path}: levy: municipalities: unknown municipality {ars!r} "
            "(ARS, 12 digits, of the county)"
        )
    return region


def _date(path: Path, where: str, value) -> dt.date:
    if isinstance(value, dt.datetime):
        value = value.date()
    if isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(str(value))
    except ValueError:
        raise TenantDataError(f"{path}: {where}: valid_from {value!r} is not a date") from None


def load_levy(path: Path, spec, report: LoadReport, county: Region | None) -> None:
    if not isinstance(spec, dict):
        raise TenantDataError(f"{path}: levy: missing or not a mapping")
    categories = spec.get("categories")
    if not isinstance(categories, dict) or not categories:
        raise TenantDataError(f"{path}: levy: categories (key → label) missing")
    for key, label in categories.items():
        if not KEY.match(str(key)) or len(str(key)) > 30 or not str(label or "").strip():
            raise TenantDataError(f"{path}: levy: categories: {key!r} needs a key and a label")
    municipalities = spec.get("municipalities")
    if not isinstance(municipalities, dict) or not municipalities:
        raise TenantDataError(f"{path}: levy: municipalities (ARS → rates) missing")
    wanted: set[int] = set()
    for ars, entry in municipalities.items():
        where = f"levy: {ars}"
        if not isinstance(entry, dict) or not isinstance(entry.get("rates"), list):
            raise TenantDataError(f"{path}: {where}: needs rates (a list)")
        unknown = set(entry) - {"rates", "source", "demo"}
        if unknown:
            raise TenantDataError(f"{path}: {where}: unknown keys {sorted(unknown)}")
        region = _municipality(path, ars, county)
        dates = set()
        for rate in entry["rates"]:
            if not isinstance(rate, dict) or "valid_from" not in rate:
                raise TenantDataError(f"{path}: {where}: a rate needs valid_from ({rate!r})")
            valid_from = _date(path, where, rate["valid_from"])
            if valid_from in dates:
                raise TenantDataError(f"{path}: {where}: two rates from {valid_from}")
            dates.add(valid_from)
            missing = set(categories) - set(rate)
            extra = set(rate) - set(categories) - {"valid_from"}
            if missing or extra:
                raise TenantDataError(
                    f"{path}: {where}: rate from {valid_from}: categories "
                    f"missing {sorted(missing)} / unknown {sorted(extra)}"
                )
            for category, label in categories.items():
                cents = _int(path, f"{where}: {category}", rate[category], 0, MAX_CENTS)
                row = upsert(
                    LevyRate,
                    report,
                    {"municipality": region, "category": category, "valid_from": valid_from},
                    {"label": str(label).strip(), "cents_per_night": cents},
                )
                wanted.add(row.pk)
    stale = LevyRate.objects.exclude(pk__in=wanted)
    report.deleted += stale.count()
    stale.delete()
