"""The radar's public functions: assessments and decisions with their history, the cockpit's
figures for a service, the topic and timeline summaries, the public "Was ist online?" list,
the maturity self-assessment and the rollout (docs/radar.md)."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from decimal import ROUND_HALF_UP, Decimal

from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy
from django.utils.translation import pgettext_lazy

from openkreis.catalog.models import OzgTopic, Service
from openkreis.cockpit import read as cockpit_read
from openkreis.core import event_kinds
from openkreis.core.models import Region, Tenant
from openkreis.core.services import record_event

from . import levels
from .models import (
    AssessedOrganisation,
    EfaOffer,
    MaturityAssessment,
    MaturityModel,
    RadarChange,
    RadarEntry,
    Rollout,
    RolloutSite,
)

ASSESSMENT_FIELDS = ("benefit", "effort", "legal_fit", "note")
DECISION_FIELDS = ("decision", "offer", "owner", "decided_on", "go_live", "review_on")
MAX_TEXT = 2000


class RadarError(ValueError):
    """A change the radar refuses, with a message for the user."""


# -- entries, assessments, decisions ------------------------------------------------------------
def entry_for(service: Service) -> RadarEntry:
    """The service's radar entry (made on first use)."""
    entry, _created = RadarEntry.objects.get_or_create(service=service)
    return entry


def _plain(value):
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, EfaOffer):
        return value.pk
    return value


def _apply(entry: RadarEntry, user, kind: str, values: dict, fields: tuple) -> dict:
    changes = {}
    for name in fields:
        if name not in values:
            continue
        before = getattr(entry, name)
        after = values[name]
        if _plain(before) != _plain(after):
            changes[name] = [_plain(before), _plain(after)]
            setattr(entry, name, after)
    if changes:
        entry.save()
        RadarChange.objects.create(
            entry=entry,
            changed_by=user,
            changed_by_name=getattr(user, "username", "") or "",
            kind=kind,
            changes=changes,
        )
    return changes


@transaction.atomic
def assess(entry: RadarEntry, user, values: dict) -> dict:
    """Change the assessment (benefit, effort, legal fit, note); returns what changed."""
    if len(values.get("note") or "") > MAX_TEXT:
        raise RadarError(_("The note is too long."))
    return _apply(entry, user, "assessment", values, ASSESSMENT_FIELDS)


@transaction.atomic
def decide(entry: RadarEntry, user, values: dict) -> dict:
    """Record the decision (adopt the EfA service / build our own / wait) with its owner and
    dates, its history row and the event `radar.decided`. Returns what changed."""
    decision = values.get("decision") or ""
    if decision not in (RadarEntry.Decision.ADOPT, RadarEntry.Decision.BUILD, "wait"):
        raise RadarError(_("Please choose a decision."))
    if not (values.get("owner") or "").strip():
        raise RadarError(_("Please name who is responsible."))
    offer = values.get("offer")
    if offer is not None and offer.service_id != entry.service_id:
        raise RadarError(_("This EfA offer is for another service."))
    if decision == RadarEntry.Decision.ADOPT and offer is None:
        raise RadarError(_("To adopt an EfA service, choose which offer."))
    if decision != RadarEntry.Decision.ADOPT:
        values = {**values, "offer": None}
    values = {**values, "owner": values["owner"].strip()}
    if not values.get("decided_on"):
        values["decided_on"] = timezone.localdate()
    go_live = values.get("go_live")
    if go_live and go_live < values["decided_on"]:
        raise RadarError(_("The go-live cannot be before the decision."))
    changes = _apply(entry, user, "decision", values, DECISION_FIELDS)
    if changes:
        record_event(
            event_kinds.RADAR_DECIDED,
            subject=f"service:{entry.service.slug}",
            data={
                "service": entry.service.slug,
                "decision": entry.decision,
                "offer": entry.offer_id,
                "go_live": entry.go_live.isoformat() if entry.go_live else None,
            },
        )
    return changes


CHANGE_LABELS = {
    "benefit": _lazy("Expected benefit"),
    "effort": _lazy("Effort"),
    "legal_fit": _lazy("Legal fit"),
    "note": _lazy("Note"),
    "decision": pgettext_lazy("radar", "Decision"),
    "offer": _lazy("EfA offer"),
    "owner": _lazy("Responsible"),
    "decided_on": _lazy("Decided on"),
    "go_live": _lazy("Planned go-live"),
    "review_on": _lazy("Review on"),
}
_CHOICES = {
    "benefit": dict(RadarEntry.Benefit.choices),
    "effort": dict(RadarEntry.Benefit.choices),
    "legal_fit": dict(RadarEntry.LegalFit.choices),
    "decision": dict(RadarEntry.Decision.choices),
}


