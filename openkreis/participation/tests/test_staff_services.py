"""Authoring services (surveys.py): validation, skip logic, publishing, closing, copies."""

import datetime as dt

import pytest
from django.utils import timezone

from openkreis.core import event_kinds
from openkreis.core.models import Event, Region
from openkreis.core.testing import make_staff
from openkreis.participation import surveys, voting
from openkreis.participation.models import Answer, Ballot, Option, Survey
from openkreis.participation.surveys import SurveyError
from openkreis.participation.tests import factories

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def english():
    """The messages are asserted in English (the msgids; German is the default language)."""
    from django.utils import translation

    with translation.override("en"):
        yield


@pytest.fixture
def county_editor():
    unit = factories.county_unit()
    user, _secret = make_staff("p1-kreis", unit.key, "survey_editor")
    return user


@pytest.fixture
def town_editor():
    user, _secret = make_staff("p1-stadt", factories.MUNICIPAL_UNIT, "survey_editor")
    return user


def county():
    return Region.objects.get(kind="county", ars__startswith="15085")


def wernigerode():
    return Region.objects.get(kind="municipality", name="Wernigerode")


def draft(user, **fields):
    return surveys.create_survey(
        user, unit=factories.county_unit(), region=county(), name="Radwege im Harz", **fields
    )


def test_create_checks_unit_region_dates(county_editor, town_editor):
    s = draft(county_editor)
    assert s.status == "draft" and s.key == "radwege-im-harz" and s.min_group == 5
    assert draft(county_editor).key.startswith("radwege-im-harz-")  # unique key
    # a county unit may ask about a municipality
    assert (
        surveys.create_survey(
            county_editor, unit=factories.county_unit(), region=wernigerode(), name="X"
        ).region
        == wernigerode()
    )
    # Wernigerode's unit: only Wernigerode
    with pytest.raises(SurveyError) as error:
        surveys.create_survey(
            town_editor, unit=factories.municipal_unit(), region=county(), name="X"
        )
    assert error.value.field == "region"
    # not one's own unit
    with pytest.raises(SurveyError) as error:
        surveys.create_survey(
            town_editor, unit=factories.county_unit(), region=wernigerode(), name="X"
        )
    assert error.value.field == "unit"
    now = timezone.now()
    with pytest.raises(SurveyError, match="after the opening") as error:
        draft(county_editor, opens_at=now, closes_at=now - dt.timedelta(hours=1))
    assert error.value.field == "closes_at"
    with pytest.raises(SurveyError) as error:
        surveys.create_survey(
            county_editor, unit=factories.county_unit(), region=county(), name=" "
        )
    assert error.value.field == "name"


def test_questions_options_and_their_checks(county_editor):
    s = draft(county_editor)
    q = surveys.add_question(s, "single", name="Nutzen Sie den Bus?")
    with pytest.raises(SurveyError):
        surveys.add_question(s, "essay", name="?")
    with pytest.raises(SurveyError, match="German"):
        surveys.add_question(s, "text", name="")
    a = surveys.add_option(q, "Ja", "Yes")
    b = surveys.add_option(q, "Nein")
    assert (a.key, b.key) == ("ja", "nein")
    with pytest.raises(SurveyError, match="exists already"):
        surveys.add_option(q, "ja")
    text = surveys.add_question(s, "text", name="Warum?")
    with pytest.raises(SurveyError, match="Only choice"):
        surveys.add_option(text, "x")
    scale = surveys.add_question(s, "scale", name="Zufrieden?")
    with pytest.raises(SurveyError) as error:
        surveys.update_question(scale, scale_min=5, scale_max=1)
    assert error.value.field == "scale_max"
    with pytest.raises(SurveyError, match="at most 11 steps"):
        surveys.update_question(scale, scale_min=-10, scale_max=10)
    surveys.update_question(scale, scale_min=0, scale_max=10, scale_min_label="gar nicht")
    ranking = surveys.add_question(s, "ranking", name="Was zuerst?")
    with pytest.raises(SurveyError, match="at most 10"):
        surveys.update_question(ranking, max_choices=11)
    surveys.move_option(b, -1)
    assert [o.key for o in q.options.all()] == ["nein", "ja"]
    surveys.update_option(a, "Ja, oft", "Yes, often")
    a.refresh_from_db()
    assert (a.key, a.name) == ("ja", "Ja, oft")  # the key answers point to stays


