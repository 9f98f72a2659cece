"""Quizzes (quiz.py): scoring of every kind, random drawing kept per attempt, resume, the pass
mark's edge, the events."""

import random

import pytest

from openkreis.core import event_kinds
from openkreis.core.models import Event, Region
from openkreis.learning import courses, quiz
from openkreis.learning.models import GroupMembership, LearnerGroup, Question, QuizAttempt
from openkreis.learning.tests.factories import learner, module

pytestmark = pytest.mark.django_db


def _q(kind, answer, options=("a", "b", "c"), pairs=()):
    return Question(
        kind=kind,
        answer=answer,
        options=[{"key": k, "text": k.upper()} for k in options],
        pairs=[{"key": k, "text": k} for k in pairs],
    )


@pytest.mark.parametrize(
    ("question", "answer", "right"),
    [
        (_q("single", "b"), "b", True),
        (_q("single", "b"), "a", False),
        (_q("single", "b"), None, False),
        (_q("single", "b"), ["b"], False),
        (_q("multiple", ["a", "c"]), ["c", "a"], True),
        (_q("multiple", ["a", "c"]), ["a"], False),  # partial
        (_q("multiple", ["a", "c"]), ["a", "b", "c"], False),  # too many
        (_q("multiple", ["a", "c"]), ["a", "a", "c"], False),
        (_q("multiple", ["a", "c"]), [], False),
        (_q("ordering", ["c", "a", "b"]), ["c", "a", "b"], True),
        (_q("ordering", ["c", "a", "b"]), ["a", "c", "b"], False),
        (_q("ordering", ["c", "a", "b"]), ["c", "a"], False),
        (_q("matching", {"a": "1", "b": "2"}, ("a", "b"), ("1", "2")), {"b": "2", "a": "1"}, True),
        (_q("matching", {"a": "1", "b": "2"}, ("a", "b"), ("1", "2")), {"a": "1"}, False),
        (_q("matching", {"a": "1", "b": "2"}, ("a", "b"), ("1", "2")), {"a": "2", "b": "1"}, False),
        (_q("matching", {"a": "1", "b": "2"}, ("a", "b"), ("1", "2")), "a", False),
    ],
)
def test_score(question, answer, right):
    assert quiz.score(question, answer) is right


def _ordering_module():
    made = module(questions=10, questions_per_quiz=5)
    Question.objects.filter(module=made, key="frage-1").update(
        kind="ordering",
        options=[{"key": k, "text": k} for k in "abcdef"],
        answer=list("abcdef"),
    )
    return made


def test_different_seeds_draw_in_different_orders_and_an_ordering_never_starts_solved():
    made = _ordering_module()
    draws = [quiz.draw(made, random.Random(seed)) for seed in range(8)]
    assert all(len(d) == 5 for d in draws)
    assert len({tuple(e["question"] for e in d) for d in draws}) > 1
    for d in draws:
        for entry in d:
            if entry["question"] == "frage-1":
                assert entry["order"] != list("abcdef")
                assert sorted(entry["order"]) == list("abcdef")


def test_the_same_seed_draws_the_same():
    made = _ordering_module()
    assert quiz.draw(made, random.Random(7)) == quiz.draw(made, random.Random(7))


def test_an_open_attempt_is_resumed_with_the_same_questions_and_answers():
    made = module(questions=10, questions_per_quiz=4)
    user = learner()
    first = quiz.start(user, made, rng=random.Random(1))
    quiz.submit(first, {first.drawn[0]["question"]: "a"}, finish=False)
    again = quiz.start(user, made, rng=random.Random(2))  # another device
    assert again.pk == first.pk and again.drawn == first.drawn
    assert again.answers == {first.drawn[0]["question"]: "a"}
    assert QuizAttempt.objects.filter(user=user, module=made).count() == 1


def _answers(attempt, right: int):
    keys = [e["question"] for e in attempt.drawn]
    return {key: ("a" if n < right else "b") for n, key in enumerate(keys)}


@pytest.mark.parametrize(("right", "passed"), [(7, True), (6, False), (10, True)])
def test_exactly_the_pass_mark_passes(right, passed):
    made = module(questions=10, questions_per_quiz=10, pass_mark=70)
    attempt = quiz.start(learner(), made)
    attempt = quiz.submit(attempt, _answers(attempt, right))
    assert (attempt.correct, attempt.total, attempt.passed) == (right, 10, passed)
    assert attempt.finished_at is not None


def test_unanswered_questions_count_as_wrong_and_a_finished_attempt_is_closed():
    made = module(questions=4, questions_per_quiz=4, pass_mark=50)
    user = learner()
    attempt = quiz.start(user, made)
    first = attempt.drawn[0]["question"]
    attempt = quiz.submit(attempt, {first: "a", "not-drawn": "a"})
    assert (attempt.correct, attempt.total, attempt.passed) == (1, 4, False)
    assert "not-drawn" not in attempt.answers
    with pytest.raises(quiz.QuizError):
        quiz.submit(attempt, {})
    assert quiz.start(user, made).pk != attempt.pk  # a new attempt
    feedback = quiz.feedback(attempt)
    assert [item["correct"] for item in feedback].count(True) == 1
    assert all(item["right"] == ["Richtig"] for item in feedback)


def test_events_started_once_and_passed_once_with_the_group():
    made = module(questions=4, questions_per_quiz=4)
    user = learner()
    region = Region.objects.filter(kind="municipality").first()
    group = LearnerGroup.objects.create(
        name="Kurs", kind="seniors", municipality=region, join_code="LERN1A"
    )
    GroupMembership.objects.create(group=group, user=user)
    courses.mark_read(user, made.lessons.first())
    courses.mark_read(user, made.lessons.last())
    for _ in range(2):
        attempt = quiz.start(user, made)
        quiz.submit(attempt, _answers(attempt, 4))
    started = Event.objects.filter(kind=event_kinds.LEARNING_MODULE_STARTED, data__module=made.slug)
    passed = Event.objects.filter(kind=event_kinds.LEARNING_MODULE_PASSED, data__module=made.slug)
    assert started.count() == 1 and passed.count() == 1
    assert passed.get().data == {
        "module": made.slug,
        "group_kind": "seniors",
        "municipality": region.ars if region else "",
    }


def test_events_without_a_group_carry_empty_values():
    made = module(questions=2, questions_per_quiz=2)
    attempt = quiz.start(learner(), made)
    quiz.submit(attempt, _answers(attempt, 2))
    event = Event.objects.get(kind=event_kinds.LEARNING_MODULE_STARTED, data__module=made.slug)
    assert event.data == {"module": made.slug, "group_kind": "", "municipality": ""}


def test_a_module_without_questions_cannot_be_started():
    made = module(questions=0)
    with pytest.raises(quiz.QuizError):
        quiz.start(learner(), made)
