"""Sending is acknowledged before the case exists (docs/scaling.md, "Submissions at peak"):
the request commits the sent application ("wird geprüft"), a Celery worker opens the case
("eingegangen"). Nothing is lost when the task is lost (the outbox sweep), nothing is done
twice when it is delivered twice, and a refusal after the acknowledgement reaches the
citizen. The last test runs a real worker on Redis and SIGKILLs it."""

import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest
import redis
from django.conf import settings
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import translation

from openkreis.cases.models import Case
from openkreis.core.models import Event
from openkreis.forms import services as forms
from openkreis.forms.models import Application
from openkreis.intake.tests.test_worker_crash import wait_for

from .test_views import fill_aufenthaltskarte, start

BROKER = "redis://127.0.0.1:6379/11"


def _(text: str) -> str:
    """The German text of a msgid, as the pages show it (German is the default language)."""
    with translation.override("de"):
        return translation.gettext(text)


def ready_application(client) -> Application:
    app = start(client)
    fill_aufenthaltskarte(client, app)
    client.post(f"/antrag/a/{app.public_id}/bezahlen/")
    return Application.objects.get(pk=app.pk)


def send(client, app):
    return client.post(
        f"/antrag/a/{app.public_id}/absenden/", {"idempotency_key": str(app.idempotency_key)}
    )


@pytest.mark.django_db
def test_acknowledged_before_the_case_then_received(harz_forms, anna, broker):
    app = ready_application(anna)
    response = send(anna, app)
    assert response.status_code == 302 and response["Location"].endswith("/bestaetigung/")
    app.refresh_from_db()
    # acknowledged: sent and committed, no case yet — the citizen sees "wird geprüft"
    assert app.status == "submitted" and app.submitted_at and app.case_id is None
    assert Case.objects.count() == 0
    receipt = anna.get(response["Location"]).content.decode()
    checking = _("Being checked")  # "Wird geprüft"
    assert checking in receipt and 'class="file-number"' not in receipt
    assert checking in anna.get("/antrag/meine/").content.decode()
    assert checking in anna.get(f"/antrag/meine/{app.public_id}/").content.decode()
    assert forms.unregistered(min_age_seconds=0) == [app.pk]
    assert forms.unregistered(min_age_seconds=3600) == []  # not stale yet
    # a retried submit (the browser's retry) changes nothing
    assert send(anna, app).status_code == 302
    # the worker's step (as the task runs it): the case, received when the citizen sent it
    assert forms.register_submitted(app.pk) == "registered"
    app.refresh_from_db()
    case = Case.objects.get()
    assert app.case_id == case.pk and app.file_number == case.file_number
    assert case.received_at == app.submitted_at
    receipt = anna.get(response["Location"]).content.decode()
    assert app.file_number in receipt and checking not in receipt
    assert "Eingegangen" in anna.get(f"/antrag/meine/{app.public_id}/").content.decode()
    # delivered again (acks_late after a crash, or the sweep): nothing happens twice
    assert forms.register_submitted(app.pk) == "already"
    assert Case.objects.count() == 1
    assert Event.objects.filter(kind="application.submitted").count() == 1
    assert forms.unregistered(min_age_seconds=0) == []


RECEIPT_SET_UP_TABLES = ("catalog_competence", "core_orgunit", "core_location", "core_region")


def receipt_queries(client, url) -> tuple[str, list[str]]:
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    assert response.status_code == 200
    return response.content.decode(), [q["sql"] for q in captured.captured_queries]


@pytest.mark.django_db
def test_the_receipt_before_the_case_names_the_office_from_the_cache(
    harz_forms, anna, broker, monkeypatch
):
    """The receipt right after sending (no case yet) names the county's competent office;
    at the deadline peak every citizen asks for it, so the process keeps the answer (the
    set-up cache, like the eAkte's routing), and a saved change shows at once."""
    from openkreis.catalog.models import Competence
    from openkreis.core import setupcache

    # the cache's clock stands still: a busy machine may take longer than its seconds
    monkeypatch.setattr(setupcache.time, "monotonic", lambda: 1000.0)

    app = ready_application(anna)
    url = send(anna, app)["Location"]
    html, first = receipt_queries(anna, url)
    unit = Competence.objects.filter(service=app.service).select_related("org_unit").first()
    unit = unit.org_unit
    assert unit.name in html and _("Your office") in html
    assert any('"catalog_competence"' in sql for sql in first)
    html, again = receipt_queries(anna, url)
    assert unit.name in html
    asked = [sql for sql in again if any(f'"{t}"' in sql for t in RECEIPT_SET_UP_TABLES)]
    assert asked == [] and len(again) < len(first)
    # the receipt of a citizen asks nothing about Wagtail permissions (no user bar for them)
    assert not any('"auth_permission"' in sql for sql in again)
    assert "wagtail-userbar" not in html
    unit.name = "Fahrerlaubnisbehörde (umgezogen)"
    unit.save()  # as the admin does: the cache of this process is emptied
    html, _queries = receipt_queries(anna, url)
    assert "Fahrerlaubnisbehörde (umgezogen)" in html


