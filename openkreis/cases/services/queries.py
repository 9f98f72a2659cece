"""Reading cases: the desk's lists and search (scoped to the user's units) and what a
citizen sees about their own case."""

from __future__ import annotations

from django.db import connection
from django.db.models import F, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from openkreis.core import staff

from .. import workflow
from ..models import (
    Case,
    DocumentRequest,
    DocumentVersion,
    Procedure,
)
from .audit import audit
from .common import ALL_CASE_ROLES, WORKING_ROLES


def visible_cases(user, roles=ALL_CASE_ROLES) -> QuerySet[Case]:
    """Cases of the units where `user` holds one of `roles` (and their sub-units)."""
    units = staff.unit_ids_for(user, roles)
    return Case.objects.filter(org_unit_id__in=units).select_related(
        "service", "org_unit", "assignee", "procedure"
    )


def get_case_for_staff(user, pk: int, *, log_read: bool = True) -> Case:
    """The case if it is in one of the user's units (Case.DoesNotExist otherwise); the read
    is written to the audit trail."""
    case = visible_cases(user).get(pk=pk)
    if log_read:
        audit("case.read", actor=user, case=case)
    return case


def inbox(user, tab: str = "new", unit_id: int | None = None) -> QuerySet[Case]:
    qs = visible_cases(user, WORKING_ROLES)
    if unit_id:
        qs = qs.filter(org_unit_id=unit_id)
    if tab == "mine":
        return qs.filter(assignee=user).exclude(state_kind="done")
    if tab == "waiting":
        return qs.filter(state_kind="applicant")
    if tab == "overdue":
        return qs.exclude(state_kind="done").filter(target_at__lt=timezone.now())
    if tab == "done":
        return qs.filter(state_kind="done")
    return qs.filter(state_kind="queue")


def find_cases(user, query: str) -> QuerySet[Case]:
    """Staff search: file number, applicant name, or a word in the documents' full text."""
    query = (query or "").strip()[:100]
    qs = visible_cases(user)
    if not query:
        return qs.none()
    # A union of three id lists, one per condition, instead of OR over a join: on PostgreSQL
    # each `icontains` then uses its own trigram index (migration 0003), and there is no
    # DISTINCT over case × document × version rows (figures: README, bench/cases.py).
    by_number = Case.objects.filter(file_number__icontains=query).order_by().values("pk")
    by_name = Case.objects.filter(applicant_name__icontains=query).order_by().values("pk")
    in_text = (
        DocumentVersion.objects.filter(text__icontains=query).order_by().values("document__case_id")
    )
    ids = by_number.union(by_name, in_text)
    if connection.vendor == "postgresql":
        # `id = ANY(ARRAY(…))`: the matches become one array, and the cases are fetched by
        # primary key. With `id IN (…)` PostgreSQL hash-joined the matches against a
        # sequential scan of every case in the user's units (a million rows; a common name
        # matches tens of thousands of cases, bench/cases.py).
        sql, params = ids.query.sql_with_params()
        where = f'"cases_case"."id" = ANY(ARRAY({sql}))'  # SQL from the ORM, values as params
        return qs.extra(where=[where], params=list(params))  # noqa: S610
    return qs.filter(pk__in=ids)


def find_cases_for_filing(query: str, limit: int = 10) -> list[Case]:
    """The mail room's lookup when a letter names no file number: cases by (part of) the file
    number or the applicant's name, open cases first. The mail room files for every unit, so
    this is not scoped to units; it returns only what is needed to choose."""
    query = (query or "").strip()[:100]
    if len(query) < 3:
        return []
    qs = Case.objects.filter(
        Q(file_number__icontains=query) | Q(applicant_name__icontains=query)
    ).select_related("service", "org_unit")
    return list(qs.order_by(F("decided_at").desc(nulls_first=True), "-received_at")[:limit])


def cases_for_applicant(user) -> QuerySet[Case]:
    """The cases a citizen applied for (newest first)."""
    if not getattr(user, "is_authenticated", False):
        return Case.objects.none()
    return Case.objects.filter(applicant_user=user).select_related("service", "org_unit")