def _shown(name: str, value, offers: dict) -> str:
    if value in (None, ""):
        return "–"
    if name in _CHOICES:
        return str(_CHOICES[name].get(value, value))
    if name == "offer":
        return offers.get(value, f"#{value}")
    if name in ("decided_on", "go_live", "review_on"):
        try:
            return dt.date.fromisoformat(value).strftime("%d.%m.%Y")
        except (TypeError, ValueError):
            return str(value)
    return str(value)


def history(entry: RadarEntry) -> list[dict]:
    """The entry's changes, newest first, each with its fields in words."""
    rows = list(entry.changes.all())
    ids = {v for r in rows for pair in [r.changes.get("offer")] if pair for v in pair if v}
    offers = {o.pk: str(o) for o in EfaOffer.objects.filter(pk__in=ids)}
    return [
        {
            "change": r,
            "items": [
                (
                    str(CHANGE_LABELS.get(name, name)),
                    _shown(name, a, offers),
                    _shown(name, b, offers),
                )
                for name, (a, b) in r.changes.items()
            ],
        }
        for r in rows
    ]


def cockpit_figures(service: Service, today: dt.date | None = None) -> dict:
    """Cases received and decided in the last 12 months and the median lead time, from the
    cockpit's aggregates; a figure over fewer than five cases is None (suppressed)."""
    today = today or timezone.localdate()
    filters = cockpit_read.default_filters(today)
    filters.service = service.slug
    with cockpit_read.one_request():
        head = cockpit_read.headline(filters)
    return {
        "start": filters.start,
        "end": filters.end,
        "received": head["received"],
        "decided": head["decided"],
        "median_lead_days": head["median_lead_days"],
        "suppressed": head["received"] is None or head["median_lead_days"] is None,
        "n_received": head["n_received"],
    }


def entries_by_service(tenant: Tenant) -> dict[int, RadarEntry]:
    return {
        e.service_id: e
        for e in RadarEntry.objects.filter(service__tenant=tenant).select_related("offer")
    }


def staff_list(tenant: Tenant, topic: str = "", decision: str | None = None) -> list[dict]:
    """Every catalogue service with its maturity, offers count and decision."""
    services = Service.objects.filter(tenant=tenant).exclude(level=Service.Level.EXTERNAL)
    if topic:
        services = services.filter(ozg_topic=topic)
    entries = entries_by_service(tenant)
    counts: dict[int, int] = defaultdict(int)
    for sid in EfaOffer.objects.filter(service__tenant=tenant).values_list("service_id", flat=True):
        counts[sid] += 1
    rows = []
    for s in services.order_by("name"):
        entry = entries.get(s.pk)
        chosen = entry.decision if entry else ""
        if decision is not None and decision != chosen:
            continue
        rows.append(
            {
                "service": s,
                "level": levels.level_label(s.maturity_model, s.maturity),
                "offers": counts.get(s.pk, 0),
                "entry": entry,
            }
        )
    return rows


def topic_summary(tenant: Tenant) -> list[dict]:
    """Per OZG topic: services, how many at each level (0–4 of model 1.0), the mean level and
    how many can be applied for online."""
    out = {
        t: {"topic": t, "label": str(label), "n": 0, "levels": [0] * 5, "online": 0}
        for t, label in OzgTopic.choices
    }
    services = Service.objects.filter(tenant=tenant).exclude(level=Service.Level.EXTERNAL)
    for topic, version, level in services.values_list("ozg_topic", "maturity_model", "maturity"):
        row = out.get(topic)
        if row is None:
            continue
        v1 = levels.as_v1(version, level)
        row["n"] += 1
        row["levels"][v1] += 1
        if v1 >= levels.ONLINE_FROM:
            row["online"] += 1
    for row in out.values():
        total = sum(i * n for i, n in enumerate(row["levels"]))
        row["mean"] = round(total / row["n"], 1) if row["n"] else None
    return list(out.values())


def timeline(tenant: Tenant) -> list[dict]:
    """Decisions and planned go-lives, oldest first."""
    rows = []
    entries = (
        RadarEntry.objects.filter(service__tenant=tenant)
        .exclude(decision="")
        .select_related("service", "offer")
    )
    for e in entries:
        rows.append(
            {
                "service": e.service,
                "decision": e.get_decision_display(),
                "decision_key": e.decision,
                "decided_on": e.decided_on,
                "go_live": e.go_live,
                "owner": e.owner,
            }
        )
    rows.sort(key=lambda r: (r["decided_on"] or dt.date.max, r["service"].name))
    return rows


