"""Doctor slots and holiday rooms (/freie-termine/): residents search and book slots, join a
practice's waiting list and cancel by the link in their e-mail; guests search rooms and
send a request to the host; practice staff and hosts (normal accounts listed as managers)
publish slots and free dates. Every page works without JavaScript; bad input is a 400 with
the form's messages, too many requests a 429."""

from __future__ import annotations

import os

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from openkreis.core import ratelimit
from openkreis.core.net import client_ip

from . import feeds, ical, providers
from .models_providers import DoctorSlot, Host, Practice, Room, RoomPeriod, SlotBooking
from .provider_forms import (
    BookForm,
    CalendarFeedForm,
    CalendarUploadForm,
    PeriodForm,
    RoomCalendarUploadForm,
    RoomRequestForm,
    RoomSearchForm,
    SlotForm,
    SlotSearchForm,
    WaitlistForm,
)

T = "capacity/providers/"


def _limit(name: str, default: int) -> int:
    return int(getattr(settings, name, os.environ.get(f"OPENKREIS_{name}", default)))


def rate_limited(request, action: str, per_hour: int) -> bool:
    """A fixed one-hour window per client address and action in the shared cache (as the
    appointments and portal pages do): True once the client has used up its allowance."""
    key = f"providers-rate:{action}:{client_ip(request) or 'unknown'}"
    return ratelimit.window_count(key, 3600) > per_hour


def _too_many(request, template: str, context: dict):
    context["problem"] = _("Too many requests from your connection. Please try again later.")
    return render(request, T + template, context, status=429)


# -- residents: doctor slots -----------------------------------------------------------------
@require_GET
def index(request):
    return render(request, T + "index.html")


@require_GET
def slots(request):
    municipalities = providers.municipalities_with("practices")
    form = SlotSearchForm(request.GET or None, municipalities=municipalities)
    results, status, practices = None, 200, providers.practices_for()
    if form.is_bound:
        if form.is_valid():
            data = form.cleaned_data
            results = list(providers.free_slots(data["fach"], data["gemeinde"], data["tag"])[:100])
            practices = providers.practices_for(data["fach"], data["gemeinde"])
        else:
            status = 400
    else:
        results = list(providers.free_slots()[:30])
    return render(
        request,
        T + "slots.html",
        {"form": form, "results": results, "practices": practices},
        status=status,
    )


@require_http_methods(["GET", "POST"])
def book(request, slot_id: int):
    slot = get_object_or_404(
        DoctorSlot.objects.select_related("practice"), pk=slot_id, practice__active=True
    )
    form = BookForm(request.POST or None)
    taken = providers.is_taken(slot)
    context = {"slot": slot, "form": form, "taken": taken}
    if request.method == "POST":
        if rate_limited(request, "book", _limit("PROVIDERS_BOOKINGS_PER_HOUR", 20)):
            return _too_many(request, "book.html", context)
        if not form.is_valid():
            return render(request, T + "book.html", context, status=400)
        try:
            booking = providers.book(
                slot.pk,
                form.cleaned_data["name"],
                form.cleaned_data["email"],
                user=request.user,
                base_url=request.build_absolute_uri("/")[:-1],
            )
        except providers.SlotTaken as exc:
            context.update(problem=str(exc), taken=True)
            return render(request, T + "book.html", context, status=409)
        except providers.BookingError as exc:
            context["problem"] = str(exc)
            return render(request, T + "book.html", context, status=400)
        return redirect("providers:booking", token=providers.cancel_token(booking))
    return render(request, T + "book.html", context)


@require_http_methods(["GET", "POST"])
def booking(request, token: str):
    """The resident's booking, by the link in the e-mail; cancel with a POST."""
    found = providers.booking_from_token(token)
    if found is None:
        return render(
            request,
            T + "booking.html",
            {"problem": _("This link is not valid (any more).")},
            status=404,
        )
    if request.method == "POST":
        if providers.cancel(found, base_url=request.build_absolute_uri("/")[:-1]):
            messages.success(request, _("Your appointment is cancelled. The slot is free again."))
        return redirect("providers:booking", token=token)
    return render(
        request, T + "booking.html", {"booking": found, "slot": found.slot, "token": token}
    )


@require_GET
def booking_ics(request, token: str):
    """The booked appointment as an iCalendar file (the same as the e-mail's attachment)."""
    found = providers.booking_from_token(token)
    if found is None or found.state != SlotBooking.State.BOOKED:
        raise Http404(_("This link is not valid (any more)."))
    response = HttpResponse(providers.slot_ics(found), content_type="text/calendar")
    response["Content-Disposition"] = 'attachment; filename="termin.ics"'
    response["Cache-Control"] = "private, no-store"
    return response


