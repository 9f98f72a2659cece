"""Reading cases: the desk's lists and search (scoped to the user's units) and what a
citizen sees about their own case."""

from __future__ import annotations

import contextlib
import re
from dataclasses import dataclass

from django.db import connection, transaction
from django.db.models import Count, F, Q, QuerySet
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


# The search reads at most this many cases per condition (file number, name, documents): a
# surname one applicant in 23 carries matches ~43,000 cases at a million, and what a
# caseworker needs then is a narrower search, not the 1,700th page. Ten pages of 25; each
# case over the cap would cost up to three index reads (issue 26, docs/scaling.md).
SEARCH_CAP = 250
# A document matches when it holds every word of the query, in German stemming. The
# expression is the full-text index's (migration 0011) to the letter.
FULLTEXT = 'to_tsvector(\'german\'::regconfig, left("cases_documentversion"."text", 500000))'
_WORDS = re.compile(r"\w+")


@dataclass
class CaseSearch:
    cases: QuerySet[Case]
    truncated: bool  # more than SEARCH_CAP cases matched; only SEARCH_CAP are in `cases`


def search_cases(user, query: str, cap: int | None = None) -> CaseSearch:
    """Staff search: file number, applicant name, or a word in the documents' text, in the
    user's units. Each condition is its own indexed query (trigram indexes for parts of file
    numbers and names, the full-text index for words; migrations 0003 and 0011) that stops
    after `cap` + 1 of the user's cases, so a broad word costs what a narrow one does."""
    cap = SEARCH_CAP if cap is None else cap
    query = (query or "").strip()[:100]
    qs = visible_cases(user)
    if not query:
        return CaseSearch(qs.none(), False)
    units = list(staff.unit_ids_for(user, ALL_CASE_ROLES))
    mine = Case.objects.filter(org_unit_id__in=units).order_by()
    limit = cap + 1
    found: dict[int, None] = {}  # the ids in the order found, once each
    truncated = False
    # A whole file number is that case (the unique index), not every number containing it:
    # the trigram search for a number is the slowest part of the search (all numbers share
    # most of their trigrams).
    exact = list(mine.filter(file_number=query).values_list("pk", flat=True))
    found.update(dict.fromkeys(exact))
    branches = [(mine.filter(applicant_name__icontains=query), None)]
    if not exact:
        common = _common_in_numbers(query)
        by_number = mine.filter(file_number__icontains=query)
        branches.insert(0, (by_number.order_by("-pk") if common else by_number, common))
    for branch, common in branches:
        with _plan(common):
            ids = list(branch.values_list("pk", flat=True)[:limit])
        truncated |= len(ids) == limit
        found.update(dict.fromkeys(ids))
    texts = _text_matches(units, query)
    if texts is not None:
        # A case has several documents and versions: read more rows than cases needed.
        rows = list(texts.values_list("document__case_id", flat=True)[: 2 * limit])
        truncated |= len(rows) == 2 * limit
        found.update(dict.fromkeys(rows))
    ids = list(found)
    if len(ids) > cap:
        truncated, ids = True, ids[:cap]
    if not ids:
        return CaseSearch(qs.none(), False)
    if connection.vendor == "postgresql":
        # One array parameter instead of a thousand placeholders; fetched by primary key.
        cases = qs.extra(where=['"cases_case"."id" = ANY(%s)'], params=[ids])  # noqa: S610
    else:
        cases = qs.filter(pk__in=ids)
    return CaseSearch(cases, truncated)


def _common_in_numbers(query: str) -> bool | None:
    """Whether part of a file number is common (PostgreSQL): in 1 of 40 of the newest 2,000
    numbers or more. All numbers share most of their trigrams ("-2026-"), so the trigram
    index reads a long list for a common part — 72 ms for "9.01-2026" at a million cases —
    where reading the newest cases first stops after 251 matches; for a rare part (a
    running number) the index is the only quick way. PostgreSQL cannot tell the two apart
    (it read the table from its oldest rows: 210 ms); this look at a sample can (1–2 ms)."""
    if connection.vendor != "postgresql":
        return None
    newest = Case.objects.order_by("-id").values("pk")[:2000]
    sample = Case.objects.filter(pk__in=newest).aggregate(
        n=Count("pk"), hits=Count("pk", filter=Q(file_number__icontains=query))
    )
    return sample["hits"] * 40 >= sample["n"] > 0


@contextlib.contextmanager
def _plan(common: bool | None):
    """For one query: newest first along the primary key (common) or only through the
    trigram index (rare); None leaves the plan to PostgreSQL. Set for that query's
    transaction, then as it was."""
    if common is None or connection.vendor != "postgresql":
        yield
        return
    off = ("enable_seqscan", "enable_bitmapscan" if common else "enable_indexscan")
    with transaction.atomic(), connection.cursor() as cur:
        before = []
        for name in off:
            cur.execute("SELECT current_setting(%s), set_config(%s, 'off', true)", [name, name])
            before.append((name, cur.fetchone()[0]))
        yield  # an error rolls the savepoint back, and the settings with it
        for name, value in before:
            cur.execute("SELECT set_config(%s, %s, true)", [name, value])


def _text_matches(units: list[int], query: str) -> QuerySet[DocumentVersion] | None:
    """Document versions in the units' cases whose text holds every word of the query; None
    when the query has no word to look for."""
    versions = DocumentVersion.objects.filter(document__case__org_unit_id__in=units).order_by()
    words = _WORDS.findall(query)[:8]
    if not words:
        return None
    if connection.vendor != "postgresql":  # SQLite (`make run`): every word, anywhere
        for word in words:
            versions = versions.filter(text__icontains=word)
        return versions
    # Whole words (and their German forms: "Wärmepumpe" finds "Wärmepumpen"), not word
    # beginnings: PostgreSQL cannot estimate how many documents a beginning matches and then
    # guessed 2 % of them — for a word in none, its plan computed the full text of all 3 M
    # documents (minutes); and "a:*" would read every document. Parts of words are what
    # file numbers and names are searched for, by trigram.
    tsquery = " & ".join(f"'{word}'" for word in words)  # \w+ holds no quote to escape
    where = f"{FULLTEXT} @@ to_tsquery('german'::regconfig, %s)"
    return versions.extra(where=[where], params=[tsquery])  # noqa: S610


def find_cases(user, query: str) -> QuerySet[Case]:
    """The cases of `search_cases` (at most SEARCH_CAP)."""
    return search_cases(user, query).cases


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
