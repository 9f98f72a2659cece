"""Booking pages (no account needed), the kiosk, the counter page and the call display.

Every page works without JavaScript: choices are links and plain forms. Bad input (past
dates, slots outside the hours, forged links, tampered service lists) answers 400 with a
message in the user's language, never 500.
"""

from __future__ import annotations

import datetime as dt
import os

from django import forms
from django.conf import settings
from django.contrib import messages
from django.http import Http404, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST

from openkreis.core import ratelimit, staff
from openkreis.core import services as core
from openkreis.core.models import Region
from openkreis.core.net import client_ip
from openkreis.core.params import id_param

from . import services
from .models import AppointmentService, Booking, Branch, Counter, Ticket

BookingError = services.BookingError


def _limit(name: str, default: int) -> int:
    return int(getattr(settings, name, os.environ.get(f"OPENKREIS_{name}", default)))


def rate_limited(request, action: str, per_hour: int) -> bool:
    """A fixed one-hour window per client address and action in the shared cache (Redis in
    production): True once the client has used up its allowance."""
    key = f"appt-rate:{action}:{client_ip(request) or 'unknown'}"
    return ratelimit.window_count(key, 3600) > per_hour


def _problem(request, message: str, status: int = 400, back: str = ""):
    return render(
        request,
        "appointments/problem.html",
        {"message": message, "back": back or reverse("appointments:start")},
        status=status,
    )


def _services(request) -> list[AppointmentService]:
    return services.services_from_keys(
        request.GET.getlist("leistung") or request.POST.getlist("leistung")
    )


def _query(keys, **extra) -> str:
    return urlencode([("leistung", k) for k in keys] + [(k, v) for k, v in extra.items() if v])


def _branch(key: str) -> Branch:
    branch = services.branch_at(key)
    if branch is None:
        raise BookingError(_("This location does not offer appointments. Please choose again."))
    return branch


# -- booking --------------------------------------------------------------------------------
def start(request):
    """Step 1: choose one or more services (and your municipality, for the nearest office)."""
    chosen = request.GET.getlist("leistung")
    return render(
        request,
        "appointments/start.html",
        {
            "services": services.bookable_services(),
            "chosen": chosen,
            "municipalities": core.municipalities(core.current_tenant()),
            "gemeinde": request.GET.get("gemeinde", ""),
        },
    )


def choose_location(request):
    """Step 2: offices that can serve all chosen services in one visit, nearest first."""
    try:
        chosen = _services(request)
    except BookingError as exc:
        return _problem(request, str(exc))
    region = None
    ags = request.GET.get("gemeinde", "")
    if ags:
        region = Region.objects.filter(ags=ags, kind=Region.Kind.MUNICIPALITY).first()
        if region is None:
            return _problem(request, _("Please choose your municipality from the list."))
    options = services.branches_for(chosen, region)
    keys = [s.key for s in chosen]
    for option in options:
        option["url"] = (
            reverse("appointments:day") + "?" + _query(keys, standort=option["branch"].location.key)
        )
    return render(
        request,
        "appointments/location.html",
        {
            "chosen": chosen,
            "minutes": services.total_minutes(chosen),
            "options": options,
            "region": region,
            "back": reverse("appointments:start") + "?" + _query(keys, gemeinde=ags),
        },
    )


def choose_day(request):
    """Step 3: days with free slots in the horizon."""
    try:
        chosen = _services(request)
        branch = _branch(request.GET.get("standort", ""))
    except BookingError as exc:
        return _problem(request, str(exc))
    keys = [s.key for s in chosen]
    days = [
        {
            "day": day,
            "count": count,
            "url": reverse("appointments:slot")
            + "?"
            + _query(keys, standort=branch.location.key, tag=day.isoformat()),
        }
        for day, count in services.bookable_days(branch, chosen)
    ]
    return render(
        request,
        "appointments/day.html",
        {
            "chosen": chosen,
            "branch": branch,
            "days": days,
            "back": reverse("appointments:location") + "?" + _query(keys),
        },
    )


def _parse_day(value: str) -> dt.date:
    try:
        return dt.date.fromisoformat(value or "")
    except ValueError:
        raise BookingError(
            _("This date is not valid. Please choose a day from the list.")
        ) from None


