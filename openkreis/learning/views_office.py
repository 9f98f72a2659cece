"""The county's learning office (role learning_office + a second factor): approves and
removes teachers, sees the groups with counts only (groups.py)."""

from __future__ import annotations

from django.contrib import messages
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from openkreis.core.staff import staff_required

from . import groups
from .models import Teacher

office_required = staff_required("learning_office")


@office_required
def office(request):
    return render(request, "learning/office_home.html", groups.office_overview())


@require_POST
@office_required
def office_teacher(request, pk):
    """Approve a teacher's application, or remove the role (also: decline an application)."""
    teacher = get_object_or_404(Teacher.objects.select_related("user"), pk=pk)
    action = request.POST.get("action")
    name = teacher.user.username
    if action == "approve":
        groups.approve(teacher)
        messages.success(request, _("%(name)s is now a teacher.") % {"name": name})
    elif action == "remove":
        groups.remove(teacher)
        messages.success(request, _("%(name)s is no longer a teacher.") % {"name": name})
    else:
        overview = groups.office_overview()
        overview["error"] = _("Please choose whether to approve or to remove.")
        return render(request, "learning/office_home.html", overview, status=400)
    return redirect("learning:office")
