"""County data of the eAkte: the file plan and the procedures (tenants/<slug>/cases/)."""

from __future__ import annotations

from pathlib import Path

from openkreis.catalog.models import Service
from openkreis.core.loader import LoadReport, TenantDataError, read_yaml

from .. import workflow
from ..models import (
    FilePlanItem,
    Procedure,
)


def load_configuration(folder: Path) -> LoadReport:
    """Load tenants/<slug>/cases/: the file plan and the procedures. Idempotent."""
    report = LoadReport()
    base = folder / "cases"
    if not base.is_dir():
        return report
    plan = read_yaml(base / "file_plan.yaml") or {}
    for item in plan.get("items", []):
        obj, created = FilePlanItem.objects.update_or_create(
            code=item["code"],
            defaults={
                "title": item["title"],
                "retention_years": item.get("retention_years", 10),
                "is_default": bool(item.get("default")),
            },
        )
        report.created += created
        obj.services.set(Service.objects.filter(slug__in=item.get("services", [])))
    for path in sorted((base / "procedures").glob("*.yaml")):
        definition = read_yaml(path)
        try:
            workflow.check_definition(definition, path.name)
        except workflow.WorkflowError as exc:
            raise TenantDataError(str(exc)) from exc
        proc, created = Procedure.objects.update_or_create(
            key=definition["key"], defaults={"name": definition["name"], "definition": definition}
        )
        report.created += created
        proc.services.set(Service.objects.filter(slug__in=definition.get("services", [])))
    return report


def procedure_for(service: Service) -> Procedure:
    return service.procedures.first() or Procedure.objects.get(key="generic")


def plan_item_for(service: Service) -> FilePlanItem:
    return service.file_plan_items.first() or FilePlanItem.objects.get(is_default=True)
