"""Loyalty pages: the customer's card (/einkaufen/bonuskarte/), the shop's till and monthly
statements (/einkaufen/haendler/<slug>/kasse/, …/abrechnung/) and the county office's
settlements (/einkaufen/verwaltung/abrechnung/). The bookings themselves are loyalty.py's."""

from __future__ import annotations

import csv
import datetime as dt
import uuid

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db.models import Exists, OuterRef, Subquery, Sum
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from openkreis.core.models import StaffMembership
from openkreis.core.qr import qr_svg
from openkreis.core.staff import staff_required

from . import loyalty
from .access import shop_member_required
from .forms_loyalty import EarnForm, RedeemForm, SettleForm, past_months
from .models import LedgerEntry, LedgerTransaction, Scheme, Settlement

RESULT_KEY = "marketplace_till_result"
PER_PAGE = 20
# refusals about the typed number belong to the number field; the others to the whole form
FIELD_ERRORS = {"number": "card_number", "card": "card_number"}


def _private(response: HttpResponse) -> HttpResponse:
    response["Cache-Control"] = "private, no-store"
    response["Referrer-Policy"] = "same-origin"
    return response


def euros(points: int, scheme: Scheme) -> str:
    cents = points * scheme.point_value_cents
    return f"{cents / 100:,.2f}".replace(",", " ").replace(".", ",").replace(" ", ".")


def _money(cents: int) -> str:
    """'23,50' (German decimal comma)."""
    return f"{cents / 100:.2f}".replace(".", ",")


def _month_param(value: str | None) -> dt.date | None:
    try:
        month = dt.datetime.strptime(str(value or ""), "%Y-%m").date()
    except ValueError:
        return None
    return month if 2000 <= month.year <= 2200 else None


def _csv_safe(value) -> str:
    """A cell a spreadsheet shows as text (no formula from a shop's name)."""
    text = str(value)
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


def _csv(filename: str, header: list[str], rows) -> HttpResponse:
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response.write("\ufeff")  # spreadsheet programs then read UTF-8
    writer = csv.writer(response, delimiter=";")
    writer.writerow(header)
    for row in rows:
        writer.writerow(row)
    return _private(response)


# -- the customer's card -----------------------------------------------------------------------
@never_cache
@login_required
def card(request: HttpRequest) -> HttpResponse:
    card = loyalty.card_for(request.user)
    scheme = Scheme.current()
    points = loyalty.balance(card)
    page = Paginator(loyalty.history(card), PER_PAGE).get_page(request.GET.get("seite"))
    context = {
        "card": card,
        "scheme": scheme,
        "number": loyalty.format_number(card.number),
        "qr": qr_svg(card.number, title=_("QR code of your loyalty card")),
        "points": points,
        "euros": euros(points, scheme),
        "min_euros": euros(scheme.min_redeem_points, scheme),
        "page": page,
        "params": "",
    }
    return _private(render(request, "marketplace/card.html", context))


# -- the shop's till ---------------------------------------------------------------------------
def _todays_bookings(shop):
    start = dt.datetime.combine(loyalty.today(), dt.time(), tzinfo=loyalty.BERLIN)
    card_number = LedgerEntry.objects.filter(
        transaction=OuterRef("pk"), account__kind="customer"
    ).values("account__card__number")[:1]
    return (
        LedgerTransaction.objects.filter(shop=shop, created_at__gte=start)
        .annotate(
            card_number=Subquery(card_number),
            was_reversed=Exists(LedgerTransaction.objects.filter(reverses=OuterRef("pk"))),
        )
        .select_related("reverses")
        .order_by("-created_at", "-pk")[:30]
    )


def _remember(request: HttpRequest, shop, booking: LedgerTransaction) -> None:
    request.session[RESULT_KEY] = {
        "shop": shop.pk,
        "kind": booking.kind,
        "points": booking.points,
        "purchase_cents": booking.purchase_cents,
        "balance": getattr(booking, "balance_after", None),
        "reverses": booking.reverses.kind if booking.reverses_id else "",
    }


def _refusal(form, exc: loyalty.LoyaltyError) -> int:
    form.add_error(FIELD_ERRORS.get(exc.code), exc.message)
    return 400 if exc.code in ("number", "card", "amount") else 409


