"""Shop pages (docs/marketplace.md): the list of shops, a shop's profile with its stock, a
product's page, the shop-window sheet, and the back office's overview, profile and
registration. Back-office views go through access.shop_member_required: another company's
shop is a 404."""

from __future__ import annotations

import datetime as dt

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db.models import Max, Q
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from openkreis.directory import hours
from openkreis.directory.search import annotate, open_now_ids
from openkreis.directory.views_places import map_context

from . import shops
from .access import shop_member_required, shops_of
from .forms_shops import PhotoForm, ProductSearchForm, ProfileForm, RegisterForm, ShopFilterForm
from .models import Product, Reservation, Shop

PAGE_SIZE = 20


def _page(request, queryset):
    number = request.GET.get("seite", "1")
    if not number.isascii() or not number.isdigit() or int(number) < 1:
        raise Http404
    paginator = Paginator(queryset, PAGE_SIZE)
    if int(number) > max(paginator.num_pages, 1):
        raise Http404
    return paginator.page(int(number))


def _hours(place):
    now = timezone.localtime()
    monday = now.date() - dt.timedelta(days=now.weekday())
    if not place.opening_hours:
        return None, None, now.date()
    return (
        hours.status(place.opening_hours, now),
        hours.week_table(place.opening_hours, monday),
        now.date(),
    )


# -- public pages ----------------------------------------------------------------------------


@require_GET
def shop_list(request):
    form = ShopFilterForm(request.GET or None)
    queryset = shops.public_shops().order_by("place__name", "pk")
    status = 200
    if form.is_bound and not form.is_valid():
        status = 400
    elif form.is_bound:
        data = form.cleaned_data
        if data["kategorie"]:
            queryset = queryset.filter(category=data["kategorie"])
        if data["ort"]:
            queryset = queryset.filter(place__municipality__ars=data["ort"])
        if data["offen"]:
            queryset = queryset.filter(place_id__in=open_now_ids())
        if data["abholung"]:
            queryset = queryset.filter(click_collect=True)
    page = _page(request, queryset)
    items = list(page.object_list)
    annotate([s.place for s in items])
    labels = dict(shops.categories())
    for shop in items:
        shop.category_label = labels.get(shop.category, "")
        shop.hours_text = (
            hours.status(shop.place.opening_hours)["text"] if shop.place.opening_hours else ""
        )
    query = request.GET.copy()
    query.pop("seite", None)
    return render(
        request,
        "marketplace/shop_list.html",
        {"form": form, "page": page, "shops": items, "query": query.urlencode()},
        status=status,
    )


def _public_shop(slug: str) -> Shop:
    return get_object_or_404(shops.public_shops(), slug=slug)


@require_GET
def shop_detail(request, slug: str):
    shop = _public_shop(slug)
    place = shop.place
    form = ProductSearchForm(request.GET or None)
    products = shop.products.filter(active=True).order_by("name", "pk")
    q = form.cleaned_data["q"].strip() if form.is_valid() else ""
    if q:
        products = products.filter(Q(name__icontains=q) | Q(brand__icontains=q))
    page = _page(request, products)
    status, week, today = _hours(place)
    shops.record_view(shop, request.GET.get("via", ""))
    query = request.GET.copy()
    query.pop("seite", None)
    return render(
        request,
        "marketplace/shop_detail.html",
        {
            "shop": shop,
            "place": place,
            "form": form,
            "q": q,
            "page": page,
            "query": query.urlencode(),
            "status": status,
            "week": week,
            "today": today,
            "category_label": shops.category_label(shop.category),
            "photos": list(shop.photos.all()),
            "json_ld": shops.json_ld(shops.shop_schema(shop, request)),
            "place_url": reverse("directory:place", args=[place.slug]),
            **map_context(map_lat=f"{place.lat:.6f}", map_lon=f"{place.lon:.6f}"),
        },
        status=400 if form.is_bound and not form.is_valid() else 200,
    )


