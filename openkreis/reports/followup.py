"""The four-week questionnaire "Ist der Mangel behoben?" (issue 17): a link from a mail,
one answer per person and link, no login. The page shows no personal data — only the
report's category, municipality, number and when it was fixed."""

from __future__ import annotations

from django.http import Http404
from django.shortcuts import render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from . import services
from .staff_forms import FollowUpForm


@never_cache
@require_http_methods(["GET", "POST"])
def follow_up(request, token: str):
    item = services.find_follow_up(token)
    if item is None:
        raise Http404
    report = item.report
    context = {"report": report, "item": item, "valid_days": services.follow_up_valid_days()}
    if item.answered_at is not None:
        return render(request, "reports/follow_up_done.html", {**context, "already": True})
    if services.follow_up_expired(item):
        return render(request, "reports/follow_up_expired.html", context, status=410)
    form = FollowUpForm(request.POST if request.method == "POST" else None)
    if request.method == "POST":
        if not form.is_valid():
            return render(request, "reports/follow_up.html", {**context, "form": form}, status=400)
        try:
            item = services.answer_follow_up(
                item, form.cleaned_data["answer"], form.cleaned_data["comment"]
            )
        except services.ReportError as exc:
            form.add_error(None, str(exc))
            return render(request, "reports/follow_up.html", {**context, "form": form}, status=409)
        report.refresh_from_db(fields=["status"])  # "Nein" may have reopened it
        return render(request, "reports/follow_up_done.html", {**context, "item": item})
    return render(request, "reports/follow_up.html", {**context, "form": form})
