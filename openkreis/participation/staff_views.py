"""The survey editor (/beteiligung/verwaltung/, staff role survey_editor, password + TOTP)."""

from __future__ import annotations

from django.shortcuts import render
from django.views.decorators.cache import never_cache

from openkreis.core.staff import Role, staff_required

editor_required = staff_required(Role.SURVEY_EDITOR)


@never_cache
@editor_required
def home(request):
    return render(request, "participation/staff/home.html", {})
