"""Mängelmelder pages: the resident's form (works without JavaScript), the public list and
report pages (no personal data), and the back office for the responsible units."""

from __future__ import annotations

from functools import wraps

from django.contrib import messages
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.core.paginator import Paginator
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.functional import cached_property
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.utils.translation import ngettext, pgettext
from django.views.decorators.http import require_http_methods

from openkreis.core.net import client_ip
from openkreis.core.params import id_param
from openkreis.core.staff import staff_required

from . import services, workflow
from .forms import (
    AffectedForm,
    AssignForm,
    BulkForm,
    ForwardForm,
    MergeForm,
    NoteForm,
    ReportForm,
    StatusForm,
    new_key,
)
from .map import inbox_filter, map_context
from .models import Photo, Report
from .photos import CleanPhoto
from .staff_forms import SplitForm

STAFF = services.STAFF_ROLES
PAGE_SIZE = 25
# the public list counts at most this many pages beyond the one shown (BoundedPaginator)
PAGES_AHEAD = 10


class BoundedPaginator(Paginator):
    """A paginator that counts only as far as it needs: the rows up to `pages_ahead` pages
    beyond the requested one (a COUNT over a LIMIT subquery). The public list's plain
    COUNT(*) read every one of 100,000 reports on every request (bench/reports.py); nobody
    needs "Seite 1 von 4000" to go to the next page. `exact` says whether `num_pages` is the
    real number of pages or only a lower bound ("more than"). A page number beyond the
    end, or not a number, counts everything once (a bad link) and gives the last or the
    first page, as Django's Paginator does."""

    def __init__(self, object_list, per_page, number, pages_ahead: int = PAGES_AHEAD):
        super().__init__(object_list, per_page)
        try:
            self.wanted = int(number)
        except (TypeError, ValueError, OverflowError):
            self.wanted = 1
        self.pages_ahead = pages_ahead
        self.exact = True

    @cached_property
    def count(self) -> int:
        limit = (self.wanted + self.pages_ahead) * self.per_page
        if self.wanted < 1 or limit > 10**9:  # a page no list has: count them all
            return super().count
        found = self.object_list.order_by().values("pk")[: limit + 1].count()
        if found > limit:
            self.exact = False
            return limit
        return found


def _rate_limited(request, email: str) -> bool:
    ip = client_ip(request) or "unknown"
    if services.over_limit("ip", ip, services.limit_setting("PER_IP_HOUR", 20)):
        return True
    return bool(email) and services.email_over_limit(email)


# -- photos kept between the duplicate proposal and the final send ----------------------------
def _pending_dir(key: str) -> str:
    return f"reports/pending/{key}"


def _stash(key: str, photos: list[CleanPhoto]) -> None:
    for index, photo in enumerate(photos):
        name = f"{_pending_dir(key)}/{index}-{photo.width}x{photo.height}.jpg"
        if not default_storage.exists(name):
            default_storage.save(name, ContentFile(photo.data))


def _unstash(key: str) -> list[CleanPhoto]:
    try:
        _dirs, files = default_storage.listdir(_pending_dir(key))
    except FileNotFoundError:
        return []
    photos = []
    for name in sorted(files)[: services.MAX_PHOTOS]:
        size = name.split("-", 1)[1].removesuffix(".jpg")
        width, height = (int(v) for v in size.split("x"))
        with default_storage.open(f"{_pending_dir(key)}/{name}") as fh:
            photos.append(CleanPhoto(fh.read(), width, height, None, None))
    return photos


def _drop_stash(key: str) -> None:
    try:
        _dirs, files = default_storage.listdir(_pending_dir(key))
    except FileNotFoundError:
        return
    for name in files:
        default_storage.delete(f"{_pending_dir(key)}/{name}")


# -- the resident -------------------------------------------------------------------------------
# The site's Permissions-Policy (core's SecurityHeadersMiddleware, set only when a view has
# not) forbids geolocation everywhere; the form's "use my position" button needs it here.
FORM_PERMISSIONS = "camera=(), microphone=(), geolocation=(self), payment=()"


def _allow_position(view):
    @wraps(view)
    def wrapped(request, *args, **kwargs):
        response = view(request, *args, **kwargs)
        response["Permissions-Policy"] = FORM_PERMISSIONS
        return response

    return wrapped


