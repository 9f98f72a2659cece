"""Code letters for survey editors (owner: P3): /beteiligung/verwaltung/<key>/briefe/.

Two steps without storing the resident list: "Check" reads the file and shows the count and
the rows with errors; "Create" reads the chosen file again (its SHA-256 must match the
checked one, so what was previewed is what is made) and makes the codes, the PDF and the
CSV. Downloads are for the survey unit's editors; the files go after the first download plus
a grace period (letters.purge_files)."""

from __future__ import annotations

import hashlib

from django import forms
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods

from openkreis.core import staff
from openkreis.core.models import Region

from . import letters
from .models import LetterBatch, Survey

editor_required = staff.staff_required(staff.Role.SURVEY_EDITOR)
PREVIEW_ROWS = 200  # rows with errors listed on the page (the count says how many more)


def editable_survey(request, key: str) -> Survey:
    """The survey if the user edits surveys of its unit; 404 otherwise (another unit's
    survey does not exist for them)."""
    units = staff.unit_ids_for(request.user, [staff.Role.SURVEY_EDITOR])
    return get_object_or_404(
        Survey.objects.select_related("unit__organisation", "region"), key=key, unit_id__in=units
    )


class ResidentListForm(forms.Form):
    municipality = forms.ModelChoiceField(
        label=gettext_lazy("Municipality"),
        queryset=Region.objects.none(),
        empty_label=gettext_lazy("Please choose"),
        error_messages={"required": gettext_lazy("Please choose the municipality.")},
    )
    file = forms.FileField(
        label=gettext_lazy("Resident list (CSV file)"),
        help_text=gettext_lazy(
            "Columns Anrede, Vorname, Nachname, Straße, Hausnummer, PLZ, Ort (English names "
            "work too), separated by ; or ,. At most 50,000 rows. The list is not stored."
        ),
        error_messages={"required": gettext_lazy("Please choose the resident list.")},
    )
    checked = forms.CharField(required=False, widget=forms.HiddenInput)

    def __init__(self, *args, survey: Survey, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["municipality"].queryset = letters.municipalities_for(survey)
        self.fields["file"].widget.attrs.update(
            {"accept": ".csv,text/csv", "aria-describedby": "id_file_helptext"}
        )

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if upload.size > letters.MAX_BYTES:
            raise forms.ValidationError(_("The file is larger than 10 MB."))
        return upload


@require_http_methods(["GET", "POST"])
@editor_required
def letter_batches(request, key: str):
    survey = editable_survey(request, key)
    problem = ""
    try:
        letters.check_survey(survey)
    except letters.LetterError as exc:
        problem = str(exc)
    parsed = digest = None
    form = ResidentListForm(survey=survey)
    status = 200
    if request.method == "POST" and not problem:
        form = ResidentListForm(request.POST, request.FILES, survey=survey)
        if form.is_valid():
            data = form.cleaned_data["file"].read()
            digest = hashlib.sha256(data).hexdigest()
            parsed = letters.parse_residents(data)
            create = request.POST.get("action") == "create"
            if create and not parsed.problems:
                if form.cleaned_data["checked"] != digest:
                    problem = _(
                        "This is not the file you checked. Please check it first, then create "
                        "the letters."
                    )
                else:
                    try:
                        batch = letters.create_batch(
                            survey,
                            form.cleaned_data["municipality"],
                            parsed.valid,
                            user=request.user,
                            base=request.build_absolute_uri("/"),
                        )
                    except letters.LetterError as exc:
                        problem = str(exc)
                    else:
                        return redirect("participation:letters_done", key=survey.key, pk=batch.pk)
            if parsed.problems or problem:
                status = 400
            form = ResidentListForm(
                initial={
                    "municipality": form.cleaned_data["municipality"],
                    "checked": "" if parsed.problems else digest,
                },
                survey=survey,
            )
        else:
            status = 400
    elif request.method == "POST":
        status = 400
    batches = survey.letter_batches.select_related("municipality")
    return render(
        request,
        "participation/letters/home.html",
        {
            "survey": survey,
            "form": form,
            "parsed": parsed,
            "errors": parsed.invalid[:PREVIEW_ROWS] if parsed else [],
            "more_errors": max(0, len(parsed.invalid) - PREVIEW_ROWS) if parsed else 0,
            "problem": problem,
            "batches": [
                (b, None if b.files_deleted_at else letters.deletes_at(b)) for b in batches
            ],
            "max_rows": letters.MAX_ROWS,
        },
        status=status,
    )


@editor_required
def letters_done(request, key: str, pk: int):
    survey = editable_survey(request, key)
    batch = get_object_or_404(LetterBatch, pk=pk, survey=survey)
    return render(
        request,
        "participation/letters/done.html",
        {
            "survey": survey,
            "batch": batch,
            "state": letters.state(batch),
            "deletes_at": letters.deletes_at(batch),
        },
    )


@editor_required
def letters_file(request, key: str, pk: int, kind: str):
    survey = editable_survey(request, key)
    batch = get_object_or_404(LetterBatch, pk=pk, survey=survey)
    file = {"pdf": batch.pdf, "csv": batch.csv}.get(kind)
    if file is None:
        raise Http404
    state = letters.state(batch)
    if state != "ready" or not file:
        return render(
            request,
            "participation/letters/gone.html",
            {"survey": survey, "batch": batch, "state": state},
            status={"making": 409, "failed": 404}.get(state, 410),
        )
    letters.note_download(batch)
    return FileResponse(
        file.open("rb"),
        as_attachment=True,
        filename=f"codebriefe-{survey.key}-{batch.pk}.{kind}",
        content_type="application/pdf" if kind == "pdf" else "text/csv; charset=utf-8",
    )
