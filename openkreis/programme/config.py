"""County data of the programme office: tenants/<slug>/programme/*.yaml (docs/programme.md).

    projects:
      - key: eakte                       # lower-case letters, digits, '-'
        kind: administration             # administration | lighthouse
        number: 1
        title: Elektronische Akte
        goal: "…"
        owner: "Fachbereich Landrat, Stabsstelle Digitalisierung"
        unit: fachbereich-landrat        # an org unit key (optional)
        team: "…"                        # optional text
        budget_planned: 450000           # euros, ≥ 0
        budget_spent: 120000
        status: green                    # green | amber | red
        status_reason: "…"
        phase: build                     # idea | planning | build | pilot | rollout | operation
        start: 2025-01-01
        end: 2027-06-30
        app: cases                       # which part of openkreis (optional)
        decision_needed: "…"             # optional
        depends_on: [portal]             # other projects' keys
        milestones: [{title: "…", due: 2026-03-31, done_on: 2026-03-20}]
        risks: [{title: "…", probability: 2, impact: 3, mitigation: "…"}]

The file *seeds* the portfolio: a project whose key is new is created with its milestones,
risks and first history row; a project that exists is left as the programme office edited
it (the office owns the Steckbrief after that), only dependencies named in the file are
added. A county without the folder loads without projects. Mistakes raise TenantDataError
naming the file and entry; nothing is written then.
"""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal, InvalidOperation
from pathlib import Path

from openkreis.core.loader import LoadReport, TenantDataError, read_yaml
from openkreis.core.models import OrgUnit

from .models import Milestone, Project, Risk, StatusChange

FOLDER = "programme"
KEY = re.compile(r"^[a-z0-9][a-z0-9-]*$")
PROJECT_KEYS = {
    "key", "kind", "number", "title", "goal", "owner", "unit", "team", "budget_planned",
    "budget_spent", "status", "status_reason", "phase", "start", "end", "app",
    "decision_needed", "depends_on", "milestones", "risks",
}  # fmt: skip


def _error(path: Path, where: str, message: str) -> TenantDataError:
    return TenantDataError(f"{path}: {where}: {message}")


def _text(path, where, entry, key, *, required=False, limit=200) -> str:
    value = entry.get(key)
    text = "" if value is None else str(value).strip()
    if required and not text:
        raise _error(path, where, f"'{key}' is required")
    if len(text) > limit:
        raise _error(path, where, f"'{key}' is longer than {limit} characters")
    return text


def _date(path, where, entry, key, *, required=False) -> dt.date | None:
    value = entry.get(key)
    if value in (None, ""):
        if required:
            raise _error(path, where, f"'{key}' is required")
        return None
    if isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(str(value))
    except ValueError as exc:
        raise _error(path, where, f"'{key}' must be a date like 2026-03-31") from exc


def _money(path, where, entry, key) -> Decimal:
    value = entry.get(key, 0)
    try:
        amount = Decimal(str(value))
    except InvalidOperation as exc:
        raise _error(path, where, f"'{key}' must be an amount in euros") from exc
    if amount < 0 or not amount.is_finite():
        raise _error(path, where, f"'{key}' must not be negative")
    return amount.quantize(Decimal("0.01"))


def _choice(path, where, entry, key, choices, default=None) -> str:
    value = str(entry.get(key) or default or "")
    if value not in choices:
        raise _error(path, where, f"'{key}' must be one of {sorted(choices)}")
    return value


def _level(path, where, entry, key) -> int:
    value = entry.get(key)
    if not isinstance(value, int) or isinstance(value, bool) or value not in (1, 2, 3):
        raise _error(path, where, f"'{key}' must be 1, 2 or 3")
    return value