@require_http_methods(["GET", "POST"])
@_allow_position
def report_form(request):
    user = request.user if request.user.is_authenticated else None
    if request.method != "POST":
        form = ReportForm(initial={"key": new_key()}, user=user)
        return render(request, "reports/form.html", {"form": form, **map_context()})
    form = ReportForm(request.POST, request.FILES, user=user)
    context = {"form": form, **map_context()}
    if not form.is_valid():
        return render(request, "reports/form.html", context, status=400)
    data = form.cleaned_data
    key = data["key"]
    already = Report.objects.filter(idempotency_key=key).first()
    if already is not None:  # a resend (double tap, reload, a queued retry)
        return redirect("reports:thanks", public_id=already.public_id)
    email = data.get("email") or ""
    photos = data["photos"] or _unstash(key)
    try:
        area = services.locate(data["lat"], data["lon"], data.get("area"))
    except services.ReportError as exc:
        form.add_error("area" if data["lat"] is None else None, str(exc))
        return render(request, "reports/form.html", context, status=400)
    nearby = []
    if not request.POST.get("new"):
        nearby = services.nearby_open(
            data["category"], data["lat"], data["lon"], area=area, street=data.get("street", "")
        )
    if nearby:
        _stash(key, data["photos"])
        shown = request.POST.copy()
        shown["lat"] = "" if data["lat"] is None else data["lat"]
        shown["lon"] = "" if data["lon"] is None else data["lon"]
        context.update(
            form=ReportForm(shown, user=user),
            nearby=nearby,
            kept_photos=len(photos),
            affected_email=email,
        )
        return render(request, "reports/form.html", context)
    if _rate_limited(request, email):
        form.add_error(
            None, _("Too many reports from here in the last hour. Please try again later.")
        )
        return render(request, "reports/form.html", context, status=429)
    try:
        report, _created = services.submit(
            services.Submission(
                category=data["category"],
                description=data["description"],
                area=area,
                lat=data["lat"],
                lon=data["lon"],
                street=data.get("street", ""),
                place=data.get("place", ""),
                email=email,
                user=user,
                photos=photos,
                idempotency_key=key,
            )
        )
    except services.ReportError as exc:
        form.add_error(None, str(exc))
        return render(request, "reports/form.html", context, status=400)
    _drop_stash(key)
    return redirect("reports:thanks", public_id=report.public_id)


def thanks(request, public_id: str):
    report = get_object_or_404(
        Report.objects.select_related("category", "area__region"), public_id=public_id
    )
    return render(request, "reports/thanks.html", {"report": report})


@require_http_methods(["POST"])
def affected(request, public_id: str):
    report = get_object_or_404(Report, public_id=public_id)
    form = AffectedForm(request.POST)
    user = request.user if request.user.is_authenticated else None
    if not form.is_valid() or (user is None and not form.cleaned_data.get("email")):
        messages.error(request, _("Please give a valid e-mail address, or log in."))
        return redirect("reports:detail", public_id=public_id)
    email = form.cleaned_data.get("email") or ""
    if _rate_limited(request, email):
        messages.error(
            request, _("Too many reports from here in the last hour. Please try again later.")
        )
        return redirect("reports:detail", public_id=public_id)
    try:
        services.add_follower(report, user=user, email=email)
    except services.ReportError as exc:
        messages.error(request, str(exc))
        return redirect("reports:detail", public_id=public_id)
    key = request.POST.get("key", "")
    if key:
        _drop_stash(key[:64])
    messages.success(
        request, _("Thank you. You will get the same updates as the person who reported it.")
    )
    return redirect("reports:detail", public_id=public_id)


def public_list(request):
    reports = Report.objects.select_related("category", "area__region")
    area_id = id_param(request.GET.get("gemeinde"))
    category_id = id_param(request.GET.get("kategorie"))
    state = request.GET.get("status", "")
    if area_id:
        reports = reports.filter(area_id=area_id)
    if category_id:
        reports = reports.filter(category_id=category_id)
    if state == "offen":
        reports = reports.exclude(status__in=workflow.DONE)
    elif state == "erledigt":
        reports = reports.filter(status__in=workflow.DONE)
    number = request.GET.get("seite")
    ordered = reports.order_by("-created_at", "-id")
    page = BoundedPaginator(ordered, PAGE_SIZE, number, PAGES_AHEAD).get_page(number)
    params = {
        k: v
        for k, v in (
            ("gemeinde", area_id),
            ("kategorie", category_id),
            ("status", state if state in ("offen", "erledigt") else ""),
        )
        if v
    }
    return render(
        request,
        "reports/list.html",
        {
            "page": page,
            "areas": services.areas().defer("geometry"),  # the filter needs names, no polygons
            "categories": services.categories_for(),
            "area_id": area_id,
            "category_id": category_id,
            "state": params.get("status", ""),
            "params": urlencode(params),
            "transparency": _transparency(),
            **map_context(map_params=urlencode(params)),
        },
    )


