"""Learning groups in the browser (L2): a teacher creates a group, a learner joins it with
the code (a wrong code first: a clear message), and the teacher sees the group's counts —
no names. At 390 px with axe-core on every page, no sideways scrolling, screenshots at 390
and 1280 px."""

import re

import pytest
from playwright.sync_api import expect

from .conftest import DESKTOP, PHONE, axe, format_violations, run_on_portal, screenshot

pytestmark = [pytest.mark.browser, pytest.mark.slow]
PASSWORD = "ein-langes-passwort-2026"  # noqa: S105 (test accounts only)
TEACHER = "l2-browser-lehrkraft"
LEARNER = "l2-browser-lernende"
GROUP = "Tablet-Treff L2-Browsertest"

SETUP = """
from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import PBKDF2PasswordHasher
from django.utils import timezone
from allauth.account.models import EmailAddress
from openkreis.learning.models import Teacher
User = get_user_model()
for name in ({teacher!r}, {learner!r}):
    if not User.objects.filter(username=name).exists():
        user = User.objects.create_user(name, name + '@example.org')
        # the served portal (production settings) has no MD5 hasher: PBKDF2 as it stores it
        user.password = PBKDF2PasswordHasher().encode({password!r}, 'l2salt')
        user.save()
        EmailAddress.objects.create(user=user, email=user.email, verified=True, primary=True)
Teacher.objects.get_or_create(user=User.objects.get(username={teacher!r}),
    defaults=dict(organisation='KVHS Harz', approved_at=timezone.now()))
print('ok')
"""

# two more learners join the group by its code (as they would on their own phones)
MORE = """
from django.contrib.auth import get_user_model
from openkreis.learning import groups
User = get_user_model()
for i in (1, 2):
    user, _ = User.objects.get_or_create(username=f'l2-browser-mitglied-{{i}}')
    groups.join(user, {code!r})
print('ok')
"""


def login(page, base: str, username: str, target: str) -> None:
    page.goto(base + target)
    expect(page).to_have_url(re.compile(r"/konto/login/"))
    page.fill("input[name=login]", username)
    page.fill("input[name=password]", PASSWORD)
    page.locator("main form button[type=submit]").first.click()
    expect(page).to_have_url(re.compile(re.escape(target.split("?")[0])))


def check(page, desktop, name: str) -> None:
    """No sideways scrolling at 390 px, no axe violations, screenshots at 390 and 1280."""
    expect(page.locator("h1")).to_be_visible()
    wide = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
    assert wide <= 0, f"{name}: {wide} px sideways scrolling at 390 px"
    screenshot(page, f"learning-groups-{name}-390")
    violations = axe(page)
    assert violations == [], format_violations(violations)
    desktop.goto(page.url)
    expect(desktop.locator("h1")).to_be_visible()
    screenshot(desktop, f"learning-groups-{name}-1280")


def test_teacher_creates_a_group_a_learner_joins_the_teacher_sees_counts(browser, portal_url):
    setup = SETUP.format(teacher=TEACHER, learner=LEARNER, password=PASSWORD)
    assert "ok" in run_on_portal(setup)
    teacher_ctx = browser.new_context(viewport=PHONE, locale="de-DE", bypass_csp=True)
    teacher = teacher_ctx.new_page()
    teacher_wide = teacher_ctx.new_page()
    teacher_wide.set_viewport_size(DESKTOP)
    login(teacher, portal_url, TEACHER, "/digital/lehrkraft/")
    check(teacher, teacher_wide, "teacher-home")
    teacher.locator("main a[href='/digital/lehrkraft/gruppen/neu/']").click()
    expect(teacher).to_have_url(re.compile(r"/gruppen/neu/$"))
    teacher.fill("input[name=name]", GROUP)
    teacher.select_option("select[name=kind]", "seniors")
    teacher.select_option("select[name=municipality]", label="Wernigerode")
    check(teacher, teacher_wide, "group-new")
    teacher.locator("main form button[type=submit]").click()
    expect(teacher).to_have_url(re.compile(r"/lehrkraft/gruppen/[0-9a-f-]{36}/$"))
    code = teacher.locator(".join-code-large").inner_text().strip()
    assert re.fullmatch(r"[A-Z2-9]{8}", code), code
    expect(teacher.locator(".group-members")).to_contain_text("0")
    check(teacher, teacher_wide, "group-empty")

    learner_ctx = browser.new_context(viewport=PHONE, locale="de-DE", bypass_csp=True)
    learner = learner_ctx.new_page()
    learner_wide = learner_ctx.new_page()
    learner_wide.set_viewport_size(DESKTOP)
    login(learner, portal_url, LEARNER, "/digital/gruppe/")
    learner.fill("input[name=code]", "FALSCH99")
    learner.locator("main form button[type=submit]").first.click()
    expect(learner.locator(".error-summary")).to_be_visible()
    expect(learner.locator("#id_code-error")).to_be_visible()
    check(learner, learner_wide, "join-wrong-code")
    learner.fill("input[name=code]", code.lower())
    learner.locator("main form button[type=submit]").first.click()
    expect(learner.locator(".group-list")).to_contain_text(GROUP)
    check(learner, learner_wide, "joined")
    learner_ctx.close()

    assert "ok" in run_on_portal(MORE.format(code=code))
    teacher.reload()
    expect(teacher.locator(".group-members")).to_contain_text("3")
    body = teacher.locator("main").inner_text()
    assert LEARNER not in body and "l2-browser-mitglied" not in body
    check(teacher, teacher_wide, "group-counts")
    teacher_ctx.close()
