"""Pages of the Digitaler Führerschein's courses (owner: L1): start page, modules, lessons,
quiz with result, my progress, large text."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponseRedirect
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext
from django.views.decorators.http import require_POST

from . import courses, markup, quiz
from .forms_courses import QuizForm
from .models import Lesson, Module, QuizAttempt

TEXT_COOKIE = "learning_text"
TEXT_COOKIE_AGE = 365 * 24 * 3600


def _module(slug: str) -> Module:
    try:
        return courses.get_module(slug)
    except Module.DoesNotExist as exc:
        raise Http404("no such module") from exc


def index(request):
    rows = courses.progress(request.user)
    return render(
        request,
        "learning/index.html",
        {
            "rows": rows,
            "next": courses.next_step(request.user, rows)
            if request.user.is_authenticated
            else None,
        },
    )


def module(request, slug):
    item = _module(slug)
    read = courses.read_lessons(request.user, item)
    lessons = list(item.lessons.order_by("order", "slug"))
    passed = open_attempt = None
    if request.user.is_authenticated:
        passed = QuizAttempt.objects.filter(user=request.user, module=item, passed=True).exists()
        open_attempt = quiz.open_attempt(request.user, item)
    return render(
        request,
        "learning/module.html",
        {
            "module": item,
            "title": courses.localized(item, "title"),
            "summary": courses.localized(item, "summary"),
            "lessons": [
                (lesson, courses.localized(lesson, "title"), lesson.pk in read)
                for lesson in lessons
            ],
            "passed": passed,
            "open_attempt": open_attempt,
            "first_lesson": lessons[0] if lessons else None,
        },
    )


def lesson(request, slug, lesson):
    item = _module(slug)
    page = get_object_or_404(Lesson, module=item, slug=lesson)
    before, after = courses.neighbours(page)
    if request.method == "POST":
        if not request.user.is_authenticated:
            return redirect(f"{reverse('account_login')}?next={request.path}")
        courses.mark_read(request.user, page)
        if after is not None:
            return redirect("learning:lesson", item.slug, after.slug)
        return redirect("learning:module", item.slug)
    read = page.pk in courses.read_lessons(request.user, item)
    lessons = list(item.lessons.order_by("order", "slug"))
    return render(
        request,
        "learning/lesson.html",
        {
            "module": item,
            "module_title": courses.localized(item, "title"),
            "lesson": page,
            "title": courses.localized(page, "title"),
            "body": markup.render(courses.localized(page, "body")),
            "exercise": markup.render(courses.localized(page, "exercise")),
            "links": [link for link in page.links if markup.allowed_url(link.get("url", ""))],
            "read": read,
            "before": before,
            "after": after,
            "position": lessons.index(page) + 1,
            "count": len(lessons),
        },
    )


@login_required
def quiz_page(request, slug):
    item = _module(slug)
    try:
        attempt = quiz.start(request.user, item)
    except quiz.QuizError as exc:
        messages.error(request, str(exc))
        return redirect("learning:module", item.slug)
    form = QuizForm(attempt, quiz.questions_of(attempt), request.POST or None)
    if request.method == "POST" and form.is_valid():
        finish = "save" not in request.POST
        try:
            attempt = quiz.submit(attempt, form.cleaned_data["answers"], finish=finish)
        except quiz.QuizError as exc:
            messages.error(request, str(exc))
            return redirect("learning:quiz", item.slug)
        if not finish:
            messages.success(request, _saved_message())
            return redirect("learning:quiz", item.slug)
        return redirect("learning:quiz_result", item.slug, attempt.key)
    status = 400 if request.method == "POST" else 200
    return render(
        request,
        "learning/quiz.html",
        {"module": item, "title": courses.localized(item, "title"), "form": form,
         "attempt": attempt},
        status=status,
    )  # fmt: skip


def _saved_message() -> str:
    return gettext("Your answers are saved. You can continue later, also on another device.")


@login_required
def quiz_result(request, slug, key):
    item = _module(slug)
    attempt = get_object_or_404(
        QuizAttempt, key=key, module=item, user=request.user, finished_at__isnull=False
    )
    percent = round(100 * attempt.correct / attempt.total) if attempt.total else 0
    return render(
        request,
        "learning/quiz_result.html",
        {
            "module": item,
            "title": courses.localized(item, "title"),
            "attempt": attempt,
            "percent": percent,
            "feedback": quiz.feedback(attempt),
            "next": courses.next_step(request.user),
        },
    )


@login_required
def progress(request):
    rows = courses.progress(request.user)
    return render(
        request,
        "learning/progress.html",
        {
            "rows": rows,
            "next": courses.next_step(request.user, rows),
            "passed_required": courses.passed_required(request.user),
        },
    )


@require_POST
def text_size(request):
    """Large text on or off (a cookie, also for visitors without an account)."""
    large = request.POST.get("size") == "large"
    target = request.POST.get("next") or reverse("learning:index")
    if not url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        target = reverse("learning:index")
    response = HttpResponseRedirect(target)
    if large:
        response.set_cookie(
            TEXT_COOKIE, "large", max_age=TEXT_COOKIE_AGE, samesite="Lax",
            secure=request.is_secure(), httponly=True,
        )  # fmt: skip
    else:
        response.delete_cookie(TEXT_COOKIE, samesite="Lax")
    return response
