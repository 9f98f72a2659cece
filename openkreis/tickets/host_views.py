"""The hosts' pages (/hatix/gastgeber/): members of a host's company account register stays
(form or CSV import), mark the guest levy paid (the guests get their tickets), cancel stays,
share the guests' wallet link, and download the monthly levy statement.

Every accommodation and stay is looked up among the member's own companies' (hosts.py):
another host's is a 404, as if it did not exist. Bad input answers 400 with the reasons."""

from __future__ import annotations

import secrets

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.cache import cache
from django.core.mail import EmailMessage
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST

from . import hosts, services
from .host_forms import ImportForm, MonthForm, ShareForm, StayForm
from .models import Accommodation, Stay
from .wallet import qr_svg

T = "tickets/hosts/"
PAGE_SIZE = 30
IMPORT_SECONDS = 1800


def _problem(request, message: str, status: int, title: str = ""):
    return render(
        request,
        T + "problem.html",
        {"message": message, "title": title or _("That did not work")},
        status=status,
    )


def _accommodation(request, public_id) -> Accommodation:
    try:
        return hosts.accommodation_for(request.user, public_id)
    except (Accommodation.DoesNotExist, ValueError):
        raise Http404 from None


def _stay(request, public_id) -> Stay:
    try:
        return hosts.stay_for(request.user, public_id)
    except (Stay.DoesNotExist, ValueError):
        raise Http404 from None


def _base_url(request) -> str:
    return getattr(settings, "OPENKREIS_BASE_URL", "") or request.build_absolute_uri("/")[:-1]


def _page(request, queryset):
    number = request.GET.get("page", "1")
    if not number.isascii() or not number.isdigit() or int(number) < 1:
        return None
    paginator = Paginator(queryset, PAGE_SIZE)
    if int(number) > max(paginator.num_pages, 1):
        return None
    return paginator.page(int(number))


@never_cache
@login_required
def home(request):
    """The host's accommodations and the latest stays of all of them."""
    accommodations = list(hosts.accommodations_of(request.user).order_by("name"))
    if not accommodations:
        return _problem(
            request,
            _(
                "Your account does not act for a host. A host's company account gets its "
                "accommodations from the guest levy office; ask your company's administrator "
                "to invite you."
            ),
            403,
            _("No accommodation"),
        )
    page = _page(request, hosts.stays_of(request.user).prefetch_related("guests"))
    if page is None:
        return _problem(request, _("This page does not exist."), 404, _("Not found"))
    today = timezone.localdate()
    return render(
        request,
        T + "home.html",
        {
            "accommodations": accommodations,
            "page": page,
            "month": f"{today.year:04d}-{today.month:02d}",
        },
    )


@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def new_stay(request, public_id):
    accommodation = _accommodation(request, public_id)
    form = StayForm(request.POST or None, categories=services.categories())
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                stay = services.register_stay(
                    accommodation,
                    arrival=form.cleaned_data["arrival"],
                    departure=form.cleaned_data["departure"],
                    counts=form.counts(),
                    names=form.name_pairs(),
                    paid=form.cleaned_data["paid"],
                    reference=form.cleaned_data["reference"],
                    user=request.user,
                )
            except services.HostError as exc:
                form.add_error(None, str(exc))
            else:
                messages.success(request, _("The stay is registered."))
                return redirect("tickets:host_stay", public_id=stay.public_id)
        status = 400
    return render(
        request, T + "stay_form.html", {"form": form, "accommodation": accommodation}, status=status
    )


def _cache_key(request, token: str) -> str:
    return f"tickets-import:{request.user.pk}:{token}"


@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def import_stays(request, public_id):
    """Upload → preview with per-row errors → import (the file waits 30 minutes in the
    cache under a random token of this user; nothing is written before the import)."""
    accommodation = _accommodation(request, public_id)
    context = {"accommodation": accommodation, "form": ImportForm()}
    if request.method == "GET":
        return render(request, T + "import.html", context)
    token = request.POST.get("token", "")
    if token:  # the confirmed import of a previewed file
        data = cache.get(_cache_key(request, token)) if token.isalnum() else None
        if data is None:
            context["problem"] = _("The preview has expired. Please upload the file again.")
            return render(request, T + "import.html", context, status=400)
        result = services.import_stays(accommodation, data, user=request.user, commit=True)
        cache.delete(_cache_key(request, token))
        context.update(result=result, done=True)
        return render(request, T + "import.html", context, status=400 if result.problems else 200)
    form = ImportForm(request.POST, request.FILES)
    context["form"] = form
    if not form.is_valid():
        return render(request, T + "import.html", context, status=400)
    data = form.cleaned_data["file"].read()
    result = services.import_stays(accommodation, data, user=request.user)
    context["result"] = result
    if result.problems:
        return render(request, T + "import.html", context, status=400)
    token = secrets.token_hex(16)
    cache.set(_cache_key(request, token), data, IMPORT_SECONDS)
    context["token"] = token
    return render(request, T + "import.html", context)


