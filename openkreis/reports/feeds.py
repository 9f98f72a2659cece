"""Atom feed of the Mängelmelder per municipality (`/maengelmelder/feed/<ARS>.atom`) or for
the whole county (`/maengelmelder/feed/all.atom`).

Public data only: category, municipality, street and place text, status and the public texts
of the status history. Never the description's author, an e-mail address, an account, a
follower, an internal note or an unapproved photo.
"""

from __future__ import annotations

import re

from django.contrib.syndication.views import Feed
from django.http import Http404
from django.urls import reverse
from django.utils.feedgenerator import Atom1Feed
from django.utils.translation import gettext as _

from .models import Area, Report

ITEMS = 50
ARS = re.compile(r"^[0-9]{12}$")


class ReportsFeed(Feed):
    feed_type = Atom1Feed

    def get_object(self, request, area: str):
        if area == "all":
            return None
        if not ARS.match(area):
            raise Http404(_("No such municipality."))
        found = Area.objects.select_related("region").filter(region__ars=area).first()
        if found is None:
            raise Http404(_("No such municipality."))
        return found

    def title(self, obj):
        if obj is None:
            return _("Reported defects in the county")
        return _("Reported defects in %(place)s") % {"place": obj.region.name}

    def subtitle(self, obj):
        return _("New reports and changes of status (public data only).")

    def link(self, obj):
        url = reverse("reports:list")
        return url if obj is None else f"{url}?gemeinde={obj.pk}"

    def feed_url(self, obj):
        return reverse("reports:feed", args=["all" if obj is None else obj.region.ars])

    def items(self, obj):
        reports = Report.objects.select_related("category", "area__region").prefetch_related(
            "history"
        )
        if obj is not None:
            reports = reports.filter(area=obj)
        items = list(reports.order_by("-updated_at", "-id")[:ITEMS])
        # the translated labels once per feed, not per item and change (bench/reports.py:
        # ~950 translation lookups for 50 items); kept on the items, the Feed is shared
        statuses = {value: str(label) for value, label in Report.Status.choices}
        categories, words = {}, {"status": _("Status"), "place": _("Place")}
        for item in items:
            if item.category_id not in categories:
                categories[item.category_id] = item.category.label
            item.feed_labels = (statuses, categories[item.category_id], words)
        return items

    def item_title(self, item: Report):
        statuses, category, _words = item.feed_labels
        where = item.area.region.name + (f", {item.street}" if item.street else "")
        return f"{category} · {where} · {statuses.get(item.status, item.status)}"

    def item_description(self, item: Report):
        statuses, _category, words = item.feed_labels
        lines = [f"{words['status']}: {statuses.get(item.status, item.status)}"]
        if item.place:
            lines.append(f"{words['place']}: {item.place}")
        for change in item.history.all():
            if change.public_text:
                label = statuses.get(change.to_status, change.to_status)
                lines.append(f"{change.at:%d.%m.%Y} {label}: {change.public_text}")
        return "\n".join(lines)

    def item_link(self, item: Report):
        return reverse("reports:detail", args=[item.public_id])

    def item_guid(self, item: Report):
        return item.public_id

    def item_pubdate(self, item: Report):
        return item.created_at

    def item_updateddate(self, item: Report):
        return item.updated_at

    def item_categories(self, item: Report):
        return [item.feed_labels[1], item.area.region.name]


reports_feed = ReportsFeed()
