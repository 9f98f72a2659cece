"""Offline reports in dead spots, the server's part: the service worker is served under its
scope with the right headers, the form page loads the offline scripts (and still works
without them), and a queued report sent again is never a second report."""

import re

import pytest
from django.core.cache import cache
from django.test import Client

from openkreis.reports.models import Category, Report

URL = "/maengelmelder/melden/"


@pytest.fixture(autouse=True)
def _clear_cache():
    cache.clear()
    yield
    cache.clear()


@pytest.mark.django_db
def test_service_worker_is_served_under_its_scope(client):
    response = client.get("/maengelmelder/offline-sw.js")
    assert response.status_code == 200
    assert response["Content-Type"] == "text/javascript; charset=utf-8"
    assert response["Service-Worker-Allowed"] == "/maengelmelder/"
    assert response["Cache-Control"] == "no-cache"
    body = response.content.decode()
    assert 'var FORM_URL = "/maengelmelder/melden/"' in body
    assert re.search(r'importScripts\("/static/reports/offline-queue[^"]*\.js"\)', body)
    assert "reports/offline.js" in body and "reports/reports.css" in body
    # the site's policy lets a same-origin worker run and import same-origin scripts
    csp = response.get("Content-Security-Policy", "")
    assert "script-src 'self'" in csp or csp == ""
    assert "worker-src" not in csp or "worker-src 'self'" in csp
    assert client.post("/maengelmelder/offline-sw.js").status_code == 405


@pytest.mark.django_db
def test_form_loads_the_offline_scripts_and_the_waiting_text(client):
    html = client.get(URL).content.decode()
    assert re.search(r'<script src="/static/reports/offline-queue[^"]*\.js" defer>', html)
    assert re.search(r'<script src="/static/reports/offline[^"-]*\.js" defer>', html)
    assert 'data-worker="/maengelmelder/offline-sw.js"' in html
    assert 'data-scope="/maengelmelder/"' in html
    status = re.search(r'<p id="offline-status"[^>]*>', html).group(0)
    assert 'role="status"' in status and " hidden" in status
    assert (
        "Ihre Meldung ist auf diesem Gerät gespeichert und wird gesendet, sobald wieder Netz "
        "da ist." in status
    )
    # without JavaScript nothing changes: the form posts to itself
    assert 'method="post" enctype="multipart/form-data"' in html


@pytest.mark.django_db
def test_the_waiting_text_in_english(client):
    html = client.get("/en" + URL).content.decode()
    assert "saved on this device and will be sent as soon as there is a connection" in html


@pytest.mark.django_db
def test_a_queued_report_sent_twice_is_one_report():
    """What offline-queue.js sends: a fresh CSRF token, `new=1`, the stored key — twice."""
    browser = Client(enforce_csrf_checks=True)
    category = Category.objects.get(key="strasse")
    data = {
        "category": str(category.pk),
        "lat": "51.8957",
        "lon": "11.0468",
        "street": "Breiter Weg 12",
        "place": "",
        "description": "Schlagloch, im Funkloch gemeldet.",
        "email": "funkloch@example.org",
        "key": "offline" + "q" * 20,
        "new": "1",
    }
    for _ in range(2):
        page = browser.get(URL).content.decode()
        token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1)
        response = browser.post(URL, {**data, "csrfmiddlewaretoken": token}, HTTP_X_CSRFTOKEN=token)
        assert response.status_code == 302
        assert "/maengelmelder/melden/danke/" in response["Location"]
    assert Report.objects.filter(idempotency_key=data["key"]).count() == 1
    # without a token (a stale cached page) it is refused, not stored
    response = Client(enforce_csrf_checks=True).post(URL, {**data, "key": "other" + "z" * 20})
    assert response.status_code == 403
    assert Report.objects.count() == 1
