"""The Eltern-Portal (/kita/meine/): a parent with a citizen account manages their children,
applies for a Kita place with ranked wishes, answers offers and sets alerts for free places.

Every object is looked up together with the logged-in parent: another parent's child,
application, offer or alert answers 404. Works without JavaScript (plain forms, POST with
CSRF); refused input answers 400 with the message in the form (docs/capacity.md).
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db import IntegrityError
from django.db.models import Prefetch
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods, require_POST

from openkreis.core.models import Region

from . import services
from .forms import AlertForm, ApplicationForm, ChildForm, month_choices
from .models import Application, Child, Kita, Offer, PlaceAlert, age_group_at

CRITERIA_LABELS = {
    "residence": gettext_lazy("lives in the Kita's municipality"),
    "sibling": gettext_lazy("sibling at the Kita"),
    "hardship": gettext_lazy("social hardship"),
    "single_parent": gettext_lazy("single parent"),
    "working_parents": gettext_lazy("working or studying parents"),
}


def _private(response):
    response["Cache-Control"] = "private, no-store"
    return response


def _page(request, template: str, context: dict, status: int = 200):
    return _private(render(request, f"capacity/parents/{template}", context, status=status))


def _municipalities():
    return Region.objects.filter(kind=Region.Kind.MUNICIPALITY).order_by("name")


def _kitas():
    return Kita.objects.filter(active=True).order_by("town", "name")


def _child(request, pk: int) -> Child:
    return get_object_or_404(Child, pk=pk, parent=request.user)


# -- plain-language texts ---------------------------------------------------------------------


def status_text(application: Application | None, offer: Offer | None = None) -> str:
    """The state of a child's application in plain language."""
    if application is None:
        return _("No application yet.")
    month = application.start_month.strftime("%m/%Y")
    if application.status == Application.Status.SUBMITTED:
        return _(
            "Applied for a start in %(month)s. The application waits for the next allocation round."
        ) % {"month": month}
    if application.status == Application.Status.OFFERED and offer is not None:
        return _("A place is offered at %(kita)s. Please answer by %(deadline)s.") % {
            "kita": offer.group.kita.name,
            "deadline": timezone.localtime(offer.deadline).strftime("%d.%m.%Y, %H:%M"),
        }
    if application.status == Application.Status.PLACED:
        accepted = next(
            (o for o in application.offers.all() if o.status == Offer.Status.ACCEPTED), None
        )
        if accepted is not None:
            return _("Place accepted: %(kita)s from %(month)s.") % {
                "kita": accepted.group.kita.name,
                "month": accepted.month.strftime("%m/%Y"),
            }
        return _("Place accepted.")
    if application.status == Application.Status.WITHDRAWN:
        return _("The application was withdrawn.")
    return application.get_status_display()


def explanation_lines(offer: Offer) -> list[str]:
    """Why each better wish was not met, from `Offer.explanation` (services._reason_data):
    compared with the last child admitted there, never naming it."""
    reasons = offer.explanation or []
    kitas = Kita.objects.in_bulk([r.get("kita") for r in reasons])
    ranks = {w.kita_id: w.rank for w in offer.application.wishes.all()}
    lines = []
    for index, reason in enumerate(reasons, 1):
        kita = kitas.get(reason.get("kita"))
        facts = {
            "rank": ranks.get(reason.get("kita"), index),
            "kita": kita.name if kita else _("a Kita"),
            "yours": reason.get("your_points", 0),
            "cutoff": reason.get("cutoff_points", 0),
        }
        code = reason.get("code")
        if code == "priority":
            missing = [str(CRITERIA_LABELS.get(c, c)) for c in reason.get("missing", [])]
            facts["missing"] = ", ".join(missing)
            if missing:
                text = _(
                    "Your %(rank)s. wish (%(kita)s): the places went to children with more "
                    "points (%(missing)s). Your child had %(yours)s points; places were given "
                    "from %(cutoff)s points."
                )
            else:
                text = _(
                    "Your %(rank)s. wish (%(kita)s): the places went to children with more "
                    "points. Your child had %(yours)s points; places were given from "
                    "%(cutoff)s points."
                )
        elif code == "date":
            text = _(
                "Your %(rank)s. wish (%(kita)s): the children there had the same points "
                "(%(yours)s); the places went to earlier applications."
            )
        elif code == "lottery":
            text = _(
                "Your %(rank)s. wish (%(kita)s): same points and same application date; the "
                "lottery decided. The draw is stored and can be checked."
            )
        else:
            text = _(
                "Your %(rank)s. wish (%(kita)s): this Kita had no free place in the age "
                "group in this round."
            )
        lines.append(text % facts)
    return lines