def _transparency() -> list[dict]:
    """The public 'Transparenz' line: median days to fix per category (k ≥ 5 or hidden)."""
    labels = {c.pk: c.label for c in services.categories_for()}
    return [
        {**row, "label": labels.get(row["category_id"], row["key"])}
        for row in services.median_days_to_fix()
    ]


def detail(request, public_id: str):
    report = get_object_or_404(
        Report.objects.select_related("category", "area__region", "unit__organisation"),
        public_id=public_id,
    )
    # status changes, and public texts without one (a split); never an internal note alone
    history = [h for h in report.history.all() if h.to_status != h.from_status or h.public_text]
    return render(
        request,
        "reports/detail.html",
        {
            "report": report,
            "history": history,
            "duplicate_of": report.duplicate_of if report.status == workflow.DUPLICATE else None,
            "split_from": report.split_from,
            "split_into": list(report.split_into.order_by("created_at", "id")),
            "photos": report.photos.filter(approved=True),
            "affected_form": AffectedForm(),
        },
    )


def photo(request, photo_id: int):
    item = get_object_or_404(Photo.objects.select_related("report"), pk=photo_id)
    # only the responsible unit's staff see a photo before it is approved
    visible = services.visible_reports(request.user).filter(pk=item.report_id)
    if not item.approved and not visible.exists():
        raise Http404
    response = FileResponse(item.image.open("rb"), content_type="image/jpeg")
    response["Cache-Control"] = "public, max-age=3600" if item.approved else "private, no-store"
    response["X-Content-Type-Options"] = "nosniff"
    return response


# -- the back office ----------------------------------------------------------------------------
def _bulk(request, visible, bulk_form) -> tuple[int, list[str]]:
    """Apply a bulk action; (changed, refused numbers with the reason)."""
    data = bulk_form.cleaned_data
    chosen = visible.filter(pk__in=[int(i) for i in data["reports"]])
    done, refused = 0, []
    for report in chosen:
        try:
            if data["status"]:
                services.change_status(
                    report, data["status"], actor=request.user, public_text=data["public_text"]
                )
            else:
                services.assign(
                    report, None if data["unassign"] else data["person"], actor=request.user
                )
            done += 1
        except services.ReportError as exc:
            refused.append(f"{report.public_id}: {exc}")
    return done, refused


@require_http_methods(["GET", "POST"])
@staff_required(*STAFF)
def inbox(request):
    visible = services.visible_reports(request.user)
    templates = list(services.status_templates())
    people = services.colleagues(request.user)
    bulk_form = None
    status = 200
    if request.method == "POST":
        ids = visible.values_list("pk", flat=True)
        bulk_form = BulkForm(request.POST, report_ids=ids, templates=templates, people=people)
        if bulk_form.is_valid():
            done, refused = _bulk(request, visible, bulk_form)
            if done:
                messages.success(
                    request,
                    ngettext("%(n)d report changed.", "%(n)d reports changed.", done) % {"n": done},
                )
            for line in refused:
                messages.error(request, line)
            return redirect(request.get_full_path())
        status = 400
    # the tab and filters, shared with the map (map.staff_geojson)
    reports, tab, category_id, area_id, q = inbox_filter(request, visible)
    page = Paginator(reports.order_by("created_at", "id"), PAGE_SIZE).get_page(
        request.GET.get("seite")
    )
    params = {
        k: v
        for k, v in (("tab", tab), ("kategorie", category_id), ("gemeinde", area_id), ("q", q))
        if v
    }
    tabs = [
        ("offen", _("Open")),
        ("ueberfaellig", _("Overdue")),
        ("meine", _("Assigned to me")),
        ("erledigt", pgettext("reports", "Done")),
        ("alle", _("All")),
    ]
    return render(
        request,
        "reports/inbox.html",
        {
            "page": page,
            "tab": tab,
            "tabs": tabs,
            "q": q,
            "category_id": category_id,
            "area_id": area_id,
            "categories": services.categories_for(),
            "areas": services.areas(),
            "params": urlencode(params),
            "bulk_form": bulk_form or BulkForm(report_ids=(), templates=templates, people=people),
            "selected": request.POST.getlist("reports") if bulk_form else [],
            **map_context(map_params=urlencode(params)),
        },
        status=status,
    )


