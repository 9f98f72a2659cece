"""Kita places (kita.py): supply and demand per municipality for a start month, offers made
and accepted in a period, the median days from application to offer. County-wide for every
manager (like the Mängelmelder figures): Kitas belong to municipalities, not to the org
units of a manager's scope."""

from __future__ import annotations

import datetime as dt

from django import forms
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from .. import kita, presenters
from ._common import manager_required
from .reports import PeriodForm


class KitaForm(PeriodForm):
    monat = forms.CharField(
        label=gettext_lazy("Start month"),
        required=False,
        widget=forms.TextInput(
            {"type": "month", "placeholder": "2026-08", "aria-describedby": "id_monat-hint"}
        ),
        help_text=gettext_lazy("Free places and waiting applications for this start month."),
    )

    def clean_monat(self):
        raw = (self.cleaned_data.get("monat") or "").strip()
        if not raw:
            return presenters.today().replace(day=1)
        try:
            month = dt.datetime.strptime(raw, "%Y-%m").date()
        except ValueError:
            raise forms.ValidationError(
                _("Please enter the month as year and month, e.g. 2026-08.")
            ) from None
        if not 2000 <= month.year <= 2100:
            raise forms.ValidationError(_("Please enter a month between 2000 and 2100."))
        return month


@manager_required
def kita_figures(request):
    form = KitaForm(request.GET or {})
    figures = None
    if form.is_valid():
        data = form.cleaned_data
        figures = kita.figures(data["monat"], data["start"], data["end"])
        figures.update(month=data["monat"], start=data["start"], end=data["end"])
    return render(
        request,
        "cockpit/kita.html",
        {"form": form, "figures": figures},
        status=400 if figures is None else 200,
    )
