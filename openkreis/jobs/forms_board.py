"""Forms of the job board: the employer profile, a posting, the search, a refusal."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from openkreis.core.services import current_tenant, municipalities

from . import board
from .models import Employer, Field, Job

POSTCODE_HELP = _("Five digits, a postcode in the county.")
SALARY_UNITS = [
    ("", pgettext_lazy("salary unit", "—")),
    ("HOUR", pgettext_lazy("salary unit", "per hour")),
    ("MONTH", pgettext_lazy("salary unit", "per month")),
    ("YEAR", pgettext_lazy("salary unit", "per year")),
]
RADII = [5, 10, 25, 50]


def _postcode(value: str, required: bool) -> str:
    value = (value or "").strip()
    if not value:
        if required:
            raise forms.ValidationError(_("Enter the postcode."))
        return ""
    if len(value) != 5 or not value.isascii() or not value.isdigit():
        raise forms.ValidationError(_("A postcode has five digits, e.g. 38855."))
    if board.municipality_for_postcode(value) is None:
        raise forms.ValidationError(
            _("%(code)s is not a postcode in the county. The job board is for jobs in the county.")
            % {"code": value}
        )
    return value


class EmployerForm(forms.ModelForm):
    website = forms.URLField(label=_("website"), required=False, assume_scheme="https")

    class Meta:
        model = Employer
        fields = ["name", "description", "website", "street", "postcode", "town"]
        widgets = {"description": forms.Textarea(attrs={"rows": 6})}
        help_texts = {"postcode": POSTCODE_HELP}

    def clean_postcode(self):
        return _postcode(self.cleaned_data.get("postcode"), required=False)


class JobForm(forms.ModelForm):
    salary_unit = forms.ChoiceField(label=_("Salary per"), choices=SALARY_UNITS, required=False)
    apply_url = forms.URLField(
        label=_("web address for applications"), required=False, assume_scheme="https"
    )

    class Meta:
        model = Job
        fields = [
            "title",
            "kind",
            "hours",
            "field",
            "description",
            "requirements",
            "street",
            "postcode",
            "town",
            "starts_on",
            "valid_through",
            "salary_min",
            "salary_max",
            "salary_unit",
            "contact_email",
            "apply_url",
        ]
        labels = {
            "field": _("Occupational field"),
            "salary_min": _("Salary from (EUR, optional)"),
            "salary_max": _("Salary up to (EUR, optional)"),
        }
        help_texts = {
            "postcode": POSTCODE_HELP,
            "valid_through": _("Day.month.year; at most six months from today."),
            "starts_on": _("Optional. Day.month.year."),
            "contact_email": _("An e-mail address or a web address for applications is needed."),
        }
        widgets = {
            "description": forms.Textarea(attrs={"rows": 8}),
            "requirements": forms.Textarea(attrs={"rows": 4}),
            "starts_on": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
            "valid_through": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["field"].queryset = Field.objects.all()
        self.fields["field"].required = False
        self.fields["town"].required = False
        for name in ("salary_min", "salary_max"):
            self.fields[name].min_value = Decimal("0")
            self.fields[name].widget.attrs["min"] = "0"

    def clean_postcode(self):
        return _postcode(self.cleaned_data.get("postcode"), required=True)

    def clean_valid_through(self):
        value = self.cleaned_data.get("valid_through")
        today = timezone.localdate()
        if value is None:
            raise forms.ValidationError(_("Enter the closing date."))
        if value < today:
            raise forms.ValidationError(_("The closing date must not be in the past."))
        if value > today + dt.timedelta(days=board.MAX_VALID_DAYS):
            raise forms.ValidationError(_("A posting can be open for six months at most."))
        return value

    def clean(self):
        data = super().clean()
        low, high = data.get("salary_min"), data.get("salary_max")
        if low is not None and high is not None and low > high:
            self.add_error("salary_max", _("The highest salary must not be lower than the lowest."))
        if (low is not None or high is not None) and not data.get("salary_unit"):
            self.add_error("salary_unit", _("Say whether the salary is per hour, month or year."))
        if (
            not data.get("contact_email")
            and not data.get("apply_url")
            and not (self.errors.get("contact_email") or self.errors.get("apply_url"))
        ):
            self.add_error(
                "contact_email",
                _("Give an e-mail address or a web address where people can apply."),
            )
        return data

    def values(self) -> dict:
        return {name: self.cleaned_data.get(name) for name in board.JOB_FIELDS}


class RefuseForm(forms.Form):
    reason = forms.CharField(
        label=_("Why is the posting not accepted? The employer reads this."),
        widget=forms.Textarea(attrs={"rows": 4}),
        max_length=2000,
    )


class SearchForm(forms.Form):
    q = forms.CharField(label=_("Words"), required=False, max_length=100)
    art = forms.ChoiceField(label=pgettext_lazy("job search", "Kind"), required=False)
    zeit = forms.ChoiceField(label=_("Working hours"), required=False)
    feld = forms.ChoiceField(label=_("Occupational field"), required=False)
    gemeinde = forms.ChoiceField(label=_("Near municipality"), required=False)
    umkreis = forms.TypedChoiceField(
        label=_("Within"),
        required=False,
        coerce=int,
        empty_value=25,
        choices=[(r, f"{r} km") for r in RADII],
    )
    lat = forms.FloatField(required=False, min_value=-90, max_value=90, widget=forms.HiddenInput)
    lon = forms.FloatField(required=False, min_value=-180, max_value=180, widget=forms.HiddenInput)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        everything = [("", _("All"))]
        self.fields["art"].choices = everything + list(Job.Kind.choices)
        self.fields["zeit"].choices = everything + list(Job.Hours.choices)
        self.fields["feld"].choices = everything + [
            (f.slug, f.name) for f in Field.objects.only("slug", "name")
        ]
        tenant = current_tenant()
        self.places = {r.ars: r for r in municipalities(tenant).only("ars", "name", "lat", "lon")}
        self.fields["gemeinde"].choices = [("", _("Anywhere in the county"))] + [
            (ars, r.name) for ars, r in self.places.items()
        ]

    def position(self) -> tuple[float | None, float | None]:
        data = self.cleaned_data
        if data.get("lat") is not None and data.get("lon") is not None:
            return data["lat"], data["lon"]
        region = self.places.get(data.get("gemeinde") or "")
        if region is not None and region.lat is not None:
            return region.lat, region.lon
        return None, None
