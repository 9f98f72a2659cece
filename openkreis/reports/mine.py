""" "Meine Meldungen": the reports a logged-in resident made or follows, with their status.

Only the resident's own: reports with `user` = them, or a `Follower` row with their account.
(Reports made with an e-mail address before they had an account are not matched by address:
an address is not proof of who is logged in.)
"""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db.models import Exists, OuterRef, Q
from django.shortcuts import render

from .models import Follower, Report

PAGE_SIZE = 25


def reports_of(user):
    follows = Follower.objects.filter(report=OuterRef("pk"), user=user)
    return (
        Report.objects.select_related("category", "area__region")
        .annotate(followed=Exists(follows))
        .filter(Q(user=user) | Q(followed=True))
        .order_by("-updated_at", "-id")
    )


@login_required
def my_reports(request):
    page = Paginator(reports_of(request.user), PAGE_SIZE).get_page(request.GET.get("seite"))
    response = render(request, "reports/mine.html", {"page": page, "params": ""})
    response["Cache-Control"] = "private, no-store"
    return response
