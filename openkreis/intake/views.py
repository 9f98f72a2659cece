"""The mail room (Poststelle): upload scans, watch OCR, file each letter into a case."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from openkreis.cases import services as cases
from openkreis.cases.models import Case
from openkreis.catalog.models import Service
from openkreis.core import staff
from openkreis.core.params import oversized_upload

from . import services
from .models import ScanJob

ROLE = staff.Role.MAIL_ROOM
MAX_FILES = 20


class FileForm(forms.Form):
    file_number = forms.CharField(
        label=gettext_lazy("File number of an existing case"), required=False, max_length=60
    )
    service = forms.ModelChoiceField(
        label=gettext_lazy("…or open a new case for the service"),
        queryset=Service.objects.order_by("name"),
        required=False,
    )
    applicant_name = forms.CharField(
        label=gettext_lazy("Sender (for a new case)"), required=False, max_length=200
    )

    def clean(self):
        data = super().clean()
        if data.get("file_number"):
            case = Case.objects.filter(file_number=data["file_number"].strip()).first()
            if case is None:
                self.add_error("file_number", _("There is no case with this file number."))
            data["case"] = case
        elif data.get("service"):
            if not data.get("applicant_name"):
                self.add_error("applicant_name", _("Name the sender for the new case."))
        else:
            raise forms.ValidationError(_("Give a file number or choose a service."))
        return data


@staff.staff_required(ROLE)
def mail_room(request):
    errors = []
    if request.method == "POST":
        files = request.FILES.getlist("scans")
        if not files:
            errors.append(_("Choose at least one scanned file."))
        elif len(files) > MAX_FILES:
            errors.append(_("Upload at most %(n)s files at once.") % {"n": MAX_FILES})
        elif too_large := oversized_upload(files):
            errors.append(too_large)
        else:
            accepted = 0
            for upload in files:
                try:
                    services.receive_scan(upload.name, upload.read(), actor=request.user)
                    accepted += 1
                except cases.UploadRejected as exc:
                    errors.append(str(exc))
            if accepted:
                messages.success(
                    request, _("%(n)s scans received; text recognition runs.") % {"n": accepted}
                )
            if not errors:
                return redirect("intake:mail_room")
    jobs = ScanJob.objects.exclude(state=ScanJob.State.FILED).select_related("suggested_case")[:50]
    return render(
        request,
        "intake/mail_room.html",
        {"jobs": jobs, "errors": errors},
        status=400 if errors else 200,
    )


@staff.staff_required(ROLE)
def job_detail(request, pk: int):
    job = ScanJob.objects.select_related("suggested_case").filter(pk=pk).first()
    if job is None:
        raise Http404(_("No such scan."))
    initial = {"file_number": job.suggested_case.file_number} if job.suggested_case else {}
    query = request.GET.get("q", "").strip()[:100]
    if request.GET.get("file_number"):  # chosen from the search results
        initial = {"file_number": request.GET["file_number"][:60]}
    form = FileForm(request.POST or None, initial=initial)
    found = cases.find_cases_for_filing(query) if query else []
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                case = services.file_scan(
                    job,
                    actor=request.user,
                    case=form.cleaned_data.get("case"),
                    service=form.cleaned_data.get("service"),
                    applicant_name=form.cleaned_data.get("applicant_name", ""),
                )
                messages.success(request, _("Filed in %(number)s.") % {"number": case.file_number})
                return redirect("intake:mail_room")
            except cases.CaseError as exc:
                form.add_error(None, str(exc))
        status = 400
    return render(
        request,
        "intake/job_detail.html",
        {"job": job, "form": form, "q": query, "found": found},
        status=status,
    )


class CounterForm(forms.Form):
    service = forms.ModelChoiceField(
        label=gettext_lazy("Service"),
        queryset=Service.objects.order_by("name"),
        empty_label=gettext_lazy("Choose a service"),  # not Django's "---------"
    )
    name = forms.CharField(label=gettext_lazy("Name of the visitor"), max_length=200)
    email = forms.EmailField(label=gettext_lazy("E-mail (optional)"), required=False)
    street = forms.CharField(
        label=gettext_lazy("Street and number"), max_length=200, required=False
    )
    postcode = forms.RegexField(
        label=gettext_lazy("Postcode"),
        regex=r"^\d{5}$",
        required=False,
        error_messages={"invalid": gettext_lazy("Five digits, please.")},
    )
    city = forms.CharField(label=gettext_lazy("Town"), max_length=120, required=False)


@staff.staff_required(staff.Role.FRONT_DESK, staff.Role.CASEWORKER)
def counter(request):
    """The front desk opens a case for a visitor (channel counter) with scanned documents."""
    form = CounterForm(request.POST or None)
    status = 200
    if request.method == "POST":
        files = request.FILES.getlist("documents")
        if too_large := oversized_upload(files):
            form.add_error(None, too_large)
        if form.is_valid():
            data = form.cleaned_data
            try:
                case = cases.open_case(
                    service=data["service"],
                    channel=Case.Channel.COUNTER,
                    applicant=cases.Applicant(
                        name=data["name"],
                        email=data["email"],
                        street=data["street"],
                        postcode=data["postcode"],
                        city=data["city"],
                    ),
                    documents=[(f.name, f.read()) for f in files[:MAX_FILES]],
                    actor=request.user,
                )
            except (cases.UploadRejected, cases.CaseError) as exc:
                form.add_error(None, str(exc))
            else:
                messages.success(
                    request,
                    _("Case %(number)s opened for %(unit)s.")
                    % {"number": case.file_number, "unit": case.org_unit.name},
                )
                return redirect("intake:counter")
        status = 400
    return render(request, "intake/counter.html", {"form": form}, status=status)
