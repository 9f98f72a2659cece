"""Digitale Werkstatt (issue 23, docs/learning.md): advice offers as county data
(tenants/<slug>/learning/werkstatt.yaml), requests that become cases in the eAkte for the
Werkstatt team, consultation bookings through the appointments engine.

A request is an AdviceRequest and a case of the catalogue service named in the file's `team`
(its competence names the team's unit): the team answers in the eAkte and keeps its notes on
the case; the citizen sees the case in the mailbox like any other. A consultation is booked
on the appointments engine's own pages (no second booking engine)."""

from __future__ import annotations

import re
from pathlib import Path
from urllib.parse import urlencode

from django.db import transaction
from django.urls import reverse
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from openkreis.appointments.models import AppointmentService
from openkreis.cases import services as cases
from openkreis.cases.models import Case
from openkreis.catalog.models import Service
from openkreis.core import event_kinds
from openkreis.core.loader import LoadReport, TenantDataError, read_yaml, upsert
from openkreis.core.models import Region
from openkreis.core.services import record_event

from .models import AdviceOffer, AdviceRequest

FILE = "learning/werkstatt.yaml"
SLUG = re.compile(r"^[a-z0-9][a-z0-9-]*$")
OFFER_KEYS = {"slug", "title", "title_en", "topic", "summary", "summary_en", "audiences"}
OFFER_KEYS |= {"free", "cost_note", "appointment_service", "published"}
AUDIENCES = set(AdviceOffer.Audience.values)
# the catalogue service of requests, per county (the file's team.service)
TEAM_SERVICE_KEY = "learning.werkstatt.service"


class WerkstattError(Exception):
    """A request the Werkstatt cannot take (message in the user's language)."""


# -- county data ------------------------------------------------------------------------------
def _error(path: Path, where: str, message: str) -> TenantDataError:
    return TenantDataError(f"{path}: {where}: {message}")


def _offer_values(path: Path, position: int, spec: dict) -> tuple[str, dict]:
    if not isinstance(spec, dict):
        raise _error(path, f"offers[{position}]", "must be a mapping")
    slug = str(spec.get("slug") or "")
    where = f"offer {slug or position}"
    if not SLUG.match(slug):
        raise _error(path, where, "slug must be lower-case letters, digits and hyphens")
    unknown = set(spec) - OFFER_KEYS
    if unknown:
        raise _error(path, where, f"unknown keys {sorted(unknown)}")
    for name in ("title", "topic", "summary"):
        if not str(spec.get(name) or "").strip():
            raise _error(path, where, f"{name} is missing")
    audiences = spec.get("audiences") or []
    if not isinstance(audiences, list) or not audiences or set(audiences) - AUDIENCES:
        raise _error(path, where, f"audiences must be a list of {sorted(AUDIENCES)}")
    free = spec.get("free", True)
    if not isinstance(free, bool):
        raise _error(path, where, "free must be true or false")
    cost_note = str(spec.get("cost_note") or "").strip()
    if not free and not cost_note:
        raise _error(path, where, "an offer at cost needs a cost_note")
    booking = str(spec.get("appointment_service") or "")
    if booking and not AppointmentService.objects.filter(key=booking).exists():
        raise _error(path, where, f"unknown appointment service {booking!r}")
    return slug, {
        "title": str(spec["title"]).strip()[:200],
        "title_en": str(spec.get("title_en") or "").strip()[:200],
        "topic": str(spec["topic"]).strip()[:100],
        "summary": str(spec["summary"]).strip(),
        "summary_en": str(spec.get("summary_en") or "").strip(),
        "audiences": list(dict.fromkeys(audiences)),
        "free": free,
        "cost_note": cost_note[:200],
        "appointment_service": booking,
        "order": position,
        "published": bool(spec.get("published", True)),
    }


def load(tenant, folder: Path, report: LoadReport) -> None:
    """County-data step "learning-werkstatt": the offers of tenants/<slug>/learning/
    werkstatt.yaml (natural key: slug; only what differs is written). Offers that left the
    file are unpublished, never deleted (requests point to them)."""
    path = folder / FILE
    if not path.exists():
        return
    data = read_yaml(path) or {}
    if not isinstance(data, dict):
        raise _error(path, "file", "must be a mapping with team and offers")
    team = data.get("team") or {}
    service_slug = str(team.get("service") or "")
    if service_slug:
        services = Service.objects.filter(slug=service_slug)
        if tenant is not None:
            services = services.filter(tenant=tenant)
        if not services.exists():
            raise _error(path, "team", f"unknown catalogue service {service_slug!r}")
    offers = data.get("offers") or []
    if not isinstance(offers, list):
        raise _error(path, "offers", "must be a list")
    seen: set[str] = set()
    for position, spec in enumerate(offers):
        slug, values = _offer_values(path, position, spec)
        if slug in seen:
            raise _error(path, f"offer {slug}", "slug appears twice")
        seen.add(slug)
        upsert(AdviceOffer, report, {"slug": slug}, values)
    gone = AdviceOffer.objects.filter(published=True).exclude(slug__in=seen)
    report.updated += gone.update(published=False)


