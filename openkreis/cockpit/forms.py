"""Forms of the cockpit: the dashboard filters and the import upload / column mapping."""

from __future__ import annotations

import datetime as dt

from django import forms
from django.utils.translation import gettext_lazy as _

from . import read

MAX_UPLOAD = 200 * 1024 * 1024
MAX_DAYS = 3 * 366


class FilterForm(forms.Form):
    service = forms.ChoiceField(label=_("Service"), required=False)
    org_unit = forms.ChoiceField(label=_("Org unit"), required=False)
    channel = forms.ChoiceField(
        label=_("Channel"),
        required=False,
        choices=[
            ("", _("All channels")),
            ("online", _("Online")),
            ("paper", _("Paper")),
            ("counter", _("Counter")),
        ],
    )
    period = forms.ChoiceField(
        label=_("Trend by"),
        required=False,
        choices=[("month", _("Month")), ("week", _("Week"))],
    )
    von = forms.DateField(label=_("From"), required=False, widget=forms.DateInput({"type": "date"}))
    bis = forms.DateField(label=_("To"), required=False, widget=forms.DateInput({"type": "date"}))

    def __init__(self, *args, services=(), units=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["service"].choices = [("", _("All services")), *services]
        self.fields["org_unit"].choices = [("", _("All org units")), *units]

    def clean(self):
        data = super().clean()
        start, end = data.get("von"), data.get("bis")
        if start and end and start > end:
            raise forms.ValidationError(_("The start date must not be after the end date."))
        if start and end and (end - start).days > MAX_DAYS:
            raise forms.ValidationError(_("Choose a period of at most three years."))
        return data

    def filters(self, today: dt.date) -> read.Filters:
        data = self.cleaned_data
        period = data.get("period") or "month"
        f = read.default_filters(today, period)
        f.service = data.get("service") or ""
        f.org_unit = data.get("org_unit") or ""
        f.channel = data.get("channel") or ""
        f.start = data.get("von") or f.start
        f.end = data.get("bis") or f.end
        if f.start > f.end:
            f.start = f.end
        return f


class UploadForm(forms.Form):
    file = forms.FileField(
        label=_("Event log (XES or CSV)"),
        help_text=_("XES (IEEE 1849) or CSV with one row per event, at most 200 MB."),
    )
    service = forms.CharField(
        label=_("Service (slug) the cases belong to"),
        required=False,
        max_length=120,
        help_text=_("Optional; a service column in the file wins."),
    )

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if upload.size > MAX_UPLOAD:
            raise forms.ValidationError(_("The file is larger than 200 MB."))
        name = upload.name.lower()
        if not (name.endswith(".xes") or name.endswith(".csv") or name.endswith(".xml")):
            raise forms.ValidationError(_("Upload a .xes or .csv file."))
        return upload


class MappingForm(forms.Form):
    """Which CSV column holds what; case id, activity and timestamp are required."""

    case_id = forms.ChoiceField(label=_("Case id"))
    activity = forms.ChoiceField(label=_("Activity"))
    timestamp = forms.ChoiceField(label=_("Timestamp"))
    resource = forms.ChoiceField(label=_("Resource (not stored)"), required=False)
    lifecycle = forms.ChoiceField(label=_("Lifecycle (start/complete)"), required=False)
    deadline = forms.ChoiceField(label=_("Deadline"), required=False)
    service = forms.ChoiceField(label=_("Service"), required=False)

    def __init__(self, *args, columns=(), **kwargs):
        super().__init__(*args, **kwargs)
        options = [(c, c) for c in columns]
        for name, field in self.fields.items():
            field.choices = options if field.required else [("", _("— none —")), *options]
            guess = _guess(name, columns)
            if guess:
                field.initial = guess

    def clean(self):
        data = super().clean()
        required = [data.get(n) for n in ("case_id", "activity", "timestamp")]
        if all(required) and len(set(required)) < 3:
            raise forms.ValidationError(
                _("Case id, activity and timestamp must be three different columns.")
            )
        return data


GUESSES = {
    "case_id": ("case_id", "case", "caseid", "case:concept:name", "vorgang", "aktenzeichen"),
    "activity": ("activity", "concept:name", "aktivitaet", "aktivität", "schritt", "event"),
    "timestamp": ("timestamp", "time:timestamp", "zeit", "zeitpunkt", "datum", "time"),
    "resource": ("resource", "org:resource", "bearbeiter"),
    "lifecycle": ("lifecycle", "lifecycle:transition", "status"),
    "deadline": ("deadline", "frist", "target", "target_at"),
    "service": ("service", "leistung"),
}


def _guess(name: str, columns) -> str:
    lowered = {c.lower().strip(): c for c in columns}
    for option in GUESSES.get(name, ()):
        if option in lowered:
            return lowered[option]
    return ""