@require_http_methods(["GET", "POST"])
def waitlist(request, key: str):
    practice = get_object_or_404(Practice, key=key, active=True)
    form = WaitlistForm(request.POST or None)
    context = {"practice": practice, "form": form}
    if request.method == "POST":
        if rate_limited(request, "waitlist", _limit("PROVIDERS_WAITLIST_PER_HOUR", 10)):
            return _too_many(request, "waitlist.html", context)
        if not form.is_valid():
            return render(request, T + "waitlist.html", context, status=400)
        providers.join_waitlist(practice, form.cleaned_data["name"], form.cleaned_data["email"])
        context["done"] = True
    return render(request, T + "waitlist.html", context)


# -- guests: holiday rooms ---------------------------------------------------------------------
@require_GET
def rooms(request):
    municipalities = providers.municipalities_with("hosts")
    form = RoomSearchForm(request.GET or None, municipalities=municipalities)
    results, status = None, 200
    if form.is_bound:
        if form.is_valid():
            data = form.cleaned_data
            results = providers.free_rooms(
                data["anreise"], data["abreise"], data["personen"], data["gemeinde"]
            )
        else:
            status = 400
    return render(request, T + "rooms.html", {"form": form, "results": results}, status=status)


@require_http_methods(["GET", "POST"])
def room_request(request, room_id: int):
    room = get_object_or_404(Room.objects.select_related("host"), pk=room_id, host__active=True)
    initial = {
        "arrival": request.GET.get("anreise"),
        "departure": request.GET.get("abreise"),
        "persons": request.GET.get("personen"),
    }
    form = RoomRequestForm(request.POST or None, room=room, initial=initial)
    context = {"room": room, "form": form}
    if request.method == "POST":
        if rate_limited(request, "room", _limit("PROVIDERS_ROOM_REQUESTS_PER_HOUR", 10)):
            return _too_many(request, "room_request.html", context)
        if not form.is_valid():
            return render(request, T + "room_request.html", context, status=400)
        data = form.cleaned_data
        if not providers.room_is_free(room, data["arrival"], data["departure"]):
            context["problem"] = _(
                "The room is not free for these dates. Please choose other dates or another room."
            )
            return render(request, T + "room_request.html", context, status=409)
        providers.send_room_request(room, data)
        context["done"] = True
    return render(request, T + "room_request.html", context)


# -- practice staff and hosts ------------------------------------------------------------------
def _managed_practice(request, key: str) -> Practice:
    practice = get_object_or_404(Practice, key=key)
    if not practice.managers.filter(pk=request.user.pk).exists():
        raise PermissionDenied(_("You do not manage this practice."))
    return practice


def _managed_host(request, key: str) -> Host:
    host = get_object_or_404(Host, key=key)
    if not host.managers.filter(pk=request.user.pk).exists():
        raise PermissionDenied(_("You do not manage this accommodation."))
    return host


