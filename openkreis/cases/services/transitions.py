"""Workflow steps of a case: the procedure's transitions with their effects, assignment,
handover, requests for documents and their answers, the decision, reminders."""

from __future__ import annotations

import datetime as dt
import hashlib

from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from openkreis.core import staff
from openkreis.core.models import OrgUnit, StaffMembership

from .. import decision, workflow
from ..models import (
    Case,
    Document,
    DocumentRequest,
)
from .audit import audit
from .common import OUTCOMES, WORKING_ROLES, CaseError, Role
from .delivery import schedule_delivery
from .documents import _store_document, attach_document
from .history import _event, _history, roles_in_unit
from .opening import office_for
from .queries import visible_cases
from .uploads import ValidatedFile, _as_validated


# What a step does to the case row besides moving its state, by step name: a table, so a
# procedure's new step with an effect is one function and one row here, not another branch.
def _claimed(case: Case, *, actor, at: dt.datetime, extra: dict) -> None:
    if actor is not None and getattr(actor, "pk", None):
        case.assignee = actor


def _decided(case: Case, *, actor, at: dt.datetime, extra: dict) -> None:
    case.decided_at = at
    case.outcome = extra.get("outcome", "")
    years = case.plan_item.retention_years
    case.retain_until = (timezone.localtime(at) + dt.timedelta(days=365 * years)).date()


def _reopened(case: Case, *, actor, at: dt.datetime, extra: dict) -> None:
    case.decided_at, case.outcome = None, ""


STEP_EFFECTS = {"claim": _claimed, "decide": _decided, "reopen": _reopened}


def transition(case: Case, name: str, *, actor, note: str = "", **extra) -> Case:
    """Take the workflow step `name` if the procedure allows it now and `actor` may."""
    with transaction.atomic():
        case = (
            Case.objects.select_for_update().select_related("procedure", "org_unit").get(pk=case.pk)
        )
        definition = case.procedure.definition
        try:
            step = workflow.find(definition, name, case.state)
        except workflow.WorkflowError as exc:
            raise CaseError(_("This step is not possible now.")) from exc
        if step.roles and not roles_in_unit(actor, case.org_unit).intersection(step.roles):
            raise CaseError(_("You may not take this step."))
        at = extra.pop("at", None) or timezone.now()
        from_state = case.state
        case.state = step.target
        case.state_kind = workflow.state_info(definition, step.target)["kind"]
        effect = STEP_EFFECTS.get(name)
        if effect is not None:
            effect(case, actor=actor, at=at, extra=extra)
        case.save()
        _history(
            case,
            step.activity if step.activity != "transition" else name,
            from_state,
            at,
            actor,
            note,
        )
        event_extra = dict(extra)
        if step.activity == "transition":
            event_extra.update(from_state=from_state, step=name)
        _event(case, step.activity, at, **event_extra)
        audit(f"case.{name}", actor=actor, case=case, detail={"from": from_state, "to": case.state})
    return case


def assign(case: Case, assignee, *, actor) -> Case:
    """A team lead gives the case to a caseworker of the unit."""
    if Role.TEAM_LEAD not in roles_in_unit(actor, case.org_unit):
        raise CaseError(_("Only a team lead may assign cases."))
    if not roles_in_unit(assignee, case.org_unit).intersection(WORKING_ROLES):
        raise CaseError(_("This person does not work in the case's unit."))
    with transaction.atomic():
        Case.objects.filter(pk=case.pk).update(assignee=assignee)
        case.refresh_from_db()
        _history(case, "assigned", case.state, timezone.now(), actor, note=assignee.username)
        _event(case, "assigned", timezone.now())
        audit("case.assign", actor=actor, case=case, detail={"to": assignee.username})
    return case


def _unit_and_ancestors(unit: OrgUnit) -> set[int]:
    ids, node = set(), unit
    while node is not None and node.pk not in ids:
        ids.add(node.pk)
        node = node.parent
    return ids


