"""Celery tasks of the paper channel: thin wrappers around the pipeline. They acknowledge
late and are idempotent, so a worker killed mid-OCR leaves the job to be done again, once."""

from celery import shared_task

from . import pipeline


@shared_task(acks_late=True, reject_on_worker_lost=True, max_retries=3)
def process_scan(job_id: int) -> str:
    return pipeline.run(job_id).state


@shared_task
def recover_stale_scans() -> int:
    from .services import recover_stale_scans as sweep

    return sweep()
