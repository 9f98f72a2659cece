"""Forms of the staff pages (free places, rounds, overrides)."""

from __future__ import annotations

import datetime as dt

from django import forms
from django.utils.translation import gettext_lazy as _

from .coordination import MIN_REASON
from .forms import month_choices


def _month(value: str) -> dt.date:
    year, month = value.split("-")
    return dt.date(int(year), int(month), 1)


class FreePlacesForm(forms.Form):
    group = forms.ModelChoiceField(label=_("Age group"), queryset=None, empty_label=None)
    month = forms.ChoiceField(label=_("Free from (start month)"), choices=())
    free = forms.IntegerField(
        label=_("Free places"),
        min_value=0,
        max_value=999,
        help_text=_("The number of places free in this group from this month on."),
    )

    def __init__(self, *args, kita, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["group"].queryset = kita.groups.all()
        self.fields["group"].label_from_instance = lambda g: g.get_age_group_display()
        self.fields["month"].choices = month_choices()
        self.fields["free"].widget.attrs["inputmode"] = "numeric"

    def clean_month(self) -> dt.date:
        return _month(self.cleaned_data["month"])


class RoundForm(forms.Form):
    seed = forms.IntegerField(
        label=_("Seed of the lottery (optional)"),
        required=False,
        min_value=0,
        max_value=2**62,
        help_text=_(
            "Leave empty for a new random draw. Give the seed of an earlier round only "
            "to repeat its draw for an audit."
        ),
    )


class OverrideOfferForm(forms.Form):
    group = forms.ModelChoiceField(
        label=_("Kita and age group"), queryset=None, empty_label=_("Please choose")
    )
    month = forms.ChoiceField(label=_("Start month"), choices=())
    reason = forms.CharField(
        label=_("Reason"),
        min_length=MIN_REASON,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Required. It is recorded with the offer (at least 20 characters)."),
    )

    def __init__(self, *args, groups, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["group"].queryset = groups
        self.fields["group"].label_from_instance = lambda g: (
            f"{g.kita.name} ({g.kita.municipality.name}) – {g.get_age_group_display()}"
        )
        self.fields["month"].choices = month_choices()

    def clean_month(self) -> dt.date:
        return _month(self.cleaned_data["month"])


class WithdrawOfferForm(forms.Form):
    reason = forms.CharField(
        label=_("Reason for the withdrawal"),
        min_length=MIN_REASON,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Required. It is recorded with the offer (at least 20 characters)."),
    )
