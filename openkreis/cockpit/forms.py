"""Forms of the cockpit: the dashboard filters and the import upload / column mapping."""

from __future__ import annotations

import datetime as dt

from django import forms
from django.utils.text import slugify
from django.utils.translation import gettext_lazy as _

from . import read

MAX_UPLOAD = 200 * 1024 * 1024
MAX_DAYS = 3 * 366
# an imported log (a published log, an old specialist procedure's history) may be looked
# at over its whole span
MAX_IMPORT_DAYS = 25 * 366


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
            ("school", _("Driving school")),
        ],
    )
    period = forms.ChoiceField(
        label=_("Trend by"),
        required=False,
        choices=[("month", _("Month")), ("week", _("Week"))],
    )
    von = forms.DateField(label=_("From"), required=False, widget=forms.DateInput({"type": "date"}))
    bis = forms.DateField(label=_("To"), required=False, widget=forms.DateInput({"type": "date"}))

    def __init__(self, *args, services=(), units=(), imported=frozenset(), **kwargs):
        super().__init__(*args, **kwargs)
        self.imported = imported
        self.fields["service"].choices = [("", _("All services")), *services]
        self.fields["org_unit"].choices = [("", _("All org units")), *units]

    def clean(self):
        data = super().clean()
        start, end = data.get("von"), data.get("bis")
        if start and end and start > end:
            raise forms.ValidationError(_("The start date must not be after the end date."))
        longest = MAX_IMPORT_DAYS if data.get("service") in self.imported else MAX_DAYS
        if start and end and (end - start).days > longest:
            if longest == MAX_DAYS:
                raise forms.ValidationError(_("Choose a period of at most three years."))
            raise forms.ValidationError(_("Choose a period of at most 25 years."))
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


UPLOAD_SUFFIXES = (".xes", ".csv", ".xml", ".xes.gz", ".csv.gz", ".xml.gz")


class UploadForm(forms.Form):
    file = forms.FileField(
        label=_("Event log (XES or CSV)"),
        help_text=_(
            "XES (IEEE 1849) or CSV with one row per event, also gzip-compressed "
            "(.xes.gz, .csv.gz), at most 200 MB."
        ),
    )
    source = forms.CharField(
        label=_("Source (procedure or log the file comes from)"),
        required=False,
        max_length=200,
        help_text=_("The mapping chosen for a source is offered again for its next file."),
    )
    owner_unit = forms.ChoiceField(
        label=_("Org unit that owns the process"),
        required=False,
        help_text=_("Its managers see the imported cases; the dashboard filters by it."),
    )
    service = forms.CharField(
        label=_("Service (slug) the cases belong to"),
        required=False,
        max_length=120,
        help_text=_(
            "Optional: a service of the catalogue. Without it the process is listed under "
            "the source's name. A service column in the file wins."
        ),
    )

    def __init__(self, *args, units=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["owner_unit"].choices = [("", _("— none —")), *units]

    def clean_service(self):
        return slugify(self.cleaned_data.get("service") or "")[:120]

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if upload.size > MAX_UPLOAD:
            raise forms.ValidationError(_("The file is larger than 200 MB."))
        if not upload.name.lower().endswith(UPLOAD_SUFFIXES):
            raise forms.ValidationError(_("Upload a .xes or .csv file (also .xes.gz, .csv.gz)."))
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


FIRST_EVENT = "__first__"  # importer.FIRST
LAST_EVENT = "__last__"  # importer.LAST


class RolesForm(forms.Form):
    """Which activity starts a case and which end it (or its first / last event), which
    ones ask for documents and which reopen a case, and an optional target in days."""

    start = forms.ChoiceField(label=_("Start of a case"))
    end = forms.MultipleChoiceField(
        label=_("End of a case (decision)"), widget=forms.CheckboxSelectMultiple
    )
    requests = forms.MultipleChoiceField(
        label=_("Request for documents"), required=False, widget=forms.CheckboxSelectMultiple
    )
    reopened = forms.MultipleChoiceField(
        label=_("Case reopened"), required=False, widget=forms.CheckboxSelectMultiple
    )
    target_days = forms.IntegerField(
        label=_("Target: days after the start (optional)"),
        required=False,
        min_value=1,
        max_value=3650,
        help_text=_("Without it, only deadlines from the file count for deadline adherence."),
    )

    def __init__(self, *args, activities=(), **kwargs):
        super().__init__(*args, **kwargs)
        names = [(a, a) for a in activities]
        self.fields["start"].choices = [(FIRST_EVENT, _("the first event of the case")), *names]
        self.fields["end"].choices = [(LAST_EVENT, _("the last event of the case")), *names]
        self.fields["requests"].choices = names
        self.fields["reopened"].choices = names

    def clean(self):
        data = super().clean()
        end = data.get("end") or []
        if LAST_EVENT in end and len(end) > 1:
            self.add_error(
                "end", _("Choose either the last event or the activities that end a case.")
            )
        start = data.get("start")
        lists = {
            _("Start of a case"): {start} - {FIRST_EVENT, None},
            _("End of a case (decision)"): set(end) - {LAST_EVENT},
            _("Request for documents"): set(data.get("requests") or ()),
            _("Case reopened"): set(data.get("reopened") or ()),
        }
        seen: dict[str, str] = {}
        for label, names in lists.items():
            for name in sorted(names):
                if name in seen:
                    raise forms.ValidationError(
                        _("“%(activity)s” cannot be both “%(a)s” and “%(b)s”.")
                        % {"activity": name, "a": seen[name], "b": label}
                    )
                seen[name] = label
        return data

    def roles(self) -> dict:
        data = self.cleaned_data
        return {
            "start": data["start"],
            "end": list(data["end"]),
            "requests": list(data.get("requests") or ()),
            "reopened": list(data.get("reopened") or ()),
            "target_days": data.get("target_days"),
        }


ROLE_GUESSES = {
    "start": ("eingang", "antrag eingegangen", "received", "register request"),
    "end": ("bescheid", "entscheidung", "decided", "decide"),
    "requests": ("nachforderung", "documents_requested"),
    "reopened": ("reopened", "wiedereröffnet"),
}


def guess_roles(activities) -> dict:
    """Roles offered when a source has none stored: the German and English names the
    importer knew before roles could be chosen, else first and last event."""
    lowered = {a.lower().strip(): a for a in activities}

    def found(key):
        return [lowered[o] for o in ROLE_GUESSES[key] if o in lowered]

    start = found("start")
    return {
        "start": start[0] if start else FIRST_EVENT,
        "end": found("end") or [LAST_EVENT],
        "requests": found("requests"),
        "reopened": found("reopened"),
    }