@require_GET
def product_detail(request, slug: str, pk: int):
    shop = _public_shop(slug)
    product = get_object_or_404(shop.products.filter(active=True), pk=pk)
    status, _week, _today = _hours(shop.place)
    others = []
    if product.gtin:
        others = list(
            Product.objects.filter(
                gtin=product.gtin,
                active=True,
                shop__status=Shop.Status.ACTIVE,
                shop__place__published=True,
            )
            .exclude(pk=product.pk)
            .select_related("shop__place")
            .order_by("shop__place__name")[:20]
        )
        annotate([p.shop.place for p in others])
    return render(
        request,
        "marketplace/product_detail.html",
        {
            "shop": shop,
            "product": product,
            "status": status,
            "others": others,
            "json_ld": shops.json_ld(shops.product_schema(product, shop, request)),
        },
    )


@require_GET
@shop_member_required
def window_sheet(request, shop: Shop):
    pdf = shops.window_sheet_pdf(shop, request)
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="aushang-{shop.slug}.pdf"'
    return response


# -- back office -----------------------------------------------------------------------------


@never_cache
@login_required
@require_GET
def backoffice_start(request):
    mine = list(shops_of(request.user).order_by("place__name"))
    if len(mine) == 1:
        return redirect("marketplace:backoffice", slug=mine[0].slug)
    return render(request, "marketplace/shop_mine.html", {"shops": mine})


@require_GET
@shop_member_required
def backoffice(request, shop: Shop):
    products = shop.products.filter(active=True)
    figures = products.aggregate(last=Max("stock_updated_at"))
    context = {
        "shop": shop,
        "open_reservations": shop.reservations.filter(status__in=Reservation.OPEN).count(),
        "products": products.count(),
        "last_stock": figures["last"],
        "has_token": bool(shop.api_token_hash),
    }
    return render(request, "marketplace/backoffice_home.html", context)


def _profile_page(request, shop, form, photo_form, status=200, token=""):
    return render(
        request,
        "marketplace/backoffice_profile.html",
        {
            "shop": shop,
            "form": form,
            "photo_form": photo_form,
            "photos": list(shop.photos.all()),
            "token": token,
        },
        status=status,
    )


@require_http_methods(["GET", "POST"])
@shop_member_required
def backoffice_profile(request, shop: Shop):
    if request.method == "POST":
        form = ProfileForm(request.POST, shop=shop)
        if form.is_valid():
            form.save()
            messages.success(request, _("The profile was saved."))
            return redirect("marketplace:backoffice_profile", slug=shop.slug)
        return _profile_page(request, shop, form, PhotoForm(), status=400)
    return _profile_page(request, shop, ProfileForm(shop=shop), PhotoForm())


@require_POST
@shop_member_required
def photo_add(request, shop: Shop):
    form = PhotoForm(request.POST, request.FILES)
    if form.is_valid():
        try:
            shops.add_photo(shop, form.cleaned_data["image"], form.cleaned_data["alt"])
        except shops.ShopError as exc:
            form.add_error("image", str(exc))
        else:
            messages.success(request, _("The photo was added."))
            return redirect(reverse("marketplace:backoffice_profile", args=[shop.slug]) + "#fotos")
    return _profile_page(request, shop, ProfileForm(shop=shop), form, status=400)


@require_POST
@shop_member_required
def photo_delete(request, shop: Shop, pk: int):
    if not shops.delete_photo(shop, pk):
        raise Http404
    messages.success(request, _("The photo was deleted."))
    return redirect(reverse("marketplace:backoffice_profile", args=[shop.slug]) + "#fotos")


@require_POST
@shop_member_required
def api_token(request, shop: Shop):
    token = shops.new_api_token(shop)
    return _profile_page(request, shop, ProfileForm(shop=shop), PhotoForm(), token=token)


@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def register(request):
    form = RegisterForm(request.POST or None, user=request.user)
    if request.method == "POST":
        if form.is_valid():
            try:
                shop = shops.register(request.user, form.cleaned_data)
            except shops.ShopError as exc:
                form.add_error(None, str(exc))
            else:
                messages.success(
                    request,
                    _(
                        "Thank you. The county office checks your shop; it becomes visible "
                        "when it is approved. You can already fill in the profile."
                    ),
                )
                return redirect("marketplace:backoffice", slug=shop.slug)
        return render(request, "marketplace/shop_register.html", {"form": form}, status=400)
    return render(request, "marketplace/shop_register.html", {"form": form})
