"""County data of the radar (tenants/<slug>/radar/, every file optional):

    efa.yaml        offers: [{service, name, state, platform, conditions, status, url}]
    maturity.yaml   version, dimensions: [{key, name, questions: [{id, text, levels: [4 texts]}]}]
    rollout.yaml    services: [slug, …]   (the lighthouse services)
                    municipalities: [{ags, model: true?, services: {slug: {status, date}}}]
                    the first municipality is the Musterkommune

Idempotent (offers by service + name + state, the model by key "default", sites by region,
rollout rows by site + service); a mistake raises TenantDataError with the file and entry.
A county without the folder loads with an empty radar. The demo step adds assessments,
decisions, two self-assessments and the programme office's login."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from allauth.account.models import EmailAddress
from django.contrib.auth import get_user_model
from django.utils import timezone

from openkreis.catalog.models import Service
from openkreis.core.loader import LoadReport, TenantDataError, read_yaml, upsert
from openkreis.core.models import OrgUnit, Region
from openkreis.core.staff import add_staff, ensure_totp

from . import services
from .models import (
    AssessedOrganisation,
    EfaOffer,
    MaturityAssessment,
    MaturityModel,
    RadarEntry,
    Rollout,
    RolloutSite,
)

FOLDER = "radar"
OFFER_KEYS = {"service", "name", "state", "platform", "conditions", "status", "url"}


def _err(path: Path, where: str, message: str) -> TenantDataError:
    return TenantDataError(f"{path}: {where}: {message}")


def _date(path: Path, where: str, value) -> dt.date | None:
    if value in (None, ""):
        return None
    if isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(str(value))
    except ValueError as exc:
        raise _err(path, where, f"not a date (YYYY-MM-DD): {value!r}") from exc


def _services(tenant) -> dict[str, Service]:
    return {s.slug: s for s in Service.objects.filter(tenant=tenant)}


def load(tenant, folder: Path, report: LoadReport) -> None:
    """The county-data step "radar"."""
    base = Path(folder) / FOLDER
    if tenant is None or not base.is_dir():
        return
    by_slug = _services(tenant)
    if (base / "efa.yaml").exists():
        load_offers(base / "efa.yaml", by_slug, report)
    if (base / "maturity.yaml").exists():
        load_maturity(base / "maturity.yaml", report)
    if (base / "rollout.yaml").exists():
        load_rollout(base / "rollout.yaml", tenant, by_slug, report)


def load_offers(path: Path, by_slug: dict, report: LoadReport) -> None:
    data = read_yaml(path) or {}
    for i, spec in enumerate(data.get("offers") or [], start=1):
        where = f"offers[{i}]"
        if not isinstance(spec, dict):
            raise _err(path, where, "an offer is a mapping")
        unknown = set(spec) - OFFER_KEYS
        if unknown:
            raise _err(path, where, f"unknown keys {sorted(unknown)}")
        service = by_slug.get(spec.get("service"))
        if service is None:
            raise _err(path, where, f"unknown service {spec.get('service')!r}")
        if spec.get("status") not in EfaOffer.Status.values:
            raise _err(path, where, f"status must be one of {EfaOffer.Status.values}")
        if not spec.get("name") or not spec.get("state"):
            raise _err(path, where, "name and state are required")
        upsert(
            EfaOffer,
            report,
            {"service": service, "name": spec["name"], "providing_state": spec["state"]},
            {
                "platform": spec.get("platform") or "",
                "conditions": spec.get("conditions") or "",
                "status": spec["status"],
                "url": spec.get("url") or "",
                "source": "county",
            },
        )


def validate_maturity(path: Path, data) -> dict:
    if not isinstance(data, dict) or not isinstance(data.get("dimensions"), list):
        raise _err(path, "top", "needs 'version' and a list 'dimensions'")
    if not data["dimensions"]:
        raise _err(path, "dimensions", "at least one dimension")
    seen: set[str] = set()
    dims = []
    for i, dim in enumerate(data["dimensions"], start=1):
        where = f"dimensions[{i}]"
        if not isinstance(dim, dict) or not dim.get("key") or not dim.get("name"):
            raise _err(path, where, "a dimension needs key and name")
        qs = []
        for j, q in enumerate(dim.get("questions") or [], start=1):
            qwhere = f"{where}.questions[{j}]"
            if not isinstance(q, dict) or not q.get("id") or not q.get("text"):
                raise _err(path, qwhere, "a question needs id and text")
            if q["id"] in seen:
                raise _err(path, qwhere, f"duplicate question id {q['id']!r}")
            seen.add(q["id"])
            lv = q.get("levels")
            if not isinstance(lv, list) or len(lv) != 4 or not all(lv):
                raise _err(path, qwhere, "levels: four texts, for levels 1 to 4")
            qs.append({"id": str(q["id"]), "text": str(q["text"]), "levels": [str(x) for x in lv]})
        if not qs:
            raise _err(path, where, "at least one question")
        dims.append({"key": str(dim["key"]), "name": str(dim["name"]), "questions": qs})
    return {
        "version": str(data.get("version") or "1"),
        "levels": [str(x) for x in (data.get("levels") or [])][:4],
        "dimensions": dims,
    }


def load_maturity(path: Path, report: LoadReport) -> None:
    definition = validate_maturity(path, read_yaml(path))
    upsert(
        MaturityModel,
        report,
        {"key": "default"},
        {"version": definition["version"], "definition": definition},
    )


def load_rollout(path: Path, tenant, by_slug: dict, report: LoadReport) -> None:
    data = read_yaml(path) or {}
    slugs = data.get("services") or []
    for slug in slugs:
        if slug not in by_slug:
            raise _err(path, "services", f"unknown service {slug!r}")
    for position, spec in enumerate(data.get("municipalities") or []):
        where = f"municipalities[{position + 1}]"
        ags = str((spec or {}).get("ags") or "")
        region = Region.objects.filter(ags=ags, kind=Region.Kind.MUNICIPALITY).first()
        if region is None:
            raise _err(path, where, f"no municipality with AGS {ags!r}")
        site = upsert(
            RolloutSite,
            report,
            {"region": region},
            {"position": position, "is_model": position == 0},
        )
        for slug, cell in (spec.get("services") or {}).items():
            if slug not in slugs:
                raise _err(path, f"{where}.{slug}", "not in the list 'services'")
            cell = cell or {}
            if cell.get("status") not in Rollout.Status.values:
                raise _err(path, f"{where}.{slug}", f"status one of {Rollout.Status.values}")
            upsert(
                Rollout,
                report,
                {"site": site, "service": by_slug[slug]},
                {
                    "status": cell["status"],
                    "date": _date(path, f"{where}.{slug}", cell.get("date")),
                },
            )


# -- demo ----------------------------------------------------------------------------------------
DEMO_OFFICE = "programm-buero"
DEMO_OFFICE_PASSWORD = "harz-programm-demo-2026"  # noqa: S105 (demo login, printed)
DEMO_OFFICE_SECRET = "PROGRAMMBUERODEMOAAAAAAAAAAAAAAA"  # noqa: S105
DEMO_UNIT = "ozg-programmbuero"
DEMO_UNIT_PARENT = "fachbereich-landrat"
DEMO_CITIZEN = "reifegrad-demo"
DEMO_CITIZEN_PASSWORD = "harz-reifegrad-demo-2026"  # noqa: S105

DEMO_DECISIONS = [
    # service, benefit, effort, legal fit, decision, offer?, owner, decided (days ago), go-live
    ("wohngeld", "high", "low", "fits", "adopt", True, "OZG-Programmbüro", 120, 30),
    ("elterngeld", "high", "low", "fits", "adopt", True, "OZG-Programmbüro", 90, 60),
    ("kfz-zulassung", "high", "medium", "fits", "adopt", True, "Straßenverkehrsamt", 60, 90),
    ("baugenehmigung", "high", "high", "changes", "build", False, "Bauordnungsamt", 45, 240),
    ("sperrmuell", "medium", "low", "fits", "build", False, "Abfallwirtschaft", 20, 45),
    ("jagdschein", "low", "medium", "unclear", "wait", False, "Ordnungsamt", 10, None),
]


def _demo_unit() -> OrgUnit | None:
    """The county's OZG programme office (made here, if the county has the parent unit)."""
    unit = OrgUnit.objects.filter(key=DEMO_UNIT).first()
    if unit is not None:
        return unit
    parent = OrgUnit.objects.filter(key=DEMO_UNIT_PARENT).first()
    if parent is None:
        return None
    return OrgUnit.objects.create(
        organisation=parent.organisation,
        parent=parent,
        key=DEMO_UNIT,
        name="OZG-Programmbüro (Digitalisierung)",
        kind=OrgUnit.Kind.STABSSTELLE,
    )


def load_demo(tenant, folder, report: LoadReport) -> None:
    """Assessments and decisions for six services, two self-assessments of a demo club and
    the programme office's login (password + TOTP). Idempotent; the login may exist already
    (the programme app uses the same one)."""
    if tenant is None:
        return
    unit = _demo_unit()
    office = None
    if unit is not None:
        office = add_staff(
            DEMO_OFFICE,
            f"{DEMO_OFFICE}@example.org",
            DEMO_OFFICE_PASSWORD,
            unit,
            ["programme_office"],
            first_name="Programm",
            last_name="Büro",
        )
        ensure_totp(office, DEMO_OFFICE_SECRET)
    by_slug = _services(tenant)
    today = timezone.localdate()
    for slug, benefit, effort, fit, decision, with_offer, owner, ago, live in DEMO_DECISIONS:
        service = by_slug.get(slug)
        if (
            service is None
            or RadarEntry.objects.filter(service=service).exclude(decision="").exists()
        ):
            continue
        entry = services.entry_for(service)
        services.assess(entry, office, {"benefit": benefit, "effort": effort, "legal_fit": fit})
        offer = service.efa_offers.first() if with_offer else None
        if decision == "adopt" and offer is None:
            decision = "wait"
        decided = today - dt.timedelta(days=ago)
        services.decide(
            entry,
            office,
            {
                "decision": decision,
                "offer": offer,
                "owner": owner,
                "decided_on": decided,
                "go_live": decided + dt.timedelta(days=live) if live else None,
            },
        )
        report.created += 1
    _demo_self_assessment(report)
    report.write("\nOZG-Radar (/ozg/radar/), password + TOTP:")
    report.write(
        f"  {'OZG-Programmbüro':<30} {DEMO_OFFICE:<22} {DEMO_OFFICE_PASSWORD}  {DEMO_OFFICE_SECRET}"
    )
    report.write(f"Digitaler Reifegrad (/ozg/reifegrad/): {DEMO_CITIZEN} / {DEMO_CITIZEN_PASSWORD}")


