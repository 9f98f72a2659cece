"""Digitaler Führerschein and Digitale Werkstatt in the cockpit (issue 23): the page
/cockpit/digital/ — per week modules started and passed, certificates issued, live quizzes
with their participants and answers, advice requests; per module, per advice offer, per kind
of learner group and per municipality.

The cockpit sits below the learning app and does not import it. It reads the `learning.*`
events (docs/events.md, "Digitaler Führerschein and Digitale Werkstatt"): a module slug, an
offer slug, an audience, a group kind, a municipality and counts — never a person. Small
counts are hidden (K_ANONYMITY) with the secondary suppression of engine.suppress against the
totals, through the table builders of cockpit/marketplace.py (_by_column) and
cockpit/tickets.py (_table). A live quiz's participants and answers are sums over the
quizzes of a week: hidden below k like every count.
"""

from __future__ import annotations

import datetime as dt

from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from openkreis.core import event_kinds

from . import directory, engine
from .kita import _area_names, _number
from .marketplace import _by_column, grouped, week_name
from .tickets import _table

WEEK_COLS = ("started", "passed", "certificates", "quizzes", "participants", "answers", "advice")
MODULE_COLS = ("started", "passed")
PLACE_COLS = ("joined", "started", "passed", "certificates")
GROUP_KINDS = ("vhs", "school", "club", "seniors", "employer", "other")
NO_GROUP = "-"  # the row of learners outside a group (group_kind "")

# (event kind, column) of the events counted per week, group kind and municipality
COUNTED = (
    (event_kinds.LEARNING_GROUP_JOINED, "joined"),
    (event_kinds.LEARNING_MODULE_STARTED, "started"),
    (event_kinds.LEARNING_MODULE_PASSED, "passed"),
    (event_kinds.LEARNING_CERTIFICATE_ISSUED, "certificates"),
)


def _text(value) -> str:
    return value if isinstance(value, str) else ""


def figures(start: dt.date, end: dt.date, k: int = engine.K_ANONYMITY) -> dict:
    """Tables (hidden values are None): `weeks` (per week: modules started and passed,
    certificates, live quizzes, their participants and answers, advice requests), `modules`
    (per module slug: started, passed), `offers` (advice requests per offer and audience),
    `kinds` (per kind of group: joined, started, passed, certificates) and `areas` (the same
    per municipality of the group)."""
    weeks: dict[str, dict[str, int]] = {}
    modules: dict[str, dict[str, int]] = {}
    kinds: dict[str, dict[str, int]] = {}
    areas: dict[str, dict[str, int]] = {}
    for kind, col in COUNTED:
        texts = ("group_kind", "municipality") + (("module",) if col in MODULE_COLS else ())
        for row in grouped(kind, start, end, texts):
            if col != "joined":
                directory._add(weeks, directory._week(row["day"]).isoformat(), col, row["n"])
            if col in MODULE_COLS:
                directory._add(modules, _text(row["module"]), col, row["n"])
            group_kind = _text(row["group_kind"])
            directory._add(
                kinds, group_kind if group_kind in GROUP_KINDS else NO_GROUP, col, row["n"]
            )
            if _text(row["municipality"]):
                directory._add(areas, row["municipality"], col, row["n"])
    for row in grouped(event_kinds.LEARNING_LIVE_QUIZ, start, end, (), ("participants", "answers")):
        week = directory._week(row["day"]).isoformat()
        directory._add(weeks, week, "quizzes", row["n"])
        directory._add(weeks, week, "participants", int(_number(row["participants"])) * row["n"])
        directory._add(weeks, week, "answers", int(_number(row["answers"])) * row["n"])
    offers: dict[str, dict[str, int]] = {}
    for row in grouped(event_kinds.LEARNING_ADVICE_REQUESTED, start, end, ("offer", "audience")):
        directory._add(weeks, directory._week(row["day"]).isoformat(), "advice", row["n"])
        directory._add(offers, _text(row["offer"]), _text(row["audience"]) or "other", row["n"])

    week_table = _by_column(weeks, {w: week_name(w) for w in weeks}, WEEK_COLS, k)
    module_table = _by_column(
        modules, {m: m for m in modules}, MODULE_COLS, k, total_name=_("All modules"), by_name=True
    )
    audiences = sorted({col for cells in offers.values() for col in cells})
    offer_table = _table(offers, audiences, k, {}, _("All offers"), _column)
    kind_table = _by_column(
        kinds,
        {key: _kind_name(key) for key in kinds},
        PLACE_COLS,
        k,
        total_name=_("All learners"),
    )
    area_table = _by_column(
        areas, _area_names(), PLACE_COLS, k, total_name=_("Whole county"), by_name=True
    )
    for table in (week_table, module_table, kind_table, area_table):
        table["labels"] = [_column(col) for col in table["cols"]]  # this page's column names
    return {
        "k": k,
        "weeks": week_table,
        "modules": module_table,
        "offers": offer_table,
        "kinds": kind_table,
        "areas": area_table,
    }


def _kind_name(key: str) -> str:
    return {
        "vhs": pgettext("learner group", "Adult education centre"),
        "school": pgettext("learner group", "School"),
        "club": pgettext("learner group", "Club or association"),
        "seniors": pgettext("learner group", "Seniors teach seniors"),
        "employer": pgettext("learner group", "Employer"),
        "other": pgettext("learner group", "Other"),
        NO_GROUP: _("Without a group"),
    }.get(key, key)


def _column(col: str) -> str:
    return {
        "joined": pgettext("cockpit column", "Joined a group"),
        "started": pgettext("cockpit column", "Modules started"),
        "passed": pgettext("cockpit column", "Modules passed"),
        "certificates": pgettext("cockpit column", "Certificates issued"),
        "quizzes": pgettext("cockpit column", "Live quizzes"),
        "participants": pgettext("cockpit column", "Live quiz participants"),
        "answers": pgettext("cockpit column", "Live quiz answers"),
        "advice": pgettext("cockpit column", "Advice requests"),
        "clubs": pgettext("advice audience", "Clubs and associations"),
        "business": pgettext("advice audience", "Small businesses"),
        "residents": pgettext("advice audience", "Residents"),
    }.get(col, col)