# -- overview ---------------------------------------------------------------------------------


@login_required
def home(request):
    """ "Meine Kita-Anmeldungen": open offers (deadline first), the children with the state of
    their applications, the alerts."""
    offers = list(
        Offer.objects.filter(application__child__parent=request.user, status=Offer.Status.OPEN)
        .select_related("application__child", "group__kita")
        .order_by("deadline")
    )
    open_by_app = {o.application_id: o for o in offers}
    children = Child.objects.filter(parent=request.user).prefetch_related(
        Prefetch(
            "applications",
            queryset=Application.objects.order_by("-applied_at", "-id").prefetch_related(
                "wishes__kita", "offers__group__kita"
            ),
        )
    )
    rows = []
    for child in children:
        applications = list(child.applications.all())
        current = applications[0] if applications else None
        rows.append(
            {
                "child": child,
                "application": current,
                "active": current is not None and current.status in Application.ACTIVE,
                "can_apply": current is None or current.status == Application.Status.WITHDRAWN,
                "status": status_text(current, open_by_app.get(current.pk) if current else None),
            }
        )
    alerts = PlaceAlert.objects.filter(user=request.user).select_related("municipality")
    return _page(
        request,
        "home.html",
        {
            "offers": offers,
            "rows": rows,
            "alerts": alerts,
            "alert_form": AlertForm(municipalities=services.municipalities_with_kitas()),
        },
    )


# -- children ---------------------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def child_edit(request, pk: int | None = None):
    child = _child(request, pk) if pk is not None else None
    form = ChildForm(
        request.POST or None,
        instance=child,
        kitas=_kitas(),
        municipalities=_municipalities(),
    )
    status = 200
    if request.method == "POST":
        if form.is_valid():
            saved = form.save(commit=False)
            saved.parent = request.user
            saved.save()
            form.save_m2m()
            messages.success(
                request,
                _("The details of %(name)s are saved.") % {"name": saved.first_name},
            )
            return redirect("capacity:parents_home")
        status = 400
    return _page(request, "child_form.html", {"form": form, "child": child}, status)


@login_required
@require_http_methods(["GET", "POST"])
def child_delete(request, pk: int):
    child = _child(request, pk)
    active = child.applications.filter(status__in=Application.ACTIVE).exists()
    if request.method == "POST" and not active:
        name = child.first_name
        child.delete()
        messages.success(request, _("The details of %(name)s are deleted.") % {"name": name})
        return redirect("capacity:parents_home")
    status = 400 if request.method == "POST" else 200
    return _page(request, "child_delete.html", {"child": child, "active": active}, status)


# -- applications -----------------------------------------------------------------------------


def kitas_for(child: Child):
    """The active Kitas with a group for the age the child has in one of the start months."""
    first = services.first_of_month(timezone.localdate())
    months = [services.add_months(first, i) for i in range(len(month_choices()))]
    groups = {age_group_at(child.birth_date, month) for month in months}
    return _kitas().filter(groups__age_group__in=groups).distinct()


