"""Public pages of the job board: the search (works without JavaScript), a job's page with its
schema.org JobPosting markup, an employer's profile with its open jobs."""

from __future__ import annotations

from urllib.parse import urlencode

from django.core.paginator import Page, Paginator
from django.http import Http404
from django.shortcuts import get_object_or_404, render
from django.utils import timezone

from openkreis.core import event_kinds
from openkreis.core.services import record_event

from . import board, jsonld
from .forms_board import SearchForm
from .models import Employer, Job
from .search import search

PAGE_SIZE = 20
MAX_PAGE = 500


class _Results(list):
    """A list that Paginator can count without a query (the total comes from search)."""

    def __init__(self, items, total):
        super().__init__(items)
        self.total = total

    def count(self):
        return self.total


def _page_number(request) -> int:
    raw = request.GET.get("seite", "1")
    if not raw.isascii() or not raw.isdigit():
        return 1
    return min(max(int(raw), 1), MAX_PAGE)


def jobs(request):
    form = SearchForm(request.GET or None)
    status = 200
    results, total, page = [], 0, None
    searched = bool(request.GET)
    if form.is_bound and not form.is_valid():
        status = 400
    else:
        data = form.cleaned_data if form.is_bound else {}
        lat, lon = form.position() if form.is_bound else (None, None)
        number = _page_number(request)
        results, total = search(
            q=data.get("q", ""),
            kind=data.get("art") or None,
            hours=data.get("zeit") or None,
            field=data.get("feld") or None,
            lat=lat,
            lon=lon,
            radius_km=data.get("umkreis") or 25,
            limit=PAGE_SIZE,
            offset=(number - 1) * PAGE_SIZE,
        )
        paginator = Paginator(_Results([], total), PAGE_SIZE)
        page = Page(results, min(number, max(paginator.num_pages, 1)), paginator)
        if searched:
            record_event(
                event_kinds.JOBS_SEARCHED,
                data={
                    "kind": data.get("art") or "",
                    "hours": data.get("zeit") or "",
                    "near": lat is not None,
                    "results": total,
                },
            )
    params = urlencode([(k, v) for k, v in request.GET.items() if k != "seite" and v], doseq=False)
    return render(
        request,
        "jobs/job_search.html",
        {"form": form, "page": page, "total": total, "params": params, "searched": searched},
        status=status,
    )


def job(request, key):
    item = get_object_or_404(
        Job.objects.select_related("employer", "field", "municipality"), key=key
    )
    today = timezone.localdate()
    if not board.is_open(item, today):
        if board.may_preview(request.user, item):
            return render(request, "jobs/job_detail.html", {"job": item, "preview": True})
        if item.status == Job.Status.PUBLISHED or item.status == Job.Status.WITHDRAWN:
            # it was public once: say that it is no longer open
            return render(request, "jobs/job_gone.html", {"job": item}, status=410)
        raise Http404
    url = request.build_absolute_uri(request.path)
    record_event(
        event_kinds.JOBS_JOB_VIEWED,
        subject=f"job:{item.pk}",
        data={
            "kind": item.kind,
            "field": item.field.slug if item.field else "",
            "municipality": item.municipality.ars if item.municipality else "",
        },
    )
    return render(
        request,
        "jobs/job_detail.html",
        {"job": item, "jsonld": jsonld.script(item, url), "preview": False},
    )


def employer(request, slug):
    profile = get_object_or_404(Employer, slug=slug)
    open_jobs = (
        board.open_jobs()
        .filter(employer=profile)
        .select_related("municipality", "field")
        .order_by("-published_at", "-pk")
    )
    paginator = Paginator(open_jobs, PAGE_SIZE)
    page = paginator.get_page(_page_number(request))
    return render(request, "jobs/job_employer.html", {"employer": profile, "page": page})
