"""The trust list and the revocation list as public JSON documents (owner T1).

The inspector's service worker caches both; ETag and Cache-Control let it revalidate cheaply
(304) whenever it is online. Public keys are public; the revocation list holds truncated
hashes only.
"""

from __future__ import annotations

import hashlib

from django.http import HttpResponse
from django.utils.cache import get_conditional_response
from django.views.decorators.http import require_safe

from . import keys

# short: a revoked ticket must reach the checkers soon; revalidation costs a 304
CACHE_CONTROL = "public, max-age=300, stale-if-error=604800"


def _document(request, document: dict) -> HttpResponse:
    body = keys.document_bytes(document)
    etag = '"' + hashlib.sha256(body).hexdigest()[:32] + '"'
    response = get_conditional_response(request, etag=etag)
    if response is None:
        response = HttpResponse(body, content_type="application/json")
    response["ETag"] = etag
    response["Cache-Control"] = CACHE_CONTROL
    response["Access-Control-Allow-Origin"] = "*"
    return response


@require_safe
def trust_list(request):
    return _document(request, keys.trust_list())


@require_safe
def revocation_list(request):
    return _document(request, keys.revocation_list())