@pytest.mark.django_db
def test_a_refusal_after_the_acknowledgement_reaches_the_citizen(harz_forms, anna, broker):
    from openkreis.forms.models import ApplicationFile

    from .test_draft_uploads import encrypted_pdf

    app = ready_application(anna)
    assert send(anna, app).status_code == 302
    # the eAkte's check became stricter after the acknowledgement: it refuses this file now
    stored = ApplicationFile.objects.get(application=app, field="f-passport")
    with open(stored.file.path, "wb") as handle:
        handle.write(encrypted_pdf())
    assert forms.register_submitted(app.pk) == "returned"
    app.refresh_from_db()
    assert app.status == "draft" and app.case_id is None and app.registration_error
    assert Case.objects.count() == 0
    listing = anna.get("/antrag/meine/").content.decode()
    assert _("Sent back – please check and send again") in listing
    check = anna.get(f"/antrag/a/{app.public_id}/pruefen/").content.decode()
    assert app.registration_error in check
    # sending again checks every file: the refused one is removed, with the reason at its field
    response = send(anna, app)
    assert response.status_code == 302 and "/seite/unterlagen/" in response["Location"]
    assert not ApplicationFile.objects.filter(application=app, field="f-passport").exists()


@pytest.mark.django_db
def test_the_sweep_hands_a_lost_task_to_a_worker_again(harz_forms, anna, broker):
    from openkreis.forms import tasks

    app = ready_application(anna)
    send(anna, app)
    sent = []
    original = tasks.register_application.delay
    tasks.register_application.delay = lambda pk: sent.append(pk)
    try:
        assert forms.requeue_unregistered(min_age_seconds=0) == 1
    finally:
        tasks.register_application.delay = original
    assert sent == [app.pk]


def start_worker() -> subprocess.Popen:
    """A real worker, as the paper channel's crash test starts one, on this test's broker and
    listening to the queue registration is routed to (settings: CELERY_TASK_ROUTES)."""
    db = connection.settings_dict
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "openkreis.settings.test",
        "CELERY_BROKER_URL": BROKER,
        "OPENKREIS_MEDIA_ROOT": str(settings.MEDIA_ROOT),
    }
    if db["ENGINE"].endswith("postgresql"):
        env["DATABASE_URL"] = f"postgresql://{db['USER']}@{db['HOST']}:{db['PORT']}/{db['NAME']}"
    else:
        env["DATABASE_URL"] = f"sqlite:///{Path(db['NAME']).resolve()}"
    return subprocess.Popen(
        [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "openkreis",
            "worker",
            "-Q",
            "documents,celery",
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


def _redis_up() -> bool:
    try:
        return redis.Redis.from_url(BROKER, socket_connect_timeout=1).ping()
    except redis.RedisError:
        return False


@pytest.mark.slow
@pytest.mark.skipif(not _redis_up(), reason="needs Redis on 127.0.0.1:6379 (make test starts it)")
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
@pytest.mark.parametrize("broker", [BROKER], indirect=True)
def test_a_killed_worker_loses_nothing_and_opens_one_case_each(harz_forms, anna, broker):
    redis.Redis.from_url(BROKER).flushdb()
    apps = []
    for _ in range(3):  # one draft per service at a time: each is sent before the next
        apps.append(ready_application(anna))
        assert send(anna, apps[-1]).status_code == 302
    worker = start_worker()
    try:
        # the first case opens, then the worker dies by SIGKILL while the others wait
        assert wait_for(lambda: Case.objects.exists(), 120), "the worker never opened a case"
        os.killpg(worker.pid, signal.SIGKILL)
        worker.wait(timeout=10)
        # the broker's copy of an unacknowledged task comes back only after its visibility
        # timeout: the lost tasks are gone for now (as after a broker restart)
        redis.Redis.from_url(BROKER).flushdb()
        worker = start_worker()
        forms.requeue_unregistered(min_age_seconds=0)
        assert wait_for(lambda: not forms.unregistered(min_age_seconds=0), 120)
        # the sweep once more (a task in flight twice): still one case per application
        forms.requeue_unregistered(min_age_seconds=0)
        for app in apps:
            forms.register_submitted(app.pk)
    finally:
        os.killpg(worker.pid, signal.SIGKILL)
        worker.wait(timeout=10)
    for app in apps:
        app.refresh_from_db()
        assert app.status == "submitted" and app.case_id
    assert Case.objects.count() == 3
    assert len({a.case_id for a in apps}) == 3
    assert Event.objects.filter(kind="application.submitted").count() == 3
