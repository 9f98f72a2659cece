"""Learner groups and teachers (docs/learning.md): the access checks every teacher page uses
(`teacher_required`, `groups_taught_by`, `group_for_teacher`), groups with join codes,
membership, co-teachers, teacher applications and the learning office's approvals, and the
group's progress as aggregates only (no names, no ranking, small counts hidden)."""

from __future__ import annotations

import functools
import secrets
import statistics
import uuid

from django.contrib.auth import get_user_model
from django.contrib.auth.decorators import login_required
from django.db import transaction
from django.db.models import Count, Q, QuerySet
from django.http import Http404
from django.shortcuts import redirect
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache

from openkreis.core import event_kinds
from openkreis.core.models import OrgUnit, Region
from openkreis.core.services import record_event
from openkreis.core.staff import add_staff, ensure_totp

from .models import (
    GroupMembership,
    LearnerGroup,
    LessonProgress,
    Module,
    QuizAttempt,
    Teacher,
)


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


# -- groups ---------------------------------------------------------------------------------
# no 0/O, 1/I/L: a code read aloud in class or copied from a board is typed right
CODE_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"
CODE_LENGTH = 8
SMALL = 3  # counts below this are shown as "fewer than 3" on the teacher's page
NO_GROUP = gettext_lazy(
    "There is no group with this code. Please check the code with your teacher: "
    "it has 8 letters and digits."
)
NO_TEACHER = gettext_lazy(
    "There is no approved teacher with this user name. Please check the spelling."
)


class GroupError(Exception):
    """A group action that cannot be done, with a message for the user."""


def normalise_code(code: str) -> str:
    """A typed join code as stored: capitals, without spaces and dashes."""
    return "".join(ch for ch in (code or "").upper() if ch.isalnum())


def new_join_code() -> str:
    """A random join code no group has yet."""
    while True:
        code = "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))
        if not LearnerGroup.objects.filter(join_code=code).exists():
            return code


def event_place(group: LearnerGroup | None) -> dict:
    """The group's part of a learning event: its kind and municipality (ARS), "" without."""
    if group is None:
        return {"group_kind": "", "municipality": ""}
    return {
        "group_kind": group.kind,
        "municipality": group.municipality.ars if group.municipality_id else "",
    }


def municipalities() -> QuerySet[Region]:
    """The county's municipalities a group can belong to."""
    return Region.objects.filter(kind=Region.Kind.MUNICIPALITY).order_by("name")


@transaction.atomic
def create_group(teacher, *, name: str, kind: str, municipality=None, join_code: str = ""):
    """A new group taught by `teacher` (an approved teacher), with a fresh join code."""
    if not is_teacher(teacher):
        raise GroupError(_("Only approved teachers can create groups."))
    group = LearnerGroup.objects.create(
        name=name.strip(),
        kind=kind,
        municipality=municipality,
        join_code=normalise_code(join_code) or new_join_code(),
    )
    GroupMembership.objects.create(group=group, user=teacher, role=GroupMembership.Role.TEACHER)
    return group


@transaction.atomic
def join(user, code: str) -> LearnerGroup:
    """`user` joins the open group with this join code as a learner (again: nothing new).
    Records LEARNING_GROUP_JOINED once per membership."""
    code = normalise_code(code)
    group = (
        LearnerGroup.objects.filter(join_code=code, archived=False)
        .select_related("municipality")
        .first()
        if code
        else None
    )
    if group is None:
        raise GroupError(str(NO_GROUP))
    membership, created = GroupMembership.objects.get_or_create(
        group=group, user=user, defaults={"role": GroupMembership.Role.LEARNER}
    )
    if created:
        record_event(event_kinds.LEARNING_GROUP_JOINED, data=event_place(group))
    return group


def groups_of_learner(user) -> QuerySet[LearnerGroup]:
    """The groups `user` belongs to as a learner."""
    if not getattr(user, "is_authenticated", False):
        return LearnerGroup.objects.none()
    return (
        LearnerGroup.objects.filter(
            memberships__user=user, memberships__role=GroupMembership.Role.LEARNER
        )
        .select_related("municipality")
        .order_by("name", "pk")
    )