@login_required
@require_http_methods(["GET", "POST"])
def apply(request, pk: int):
    child = _child(request, pk)
    if child.applications.filter(status__in=Application.ACTIVE).exists():
        messages.info(
            request, _("%(name)s already has an open application.") % {"name": child.first_name}
        )
        return redirect("capacity:parents_home")
    rules = services.county_rules()
    form = ApplicationForm(
        request.POST or None, kitas=kitas_for(child), max_wishes=rules.max_wishes
    )
    status = 200
    if request.method == "POST":
        if form.is_valid():
            data = form.cleaned_data
            try:
                services.apply(
                    child,
                    start_month=data["start"],
                    hours=data["hours"],
                    kitas=data["kitas"],
                    flags=data["flags"],
                )
            except (services.CapacityError, IntegrityError) as error:
                message = (
                    str(error)
                    if isinstance(error, services.CapacityError)
                    else _("This child already has an open application.")
                )
                form.add_error(None, message)
            else:
                messages.success(
                    request,
                    _(
                        "The application for %(name)s is received. Places are allocated in "
                        "rounds; you get a message in your mailbox when a place is offered."
                    )
                    % {"name": child.first_name},
                )
                return redirect("capacity:parents_home")
        status = 400
    return _page(
        request,
        "apply.html",
        {"form": form, "child": child, "max_wishes": rules.max_wishes},
        status,
    )


@login_required
@require_http_methods(["GET", "POST"])
def withdraw(request, pk: int):
    application = get_object_or_404(
        Application.objects.select_related("child"), pk=pk, child__parent=request.user
    )
    error = ""
    if request.method == "POST":
        try:
            services.withdraw(application, parent=request.user)
        except services.CapacityError as refused:
            error = str(refused)
        else:
            messages.success(request, _("The application is withdrawn."))
            return redirect("capacity:parents_home")
    return _page(
        request,
        "withdraw.html",
        {"application": application, "error": error},
        400 if error else 200,
    )


# -- offers -----------------------------------------------------------------------------------


def _offer(request, pk: int) -> Offer:
    return get_object_or_404(
        Offer.objects.select_related("application__child", "group__kita__municipality"),
        pk=pk,
        application__child__parent=request.user,
    )


def _answer(request, pk: int, act, done: str, then):
    """The parent's offer and, on POST, the answer `act` (services.accept or decline):
    returns (offer, error, response) — the response is the redirect `then(offer)` after a
    success; a refusal (CapacityError) comes back as the error to show with status 409."""
    found = _offer(request, pk)
    if request.method != "POST":
        return found, "", None
    try:
        act(found, parent=request.user)
    except services.CapacityError as refused:
        found.refresh_from_db()
        return found, str(refused), None
    messages.success(request, done)
    return found, "", then(found)


@login_required
@require_http_methods(["GET", "POST"])
def offer(request, pk: int):
    """The offer: Kita, group, start, deadline, why better wishes were not met; Annehmen."""
    found, error, done = _answer(
        request,
        pk,
        services.accept,
        _("You accepted the place. A confirmation is in your mailbox."),
        lambda o: redirect("capacity:parents_offer", pk=o.pk),
    )
    if done:
        return done
    return _page(
        request,
        "offer.html",
        {
            "offer": found,
            "reasons": explanation_lines(found),
            "error": error,
            "is_open": found.status == Offer.Status.OPEN and found.deadline >= timezone.now(),
        },
        409 if error else 200,
    )


@login_required
@require_http_methods(["GET", "POST"])
def decline(request, pk: int):
    """Decline: a confirmation page first; the POST declines."""
    found, error, done = _answer(
        request,
        pk,
        services.decline,
        _(
            "You declined the place. Your application takes part in the next round "
            "with your other wishes."
        ),
        lambda _o: redirect("capacity:parents_home"),
    )
    if done:
        return done
    return _page(request, "decline.html", {"offer": found, "error": error}, 409 if error else 200)


# -- alerts -----------------------------------------------------------------------------------


@login_required
@require_POST
def alert_add(request):
    form = AlertForm(request.POST, municipalities=services.municipalities_with_kitas())
    if not form.is_valid():
        return _page(request, "alert_error.html", {"form": form}, 400)
    _alert, created = PlaceAlert.objects.get_or_create(
        user=request.user,
        age_group=form.cleaned_data["age_group"],
        municipality=form.cleaned_data["municipality"],
    )
    messages.success(
        request,
        _("We will tell you when places free up.")
        if created
        else _("You already get this notification."),
    )
    return redirect("capacity:parents_home")


@login_required
@require_POST
def alert_delete(request, pk: int):
    get_object_or_404(PlaceAlert, pk=pk, user=request.user).delete()
    messages.success(request, _("The notification is switched off."))
    return redirect("capacity:parents_home")
