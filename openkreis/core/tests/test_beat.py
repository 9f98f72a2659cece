"""Every periodic task in the beat schedule names a Celery task that exists (a typo in a task
path would only show in production, when the beat sends a message nobody consumes)."""

import importlib

from django.conf import settings


def test_every_beat_entry_names_a_celery_task():
    from openkreis.celery import app

    assert settings.CELERY_BEAT_SCHEDULE
    for name, entry in settings.CELERY_BEAT_SCHEDULE.items():
        module_path, _, func = entry["task"].rpartition(".")
        module = importlib.import_module(module_path)
        task = getattr(module, func, None)
        assert task is not None, f"{name}: {entry['task']} does not exist"
        assert entry["task"] in app.tasks, f"{name}: {entry['task']} is not a Celery task"
        assert entry["schedule"] > 0