def leave(user, key) -> LearnerGroup:
    """`user` leaves the group with `key` (a learner's membership only); Http404 if none."""
    membership = (
        GroupMembership.objects.filter(group__key=key, user=user, role=GroupMembership.Role.LEARNER)
        .select_related("group")
        .first()
    )
    if membership is None:
        raise Http404
    membership.delete()
    return membership.group


def add_teacher(group: LearnerGroup, username: str):
    """Make the approved teacher with this user name a teacher of `group` as well."""
    other = get_user_model().objects.filter(username=(username or "").strip()).first()
    if other is None or not is_teacher(other):
        raise GroupError(str(NO_TEACHER))
    GroupMembership.objects.update_or_create(
        group=group, user=other, defaults={"role": GroupMembership.Role.TEACHER}
    )
    return other


def set_archived(group: LearnerGroup, archived: bool) -> None:
    """An archived group takes no new learners; its figures stay for its teachers."""
    group.archived = archived
    group.save(update_fields=["archived"])


def learner_counts(group_ids) -> dict[int, int]:
    """The number of learners per group id (one query; a filter on the memberships of a
    queryset would narrow an annotation's join to the filtered rows)."""
    rows = (
        GroupMembership.objects.filter(group_id__in=list(group_ids), role="learner")
        .values("group_id")
        .annotate(n=Count("id"))
        .order_by()
    )
    return {row["group_id"]: row["n"] for row in rows}


def teacher_names(group: LearnerGroup) -> list[str]:
    """The user names of the group's teachers (teachers see each other, never learners)."""
    return list(
        group.memberships.filter(role=GroupMembership.Role.TEACHER)
        .order_by("user__username")
        .values_list("user__username", flat=True)
    )


# -- the group's progress, as aggregates only -------------------------------------------------
def shown(n: int) -> int | None:
    """A count as the teacher sees it: None (shown as "fewer than 3") below SMALL."""
    return n if n >= SMALL else None


def progress(group: LearnerGroup) -> dict:
    """The group's progress without a name or a ranking: the number of learners; per
    published module how many opened it (read a lesson or started its quiz), how many passed,
    the median of the members' best scores (per cent); how many passed all required modules.
    Counts below SMALL are None, and so are a median and a share over fewer than SMALL."""
    learners = list(
        group.memberships.filter(role=GroupMembership.Role.LEARNER).values_list(
            "user_id", flat=True
        )
    )
    modules = list(Module.objects.filter(published=True))
    opened: dict[int, set[int]] = {m.pk: set() for m in modules}
    for user_id, module_id in (
        LessonProgress.objects.filter(user_id__in=learners, lesson__module__in=modules)
        .values_list("user_id", "lesson__module_id")
        .distinct()
    ):
        opened[module_id].add(user_id)
    best: dict[int, dict[int, float]] = {m.pk: {} for m in modules}
    passed: dict[int, set[int]] = {m.pk: set() for m in modules}
    for user_id, module_id, correct, total, ok in QuizAttempt.objects.filter(
        user_id__in=learners, module__in=modules
    ).values_list("user_id", "module_id", "correct", "total", "passed"):
        opened[module_id].add(user_id)
        if ok:
            passed[module_id].add(user_id)
        if total:
            score = 100.0 * correct / total
            best[module_id][user_id] = max(score, best[module_id].get(user_id, 0.0))
    rows = []
    for m in modules:
        scores = list(best[m.pk].values())
        rows.append(
            {
                "module": m,
                "opened": shown(len(opened[m.pk])),
                "passed": shown(len(passed[m.pk])),
                "median": round(statistics.median(scores)) if len(scores) >= SMALL else None,
            }
        )
    required = [m.pk for m in modules if m.required]
    complete = (
        sum(1 for user_id in learners if all(user_id in passed[pk] for pk in required))
        if required
        else 0
    )
    return {
        "members": len(learners),
        "rows": rows,
        "complete": shown(complete),
        "complete_share": round(100 * complete / len(learners))
        if learners and complete >= SMALL
        else None,
        "small": SMALL,
    }


# -- teachers and the learning office ---------------------------------------------------------
def application(user) -> Teacher | None:
    """The user's teacher row (pending or approved), or None."""
    if not getattr(user, "is_authenticated", False):
        return None
    return Teacher.objects.filter(user=user).first()


