"""Opening a case from any channel (online, paper, counter): the same kind of case."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any, NamedTuple

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from openkreis.catalog import services as catalog
from openkreis.catalog.models import Competence, Service
from openkreis.core import services as core
from openkreis.core.models import OrgUnit, Region
from openkreis.core.setupcache import SetupCache

from .. import workflow
from ..models import (
    Case,
)
from .audit import audit, release_audit
from .common import CaseError
from .configuration import plan_item_for, procedure_for
from .documents import _store_document
from .history import _event, _history
from .numbering import assign_file_number, pending_file_number
from .uploads import _as_validated


@dataclass
class Applicant:
    name: str
    email: str = ""
    phone: str = ""
    street: str = ""
    postcode: str = ""
    city: str = ""
    date_of_birth: dt.date | None = None
    user: Any = None

    @classmethod
    def from_dict(cls, data: dict, user=None) -> Applicant:
        """From the keys the forms app uses (first_name, last_name, birth_date, …)."""
        name = data.get("name") or " ".join(
            part for part in (data.get("first_name"), data.get("last_name")) if part
        )
        birth = data.get("date_of_birth") or data.get("birth_date") or None
        if isinstance(birth, str):
            try:
                birth = dt.date.fromisoformat(birth)
            except ValueError:
                birth = None
        return cls(
            name=(name or "").strip(),
            email=data.get("email", "") or "",
            phone=data.get("phone", "") or "",
            street=data.get("street", "") or "",
            postcode=data.get("postcode", "") or "",
            city=data.get("city", "") or "",
            date_of_birth=birth,
            user=user,
        )

    @property
    def address(self) -> str:
        town = " ".join(p for p in (self.postcode, self.city) if p)
        return ", ".join(p for p in (self.street, town) if p)


def _competent_unit(service: Service, region: Region | None) -> OrgUnit:
    if region is not None:
        answer = catalog.resolve_competence(service, region)
        if answer is not None:
            return answer.org_unit
    row = Competence.objects.filter(service=service).select_related("org_unit").first()
    if row is None:
        raise CaseError(_("No office is responsible for this service."))
    return row.org_unit


def office_for(unit: OrgUnit, region: Region | None, service: Service | None = None):
    """The building that serves an applicant from `region` for `unit`: the one the
    competence finder names for that town (service page, receipt, status and letter agree),
    else the unit's visitor location nearest to the town's centre."""
    answer = None
    if service is not None and region is not None:
        answer = catalog.resolve_competence(service, region)
    return _office(unit, region, answer)


def _office(unit: OrgUnit, region: Region | None, answer):
    """office_for with the competence finder's `answer` for the town already at hand."""
    if answer is not None and answer.org_unit.pk == unit.pk and answer.location is not None:
        return answer.location
    return core.nearest_location(unit.visitor_locations(), region)


class Routing(NamedTuple):
    """Where a new case of a service from a region goes, and under which rules."""

    unit: OrgUnit
    office: Any  # core.Location or None
    procedure: Any  # cases.Procedure
    plan_item: Any  # cases.FilePlanItem


# The routing of (service, region, unit), kept per process (core.setupcache): opening a case
# asked the database four to eight questions about the county's set-up (competence,
# locations, procedure, file-plan item) for every case, about a third of `open_case`'s time
# (issue 26). `OPENKREIS_ROUTING_CACHE_SECONDS`, default 5; 0 switches it off.
routing_cache = SetupCache(
    "cases-routing",
    catalog.COMPETENCE_MODELS
    | {
        "cases.Procedure",
        "cases.FilePlanItem",
        # the many-to-many tables: procedure/plan item ↔ services
        "cases.Procedure_services",
        "cases.FilePlanItem_services",
    },
    "OPENKREIS_ROUTING_CACHE_SECONDS",
)


def routing(service: Service, region: Region | None, unit: OrgUnit | None = None) -> Routing:
    """The competent unit (or `unit`), the office, the procedure and the file-plan item for
    a new case of `service` from `region` (cached per process, see routing_cache)."""
    key = (service.pk, region.pk if region else None, unit.pk if unit else None)
    return routing_cache.get(key, lambda: _route(service, region, unit))


def _route(service: Service, region: Region | None, unit: OrgUnit | None) -> Routing:
    answer = catalog.resolve_competence(service, region) if region is not None else None
    if unit is None:
        unit = answer.org_unit if answer is not None else _competent_unit(service, None)
    office = _office(unit, region, answer)
    return Routing(unit, office, procedure_for(service), plan_item_for(service))


def _region_for(applicant: Applicant) -> Region | None:
    if applicant.postcode:
        regions = core.regions_for_postcode(applicant.postcode)
        if len(regions) == 1:
            return regions[0]
    return None


def open_case(
    *,
    service: Service,
    channel: str,
    applicant: Applicant | dict,
    region: Region | None = None,
    org_unit: OrgUnit | None = None,
    data: dict | None = None,
    documents=(),
    actor=None,
    received_at: dt.datetime | None = None,
    idempotency_key: str | None = None,
    complete: bool | None = None,
) -> Case:
    """Create a case with its documents: file number, competent unit, procedure, target
    date, retention; writes `case.received`. All documents are validated first, so a bad
    file stores nothing. The file number is drawn last, just before the commit: its counter
    is shared by every new case of the plan item (services.numbering)."""
    if channel not in Case.Channel.values:
        raise CaseError(_("Unknown channel."))
    if isinstance(applicant, dict):
        applicant = Applicant.from_dict(applicant)
    if not applicant.name:
        raise CaseError(_("The applicant's name is missing."))
    files = [_as_validated(item) for item in documents]
    at = received_at or timezone.now()
    with transaction.atomic():
        region = region or _region_for(applicant)
        unit, office, procedure, plan_item = routing(service, region, org_unit)
        definition = procedure.definition
        target = (
            at + dt.timedelta(days=service.processing_days) if service.processing_days else None
        )
        case = Case.objects.create(
            file_number=pending_file_number(),
            service=service,
            procedure=procedure,
            plan_item=plan_item,
            org_unit=unit,
            region=region,
            office=office,
            channel=channel,
            state=definition["initial"],
            state_kind=workflow.state_info(definition, definition["initial"])["kind"],
            received_at=at,
            target_at=target,
            applicant_user=applicant.user,
            applicant_name=applicant.name[:200],
            applicant_email=applicant.email,
            applicant_phone=applicant.phone,
            applicant_address=applicant.address[:300],
            applicant_birth_date=applicant.date_of_birth,
            data=data or {},
            idempotency_key=idempotency_key,
        )
        _history(case, "received", "", at, actor)
        for item in files:
            _store_document(case, item, channel=channel, sender=applicant.name, at=at)
        _event(
            case,
            "received",
            at,
            target_at=target.isoformat() if target else None,
            complete=bool(files) if complete is None else complete,
        )
        audit("case.opened", actor=actor, case=case, detail={"channel": channel})  # held
        # Last, so the counter's row lock lasts two statements, the audit INSERT and the
        # commit; the audit entries about the case (held until now) carry its number.
        assign_file_number(case, plan_item, timezone.localtime(at).year)
        release_audit(case)
    return case
