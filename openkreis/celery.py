"""The Celery application. In the embedded mode (`make run`, no broker) tasks run
in-process (CELERY_TASK_ALWAYS_EAGER); in production a Redis broker and workers."""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "openkreis.settings.dev")

app = Celery("openkreis")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
