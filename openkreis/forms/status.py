"""What "Meine Anträge" shows about a submitted application: status in plain language,
timeline, competent office and contact, expected completion, what the citizen must do.

The case belongs to the eAkte (`cases`); this module only reads it through
`cases.services` (citizen_status) and hands delivered documents to
`cases.services.deliver_documents`."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.utils import timezone
from django.utils.translation import gettext as _

from openkreis.cases import services as cases
from openkreis.catalog import services as catalog
from openkreis.core.models import Region

from . import integration
from .models import Application
from .services import FormError


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
    if unit is None:
        county = Region.objects.filter(kind=Region.Kind.COUNTY).first()
        answer = catalog.resolve_competence(application.service, county) if county else None
        if answer is None:
            return None
        unit, location = answer.org_unit, answer.location
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


def overview(application: Application) -> dict:
    """One row of the list: service, state label, file number, what to do."""
    view = citizen_view(application) if application.status == Application.Status.SUBMITTED else None
    requests = list(_get(view, "requests", []) or []) if view is not None else []
    return {
        "application": application,
        "service": application.service,
        "label": _get(view, "label")
        or (
            _("Draft – not sent yet")
            if application.status == Application.Status.DRAFT
            else _("Received")
        ),
        "action_needed": bool(requests),
        "decided": bool(_get(view, "decided", False)) if view is not None else False,
    }


def details(application: Application) -> dict:
    """Everything of the status page that comes from the case."""
    view = citizen_view(application)
    timeline = list(_get(view, "timeline", []) or []) if view is not None else []
    if not timeline:
        timeline = [{"at": application.submitted_at, "label": _("Application received")}]
    return {
        "status_label": _get(view, "label") or _("Received"),
        "status_text": _get(view, "explanation") or _get(view, "text") or "",
        "timeline": timeline,
        "requests": list(_get(view, "requests", []) or []) if view is not None else [],
        "decided": bool(_get(view, "decided", False)) if view is not None else False,
        "can_rate": bool(_get(view, "decided", False)) and not application.feedback_given,
    }


def deliver(application: Application, request_id: str, uploads: list) -> int:
    """Send documents asked for in a request straight into the case; the number delivered."""
    case = integration.case_of(application)
    if case is None:
        raise FormError(_("Documents cannot be delivered to this case online."))
    if not uploads:
        raise FormError(_("Choose at least one file to upload."))
    if len(uploads) > 10:
        raise FormError(_("Upload at most 10 files at once."))
    files = []
    for upload in uploads:
        content_type = integration.check_upload(
            upload, ["application/pdf", "image/jpeg", "image/png"], 10
        )
        files.append({"name": upload.name, "content": upload, "content_type": content_type})
    try:
        cases.deliver_documents(
            case, files=files, request_id=request_id or None, account=application.user
        )
    except (ValueError, LookupError) as exc:
        raise FormError(str(exc)) from None
    return len(files)
