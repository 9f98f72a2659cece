"""The driving school's pages (members of its company account) and the pupil's consent page.

Every school and application is looked up among the logged-in member's own schools (others:
404, as if they did not exist); bad filters and pages answer 400 with the reason."""

from __future__ import annotations

import datetime as dt

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from openkreis.catalog.models import Service

from . import services
from .forms import PupilApplicationForm
from .models import DrivingSchool, SchoolApplication

PAGE_SIZE = 50


def _problem(request, message: str, status: int, title: str = ""):
    return render(
        request,
        "schools/problem.html",
        {"message": message, "title": title or _("That did not work")},
        status=status,
    )


def _not_found(request):
    return _problem(
        request,
        _("There is no such page among your driving school's applications."),
        404,
        _("Not found"),
    )


def _school_or_none(request, school_id) -> DrivingSchool | None:
    try:
        return services.school_for(request.user, school_id)
    except DrivingSchool.DoesNotExist:
        return None


def _errors(form) -> list[tuple[str, str]]:
    anchors = []
    for name, errors in form.errors.items():
        field = form.fields.get(name)
        multiple = field is not None and isinstance(
            field.widget, (forms.RadioSelect, forms.CheckboxSelectMultiple)
        )
        anchor = "main" if name == "__all__" else f"id_{name}{'_0' if multiple else ''}"
        anchors.extend((anchor, error) for error in errors)
    return anchors


@never_cache
@login_required
def home(request):
    """/fahrschule/: the school this account acts for (or the list, if several)."""
    schools = list(services.schools_of(request.user))
    if len(schools) == 1:
        return redirect("schools:overview", school_id=schools[0].public_id)
    if not schools:
        return _problem(
            request,
            _(
                "Your account does not act for a driving school. A driving school's company "
                "account is registered by the driving licence authority; ask your school's "
                "administrator to invite you."
            ),
            403,
            _("No driving school"),
        )
    return render(request, "schools/home.html", {"schools": schools})


@never_cache
@login_required
def overview(request, school_id):
    """The bulk view: the school's applications with their status, filtered by status."""
    school = _school_or_none(request, school_id)
    if school is None:
        return _not_found(request)
    language = getattr(request, "LANGUAGE_CODE", "de")
    status = request.GET.get("status", "")
    try:
        applications = services.applications_of(school, status)
    except services.SchoolError as exc:
        return _problem(request, str(exc), 400)
    page_number = request.GET.get("page", "1")
    if not page_number.isascii() or not page_number.isdigit() or int(page_number) < 1:
        return _problem(request, _("The page number must be a whole number from 1."), 400)
    paginator = Paginator(applications, PAGE_SIZE)
    if int(page_number) > max(paginator.num_pages, 1):
        return _problem(request, _("This page does not exist."), 404, _("Not found"))
    page = paginator.page(int(page_number)) if paginator.count else None
    rows = services.status_rows(page.object_list if page else [], language)
    return render(
        request,
        "schools/overview.html",
        {
            "school": school,
            "rows": rows,
            "page": page,
            "status": status,
            "choices": services.status_choices(language),
            "total": paginator.count,
        },
    )


@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def new_application(request, school_id):
    school = _school_or_none(request, school_id)
    if school is None:
        return _not_found(request)
    language = getattr(request, "LANGUAGE_CODE", "de")
    offers = services.offered_services()
    form = PupilApplicationForm(
        request.POST or None, request.FILES or None, offers=offers, language=language
    )
    status = 200
    if request.method == "POST":
        if form.is_valid():
            data = form.cleaned_data
            try:
                application = services.submit_for_pupil(
                    request.user,
                    school,
                    service=Service.objects.get(slug=data["service"]),
                    classes=data["classes"],
                    pupil=services.Pupil(
                        first_name=data["first_name"].strip(),
                        last_name=data["last_name"].strip(),
                        birth_date=data["birth_date"],
                        street=data["street"].strip(),
                        postcode=data["postcode"],
                        city=data["city"].strip(),
                        email=data["email"],
                        phone=data["phone"].strip(),
                    ),
                    eye_test_date=data["eye_test_date"],
                    files=form.files_for_service(),
                    consent=data["consent"],
                )
            except services.SchoolError as exc:
                form.add_error(None, str(exc))
            else:
                if application.case_id:
                    text = _(
                        "The application for %(name)s was sent to the driving licence authority."
                    )
                else:
                    text = _(
                        "The application for %(name)s is saved. We sent %(name)s a link by "
                        "e-mail; the application goes to the authority when they confirm it."
                    )
                messages.success(request, text % {"name": application.pupil_name})
                return redirect(
                    "schools:application",
                    school_id=school.public_id,
                    application_id=application.public_id,
                )
        status = 400
    return render(
        request,
        "schools/new_application.html",
        {
            "school": school,
            "form": form,
            "errors": _errors(form) if form.is_bound else [],
            "offers": offers,
        },
        status=status,
    )


@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def application(request, school_id, application_id):
    """One application of the school: its status and the consent record, nothing else."""
    school = _school_or_none(request, school_id)
    if school is None:
        return _not_found(request)
    try:
        item = services.application_of(school, application_id)
    except SchoolApplication.DoesNotExist:
        return _not_found(request)
    if request.method == "POST":
        if request.POST.get("action") != "resend":
            return _problem(request, _("Unknown action."), 400)
        try:
            services.resend_link(request.user, item)
        except services.SchoolError as exc:
            return _problem(request, str(exc), 409)
        messages.success(request, _("We sent the pupil a new link. The old one no longer works."))
        return redirect(
            "schools:application", school_id=school.public_id, application_id=item.public_id
        )
    row = services.status_rows([item], getattr(request, "LANGUAGE_CODE", "de"))[0]
    return render(request, "schools/application.html", {"school": school, "row": row, "item": item})


@never_cache
@require_http_methods(["GET", "POST"])
def consent(request, token):
    """The pupil's page behind the link: what the school applies for, and "I agree"."""
    try:
        item = (
            services.confirm_consent(token, request.user)
            if request.method == "POST"
            else services.application_for_token(token, request.user)
        )
    except services.ConsentProblem as exc:
        return _problem(request, str(exc), exc.status)
    if request.method == "POST":
        return render(request, "schools/consent_done.html", {"item": item})
    details = item.details
    return render(
        request,
        "schools/consent.html",
        {
            "item": item,
            "details": details,
            "birth_date": dt.date.fromisoformat(details["birth_date"]),
            "token": token,
        },
    )
