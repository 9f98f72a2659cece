"""Beteiligung in the cockpit (issue 20): participation figures on the page
/cockpit/beteiligung/ — questionnaires started and completed per survey, the completion
rate, completed ballots per municipality by day or week, code letters sent, proposals
submitted and answered.

The cockpit sits below the participation app and does not import it: it reads only the
`participation.*` events (docs/events.md), whose data carry the survey's key, the audience,
the municipality's ARS and a proposal's status — never a voter, a code, a receipt or an
answer. Surveys are shown by their key (no port needed). Small counts are hidden
(K_ANONYMITY) with the secondary suppression of engine.suppress against the totals, like
cockpit/tickets.py, whose table builder this module shares.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict

from django.db.models import Count
from django.db.models.functions import TruncDate
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from openkreis.core import event_kinds
from openkreis.core.fields import comparable
from openkreis.core.models import Event, Region

from . import engine
from .tickets import DAILY_UP_TO, _table

KINDS = (
    event_kinds.PARTICIPATION_STARTED,
    event_kinds.PARTICIPATION_COMPLETED,
    event_kinds.PARTICIPATION_LETTERS_CREATED,
    event_kinds.PARTICIPATION_PROPOSAL_SUBMITTED,
    event_kinds.PARTICIPATION_PROPOSAL_ANSWERED,
)
NO_PLACE = "—"


def _bounds(start: dt.date, end: dt.date) -> tuple[dt.datetime, dt.datetime]:
    tz = timezone.get_default_timezone()
    return (
        dt.datetime.combine(start, dt.time.min, tz),
        dt.datetime.combine(end + dt.timedelta(days=1), dt.time.min, tz),
    )


def counts(start: dt.date, end: dt.date) -> tuple[list[tuple], dict[str, int]]:
    """For the Berlin days start..end: (kind, survey, municipality, status, local day, n)
    from one GROUP BY over the events' kind, data keys and day; and the letters sent per
    survey."""
    low, high = _bounds(start, end)
    # grouped by the whole data object (a handful of distinct ones): a JSON key transform
    # would turn a numeric-looking ARS into a number on SQLite
    rows = (
        Event.objects.filter(kind__in=KINDS, occurred_at__gte=low, occurred_at__lt=high)
        .annotate(
            day=TruncDate("occurred_at", tzinfo=timezone.get_default_timezone()),
            whole=comparable("data"),
        )
        .values_list("kind", "whole", "day")
        .annotate(n=Count("id"))
        .order_by()
    )
    out = [
        (
            kind,
            str(data.get("survey") or ""),
            str(data.get("municipality") or ""),
            str(data.get("status") or ""),
            day,
            n,
        )
        for kind, data, day, n in rows
    ]
    letters: dict[str, int] = defaultdict(int)
    for data in Event.objects.filter(
        kind=event_kinds.PARTICIPATION_LETTERS_CREATED, occurred_at__gte=low, occurred_at__lt=high
    ).values_list("data", flat=True):
        letters[str(data.get("survey") or "?")] += int(data.get("letters") or 0)
    return out, dict(letters)


def _bucket(day: dt.date, daily: bool) -> dt.date:
    return day if daily else day - dt.timedelta(days=day.weekday())  # the week's Monday


def figures(start: dt.date, end: dt.date, k: int = engine.K_ANONYMITY) -> dict:
    """Four tables (hidden values are None): `surveys` (started, completed per survey, with
    the completion rate where both are shown), `completed` (per municipality by day, or by
    week for a period above 31 days), `letters` (codes sent per survey), `proposals`
    (submitted per municipality) and `answers` (official answers per status)."""
    rows, letters = counts(start, end)
    daily = (end - start).days < DAILY_UP_TO
    names = dict(Region.objects.filter(kind=Region.Kind.MUNICIPALITY).values_list("ars", "name"))
    names[NO_PLACE] = _("Without municipality")

    surveys: dict[str, dict[str, int]] = {}
    completed: dict[str, dict[dt.date, int]] = {}
    proposals: dict[str, dict[str, int]] = {}
    answers: dict[str, dict[str, int]] = {}
    for kind, survey, place, status, day, n in rows:
        place = place or NO_PLACE
        if kind == event_kinds.PARTICIPATION_STARTED:
            row = surveys.setdefault(survey or "?", {})
            row["started"] = row.get("started", 0) + n
        elif kind == event_kinds.PARTICIPATION_COMPLETED:
            row = surveys.setdefault(survey or "?", {})
            row["completed"] = row.get("completed", 0) + n
            cells = completed.setdefault(place, {})
            cells[_bucket(day, daily)] = cells.get(_bucket(day, daily), 0) + n
        elif kind == event_kinds.PARTICIPATION_PROPOSAL_SUBMITTED:
            cells = proposals.setdefault(place, {})
            cells["submitted"] = cells.get("submitted", 0) + n
        elif kind == event_kinds.PARTICIPATION_PROPOSAL_ANSWERED:
            cells = answers.setdefault(status or "?", {})
            cells["answered"] = cells.get("answered", 0) + n

    def label(day: dt.date) -> str:
        if daily:
            return date_format(day, "d.m.")
        return _("week of %(date)s") % {"date": date_format(day, "d.m.")}

    survey_table = _table(surveys, ["started", "completed"], k, {}, _("All surveys"))
    for row in survey_table["rows"]:
        started, done = row["cells"]
        row["rate"] = round(100.0 * done / started, 1) if started and done is not None else None
    return {
        "k": k,
        "daily": daily,
        "surveys": survey_table,
        "completed": _table(
            completed,
            sorted({c for cells in completed.values() for c in cells}),
            k,
            names,
            _("Whole county"),
            label,
        ),
        # letters are not about persons' answers: the number sent is shown as it is
        "letters": sorted(letters.items()),
        "proposals": _table(
            proposals, ["submitted"], k, names, _("Whole county"), lambda c: _("Submitted")
        ),
        "answers": _table(
            answers, ["answered"], k, status_names(), _("All answers"), lambda c: _("Answered")
        ),
    }


def status_names() -> dict[str, str]:  # noqa: N802 - a table, translated when asked
    return {
        "under_review": _("Under review"),
        "accepted": _("Accepted"),
        "rejected": _("Rejected"),
        "implemented": _("Implemented"),
    }
