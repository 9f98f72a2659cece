"""Learner groups and teachers (docs/learning.md): the access checks every teacher page uses
(`teacher_required`, `groups_taught_by`, `group_for_teacher`), groups with join codes,
membership, co-teachers, teacher applications and the learning office's approvals, and the
group's progress as aggregates only (no names, no ranking, small counts hidden)."""

from __future__ import annotations

import functools
import uuid

from django.contrib.auth.decorators import login_required
from django.db.models import QuerySet
from django.http import Http404
from django.shortcuts import redirect
from django.views.decorators.cache import never_cache

from .models import GroupMembership, LearnerGroup, Teacher


# -- access ---------------------------------------------------------------------------------
def is_teacher(user) -> bool:
    """True for an account the learning office approved as a teacher."""
    if not getattr(user, "is_authenticated", False):
        return False
    return Teacher.objects.filter(user=user, approved_at__isnull=False).exists()


def teacher_required(view):
    """Decorator for teacher pages: login required; an account that is not an approved
    teacher is sent to the teacher application page (`learning:teacher_apply`), which says
    where the application stands. The view is called unchanged."""

    @functools.wraps(view)
    def wrapped(request, *args, **kwargs):
        if not is_teacher(request.user):
            return redirect("learning:teacher_apply")
        return view(request, *args, **kwargs)

    return never_cache(login_required(wrapped))


def groups_taught_by(user, *, include_archived: bool = False) -> QuerySet[LearnerGroup]:
    """The groups `user` teaches (a teacher membership), only while the user is an approved
    teacher; archived groups only with `include_archived`."""
    if not is_teacher(user):
        return LearnerGroup.objects.none()
    qs = LearnerGroup.objects.filter(
        memberships__user=user, memberships__role=GroupMembership.Role.TEACHER
    ).select_related("municipality")
    if not include_archived:
        qs = qs.filter(archived=False)
    return qs.order_by("name", "pk").distinct()


def group_for_teacher(user, key) -> LearnerGroup:
    """The group with `key` if `user` teaches it (archived ones too); Http404 for anyone
    else, as if the group did not exist."""
    try:
        key = uuid.UUID(str(key))
    except ValueError:
        raise Http404 from None
    group = groups_taught_by(user, include_archived=True).filter(key=key).first()
    if group is None:
        raise Http404
    return group