@never_cache
@login_required
def stay(request, public_id):
    found = _stay(request, public_id)
    link_ticket = services.stay_link_ticket(found)
    link = (
        _base_url(request) + reverse("tickets:wallet", args=[link_ticket.access_key])
        if link_ticket
        else ""
    )
    guests = found.guests.prefetch_related("tickets")
    return render(
        request,
        T + "stay.html",
        {
            "stay": found,
            "guests": guests,
            "categories": services.categories(),
            "link": link,
            "link_key": link_ticket.access_key if link_ticket else "",
            "link_qr": qr_svg(link, title=_("QR code of the link to the tickets")) if link else "",
            "share_form": ShareForm(),
        },
    )


@login_required
@require_POST
def mark_paid(request, public_id):
    found = _stay(request, public_id)
    try:
        tickets = services.mark_paid(found, user=request.user)
    except services.HostError as exc:
        return _problem(request, str(exc), 409)
    messages.success(
        request,
        _("The guest levy is marked paid; %(n)d tickets were issued.") % {"n": len(tickets)},
    )
    return redirect("tickets:host_stay", public_id=found.public_id)


@login_required
@require_POST
def cancel(request, public_id):
    found = _stay(request, public_id)
    revoked = services.cancel_stay(found, user=request.user)
    messages.success(
        request, _("The stay is cancelled; %(n)d tickets were revoked.") % {"n": revoked}
    )
    return redirect("tickets:host_stay", public_id=found.public_id)


@login_required
@require_POST
def share(request, public_id):
    """Send the wallet link to the guest's address (not stored; only the mail is sent)."""
    found = _stay(request, public_id)
    link_ticket = services.stay_link_ticket(found)
    form = ShareForm(request.POST)
    if link_ticket is None:
        return _problem(request, _("This stay has no valid tickets yet."), 409)
    if not form.is_valid():
        return _problem(request, " ".join(form.errors.get("email", [])), 400)
    link = _base_url(request) + reverse("tickets:wallet", args=[link_ticket.access_key])
    body = render_to_string(
        T + "mail_wallet.txt",
        {"stay": found, "link": link, "scheme": services.scheme()},
        request=request,
    )
    EmailMessage(
        _("Your HATIX guest tickets for %(place)s") % {"place": found.accommodation.name},
        body,
        settings.DEFAULT_FROM_EMAIL,
        [form.cleaned_data["email"]],
    ).send()
    messages.success(request, _("The link to the tickets was sent."))
    return redirect("tickets:host_stay", public_id=found.public_id)


@never_cache
@login_required
def statement(request):
    """The monthly levy statement of the host's company (HTML, or CSV with ?format=csv)."""
    companies = list(hosts.companies_of(request.user))
    if not companies:
        raise Http404
    company = companies[0]
    chosen = request.GET.get("company")
    if chosen:
        company = next((c for c in companies if str(c.public_id) == chosen), None)
        if company is None:
            raise Http404
    today = timezone.localdate()
    form = MonthForm(request.GET or {"month": f"{today.year:04d}-{today.month:02d}"})
    if not form.is_valid():
        return render(
            request,
            T + "statement.html",
            {"form": form, "company": company, "companies": companies},
            status=400,
        )
    year, month = form.cleaned_data["month"]
    result = services.statement(year, month, company=company)
    if request.GET.get("format") == "csv":
        response = HttpResponse(
            services.statement_csv(result), content_type="text/csv; charset=utf-8"
        )
        response["Content-Disposition"] = (
            f'attachment; filename="gaestebeitrag-{year:04d}-{month:02d}.csv"'
        )
        return response
    return render(
        request,
        T + "statement.html",
        {"form": form, "company": company, "companies": companies, "statement": result},
    )
