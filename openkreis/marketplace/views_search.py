"""The start page of "Einkaufen im Harz" and the product search "Wo bekomme ich …?".

Parameters (GET, German, they are in the address bar): q (the words), ort (a postcode or a
town), lat + lon (the browser's position, set by JavaScript; without it "ort" works), offen
(1: open now), abholung (1: click & collect), seite (page; `page` is understood too).
"""

from __future__ import annotations

import math

from django import forms
from django.shortcuts import render
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET

from . import search

PAGE_SIZE = 20
MAX_PAGE = 500
EXAMPLES = (
    gettext_lazy("cordless screwdriver"),
    gettext_lazy("hiking boots"),
    gettext_lazy("school bag"),
    gettext_lazy("phone charger"),
)
# The browser's position for "near me" (the site forbids geolocation unless a view allows it).
NEAR_ME_PERMISSIONS = "camera=(), microphone=(), geolocation=(self), payment=()"


class ProductSearchForm(forms.Form):
    q = forms.CharField(
        label=gettext_lazy("What are you looking for?"),
        required=False,
        max_length=search.MAX_QUERY,
        error_messages={"max_length": gettext_lazy("Please use at most 100 characters.")},
    )
    ort = forms.CharField(
        label=gettext_lazy("Near (postcode or town)"),
        required=False,
        max_length=60,
        error_messages={"max_length": gettext_lazy("Please use at most 60 characters.")},
    )
    lat = forms.FloatField(required=False, min_value=-90, max_value=90)
    lon = forms.FloatField(required=False, min_value=-180, max_value=180)
    offen = forms.BooleanField(label=gettext_lazy("Open now"), required=False)
    abholung = forms.BooleanField(label=gettext_lazy("Click & collect"), required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        invalid = gettext_lazy("The position is not valid.")
        for name in ("lat", "lon"):
            self.fields[name].error_messages.update(
                {"invalid": invalid, "min_value": invalid, "max_value": invalid}
            )
        self.point: tuple[float, float] | None = None

    def clean(self):
        data = super().clean()
        lat, lon = data.get("lat"), data.get("lon")
        if self.has_error("lat") or self.has_error("lon"):
            return data
        if (lat is None) != (lon is None):
            raise forms.ValidationError(_("A position needs both latitude and longitude."))
        if lat is not None:
            self.point = (lat, lon)
        elif data.get("ort"):
            self.point = search.resolve_place(data["ort"])
            if self.point is None:
                self.add_error(
                    "ort",
                    _("We do not know this place. Please type a postcode or a town in the county."),
                )
        return data

    def params(self) -> dict:
        """The valid, non-empty parameters (for the pagination links)."""
        out = {}
        for name in ("q", "ort", "lat", "lon"):
            value = self.cleaned_data.get(name)
            if value not in (None, ""):
                out[name] = value
        for name in ("offen", "abholung"):
            if self.cleaned_data.get(name):
                out[name] = "1"
        return out


def _url_or(name: str) -> str:
    try:
        return reverse(name)
    except NoReverseMatch:
        return ""


def _page_number(raw: str | None) -> int | None:
    if raw in (None, ""):
        return 1
    if not (raw.isascii() and raw.isdigit()) or len(raw) > 6 or not 1 <= int(raw) <= MAX_PAGE:
        return None
    return int(raw)


def _allow_position(response):
    response["Permissions-Policy"] = NEAR_ME_PERMISSIONS
    return response


@require_GET
def index(request):
    """The start page: the big search box, examples, the shops and the loyalty card."""
    context = {
        "form": ProductSearchForm(),
        "examples": [str(e) for e in EXAMPLES],
        "shops_url": _url_or("marketplace:shops"),
        "card_url": _url_or("marketplace:card"),
    }
    return _allow_position(render(request, "marketplace/index.html", context))


@require_GET
def results(request):
    """The search results (or the form with its errors: 400)."""
    form = ProductSearchForm(request.GET)
    number = _page_number(request.GET.get("seite", request.GET.get("page")))
    valid = form.is_valid()
    if not valid or number is None:
        errors = (
            [(name, str(e)) for name, errs in form.errors.items() for e in errs]
            if not valid
            else []
        )
        if number is None:
            errors.append(("seite", _("The page number is not valid.")))
        response = render(
            request,
            "marketplace/search_results.html",
            {"form": form, "errors": errors, "hits": [], "searched": False},
            status=400,
        )
        return _allow_position(response)
    data = form.cleaned_data
    lat, lon = form.point or (None, None)
    hits, total = search.search(
        data.get("q") or "",
        lat=lat,
        lon=lon,
        open_now=bool(data.get("offen")),
        click_collect=bool(data.get("abholung")),
        limit=PAGE_SIZE,
        offset=(number - 1) * PAGE_SIZE,
        record=number == 1,
    )
    pages = max(1, math.ceil(total / PAGE_SIZE))
    params = form.params()
    context = {
        "form": form,
        "hits": hits,
        "total": total,
        "capped": total >= search.MAX_RANKED,
        "searched": bool(search.fulltext.query_words(data.get("q") or "")),
        "near": form.point is not None,
        "by_position": data.get("lat") is not None,
        "filtered": bool(data.get("offen") or data.get("abholung")),
        "params": urlencode(params),
        "params_without_filters": urlencode(
            {k: v for k, v in params.items() if k not in ("offen", "abholung")}
        ),
        "page": {
            "number": number,
            "pages": pages,
            "previous": number - 1 if number > 1 else None,
            "next": number + 1 if number < pages else None,
        },
        "shops_url": _url_or("marketplace:shops"),
        "examples": [str(e) for e in EXAMPLES],
        "today": timezone.localdate().isoformat(),
    }
    return _allow_position(render(request, "marketplace/search_results.html", context))
