"""Demo of the Digitaler Führerschein (owner: L1; the `learning-demo` step of
`load_tenant --demo`): the learner `lernen-demo` who read every lesson and passed every
required module but the last one (of which one lesson is read), so the certificate is one
quiz away. Idempotent: nothing is written on a second run.
"""

from __future__ import annotations

import random

from allauth.account.models import EmailAddress
from django.contrib.auth import get_user_model

from . import courses, quiz
from .models import Question, QuizAttempt

LEARNER_USER = "lernen-demo"
LEARNER_PASSWORD = "harz-lernen-demo-2026"  # noqa: S105 (printed demo login)


def _learner():
    user, created = get_user_model().objects.get_or_create(
        username=LEARNER_USER,
        defaults={
            "email": f"{LEARNER_USER}@example.org",
            "first_name": "Lena",
            "last_name": "Lernfreude",
        },
    )
    if created:
        user.set_password(LEARNER_PASSWORD)
        user.save()
    EmailAddress.objects.update_or_create(
        user=user, email=user.email, defaults={"verified": True, "primary": True}
    )
    return user, created


def load_demo(tenant, folder, report) -> None:
    if tenant is None:
        return
    required = list(courses.modules().filter(required=True))
    if not required:
        return
    user, created = _learner()
    report.created += int(created)
    *done, last = required
    for module in done:
        for lesson in module.lessons.all():
            report.created += int(courses.mark_read(user, lesson))
        if QuizAttempt.objects.filter(user=user, module=module, passed=True).exists():
            continue
        attempt = quiz.start(user, module, rng=random.Random(module.slug))
        right = {
            q.key: q.answer
            for q in Question.objects.filter(
                module=module, key__in=[e["question"] for e in attempt.drawn]
            )
        }
        quiz.submit(attempt, right)
        report.created += 1
    first = last.lessons.order_by("order", "slug").first()
    if first is not None:
        report.created += int(courses.mark_read(user, first))
    report.write(
        f"\nDigitaler Führerschein (/digital/), Lernende: {LEARNER_USER} / {LEARNER_PASSWORD} "
        f"(alle Pflichtmodule bis auf „{last.title}“ bestanden)"
    )
