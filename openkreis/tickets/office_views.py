"""The guest levy office (/hatix/amt/, staff role ticket_office, password + TOTP): stays per
municipality and month, the levy statement per municipality (HTML and CSV), a ticket by its
id: revoke with a reason, reissue; registering a host's accommodation (the host's company
account then registers its stays)."""

from __future__ import annotations

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST

from openkreis.accounts.models import Company
from openkreis.core.staff import Role, staff_required

from . import services
from .host_forms import AccommodationForm, MonthForm, RevokeForm
from .models import Accommodation, Stay, Ticket

T = "tickets/office/"
PAGE_SIZE = 50
office_required = staff_required(Role.TICKET_OFFICE)


def _filters(request):
    """(form, municipality or None, error) from ?month=YYYY-MM&municipality=<ARS>."""
    today = timezone.localdate()
    data = {"month": request.GET.get("month") or f"{today.year:04d}-{today.month:02d}"}
    form = MonthForm(data)
    municipalities = list(services.levy_municipalities())
    chosen = request.GET.get("municipality", "")
    municipality = next((m for m in municipalities if m.ars == chosen), None)
    error = ""
    if chosen and municipality is None:
        error = _("Unknown municipality.")
    if not form.is_valid():
        error = " ".join(form.errors["month"])
    return form, municipalities, municipality, error


@never_cache
@office_required
def home(request):
    form, municipalities, municipality, error = _filters(request)
    context = {
        "form": form,
        "municipalities": municipalities,
        "municipality": municipality,
        "serial": request.GET.get("serial", "").strip()[:32],
    }
    if error:
        context["problem"] = error
        return render(request, T + "home.html", context, status=400)
    year, month = form.cleaned_data["month"]
    start, end = services.month_bounds(year, month)
    stays = (
        Stay.objects.filter(arrival__lt=end, departure__gt=start)
        .select_related("accommodation__municipality", "accommodation__company")
        .order_by("arrival", "pk")
    )
    if municipality is not None:
        stays = stays.filter(accommodation__municipality=municipality)
    number = request.GET.get("page", "1")
    paginator = Paginator(stays, PAGE_SIZE)
    if not number.isdigit() or not 1 <= int(number) <= max(paginator.num_pages, 1):
        context["problem"] = _("This page does not exist.")
        return render(request, T + "home.html", context, status=404)
    result = services.statement(year, month, municipality=municipality)
    if request.GET.get("format") == "csv":
        response = HttpResponse(
            services.statement_csv(result), content_type="text/csv; charset=utf-8"
        )
        name = f"gaestebeitrag-{municipality.ars if municipality else 'kreis'}-{year}-{month:02d}"
        response["Content-Disposition"] = f'attachment; filename="{name}.csv"'
        return response
    context.update(
        page=paginator.page(int(number)), statement=result, month=f"{year:04d}-{month:02d}"
    )
    return render(request, T + "home.html", context)


@never_cache
@office_required
def ticket(request, serial: str):
    found = get_object_or_404(
        Ticket.objects.select_related(
            "guest__stay__accommodation__municipality", "guest__stay__accommodation__company"
        ),
        serial=serial.upper(),
    )
    return render(
        request,
        T + "ticket.html",
        {
            "ticket": found,
            "stay": found.guest.stay,
            "others": Ticket.objects.filter(guest=found.guest).exclude(pk=found.pk),
            "form": RevokeForm(),
        },
    )


@never_cache
@office_required
def find(request):
    serial = request.GET.get("serial", "").strip().upper()[:32]
    if serial and Ticket.objects.filter(serial=serial).exists():
        return redirect("tickets:office_ticket", serial=serial)
    messages.error(request, _("No ticket with this id."))
    return redirect("tickets:office_home")


@office_required
@require_POST
def revoke(request, serial: str):
    found = get_object_or_404(Ticket.objects.select_related("guest__stay"), serial=serial)
    form = RevokeForm(request.POST)
    if not form.is_valid():
        return render(
            request,
            T + "ticket.html",
            {"ticket": found, "stay": found.guest.stay, "form": form, "others": []},
            status=400,
        )
    if services.revoke_ticket(found, form.cleaned_data["reason"], user=request.user):
        messages.success(request, _("The ticket is revoked."))
    return redirect("tickets:office_ticket", serial=found.serial)


@office_required
@require_POST
def reissue(request, serial: str):
    found = get_object_or_404(Ticket, serial=serial)
    try:
        new = services.reissue_ticket(found, user=request.user)
    except services.HostError as exc:
        messages.error(request, str(exc))
        return redirect("tickets:office_ticket", serial=found.serial)
    messages.success(request, _("A new ticket was issued; the old one is revoked."))
    return redirect("tickets:office_ticket", serial=new.serial)


@never_cache
@office_required
@require_http_methods(["GET", "POST"])
def new_accommodation(request):
    """Register an accommodation for a host's company account (in a municipality with a
    guest levy); the company's members then find it on /hatix/gastgeber/."""
    form = AccommodationForm(
        request.POST or None,
        companies=Company.objects.order_by("name"),
        municipalities=services.levy_municipalities(),
    )
    status = 200
    if request.method == "POST":
        if form.is_valid():
            data = form.cleaned_data
            made = Accommodation.objects.create(
                company=data["company"],
                name=data["name"],
                municipality=data["municipality"],
                street=data["street"],
                postcode=data["postcode"],
                town=data["town"],
            )
            messages.success(
                request,
                _("%(name)s is registered for %(host)s.")
                % {"name": made.name, "host": made.company.name},
            )
            return redirect("tickets:office_home")
        status = 400
    return render(request, T + "accommodation_form.html", {"form": form}, status=status)
