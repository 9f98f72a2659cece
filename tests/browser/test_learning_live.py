"""Live quiz in the browser (L3): the teacher's screen on a desktop and a learner's phone in two
browser contexts. The teacher starts a quiz, the learner joins by the code without an account,
answers, the teacher shows the answers (the chart counts the learner's answer), and the
learner's page turns to the result by itself (polling). axe-core on every page at 390 px
(the learner) and 1280 px (the teacher); no sideways scrolling on the phone."""

import re

import pytest
from playwright.sync_api import expect

from .conftest import DESKTOP, PHONE, axe, format_violations, run_on_portal, screenshot

pytestmark = [pytest.mark.browser, pytest.mark.slow]
TEACHER = "l3-live-lehrkraft"
PASSWORD = "ein-langes-passwort-l3-2026"
MODULE = "l3-live-browsertest"

SETUP = f"""
from allauth.account.models import EmailAddress
from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import PBKDF2PasswordHasher
from django.utils import timezone
from openkreis.learning.models import Module, Question, Teacher
User = get_user_model()
user, made = User.objects.get_or_create(
    username={TEACHER!r}, defaults={{"email": "l3@example.org"}})
if made:
    user.password = PBKDF2PasswordHasher().encode({PASSWORD!r}, "l3salt")
    user.save()
    EmailAddress.objects.create(user=user, email=user.email, verified=True, primary=True)
Teacher.objects.get_or_create(user=user, defaults={{"approved_at": timezone.now()}})
mod, _ = Module.objects.get_or_create(slug={MODULE!r}, defaults={{
    "title": "Live-Test: Sicher im Netz", "order": 999}})
for i, text in enumerate(["Was ist ein sicheres Passwort?", "Wem geben Sie Ihre PIN?"], 1):
    Question.objects.update_or_create(module=mod, key=f"frage-{{i}}", defaults={{
        "kind": "single", "text": text,
        "options": [{{"key": "a", "text": "Lang und einmalig"}},
                    {{"key": "b", "text": "Der Vorname"}}],
        "answer": "a"}})
print("ok", mod.pk)
"""


def check(page, name: str) -> None:
    expect(page.locator("h1")).to_be_visible()
    wide = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
    assert wide <= 0, f"{name}: {wide} px sideways scrolling"
    screenshot(page, f"learning-live-{name}")
    violations = axe(page)
    assert violations == [], format_violations(violations)


def test_teacher_and_learner_play_a_live_quiz(browser, portal_url):
    out = run_on_portal(SETUP)
    assert "ok" in out, out
    module_pk = out.strip().split()[-1]

    teacher_ctx = browser.new_context(viewport=DESKTOP, locale="de-DE", bypass_csp=True)
    teacher = teacher_ctx.new_page()
    teacher.goto(portal_url + "/digital/live/neu/")
    expect(teacher).to_have_url(re.compile(r"/konto/login/"))
    teacher.fill("input[name=login]", TEACHER)
    teacher.fill("input[name=password]", PASSWORD)
    teacher.locator("main form button[type=submit]").first.click()
    expect(teacher).to_have_url(re.compile(r"/digital/live/neu/$"))
    check(teacher, "new-1280")
    teacher.select_option("select[name=module]", module_pk)
    teacher.locator("main form button[type=submit]").click()
    expect(teacher).to_have_url(re.compile(r"/digital/live/[0-9a-f-]{36}/$"))
    code = teacher.locator(".live-code").inner_text().strip()
    assert re.fullmatch(r"\d{6}", code)
    check(teacher, "host-lobby-1280")

    learner_ctx = browser.new_context(viewport=PHONE, locale="de-DE", bypass_csp=True)
    learner = learner_ctx.new_page()
    learner.goto(portal_url + f"/quiz/?code={code}")
    expect(learner.locator("input[name=code]")).to_have_value(code)
    check(learner, "join-390")
    learner.locator("main form button[type=submit]").click()
    expect(learner).to_have_url(re.compile(rf"/digital/quiz/{code}/$"))
    check(learner, "lobby-390")
    expect(teacher.locator('[data-live="participants"]')).to_have_text("1")  # polled

    teacher.locator("button[value=next]").click()
    expect(teacher.locator(".live-question")).to_contain_text("sicheres Passwort")
    # the learner's page swaps the question in by itself
    expect(learner.locator("legend.live-question")).to_contain_text("sicheres Passwort")
    check(learner, "question-390")
    learner.get_by_label("Lang und einmalig").check()
    learner.locator("main form.live-answer button[type=submit]").click()
    expect(learner.locator(".live-wait")).to_be_visible()
    check(learner, "answered-390")
    expect(teacher.locator('[data-live="answered"]')).to_have_text("1")

    teacher.locator("button[value=reveal]").click()
    expect(teacher.locator(".live-chart svg")).to_be_visible()
    expect(teacher.locator(".live-table tbody tr").first).to_contain_text("1")
    check(teacher, "host-reveal-1280")
    expect(learner.locator(".live-result-right")).to_be_visible()
    check(learner, "result-390")

    teacher.locator("button[value=end]").click()
    expect(teacher).to_have_url(re.compile(r"/ergebnis/$"))
    expect(teacher.locator("main")).to_contain_text("100")
    check(teacher, "results-1280")
    learner_ctx.close()
    teacher_ctx.close()


def test_learner_without_javascript_answers_and_refreshes(browser, portal_url):
    out = run_on_portal(SETUP)
    module_pk = out.strip().split()[-1]
    code = (
        run_on_portal(
            f"""
from django.contrib.auth import get_user_model
from openkreis.learning import live
from openkreis.learning.models import Module
s = live.create_session(get_user_model().objects.get(username={TEACHER!r}),
                        Module.objects.get(pk={module_pk}))
live.next_question(s, -1)
print(s.code)
"""
        )
        .strip()
        .split()[-1]
    )
    context = browser.new_context(
        viewport=PHONE, locale="de-DE", bypass_csp=True, java_script_enabled=False
    )
    page = context.new_page()
    page.goto(portal_url + f"/quiz/?code={code}")
    page.locator("main form button[type=submit]").click()
    expect(page.locator("legend.live-question")).to_be_visible()
    page.get_by_label("Der Vorname").check()
    page.locator("main form.live-answer button[type=submit]").click()
    expect(page.locator(".live-wait")).to_be_visible()
    run_on_portal(
        f"""
from openkreis.learning import live
s = live.open_by_code({code!r})
live.reveal(s, 0)
"""
    )
    page.locator("a.live-refresh").click()
    expect(page.locator(".live-result-wrong")).to_be_visible()
    screenshot(page, "learning-live-nojs-result-390")
    context.close()