def assignable_staff(lead, case: Case | None = None):
    """The caseworkers (and leads) a team lead may give cases to: members with a working role
    in the lead's units — for one `case`, only those who work in the case's unit."""
    units = staff.unit_ids_for(lead, [Role.TEAM_LEAD])
    if case is not None:
        if case.org_unit_id not in units:
            return get_user_model().objects.none()
        units = units & _unit_and_ancestors(case.org_unit)
    members = StaffMembership.objects.filter(org_unit_id__in=units, role__in=WORKING_ROLES).values(
        "user_id"
    )
    return get_user_model().objects.filter(pk__in=members).order_by("last_name", "username")


def assign_many(case_ids, assignee, *, actor) -> tuple[list[Case], list[tuple[str, str]]]:
    """Assign several cases of the lead's units to `assignee` (each through `assign`).
    Returns (assigned cases, [(file number, why not)]). Cases outside the lead's units are
    not found (as if they did not exist)."""
    ids = {int(i) for i in case_ids if str(i).isdigit()}
    cases = visible_cases(actor, [Role.TEAM_LEAD]).filter(pk__in=ids).order_by("file_number")
    done, refused = [], []
    for case in cases:
        if case.state_kind == "done":
            refused.append((case.file_number, _("The case is already decided.")))
            continue
        try:
            done.append(assign(case, assignee, actor=actor))
        except CaseError as exc:
            refused.append((case.file_number, str(exc)))
    return done, refused


def hand_over(case: Case, unit: OrgUnit, *, actor, reason: str) -> Case:
    """Move the case to another unit's inbox (with the reason in the history)."""
    if not roles_in_unit(actor, case.org_unit).intersection(WORKING_ROLES):
        raise CaseError(_("You may not hand over this case."))
    if not reason.strip():
        raise CaseError(_("Please give a reason for the handover."))
    if unit.pk == case.org_unit_id:
        raise CaseError(_("The case is already in this unit."))
    with transaction.atomic():
        old = case.org_unit.key
        definition = case.procedure.definition
        case.org_unit = unit
        case.office = office_for(unit, case.region, case.service)
        case.assignee = None
        case.state = definition["initial"] if case.state_kind != "done" else case.state
        case.state_kind = workflow.state_info(definition, case.state)["kind"]
        case.save()
        at = timezone.now()
        _history(case, "handed_over", case.state, at, actor, note=reason)
        _event(case, "handed_over", at, from_org_unit=old)
        audit("case.hand_over", actor=actor, case=case, detail={"from": old, "to": unit.key})
    return case


def request_documents(
    case: Case, items: list[str], deadline: dt.date, *, actor, message: str = ""
) -> DocumentRequest:
    """Nachforderung: ask the applicant for documents by a deadline; the case waits."""
    items = [i.strip() for i in items if i and i.strip()]
    if not items:
        raise CaseError(_("Name at least one missing document."))
    if deadline <= timezone.localdate():
        raise CaseError(_("The deadline must be in the future."))
    with transaction.atomic():
        req = DocumentRequest.objects.create(
            case=case, items=items, message=message, deadline=deadline, created_at=timezone.now()
        )
        case = transition(
            case, "request_documents", actor=actor, deadline=deadline.isoformat(), count=len(items)
        )
        schedule_delivery("request", case, request=req)
    return req


def deliver_documents(
    case: Case,
    files,
    *,
    channel: str = "online",
    actor=None,
    request_id=None,
    account=None,
) -> list[Document]:
    """The applicant's answer to a request: files go into the case, the request is fulfilled,
    and the case returns to the caseworker who asked (or, if that person no longer works in
    the unit, to the unit's inbox)."""
    if account is not None and case.applicant_user_id != getattr(account, "pk", None):
        raise LookupError(_("This case is not yours."))
    validated = [_as_validated(item) for item in files]
    if not validated:
        raise ValueError(_("Choose at least one file to upload."))
    with transaction.atomic():
        open_requests = case.requests.filter(fulfilled_at__isnull=True)
        if request_id:
            open_requests = open_requests.filter(pk=request_id)
        if not open_requests.exists():
            raise LookupError(_("There is no open request for documents."))
        documents = [
            _store_document(case, item, channel=channel, sender=case.applicant_name).document
            for item in validated
        ]
        open_requests.update(fulfilled_at=timezone.now())
        if case.state_kind == "applicant":
            case = transition(case, "documents_received", actor=actor, count=len(documents))
            _back_to_assignee(case)
    return documents


