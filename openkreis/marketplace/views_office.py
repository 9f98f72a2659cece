"""The county office's pages of the marketplace (/einkaufen/verwaltung/, role retail_office
with MFA): shops to approve or suspend, and what residents searched for without finding it."""

from __future__ import annotations

import csv

from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST

from openkreis.core.staff import staff_required

from . import shops
from .forms_shops import PeriodForm, StatusForm
from .models import Shop

office_required = staff_required("retail_office")
LIST_LIMIT = 200


def _office_page(request, status=200, error="", error_shop=None):
    rows = Shop.objects.select_related("place", "company").order_by("place__name")
    groups = [
        (value, label, [s for s in rows.filter(status=value)[:LIST_LIMIT]])
        for value, label in (
            (Shop.Status.PENDING, _("Waiting for approval")),
            (Shop.Status.ACTIVE, _("Active")),
            (Shop.Status.SUSPENDED, _("Suspended")),
        )
    ]
    return render(
        request,
        "marketplace/office_home.html",
        {"groups": groups, "error": error, "error_shop": error_shop},
        status=status,
    )


@never_cache
@office_required
@require_GET
def office(request):
    return _office_page(request)


@never_cache
@office_required
@require_POST
def office_status(request, slug: str):
    shop = get_object_or_404(Shop.objects.select_related("place"), slug=slug)
    form = StatusForm(request.POST)
    if not form.is_valid():
        error = next(iter(form.errors.values()))[0]
        return _office_page(request, status=400, error=error, error_shop=shop)
    try:
        shops.set_status(
            shop,
            StatusForm.ACTIONS[form.cleaned_data["action"]],
            reason=form.cleaned_data["reason"],
        )
    except shops.ShopError as exc:
        return _office_page(request, status=400, error=str(exc), error_shop=shop)
    if shop.status == Shop.Status.ACTIVE:
        messages.success(request, _("%(name)s is approved and visible.") % {"name": shop.name})
    else:
        messages.success(request, _("%(name)s is suspended.") % {"name": shop.name})
    return redirect("marketplace:office")


@never_cache
@office_required
@require_GET
def office_missed(request):
    form = PeriodForm(request.GET)
    if not form.is_valid():
        return render(
            request,
            "marketplace/office_missed.html",
            {"form": form, "rows": [], "min_count": shops.MISSED_MIN_COUNT},
            status=400,
        )
    start, end = form.cleaned_data["start"], form.cleaned_data["end"]
    rows = shops.missed_rows(start, end)
    if request.GET.get("format") == "csv":
        response = HttpResponse(content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = (
            f'attachment; filename="fehlende-suchen-{start:%Y%m%d}-{end:%Y%m%d}.csv"'
        )
        response.write("\ufeff")  # Excel opens UTF-8 only with the BOM
        writer = csv.writer(response, delimiter=";")
        writer.writerow([_("Search words"), _("How often"), _("Last searched")])
        for row in rows:
            writer.writerow([_csv_safe(row["query"]), row["total"], row["last"].isoformat()])
        return response
    return render(
        request,
        "marketplace/office_missed.html",
        {
            "form": form,
            "rows": rows,
            "start": start,
            "end": end,
            "min_count": shops.MISSED_MIN_COUNT,
            "csv_query": f"von={start.isoformat()}&bis={end.isoformat()}&format=csv",
        },
    )


def _csv_safe(value: str) -> str:
    """No formulas in a spreadsheet: a cell starting with = + - @ is prefixed."""
    return "'" + value if value[:1] in ("=", "+", "-", "@", "\t", "\r") else value
