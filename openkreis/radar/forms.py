"""Forms of the radar: assessment, decision, EfA import (upload, mapping), organisation,
the maturity questionnaire and a rollout cell."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from openkreis.core.models import Region

from .imports import FIELDS, REQUIRED
from .models import AssessedOrganisation, EfaOffer, RadarEntry, Rollout

FIELD_LABELS = {
    "service": _("Service (key, LeiKa key or name)"),
    "name": _("Name of the online service"),
    "state": _("Providing state"),
    "platform": _("Platform"),
    "conditions": _("Conditions and costs"),
    "status": _("Status"),
    "url": _("Link"),
}


class AssessmentForm(forms.Form):
    benefit = forms.ChoiceField(
        label=_("Expected benefit"),
        choices=[("", "–"), *RadarEntry.Benefit.choices],
        required=False,
    )
    effort = forms.ChoiceField(
        label=_("Effort"), choices=[("", "–"), *RadarEntry.Benefit.choices], required=False
    )
    legal_fit = forms.ChoiceField(label=_("Legal fit"), choices=RadarEntry.LegalFit.choices)
    note = forms.CharField(
        label=_("Note"), required=False, max_length=2000, widget=forms.Textarea(attrs={"rows": 3})
    )


class DecisionForm(forms.Form):
    decision = forms.ChoiceField(
        label=pgettext_lazy("radar", "Decision"),
        choices=[c for c in RadarEntry.Decision.choices if c[0]],
        widget=forms.RadioSelect,
    )
    offer = forms.ModelChoiceField(
        label=_("EfA offer to adopt"),
        queryset=EfaOffer.objects.none(),
        required=False,
        empty_label="–",
        help_text=_("Only when you adopt an EfA service."),
    )
    owner = forms.CharField(label=_("Responsible (person or unit)"), max_length=200)
    decided_on = forms.DateField(
        label=_("Decided on"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )
    go_live = forms.DateField(
        label=_("Planned go-live"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )
    review_on = forms.DateField(
        label=_("Review on"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )

    def __init__(self, *args, service=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["offer"].queryset = EfaOffer.objects.filter(service=service)


class UploadForm(forms.Form):
    file = forms.FileField(
        label=_("CSV file"),
        help_text=_("A list with one EfA offer per line; the first line names the columns."),
    )


class MappingForm(forms.Form):
    def __init__(self, *args, columns: list[str], initial_mapping: dict, **kwargs):
        super().__init__(*args, **kwargs)
        choices = [("", _("(not in the file)"))] + [
            (str(i), name or f"#{i + 1}") for i, name in enumerate(columns)
        ]
        for field in FIELDS:
            self.fields[field] = forms.ChoiceField(
                label=FIELD_LABELS[field],
                choices=choices,
                required=field in REQUIRED,
                initial=str(initial_mapping[field]) if field in initial_mapping else "",
            )

    def clean(self):
        data = super().clean()
        used = [v for v in data.values() if v]
        if len(used) != len(set(used)):
            raise forms.ValidationError(_("Each column can be used for one field only."))
        return data

    def mapping(self) -> dict[str, int]:
        return {f: int(v) for f, v in self.cleaned_data.items() if v}


class OrganisationForm(forms.Form):
    name = forms.CharField(label=_("Name of the organisation"), max_length=200)
    kind = forms.ChoiceField(
        label=_("Kind"), choices=AssessedOrganisation.Kind.choices, widget=forms.RadioSelect
    )
    region = forms.ModelChoiceField(
        label=_("Municipality"),
        queryset=Region.objects.filter(kind=Region.Kind.MUNICIPALITY).order_by("name"),
        required=False,
        empty_label="–",
    )


class MaturityForm(forms.Form):
    """One radio group per question of the county's model (levels 1–4)."""

    def __init__(self, *args, definition: dict, **kwargs):
        super().__init__(*args, **kwargs)
        self.dimensions = []
        for dim in definition["dimensions"]:
            names = []
            for q in dim["questions"]:
                name = f"q_{q['id']}"
                self.fields[name] = forms.ChoiceField(
                    label=q["text"],
                    choices=[(str(i), text) for i, text in enumerate(q["levels"], start=1)],
                    widget=forms.RadioSelect,
                    error_messages={"required": _("Please choose one answer.")},
                )
                names.append(name)
            self.dimensions.append((dim["name"], names))

    def answers(self) -> dict[str, int]:
        return {k[2:]: int(v) for k, v in self.cleaned_data.items()}

    def grouped(self):
        return [(name, [self[n] for n in names]) for name, names in self.dimensions]


class RolloutForm(forms.Form):
    status = forms.ChoiceField(label=_("Status"), choices=Rollout.Status.choices)
    date = forms.DateField(
        label=_("Date"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )
