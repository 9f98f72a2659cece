"""Forms of the learning part of Bildung & Arbeit: the offer search and saving a test result."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from openkreis.core.models import Region

from .models import Field, Offer

RADII = (5, 10, 20, 50)


class OfferSearchForm(forms.Form):
    q = forms.CharField(label=_("Search words"), required=False, max_length=100)
    kind = forms.ChoiceField(
        label=pgettext_lazy("offer", "Kind"),
        required=False,
        choices=[("", _("All kinds")), *Offer.Kind.choices],
    )
    field = forms.ModelChoiceField(
        label=_("Occupational field"),
        required=False,
        queryset=Field.objects.all(),
        to_field_name="slug",
        empty_label=_("All fields"),
    )
    municipality = forms.ModelChoiceField(
        label=pgettext_lazy("offer search", "Near"),
        required=False,
        queryset=Region.objects.filter(kind=Region.Kind.MUNICIPALITY, lat__isnull=False),
        to_field_name="ags",
        empty_label=_("Anywhere in the county"),
    )
    radius = forms.TypedChoiceField(
        label=pgettext_lazy("offer search", "Distance"),
        required=False,
        coerce=int,
        empty_value=20,
        choices=(),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["radius"].choices = [(r, _("up to %(km)s km") % {"km": r}) for r in RADII]

    def clean_q(self):
        return " ".join(self.cleaned_data["q"].split())


class SaveResultForm(forms.Form):
    """Keep a result in one's account: the scores again (from the result page) and consent."""

    consent = forms.BooleanField(
        label=_("I agree that the county keeps this result in my account until I delete it."),
        error_messages={"required": _("Tick the box if you want to keep the result.")},
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for t in "RIASEC":
            self.fields[t] = forms.IntegerField(min_value=0, max_value=20, widget=forms.HiddenInput)

    def scores(self) -> dict[str, int]:
        return {t: self.cleaned_data[t] for t in "RIASEC"}