def _day_problem(branch: Branch, day: dt.date, calendar=None) -> str | None:
    now = timezone.now()
    earliest, last_day = services.booking_window(branch, now)
    if day < now.astimezone(services.BERLIN).date():
        return _("This day is in the past. Please choose a later day.")
    if day > last_day:
        return _("Appointments can only be booked %(n)s days ahead.") % {"n": branch.horizon_days}
    reason = services.closed_reason(branch, day, calendar)
    if reason:
        return _("No appointments on this day: %(reason)s.") % {"reason": reason}
    return None


def choose_slot(request):
    """Step 4: free times on the chosen day; choosing one holds it for a few minutes."""
    try:
        chosen = _services(request)
        branch = _branch(request.GET.get("standort", ""))
        day = _parse_day(request.GET.get("tag", ""))
    except BookingError as exc:
        return _problem(request, str(exc))
    keys = [s.key for s in chosen]
    calendar = services.calendar_of(branch)  # read once for the check and the slots
    problem = _day_problem(branch, day, calendar)
    if problem:
        return _problem(
            request,
            problem,
            back=reverse("appointments:day") + "?" + _query(keys, standort=branch.location.key),
        )
    return render(
        request,
        "appointments/slot.html",
        {
            "chosen": chosen,
            "branch": branch,
            "day": day,
            "slots": services.free_slots(branch, chosen, day, calendar=calendar),
            "back": reverse("appointments:day") + "?" + _query(keys, standort=branch.location.key),
            "hold_minutes": branch.hold_minutes,
        },
    )


# The browser's current hold, in a signed cookie of its own rather than in the session: an
# anonymous booking then creates no session row (four queries fewer per booking, issue 26).
HOLD_COOKIE = "termin_reservierung"


@require_POST
def hold_slot(request):
    """Hold the chosen slot. One hold per browser at a time (a new one releases the old),
    and a limit of holds per client and hour, so nobody can sit on many slots."""
    try:
        chosen = _services(request)
        branch = _branch(request.POST.get("standort", ""))
        start_at = services.parse_slot(branch, request.POST.get("zeit", ""))
    except BookingError as exc:
        return _problem(request, str(exc))
    if rate_limited(request, "hold", _limit("APPOINTMENT_HOLDS_PER_HOUR", 30)):
        return _problem(
            request,
            _("Too many reservations from your connection. Please try again in an hour."),
            status=429,
        )
    previous = request.get_signed_cookie(HOLD_COOKIE, default="", salt=HOLD_COOKIE)
    if previous:
        services.release_hold(previous)
    keys = [s.key for s in chosen]
    back = (
        reverse("appointments:slot")
        + "?"
        + _query(
            keys,
            standort=branch.location.key,
            tag=start_at.astimezone(services.BERLIN).date().isoformat(),
        )
    )
    try:
        booking = services.hold(branch, chosen, start_at)
    except services.SlotTaken as exc:
        return _problem(request, str(exc), status=409, back=back)
    except BookingError as exc:
        return _problem(request, str(exc), back=back)
    response = redirect("appointments:details", hold_key=booking.hold_key)
    response.set_signed_cookie(
        HOLD_COOKIE,
        booking.hold_key,
        salt=HOLD_COOKIE,
        max_age=branch.hold_minutes * 60,
        secure=settings.SESSION_COOKIE_SECURE,
        httponly=True,
        samesite="Lax",
    )
    return response