@login_required
@require_GET
def mine(request):
    return render(
        request,
        T + "mine.html",
        {
            "practices": providers.managed_practices(request.user),
            "hosts": providers.managed_hosts(request.user),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def practice_manage(request, key: str):
    practice = _managed_practice(request, key)
    slot_form = SlotForm(prefix="slot")
    upload_form = CalendarUploadForm(prefix="ics")
    feed_form = CalendarFeedForm(prefix="feed", initial={"url": practice.calendar_url})
    status = 200
    if request.method == "POST":
        action = request.POST.get("action")
        if action == "feed":
            feed_form = CalendarFeedForm(request.POST, prefix="feed")
            if feed_form.is_valid() and _subscribe(request, practice, feed_form):
                return redirect("providers:practice_manage", key=key)
            status = 400
        elif action == "add":
            slot_form = SlotForm(request.POST, prefix="slot")
            if slot_form.is_valid():
                data = slot_form.cleaned_data
                if providers.add_slot(practice, data["start"], data["minutes"]):
                    messages.success(request, _("The slot is published."))
                else:
                    messages.info(request, _("There is a slot at this time already."))
                return redirect("providers:practice_manage", key=key)
            status = 400
        elif action == "import":
            upload_form = CalendarUploadForm(request.POST, request.FILES, prefix="ics")
            if upload_form.is_valid():
                try:
                    n = providers.import_slots(practice, upload_form.cleaned_data["file"])
                except ical.ICalError as exc:
                    upload_form.add_error("file", str(exc))
                    status = 400
                else:
                    messages.success(request, _("%(n)s new slots imported.") % {"n": n})
                    return redirect("providers:practice_manage", key=key)
            else:
                status = 400
        elif action == "remove":
            slot = get_object_or_404(
                DoctorSlot, pk=_int(request.POST.get("slot")), practice=practice
            )
            if providers.remove_slot(slot):
                messages.success(request, _("The slot is removed."))
            else:
                messages.error(request, _("This slot is booked. Cancel the booking first."))
            return redirect("providers:practice_manage", key=key)
        elif action == "cancel":
            found = get_object_or_404(
                SlotBooking, pk=_int(request.POST.get("booking")), slot__practice=practice
            )
            providers.cancel(found, base_url=request.build_absolute_uri("/")[:-1], by="practice")
            messages.success(request, _("The booking is cancelled; the slot is free again."))
            return redirect("providers:practice_manage", key=key)
        else:
            return render(
                request, T + "problem.html", {"problem": _("Unknown action.")}, status=400
            )
    upcoming = (
        DoctorSlot.objects.filter(practice=practice, start__gte=timezone.now())
        .prefetch_related("bookings")
        .order_by("start")[:200]
    )
    rows = [
        (s, next((b for b in s.bookings.all() if b.state == SlotBooking.State.BOOKED), None))
        for s in upcoming
    ]
    return render(
        request,
        T + "practice_manage.html",
        {
            "practice": practice,
            "rows": rows,
            "slot_form": slot_form,
            "upload_form": upload_form,
            "feed_form": feed_form,
            "waiting": practice.waiting.filter(notified_at=None).count(),
        },
        status=status,
    )


def _int(value) -> int:
    try:
        return int(value)
    except (TypeError, ValueError):
        return 0


@login_required
@require_http_methods(["GET", "POST"])
def host_manage(request, key: str):
    host = _managed_host(request, key)
    forms = {
        room.pk: (
            PeriodForm(prefix=f"p{room.pk}"),
            RoomCalendarUploadForm(prefix=f"i{room.pk}"),
            CalendarFeedForm(prefix=f"f{room.pk}", initial={"url": room.calendar_url}),
        )
        for room in host.rooms.all()
    }
    status = 200
    if request.method == "POST":
        room = get_object_or_404(Room, pk=_int(request.POST.get("room")), host=host)
        action = request.POST.get("action")
        if action == "period":
            form = PeriodForm(request.POST, prefix=f"p{room.pk}")
            if form.is_valid():
                providers.add_period(room, form.cleaned_data["first"], form.cleaned_data["until"])
                messages.success(request, _("The free dates are saved."))
                return redirect("providers:host_manage", key=key)
            forms[room.pk] = (form, *forms[room.pk][1:])
            status = 400
        elif action == "import":
            form = RoomCalendarUploadForm(request.POST, request.FILES, prefix=f"i{room.pk}")
            if form.is_valid():
                try:
                    n = providers.import_busy(room, form.cleaned_data["file"])
                except ical.ICalError as exc:
                    form.add_error("file", str(exc))
                else:
                    messages.success(request, _("%(n)s booked periods imported.") % {"n": n})
                    return redirect("providers:host_manage", key=key)
            forms[room.pk] = (forms[room.pk][0], form, forms[room.pk][2])
            status = 400
        elif action == "feed":
            form = CalendarFeedForm(request.POST, prefix=f"f{room.pk}")
            if form.is_valid() and _subscribe(request, room, form):
                return redirect("providers:host_manage", key=key)
            forms[room.pk] = (*forms[room.pk][:2], form)
            status = 400
        elif action == "delete":
            get_object_or_404(RoomPeriod, pk=_int(request.POST.get("period")), room=room).delete()
            messages.success(request, _("The period is deleted."))
            return redirect("providers:host_manage", key=key)
        else:
            return render(
                request, T + "problem.html", {"problem": _("Unknown action.")}, status=400
            )
    rooms = [(room, room.periods.order_by("first"), *forms[room.pk]) for room in host.rooms.all()]
    return render(request, T + "host_manage.html", {"host": host, "rooms": rooms}, status=status)


def _subscribe(request, obj, form) -> bool:
    """Save the feed address after one successful fetch (or end the subscription); False
    with the problem on the form."""
    url = form.cleaned_data["url"]
    if not url:
        type(obj).objects.filter(pk=obj.pk).update(calendar_url="", calendar_error="")
        messages.success(request, _("The calendar is no longer read."))
        return True
    previous = obj.calendar_url
    obj.calendar_url = url
    try:
        result = feeds.refresh(obj)
    except (feeds.FeedError, ical.ICalError) as exc:
        obj.calendar_url = previous
        type(obj).objects.filter(pk=obj.pk).update(calendar_url=previous)
        form.add_error("url", str(exc))
        return False
    type(obj).objects.filter(pk=obj.pk).update(calendar_url=url)
    if isinstance(result, tuple):
        messages.success(
            request,
            _("Calendar saved and read: %(new)s new slots, %(gone)s withdrawn.")
            % {"new": result[0], "gone": result[1]},
        )
    else:
        messages.success(
            request, _("Calendar saved and read: %(n)s booked periods.") % {"n": result}
        )
    return True


def manage_url(practice: Practice) -> str:
    return reverse("providers:practice_manage", kwargs={"key": practice.key})
