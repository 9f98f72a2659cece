"""Test data for the learning app (each helper adds functions in its own block at the end)."""

from __future__ import annotations

import itertools

_seq = itertools.count(1)


def module(slug: str | None = None, *, questions: int = 4, **fields):
    """A published module with two lessons and `questions` single-choice questions (the
    right answer is always option "a")."""
    from openkreis.learning.models import Lesson, Module, Question

    n = next(_seq)
    slug = slug or f"modul-{n}"
    values = {
        "title": f"Modul {n}",
        "summary": "Zum Üben.",
        "order": n,
        "questions_per_quiz": questions,
    }
    values.update(fields)
    made = Module.objects.create(slug=slug, **values)
    for i in (1, 2):
        Lesson.objects.create(
            module=made, slug=f"lektion-{i}", order=i, title=f"Lektion {i}", body="Text."
        )
    for i in range(1, questions + 1):
        Question.objects.create(
            module=made,
            key=f"frage-{i}",
            kind="single",
            text=f"Frage {i}?",
            options=[{"key": "a", "text": "Richtig"}, {"key": "b", "text": "Falsch"}],
            answer="a",
        )
    return made


def learner(username: str | None = None):
    from django.contrib.auth import get_user_model

    username = username or f"lernende-{next(_seq)}"
    return get_user_model().objects.create_user(
        username, f"{username}@example.org", "ein-langes-passwort-2026"
    )


def teacher(username: str | None = None):
    from django.utils import timezone

    from openkreis.learning.models import Teacher

    user = learner(username or f"lehrkraft-{next(_seq)}")
    Teacher.objects.create(
        user=user, organisation="Kreisvolkshochschule Harz", approved_at=timezone.now()
    )
    return user


# --- L4 (certificate)
def passed(user, *modules):
    """A finished, passed quiz attempt of `user` for each module."""
    from django.utils import timezone

    from openkreis.learning.models import QuizAttempt

    for m in modules:
        QuizAttempt.objects.create(
            user=user, module=m, correct=4, total=4, passed=True, finished_at=timezone.now()
        )


def certified(name: str = "Erika Mustermann", user=None):
    """A learner who passed the required modules (made if none exist) and got the certificate."""
    from openkreis.learning import certificates
    from openkreis.learning.models import Module

    user = user or learner()
    required = list(Module.objects.filter(required=True, published=True)) or [module(), module()]
    passed(user, *required)
    return certificates.issue(user, name)


# --- end L4
