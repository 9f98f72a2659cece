"""Test data for the letters, results and cockpit tests (P3): surveys, questions and ballots
made straight through the models (the voting path is P2's and tested there)."""

from __future__ import annotations

import itertools

from django.utils import timezone
from django.utils.text import slugify

from openkreis.core.models import OrgUnit, Region, Tenant
from openkreis.participation import voting
from openkreis.participation.models import Answer, Ballot, Option, Question, Survey

_n = itertools.count(1)
UNIT = "pressestelle"  # the survey's unit
OTHER_UNIT = "kreiskasse"


def county() -> Region:
    return Tenant.objects.get(slug="harz").region


def municipality(name: str) -> Region:
    return Region.objects.get(kind=Region.Kind.MUNICIPALITY, name=name)


def survey(**fields) -> Survey:
    defaults = {
        "key": f"p3-umfrage-{next(_n)}",
        "unit": OrgUnit.objects.get(key=UNIT),
        "region": county(),
        "name": "Radwege im Harz",
        "name_en": "Cycle paths in the Harz",
        "summary": "Wo fehlen Radwege? Ihre Meinung zählt.",
        "audience": Survey.Audience.CODES,
        "status": Survey.Status.PUBLISHED,
        "opens_at": timezone.now() - timezone.timedelta(days=10),
        "closes_at": timezone.now() + timezone.timedelta(days=10),
        "min_group": 5,
    }
    defaults.update(fields)
    return Survey.objects.create(**defaults)


def question(s: Survey, kind: str, name: str = "", options: tuple = (), **fields) -> Question:
    q = Question.objects.create(
        survey=s, kind=kind, name=name or f"Frage {kind}", position=next(_n), **fields
    )
    for i, label in enumerate(options):
        Option.objects.create(question=q, key=slugify(label) or f"o{i}", name=label, position=i)
    return q


def ballot(s: Survey, place: Region | None = None, answers: list[dict] = ()) -> Ballot:
    b = Ballot.objects.create(survey=s, receipt=voting.new_receipt(), municipality=place)
    Answer.objects.bulk_create([Answer(ballot=b, **a) for a in answers])
    return b


def opt(q: Question, key: str) -> Option:
    return q.options.get(key=key)
