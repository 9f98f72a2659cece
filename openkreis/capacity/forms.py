from __future__ import annotations

import datetime as dt

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from openkreis.core.models import Region

from .models import AgeGroup
from .services import add_months, first_of_month


def month_choices(count: int = 18) -> list[tuple[str, str]]:
    start = first_of_month(timezone.localdate())
    months = [add_months(start, i) for i in range(count)]
    return [(m.strftime("%Y-%m"), m.strftime("%m/%Y")) for m in months]


class FreePlaceSearchForm(forms.Form):
    """The public search: no personal data, every field optional except the age group."""

    gruppe = forms.ChoiceField(label=_("Age group"), choices=AgeGroup.choices)
    ab = forms.ChoiceField(label=_("Start from"), choices=())
    stunden = forms.IntegerField(
        label=_("Hours of care per day (optional)"), required=False, min_value=1, max_value=12
    )
    gemeinde = forms.ModelChoiceField(
        label=_("Municipality"),
        queryset=Region.objects.none(),
        required=False,
        empty_label=_("All municipalities"),
        to_field_name="ars",
    )

    def __init__(self, *args, municipalities=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["ab"].choices = month_choices()
        self.fields["stunden"].widget.attrs["inputmode"] = "numeric"
        if municipalities is not None:
            self.fields["gemeinde"].queryset = municipalities

    def clean_ab(self) -> dt.date:
        year, month = self.cleaned_data["ab"].split("-")
        return dt.date(int(year), int(month), 1)
