"""Groups and teachers: learners join a group by its code and leave it; teachers create
groups, see their progress as aggregates (no names, no ranking), add co-teachers; anyone
with an account can apply to become a teacher (groups.py does the work, docs/learning.md)."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from . import groups
from .forms_groups import AddTeacherForm, ApplyForm, GroupForm, JoinForm


@never_cache
@login_required
def group_join(request):
    """Join a group by its code (a link with ?code= fills it in); the learner's groups."""
    if request.method == "POST":
        form = JoinForm(request.POST)
        if form.is_valid():
            try:
                group = groups.join(request.user, form.cleaned_data["code"])
            except groups.GroupError as exc:
                form.add_error("code", str(exc))
            else:
                messages.success(
                    request, _("You are now a member of %(name)s.") % {"name": group.name}
                )
                return redirect("learning:group_join")
        status = 400
    else:
        form = JoinForm(initial={"code": request.GET.get("code", "")[:20]})
        status = 200
    context = {"form": form, "my_groups": groups.groups_of_learner(request.user)}
    return render(request, "learning/group_join.html", context, status=status)


@require_POST
@login_required
def group_leave(request, key):
    group = groups.leave(request.user, key)
    messages.success(request, _("You have left %(name)s.") % {"name": group.name})
    return redirect("learning:group_join")


@groups.teacher_required
def teacher_home(request):
    """The teacher's groups (with the number of learners) and the way to a live quiz."""
    mine = list(groups.groups_taught_by(request.user, include_archived=True))
    counts = groups.learner_counts(g.pk for g in mine)
    for group in mine:
        group.learners = counts.get(group.pk, 0)
    return render(request, "learning/teacher_home.html", {"groups": mine})


@never_cache
@login_required
def teacher_apply(request):
    """Ask to become a teacher; shows where an application stands."""
    current = groups.application(request.user)
    if current is not None and current.approved_at is not None:
        return render(request, "learning/teacher_apply.html", {"teacher": current})
    form = ApplyForm(
        request.POST or None, initial={"organisation": getattr(current, "organisation", "")}
    )
    if request.method == "POST":
        if form.is_valid():
            groups.apply(request.user, form.cleaned_data["organisation"])
            messages.success(
                request,
                _("Thank you. The county's learning office will check your application."),
            )
            return redirect("learning:teacher_apply")
        status = 400
    else:
        status = 200
    context = {"form": form, "teacher": current}
    return render(request, "learning/teacher_apply.html", context, status=status)


@groups.teacher_required
def group_new(request):
    form = GroupForm(request.POST or None)
    if request.method == "POST":
        if form.is_valid():
            group = groups.create_group(request.user, **form.cleaned_data)
            messages.success(
                request,
                _("The group is ready. Give your learners the code %(code)s.")
                % {"code": group.join_code},
            )
            return redirect("learning:group", key=group.key)
        return render(request, "learning/group_new.html", {"form": form}, status=400)
    return render(request, "learning/group_new.html", {"form": form})


def _group_page(request, group, add_form=None, status=200):
    context = {
        "group": group,
        "progress": groups.progress(group),
        "teachers": groups.teacher_names(group),
        "add_form": add_form or AddTeacherForm(),
        "join_url": request.build_absolute_uri(
            f"{reverse('learning:group_join')}?code={group.join_code}"
        ),
    }
    return render(request, "learning/group_detail.html", context, status=status)


@groups.teacher_required
def group_detail(request, key):
    """The teacher's view of a group: its code and its progress as aggregates."""
    return _group_page(request, groups.group_for_teacher(request.user, key))


@require_POST
@groups.teacher_required
def group_teacher_add(request, key):
    group = groups.group_for_teacher(request.user, key)
    form = AddTeacherForm(request.POST)
    if form.is_valid():
        try:
            other = groups.add_teacher(group, form.cleaned_data["username"])
        except groups.GroupError as exc:
            form.add_error("username", str(exc))
        else:
            messages.success(
                request, _("%(name)s now teaches this group too.") % {"name": other.username}
            )
            return redirect("learning:group", key=group.key)
    return _group_page(request, group, add_form=form, status=400)


@require_POST
@groups.teacher_required
def group_archive(request, key):
    group = groups.group_for_teacher(request.user, key)
    archived = request.POST.get("archived") == "1"
    groups.set_archived(group, archived)
    if archived:
        messages.success(request, _("The group is closed: nobody can join it any more."))
    else:
        messages.success(request, _("The group is open again."))
    return redirect("learning:group", key=group.key)