def _back_to_assignee(case: Case) -> None:
    """The documents a caseworker asked for go back to that caseworker, not into the unit's
    queue where they had to claim their own case again (users pressed "Übernehmen" twice).
    Only when the procedure lets the case be claimed now and the person still works in the
    unit; otherwise the case waits in the inbox as before."""
    assignee = case.assignee
    if assignee is None or not roles_in_unit(assignee, case.org_unit).intersection(WORKING_ROLES):
        return
    try:
        workflow.find(case.procedure.definition, "claim", case.state)
    except workflow.WorkflowError:
        return
    transition(case, "claim", actor=assignee, note=_("Back with the requested documents"))


def decide(case: Case, *, actor, outcome: str, text: str, notify: bool = True) -> Document:
    """Issue the decision (Bescheid): PDF/A from the procedure's template, filed in the case,
    delivered to the applicant; the case is decided."""
    if outcome not in OUTCOMES:
        raise CaseError(_("Choose the outcome of the decision."))
    if not text.strip():
        raise CaseError(_("The decision needs a reasoning."))
    with transaction.atomic():
        case = transition(case, "decide", actor=actor, outcome=outcome)
        pdf = decision.render_decision(case, outcome=outcome, text=text)
        document = _store_document(
            case,
            ValidatedFile(
                name=f"Bescheid-{case.file_number}.pdf",
                data=pdf,
                mime="application/pdf",
                sha256=hashlib.sha256(pdf).hexdigest(),
                size=len(pdf),
            ),
            channel=case.channel,
            sender=case.org_unit.name,
            doc_type="bescheid",
        ).document
        if notify:
            schedule_delivery("decision", case, document=document)
    return document


def send_reminders(today: dt.date | None = None) -> int:
    """Remind applicants once whose requested documents are past the deadline; the case's
    unit sees the overdue request on the case page. Returns how many were reminded."""
    today = today or timezone.localdate()
    due = DocumentRequest.objects.filter(
        fulfilled_at__isnull=True, reminded_at__isnull=True, deadline__lt=today
    ).select_related("case__service", "case__org_unit", "case__procedure")
    count = 0
    for req in due:
        with transaction.atomic():
            updated = DocumentRequest.objects.filter(pk=req.pk, reminded_at__isnull=True).update(
                reminded_at=timezone.now()
            )
            if not updated:
                continue  # another worker sent it
            audit("case.reminder", case=req.case, detail={"request": req.pk})
            schedule_delivery("reminder", req.case, request=req)
        count += 1
    return count


def file_reply(
    case_id: int, *, attachments: list[ValidatedFile], message_pdf: ValidatedFile | None = None
) -> Case:
    """The applicant's reply to a message about their case, filed in the case: the reply's text
    as a PDF (`message_pdf`) and its attachments. With attachments and an open request for
    documents it is the answer to that request (the request is fulfilled and the case returns
    to the inbox); otherwise the files are added to the case. The case row is locked for the
    whole decision, so a reply and a caseworker's step never interleave."""
    with transaction.atomic():
        case = Case.objects.select_for_update().get(pk=case_id)
        items = ([message_pdf] if message_pdf is not None else []) + list(attachments)
        if attachments and case.requests.filter(fulfilled_at__isnull=True).exists():
            deliver_documents(case, items, channel="online")
            return case
        for item in items:
            attach_document(
                case, item, channel="online", doc_type=item.doc_type, sender=case.applicant_name
            )
    return case
