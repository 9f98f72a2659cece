"""Groups (groups.py): join codes, joining and leaving, co-teachers, the teacher's
aggregates with the small-count rule, and who may open which teacher page."""

from __future__ import annotations

import pytest
from django.http import Http404
from django.utils import timezone

from openkreis.core import event_kinds
from openkreis.core.models import Event, Region
from openkreis.learning import groups
from openkreis.learning.models import (
    GroupMembership,
    LearnerGroup,
    LessonProgress,
    QuizAttempt,
    Teacher,
)

from .factories import learner, module, teacher

pytestmark = pytest.mark.django_db


def _group(owner=None, **fields):
    owner = owner or teacher()
    values = {"name": "Kurs", "kind": "vhs"}
    values.update(fields)
    return groups.create_group(owner, **values)


def _attempt(user, mod, correct, total=10, passed=None):
    return QuizAttempt.objects.create(
        user=user,
        module=mod,
        correct=correct,
        total=total,
        passed=correct * 100 >= mod.pass_mark * total if passed is None else passed,
        finished_at=timezone.now(),
    )


# -- codes and membership ----------------------------------------------------------------------
def test_join_codes_are_eight_unambiguous_characters_and_unique():
    owner = teacher()
    codes = {_group(owner).join_code for _ in range(30)}
    assert len(codes) == 30
    for code in codes:
        assert len(code) == 8
        assert not set(code) & set("01OIL")
        assert set(code) <= set(groups.CODE_ALPHABET)


def test_only_approved_teachers_create_groups():
    with pytest.raises(groups.GroupError):
        groups.create_group(learner(), name="X", kind="vhs")
    pending = learner()
    Teacher.objects.create(user=pending, organisation="Verein")
    with pytest.raises(groups.GroupError):
        groups.create_group(pending, name="X", kind="vhs")


def test_join_by_code_records_one_event_without_a_person():
    town = Region.objects.filter(kind="municipality").first()
    group = _group(kind="seniors", municipality=town)
    user = learner()
    before = Event.objects.filter(kind=event_kinds.LEARNING_GROUP_JOINED).count()
    code = f" {group.join_code[:4].lower()}-{group.join_code[4:]} "  # typed loosely
    assert groups.join(user, code) == group
    assert groups.join(user, group.join_code) == group  # again: nothing new
    events = Event.objects.filter(kind=event_kinds.LEARNING_GROUP_JOINED).order_by("pk")
    assert events.count() == before + 1
    assert events.last().data == {"group_kind": "seniors", "municipality": town.ars}
    assert GroupMembership.objects.get(group=group, user=user).role == "learner"


def test_wrong_or_closed_code_is_refused():
    group = _group()
    with pytest.raises(groups.GroupError, match=str(groups.NO_GROUP)[:20]):
        groups.join(learner(), "ZZZZZZZZ")
    groups.set_archived(group, True)
    with pytest.raises(groups.GroupError):
        groups.join(learner(), group.join_code)


def test_leave_only_ones_own_learner_membership():
    group = _group()
    user = learner()
    groups.join(user, group.join_code)
    with pytest.raises(Http404):
        groups.leave(learner(), group.key)
    assert groups.leave(user, group.key) == group
    assert not GroupMembership.objects.filter(group=group, user=user).exists()


def test_co_teacher_must_be_an_approved_teacher():
    group = _group()
    with pytest.raises(groups.GroupError):
        groups.add_teacher(group, learner().username)
    with pytest.raises(groups.GroupError):
        groups.add_teacher(group, "gibt-es-nicht")
    other = teacher()
    groups.add_teacher(group, other.username)
    assert group in groups.groups_taught_by(other)
    assert other.username in groups.teacher_names(group)


# -- access ---------------------------------------------------------------------------------
def test_teachers_see_only_their_groups():
    a, b = teacher(), teacher()
    group_a, group_b = _group(a), _group(b)
    assert list(groups.groups_taught_by(a)) == [group_a]
    assert groups.group_for_teacher(a, group_a.key) == group_a
    with pytest.raises(Http404):
        groups.group_for_teacher(a, group_b.key)
    with pytest.raises(Http404):
        groups.group_for_teacher(a, "kein-schluessel")
    # a learner member of the group is no teacher of it
    member = learner()
    groups.join(member, group_a.join_code)
    with pytest.raises(Http404):
        groups.group_for_teacher(member, group_a.key)


