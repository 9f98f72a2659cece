"""The public pages of the cockpit (no login): the help page, the transparency page, the
open data and its DCAT-AP.de metadata. Every figure is suppressed below five cases."""

from __future__ import annotations

import json

from django.http import Http404, HttpResponse
from django.shortcuts import render

from openkreis.core.services import current_tenant

from .. import aggregates, engine, presenters
from .exports import OPEN_DATA_FORMATS, open_data_response


def help_page(request):
    return render(request, "cockpit/help.html", {"k": engine.K_ANONYMITY})


def public_figures() -> dict:
    """The public figures (presenters.public_figures), the aggregates refreshed first when
    no worker keeps them fresh."""
    aggregates.ensure_fresh()
    return presenters.public_figures()


def transparency(request):
    return render(request, "cockpit/transparency.html", {"figures": public_figures()})


def open_data(request, fmt: str):
    if fmt not in OPEN_DATA_FORMATS:
        raise Http404
    return open_data_response(public_figures(), fmt)


def dcat(request):
    """DCAT-AP.de metadata (JSON-LD) of the open data: one dcat:Dataset, two
    dcat:Distribution (JSON and CSV)."""
    tenant = current_tenant()
    publisher = tenant.name if tenant else "openkreis"
    base = request.build_absolute_uri("/").rstrip("/")
    doc = presenters.dcat_document(base, publisher)
    return HttpResponse(
        json.dumps(doc, ensure_ascii=False, indent=2), content_type="application/ld+json"
    )
