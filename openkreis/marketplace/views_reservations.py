"""Click & collect pages: the customer reserves, follows and cancels his reservations; the
shop's order list (confirm, decline) and its pickup desk (type the code, hand out).

Every object is looked up through its owner: a customer's reservation among
`reservations.reservations_of(user)`, a shop's among its own (`access.shop_member_required`),
so anything else is a 404. States change only through the services in reservations.py."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST

from openkreis.core.qr import qr_svg
from openkreis.directory import hours

from . import reservations
from .access import shop_member_required
from .forms_reservations import DeclineForm, PickupForm, ReserveForm
from .models import Product, Reservation, Shop

PER_PAGE = 20
# the back office's tabs: (query value, label, statuses)
TABS = [
    ("offen", gettext_lazy("To answer"), [Reservation.Status.REQUESTED]),
    ("bestaetigt", gettext_lazy("Ready for pickup"), [Reservation.Status.CONFIRMED]),
    ("erledigt", gettext_lazy("Done"), [Reservation.Status.COLLECTED]),
    (
        "abgeschlossen",
        gettext_lazy("Declined, cancelled, expired"),
        [Reservation.Status.DECLINED, Reservation.Status.CANCELLED, Reservation.Status.EXPIRED],
    ),
    ("alle", gettext_lazy("All"), None),
]


def _product(slug: str, pk: int) -> Product:
    return get_object_or_404(
        Product.objects.select_related("shop__place"),
        pk=pk,
        shop__slug=slug,
        active=True,
        shop__status=Shop.Status.ACTIVE,
    )


@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def reserve(request, slug: str, pk: int):
    product = _product(slug, pk)
    shop = product.shop
    if not shop.click_collect:
        raise Http404
    form = ReserveForm(request.POST or None, available=product.available)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                reservation = reservations.reserve(
                    request.user,
                    product,
                    form.cleaned_data["quantity"],
                    form.cleaned_data["note"],
                )
            except reservations.ReservationRefused as refused:
                form.add_error(None, refused.message)
                product.refresh_from_db()
                status = 400
            else:
                messages.success(
                    request, _("Your reservation has been sent to the shop. It will answer soon.")
                )
                return redirect("marketplace:reservation", key=reservation.key)
        else:
            status = 400
    return render(
        request,
        "marketplace/reserve.html",
        {
            "form": form,
            "product": product,
            "shop": shop,
            "request_hours": reservations.Scheme.current().request_hours,
        },
        status=status,
    )


@never_cache
@login_required
def my_reservations(request):
    rows = reservations.reservations_of(request.user).prefetch_related("items")
    page = Paginator(rows, PER_PAGE).get_page(request.GET.get("seite"))
    return render(request, "marketplace/reservation_list.html", {"page": page})


def _own(request, key) -> Reservation:
    found = (
        reservations.reservations_of(request.user)
        .select_related("shop__place__municipality")
        .prefetch_related("items")
        .filter(key=key)
        .first()
    )
    if found is None:
        raise Http404
    return found


@never_cache
@login_required
def reservation(request, key):
    found = _own(request, key)
    place = found.shop.place
    context = {
        "reservation": found,
        "shop": found.shop,
        "place": place,
        "items": list(found.items.all()),
        "deadline": reservations.deadline_text(found.expires_at),
        "open_status": hours.status(place.opening_hours),
        "week": [
            (hours.weekday_name(day), text) for day, text in hours.week_table(place.opening_hours)
        ],
        "is_open": found.status in reservations.OPEN,
    }
    if found.status == Reservation.Status.CONFIRMED:
        context["qr"] = qr_svg(found.pickup_code, title=_("Pickup code"))
    return render(request, "marketplace/reservation.html", context)


@never_cache
@login_required
@require_POST
def cancel(request, key):
    found = _own(request, key)
    try:
        reservations.cancel(request.user, found)
    except reservations.ReservationError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, _("Your reservation has been cancelled."))
    return redirect("marketplace:reservation", key=found.key)


# --- the shop's side ---


def _tab(request) -> tuple[str, list | None]:
    wanted = request.GET.get("status", "offen")
    for value, _label, statuses in TABS:
        if value == wanted:
            return value, statuses
    return TABS[0][0], TABS[0][2]


def _orders_page(request, shop: Shop, *, pickup_form=None, found=None, status=200):
    tab, statuses = _tab(request)
    rows = reservations.shop_reservations(shop)
    if statuses is not None:
        rows = rows.filter(status__in=statuses)
    page = Paginator(rows, PER_PAGE).get_page(request.GET.get("seite"))
    counts = {
        value: reservations.shop_reservations(shop).filter(status__in=statuses).count()
        for value, _label, statuses in TABS[:2]
    }
    return render(
        request,
        "marketplace/backoffice_orders.html",
        {
            "shop": shop,
            "tabs": [(value, label, counts.get(value)) for value, label, _s in TABS],
            "tab": tab,
            "page": page,
            "params": f"status={tab}",
            "decline_form": DeclineForm(),
            "pickup_form": pickup_form or PickupForm(),
            "found": found,
        },
        status=status,
    )


@require_http_methods(["GET"])
@shop_member_required
def backoffice_orders(request, shop: Shop):
    """The shop's reservations by tab, newest first; with `?code=` the pickup desk shows
    the reservation with that code before it is handed out."""
    if "code" in request.GET:
        form = PickupForm(request.GET)
        if not form.is_valid():
            return _orders_page(request, shop, pickup_form=form, status=400)
        try:
            found = reservations.lookup(shop, form.cleaned_data["code"])
        except reservations.ReservationError as error:
            form.add_error("code", error.message)
            return _orders_page(request, shop, pickup_form=form, status=400)
        return _orders_page(request, shop, pickup_form=form, found=found)
    return _orders_page(request, shop)


@require_POST
@shop_member_required
def backoffice_order(request, shop: Shop, key):
    """Confirm or decline one of the shop's reservations (`action` = confirm | decline)."""
    found = get_object_or_404(Reservation, shop=shop, key=key)
    action = request.POST.get("action")
    try:
        if action == "confirm":
            found = reservations.confirm(shop, found, request.user)
            messages.success(
                request,
                _("Confirmed. The customer has the pickup code; the items are held until %(when)s.")
                % {"when": reservations.deadline_text(found.expires_at)},
            )
        elif action == "decline":
            form = DeclineForm(request.POST)
            if not form.is_valid():
                messages.error(request, _("The message is too long (at most 300 characters)."))
                return redirect("marketplace:backoffice_orders", slug=shop.slug)
            reservations.decline(shop, found, request.user, form.cleaned_data["note"])
            messages.success(request, _("Declined. The customer has been told."))
        else:
            return _orders_page(request, shop, status=400)
    except reservations.ReservationError as error:
        messages.error(request, error.message)
    return redirect("marketplace:backoffice_orders", slug=shop.slug)


@require_POST
@shop_member_required
def backoffice_pickup(request, shop: Shop):
    """Hand out: the reservation with the typed code is collected (stock goes down)."""
    form = PickupForm(request.POST)
    if not form.is_valid():
        return _orders_page(request, shop, pickup_form=form, status=400)
    try:
        done = reservations.collect(shop, form.cleaned_data["code"], request.user)
    except reservations.ReservationError as error:
        form.add_error("code", error.message)
        return _orders_page(request, shop, pickup_form=form, status=400)
    messages.success(
        request,
        _("Collected: %(items)s. The stock has been updated.")
        % {"items": ", ".join(str(item) for item in done.items.all())},
    )
    return redirect("marketplace:backoffice_orders", slug=shop.slug)
