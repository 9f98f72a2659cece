"""What "Meine Anträge" shows about a submitted application: status in plain language,
timeline, competent office and contact, expected completion, what the citizen must do.

The case belongs to the eAkte (`cases`); this module only reads it through
`cases.services` (citizen_status, cases_for_applicant). Requested documents are uploaded in
the mailbox thread of the case (accounts), not here."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.utils import timezone
from django.utils.translation import gettext as _

from openkreis.cases import services as cases
from openkreis.catalog import services as catalog
from openkreis.core.models import Region
from openkreis.core.setupcache import SetupCache

from . import integration
from .models import Application


def _get(obj: Any, name: str, default: Any = None) -> Any:
    if isinstance(obj, dict):
        return obj.get(name, default)
    return getattr(obj, name, default)


def citizen_view(application: Application) -> Any:
    """cases.citizen_status(case) for the application's case, or None."""
    case = integration.case_of(application)
    if case is None:
        return None
    return cases.citizen_status(case)


def is_decided(application: Application) -> bool:
    """True once the eAkte reports a decision for the application's case."""
    view = citizen_view(application)
    return bool(_get(view, "decided", False)) if view is not None else False


def office_for(application: Application) -> dict | None:
    """The office holding the case (or competent for the service): name, address, contact."""
    case = integration.case_of(application)
    unit = getattr(case, "org_unit", None) if case else None
    location = None
    if case is not None:  # the office the case names (older cases: the nearest one)
        location = case.office or cases.office_for(case.org_unit, case.region, case.service)
    if unit is None:  # no case yet (the receipt right after sending): the county's office
        return competent_office_cache.get(
            application.service_id, lambda: _competent_office(application.service)
        )
    return _office_dict(unit, location)


# The office competent for a service county-wide, per process (core.setupcache): the receipt
# every citizen sees right after sending asked the database five questions for it (county,
# competence, locations, opening hours), a third of the receipt's time at the deadline peak
# (bench/submit.py, docs/scaling.md). `OPENKREIS_ROUTING_CACHE_SECONDS`, as the eAkte's
# routing of new cases.
competent_office_cache = SetupCache(
    "forms-competent-office", catalog.COMPETENCE_MODELS, "OPENKREIS_ROUTING_CACHE_SECONDS"
)


def _competent_office(service) -> dict | None:
    county = Region.objects.filter(kind=Region.Kind.COUNTY).first()
    answer = catalog.resolve_competence(service, county) if county else None
    if answer is None:
        return None
    return _office_dict(answer.org_unit, answer.location)


def _office_dict(unit, location) -> dict:
    if location is None:
        location = (
            unit.locations.order_by("name").first()
            or unit.organisation.locations.order_by("name").first()
        )
    return {
        "name": unit.name,
        "organisation": unit.organisation.name,  # one name for the authority everywhere
        "location": location,
        "email": getattr(unit, "email", "")
        or (location.email if location else "")
        or unit.organisation.email,
        "phone": getattr(unit, "phone", "")
        or (location.phone if location else "")
        or unit.organisation.phone,
    }


def expected_completion(application: Application) -> dt.date | None:
    """The case's target date if the eAkte set one, else submission + processing days."""
    case = integration.case_of(application)
    target = getattr(case, "target_at", None) if case else None
    if target:
        return timezone.localtime(target).date() if isinstance(target, dt.datetime) else target
    days = application.service.processing_days
    if days and application.submitted_at:
        return timezone.localtime(application.submitted_at).date() + dt.timedelta(days=days)
    return None


def is_being_checked(application: Application) -> bool:
    """Sent and acknowledged, but the worker has not opened the case yet ("wird geprüft")."""
    return application.status == Application.Status.SUBMITTED and application.case_id is None


def _label(application: Application, view: Any) -> str:
    if _get(view, "label"):
        return _get(view, "label")
    if application.status == Application.Status.DRAFT:
        if application.registration_error:
            return _("Sent back – please check and send again")
        return _("Draft – not sent yet")
    if is_being_checked(application):
        return _("Being checked")
    return _("Received")


_FETCH = object()  # overview(): no status passed, read the case's own


def overview(application: Application, view: Any = _FETCH) -> dict:
    """One row of the list: service, state label, file number, what to do (`view`: the
    case's status when the caller read it already, see rows_of)."""
    if view is _FETCH:
        view = citizen_view(application) if application.case_id else None
    requests = list(_get(view, "requests", []) or []) if view is not None else []
    return {
        "application": application,
        "service": application.service,
        "label": _label(application, view),
        "action_needed": bool(requests),
        "decided": bool(_get(view, "decided", False)) if view is not None else False,
    }


def case_overview(case, view: dict | None = None) -> dict:
    """One row of "Meine Anträge" for a case of the account that has no online application
    behind it (handed in at the counter or on paper, linked to the account): its status from
    the eAkte; letters and the document upload are in the mailbox thread of the case."""
    view = view or cases.citizen_status(case)
    return {
        "case": case,
        "service": case.service,
        "label": view["label"],
        "action_needed": bool(view["requests"]),
        "decided": view["decided"],
        "date": case.received_at,
    }


def rows_of(user, applications: list[Application], limit: int = 200) -> list[dict]:
    """Everything "Meine Anträge" lists, newest first: drafts, submitted applications and the
    account's other cases (the newest `limit`), each once (a submitted application stands
    for its case)."""
    # The cases' status for every row at once (a fixed number of queries however many rows:
    # an account with hundreds of cases made three queries per row).
    by_id = cases.cases_by_id(a.case_id for a in applications)
    linked = {a.case_id for a in applications if a.case_id}
    others = list(cases.cases_for_applicant(user).exclude(pk__in=linked)[:limit])
    views = cases.citizen_statuses([*by_id.values(), *others])
    rows = []
    for application in applications:
        row = overview(application, views.get(application.case_id))
        row["date"] = application.submitted_at or application.updated_at
        rows.append(row)
    rows.extend(case_overview(case, views[case.pk]) for case in others)
    rows.sort(key=lambda row: row["date"], reverse=True)
    return rows


def details(application: Application) -> dict:
    """Everything of the status page that comes from the case."""
    view = citizen_view(application)
    timeline = list(_get(view, "timeline", []) or []) if view is not None else []
    checking = is_being_checked(application)
    if not timeline:
        label = _("Application sent") if checking else _("Application received")
        timeline = [{"at": application.submitted_at, "label": label}]
    text = _get(view, "explanation") or _get(view, "text") or ""
    if checking:
        text = _(
            "We are checking your documents and opening your file. Your file number "
            "appears here in a moment."
        )
    return {
        "status_label": _label(application, view),
        "status_text": text,
        "timeline": timeline,
        "requests": list(_get(view, "requests", []) or []) if view is not None else [],
        "decided": bool(_get(view, "decided", False)) if view is not None else False,
        "can_rate": bool(_get(view, "decided", False)) and not application.feedback_given,
    }