def test_skip_logic_only_earlier_choice_questions(county_editor):
    s = draft(county_editor)
    first = surveys.add_question(s, "single", name="Bus?")
    yes = surveys.add_option(first, "Ja")
    surveys.add_option(first, "Nein")
    scale = surveys.add_question(s, "scale", name="Wie oft?")
    later = surveys.add_question(s, "multiple", name="Welche Linien?")
    line = surveys.add_option(later, "Linie 1")
    surveys.add_option(later, "Linie 2")
    surveys.set_condition(scale, [yes])
    assert list(scale.show_if.all()) == [yes]
    assert surveys.condition_choices(scale) == [yes, Option.objects.get(key="nein", question=first)]
    with pytest.raises(SurveyError, match="earlier question"):
        surveys.set_condition(scale, [line])  # a later question
    with pytest.raises(SurveyError, match="its own answer"):
        surveys.set_condition(later, [line])
    other = factories.survey(questions=["single"])
    with pytest.raises(SurveyError, match="this survey"):
        surveys.set_condition(scale, [other.questions.get().options.first()])
    # a question cannot move before the one it depends on …
    with pytest.raises(SurveyError, match="must stay after"):
        surveys.move_question(scale, -1)
    with pytest.raises(SurveyError, match="must stay after"):
        surveys.reorder_questions(s, [scale.pk, first.pk, later.pk])
    with pytest.raises(SurveyError, match="every question"):
        surveys.reorder_questions(s, [scale.pk, first.pk])
    # … but may move where it still follows it
    surveys.move_question(later, -1)
    assert list(s.questions.values_list("pk", flat=True)) == [first.pk, later.pk, scale.pk]
    # deleting the question a condition refers to makes the dependant unconditional
    surveys.delete_question(first)
    scale.refresh_from_db()
    assert not scale.show_if.exists()
    assert list(s.questions.values_list("position", flat=True)) == [1, 2]


def test_publish_validates_and_records(county_editor):
    s = draft(county_editor, audience=Survey.Audience.CODES)
    problems = surveys.publication_problems(s)
    assert any("at least one question" in p for p in problems)
    assert any("closing date" in p for p in problems)
    q = surveys.add_question(s, "multiple", name="Was fehlt?")
    surveys.add_option(q, "Bänke")
    surveys.update_question(q, max_choices=3)
    problems = surveys.publication_problems(s)
    assert "Question 1: a choice needs at least two options." in problems
    assert "Question 1: the most that can be chosen is more than there are options." not in problems
    surveys.add_option(q, "Bäume")
    assert "Question 1: the most that can be chosen is more than there are options." in (
        surveys.publication_problems(s)
    )
    with pytest.raises(SurveyError):
        surveys.publish(s, county_editor)
    surveys.update_question(q, max_choices=2)
    surveys.update_survey(s, county_editor, closes_at=timezone.now() + dt.timedelta(days=3))
    s = surveys.publish(s, county_editor)
    assert s.status == "published" and s.opens_at is not None and s.is_open()
    event = Event.objects.get(kind=event_kinds.PARTICIPATION_SURVEY_PUBLISHED)
    assert event.data == {"survey": s.key, "audience": "codes", "questions": 1}
    with pytest.raises(SurveyError, match="Only a draft"):
        surveys.publish(s, county_editor)


