"""Test data for the participation app (owner: P1; others add functions at the end).

Tests run on the Harz data (loaded once per session, without the demo). The helpers build
rows directly (no service checks, no events), for tests that need a survey in a given state:

    s = survey()             # published, open, PUBLIC, one question of each kind
    s = survey(audience="codes", status="draft", questions=["single", "text"])
    s = survey(unit=municipal_unit(), questions=[
        {"kind": "single", "name": "Fahren Sie Bus?", "options": ["ja", "nein"], "required": True},
        {"kind": "text", "show_if": [(0, "ja")]},  # asked only if option "ja" of question 0
    ])
    user = editor(client)                          # a survey editor of the county's unit, logged in
"""

from __future__ import annotations

import datetime as dt
import itertools

from django.utils import timezone

from openkreis.core.models import Organisation, OrgUnit, Region
from openkreis.core.staff import Role
from openkreis.core.testing import login_staff, make_staff
from openkreis.participation.models import Option, Question, Survey

# the county's unit for citizen participation (created by the demo and by these helpers)
COUNTY_UNIT = "buergerbeteiligung"
# a municipality's unit that edits surveys (Wernigerode's Bauamt)
MUNICIPAL_UNIT = "gem-wernigerode-bauamt"

ALL_KINDS = ("single", "multiple", "scale", "ranking", "text", "point")

_DEFAULT_OPTIONS = {
    "single": ["ja", "nein", "weiss-nicht"],
    "multiple": ["bus", "bahn", "rad", "auto"],
    "ranking": ["takt", "preis", "puenktlichkeit"],
}
_OPTION_NAMES = {
    "ja": ("Ja", "Yes"),
    "nein": ("Nein", "No"),
    "weiss-nicht": ("Weiß nicht", "Don't know"),
    "bus": ("Bus", "Bus"),
    "bahn": ("Bahn", "Train"),
    "rad": ("Fahrrad", "Bicycle"),
    "auto": ("Auto", "Car"),
    "takt": ("Häufigere Fahrten", "More frequent services"),
    "preis": ("Günstigere Fahrkarten", "Cheaper tickets"),
    "puenktlichkeit": ("Pünktlichkeit", "Punctuality"),
}
_QUESTION_NAMES = {
    "single": ("Nutzen Sie den Bus?", "Do you use the bus?"),
    "multiple": ("Womit sind Sie unterwegs?", "How do you travel?"),
    "scale": ("Wie zufrieden sind Sie?", "How satisfied are you?"),
    "ranking": ("Was ist Ihnen am wichtigsten?", "What matters most to you?"),
    "text": ("Was möchten Sie uns noch sagen?", "Anything else you want to tell us?"),
    "point": ("Wo fehlt eine Haltestelle?", "Where is a stop missing?"),
}
_keys = itertools.count(1)


def county_unit() -> OrgUnit:
    """The county's unit for citizen participation (as the demo makes it)."""
    parent = OrgUnit.objects.filter(key="fachbereich-landrat").first()
    unit, _created = OrgUnit.objects.get_or_create(
        key=COUNTY_UNIT,
        defaults={
            "organisation": parent.organisation
            if parent
            else Organisation.objects.get(key="lra-harz"),
            "parent": parent,
            "name": "Bürgerbeteiligung",
            "kind": OrgUnit.Kind.SACHGEBIET,
        },
    )
    return unit


def municipal_unit() -> OrgUnit:
    return OrgUnit.objects.get(key=MUNICIPAL_UNIT)


def region_of(unit: OrgUnit) -> Region:
    """The county for the county's units, the municipality for a municipality's."""
    return unit.organisation.region


def question(survey: Survey, spec="single", *, position: int | None = None) -> Question:
    """Add one question (a kind, or a dict: kind, name, name_en, summary, required,
    max_choices, scale_min/scale_max/…labels, options [keys or (key, name[, name_en])],
    show_if [(question position, option key)])."""
    spec = {"kind": spec} if isinstance(spec, str) else dict(spec)
    kind = spec.pop("kind")
    options = spec.pop("options", _DEFAULT_OPTIONS.get(kind, []))
    show_if = spec.pop("show_if", [])
    name, name_en = _QUESTION_NAMES[kind]
    if position is None:
        position = survey.questions.count()
    values = {"name": name, "name_en": name_en, "position": position, **spec}
    if kind == "scale":
        values.setdefault("scale_min_label", "gar nicht")
        values.setdefault("scale_min_label_en", "not at all")
        values.setdefault("scale_max_label", "sehr")
        values.setdefault("scale_max_label_en", "very")
    q = Question.objects.create(survey=survey, kind=kind, **values)
    for index, option in enumerate(options):
        if isinstance(option, str):
            key, (label, label_en) = option, _OPTION_NAMES.get(option, (option, ""))
        else:
            key, label, label_en = (*option, "")[:3]
        Option.objects.create(question=q, position=index, key=key, name=label, name_en=label_en)
    for earlier, option_key in show_if:
        q.show_if.add(
            Option.objects.get(question__survey=survey, question__position=earlier, key=option_key)
        )
    return q


def survey(
    unit: OrgUnit | None = None,
    *,
    audience: str = Survey.Audience.PUBLIC,
    status: str = Survey.Status.PUBLISHED,
    questions=ALL_KINDS,
    region: Region | None = None,
    key: str | None = None,
    **fields,
) -> Survey:
    """A survey with `questions` (kinds or dicts, see `question`); published and open for
    30 more days unless `status`/`opens_at`/`closes_at` say otherwise."""
    unit = unit or county_unit()
    now = timezone.now()
    values = {
        "name": "Testumfrage",
        "name_en": "Test survey",
        "summary": "Eine Umfrage für Tests.",
        "opens_at": now - dt.timedelta(days=1),
        "closes_at": now + dt.timedelta(days=30),
        **fields,
    }
    s = Survey.objects.create(
        key=key or f"test-umfrage-{next(_keys)}-{now.strftime('%H%M%S%f')}",
        unit=unit,
        region=region or region_of(unit),
        audience=audience,
        status=status,
        **values,
    )
    for position, spec in enumerate(questions):
        question(s, spec, position=position)
    return s


def editor(client, unit: OrgUnit | None = None, *, username: str | None = None):
    """A survey editor of `unit` (default: the county's participation unit) with TOTP, logged
    in on `client` through the real login pages. Returns the user."""
    unit = unit or county_unit()
    user, secret = make_staff(username or f"redaktion-{unit.key}", unit.key, Role.SURVEY_EDITOR)
    login_staff(client, user, secret)
    return user