def test_a_removed_teacher_no_longer_sees_the_group():
    a = teacher()
    group = _group(a)
    groups.remove(Teacher.objects.get(user=a))
    assert not groups.groups_taught_by(a).exists()
    with pytest.raises(Http404):
        groups.group_for_teacher(a, group.key)


def test_archived_groups_stay_visible_to_their_teacher():
    a = teacher()
    group = _group(a)
    groups.set_archived(group, True)
    assert not groups.groups_taught_by(a).exists()
    assert groups.group_for_teacher(a, group.key) == group


# -- aggregates ---------------------------------------------------------------------------------
def _row(report, mod):
    return next(row for row in report["rows"] if row["module"] == mod)


def test_progress_counts_with_known_answers():
    owner = teacher()
    group = _group(owner)
    first, second = module(pass_mark=70), module(pass_mark=70)
    members = [learner() for _ in range(5)]
    for user in members:
        groups.join(user, group.join_code)
    # module 1: four opened (one only read a lesson), three passed; best scores 90, 80, 70, 40
    LessonProgress.objects.create(user=members[4], lesson=first.lessons.first())
    _attempt(members[0], first, 5)
    _attempt(members[0], first, 9)
    _attempt(members[1], first, 8)
    _attempt(members[2], first, 7)
    _attempt(members[3], first, 4)
    # module 2: two passed (small)
    _attempt(members[0], second, 10)
    _attempt(members[1], second, 10)
    # an outsider's attempt does not count
    _attempt(learner(), first, 10)
    report = groups.progress(group)
    assert report["members"] == 5
    assert _row(report, first) == {"module": first, "opened": 5, "passed": 3, "median": 75}
    assert _row(report, second) == {
        "module": second,
        "opened": None,
        "passed": None,
        "median": None,
    }


def test_all_required_share_and_the_small_count_rule():
    owner = teacher()
    group = _group(owner)
    mod = module(pass_mark=50)
    required = [mod]
    from openkreis.learning.models import Module

    Module.objects.exclude(pk=mod.pk).update(required=False)
    members = [learner() for _ in range(4)]
    for user in members:
        groups.join(user, group.join_code)
    for user in members[:2]:
        _attempt(user, required[0], 10)
    report = groups.progress(group)
    assert report["complete"] is None and report["complete_share"] is None  # 2 < 3
    _attempt(members[2], required[0], 10)
    report = groups.progress(group)
    assert report["complete"] == 3 and report["complete_share"] == 75


# -- demo -------------------------------------------------------------------------------------
def test_the_demo_teacher_group_and_office_and_a_second_run_changes_nothing(harz):
    from django.conf import settings
    from django.contrib.auth import get_user_model

    from openkreis.core.loader import LoadReport
    from openkreis.core.models import StaffMembership
    from openkreis.core.staff import has_mfa_device

    folder = settings.OPENKREIS_TENANTS_DIR / "harz"
    first = LoadReport()
    groups.load_demo(harz, folder, first)
    assert first.created == 1
    assert any(groups.DEMO_OFFICE_SECRET in line for line in first.messages)
    users = get_user_model().objects
    lehrkraft = users.get(username=groups.DEMO_TEACHER)
    assert lehrkraft.check_password(groups.DEMO_TEACHER_PASSWORD)
    group = groups.group_for_teacher(lehrkraft, LearnerGroup.objects.get(join_code="HARZ2026").key)
    assert group.name == "Smartphone-Kurs Wernigerode" and group.municipality.name == "Wernigerode"
    office = users.get(username=groups.DEMO_OFFICE)
    assert StaffMembership.objects.filter(user=office, role="learning_office").exists()
    assert has_mfa_device(office)
    second = LoadReport()
    groups.load_demo(harz, folder, second)
    assert second.created == 0
    assert LearnerGroup.objects.filter(join_code="HARZ2026").count() == 1
