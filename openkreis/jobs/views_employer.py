"""The employers' pages (/bildung-arbeit/stellenanzeigen/): a company's members keep its
employer profile and its postings. Every company and posting is looked up among the member's
own companies' (board.company_for / board.job_for): another company's is a 404."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST

from openkreis.accounts.models import Company

from . import board
from .forms_board import EmployerForm, JobForm
from .models import Job

T = "jobs/"


def _company(request, public_id) -> Company:
    try:
        return board.company_for(request.user, public_id)
    except (Company.DoesNotExist, ValueError):
        raise Http404 from None


def _job(request, key) -> Job:
    try:
        return board.job_for(request.user, key)
    except (Job.DoesNotExist, ValueError):
        raise Http404 from None


def _problem(request, message: str, status: int):
    return render(request, T + "employer_problem.html", {"message": message}, status=status)


@never_cache
@login_required
def home(request):
    """The user's companies, each with its profile and postings."""
    companies = list(board.companies_of(request.user))
    if not companies:
        return _problem(
            request,
            _(
                "Job postings are made by company accounts. Open a company account under "
                "“My account”, or ask your company's administrator to invite you."
            ),
            403,
        )
    rows = []
    for company in companies:
        employer = board.employer_of(company)
        postings = (
            list(employer.jobs.select_related("municipality").order_by("-updated_at")[:100])
            if employer
            else []
        )
        rows.append({"company": company, "employer": employer, "jobs": postings})
    return render(request, T + "employer_home.html", {"rows": rows})


@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def profile(request, company):
    company = _company(request, company)
    employer = board.employer_of(company)
    initial = (
        {}
        if employer
        else {
            "name": company.name,
            "street": company.street,
            "postcode": company.postcode,
            "town": company.city,
        }
    )
    form = EmployerForm(request.POST or None, instance=employer, initial=initial)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                board.save_employer(company, actor=request.user, **form.cleaned_data)
            except board.JobBoardError as error:
                form.add_error(None, str(error))
            else:
                messages.success(request, _("The employer profile is saved."))
                return redirect("jobs:employer_home")
        status = 400
    return render(
        request,
        T + "employer_profile.html",
        {"form": form, "company": company, "employer": employer},
        status=status,
    )


@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def new_job(request, company):
    company = _company(request, company)
    employer = board.employer_of(company)
    if employer is None:
        messages.info(request, _("Fill in the employer profile first; it appears with every job."))
        return redirect("jobs:employer_profile", company.public_id)
    form = JobForm(request.POST or None)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                made = board.create_job(
                    employer,
                    actor=request.user,
                    submit="submit" in request.POST,
                    **form.values(),
                )
            except board.JobBoardError as error:
                form.add_error(None, str(error))
            else:
                messages.success(request, _saved_message(made))
                return redirect("jobs:employer_home")
        status = 400
    return render(
        request,
        T + "employer_job_form.html",
        {"form": form, "employer": employer, "job": None},
        status=status,
    )


def _saved_message(job: Job) -> str:
    if job.status == Job.Status.SUBMITTED:
        return _("Sent for review. A moderator checks the posting before it is published.")
    if job.status == Job.Status.PUBLISHED:
        return _("The posting is published.")
    return _("Saved as a draft.")


@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def edit_job(request, key):
    item = _job(request, key)
    if item.status == Job.Status.WITHDRAWN:
        return _problem(request, _("A withdrawn posting cannot be changed."), 409)
    form = JobForm(request.POST or None, instance=item)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                saved = board.update_job(
                    item, actor=request.user, submit="submit" in request.POST, **form.values()
                )
            except board.JobBoardError as error:
                form.add_error(None, str(error))
            else:
                messages.success(request, _saved_message(saved))
                return redirect("jobs:employer_home")
        status = 400
    return render(
        request,
        T + "employer_job_form.html",
        {"form": form, "employer": item.employer, "job": item},
        status=status,
    )


@never_cache
@login_required
@require_POST
def withdraw_job(request, key):
    item = _job(request, key)
    try:
        board.withdraw_job(item, actor=request.user)
    except board.JobBoardError as error:
        return _problem(request, str(error), 409)
    messages.success(request, _("The posting is withdrawn."))
    return redirect("jobs:employer_home")
