"""Offline reports in dead spots: the service worker for `/maengelmelder/`.

The worker is served by this view (not as a static file) so that it lives under the scope it
controls, names the hashed static files it caches and carries `Service-Worker-Allowed`. It
caches the form page (network first, the cache only when there is no connection) and the
form's static files; `static/reports/offline-queue.js` keeps a report made without
connection in IndexedDB and sends it once the connection returns (the `online` event,
Background Sync where the browser has it, or the next visit). The form's idempotency key
makes a resend never a second report.
"""

from __future__ import annotations

from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.http import require_GET

SCOPE = "/maengelmelder/"
CACHE_VERSION = "1"


@require_GET
def service_worker(request):
    response = render(
        request,
        "reports/offline-sw.js",
        {"form_url": reverse("reports:new"), "cache_name": f"openkreis-reports-{CACHE_VERSION}"},
        content_type="text/javascript; charset=utf-8",
    )
    response["Service-Worker-Allowed"] = SCOPE
    # a new deployment must reach the browsers at once (they check the worker on navigation)
    response["Cache-Control"] = "no-cache"
    return response
