"""The school's application form for a pupil (plain HTML, works without JavaScript)."""

from __future__ import annotations

import datetime as dt
import re

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .models import PendingUpload, SchoolApplication

MAX_FILE_BYTES = 10 * 1024 * 1024
POSTCODE = re.compile(r"^\d{5}$")


def parse_date(value: str) -> dt.date | None:
    """31.01.2008 or 2008-01-31 (dates are typed, as in the online forms)."""
    value = (value or "").strip()
    for fmt in ("%d.%m.%Y", "%Y-%m-%d"):
        try:
            return dt.datetime.strptime(value, fmt).date()  # noqa: DTZ007 - a date only
        except ValueError:
            continue
    return None


def _years_before(day: dt.date, years: int) -> dt.date:
    try:
        return day.replace(year=day.year - years)
    except ValueError:  # 29 February
        return day.replace(year=day.year - years, day=28)


class DateField(forms.CharField):
    def __init__(self, **kwargs):
        kwargs.setdefault("max_length", 10)
        kwargs.setdefault("help_text", _("For example 31.01.2008"))
        super().__init__(**kwargs)
        self.widget.attrs.update({"inputmode": "numeric", "autocomplete": "off"})

    def clean(self, value):
        value = super().clean(value)
        if not value:
            return None
        day = parse_date(value)
        if day is None:
            raise forms.ValidationError(
                _("Enter %(label)s as day.month.year, for example 31.01.2008."),
                params={"label": self.label},
            )
        return day


class PupilApplicationForm(forms.Form):
    service = forms.ChoiceField(label=_("What does the pupil apply for?"), widget=forms.RadioSelect)
    classes = forms.MultipleChoiceField(
        label=_("Licence classes"),
        widget=forms.CheckboxSelectMultiple,
        error_messages={"required": _("Choose at least one licence class.")},
    )
    first_name = forms.CharField(
        label=_("First name(s) of the pupil"),
        max_length=100,
        error_messages={"required": _("Enter the pupil's first name.")},
    )
    last_name = forms.CharField(
        label=_("Last name of the pupil"),
        max_length=100,
        error_messages={"required": _("Enter the pupil's last name.")},
    )
    birth_date = DateField(
        label=_("Date of birth"), error_messages={"required": _("Enter the date of birth.")}
    )
    street = forms.CharField(
        label=_("Street and number"),
        max_length=200,
        error_messages={"required": _("Enter the street and number.")},
    )
    postcode = forms.CharField(
        label=_("Postcode"), max_length=5, error_messages={"required": _("Enter the postcode.")}
    )
    city = forms.CharField(
        label=_("Town"), max_length=100, error_messages={"required": _("Enter the town.")}
    )
    email = forms.EmailField(
        label=_("The pupil's e-mail address"),
        help_text=_("The pupil gets the consent link and the authority's letters here."),
        error_messages={
            "required": _("Enter the pupil's e-mail address."),
            "invalid": _("Enter the e-mail address like name@example.org."),
        },
    )
    phone = forms.CharField(label=_("Phone"), max_length=40, required=False)
    eye_test_date = DateField(
        label=_("Date of the eye test"),
        error_messages={"required": _("Enter the date of the eye test.")},
    )
    eye_test = forms.FileField(
        label=_("Eye test certificate (PDF, PNG or JPEG)"),
        error_messages={"required": _("Upload the eye test certificate.")},
    )
    first_aid = forms.FileField(
        label=_("First-aid certificate (PDF, PNG or JPEG)"),
        error_messages={"required": _("Upload the first-aid certificate.")},
    )
    consent = forms.ChoiceField(
        label=_("How does the pupil give consent?"),
        widget=forms.RadioSelect,
        choices=[
            (
                SchoolApplication.Consent.LINK,
                _("Send the pupil a link by e-mail: it is sent when they confirm"),
            ),
            (
                SchoolApplication.Consent.SIGNED,
                _("The pupil signed the application here at the driving school"),
            ),
        ],
        error_messages={
            "required": _("Choose how the pupil gives consent."),
            "invalid_choice": _("Choose how the pupil gives consent."),
        },
    )
    signed_confirmed = forms.BooleanField(
        label=_("I confirm that the pupil signed the application in person at our driving school."),
        required=False,
    )

    def __init__(self, *args, offers=(), language: str = "de", **kwargs):
        super().__init__(*args, **kwargs)
        self.offers = {offer.service.slug: offer for offer in offers}
        self.fields["service"].choices = [
            (
                slug,
                offer.service.name
                if language != "en"
                else (offer.service.name_en or offer.service.name),
            )
            for slug, offer in self.offers.items()
        ]
        self.fields["service"].error_messages["required"] = _("Choose what the pupil applies for.")
        self.fields["service"].error_messages["invalid_choice"] = _(
            "Choose what the pupil applies for."
        )
        classes: dict[str, str] = {}
        for offer in self.offers.values():
            for item in offer.classes:
                classes.setdefault(item["value"], item["en"] if language == "en" else item["de"])
        self.fields["classes"].choices = list(classes.items())
        self.fields["classes"].error_messages["invalid_choice"] = _(
            "Choose the classes from the list."
        )

    def clean_postcode(self):
        value = self.cleaned_data["postcode"].strip()
        if not POSTCODE.match(value):
            raise forms.ValidationError(_("A postcode has five digits."))
        return value

    def clean_birth_date(self):
        day = self.cleaned_data.get("birth_date")
        today = timezone.localdate()
        if day and day > _years_before(today, 15):
            raise forms.ValidationError(_("The pupil must be at least 15 years old to apply."))
        if day and day < _years_before(today, 100):
            raise forms.ValidationError(_("Check the date of birth."))
        return day

    def clean_eye_test_date(self):
        day = self.cleaned_data.get("eye_test_date")
        today = timezone.localdate()
        if day and day > today:
            raise forms.ValidationError(_("The eye test cannot be in the future."))
        if day and day < _years_before(today, 2):
            raise forms.ValidationError(_("The eye test must not be older than two years."))
        return day

    def _file(self, key: str):
        upload = self.cleaned_data.get(key)
        if upload and upload.size > MAX_FILE_BYTES:
            raise forms.ValidationError(_("The file is larger than 10 MB."))
        return upload

    def clean_eye_test(self):
        return self._file("eye_test")

    def clean_first_aid(self):
        return self._file("first_aid")

    def clean(self):
        data = super().clean()
        offer = self.offers.get(data.get("service") or "")
        chosen = data.get("classes") or []
        if offer is not None and chosen:
            allowed = {c["value"] for c in offer.classes}
            wrong = [c for c in chosen if c not in allowed]
            if wrong:
                self.add_error(
                    "classes",
                    _("For this service choose only: %(classes)s.")
                    % {"classes": ", ".join(sorted(allowed))},
                )
        if data.get("consent") == SchoolApplication.Consent.SIGNED and not data.get(
            "signed_confirmed"
        ):
            self.add_error(
                "signed_confirmed",
                _("Confirm that the pupil signed at the driving school, or send them the link."),
            )
        return data

    def files_for_service(self) -> list[tuple[str, str, bytes]]:
        result = []
        for key, kind in (
            ("eye_test", PendingUpload.Kind.EYE_TEST),
            ("first_aid", PendingUpload.Kind.FIRST_AID),
        ):
            upload = self.cleaned_data[key]
            upload.seek(0)
            result.append((kind, upload.name, upload.read()))
        return result