def _parse(path: Path, entry, number: int, seen: set[str]) -> dict:
    where = f"projects[{number}]"
    if not isinstance(entry, dict):
        raise _error(path, where, "must be a mapping")
    unknown = set(entry) - PROJECT_KEYS
    if unknown:
        raise _error(path, where, f"unknown keys {sorted(unknown)}")
    key = str(entry.get("key") or "")
    if not KEY.match(key) or len(key) > 60:
        raise _error(path, where, f"key {key!r} must be lower-case letters, digits, '-'")
    if key in seen:
        raise _error(path, where, f"key {key!r} appears twice")
    seen.add(key)
    where = f"{where} ({key})"
    unit = None
    if entry.get("unit"):
        unit = OrgUnit.objects.filter(key=str(entry["unit"])).first()
        if unit is None:
            raise _error(path, where, f"unknown org unit {entry['unit']!r}")
    start = _date(path, where, entry, "start")
    end = _date(path, where, entry, "end")
    if start and end and end < start:
        raise _error(path, where, "'end' is before 'start'")
    num = entry.get("number", 0)
    if not isinstance(num, int) or isinstance(num, bool) or not 0 <= num <= 999:
        raise _error(path, where, "'number' must be a whole number from 0 to 999")
    values = {
        "kind": _choice(path, where, entry, "kind", Project.Kind.values),
        "number": num,
        "title": _text(path, where, entry, "title", required=True),
        "goal": _text(path, where, entry, "goal", required=True, limit=4000),
        "owner": _text(path, where, entry, "owner", required=True),
        "org_unit": unit,
        "team": _text(path, where, entry, "team", limit=2000),
        "budget_planned": _money(path, where, entry, "budget_planned"),
        "budget_spent": _money(path, where, entry, "budget_spent"),
        "status": _choice(path, where, entry, "status", Project.Status.values, "green"),
        "status_reason": _text(path, where, entry, "status_reason", limit=2000),
        "phase": _choice(path, where, entry, "phase", Project.Phase.values, "idea"),
        "start": start,
        "end": end,
        "app": _text(path, where, entry, "app", limit=120),
        "decision_needed": _text(path, where, entry, "decision_needed", limit=2000),
    }
    if values["status"] != "green" and not values["status_reason"]:
        raise _error(path, where, "an amber or red status needs a 'status_reason'")
    milestones = []
    for i, m in enumerate(entry.get("milestones") or [], 1):
        w = f"{where} milestones[{i}]"
        if not isinstance(m, dict) or set(m) - {"title", "due", "done_on"}:
            raise _error(path, w, "must be a mapping of title, due, done_on")
        milestones.append(
            {
                "title": _text(path, w, m, "title", required=True),
                "due": _date(path, w, m, "due", required=True),
                "done_on": _date(path, w, m, "done_on"),
            }
        )
    risks = []
    for i, r in enumerate(entry.get("risks") or [], 1):
        w = f"{where} risks[{i}]"
        if not isinstance(r, dict) or set(r) - {"title", "probability", "impact", "mitigation"}:
            raise _error(path, w, "must be a mapping of title, probability, impact, mitigation")
        risks.append(
            {
                "title": _text(path, w, r, "title", required=True),
                "probability": _level(path, w, r, "probability"),
                "impact": _level(path, w, r, "impact"),
                "mitigation": _text(path, w, r, "mitigation", limit=2000),
            }
        )
    depends = entry.get("depends_on") or []
    if not isinstance(depends, list) or not all(isinstance(d, str) for d in depends):
        raise _error(path, where, "'depends_on' must be a list of project keys")
    if key in depends:
        raise _error(path, where, "a project cannot depend on itself")
    return {
        "key": key,
        "values": values,
        "milestones": milestones,
        "risks": risks,
        "depends_on": depends,
        "where": where,
    }


def load(tenant, folder: Path, report: LoadReport) -> None:
    """The county-data step "programme": seed the portfolio from programme/*.yaml."""
    directory = Path(folder) / FOLDER
    if not directory.is_dir():
        return
    parsed: list[tuple[Path, dict]] = []
    seen: set[str] = set()
    for path in sorted(directory.glob("*.yaml")):
        try:
            data = read_yaml(path)
        except TenantDataError:
            raise
        except ValueError as exc:  # PyYAML reads 2027-13-45 as a date and fails
            raise TenantDataError(f"{path}: not valid ({exc})") from exc
        if not isinstance(data, dict) or set(data) - {"projects"}:
            raise TenantDataError(f"{path}: the file must be a mapping with 'projects'")
        entries = data.get("projects") or []
        if not isinstance(entries, list):
            raise TenantDataError(f"{path}: projects: must be a list")
        for number, entry in enumerate(entries, 1):
            parsed.append((path, _parse(path, entry, number, seen)))
    known = seen | set(Project.objects.values_list("key", flat=True))
    for path, item in parsed:
        for other in item["depends_on"]:
            if other not in known:
                raise _error(path, item["where"], f"depends on unknown project {other!r}")
    projects = {}
    for _path, item in parsed:
        project = Project.objects.filter(key=item["key"]).first()
        if project is None:
            project = Project.objects.create(key=item["key"], **item["values"])
            Milestone.objects.bulk_create(
                [Milestone(project=project, **m) for m in item["milestones"]]
            )
            Risk.objects.bulk_create([Risk(project=project, **r) for r in item["risks"]])
            StatusChange.objects.create(
                project=project,
                status=project.status,
                phase=project.phase,
                reason=project.status_reason,
            )
            report.created += 1
            report.details.append(f"programme project {project.key}")
        projects[item["key"]] = project
    for _path, item in parsed:
        if not item["depends_on"]:
            continue
        project = projects[item["key"]]
        have = set(project.depends_on.values_list("key", flat=True))
        missing = [k for k in item["depends_on"] if k not in have]
        if missing:
            project.depends_on.add(*Project.objects.filter(key__in=missing))
            report.updated += 1
