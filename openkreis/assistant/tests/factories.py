"""Test data of the assistant."""

import datetime as dt

from django.utils import timezone

from openkreis.assistant.models import UnansweredQuestion


def unanswered(tenant, text="Wetter am Brocken", intent="unknown", days_ago=0):
    """An unanswered (already scrubbed) question, asked `days_ago` days ago."""
    question = UnansweredQuestion.objects.create(tenant=tenant, text=text, intent=intent)
    if days_ago:
        UnansweredQuestion.objects.filter(pk=question.pk).update(
            asked_at=timezone.now() - dt.timedelta(days=days_ago)
        )
        question.refresh_from_db()
    return question
