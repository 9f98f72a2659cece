"""The Harz-Kompass editors (/kompass/redaktion/, staff role directory_editor, password + TOTP).

Places are county-wide public information (no org unit owns one), so every editor may edit
every place; every page is behind staff_required(DIRECTORY_EDITOR) and every object is looked
up by its id (a missing one is a 404). After a save the place's open intervals are rebuilt
(D1's hours.rebuild_intervals), so "open now" is right at once. Who changed what is written to
the log `openkreis.directory.audit` (user id, place id, the names of the changed fields — no
values). No JavaScript needed anywhere."""

from __future__ import annotations

import datetime as dt
import logging
import uuid

from django.contrib import messages
from django.core.files.base import ContentFile
from django.core.paginator import Paginator
from django.db import transaction
from django.db.models import Max, Q, Sum
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST

from openkreis.core.staff import Role, staff_required

from .forms_staff import MissedDoneForm, PhotoForm, PlaceForm, PlaceSearchForm
from .models import MissedSearch, Place, PlacePhoto

T = "directory/"
audit = logging.getLogger("openkreis.directory.audit")
editor_required = staff_required(Role.DIRECTORY_EDITOR)
PER_PAGE = 50
MISSED_DAYS = 30
MAX_PHOTOS = 10


def unique_slug(name: str, exclude_pk: int | None = None) -> str:
    base = slugify(name)[:100].strip("-") or "ort"
    slug, n = base, 1
    taken = Place.objects.exclude(pk=exclude_pk) if exclude_pk else Place.objects.all()
    while taken.filter(slug=slug).exists():
        n += 1
        slug = f"{base}-{n}"
    return slug


def rebuild(place: Place) -> None:
    """The place's open intervals from its opening hours (D1's hours module)."""
    from . import hours

    hours.rebuild_intervals([place])


def _log(request, action: str, place: Place, fields=()) -> None:
    audit.info(
        "%s place=%s user=%s fields=%s",
        action,
        place.pk,
        request.user.pk,
        ",".join(sorted(fields)),
    )


@never_cache
@editor_required
def staff_home(request):
    form = PlaceSearchForm(request.GET or None)
    places = Place.objects.select_related("category", "municipality").order_by("name", "pk")
    if form.is_valid():
        data = form.cleaned_data
        words = (data.get("q") or "").split()
        for word in words[:5]:
            places = places.filter(
                Q(name__icontains=word) | Q(town__icontains=word) | Q(street__icontains=word)
            )
        if data.get("category"):
            places = places.filter(category=data["category"])
        if data.get("status") == "published":
            places = places.filter(published=True)
        elif data.get("status") == "hidden":
            places = places.filter(published=False)
    page = Paginator(places, PER_PAGE).get_page(request.GET.get("seite"))
    query = request.GET.copy()
    query.pop("seite", None)
    context = {
        "form": form,
        "page": page,
        "query": query.urlencode(),
        "missed": missed_rows(limit=10),
    }
    status = 400 if form.is_bound and not form.is_valid() else 200
    return render(request, T + "staff_home.html", context, status=status)


@never_cache
@editor_required
@require_http_methods(["GET", "POST"])
def place_new(request):
    form = PlaceForm(request.POST or None)
    if request.method == "POST":
        if form.is_valid():
            with transaction.atomic():
                place = form.save(commit=False)
                place.slug = unique_slug(place.name)
                place.source = Place.Source.MANUAL
                place.save()
                rebuild(place)
            _log(request, "created", place, form.changed_data)
            messages.success(request, _("The place was created."))
            return redirect("directory:staff_place", pk=place.pk)
        return render(request, T + "staff_place_form.html", {"form": form}, status=400)
    return render(request, T + "staff_place_form.html", {"form": form})


