"""The place search's form (GET, works without JavaScript): the start page, the list and the
map's GeoJSON read the same parameters, so a link to a list is also the map of that list.

Parameters (German, they are in the address bar): q, kategorie (slug), gruppe, gemeinde
(ARS), lat + lon (the browser's position), umkreis (km), offen (1), rollstuhl (1), seite."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from openkreis.core import services as core
from openkreis.core.models import Region

from .models import Category

RADIUS_CHOICES = [
    ("", _("Any distance")),
    ("1", _("1 km")),
    ("2", _("2 km")),
    ("5", _("5 km")),
    ("10", _("10 km")),
    ("25", _("25 km")),
    ("50", _("50 km")),
]


def municipality_choices() -> list[tuple[str, str]]:
    tenant = core.current_tenant()
    return [(r.ars, r.name) for r in core.municipalities(tenant).only("ars", "name")]


class PlaceSearchForm(forms.Form):
    q = forms.CharField(
        label=_("What are you looking for?"),
        required=False,
        max_length=100,
        help_text=_("For example Hausarzt, Freibad, Bibliothek or a name."),
        error_messages={"max_length": _("Please use at most 100 characters.")},
    )
    kategorie = forms.SlugField(label=_("Category"), required=False, max_length=60)
    gruppe = forms.ChoiceField(
        label=pgettext_lazy("place group", "Area"),
        required=False,
        choices=[("", _("All areas"))] + list(Category.Group.choices),
    )
    gemeinde = forms.ChoiceField(label=_("Municipality"), required=False)
    lat = forms.FloatField(required=False, min_value=-90, max_value=90)
    lon = forms.FloatField(required=False, min_value=-180, max_value=180)
    umkreis = forms.TypedChoiceField(
        label=_("Distance"), required=False, choices=RADIUS_CHOICES, coerce=int, empty_value=None
    )
    offen = forms.BooleanField(label=_("Open now"), required=False)
    rollstuhl = forms.BooleanField(label=_("Wheelchair accessible"), required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["gemeinde"].choices = [("", _("All municipalities"))] + municipality_choices()
        self.fields["gemeinde"].error_messages["invalid_choice"] = _(
            "This municipality is not in the county."
        )
        self.fields["gruppe"].error_messages["invalid_choice"] = _("This area does not exist.")
        self.fields["umkreis"].error_messages["invalid_choice"] = _(
            "Please choose one of the distances offered."
        )
        for name in ("lat", "lon"):
            self.fields[name].error_messages.update(
                {
                    "invalid": _("The position is not valid."),
                    "min_value": _("The position is not valid."),
                    "max_value": _("The position is not valid."),
                }
            )

    def clean_kategorie(self):
        slug = self.cleaned_data.get("kategorie") or ""
        if slug and not Category.objects.filter(slug=slug).exists():
            raise forms.ValidationError(_("This category does not exist."))
        return slug

    def clean(self):
        data = super().clean()
        lat, lon = data.get("lat"), data.get("lon")
        if (
            (lat is None) != (lon is None)
            and not self.has_error("lat")
            and not self.has_error("lon")
        ):
            raise forms.ValidationError(_("A position needs both latitude and longitude."))
        return data

    def point(self) -> tuple[float | None, float | None, str]:
        """(lat, lon, near): the browser's position, else the chosen municipality's centre."""
        data = self.cleaned_data
        if data.get("lat") is not None and data.get("lon") is not None:
            return data["lat"], data["lon"], "position"
        ars = data.get("gemeinde")
        if ars:
            region = Region.objects.filter(ars=ars).only("lat", "lon").first()
            if region and region.lat is not None and region.lon is not None:
                return region.lat, region.lon, "municipality"
        return None, None, ""

    def search_kwargs(self) -> dict:
        data = self.cleaned_data
        lat, lon, _near = self.point()
        umkreis = data.get("umkreis")
        return {
            "q": data.get("q") or "",
            "category": data.get("kategorie") or None,
            "group": data.get("gruppe") or None,
            "municipality": data.get("gemeinde") or None,
            "lat": lat,
            "lon": lon,
            "radius_m": umkreis * 1000 if umkreis and lat is not None else None,
            "open_now": bool(data.get("offen")),
            "wheelchair": bool(data.get("rollstuhl")),
        }

    def params(self) -> dict:
        """The valid, non-empty parameters (for the pagination links and the map)."""
        out = {}
        for name in ("q", "kategorie", "gruppe", "gemeinde", "lat", "lon", "umkreis"):
            value = self.cleaned_data.get(name)
            if value not in (None, ""):
                out[name] = value
        for name in ("offen", "rollstuhl"):
            if self.cleaned_data.get(name):
                out[name] = "1"
        return out