def _demo_self_assessment(report: LoadReport) -> None:
    model = services.maturity_model()
    if model is None:
        return
    user, created = get_user_model().objects.get_or_create(
        username=DEMO_CITIZEN, defaults={"email": f"{DEMO_CITIZEN}@example.org"}
    )
    if created:
        user.set_password(DEMO_CITIZEN_PASSWORD)
        user.save()
    EmailAddress.objects.update_or_create(
        user=user, email=user.email, defaults={"verified": True, "primary": True}
    )
    org = AssessedOrganisation.objects.filter(members=user).first()
    if org is None:
        region = Region.objects.filter(kind=Region.Kind.MUNICIPALITY, name="Thale").first()
        org = services.create_organisation(user, "Sportverein Thale 1921 e. V.", "club", region)
    if MaturityAssessment.objects.filter(organisation=org).exists():
        return
    qs = services.questions(model.definition)
    first = {q["id"]: 1 + (i % 2) for i, (_k, _n, q) in enumerate(qs)}
    second = {key: min(4, value + 1) for key, value in first.items()}
    old = services.submit_assessment(org, user, first)
    MaturityAssessment.objects.filter(pk=old.pk).update(
        created_at=timezone.now() - dt.timedelta(days=180)
    )
    services.submit_assessment(org, user, second)
    report.created += 2