# -- the public list -----------------------------------------------------------------------------
def public_services(tenant: Tenant, topic: str = "", query: str = ""):
    """The county's services (not another authority's) for "Was ist online?"."""
    qs = Service.objects.filter(tenant=tenant).exclude(level=Service.Level.EXTERNAL)
    if topic:
        qs = qs.filter(ozg_topic=topic)
    query = (query or "").strip()[:100]
    if query:
        qs = qs.filter(Q(name__icontains=query) | Q(summary__icontains=query))
    return qs.order_by("name")


# -- maturity self-assessment ---------------------------------------------------------------------
def maturity_model() -> MaturityModel | None:
    return MaturityModel.objects.filter(key="default").first()


def questions(definition: dict) -> list[tuple[str, str, dict]]:
    """(dimension key, dimension name, question) for every question in order."""
    return [(d["key"], d["name"], q) for d in definition["dimensions"] for q in d["questions"]]


def _round(value: Decimal) -> Decimal:
    return value.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


def score(definition: dict, answers: dict[str, int]) -> tuple[dict[str, str], Decimal]:
    """The mean level per dimension (two decimals) and overall (the mean of the dimensions,
    so a dimension with more questions does not weigh more). Every question must be answered
    with a level 1–4."""
    scores: dict[str, str] = {}
    means = []
    for dim in definition["dimensions"]:
        values = []
        for q in dim["questions"]:
            value = answers.get(q["id"])
            if not isinstance(value, int) or isinstance(value, bool) or not 1 <= value <= 4:
                raise RadarError(_("Please answer every question with a level from 1 to 4."))
            values.append(Decimal(value))
        mean = _round(sum(values) / len(values))
        scores[dim["key"]] = str(mean)
        means.append(mean)
    overall = _round(sum(means) / len(means)) if means else Decimal("0.00")
    return scores, overall


def organisations_for(user):
    return AssessedOrganisation.objects.filter(members=user).select_related("region")


@transaction.atomic
def create_organisation(user, name: str, kind: str, region: Region | None = None):
    name = (name or "").strip()
    if not name or len(name) > 200:
        raise RadarError(_("Please enter the organisation's name (at most 200 characters)."))
    if kind not in AssessedOrganisation.Kind.values:
        raise RadarError(_("Please choose the kind of organisation."))
    org = AssessedOrganisation.objects.create(name=name, kind=kind, region=region)
    org.members.add(user)
    return org


@transaction.atomic
def submit_assessment(organisation: AssessedOrganisation, user, answers: dict[str, int]):
    """Score and keep a self-assessment; event `maturity.assessed` (kind and level only)."""
    model = maturity_model()
    if model is None:
        raise RadarError(_("The county has not set up a maturity model."))
    scores, overall = score(model.definition, answers)
    assessment = MaturityAssessment.objects.create(
        organisation=organisation,
        submitted_by=user,
        model_version=model.version,
        answers=answers,
        scores=scores,
        overall=overall,
    )
    record_event(
        event_kinds.MATURITY_ASSESSED,
        data={"kind": organisation.kind, "overall": str(overall), "version": model.version},
    )
    return assessment


def compare(definition: dict, current: MaturityAssessment, previous: MaturityAssessment | None):
    """Rows per dimension: name, now, before, change (strings of two decimals or None)."""
    rows = []
    for dim in definition["dimensions"]:
        now = current.scores.get(dim["key"])
        before = previous.scores.get(dim["key"]) if previous else None
        now = Decimal(now) if now is not None else None
        before = Decimal(before) if before is not None else None
        change = None
        if now is not None and before is not None:
            change = now - before
        rows.append(
            {"key": dim["key"], "name": dim["name"], "now": now, "before": before, "change": change}
        )
    return rows


# -- rollout ------------------------------------------------------------------------------------
def rollout_overview() -> tuple[list[RolloutSite], list[Service], dict]:
    """Sites (Musterkommune first), the services in the rollout, and (site, service) → row."""
    sites = list(RolloutSite.objects.select_related("region"))
    rows = list(Rollout.objects.select_related("service"))
    services = sorted({r.service for r in rows}, key=lambda s: s.name)
    cells = {(r.site_id, r.service_id): r for r in rows}
    return sites, services, cells


@transaction.atomic
def set_rollout(site: RolloutSite, service: Service, status: str, date: dt.date | None):
    if status not in Rollout.Status.values:
        raise RadarError(_("Please choose a rollout status."))
    row, _created = Rollout.objects.update_or_create(
        site=site, service=service, defaults={"status": status, "date": date}
    )
    return row
