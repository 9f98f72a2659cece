"""Celery tasks of the cockpit (thin: they call services). Beat runs `refresh` every
minute, `evaluate_alerts` every 15 minutes and a full `recompute` nightly as a safety net;
in `make run` mode pages refresh on demand and `manage.py cockpit_refresh` /
`manage.py cockpit_alerts` do the same from cron."""

from celery import shared_task

from . import aggregates, alerts


@shared_task
def refresh() -> int:
    return aggregates.refresh()


@shared_task
def recompute() -> int:
    return aggregates.recompute()


@shared_task
def evaluate_alerts() -> int:
    aggregates.refresh()
    return len(alerts.evaluate())


@shared_task
def run_import(batch_id: int) -> int:
    # imported here, not at the top: importer -> services -> tasks (services sends this
    # task), so a top-level import would be a cycle within the app
    from . import importer

    return importer.run(batch_id)