class DetailsForm(forms.Form):
    name = forms.CharField(label=gettext_lazy("Your name"), max_length=200)
    email = forms.EmailField(
        label=gettext_lazy("Your e-mail address"),
        help_text=gettext_lazy(
            "We send the confirmation and a link to cancel or change the appointment."
        ),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["name"].widget.attrs["autocomplete"] = "name"
        self.fields["email"].widget.attrs["autocomplete"] = "email"
        self.fields["email"].widget.attrs["aria-describedby"] = "email-hint"


def _no_hold(request):
    return _problem(
        request, _("This reservation does not exist. Please choose a slot again."), status=404
    )


@never_cache
def details(request, hold_key: str):
    """Step 5: name and e-mail, then the booking is confirmed. A valid form goes straight
    to `services.confirm`, which reads the hold under its lock: the booking is read once
    per confirmation, not twice (issue 26); it is read here only to show the form."""
    user = request.user if request.user.is_authenticated else None
    if request.method == "POST":
        form = DetailsForm(request.POST)
        if form.is_valid():
            if rate_limited(request, "confirm", _limit("APPOINTMENT_CONFIRMS_PER_HOUR", 20)):
                return _problem(
                    request,
                    _("Too many bookings from your connection. Please try again in an hour."),
                    status=429,
                )
            try:
                booking = services.confirm(
                    hold_key,
                    form.cleaned_data["name"],
                    form.cleaned_data["email"],
                    user=user,
                )
            except services.HoldNotFound:
                return _no_hold(request)
            except services.SlotTaken as exc:
                return _problem(request, str(exc), status=409)
            except BookingError as exc:
                form.add_error(None, str(exc))
            else:
                response = redirect(
                    reverse("appointments:manage", args=[services.manage_token(booking)]) + "?neu=1"
                )
                response.delete_cookie(HOLD_COOKIE)
                return response
    else:
        form = None
    booking = Booking.objects.select_related("branch__location").filter(hold_key=hold_key).first()
    if booking is None:
        return _no_hold(request)
    if booking.state == Booking.State.BOOKED:
        return redirect("appointments:manage", token=services.manage_token(booking))
    if form is None:
        initial = {}
        if user is not None:
            initial = {"name": user.get_full_name(), "email": user.email}
        form = DetailsForm(initial=initial)
    return render(
        request,
        "appointments/details.html",
        {"booking": booking, "form": form, "services_list": services.services_of(booking)},
        status=400 if form.errors else 200,
    )


# States in which the appointment will not take place: no calendar entry, no code to enter.
CALLED_OFF = (Booking.State.CANCELLED, Booking.State.EXPIRED)


def _can_change(booking: Booking) -> bool:
    """A booked appointment still ahead may be moved or cancelled by the citizen."""
    return booking.state == Booking.State.BOOKED and booking.start > timezone.now()


def _from_token(request, token: str):
    try:
        return services.booking_from_token(token), None
    except BookingError as exc:
        return None, _problem(request, str(exc))


@never_cache
def manage(request, token: str):
    """The confirmation page, and where the e-mail's link leads: cancel or reschedule."""
    booking, problem = _from_token(request, token)
    if problem:
        return problem
    day_value = request.GET.get("tag", "")
    chosen = services.services_of(booking)
    context = {
        "booking": booking,
        "token": token,
        "code": services.format_code(booking.code),
        "services_list": chosen,
        "new": request.GET.get("neu") == "1" and booking.state == Booking.State.BOOKED,
        "called_off": booking.state in CALLED_OFF,
        "can_change": _can_change(booking),
    }
    # The days to move to are computed only when the citizen asks for them: the confirmation
    # page every booking ends on does not read four weeks of claims (issue 26).
    context["moving"] = context["can_change"] and bool(day_value or request.GET.get("verschieben"))
    if context["moving"]:
        context["days"] = [
            {
                "day": d,
                "count": n,
                "url": reverse("appointments:manage", args=[token])
                + "?tag="
                + d.isoformat()
                + "#verschieben",
            }
            for d, n in services.bookable_days(booking.branch, chosen, limit=20)
        ]
        if day_value:
            try:
                day = _parse_day(day_value)
            except BookingError as exc:
                return _problem(request, str(exc))
            calendar = services.calendar_of(booking.branch)
            problem = _day_problem(booking.branch, day, calendar)
            if problem:
                return _problem(request, problem, back=reverse("appointments:manage", args=[token]))
            context["day"] = day
            context["slots"] = services.free_slots(
                booking.branch, chosen, day, exclude_booking=booking, calendar=calendar
            )
    return render(request, "appointments/manage.html", context)


@never_cache
@require_http_methods(["GET", "POST"])
def cancel(request, token: str):
    """Cancel after asking first: GET shows the appointment and what cancelling means (the
    time goes to others at once), POST cancels. Works without JavaScript."""
    booking, problem = _from_token(request, token)
    if problem:
        return problem
    if request.method == "GET":
        if not _can_change(booking):
            return redirect("appointments:manage", token=token)
        return render(
            request,
            "appointments/cancel.html",
            {
                "booking": booking,
                "token": token,
                "code": services.format_code(booking.code),
                "services_list": services.services_of(booking),
            },
        )
    try:
        services.cancel(booking, by="citizen")
    except BookingError as exc:
        return _problem(request, str(exc), back=reverse("appointments:manage", args=[token]))
    messages.success(request, _("Your appointment is cancelled. The slot is free for others."))
    return redirect("appointments:manage", token=token)


@require_POST
def move(request, token: str):
    booking, problem = _from_token(request, token)
    if problem:
        return problem
    back = reverse("appointments:manage", args=[token])
    try:
        start_at = services.parse_slot(booking.branch, request.POST.get("zeit", ""))
        services.reschedule(booking, start_at)
    except services.SlotTaken as exc:
        return _problem(request, str(exc), status=409, back=back)
    except BookingError as exc:
        return _problem(request, str(exc), back=back)
    messages.success(
        request, _("Your appointment has been moved. We have sent you a new confirmation.")
    )
    return redirect("appointments:manage", token=token)


def calendar_file(request, token: str):
    """The appointment as an .ics file; 410 Gone with a page saying so once it is called off
    (an old link must not put a cancelled appointment back into a calendar)."""
    booking, problem = _from_token(request, token)
    if problem:
        return problem
    if booking.state in CALLED_OFF:
        return _problem(
            request,
            _(
                "This appointment is cancelled, so there is no calendar entry for it any more. "
                "If you added it to your calendar, please delete it there."
            ),
            status=410,
            back=reverse("appointments:manage", args=[token]),
        )
    response = HttpResponse(
        services.ics(booking, request.build_absolute_uri("/")),
        content_type="text/calendar; charset=utf-8",
    )
    response["Content-Disposition"] = 'attachment; filename="termin.ics"'
    return response


def my_appointments(request):
    """A logged-in citizen's upcoming appointments."""
    if not request.user.is_authenticated:
        return redirect(f"{settings.LOGIN_URL}?next={request.path}")
    rows = [
        {"booking": b, "url": reverse("appointments:manage", args=[services.manage_token(b)])}
        for b in services.bookings_for_user(request.user)
    ]
    return render(request, "appointments/mine.html", {"rows": rows})


# -- kiosk ----------------------------------------------------------------------------------
def _site_branch(key: str) -> Branch:
    branch = services.tenant_branches().filter(location__key=key).first()
    if branch is None:
        raise Http404
    return branch


class CheckInForm(forms.Form):
    code = forms.CharField(label=gettext_lazy("Booking code"), max_length=20)


def kiosk(request, location: str):
    """The ticket terminal at the door: draw a number, or check in with a booking code."""
    branch = _site_branch(location)
    form = CheckInForm(request.POST or None)
    status = 200
    if request.method == "POST":
        if rate_limited(request, "checkin", _limit("APPOINTMENT_KIOSK_PER_HOUR", 600)):
            return _problem(
                request, _("Too many attempts. Please ask at the front desk."), status=429
            )
        if form.is_valid():
            try:
                ticket = services.check_in(branch, form.cleaned_data["code"])
            except BookingError as exc:
                form.add_error("code", str(exc))
            else:
                return redirect("appointments:ticket", token=ticket.token)
        status = 400
    walk_ins = branch.services.filter(walk_in=True)
    return render(
        request,
        "appointments/kiosk.html",
        {"branch": branch, "walk_ins": walk_ins, "form": form},
        status=status,
    )


@require_POST
def draw(request, location: str):
    branch = _site_branch(location)
    if rate_limited(request, "ticket", _limit("APPOINTMENT_KIOSK_PER_HOUR", 600)):
        return _problem(request, _("Too many attempts. Please ask at the front desk."), status=429)
    service = AppointmentService.objects.filter(key=request.POST.get("leistung", "")).first()
    if service is None:
        return _problem(
            request,
            _("Please choose a service."),
            back=reverse("appointments:kiosk", args=[location]),
        )
    try:
        ticket = services.draw_ticket(branch, service)
    except BookingError as exc:
        return _problem(request, str(exc), back=reverse("appointments:kiosk", args=[location]))
    return redirect("appointments:ticket", token=ticket.token)


def _ticket_context(ticket: Ticket) -> dict:
    ahead = Ticket.objects.filter(
        branch=ticket.branch,
        day=ticket.day,
        state=Ticket.State.WAITING,
        created_at__lt=ticket.created_at,
    ).count()
    return {
        "ticket": ticket,
        "ahead": ahead,
        "display_url": reverse("appointments:display", args=[ticket.branch.location.key]),
        "kiosk_url": reverse("appointments:kiosk", args=[ticket.branch.location.key]),
    }


def ticket(request, token: str):
    ticket = get_object_or_404(
        Ticket.objects.select_related("branch__location", "service", "booking"), token=token
    )
    return render(request, "appointments/ticket.html", _ticket_context(ticket))


def ticket_pdf(request, token: str):
    from weasyprint import HTML

    ticket = get_object_or_404(
        Ticket.objects.select_related("branch__location", "service", "booking"), token=token
    )
    html = render_to_string(
        "appointments/ticket_pdf.html", _ticket_context(ticket), request=request
    )
    pdf = HTML(string=html).write_pdf()
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="wartemarke-{ticket.number}.pdf"'
    return response


# -- call display ---------------------------------------------------------------------------
def display(request, location: str):
    """The waiting-room screen. With JavaScript it polls `display_json`; without, the page
    refreshes itself (meta refresh in <noscript>)."""
    branch = _site_branch(location)
    return render(
        request,
        "appointments/display.html",
        {"branch": branch, "state": services.display_state(branch)},
    )


@never_cache
def display_json(request, location: str):
    branch = _site_branch(location)
    return JsonResponse(services.display_state(branch))


# -- staff: the counter page ----------------------------------------------------------------
@staff.staff_required(*services.STAFF_ROLES)
def counters(request):
    rows = list(services.counters_for(request.user))
    return render(request, "appointments/counters.html", {"counters": rows})


def _staff_counter(request, pk: int) -> Counter:
    counter = services.counters_for(request.user).filter(pk=pk).first()
    if counter is None:
        raise Http404  # not one of your locations
    return counter


@staff.staff_required(*services.STAFF_ROLES)
def counter_page(request, pk: int):
    """The counter's own page. While nobody is at the counter, it reloads itself every
    COUNTER_REFRESH seconds so the queue stays current (no JavaScript needed); with
    ?auto=0 it does not (WCAG 2.2.1: updates can be switched off)."""
    counter = _staff_counter(request, pk)
    context = _counter_context(counter)
    context["auto"] = request.GET.get("auto") != "0" and context["current"] is None
    context["refresh"] = COUNTER_REFRESH
    response = render(request, "appointments/counter.html", context)
    if context["auto"]:
        response["Refresh"] = str(COUNTER_REFRESH)
    return response


COUNTER_REFRESH = 20  # seconds


def _counter_context(counter: Counter) -> dict:
    current = services.current_ticket(counter)
    others = Counter.objects.filter(branch=counter.branch, active=True).exclude(pk=counter.pk)
    if current is not None:
        others = others.filter(services=current.service)
    return {
        "counter": counter,
        "current": current,
        "queue": services.waiting(counter)[:30],
        "others": others,
        "display_url": reverse("appointments:display", args=[counter.branch.location.key]),
    }


@require_POST
@staff.staff_required(*services.STAFF_ROLES)
def counter_action(request, pk: int):
    counter = _staff_counter(request, pk)
    action = request.POST.get("action", "")
    ticket_id = id_param(request.POST.get("ticket")) or 0
    try:
        if action == "next":
            called = services.call_next(counter)
            if called is None:
                messages.info(request, _("Nobody is waiting for this counter."))
            else:
                messages.success(request, _("Called %(number)s.") % {"number": called.number})
        elif action == "recall":
            services.recall(counter, ticket_id)
        elif action == "done":
            services.finish(counter, ticket_id)
        elif action == "no_show":
            services.no_show(counter, ticket_id)
        elif action == "transfer":
            target = Counter.objects.filter(
                pk=id_param(request.POST.get("target")) or 0, branch=counter.branch
            ).first()
            if target is None:
                raise BookingError(_("Choose another counter of this location."))
            services.transfer(counter, ticket_id, target)
        else:
            raise BookingError(_("Unknown action."))
    except BookingError as exc:
        context = _counter_context(counter)
        context["error"] = str(exc)
        return render(request, "appointments/counter.html", context, status=400)
    return redirect("appointments:counter", pk=counter.pk)
