"""A county is data: one protocol by which every app loads its part of a county folder.

Each app contributes steps in its `AppConfig.ready()`:

    from openkreis.core.tenant_data import register_step
    register_step("cases", order=30, load=load_county_data)

A step is `load(tenant, folder, report)`: it reads its files under `folder`
(tenants/<slug>/), writes idempotent upserts, counts them in `report` (a `LoadReport`) and
raises `TenantDataError` with the file and entry when the data is wrong. The first step
(core's, order 0) creates the tenant and returns it; later steps get it and return None.

`demo=True` marks demo data (logins, sample cases, bookings): loaded only with
`load_tenant <county> --demo`, each demo step in its own transaction, after the county.
A demo step may write lines for the person running the command with `report.write(...)`.

`load_county(folder)` runs the county steps in one transaction (bad data changes nothing);
`check=True` runs them all and rolls back, so `load_tenant <county> --check` validates a
folder without changing the database.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from django.db import transaction

from .loader import LoadReport, TenantDataError
from .models import Tenant
from .registry import Registry

LoadFunction = Callable[[Tenant | None, Path, LoadReport], Tenant | None]


@dataclass(frozen=True)
class LoaderStep:
    key: str
    order: int
    load: LoadFunction
    demo: bool = False
    optional: bool = False  # skipped by `--no-pages`-like switches (see `load_county(skip=)`)


county_steps: Registry[LoaderStep] = Registry("county data steps")
demo_steps: Registry[LoaderStep] = Registry("demo data steps")


def register_step(
    key: str, *, order: int, load: LoadFunction, demo: bool = False, optional: bool = False
) -> LoaderStep:
    """Add an app's step to `load_tenant` (county data, or demo data with `demo=True`)."""
    step = LoaderStep(key=key, order=order, load=load, demo=demo, optional=optional)
    (demo_steps if demo else county_steps).register(key, step, order=order)
    return step


class _CheckRollback(Exception):
    """Raised inside the check transaction so nothing it wrote stays."""


def load_county(
    folder: Path, *, skip: tuple[str, ...] = (), check: bool = False
) -> tuple[Tenant, LoadReport]:
    """Run every county step on `folder` in one transaction; with `check`, roll it back."""
    report = LoadReport()
    tenant: Tenant | None = None
    try:
        with transaction.atomic():
            for step in county_steps:
                if step.key in skip:
                    continue
                result = step.load(tenant, folder, report)
                if isinstance(result, Tenant):
                    tenant = result
                if tenant is None:
                    raise TenantDataError(f"{folder}: the first step ({step.key}) made no tenant")
            if check:
                raise _CheckRollback
    except _CheckRollback:
        pass
    return tenant, report


def load_demo(tenant: Tenant, folder: Path, report: LoadReport, *, only: str | None = None):
    """Run the demo steps (each in its own transaction, each idempotent)."""
    for step in demo_steps:
        if only is not None and step.key != only:
            continue
        with transaction.atomic():
            step.load(tenant, folder, report)
