"""The schema cannot join an answer to a person (issue 20, docs/participation.md).

Walks Django's model graph: from a ballot or an answer no chain of foreign keys leads to a
participation code, an account participation, a user, a session or an event, and none of
those leads to a ballot or an answer; nothing but an answer points to a ballot. The walk stops
at the survey: every ballot of a survey shares it with every code of the survey, which says
nothing about which code made which ballot. Ballots and answers have no date or time and no
sequential key."""

from __future__ import annotations

import uuid

from django.apps import apps
from django.contrib.auth import get_user_model
from django.contrib.sessions.models import Session
from django.db import models

from openkreis.core.models import Event
from openkreis.participation.models import (
    AccountParticipation,
    Answer,
    Ballot,
    LetterBatch,
    ParticipationCode,
    Survey,
)

SHARED_PARENT = Survey  # the walk does not pass through it (see the module docstring)
PERSON_SIDE = [
    ParticipationCode,
    AccountParticipation,
    LetterBatch,
    get_user_model(),
    Session,
    Event,
]
ANSWER_SIDE = [Ballot, Answer]


def forward(model) -> set:
    """The models `model` refers to by a foreign key, one-to-one or many-to-many field
    (including generic ones: a GenericForeignKey could point anywhere)."""
    targets = set()
    for field in model._meta.get_fields():
        if field.is_relation and not field.auto_created and field.related_model is not None:
            targets.add(field.related_model)
        if field.__class__.__name__ == "GenericForeignKey":
            targets.add("anything")
    return targets


def reachable(start) -> set:
    seen, todo = set(), [start]
    while todo:
        model = todo.pop()
        for target in forward(model):
            if target in seen or target is SHARED_PARENT:
                continue
            seen.add(target)
            if target != "anything":
                todo.append(target)
    return seen


def test_the_walk_sees_real_paths():
    """The walk itself works: an account participation reaches the user, a code its batch."""
    assert get_user_model() in reachable(AccountParticipation)
    assert LetterBatch in reachable(ParticipationCode)
    assert Ballot in reachable(Answer)


def test_no_path_from_an_answer_or_a_ballot_to_a_person():
    for start in ANSWER_SIDE:
        found = reachable(start)
        assert "anything" not in found, start
        for forbidden in PERSON_SIDE:
            assert forbidden not in found, f"{start.__name__} reaches {forbidden.__name__}"


def test_no_path_from_the_person_side_to_an_answer():
    for start in PERSON_SIDE:
        found = reachable(start)
        for forbidden in ANSWER_SIDE:
            assert forbidden not in found, f"{start.__name__} reaches {forbidden.__name__}"


def test_nothing_but_an_answer_points_to_a_ballot_and_nothing_points_to_an_answer():
    pointing_to_ballot = {m for m in apps.get_models() if Ballot in forward(m)}
    pointing_to_answer = {m for m in apps.get_models() if Answer in forward(m)}
    assert pointing_to_ballot == {Answer}
    assert pointing_to_answer == set()


def test_ballots_and_answers_have_no_time_and_no_sequential_key():
    for model in ANSWER_SIDE:
        for field in model._meta.concrete_fields:
            assert not isinstance(field, models.DateField | models.TimeField), (
                f"{model.__name__}.{field.name}"
            )
            assert not isinstance(
                field, models.AutoField | models.BigAutoField | models.SmallAutoField
            )
        pk = model._meta.pk
        assert isinstance(pk, models.UUIDField)
        assert pk.default is uuid.uuid4  # random (version 4), not time-based (version 1)


def test_the_token_tables_have_no_time_of_use():
    for model in (ParticipationCode, AccountParticipation):
        for field in model._meta.concrete_fields:
            assert not isinstance(field, models.DateField | models.TimeField), (
                f"{model.__name__}.{field.name}"
            )
