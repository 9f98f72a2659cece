"""Courses of the Digitaler Führerschein (owner: L1): modules, lessons, a learner's progress
and what to do next. Progress belongs to the account, so it resumes on any device.

Functions others call: `passed_required(user)`, `passed_modules(user)` (L4's certificate),
`progress(user)`, `next_step(user)`, `group_context(user)` (events' group kind/municipality).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.db import transaction
from django.urls import reverse
from django.utils.translation import get_language

from openkreis.core import event_kinds
from openkreis.core.services import record_event

from .models import GroupMembership, Lesson, LessonProgress, Module, QuizAttempt


def localized(obj, name: str) -> str:
    """The English field when the page is in English and it is filled, else the German one."""
    if (get_language() or "de").startswith("en"):
        value = getattr(obj, f"{name}_en", "")
        if value:
            return value
    return getattr(obj, name)


def modules():
    """The published modules in their order."""
    return Module.objects.filter(published=True).order_by("order", "slug")


def get_module(slug: str) -> Module:
    return Module.objects.get(slug=slug, published=True)


def group_context(user) -> dict:
    """The learner's newest group's kind and municipality (ARS) for events; "" without."""
    membership = (
        GroupMembership.objects.filter(user=user, role=GroupMembership.Role.LEARNER)
        .select_related("group__municipality")
        .order_by("-joined_at", "-pk")
        .first()
    )
    if membership is None:
        return {"group_kind": "", "municipality": ""}
    group = membership.group
    return {
        "group_kind": group.kind,
        "municipality": group.municipality.ars if group.municipality else "",
    }


def has_started(user, module: Module) -> bool:
    return (
        LessonProgress.objects.filter(user=user, lesson__module=module).exists()
        or QuizAttempt.objects.filter(user=user, module=module).exists()
    )


def note_started(user, module: Module) -> None:
    """Record LEARNING_MODULE_STARTED when the learner has done nothing in the module yet
    (call before creating the first progress row or attempt, in the same transaction)."""
    if not has_started(user, module):
        record_event(
            event_kinds.LEARNING_MODULE_STARTED, data={"module": module.slug, **group_context(user)}
        )


@transaction.atomic
def mark_read(user, lesson: Lesson) -> bool:
    """The learner read the lesson; True when this is new."""
    if LessonProgress.objects.filter(user=user, lesson=lesson).exists():
        return False
    note_started(user, lesson.module)
    _, created = LessonProgress.objects.get_or_create(user=user, lesson=lesson)
    return created


def read_lessons(user, module: Module | None = None) -> set[int]:
    if not user.is_authenticated:
        return set()
    rows = LessonProgress.objects.filter(user=user)
    if module is not None:
        rows = rows.filter(lesson__module=module)
    return set(rows.values_list("lesson_id", flat=True))


def passed_modules(user) -> list[Module]:
    """The published modules the learner passed (in their order)."""
    if not user.is_authenticated:
        return []
    passed = QuizAttempt.objects.filter(user=user, passed=True).values("module_id")
    return list(modules().filter(pk__in=passed))


def passed_required(user) -> bool:
    """Whether the learner passed every required published module (certificate)."""
    required = set(modules().filter(required=True).values_list("pk", flat=True))
    if not required:
        return False
    return required <= {module.pk for module in passed_modules(user)}


@dataclass
class ModuleProgress:
    module: Module
    lessons: int = 0
    lessons_read: int = 0
    passed: bool = False
    best_percent: int | None = None  # best finished attempt, percent right
    open_attempt: bool = False
    first_unread: Lesson | None = None
    lesson_list: list = field(default_factory=list)

    @property
    def started(self) -> bool:
        return bool(self.lessons_read or self.best_percent is not None or self.open_attempt)


def progress(user) -> list[ModuleProgress]:
    """Progress per published module (lessons read, passed, best score); empty for anonymous
    visitors' rows."""
    rows = list(modules().prefetch_related("lessons"))
    read = read_lessons(user)
    best: dict[int, int] = {}
    passed: set[int] = set()
    open_: set[int] = set()
    if user.is_authenticated:
        for attempt in QuizAttempt.objects.filter(user=user).only(
            "module_id", "correct", "total", "passed", "finished_at"
        ):
            if attempt.finished_at is None:
                open_.add(attempt.module_id)
                continue
            percent = round(100 * attempt.correct / attempt.total) if attempt.total else 0
            best[attempt.module_id] = max(best.get(attempt.module_id, 0), percent)
            if attempt.passed:
                passed.add(attempt.module_id)
    result = []
    for module in rows:
        lessons = list(module.lessons.all())
        unread = [lesson for lesson in lessons if lesson.pk not in read]
        result.append(
            ModuleProgress(
                module=module,
                lessons=len(lessons),
                lessons_read=len(lessons) - len(unread),
                passed=module.pk in passed,
                best_percent=best.get(module.pk),
                open_attempt=module.pk in open_,
                first_unread=unread[0] if unread else None,
                lesson_list=lessons,
            )
        )
    return result


@dataclass
class NextStep:
    kind: str  # "lesson", "quiz", "certificate", "start"
    module: Module | None
    url: str
    lesson: Lesson | None = None


def next_step(user, rows: list[ModuleProgress] | None = None) -> NextStep | None:
    """What the learner should do next: the first unfinished module's next unread lesson,
    else its quiz; the certificate when all required modules are passed."""
    rows = progress(user) if rows is None else rows
    for row in rows:
        if row.passed:
            continue
        if row.first_unread is not None and not row.open_attempt:
            return NextStep(
                "lesson",
                row.module,
                reverse("learning:lesson", args=[row.module.slug, row.first_unread.slug]),
                row.first_unread,
            )
        return NextStep("quiz", row.module, reverse("learning:quiz", args=[row.module.slug]))
    if rows and passed_required(user):
        return NextStep("certificate", None, reverse("learning:progress"))
    return None


def neighbours(lesson: Lesson) -> tuple[Lesson | None, Lesson | None]:
    lessons = list(lesson.module.lessons.order_by("order", "slug"))
    index = next(i for i, item in enumerate(lessons) if item.pk == lesson.pk)
    before = lessons[index - 1] if index > 0 else None
    after = lessons[index + 1] if index + 1 < len(lessons) else None
    return before, after
