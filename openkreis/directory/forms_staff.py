"""Forms of the Harz-Kompass editors (views_staff.py): a place, a photo, marking searches
without result as done. Every mistake is a German message on the field, never a 500."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext_lazy

from openkreis.core.images import PhotoRejected, clean_photo
from openkreis.core.models import Region

from .models import PLACE_FIELDS, Category, MissedSearch, Place

# The county's box (Landkreis Harz with a margin of a few kilometres): a position outside is
# a typo (swapped latitude and longitude, a missing digit), not a place of the county.
BOX = (51.45, 52.20, 10.45, 11.70)  # min_lat, max_lat, min_lon, max_lon
LANGUAGE_CODES = 2  # ISO 639-1
MAX_PHOTO_BYTES = 15 * 1024 * 1024

TRI_STATE = [
    ("", pgettext_lazy("accessibility feature", "Not known")),
    ("yes", pgettext_lazy("accessibility feature", "Yes")),
    ("no", pgettext_lazy("accessibility feature", "No")),
]


def _hours_problem(expr: str) -> str | None:
    """D1's check of an OSM opening_hours expression: None when it is fine, else the German
    message. `hours.validate` returns the message (or None), or raises ValueError with it."""
    from . import hours

    try:
        problem = hours.validate(expr)
    except ValueError as exc:
        return str(exc) or _("The opening hours could not be read.")
    return str(problem) if problem else None


class PlaceForm(forms.ModelForm):
    toilet_wheelchair = forms.TypedChoiceField(
        label=gettext_lazy("Wheelchair-accessible toilet"),
        choices=TRI_STATE,
        required=False,
        coerce=lambda v: {"yes": True, "no": False}.get(v),
        empty_value=None,
    )
    parking_wheelchair = forms.TypedChoiceField(
        label=gettext_lazy("Disabled parking"),
        choices=TRI_STATE,
        required=False,
        coerce=lambda v: {"yes": True, "no": False}.get(v),
        empty_value=None,
    )
    website = forms.URLField(
        label=gettext_lazy("website"), required=False, max_length=200, assume_scheme="https"
    )
    languages = forms.CharField(
        label=gettext_lazy("Languages spoken"),
        required=False,
        max_length=100,
        help_text=gettext_lazy("Two-letter codes separated by commas, e.g. de, en, pl."),
    )

    class Meta:
        model = Place
        fields = list(PLACE_FIELDS)
        labels = {
            "category": gettext_lazy("Category"),
            "municipality": gettext_lazy("Municipality"),
            "lat": gettext_lazy("Latitude"),
            "lon": gettext_lazy("Longitude"),
            "wheelchair": gettext_lazy("Wheelchair access"),
        }
        help_texts = {
            "opening_hours": gettext_lazy(
                "In the OpenStreetMap syntax, e.g. “Mo-Fr 08:00-16:00; Sa 09:00-12:00; PH off”. "
                "Empty: not known."
            ),
            "lat": gettext_lazy("Decimal degrees, e.g. 51.8358 (Wernigerode)."),
            "lon": gettext_lazy("Decimal degrees, e.g. 10.7853 (Wernigerode)."),
            "email": gettext_lazy("Only the institution's address, no personal one."),
        }
        widgets = {
            "description": forms.Textarea({"rows": 4}),
            "lat": forms.NumberInput({"step": "any", "inputmode": "decimal"}),
            "lon": forms.NumberInput({"step": "any", "inputmode": "decimal"}),
            "postcode": forms.TextInput({"inputmode": "numeric", "autocomplete": "off"}),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["category"].queryset = Category.objects.order_by("group", "order", "name")
        self.fields["municipality"].queryset = Region.objects.filter(
            kind=Region.Kind.MUNICIPALITY
        ).order_by("name")
        self.fields["municipality"].required = False
        self.fields["name"].error_messages["required"] = _("Please enter the name of the place.")
        self.fields["lat"].error_messages["invalid"] = _("Please enter a number, e.g. 51.8358.")
        self.fields["lon"].error_messages["invalid"] = _("Please enter a number, e.g. 10.7853.")
        if self.instance.pk:
            for name in ("toilet_wheelchair", "parking_wheelchair"):
                value = getattr(self.instance, name)
                self.initial[name] = {True: "yes", False: "no"}.get(value, "")
            self.initial["languages"] = ", ".join(self.instance.languages or [])

    def clean_name(self):
        name = " ".join((self.cleaned_data.get("name") or "").split())
        if not name:
            raise forms.ValidationError(_("Please enter the name of the place."))
        return name

    def clean_postcode(self):
        code = (self.cleaned_data.get("postcode") or "").strip()
        if code and not (len(code) == 5 and code.isdigit()):
            raise forms.ValidationError(_("A postcode has five digits, e.g. 38855."))
        return code

    def clean_lat(self):
        lat = self.cleaned_data.get("lat")
        if lat is not None and not BOX[0] <= lat <= BOX[1]:
            raise forms.ValidationError(
                _("This latitude is outside the county (between %(low)s and %(high)s).")
                % {"low": BOX[0], "high": BOX[1]}
            )
        return lat

    def clean_lon(self):
        lon = self.cleaned_data.get("lon")
        if lon is not None and not BOX[2] <= lon <= BOX[3]:
            raise forms.ValidationError(
                _("This longitude is outside the county (between %(low)s and %(high)s).")
                % {"low": BOX[2], "high": BOX[3]}
            )
        return lon

    def clean_opening_hours(self):
        expr = " ".join((self.cleaned_data.get("opening_hours") or "").split())
        if expr:
            problem = _hours_problem(expr)
            if problem:
                raise forms.ValidationError(problem)
        return expr

    def clean_languages(self):
        raw = self.cleaned_data.get("languages") or ""
        codes = []
        for part in raw.replace(";", ",").split(","):
            code = part.strip().lower()
            if not code:
                continue
            if len(code) != LANGUAGE_CODES or not code.isalpha() or not code.isascii():
                raise forms.ValidationError(
                    _("“%(code)s” is not a two-letter language code (e.g. de, en).")
                    % {"code": part.strip()[:20]}
                )
            if code not in codes:
                codes.append(code)
        return codes


class PhotoForm(forms.Form):
    image = forms.FileField(
        label=gettext_lazy("Photo"),
        help_text=gettext_lazy("JPEG, PNG or WebP, at most 15 MB. Location data are removed."),
    )
    alt = forms.CharField(
        label=gettext_lazy("What the photo shows"),
        max_length=200,
        help_text=gettext_lazy("For people who cannot see the photo, e.g. “Entrance with ramp”."),
        error_messages={"required": gettext_lazy("Please describe what the photo shows.")},
    )
    credit = forms.CharField(
        label=gettext_lazy("Credit"),
        max_length=200,
        required=False,
        help_text=gettext_lazy("Author and licence, as the source requires."),
    )

    def clean_alt(self):
        alt = " ".join((self.cleaned_data.get("alt") or "").split())
        if not alt:
            raise forms.ValidationError(_("Please describe what the photo shows."))
        return alt

    def clean_image(self):
        upload = self.cleaned_data["image"]
        if upload.size > MAX_PHOTO_BYTES:
            raise forms.ValidationError(_("The photo is larger than 15 MB."))
        try:
            return clean_photo(upload.read())
        except PhotoRejected as exc:
            raise forms.ValidationError(str(exc)) from None


class MissedDoneForm(forms.Form):
    query = forms.CharField(max_length=100)

    def clean_query(self):
        query = self.cleaned_data["query"]
        if not MissedSearch.objects.filter(query=query, done=False).exists():
            raise forms.ValidationError(_("This search is not on the list any more."))
        return query


class PlaceSearchForm(forms.Form):
    q = forms.CharField(label=gettext_lazy("Name, town or street"), required=False, max_length=100)
    category = forms.ModelChoiceField(
        label=gettext_lazy("Category"),
        queryset=Category.objects.none(),
        required=False,
        empty_label=pgettext_lazy("category filter", "All"),
    )
    status = forms.ChoiceField(
        label=gettext_lazy("Shown"),
        required=False,
        choices=[
            ("", pgettext_lazy("place filter", "All")),
            ("published", pgettext_lazy("place filter", "Published")),
            ("hidden", pgettext_lazy("place filter", "Not published")),
        ],
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["category"].queryset = Category.objects.order_by("group", "order", "name")
