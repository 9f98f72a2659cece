"""The resident's form and the back office's forms. Every bad input is a message at its
field (400), never an error page."""

from __future__ import annotations

import secrets

from django import forms
from django.core.validators import RegexValidator
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from . import workflow
from .models import Area, Category, Report
from .photos import PhotoRejected, clean_photo

MAX_PHOTOS = 3


def new_key() -> str:
    return secrets.token_urlsafe(24)


class AreaChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return obj.region.name


class CategoryChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return obj.label


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class PhotosField(forms.FileField):
    widget = MultipleFileInput

    def clean(self, data, initial=None):
        files = data if isinstance(data, list | tuple) else ([data] if data else [])
        files = [f for f in files if f]
        if len(files) > MAX_PHOTOS:
            raise forms.ValidationError(_("Please choose at most three photos."))
        result = []
        for upload in files:
            try:
                result.append(clean_photo(upload.read()))
            except PhotoRejected as exc:
                raise forms.ValidationError(f"{upload.name[:80]}: {exc}") from exc
        return result


class ReportForm(forms.Form):
    category = CategoryChoiceField(
        label=pgettext_lazy("defect report", "What is the problem?"),
        queryset=Category.objects.filter(active=True),
        empty_label=pgettext_lazy("defect report", "Please choose"),
        error_messages={
            "required": _("Please choose what the problem is."),
            "invalid_choice": _("Please choose one of the listed categories."),
        },
    )
    lat = forms.FloatField(required=False, widget=forms.HiddenInput, min_value=-90, max_value=90)
    lon = forms.FloatField(required=False, widget=forms.HiddenInput, min_value=-180, max_value=180)
    area = AreaChoiceField(
        label=_("Municipality"),
        queryset=Area.objects.select_related("region").order_by("region__name"),
        required=False,
        empty_label=pgettext_lazy("defect report", "Please choose"),
        help_text=_("Not needed when your phone's position is used."),
        error_messages={"invalid_choice": _("Please choose one of the listed municipalities.")},
    )
    street = forms.CharField(
        label=_("Street and house number (if there is one)"), required=False, max_length=200
    )
    place = forms.CharField(
        label=_("Where exactly?"),
        required=False,
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("For example: opposite the bakery, at the bus stop, 20 m after the bridge."),
    )
    description = forms.CharField(
        label=_("Description of the defect"),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("It is shown publicly. Please do not name any persons."),
        error_messages={"required": _("Please describe the defect.")},
    )
    photos = PhotosField(
        label=_("Photos (optional, up to three)"),
        required=False,
        help_text=_(
            "A position stored in the photo is used when no other is given. "
            "We remove all other data from the photo."
        ),
    )
    email = forms.EmailField(
        label=_("Your e-mail address for updates"),
        required=False,
        max_length=254,
        help_text=_("Never shown publicly. Only for news about this report."),
    )
    key = forms.CharField(
        widget=forms.HiddenInput,
        max_length=64,
        validators=[RegexValidator(r"^[A-Za-z0-9_-]{16,64}$")],
        error_messages={"required": _("The form is incomplete. Please load it again.")},
    )

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user
        self.fields["photos"].widget.attrs["accept"] = "image/jpeg,image/png,image/webp"
        self.fields["description"].widget.attrs["maxlength"] = 2000
        self.fields["email"].widget.attrs["autocomplete"] = "email"
        if user is not None and user.is_authenticated:
            del self.fields["email"]

    def clean(self):
        data = super().clean()
        if "key" in self.errors:
            raise forms.ValidationError(_("The form is incomplete. Please load it again."))
        lat, lon = data.get("lat"), data.get("lon")
        if (lat is None) != (lon is None):
            data["lat"] = data["lon"] = None
            lat = lon = None
        if lat is None:
            for photo in data.get("photos") or []:
                if photo.lat is not None:
                    data["lat"], data["lon"] = photo.lat, photo.lon
                    self.position_from_photo = True
                    break
        if data.get("lat") is None and not data.get("area") and "area" not in self.errors:
            self.add_error(
                "area", _("Please choose the municipality (or allow your phone's position).")
            )
        no_place = not (data.get("street") or data.get("place"))
        if data.get("lat") is None and no_place and "place" not in self.errors:
            self.add_error("place", _("Please say where the defect is (street or place)."))
        if "email" in self.fields and not data.get("email") and "email" not in self.errors:
            self.add_error("email", _("Please give your e-mail address, or log in."))
        return data


class AffectedForm(forms.Form):
    email = forms.EmailField(label=_("Your e-mail address for updates"), required=False)


