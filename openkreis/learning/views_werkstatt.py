"""Digitale Werkstatt pages: offers (filter by audience and topic), an offer, the request
form (login), the user's own requests with their case's status."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from . import werkstatt
from .forms_werkstatt import AdviceRequestForm
from .models import AdviceOffer
from .pages import guides_for_werkstatt


def _card(offer: AdviceOffer) -> dict:
    return {"offer": offer, **werkstatt.offer_text(offer)}


def index(request):
    """What the Werkstatt is, its offers (filterable), its guides."""
    audience = request.GET.get("fuer", "")
    topic = request.GET.get("thema", "")
    if audience not in AdviceOffer.Audience.values:
        audience = ""
    topics = werkstatt.topics()
    if topic not in topics:
        topic = ""
    offers = [_card(o) for o in werkstatt.offers(audience=audience, topic=topic)]
    return render(
        request,
        "learning/werkstatt.html",
        {
            "offers": offers,
            "audiences": AdviceOffer.Audience.choices,
            "audience": audience,
            "topics": topics,
            "topic": topic,
            "guides": guides_for_werkstatt(),
        },
    )


def offer(request, slug: str):
    item = get_object_or_404(AdviceOffer, slug=slug, published=True)
    labels = dict(AdviceOffer.Audience.choices)
    return render(
        request,
        "learning/werkstatt_offer.html",
        {
            **_card(item),
            "audience_labels": [labels[a] for a in item.audiences],
            "booking_url": werkstatt.booking_url(item),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def request_form(request, slug: str):
    item = get_object_or_404(AdviceOffer, slug=slug, published=True)
    form = AdviceRequestForm(request.POST or None, offer=item)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            data = form.cleaned_data
            try:
                werkstatt.request_advice(
                    user=request.user,
                    offer=item,
                    audience=data["audience"],
                    organisation=data["organisation"],
                    municipality=data["municipality"],
                    message=data["message"],
                    consent=data["consent"],
                )
            except werkstatt.WerkstattError as exc:
                form.add_error(None, str(exc))
            else:
                messages.success(
                    request,
                    _(
                        "Thank you. Your request has reached the Werkstatt team. "
                        "You find the answer in your mailbox."
                    ),
                )
                return redirect("learning:werkstatt_mine")
        status = 400
    return render(
        request,
        "learning/werkstatt_request.html",
        {**_card(item), "form": form, "booking_url": werkstatt.booking_url(item)},
        status=status,
    )


@login_required
def mine(request):
    return render(
        request, "learning/werkstatt_mine.html", {"rows": werkstatt.requests_of(request.user)}
    )