def apply(user, organisation: str) -> Teacher:
    """Ask the learning office to make `user` a teacher (again: the organisation changes)."""
    teacher, _created = Teacher.objects.update_or_create(
        user=user, defaults={"organisation": organisation.strip()}
    )
    return teacher


def approve(teacher: Teacher) -> None:
    if teacher.approved_at is None:
        teacher.approved_at = timezone.now()
        teacher.save(update_fields=["approved_at"])


def remove(teacher: Teacher) -> None:
    """Withdraw the role (or decline the application): the account stays, its groups stay
    for their other teachers; it no longer opens any teacher page."""
    teacher.delete()


def office_overview() -> dict:
    """For the learning office: applications, teachers, and groups with counts only."""
    teachers = Teacher.objects.select_related("user").order_by("user__username")
    groups = (
        LearnerGroup.objects.select_related("municipality")
        .annotate(
            learners=Count("memberships", filter=Q(memberships__role="learner")),
            teachers=Count("memberships", filter=Q(memberships__role="teacher")),
        )
        .order_by("archived", "name", "pk")
    )
    return {
        "pending": [t for t in teachers if t.approved_at is None],
        "approved": [t for t in teachers if t.approved_at is not None],
        "groups": groups,
    }


# -- demo (the `learning-groups-demo` step of `load_tenant --demo`) ---------------------------
DEMO_TEACHER = "lehrkraft-demo"
DEMO_TEACHER_PASSWORD = "harz-lehrkraft-demo-2026"  # noqa: S105 (printed demo login)
DEMO_GROUP = "Smartphone-Kurs Wernigerode"
DEMO_CODE = "HARZ2026"
DEMO_OFFICE = "digital-buero"
DEMO_OFFICE_PASSWORD = "harz-digital-demo-2026"  # noqa: S105 (printed demo login)
DEMO_OFFICE_SECRET = "DIGITALBUERODEMOAAAAAAAAAAAAAAAA"  # noqa: S105 (demo TOTP, base32)
DEMO_OFFICE_UNIT = "digitale-werkstatt"


def load_demo(tenant, folder, report) -> None:
    """An approved teacher of the KVHS Harz with a group (join code HARZ2026) and the
    learning office's login (password + TOTP). Idempotent."""
    if tenant is None:
        return
    user = add_staff(
        DEMO_TEACHER,
        f"{DEMO_TEACHER}@example.org",
        DEMO_TEACHER_PASSWORD,
        first_name="Lena",
        last_name="Lehrkraft",
    )
    teacher, _created = Teacher.objects.get_or_create(
        user=user, defaults={"organisation": "Kreisvolkshochschule Harz"}
    )
    approve(teacher)
    if not LearnerGroup.objects.filter(join_code=DEMO_CODE).exists():
        create_group(
            user,
            name=DEMO_GROUP,
            kind=LearnerGroup.Kind.VHS,
            municipality=municipalities().filter(name="Wernigerode").first(),
            join_code=DEMO_CODE,
        )
        report.created += 1
    report.write(
        f"\nDigitaler Führerschein, Lehrkraft (/digital/lehrkraft/): {DEMO_TEACHER} / "
        f"{DEMO_TEACHER_PASSWORD} (Gruppe „{DEMO_GROUP}“, Code {DEMO_CODE})"
    )
    unit = OrgUnit.objects.filter(key=DEMO_OFFICE_UNIT).first()
    if unit is None:
        return
    office = add_staff(
        DEMO_OFFICE,
        f"{DEMO_OFFICE}@example.org",
        DEMO_OFFICE_PASSWORD,
        unit,
        ["learning_office"],
        first_name="Digital",
        last_name="Kreisverwaltung",
    )
    ensure_totp(office, DEMO_OFFICE_SECRET)
    report.write("Digitaler Führerschein, Verwaltung (/digital/verwaltung/), password + TOTP:")
    report.write(
        f"  {'Lehrkräfte freigeben':<30} {DEMO_OFFICE:<22} {DEMO_OFFICE_PASSWORD}  "
        f"{DEMO_OFFICE_SECRET}"
    )
