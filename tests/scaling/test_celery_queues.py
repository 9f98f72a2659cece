"""Celery queues per kind of work (issue 26, docs/scaling.md "Celery queues"): every route names
a task that exists, and Celery's own router sends each task to the queue the docs name."""

import fnmatch

from django.conf import settings

from openkreis.celery import app

QUEUES = {"documents", "mail", "cockpit"}


def registered() -> set[str]:
    app.loader.import_default_modules()  # autodiscovery: every app's tasks module
    return {name for name in app.tasks if name.startswith("openkreis.")}


def queue_of(name: str) -> str:
    return app.amqp.router.route({}, name, (), {})["queue"].name


def test_every_route_names_existing_tasks_and_a_known_queue():
    tasks = registered()
    for pattern, route in settings.CELERY_TASK_ROUTES.items():
        assert fnmatch.filter(tasks, pattern), f"route {pattern} names no task"
        assert route["queue"] in QUEUES


def test_celery_routes_each_kind_of_work_to_its_queue():
    registered()
    assert queue_of("openkreis.intake.tasks.process_scan") == "documents"
    assert queue_of("openkreis.forms.tasks.register_application") == "documents"
    assert queue_of("openkreis.cases.tasks.deliver") == "mail"
    assert queue_of("openkreis.cockpit.tasks.recompute") == "cockpit"
    assert queue_of("openkreis.cockpit.tasks.run_import") == "cockpit"
    assert queue_of("openkreis.jobs.tasks.expire_jobs") == "celery"  # the default queue


def test_every_beat_task_exists_and_has_a_queue_a_worker_listens_to():
    tasks = registered()
    for entry in settings.CELERY_BEAT_SCHEDULE.values():
        assert entry["task"] in tasks, entry["task"]
        assert queue_of(entry["task"]) in QUEUES | {"celery"}