def test_published_structure_frozen_texts_editable(county_editor):
    s = factories.survey()
    single = s.questions.get(kind="single")
    with pytest.raises(SurveyError, match="cannot be changed"):
        surveys.add_question(s, "text", name="Neu")
    with pytest.raises(SurveyError, match="cannot be changed"):
        surveys.update_question(single, required=True)
    with pytest.raises(SurveyError, match="cannot be changed"):
        surveys.add_option(single, "Vielleicht")
    with pytest.raises(SurveyError, match="cannot be changed"):
        surveys.delete_option(single.options.first())
    with pytest.raises(SurveyError, match="cannot be changed"):
        surveys.move_question(single, 1)
    with pytest.raises(SurveyError, match="cannot be changed"):
        surveys.set_condition(s.questions.get(kind="text"), [single.options.first()])
    # texts may be corrected
    surveys.update_question(single, name="Nutzen Sie den Bus regelmäßig?", name_en="Bus?")
    surveys.update_option(single.options.first(), "Ja", "Yes")
    surveys.update_survey(s, county_editor, name="Neuer Titel", results_public=False)
    with pytest.raises(SurveyError, match="Only the texts"):
        surveys.update_survey(s, county_editor, audience="codes")
    with pytest.raises(SurveyError, match="in the future"):
        surveys.update_survey(s, county_editor, closes_at=timezone.now() - dt.timedelta(days=1))


def test_close_seals_and_freezes(county_editor):
    s = factories.survey(questions=["single"])
    q = s.questions.get()
    for _ in range(3):
        ballot = Ballot.objects.create(survey=s, receipt=voting.new_receipt())
        Answer.objects.create(ballot=ballot, question=q, option=q.options.first())
    s = surveys.close(s, county_editor)
    assert surveys.state(s) == "closed" and not s.is_open() and s.status == "published"
    assert s.sealed_at is not None
    assert Ballot.objects.filter(survey=s).count() == 3
    event = Event.objects.get(kind=event_kinds.PARTICIPATION_SURVEY_CLOSED)
    assert event.data == {"survey": s.key, "ballots": 3}
    with pytest.raises(SurveyError, match="closed"):
        surveys.update_option(q.options.first(), "Anders")
    with pytest.raises(SurveyError, match="already closed"):
        surveys.close(s, county_editor)
    surveys.archive(s, county_editor)
    assert surveys.state(s) == "archived"
    with pytest.raises(SurveyError, match="Only a published"):
        surveys.close(factories.survey(status="draft"), county_editor)


def test_duplicate_copies_questions_and_skip_logic(county_editor):
    s = factories.survey(
        questions=[
            {"kind": "single", "options": ["ja", "nein"]},
            {"kind": "text", "show_if": [(0, "ja")]},
            "scale",
        ]
    )
    copy = surveys.duplicate(s, county_editor)
    assert copy.status == "draft" and copy.opens_at is None and copy.name.startswith("Copy of")
    assert copy.questions.count() == 3
    text = copy.questions.get(kind="text")
    (condition,) = text.show_if.all()
    assert condition.question.survey_id == copy.pk and condition.key == "ja"
    assert s.questions.get(kind="text").show_if.get().question.survey_id == s.pk
    other_user, _ = make_staff("p1-fremd", factories.MUNICIPAL_UNIT, "survey_editor")
    with pytest.raises(SurveyError):
        surveys.duplicate(s, other_user)


def test_survey_for_is_scoped_by_unit(county_editor, town_editor):
    s = factories.survey()
    assert surveys.survey_for(county_editor, s.pk) == s
    from django.http import Http404

    with pytest.raises(Http404):
        surveys.survey_for(town_editor, s.pk)
    assert list(surveys.surveys_for(town_editor)) == []
    assert surveys.surveys_for(county_editor).get(pk=s.pk).ballot_count == 0


def test_delete_only_drafts(county_editor):
    with pytest.raises(SurveyError, match="Only a draft"):
        surveys.delete_draft(factories.survey(), county_editor)
    s = draft(county_editor)
    surveys.delete_draft(s, county_editor)
    assert not Survey.objects.filter(pk=s.pk).exists()


def test_seal_expired_seals_only_passed_unsealed_surveys():
    passed = factories.survey(questions=["text"])
    Survey.objects.filter(pk=passed.pk).update(closes_at=timezone.now() - dt.timedelta(hours=1))
    running = factories.survey(questions=["text"])
    draft_passed = factories.survey(status="draft", questions=["text"])
    Survey.objects.filter(pk=draft_passed.pk).update(
        closes_at=timezone.now() - dt.timedelta(hours=1)
    )
    assert surveys.seal_expired() == 1
    passed.refresh_from_db()
    running.refresh_from_db()
    assert passed.sealed_at is not None and running.sealed_at is None
    assert surveys.seal_expired() == 0  # once
