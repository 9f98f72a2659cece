"""The Mängelmelder figures (reportfacts.py): time to fix per category and municipality,
counts, open backlog, reopened share, as a page and as CSV. County-wide for every manager:
reports belong to categories and municipalities, not to the org units of a manager's scope
(like the portal's search figures)."""

from __future__ import annotations

import datetime as dt

from django import forms
from django.http import HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from .. import aggregates, presenters, reportfacts
from ..forms import MAX_DAYS
from ._common import cached, manager_required
from .exports import table_response


class PeriodForm(forms.Form):
    von = forms.DateField(
        label=gettext_lazy("From"), required=False, widget=forms.DateInput({"type": "date"})
    )
    bis = forms.DateField(
        label=gettext_lazy("To"), required=False, widget=forms.DateInput({"type": "date"})
    )

    def clean(self):
        data = super().clean()
        today = presenters.today()
        end = data.get("bis") or today
        start = data.get("von") or (end - dt.timedelta(days=364))
        if start > end:
            raise forms.ValidationError(_("The start must not be after the end."))
        if (end - start).days > MAX_DAYS:
            raise forms.ValidationError(_("Please choose at most three years."))
        data["start"], data["end"] = start, end
        return data


def _figures(request):
    """(form, figures) of a request; figures is None when the period is not valid."""
    aggregates.ensure_fresh()
    form = PeriodForm(request.GET or {})
    if not form.is_valid():
        return form, None
    start, end = form.cleaned_data["start"], form.cleaned_data["end"]
    data = cached("reports", (start, end), lambda: reportfacts.figures(start, end))
    return form, {**data, "start": start, "end": end}


@manager_required
def report_figures(request):
    form, figures = _figures(request)
    status = 400 if figures is None else 200
    return render(
        request,
        "cockpit/reports.html",
        {"form": form, "figures": figures, "query": request.GET.urlencode()},
        status=status,
    )


COLUMNS = [
    ("category_name", gettext_lazy("Category")),
    ("area_name", gettext_lazy("Municipality")),
    ("area", gettext_lazy("ARS")),
    ("received", gettext_lazy("Received (count)")),
    ("fixed", gettext_lazy("Fixed (count)")),
    ("median_days", gettext_lazy("Median time to fix (days)")),
    ("p90_days", gettext_lazy("90th percentile time to fix (days)")),
    ("reopened_share", gettext_lazy("Reopened (% of fixed)")),
    ("open", gettext_lazy("Open now (count)")),
]


@manager_required
def report_figures_csv(request):
    _form, figures = _figures(request)
    if figures is None:
        return HttpResponse(_("The filters are not valid."), status=400, content_type="text/plain")
    rows = [[row[key] for key, _label in COLUMNS] for row in figures["rows"]]
    filename = f"cockpit-maengelmelder-{figures['start']}-{figures['end']}"
    return table_response([label for _key, label in COLUMNS], rows, filename, "csv")