def team_service() -> Service:
    """The catalogue service under which requests become cases."""
    service = Service.objects.filter(slug="digitale-werkstatt-beratung").first()
    if service is None:
        raise WerkstattError(_("The Digitale Werkstatt cannot take requests at the moment."))
    return service


# -- reading ----------------------------------------------------------------------------------
def offers(*, audience: str = "", topic: str = ""):
    """Published offers, optionally for one audience and one topic."""
    qs = AdviceOffer.objects.filter(published=True)
    found = list(qs.filter(topic=topic) if topic else qs)
    if audience:
        found = [offer for offer in found if audience in offer.audiences]
    return found


def topics() -> list[str]:
    """The topics of the published offers (for the filter)."""
    return sorted(set(AdviceOffer.objects.filter(published=True).values_list("topic", flat=True)))


def offer_text(offer: AdviceOffer) -> dict:
    """Title and summary in the active language (German when no English text exists)."""
    english = (get_language() or "de").startswith("en")
    return {
        "title": (offer.title_en if english else "") or offer.title,
        "summary": (offer.summary_en if english else "") or offer.summary,
    }


def booking_url(offer: AdviceOffer) -> str:
    """The appointments engine's page where a consultation for `offer` is booked, or ""."""
    if not offer.appointment_service:
        return ""
    service = AppointmentService.objects.filter(
        key=offer.appointment_service, bookable=True, branches__private=False
    ).first()
    if service is None:
        return ""
    return reverse("appointments:location") + "?" + urlencode({"leistung": service.key})


def requests_of(user):
    """The user's own requests with their case's status (newest first)."""
    rows = list(AdviceRequest.objects.filter(user=user).select_related("offer", "municipality"))
    by_id = {
        case.pk: case
        for case in Case.objects.filter(
            pk__in=[r.case_id for r in rows if r.case_id], applicant_user=user
        ).select_related("procedure")
    }
    result = []
    for row in rows:
        case = by_id.get(row.case_id)
        result.append(
            {
                "request": row,
                "case": case,
                "status": cases.citizen_status(case) if case is not None else None,
            }
        )
    return result


# -- requests ---------------------------------------------------------------------------------
def request_advice(
    *,
    user,
    offer: AdviceOffer,
    audience: str,
    message: str,
    organisation: str = "",
    municipality: Region | None = None,
    consent: bool,
) -> AdviceRequest:
    """A citizen's request: the AdviceRequest and its case in the eAkte (for the Werkstatt
    team's unit, in the applicant's mailbox) in one transaction; event
    `learning.advice_requested` without personal data."""
    if not getattr(user, "is_authenticated", False):
        raise WerkstattError(_("Please log in to send a request."))
    if not offer.published:
        raise WerkstattError(_("This offer is no longer available."))
    if audience not in offer.audiences:
        raise WerkstattError(_("This offer is not meant for the group you chose."))
    message = (message or "").strip()
    if not message:
        raise WerkstattError(_("Please write your question."))
    if not consent:
        raise WerkstattError(_("Please agree that the Werkstatt team may contact you."))
    service = team_service()
    audience_label = str(AdviceOffer.Audience(audience).label)
    name = (user.get_full_name() or user.username).strip()
    summary = [
        {
            "title": "Anfrage an die Digitale Werkstatt",
            "answers": [
                {"label": "Angebot", "value": offer.title},
                {"label": "Anfrage als", "value": audience_label},
                {"label": "Verein oder Betrieb", "value": organisation or "–"},
                {"label": "Gemeinde", "value": municipality.name if municipality else "–"},
                {"label": "Frage", "value": message},
                {"label": "Einwilligung", "value": "Kontaktaufnahme durch die Werkstatt erlaubt"},
            ],
        }
    ]
    with transaction.atomic():
        row = AdviceRequest.objects.create(
            offer=offer,
            user=user,
            audience=audience,
            organisation=organisation.strip()[:200],
            municipality=municipality,
            message=message,
        )
        case = cases.open_case(
            service=service,
            channel=Case.Channel.ONLINE,
            applicant=cases.Applicant(name=name, email=user.email or "", user=user),
            region=municipality,
            data={
                "summary": summary,
                "answers": {
                    "offer": offer.slug,
                    "audience": audience,
                    "organisation": row.organisation,
                    "question": message,
                },
                "werkstatt": {"request": str(row.key)},
            },
            actor=user,
            idempotency_key=f"werkstatt:{row.key}",
            complete=True,
        )
        row.case_id = case.pk
        row.save(update_fields=["case_id"])
        record_event(
            event_kinds.LEARNING_ADVICE_REQUESTED,
            data={
                "offer": offer.slug,
                "audience": audience,
                "municipality": municipality.ars if municipality else "",
            },
        )
    return row
