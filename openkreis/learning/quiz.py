"""Quizzes of the Digitaler Führerschein (owner: L1): drawing questions at random, scoring
every kind, attempts that resume on any device.

An attempt keeps what was drawn (`QuizAttempt.drawn`: the questions and the order their
options and pairs were shown), so a reload or another device shows the same quiz. Answers may
come all at once or page by page; unanswered questions count as wrong. Passed when
correct / total ≥ the module's pass mark (exactly the mark passes).
"""

from __future__ import annotations

import random

from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from openkreis.core import event_kinds
from openkreis.core.services import record_event

from . import courses
from .models import Module, Question, QuizAttempt

_system_random = random.SystemRandom()


class QuizError(ValueError):
    """A quiz action that is not possible (the message is for the learner)."""


def draw(module: Module, rng: random.Random) -> list[dict]:
    """`questions_per_quiz` random active questions with their options (and pairs) shuffled:
    [{"question": key, "order": [option keys], "pair_order": [pair keys]}]."""
    questions = list(Question.objects.filter(module=module, active=True).order_by("key"))
    chosen = rng.sample(questions, min(module.questions_per_quiz, len(questions)))
    drawn = []
    for question in chosen:
        order = [option["key"] for option in question.options]
        pair_order = [pair["key"] for pair in question.pairs or []]
        # an ordering question must not start in the right order (there is nothing to do then)
        rng.shuffle(order)
        if question.kind == Question.Kind.ORDERING and order == list(question.answer):
            order = order[1:] + order[:1]
        rng.shuffle(pair_order)
        drawn.append({"question": question.key, "order": order, "pair_order": pair_order})
    return drawn


def score(question: Question, answer) -> bool:
    """Whether `answer` is right: single — the key; multiple — exactly the right set;
    ordering — exactly the order; matching — every pair."""
    right = question.answer
    kind = question.kind
    if answer in (None, "", [], {}):
        return False
    if kind == Question.Kind.SINGLE:
        return isinstance(answer, str) and answer == right
    if kind == Question.Kind.MULTIPLE:
        return (
            isinstance(answer, list)
            and sorted(set(answer)) == sorted(right)
            and len(answer) == len(set(answer))
        )
    if kind == Question.Kind.ORDERING:
        return isinstance(answer, list) and list(answer) == list(right)
    if kind == Question.Kind.MATCHING:
        return isinstance(answer, dict) and dict(answer) == dict(right)
    return False


def open_attempt(user, module: Module) -> QuizAttempt | None:
    return QuizAttempt.objects.filter(user=user, module=module, finished_at__isnull=True).first()


@transaction.atomic
def start(user, module: Module, rng: random.Random | None = None) -> QuizAttempt:
    """The learner's open attempt at the module (resumed), or a new one with fresh questions."""
    # one open attempt per learner and module, also with two devices at once
    get_user_model().objects.select_for_update().filter(pk=user.pk).first()
    attempt = open_attempt(user, module)
    if attempt is not None:
        return attempt
    if not Question.objects.filter(module=module, active=True).exists():
        raise QuizError(_("This module has no quiz yet."))
    courses.note_started(user, module)
    return QuizAttempt.objects.create(
        user=user, module=module, drawn=draw(module, rng or _system_random)
    )


def questions_of(attempt: QuizAttempt) -> list[tuple[dict, Question | None]]:
    """The drawn entries with their questions (None when a question was removed since)."""
    by_key = {q.key: q for q in Question.objects.filter(module_id=attempt.module_id)}
    return [(entry, by_key.get(entry["question"])) for entry in attempt.drawn]


@transaction.atomic
def submit(attempt: QuizAttempt, answers: dict, *, finish: bool = True) -> QuizAttempt:
    """Store answers (question key → answer) and, with `finish`, score the attempt.
    Unanswered questions count as wrong. Raises QuizError for a finished attempt."""
    attempt = QuizAttempt.objects.select_for_update().get(pk=attempt.pk)
    if attempt.finished_at is not None:
        raise QuizError(_("This quiz is already finished. You can start a new attempt."))
    drawn_keys = {entry["question"] for entry in attempt.drawn}
    merged = dict(attempt.answers)
    merged.update({key: value for key, value in answers.items() if key in drawn_keys})
    attempt.answers = merged
    if not finish:
        attempt.save(update_fields=["answers"])
        return attempt
    entries = questions_of(attempt)
    attempt.total = len(entries)
    attempt.correct = sum(
        1
        for entry, question in entries
        if question is not None and score(question, merged.get(entry["question"]))
    )
    module = attempt.module
    attempt.passed = attempt.total > 0 and attempt.correct * 100 >= module.pass_mark * attempt.total
    attempt.finished_at = timezone.now()
    first_pass = (
        attempt.passed
        and not QuizAttempt.objects.filter(user=attempt.user, module=module, passed=True).exists()
    )
    attempt.save(update_fields=["answers", "total", "correct", "passed", "finished_at"])
    if first_pass:
        record_event(
            event_kinds.LEARNING_MODULE_PASSED,
            data={"module": module.slug, **courses.group_context(attempt.user)},
        )
    return attempt


def feedback(attempt: QuizAttempt) -> list[dict]:
    """Per question: the text, the answer given and the right one as texts, right or not,
    the explanation (shown after submitting)."""
    result = []
    for entry, question in questions_of(attempt):
        if question is None:
            continue
        given = attempt.answers.get(entry["question"])
        result.append(
            {
                "question": question,
                "text": courses.localized(question, "text"),
                "correct": score(question, given),
                "given": describe(question, given),
                "right": describe(question, question.answer),
                "explanation": courses.localized(question, "explanation"),
            }
        )
    return result


def _label(item: dict) -> str:
    return courses.localized(_Item(item), "text")


class _Item:
    def __init__(self, item: dict):
        self.text = item.get("text", "")
        self.text_en = item.get("text_en", "")


def describe(question: Question, answer) -> list[str]:
    """An answer as readable lines (for the result page)."""
    options = {o["key"]: _label(o) for o in question.options}
    pairs = {p["key"]: _label(p) for p in question.pairs or []}
    if answer in (None, "", [], {}):
        return []
    if isinstance(answer, str):
        return [options.get(answer, "?")]
    if isinstance(answer, list):
        if question.kind == Question.Kind.ORDERING:
            return [f"{n}. {options.get(key, '?')}" for n, key in enumerate(answer, start=1)]
        return [options.get(key, "?") for key in answer]
    if isinstance(answer, dict):
        return [f"{options.get(k, '?')} → {pairs.get(v, '?')}" for k, v in answer.items()]
    return []
