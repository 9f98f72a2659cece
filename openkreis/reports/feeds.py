"""Atom feed of the Mängelmelder per municipality (`/maengelmelder/feed/<ARS>.atom`) or for
the whole county (`/maengelmelder/feed/all.atom`).

Public data only: category, municipality, street and place text, status and the public texts
of the status history. Never the description's author, an e-mail address, an account, a
follower, an internal note or an unapproved photo.

Written with Django's feed generator (`Atom1Feed`, the writer the syndication framework uses,
so the XML is the same) from value rows: the framework's `Feed` view looked every attribute
up per item through its dynamic-attribute machinery and built model objects with a
prefetched history — about 58,000 Python calls for 50 entries (bench/reports.py).
"""

from __future__ import annotations

import re

from django.contrib.sites.shortcuts import get_current_site
from django.http import Http404, HttpResponse
from django.urls import reverse
from django.utils.encoding import iri_to_uri
from django.utils.feedgenerator import Atom1Feed
from django.utils.http import http_date
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from .models import Area, Category, Report, StatusChange

ITEMS = 50
ARS = re.compile(r"^[0-9]{12}$")
FIELDS = (
    "id",
    "public_id",
    "status",
    "street",
    "place",
    "created_at",
    "updated_at",
    "category_id",
    "area__region__name",
)


def _area(ars: str) -> Area | None:
    if ars == "all":
        return None
    found = None
    if ARS.match(ars):
        found = Area.objects.select_related("region").filter(region__ars=ars).first()
    if found is None:
        raise Http404(_("No such municipality."))
    return found


def _histories(ids: list[int]) -> dict[int, list[tuple]]:
    """The public texts of the reports' status changes, oldest first, per report."""
    out: dict[int, list[tuple]] = {}
    changes = (
        StatusChange.objects.filter(report_id__in=ids)
        .exclude(public_text="")
        .order_by("at", "id")
        .values_list("report_id", "to_status", "at", "public_text")
    )
    for report_id, to_status, at, text in changes:
        out.setdefault(report_id, []).append((to_status, at, text))
    return out


def reports_feed(request, area: str) -> HttpResponse:
    found = _area(area)
    reports = Report.objects.all()
    if found is not None:
        reports = reports.filter(area=found)
    rows = list(reports.order_by("-updated_at", "-id").values_list(*FIELDS)[:ITEMS])
    histories = _histories([row[0] for row in rows])
    # the translated labels once per feed, not per entry and change
    statuses = {value: str(label) for value, label in Report.Status.choices}
    categories = {c.pk: c.label for c in Category.objects.all()}
    status_word, place_word = _("Status"), _("Place")

    scheme = "https" if request.is_secure() else "http"
    base = f"{scheme}://{get_current_site(request).domain}"
    link = reverse("reports:list")
    if found is None:
        title = _("Reported defects in the county")
    else:
        title = _("Reported defects in %(place)s") % {"place": found.region.name}
        link = f"{link}?gemeinde={found.pk}"
    feed = Atom1Feed(
        title=title,
        subtitle=_("New reports and changes of status (public data only)."),
        link=iri_to_uri(base + link),
        description=None,
        language=get_language(),
        feed_url=iri_to_uri(base + reverse("reports:feed", args=[area if found else "all"])),
    )
    detail = reverse("reports:detail", args=["M-0"])[: -len("M-0/")]
    for report_id, public_id, status, street, place, created, updated, category_id, town in rows:
        category = categories[category_id]
        state = statuses.get(status, status)
        lines = [f"{status_word}: {state}"]
        if place:
            lines.append(f"{place_word}: {place}")
        for to_status, at, text in histories.get(report_id, ()):
            lines.append(f"{at:%d.%m.%Y} {statuses.get(to_status, to_status)}: {text}")
        where = town + (f", {street}" if street else "")
        feed.add_item(
            title=f"{category} · {where} · {state}",
            link=iri_to_uri(f"{base}{detail}{public_id}/"),
            description="\n".join(lines),
            unique_id=public_id,
            pubdate=created,
            updateddate=updated,
            categories=[category, town],
        )
    response = HttpResponse(content_type=feed.content_type)
    response.headers["Last-Modified"] = http_date(feed.latest_post_date().timestamp())
    feed.write(response, "utf-8")
    return response
