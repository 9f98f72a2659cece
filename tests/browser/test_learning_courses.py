"""Courses in the browser at 390 px with axe-core (L1): a learner reads a lesson and passes a
module's quiz (all four kinds of question), with large text on; the same quiz without
JavaScript; no sideways scrolling; screenshots at phone and desktop width."""

import re

import pytest
from playwright.sync_api import expect

from .conftest import DESKTOP, PHONE, axe, format_violations, run_on_portal, screenshot

pytestmark = [pytest.mark.browser, pytest.mark.slow]
PASSWORD = "ein-langes-passwort-2026"  # noqa: S105 (test account)
MODULE = "l1-browser-modul"

SETUP = f"""
from allauth.account.models import EmailAddress
from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import PBKDF2PasswordHasher
from openkreis.learning.models import Lesson, Module, Question, QuizAttempt, LessonProgress
User = get_user_model()
for name in ("l1-browser-js", "l1-browser-nojs"):
    user, _ = User.objects.get_or_create(username=name, defaults={{"email": name + "@example.org"}})
    # the served portal hashes with PBKDF2/Argon2, the shell with the test settings' MD5
    user.password = PBKDF2PasswordHasher().encode("{PASSWORD}", "l1salt")
    user.save()
    EmailAddress.objects.update_or_create(
        user=user, email=user.email, defaults={{"verified": True, "primary": True}})
    QuizAttempt.objects.filter(user=user).delete()
    LessonProgress.objects.filter(user=user).delete()
m, _ = Module.objects.update_or_create(slug="{MODULE}", defaults=dict(
    title="Browser-Testmodul (L1)", summary="Zum Testen.", order=999, required=False,
    pass_mark=100, questions_per_quiz=4))
Lesson.objects.update_or_create(module=m, slug="erste", defaults=dict(order=1,
    title="Erste Lektion", body="Ein **Text** mit einem [Link](/termine/).\\n\\n- eins\\n- zwei",
    exercise="Probieren Sie es aus."))
Lesson.objects.update_or_create(module=m, slug="zweite", defaults=dict(order=2,
    title="Zweite Lektion", body="Noch ein Text."))
opts = lambda *keys: [{{"key": k, "text": "Antwort " + k.upper()}} for k in keys]
Question.objects.update_or_create(module=m, key="einzel", defaults=dict(kind="single",
    text="Welche ist richtig?", options=opts("a", "b"), answer="a", explanation="A ist richtig."))
Question.objects.update_or_create(module=m, key="mehrere", defaults=dict(kind="multiple",
    text="Welche sind richtig?", options=opts("a", "b", "c"), answer=["a", "c"]))
Question.objects.update_or_create(module=m, key="ordnen", defaults=dict(kind="ordering",
    text="In welche Reihenfolge?", options=opts("x", "y", "z"), answer=["x", "y", "z"]))
Question.objects.update_or_create(module=m, key="paare", defaults=dict(kind="matching",
    text="Was passt?", options=opts("x", "y"),
    pairs=[{{"key": "p1", "text": "Partner 1"}}, {{"key": "p2", "text": "Partner 2"}}],
    answer={{"x": "p2", "y": "p1"}}))
print("ok")
"""


def _no_sideways(page) -> bool:
    return page.evaluate(
        "() => document.documentElement.scrollWidth <= document.documentElement.clientWidth"
    )


def _check(page, name: str, *, with_axe: bool = True) -> None:
    if with_axe:
        violations = axe(page)
        assert not violations, format_violations(violations)
    assert _no_sideways(page), name
    screenshot(page, f"learning-courses-{name}")


def _login(page, portal_url, user, next_path):
    page.goto(f"{portal_url}/konto/login/?next={next_path}")
    page.fill("input[name=login]", user)
    page.fill("input[name=password]", PASSWORD)
    page.locator("main form button[type=submit]").first.click()
    expect(page).to_have_url(re.compile(re.escape(next_path) + "$"))


def _answer_everything(page):
    page.locator("input[name=q-einzel][value=a]").check()
    page.locator("input[name=q-mehrere][value=a]").check()
    page.locator("input[name=q-mehrere][value=c]").check()
    for key, number in (("x", "1"), ("y", "2"), ("z", "3")):
        page.select_option(f"select[name=q-ordnen-{key}]", number)
    page.select_option("select[name=q-paare-x]", "p2")
    page.select_option("select[name=q-paare-y]", "p1")
    page.locator("#quiz-submit").click()


def test_read_a_lesson_and_pass_the_quiz_with_large_text(browser, portal_url):
    assert "ok" in run_on_portal(SETUP)
    context = browser.new_context(viewport=PHONE, bypass_csp=True, locale="de-DE")
    page = context.new_page()
    page.goto(portal_url + "/digital/")
    expect(page.locator("h1")).to_be_visible()
    _check(page, "index-visitor-390")
    # large text for a visitor, kept after the login
    page.locator(".learning-text-size button").click()
    expect(page.locator("body")).to_have_class(re.compile(r"\blearning-large\b"))
    _login(page, portal_url, "l1-browser-js", f"/digital/module/{MODULE}/")
    expect(page.locator("body")).to_have_class(re.compile(r"\blearning-large\b"))
    _check(page, "module-large-390")
    page.locator(f"a[href='/digital/module/{MODULE}/erste/']").first.click()
    expect(page.locator("h1")).to_have_text("Erste Lektion")
    expect(page.locator(".learning-text strong")).to_have_text("Text")
    _check(page, "lesson-large-390")
    page.locator("#lesson-done").click()
    expect(page.locator("h1")).to_have_text("Zweite Lektion")
    page.locator("#lesson-done").click()
    expect(page).to_have_url(re.compile(rf"/digital/module/{MODULE}/$"))
    expect(page.locator(".learning-lessons .badge-ok")).to_have_count(2)
    page.locator(f"a[href='/digital/module/{MODULE}/quiz/']").click()
    expect(page.locator("fieldset.learning-question")).to_have_count(4)
    _check(page, "quiz-large-390")
    _answer_everything(page)
    expect(page.locator(".learning-result-passed")).to_be_visible()
    expect(page.locator(".learning-feedback .learning-right")).to_have_count(4)
    _check(page, "result-large-390")
    page.set_viewport_size(DESKTOP)
    screenshot(page, "learning-courses-result-large-1280")
    page.goto(portal_url + "/digital/mein-fortschritt/")
    expect(page.locator("main")).to_contain_text("Browser-Testmodul (L1)")
    _check(page, "progress-large-1280")
    context.close()


def test_the_quiz_without_javascript(browser, portal_url):
    assert "ok" in run_on_portal(SETUP)
    context = browser.new_context(
        viewport=PHONE, java_script_enabled=False, bypass_csp=True, locale="de-DE"
    )
    page = context.new_page()
    _login(page, portal_url, "l1-browser-nojs", f"/digital/module/{MODULE}/quiz/")
    expect(page.locator("fieldset.learning-question")).to_have_count(4)
    _check(page, "quiz-nojs-390", with_axe=False)
    # a wrong answer first: not passed, with the explanation
    page.locator("input[name=q-einzel][value=b]").check()
    page.locator("#quiz-submit").click()
    expect(page.locator(".learning-result-failed")).to_be_visible()
    expect(page.locator("main")).to_contain_text("A ist richtig.")
    _check(page, "result-failed-nojs-390", with_axe=False)
    page.goto(f"{portal_url}/digital/module/{MODULE}/quiz/")
    _answer_everything(page)
    expect(page.locator(".learning-result-passed")).to_be_visible()
    context.close()
