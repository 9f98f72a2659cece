"""Crash safety with a real Celery worker on Redis: the worker is killed (SIGKILL) in the
middle of OCR; a new worker and the recovery sweep finish the job — nothing lost, nothing
done twice."""

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
import redis
from django.conf import settings
from django.db import connection

from openkreis.intake import services as intake
from openkreis.intake.models import ScanJob

from .factories import scanned_letter

pytestmark = [pytest.mark.slow]
BROKER = "redis://127.0.0.1:6379/13"


def _redis_up() -> bool:
    try:
        return redis.Redis.from_url(BROKER, socket_connect_timeout=1).ping()
    except redis.RedisError:
        return False


def start_worker() -> subprocess.Popen:
    db = connection.settings_dict
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "openkreis.settings.test",
        "CELERY_BROKER_URL": BROKER,
    }
    if db["ENGINE"].endswith("postgresql"):
        env["DATABASE_URL"] = f"postgresql://{db['USER']}@{db['HOST']}:{db['PORT']}/{db['NAME']}"
    else:
        env["DATABASE_URL"] = f"sqlite:///{Path(db['NAME']).resolve()}"
    env["OPENKREIS_MEDIA_ROOT"] = str(settings.MEDIA_ROOT)
    return subprocess.Popen(
        [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "openkreis",
            "worker",
            "-Q",
            "documents,mail,cockpit,celery",  # every queue, as a one-worker installation
            "--pool=solo",
            "--loglevel=warning",
            "--without-gossip",
            "--without-mingle",
            "--without-heartbeat",
        ],
        cwd=Path(settings.BASE_DIR),
        env=env,
        start_new_session=True,
    )


def wait_for(predicate, seconds: float) -> bool:
    deadline = time.time() + seconds
    while time.time() < deadline:
        if predicate():
            return True
        time.sleep(0.2)
    return False


@pytest.mark.skipif(not _redis_up(), reason="needs Redis on 127.0.0.1:6379 (make test starts it)")
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
@pytest.mark.parametrize("broker", [BROKER], indirect=True)  # the root conftest's fixture
def test_killed_worker_loses_nothing_and_does_nothing_twice(settings, tmp_path, broker):
    settings.MEDIA_ROOT = tmp_path
    redis.Redis.from_url(BROKER).flushdb()
    worker = start_worker()
    try:
        # eight pages: the OCR lasts seconds, long enough to be killed in
        pages = scanned_letter(*[f"Zeile {n} Sonnenblumenfeld" for n in range(14)], pages=8)
        job = intake.receive_scan("dick.pdf", pages)  # committed: the task is sent now
        assert wait_for(
            lambda: ScanJob.objects.filter(
                pk=job.pk, state=ScanJob.State.RUNNING, progress="ocr"
            ).exists(),
            60,
        ), "the worker never started the OCR"
        os.killpg(worker.pid, signal.SIGKILL)  # in the middle of OCR
        worker.wait(timeout=10)
        assert ScanJob.objects.get(pk=job.pk).state == ScanJob.State.RUNNING
        worker = start_worker()
        assert intake.recover_stale_scans(min_age_seconds=0) == 1
        assert wait_for(lambda: ScanJob.objects.get(pk=job.pk).state == ScanJob.State.READY, 120), (
            ScanJob.objects.get(pk=job.pk).error
        )
        done = ScanJob.objects.get(pk=job.pk)
        assert ScanJob.objects.count() == 1
        assert "Sonnenblumenfeld" in done.text
        assert intake.recover_stale_scans(min_age_seconds=0) == 0  # nothing left behind
    finally:
        os.killpg(worker.pid, signal.SIGKILL)
        worker.wait(timeout=10)
