"""Celery tasks of Beteiligung (thin: they call services), run by beat (settings
CELERY_BEAT_SCHEDULE "participation-*"):

* `seal_expired_surveys` (every 15 minutes): surveys whose closing date passed are sealed —
  unused codes deleted, ballots and answers rewritten in receipt order (voting.seal);
* `purge_letter_files` (hourly): code letters' PDF and CSV 24 h after the first download,
  7 days after they were made at the latest (letters.purge_files);
* `purge_hidden_proposals` (daily): hidden proposals are deleted with their photos after the
  county's `hidden_purge_days` (default 180)."""

from celery import shared_task

from . import letters, proposals, surveys


@shared_task
def purge_hidden_proposals() -> int:
    return proposals.purge_hidden()


@shared_task
def seal_expired_surveys() -> int:
    return surveys.seal_expired()


@shared_task
def purge_letter_files() -> int:
    return letters.purge_files()