@never_cache
@editor_required
@require_http_methods(["GET", "POST"])
def place_edit(request, pk: int):
    place = get_object_or_404(Place.objects.select_related("category"), pk=pk)
    form = PlaceForm(request.POST or None, instance=place)
    if request.method == "POST":
        if form.is_valid():
            with transaction.atomic():
                place = form.save()
                rebuild(place)
            _log(request, "changed", place, form.changed_data)
            messages.success(request, _("The place was saved."))
            return redirect("directory:staff_place", pk=place.pk)
        status = 400
    else:
        status = 200
    context = {
        "form": form,
        "place": place,
        "photos": list(place.photos.all()),
        "photo_form": PhotoForm(),
        "may_add_photo": place.photos.count() < MAX_PHOTOS,
    }
    return render(request, T + "staff_place_form.html", context, status=status)


@never_cache
@editor_required
@require_POST
def place_publish(request, pk: int):
    place = get_object_or_404(Place, pk=pk)
    publish = request.POST.get("published") == "1"
    if place.published != publish:
        place.published = publish
        place.save(update_fields=["published", "updated_at"])
        _log(request, "published" if publish else "unpublished", place, ["published"])
    messages.success(
        request,
        _("The place is published.") if publish else _("The place is no longer published."),
    )
    return redirect("directory:staff_place", pk=place.pk)


@never_cache
@editor_required
@require_POST
def photo_add(request, pk: int):
    place = get_object_or_404(Place, pk=pk)
    form = PhotoForm(request.POST, request.FILES)
    if place.photos.count() >= MAX_PHOTOS:
        form.add_error(None, _("A place has at most %(n)s photos.") % {"n": MAX_PHOTOS})
    if form.errors or not form.is_valid():
        context = {
            "form": PlaceForm(instance=place),
            "place": place,
            "photos": list(place.photos.all()),
            "photo_form": form,
            "may_add_photo": True,
        }
        return render(request, T + "staff_place_form.html", context, status=400)
    clean = form.cleaned_data["image"]
    order = (place.photos.aggregate(m=Max("order"))["m"] or 0) + 1
    photo = PlacePhoto(
        place=place,
        alt=form.cleaned_data["alt"],
        credit=form.cleaned_data["credit"],
        order=order,
    )
    photo.image.save(f"{uuid.uuid4().hex}.jpg", ContentFile(clean.data), save=False)
    photo.save()
    _log(request, "photo_added", place, ["photos"])
    messages.success(request, _("The photo was added."))
    return redirect(reverse("directory:staff_place", args=[place.pk]) + "#fotos")


@never_cache
@editor_required
@require_POST
def photo_delete(request, pk: int, photo: int):
    place = get_object_or_404(Place, pk=pk)
    item = get_object_or_404(PlacePhoto, pk=photo, place=place)
    item.image.delete(save=False)
    item.delete()
    _log(request, "photo_deleted", place, ["photos"])
    messages.success(request, _("The photo was removed."))
    return redirect(reverse("directory:staff_place", args=[place.pk]) + "#fotos")


def missed_rows(days: int = MISSED_DAYS, limit: int | None = None) -> list[dict]:
    """Searches without result of the last `days` days that nobody dealt with yet: query,
    how often, last day; most frequent first."""
    since = timezone.localdate() - dt.timedelta(days=days - 1)
    rows = (
        MissedSearch.objects.filter(day__gte=since, done=False)
        .values("query")
        .annotate(total=Sum("count"), last=Max("day"))
        .order_by("-total", "-last", "query")
    )
    if limit:
        rows = rows[:limit]
    return list(rows)


@never_cache
@editor_required
def missed_searches(request):
    return render(
        request,
        T + "staff_missed.html",
        {"rows": missed_rows(), "days": MISSED_DAYS},
    )


@never_cache
@editor_required
@require_POST
def missed_done(request):
    form = MissedDoneForm(request.POST)
    if not form.is_valid():
        return render(
            request,
            T + "staff_missed.html",
            {"rows": missed_rows(), "days": MISSED_DAYS, "error": form.errors["query"][0]},
            status=400,
        )
    query = form.cleaned_data["query"]
    MissedSearch.objects.filter(query=query, done=False).update(done=True)
    audit.info("missed_done user=%s", request.user.pk)
    messages.success(request, _("“%(query)s” is marked as done.") % {"query": query})
    return redirect("directory:staff_missed")
