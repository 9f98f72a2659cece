"""Staff pages of the job board (/bildung-arbeit/moderation/, login + TOTP like every staff
area): moderators (role job_moderator) accept or refuse submitted postings; the Jobcenter's
staff (role jobcenter) post the KoBa's offers, published without review."""

from __future__ import annotations

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST

from openkreis.core.staff import staff_required

from . import board
from .forms_board import JobForm, RefuseForm
from .models import Job

T = "jobs/"
MODERATOR, JOBCENTER = "job_moderator", "jobcenter"


@never_cache
@staff_required(MODERATOR, JOBCENTER)
def home(request):
    context = {"is_moderator": board.is_moderator(request.user)}
    if context["is_moderator"]:
        context["queue"] = Paginator(board.queue(), 30).get_page(request.GET.get("seite"))
    if board.is_jobcenter(request.user):
        employer = board.jobcenter_employer()
        context["jobcenter"] = employer
        context["jobcenter_jobs"] = employer.jobs.select_related("municipality").order_by(
            "-updated_at"
        )[:100]
    return render(request, T + "moderation_home.html", context)


@never_cache
@staff_required(MODERATOR)
@require_http_methods(["GET", "POST"])
def job(request, key):
    item = get_object_or_404(
        Job.objects.select_related("employer", "field", "municipality", "moderated_by"), key=key
    )
    refuse = RefuseForm(request.POST if request.POST.get("action") == "refuse" else None)
    status = 200
    if request.method == "POST":
        action = request.POST.get("action")
        if action not in ("accept", "refuse"):
            return render(
                request,
                T + "moderation_job.html",
                {"job": item, "refuse": refuse, "error": _("Choose accept or refuse.")},
                status=400,
            )
        if action == "refuse" and not refuse.is_valid():
            status = 400
        else:
            try:
                board.moderate(
                    item,
                    actor=request.user,
                    accept=action == "accept",
                    reason=refuse.cleaned_data.get("reason", "") if action == "refuse" else "",
                )
            except board.JobBoardError as error:
                return render(
                    request,
                    T + "moderation_job.html",
                    {"job": item, "refuse": refuse, "error": str(error)},
                    status=409,
                )
            messages.success(
                request,
                _("The posting is published.")
                if action == "accept"
                else _("The posting is refused; the employer reads your reason."),
            )
            return redirect("jobs:moderation_home")
    return render(
        request, T + "moderation_job.html", {"job": item, "refuse": refuse}, status=status
    )


def _jobcenter_job(key) -> Job:
    try:
        return board.jobcenter_employer().jobs.select_related("employer").get(key=key)
    except (Job.DoesNotExist, ValueError):
        raise Http404 from None


@never_cache
@staff_required(JOBCENTER)
@require_http_methods(["GET", "POST"])
def jobcenter_new(request):
    return _jobcenter_form(request, None)


@never_cache
@staff_required(JOBCENTER)
@require_http_methods(["GET", "POST"])
def jobcenter_edit(request, key):
    return _jobcenter_form(request, _jobcenter_job(key))


def _jobcenter_form(request, item: Job | None):
    employer = board.jobcenter_employer()
    form = JobForm(request.POST or None, instance=item)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                if item is None:
                    board.create_job(employer, actor=request.user, **form.values())
                else:
                    board.update_job(item, actor=request.user, **form.values())
            except board.JobBoardError as error:
                form.add_error(None, str(error))
            else:
                messages.success(request, _("The posting is published."))
                return redirect("jobs:moderation_home")
        status = 400
    return render(
        request,
        T + "employer_job_form.html",
        {"form": form, "employer": employer, "job": item, "jobcenter": True},
        status=status,
    )


@never_cache
@staff_required(JOBCENTER)
@require_POST
def jobcenter_withdraw(request, key):
    item = _jobcenter_job(key)
    try:
        board.withdraw_job(item, actor=request.user)
    except board.JobBoardError as error:
        messages.error(request, str(error))
    else:
        messages.success(request, _("The posting is withdrawn."))
    return redirect("jobs:moderation_home")