@require_http_methods(["GET", "POST"])
@staff_required(*STAFF)
def staff_detail(request, public_id: str):
    report = get_object_or_404(services.visible_reports(request.user), public_id=public_id)
    templates = list(services.status_templates())
    status_form = StatusForm(report=report, templates=templates)
    note_form = NoteForm()
    assign_form = AssignForm(
        people=services.assignable(report), initial={"person": report.assignee_id}
    )
    merge_form = MergeForm()
    forward_form = ForwardForm(bodies=services.bodies())
    photos = list(report.photos.all())
    split_categories = services.categories_for(report.area)
    split_form = SplitForm(categories=split_categories, photos=photos)
    status = 200
    if request.method == "POST":
        action = request.POST.get("action")
        here = reverse("reports:staff_detail", args=[report.public_id])
        if action == "status":
            status_form = StatusForm(request.POST, report=report, templates=templates)
            if status_form.is_valid():
                data = status_form.cleaned_data
                try:
                    services.change_status(
                        report,
                        data["status"],
                        actor=request.user,
                        public_text=data["public_text"],
                        internal_note=data["internal_note"],
                    )
                except services.ReportError as exc:
                    messages.error(request, str(exc))
                    return redirect(here)
                messages.success(request, _("Status changed. The reporters were informed."))
                return redirect(here)
        elif action == "note":
            note_form = NoteForm(request.POST)
            if note_form.is_valid():
                services.add_note(
                    report,
                    actor=request.user,
                    internal_note=note_form.cleaned_data["internal_note"],
                )
                messages.success(request, _("Note saved."))
                return redirect(here)
        elif action == "assign":
            assign_form = AssignForm(request.POST, people=services.assignable(report))
            if assign_form.is_valid():
                services.assign(report, assign_form.cleaned_data["person"], actor=request.user)
                messages.success(request, _("Assignment saved."))
                return redirect(here)
        elif action == "merge":
            merge_form = MergeForm(request.POST)
            if merge_form.is_valid():
                into = (
                    services.visible_reports(request.user)
                    .filter(public_id=merge_form.cleaned_data["into"])
                    .first()
                )
                if into is None:
                    merge_form.add_error("into", _("No report with this number in your units."))
                else:
                    try:
                        services.merge(
                            report,
                            into,
                            actor=request.user,
                            public_text=merge_form.cleaned_data["public_text"],
                        )
                    except services.ReportError as exc:
                        merge_form.add_error("into", str(exc))
                    else:
                        messages.success(
                            request,
                            _("Merged into %(id)s. The reporters were informed.")
                            % {"id": into.public_id},
                        )
                        return redirect(here)
        elif action == "forward":
            forward_form = ForwardForm(request.POST, bodies=services.bodies())
            if forward_form.is_valid():
                try:
                    services.forward(
                        report,
                        forward_form.cleaned_data["body"],
                        actor=request.user,
                        public_text=forward_form.cleaned_data["public_text"],
                    )
                except services.ReportError as exc:
                    forward_form.add_error("body", str(exc))
                else:
                    messages.success(request, _("Forwarded. The reporters were informed."))
                    return redirect(here)
        elif action == "split":
            split_form = SplitForm(request.POST, categories=split_categories, photos=photos)
            if split_form.is_valid():
                data = split_form.cleaned_data
                try:
                    new = services.split(
                        report,
                        actor=request.user,
                        category=data["new_category"],
                        description=data["new_description"],
                        place=data["new_place"] or None,
                        photo_ids=data.get("move_photos") or (),
                    )
                except services.ReportError as exc:
                    split_form.add_error(None, str(exc))
                else:
                    messages.success(
                        request,
                        _("New report %(id)s (responsible: %(unit)s). The reporters were told.")
                        % {"id": new.public_id, "unit": new.unit.name},
                    )
                    return redirect(here)
        elif action == "photo":
            photo_id = id_param(request.POST.get("photo"))
            item = report.photos.filter(pk=photo_id).first() if photo_id else None
            if item is not None:
                item.approved = request.POST.get("approved") == "1"
                item.save(update_fields=["approved"])
                messages.success(request, _("Photo saved."))
                return redirect(here)
        status = 400
    return render(
        request,
        "reports/staff_detail.html",
        {
            "report": report,
            "history": report.history.select_related("actor"),
            "photos": photos,
            "followers": report.followers.count(),
            "split_form": split_form,
            "split_into": list(report.split_into.select_related("unit")),
            "status_form": status_form,
            "note_form": note_form,
            "assign_form": assign_form,
            "merge_form": merge_form,
            "forward_form": forward_form,
            "templates": templates,
        },
        status=status,
    )
