"""Staff pages of the Kapazitätsfinder (/kita/verwaltung/): a Kita's own staff, the
municipalities' and the county's Kita coordination. Every page passes the staff gate (login,
second factor, role kita_staff or kita_coordinator) and then asks `coordination.scope_for`
what the user may see — objects outside it answer 403."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from openkreis.core.params import id_param
from openkreis.core.staff import staff_required

from . import coordination
from .models import Application, Kita, Offer, Round
from .services import CapacityError
from .staff_forms import FreePlacesForm, OverrideOfferForm, RoundForm, WithdrawOfferForm

STAFF = coordination.STAFF_ROLES
PAGE_SIZE = 50


def _kita(scope, key: str) -> Kita:
    kita = get_object_or_404(Kita.objects.select_related("municipality"), key=key)
    if not scope.may_act_for(kita):
        raise PermissionDenied(_("You cannot act for this Kita."))
    return kita


def _county(scope) -> None:
    if not scope.county:
        raise PermissionDenied(_("This page is for the county's Kita coordination."))


@require_http_methods(["GET"])
@staff_required(*STAFF)
def home(request):
    scope = coordination.scope_for(request.user)
    kitas = list(scope.kitas().order_by("municipality__name", "name"))
    return render(
        request,
        "capacity/staff/home.html",
        {
            "scope": scope,
            "kitas": kitas,
            "waiting": coordination.waiting_list().count() if scope.county else None,
        },
    )


@require_http_methods(["GET", "POST"])
@staff_required(*STAFF)
def kita(request, key: str):
    scope = coordination.scope_for(request.user)
    kita = _kita(scope, key)
    form = FreePlacesForm(kita=kita)
    status = 200
    if request.method == "POST":
        form = FreePlacesForm(request.POST, kita=kita)
        if form.is_valid():
            data = form.cleaned_data
            try:
                coordination.report_free_places(
                    data["group"], data["month"], data["free"], actor=request.user
                )
            except CapacityError as exc:
                form.add_error("free", str(exc))
            else:
                messages.success(request, _("The free places were saved."))
                return redirect(reverse("capacity:staff_kita", args=[kita.key]))
        status = 400
    return render(
        request,
        "capacity/staff/kita.html",
        {
            "scope": scope,
            "kita": kita,
            "groups": list(kita.groups.all()),
            "rows": coordination.free_places_of(kita),
            "form": form,
            "offers": list(coordination.offers_of(kita, Offer.Status.OPEN)),
            "placed": list(coordination.offers_of(kita, Offer.Status.ACCEPTED)),
        },
        status=status,
    )


@require_http_methods(["GET"])
@staff_required(*STAFF)
def applications(request):
    scope = coordination.scope_for(request.user)
    if not scope.coordinator:
        raise PermissionDenied(_("This page is for the Kita coordination."))
    chosen = None
    if request.GET.get("kita"):
        chosen = get_object_or_404(Kita, key=request.GET["kita"])
        if not scope.application_kitas().filter(pk=chosen.pk).exists():
            raise PermissionDenied(_("You cannot see the applications of this Kita."))
    rows = coordination.applications_for(scope, chosen)
    page = Paginator(rows, PAGE_SIZE).get_page(request.GET.get("seite"))
    return render(
        request,
        "capacity/staff/applications.html",
        {
            "scope": scope,
            "chosen": chosen,
            "page": page,
            "total": len(rows),
            "counts": coordination.counts(rows),
            "kitas": scope.application_kitas().filter(active=True).order_by("name"),
            "params": f"kita={chosen.key}" if chosen else "",
        },
    )


@require_http_methods(["GET", "POST"])
@staff_required(*STAFF)
def rounds(request):
    scope = coordination.scope_for(request.user)
    _county(scope)
    form = RoundForm()
    status = 200
    if request.method == "POST":
        form = RoundForm(request.POST)
        if form.is_valid():
            round_ = coordination.start_round(actor=request.user, seed=form.cleaned_data["seed"])
            messages.success(request, _("The round was run."))
            return redirect(reverse("capacity:staff_round", args=[round_.pk]))
        status = 400
    page = Paginator(Round.objects.select_related("started_by"), PAGE_SIZE).get_page(
        request.GET.get("seite")
    )
    return render(
        request,
        "capacity/staff/rounds.html",
        {
            "scope": scope,
            "form": form,
            "page": page,
            "waiting": coordination.waiting_list().count(),
        },
        status=status,
    )


@require_http_methods(["GET"])
@staff_required(*STAFF)
def round_detail(request, pk: int):
    scope = coordination.scope_for(request.user)
    _county(scope)
    round_ = get_object_or_404(Round.objects.select_related("started_by"), pk=pk)
    offers = coordination.with_staff_status(
        round_.offers.select_related("group__kita", "application").order_by(
            "group__kita__name", "month", "id"
        )
    )
    return render(
        request,
        "capacity/staff/round.html",
        {"scope": scope, "round": round_, "offers": offers},
    )


@require_http_methods(["GET"])
@staff_required(*STAFF)
def waiting(request):
    scope = coordination.scope_for(request.user)
    _county(scope)
    page = Paginator(coordination.waiting_list(), PAGE_SIZE).get_page(request.GET.get("seite"))
    for item in page.object_list:
        item.age_label = coordination.age_label(item)
    return render(request, "capacity/staff/waiting.html", {"scope": scope, "page": page})


@require_http_methods(["GET", "POST"])
@staff_required(*STAFF)
def application(request, pk: int):
    """The county's view of one application: wishes, offers, and the manual override."""
    scope = coordination.scope_for(request.user)
    _county(scope)
    application = get_object_or_404(Application.objects.select_related("child"), pk=pk)
    application.age_label = coordination.age_label(application)
    groups = coordination.groups_for_override(application)
    offer_form = OverrideOfferForm(groups=groups)
    withdraw_form = WithdrawOfferForm()
    status = 200
    here = reverse("capacity:staff_application", args=[application.pk])
    if request.method == "POST":
        action = request.POST.get("action")
        try:
            if action == "offer":
                offer_form = OverrideOfferForm(request.POST, groups=groups)
                if offer_form.is_valid():
                    data = offer_form.cleaned_data
                    coordination.override_offer(
                        application,
                        data["group"],
                        data["month"],
                        reason=data["reason"],
                        actor=request.user,
                    )
                    messages.success(request, _("The offer was made and recorded."))
                    return redirect(here)
            elif action == "withdraw":
                withdraw_form = WithdrawOfferForm(request.POST)
                offer = application.offers.filter(
                    pk=id_param(request.POST.get("offer")), status=Offer.Status.OPEN
                ).first()
                if offer is None:
                    withdraw_form.add_error(None, _("There is no open offer to withdraw."))
                elif withdraw_form.is_valid():
                    coordination.withdraw_offer(
                        offer, reason=withdraw_form.cleaned_data["reason"], actor=request.user
                    )
                    messages.success(request, _("The offer was withdrawn and recorded."))
                    return redirect(here)
            else:
                messages.error(request, _("Unknown action."))
        except CapacityError as exc:
            form = offer_form if action == "offer" else withdraw_form
            form.add_error(None, str(exc))
        status = 400
    return render(
        request,
        "capacity/staff/application.html",
        {
            "scope": scope,
            "application": application,
            "number": coordination.application_number(application),
            "wishes": application.wishes.select_related("kita"),
            "offers": coordination.with_staff_status(
                application.offers.select_related("group__kita").order_by("-created_at")
            ),
            "open_offer": application.offers.filter(status=Offer.Status.OPEN).first(),
            "offer_form": offer_form,
            "withdraw_form": withdraw_form,
        },
        status=status,
    )
