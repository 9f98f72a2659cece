"""Celery task of the Harz-Kompass retention (beat `directory-purge-missed-searches`, daily).
Imported in DirectoryConfig.ready() so the worker knows it (autodiscovery finds tasks.py only)."""

from celery import shared_task

from . import retention


@shared_task
def purge_missed_searches() -> int:
    return retention.purge_missed_searches()