@never_cache
@require_http_methods(["GET", "POST"])
@shop_member_required
def till(request: HttpRequest, shop) -> HttpResponse:
    scheme = Scheme.current()
    redeem_options = {
        "min_points": scheme.min_redeem_points,
        "point_value_cents": scheme.point_value_cents,
    }
    earn_form, redeem_form = EarnForm(), RedeemForm(**redeem_options)
    status, refused = 200, ""
    here = reverse("marketplace:backoffice_till", args=[shop.slug])
    if request.method == "POST":
        action = request.POST.get("action")
        if action == "earn":
            earn_form = EarnForm(request.POST)
            status = 400
            if earn_form.is_valid():
                data = earn_form.cleaned_data
                try:
                    booking = loyalty.earn(shop, data["card_number"], data["amount"], request.user)
                except loyalty.LoyaltyError as exc:
                    status = _refusal(earn_form, exc)
                else:
                    _remember(request, shop, booking)
                    return redirect(f"{here}#till-result")
        elif action == "redeem":
            redeem_form = RedeemForm(request.POST, **redeem_options)
            status = 400
            if redeem_form.is_valid():
                data = redeem_form.cleaned_data
                try:
                    booking = loyalty.redeem(
                        shop, data["card_number"], data["points"], request.user
                    )
                except loyalty.LoyaltyError as exc:
                    status = _refusal(redeem_form, exc)
                else:
                    _remember(request, shop, booking)
                    return redirect(f"{here}#till-result")
        elif action == "reverse":
            booking = _shop_booking(shop, request.POST.get("booking"))
            try:
                reversal = loyalty.reverse(booking, request.user, shop=shop)
            except loyalty.LoyaltyError as exc:
                refused, status = exc.message, 409
            else:
                _remember(request, shop, reversal)
                return redirect(f"{here}#till-result")
        else:
            refused, status = _("Please choose what to book."), 400
    result = request.session.pop(RESULT_KEY, None) if request.method == "GET" else None
    if result and result.get("shop") != shop.pk:
        result = None
    if result:
        result["purchase"] = _money(result.get("purchase_cents") or 0)
    bookings = list(_todays_bookings(shop))
    for booking in bookings:
        booking.card_end = (booking.card_number or "")[-4:]
        booking.purchase_text = _money(booking.purchase_cents) if booking.purchase_cents else ""
        booking.can_reverse = booking.kind in ("earn", "redeem") and not booking.was_reversed
    context = {
        "shop": shop,
        "scheme": scheme,
        "earn_form": earn_form,
        "redeem_form": redeem_form,
        "result": result,
        "refused": refused,
        "bookings": bookings,
        "limit": shop.daily_points_limit or scheme.shop_daily_points,
    }
    return _private(render(request, "marketplace/backoffice_till.html", context, status=status))


def _shop_booking(shop, key) -> LedgerTransaction:
    try:
        key = uuid.UUID(str(key))
    except ValueError as exc:
        raise Http404 from exc
    booking = LedgerTransaction.objects.filter(shop=shop, key=key).first()
    if booking is None:  # another shop's booking is not found either
        raise Http404
    return booking


# -- the shop's monthly statements -------------------------------------------------------------
@never_cache
@shop_member_required
def settlements(request: HttpRequest, shop) -> HttpResponse:
    scheme = Scheme.current()
    rows = Settlement.objects.filter(shop=shop).order_by("-month")
    page = Paginator(rows, 24).get_page(request.GET.get("seite"))
    for settlement in page.object_list:
        settlement.amount_text = _money(settlement.amount_cents)
    this_month = loyalty.month_start(loyalty.today())
    running = loyalty.month_figures(this_month).get(shop.pk)
    context = {
        "shop": shop,
        "scheme": scheme,
        "page": page,
        "params": "",
        "this_month": this_month,
        "running": running,
        "months": [this_month, *past_months(3)],
    }
    return _private(render(request, "marketplace/backoffice_settlements.html", context))