class StatusForm(forms.Form):
    status = forms.ChoiceField(
        label=_("New status"), error_messages={"required": _("Please choose the new status.")}
    )
    template = forms.ChoiceField(label=_("Text template"), required=False)
    public_text = forms.CharField(
        label=_("Public text (shown on the report page and sent to the reporters)"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    internal_note = forms.CharField(
        label=_("Internal note (only for staff)"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )

    def __init__(self, *args, report: Report, templates=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.templates = {t.key: t for t in templates}
        self.fields["status"].choices = [("", pgettext_lazy("defect report", "Please choose"))] + [
            (s, Report.Status(s).label) for s in workflow.allowed(report.status)
        ]
        self.fields["template"].choices = [("", _("No template"))] + [
            (t.key, f"{Report.Status(t.status).label}: {t.title}") for t in templates
        ]

    def clean(self):
        data = super().clean()
        template = self.templates.get(data.get("template") or "")
        if template is not None and not (data.get("public_text") or "").strip():
            data["public_text"] = template.text
        return data


class NoteForm(forms.Form):
    internal_note = forms.CharField(
        label=_("Internal note (only for staff)"),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )


class AssignForm(forms.Form):
    person = forms.ModelChoiceField(
        label=_("Assign to"), queryset=None, required=False, empty_label=_("Nobody")
    )

    def __init__(self, *args, people, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["person"].queryset = people
        self.fields["person"].label_from_instance = lambda u: u.get_full_name() or u.username


class MergeForm(forms.Form):
    into = forms.CharField(
        label=_("Number of the report this one duplicates (e.g. M-ABCD2345)"),
        max_length=12,
        error_messages={"required": _("Please give the number of the other report.")},
    )
    public_text = forms.CharField(
        label=_("Public text (optional)"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )

    def clean_into(self):
        return self.cleaned_data["into"].strip().upper()


class ForwardForm(forms.Form):
    body = forms.ModelChoiceField(
        label=_("Forward to"),
        queryset=None,
        empty_label=pgettext_lazy("defect report", "Please choose"),
        error_messages={
            "required": _("Please choose a body from the list."),
            "invalid_choice": _("Please choose a body from the list."),
        },
    )
    public_text = forms.CharField(
        label=_("Public text (optional)"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )

    def __init__(self, *args, bodies, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["body"].queryset = bodies
        self.fields["body"].label_from_instance = lambda b: b.label


BULK_STATUSES = (
    workflow.CONFIRMED,
    workflow.IN_PROGRESS,
    workflow.SCHEDULED,
    workflow.FIXED,
    workflow.NOT_REPRODUCIBLE,
)


class BulkForm(forms.Form):
    """Several reports at once: one status change with a template text, or an assignment."""

    reports = forms.MultipleChoiceField(
        label=_("Reports"),
        error_messages={
            "required": _("Please select at least one report."),
            "invalid_choice": _("One of the selected reports is not yours to change."),
        },
    )
    status = forms.ChoiceField(label=_("New status"), required=False)
    template = forms.ChoiceField(label=_("Text template"), required=False)
    person = forms.ModelChoiceField(
        label=_("Assign to"), queryset=None, required=False, empty_label=_("Do not change")
    )
    unassign = forms.BooleanField(label=_("Remove the assignment"), required=False)

    def __init__(self, *args, report_ids, templates=(), people, **kwargs):
        super().__init__(*args, **kwargs)
        self.templates = {t.key: t for t in templates}
        self.fields["reports"].choices = [(str(i), str(i)) for i in report_ids]
        self.fields["status"].choices = [("", _("Do not change"))] + [
            (s, Report.Status(s).label) for s in BULK_STATUSES
        ]
        self.fields["template"].choices = [("", _("No template"))] + [
            (t.key, f"{Report.Status(t.status).label}: {t.title}") for t in templates
        ]
        self.fields["person"].queryset = people
        self.fields["person"].label_from_instance = lambda u: u.get_full_name() or u.username

    def clean(self):
        data = super().clean()
        status, template = data.get("status"), self.templates.get(data.get("template") or "")
        assigning = data.get("person") is not None or data.get("unassign")
        if not status and not assigning:
            raise forms.ValidationError(_("Please choose a new status or a person."))
        if status and assigning:
            raise forms.ValidationError(_("Please change either the status or the assignment."))
        if status and template is None:
            raise forms.ValidationError(_("Please choose a text template for the status change."))
        if template is not None and status and template.status != status:
            raise forms.ValidationError(_("The text template does not fit the new status."))
        data["public_text"] = template.text if template is not None else ""
        return data