def citizen_status(case: Case) -> dict:
    """What the applicant sees: status in plain language, timeline, office, what to do."""
    definition = case.procedure.definition
    info = workflow.state_info(definition, case.state)
    timeline = [
        {
            "at": entry.at,
            "label": workflow.state_info(definition, entry.state).get("label", entry.state),
        }
        for entry in case.history.all()
    ]
    requests = [
        {
            "id": req.pk,
            "items": req.items,
            "deadline": req.deadline,
            "message": req.message,
        }
        for req in case.requests.filter(fulfilled_at__isnull=True)
    ]
    return {
        "file_number": case.file_number,
        "label": info.get("label", case.state),
        "explanation": info.get("citizen", ""),
        "timeline": timeline,
        "requests": requests,
        "decided": case.decided_at is not None,
        "outcome": case.outcome,
        "expected": timezone.localtime(case.target_at).date() if case.target_at else None,
        "office": case.org_unit,
    }


def citizen_statuses(cases: list[Case]) -> dict[int, dict]:
    """citizen_status for many cases at once, without the timeline (what a list row shows):
    by case id, with one query for the open requests of all of them ("Meine Anträge" of an
    account with hundreds of cases made three queries per case)."""
    open_requests: dict[int, list[dict]] = {}
    ids = [case.pk for case in cases]
    for req in DocumentRequest.objects.filter(case_id__in=ids, fulfilled_at__isnull=True):
        open_requests.setdefault(req.case_id, []).append(
            {"id": req.pk, "items": req.items, "deadline": req.deadline, "message": req.message}
        )
    # each procedure's definition once (select_related would parse it again for every row)
    definitions = dict(
        Procedure.objects.filter(pk__in={c.procedure_id for c in cases}).values_list(
            "pk", "definition"
        )
    )
    result = {}
    for case in cases:
        info = workflow.state_info(definitions[case.procedure_id], case.state)
        result[case.pk] = {
            "file_number": case.file_number,
            "label": info.get("label", case.state),
            "explanation": info.get("citizen", ""),
            "requests": open_requests.get(case.pk, []),
            "decided": case.decided_at is not None,
            "outcome": case.outcome,
            "expected": timezone.localtime(case.target_at).date() if case.target_at else None,
            "office": case.org_unit,
        }
    return result


def cases_by_id(case_ids) -> dict[int, Case]:
    """Cases by id for another app's list (with service and unit in one query);
    callers check the user's right to them themselves."""
    ids = [pk for pk in case_ids if pk]
    if not ids:
        return {}
    qs = Case.objects.filter(pk__in=ids).select_related("service", "org_unit").defer("data")
    return {case.pk: case for case in qs}


def get_case(case_id: int | None) -> Case | None:
    """A case by id for another app's own checks (the mailbox reads its file number and state);
    None when there is none. Callers check the user's right to it themselves."""
    if not case_id:
        return None
    return Case.objects.filter(pk=case_id).select_related("org_unit").first()


def application_data(case: Case) -> list[dict]:
    """What the applicant told the authority, for the caseworker, the API and the court file:
    groups (`title`) of labelled answers (`rows`: label, value), in the order of the form.

    An online application carries the check-answers summary the citizen confirmed (pages with
    labels and displayed values, as the intake stored it); an older one only its raw answers.
    A paper or counter case shows what staff captured for it."""
    data = case.data or {}
    groups = [
        {
            "title": page.get("title") or "",
            "rows": [
                {"label": str(a.get("label", "")), "value": str(a.get("value", ""))}
                for a in page.get("answers", [])
            ],
        }
        for page in data.get("summary") or []
        if page.get("answers")
    ]
    if groups:
        return groups
    answers = data.get("answers")
    if isinstance(answers, dict) and answers:
        return [
            {
                "title": _("Answers"),
                "rows": [{"label": key, "value": _plain(value)} for key, value in answers.items()],
            }
        ]
    return [{"title": _("Captured for this case"), "rows": _captured_rows(case)}]


def _plain(value) -> str:
    if isinstance(value, dict):
        return ", ".join(_plain(v) for v in value.values() if v not in ("", None))
    if isinstance(value, list):
        return "; ".join(_plain(v) for v in value)
    if isinstance(value, bool):
        return _("yes") if value else _("no")
    return "" if value is None else str(value)


def _captured_rows(case: Case) -> list[dict]:
    rows = [
        (_("Name"), case.applicant_name),
        (_("Address"), case.applicant_address),
        (_("E-mail"), case.applicant_email),
        (_("Phone"), case.applicant_phone),
        (
            _("Date of birth"),
            case.applicant_birth_date.strftime("%d.%m.%Y") if case.applicant_birth_date else "",
        ),
        (_("Channel"), case.get_channel_display()),
    ]
    return [{"label": str(label), "value": value} for label, value in rows if value]