@never_cache
@shop_member_required
def settlement_csv(request: HttpRequest, shop, month: str) -> HttpResponse:
    """The month's bookings of the shop (one row each) for its bookkeeping."""
    first = _month_param(month)
    if first is None:
        raise Http404
    start, end = loyalty.month_bounds(first)
    bookings = (
        LedgerTransaction.objects.filter(shop=shop, created_at__gte=start, created_at__lt=end)
        .select_related("reverses")
        .order_by("created_at", "pk")
    )
    rows = (
        [
            b.created_at.astimezone(loyalty.BERLIN).strftime("%Y-%m-%d %H:%M"),
            b.get_kind_display(),
            b.points,
            _money(b.purchase_cents) if b.purchase_cents else "",
            b.reverses.get_kind_display() if b.reverses_id else "",
        ]
        for b in bookings.iterator()
    )
    header = [_("Time"), _("Booking"), _("Points"), _("Purchase (€)"), _("Reverses")]
    return _csv(f"bonuspunkte-{shop.slug}-{month}.csv", header, rows)


# -- the county office -------------------------------------------------------------------------
OFFICE = (StaffMembership.Role.RETAIL_OFFICE,)


@never_cache
@require_http_methods(["GET", "POST"])
@staff_required(*OFFICE)
def office_settlements(request: HttpRequest) -> HttpResponse:
    here = reverse("marketplace:office_settlements")
    if request.method == "POST":
        return _office_action(request, here)
    month = _month_param(request.GET.get("monat"))
    if request.GET.get("monat") and month is None:
        messages.error(request, _("Please choose a month from the list."))
    last = Settlement.objects.order_by("-month").values_list("month", flat=True).first()
    month = month or last or loyalty.previous_month()
    rows = list(
        Settlement.objects.filter(month=month).select_related("shop__place").order_by("shop__slug")
    )
    for settlement in rows:
        settlement.amount_text = _money(settlement.amount_cents)
    totals = Settlement.objects.filter(month=month).aggregate(
        issued=Sum("points_issued"),
        redeemed=Sum("points_redeemed"),
        net=Sum("net_points"),
        amount=Sum("amount_cents"),
    )
    settled_months = set(Settlement.objects.values_list("month", flat=True).distinct())
    months = sorted(settled_months | set(past_months(6)), reverse=True)
    context = {
        "month": month,
        "rows": rows,
        "totals": totals,
        "totals_amount": _money(totals["amount"] or 0),
        "months": months,
        "settled_months": settled_months,
        "settle_form": SettleForm(initial={"month": loyalty.previous_month().isoformat()}),
        "problems": loyalty.check_ledger(),
    }
    return _private(render(request, "marketplace/office_settlements.html", context))


def _office_action(request: HttpRequest, here: str) -> HttpResponse:
    action = request.POST.get("action")
    if action == "settle":
        form = SettleForm(request.POST)
        if not form.is_valid():
            messages.error(request, _("Please choose a month that is over."))
            return redirect(here)
        month = form.cleaned_data["month"]
        try:
            made = loyalty.settle(month)
        except loyalty.LoyaltyError as exc:
            messages.error(request, exc.message)
        else:
            messages.success(
                request,
                _("Settlement for %(month)s: %(n)d shops.")
                % {"month": f"{month:%m/%Y}", "n": len(made)},
            )
        return redirect(f"{here}?monat={month:%Y-%m}")
    if action == "paid":
        settlement = Settlement.objects.filter(pk=_int(request.POST.get("settlement"))).first()
        if settlement is None:
            raise Http404
        if loyalty.mark_paid(settlement):
            messages.success(request, _("Marked as paid: %(shop)s.") % {"shop": settlement.shop})
        else:
            messages.info(request, _("This settlement was marked as paid already."))
        return redirect(f"{here}?monat={settlement.month:%Y-%m}")
    messages.error(request, _("Please choose what to do."))
    return redirect(here)


def _int(value) -> int:
    text = str(value or "")
    return int(text) if text.isascii() and text.isdigit() and len(text) < 19 else 0


@never_cache
@staff_required(*OFFICE)
def office_settlements_csv(request: HttpRequest, month: str) -> HttpResponse:
    first = _month_param(month)
    if first is None:
        raise Http404
    rows = (
        [
            _csv_safe(s.shop.name),
            s.shop.slug,
            s.points_issued,
            s.points_redeemed,
            s.net_points,
            _money(s.amount_cents),
            s.get_status_display(),
        ]
        for s in Settlement.objects.filter(month=first).select_related("shop__place")
    )
    header = [
        _("Shop"),
        _("Address in the portal"),
        _("Points issued"),
        _("Points redeemed"),
        _("Net points"),
        _("Amount (€)"),
        _("Status"),
    ]
    return _csv(f"bonuspunkte-abrechnung-{month}.csv", header, rows)
