"""Celery tasks of core: thin, they call core's modules."""

from celery import shared_task

from . import partitions


@shared_task
def create_event_partitions() -> list[str]:
    """Daily: the event log's partitions for this month and three ahead (PostgreSQL only),
    and rows that landed in the DEFAULT partition moved to their month's."""
    return partitions.ensure_partitions(months_ahead=3) + partitions.split_default()
