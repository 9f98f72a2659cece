"""The shop back office's products (owner: M3): the list with filter and stock (with the time of
the last update), the CSV imports of the product list and of stock levels with the report of
the last import, and a sample file. Every view goes through access.shop_member_required:
another company's shop is a 404."""

from __future__ import annotations

import datetime as dt
from urllib.parse import urlencode

from django.contrib import messages
from django.core.paginator import Paginator
from django.db.models import F, Q
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import ngettext
from django.views.decorators.http import require_GET, require_POST

from . import imports
from .access import shop_member_required
from .forms_imports import ProductFilterForm, ProductImportForm, StockImportForm
from .models import Product, Shop

PAGE_SIZE = 50
SAMPLE_PRODUCTS = [
    tuple("artikelnummer gtin bezeichnung marke kategorie beschreibung preis bestand".split()),
    ("10001", "4006381333931", "Akkuschrauber 18 V", "Beispielmarke", "Werkzeug",
     "mit zwei Akkus und Koffer", "129,99", "4"),
    ("10002", "", "Gießkanne 10 l", "", "Garten", "", "12,50", "7"),
    ("10003", "40170725", "Harzer Wanderkarte 1:50.000", "", "Bücher", "", "8,90", "0"),
]  # fmt: skip
SAMPLE_STOCK = [("artikelnummer", "bestand"), ("10001", "3"), ("10002", "0")]


def _products(shop: Shop, form: ProductFilterForm):
    rows = Product.objects.filter(shop=shop).order_by("name", "pk")
    if not form.is_valid():
        return rows
    query = form.cleaned_data["q"].strip()
    if query:
        rows = rows.filter(
            Q(name__icontains=query) | Q(sku__iexact=query) | Q(gtin=query) | Q(brand__iexact=query)
        )
    state = form.cleaned_data["state"]
    if state == "available":
        rows = rows.filter(active=True, stock__gt=F("reserved"))
    elif state == "empty":
        rows = rows.filter(active=True, stock__lte=F("reserved"))
    elif state == "hidden":
        rows = rows.filter(active=False)
    return rows


def _report(shop: Shop, kind: str) -> dict | None:
    report = imports.last_report(shop, kind)
    if report and report.get("finished_at"):
        report["finished"] = dt.datetime.fromisoformat(report["finished_at"])
    return report


def _page(request, shop, product_form=None, stock_form=None, status=200):
    filter_form = ProductFilterForm(request.GET or None)
    rows = _products(shop, filter_form)
    page = Paginator(rows, PAGE_SIZE).get_page(request.GET.get("seite"))
    query = urlencode({k: v for k, v in request.GET.items() if k in ("q", "state") and v}, safe="")
    context = {
        "shop": shop,
        "page": page,
        "query": query,
        "filter_form": filter_form if filter_form.is_bound else ProductFilterForm(),
        "filtered": bool(query),
        "total": Product.objects.filter(shop=shop).count(),
        "product_form": product_form or ProductImportForm(),
        "stock_form": stock_form or StockImportForm(),
        "product_report": _report(shop, "products"),
        "stock_report": _report(shop, "stock"),
        "max_mb": imports.MAX_BYTES // (1024 * 1024),
    }
    return render(request, "marketplace/backoffice_products.html", context, status=status)


@require_GET
@shop_member_required
def products(request, shop: Shop):
    return _page(request, shop)


def _done(request, shop: Shop, result: imports.ImportResult):
    changed = result.created + result.updated
    text = ngettext(
        "Import finished: %(n)d article new or changed.",
        "Import finished: %(n)d articles new or changed.",
        changed,
    ) % {"n": changed}
    if result.error_count:
        text += " " + ngettext(
            "%(n)d row was not imported (see the report).",
            "%(n)d rows were not imported (see the report).",
            result.error_count,
        ) % {"n": result.error_count}
        messages.warning(request, text)
    else:
        messages.success(request, text)
    anchor = "bericht-artikel" if result.kind == "products" else "bericht-bestand"
    return redirect(reverse("marketplace:backoffice_products", args=[shop.slug]) + "#" + anchor)


@require_POST
@shop_member_required
def product_import(request, shop: Shop):
    form = ProductImportForm(request.POST, request.FILES)
    if form.is_valid():
        upload = form.cleaned_data["file"]
        try:
            result = imports.import_products(
                shop,
                upload.read(),
                hide_missing=form.cleaned_data["hide_missing"],
                filename=upload.name or "",
            )
        except imports.ImportFileError as exc:
            form.add_error("file", str(exc))
        else:
            return _done(request, shop, result)
    return _page(request, shop, product_form=form, status=400)


@require_POST
@shop_member_required
def stock_import(request, shop: Shop):
    form = StockImportForm(request.POST, request.FILES)
    if form.is_valid():
        upload = form.cleaned_data["file"]
        try:
            result = imports.import_stock(shop, upload.read(), filename=upload.name or "")
        except imports.ImportFileError as exc:
            form.add_error("file", str(exc))
        else:
            return _done(request, shop, result)
    return _page(request, shop, stock_form=form, status=400)


@require_GET
@shop_member_required
def sample(request, shop: Shop):
    """A sample file to start from: UTF-8 with BOM and ";" (Excel opens it as it is)."""
    stock = request.GET.get("art") == "bestand"
    rows = SAMPLE_STOCK if stock else SAMPLE_PRODUCTS
    text = "\r\n".join(";".join(row) for row in rows) + "\r\n"
    response = HttpResponse(("\ufeff" + text).encode(), content_type="text/csv; charset=utf-8")
    name = "vorlage-bestand.csv" if stock else "vorlage-artikel.csv"
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response
