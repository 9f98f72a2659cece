"""A code-based survey on a phone (320 px) in Chromium, served by gunicorn with the production
settings (tests/browser/conftest.py): the letter's QR link opens the survey with the code filled
in, the questionnaire shows a conditional question only after its answer (JavaScript), errors
come back in a summary that links to the question, the receipt is shown and found in the
published list. Then the same without JavaScript: every question on one page with its
condition written next to it, the answer of a question not asked is dropped by the server.
axe-core (WCAG 2.1 A/AA) on every page; no sideways scrolling; screenshots at 320 and 1280 px
into /tmp/shots_P2/."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from playwright.sync_api import expect

from .conftest import DESKTOP, axe, format_violations, run_on_portal

pytestmark = [pytest.mark.browser, pytest.mark.slow]
PHONE = {"width": 320, "height": 720}
SHOTS = Path(os.environ.get("OPENKREIS_P2_SHOTS", "/tmp/shots_P2"))  # noqa: S108

# the served portal's SECRET_KEY (tests/browser/conftest.py): the codes' HMAC is keyed with it
SETUP = """
import json
from django.conf import settings
settings.SECRET_KEY = "browser-test-" + "k" * 60
from openkreis.participation import voting
from openkreis.participation.models import ParticipationCode, Survey
from openkreis.participation.tests.factories import survey
s = survey(audience=Survey.Audience.CODES, key="radweg-browsertest", name="Radwege im Harz",
    name_en="Cycle paths in the Harz", questions=[
    {"kind": "single", "required": True},
    {"kind": "text", "required": True, "show_if": [(0, "ja")]},
    {"kind": "scale"},
    {"kind": "ranking", "max_choices": 2},
    {"kind": "point"},
])
codes = [voting.new_code() for _ in range(3)]
for c in codes:
    ParticipationCode.objects.create(survey=s, code_hash=voting.code_hash(c))
print(json.dumps({"key": s.key, "codes": codes}))
"""


@pytest.fixture(scope="module")
def survey_codes(portal_url):  # noqa: F811
    out = run_on_portal(SETUP)
    return json.loads(out.strip().splitlines()[-1])


def shoot(page, name: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)


def check(page, name: str) -> None:
    """axe-core, no sideways scrolling at 320 px, a screenshot."""
    violations = axe(page)
    assert violations == [], format_violations(violations)
    assert page.evaluate("document.documentElement.scrollWidth") <= 320, name
    shoot(page, f"{name}-320")


def answers_of(receipt: str) -> list:
    out = run_on_portal(
        "import json; from openkreis.participation.models import Answer; "
        f"print(json.dumps(sorted(Answer.objects.filter(ballot__receipt={receipt!r})"
        ".values_list('question__kind', flat=True))))"
    )
    return json.loads(out.strip().splitlines()[-1])


def test_code_letter_survey_on_a_phone_with_javascript(browser, portal_url, survey_codes):  # noqa: F811
    key, code = survey_codes["key"], survey_codes["codes"][0]
    context = browser.new_context(viewport=PHONE, locale="de-DE", bypass_csp=True)
    page = context.new_page()
    page.goto(f"{portal_url}/beteiligung/")
    expect(page.locator("h1")).to_have_text("Mitreden")
    expect(page.get_by_role("link", name="Radwege im Harz")).to_be_visible()
    check(page, "index")

    # the QR code on the letter opens the survey with the code filled in
    page.goto(f"{portal_url}/beteiligung/umfragen/{key}/?code={code}")
    expect(page.locator("h1")).to_have_text("Radwege im Harz")
    expect(page.get_by_label("Ihr Code aus dem Brief")).to_have_value(code)
    check(page, "survey")
    page.get_by_role("button", name="Umfrage beginnen").click()

    expect(page.get_by_role("button", name="Antworten absenden")).to_be_visible()
    conditional = page.locator("[data-show-if]")
    expect(conditional).to_be_hidden()  # asked only after "Ja"
    check(page, "questionnaire")

    # sent without the required answer: the summary links to the question, focus can go there
    page.get_by_role("button", name="Antworten absenden").click()
    summary = page.locator(".error-summary")
    expect(summary).to_contain_text("Bitte wählen Sie eine Antwort.")
    summary.get_by_role("link").first.click()
    expect(page.get_by_label("Ja")).to_be_focused()
    check(page, "questionnaire-error")

    page.get_by_label("Ja").check()
    expect(conditional).to_be_visible()
    conditional.locator("textarea").fill("Ein Radweg nach Thale fehlt.")
    page.get_by_label("4", exact=True).check()
    page.get_by_label("Platz 1").select_option(label="Pünktlichkeit")
    page.get_by_label("Beschreiben Sie den Ort").fill("Thale, Bahnhof")
    page.get_by_role("button", name="Antworten absenden").click()

    expect(page.locator("h1")).to_have_text("Vielen Dank: Ihre Antworten wurden gezählt")
    receipt = page.locator("#receipt").inner_text().strip()
    assert len(receipt) == 11
    check(page, "thanks")
    assert answers_of(receipt) == ["point", "ranking", "scale", "single", "text"]

    page.get_by_role("link", name="Beleg in der veröffentlichten Liste prüfen").click()
    expect(page.locator(".receipt-list")).to_contain_text(receipt)
    page.get_by_label("Ihr Beleg").fill(receipt.lower())
    page.get_by_role("button", name="Prüfen").click()
    expect(page.locator("#check-result")).to_have_text(
        f"Ihr Beleg {receipt} steht in der Liste: Ihre Antworten wurden gezählt."
    )
    check(page, "receipts")

    # the same code once more (a second tab, a retry): refused, nothing counted twice
    page.goto(f"{portal_url}/beteiligung/umfragen/{key}/?code={code}")
    page.get_by_role("button", name="Umfrage beginnen").click()
    expect(page.locator(".error-summary")).to_contain_text("Dieser Code wurde schon benutzt.")
    context.close()

    desktop = browser.new_context(viewport=DESKTOP, locale="de-DE", bypass_csp=True)
    page = desktop.new_page()
    page.goto(f"{portal_url}/beteiligung/umfragen/{key}/?code={survey_codes['codes'][2]}")
    shoot(page, "survey-1280")
    page.get_by_role("button", name="Umfrage beginnen").click()
    expect(page.get_by_role("button", name="Antworten absenden")).to_be_visible()
    shoot(page, "questionnaire-1280")
    assert axe(page) == []
    page.goto(f"{portal_url}/beteiligung/umfragen/{key}/belege/")
    shoot(page, "receipts-1280")
    desktop.close()


def test_code_letter_survey_without_javascript(browser, portal_url, survey_codes):  # noqa: F811
    key, code = survey_codes["key"], survey_codes["codes"][1]
    context = browser.new_context(
        viewport=PHONE, locale="de-DE", java_script_enabled=False, bypass_csp=True
    )
    page = context.new_page()
    page.goto(f"{portal_url}/beteiligung/umfragen/{key}/?code={code}")
    expect(page.get_by_label("Ihr Code aus dem Brief")).to_have_value(code)
    page.get_by_role("button", name="Umfrage beginnen").click()

    conditional = page.locator("[data-show-if]")
    expect(conditional).to_be_visible()  # every question on one page …
    expect(conditional).to_contain_text("Nur wenn Sie in Frage 1 „Ja“ gewählt haben.")
    expect(page.locator(".point-map")).to_be_hidden()  # … the map needs JavaScript
    shoot(page, "questionnaire-nojs-320")
    assert page.evaluate("document.documentElement.scrollWidth") <= 320

    page.get_by_label("Nein").check()
    conditional.locator("textarea").fill("Das wurde nicht gefragt.")
    page.get_by_label("Platz 1").select_option(label="Günstigere Fahrkarten")
    page.get_by_label("Platz 2").select_option(label="Günstigere Fahrkarten")
    page.get_by_role("button", name="Antworten absenden").click()
    # the same option twice: refused, what was typed is still there
    expect(page.locator(".error-summary")).to_contain_text("Jede Antwort kann nur einen Platz")
    expect(conditional.locator("textarea")).to_have_value("Das wurde nicht gefragt.")
    expect(page.get_by_label("Nein")).to_be_checked()
    page.get_by_label("Platz 2").select_option(label="Häufigere Fahrten")
    page.get_by_role("button", name="Antworten absenden").click()

    expect(page.locator("h1")).to_have_text("Vielen Dank: Ihre Antworten wurden gezählt")
    receipt = page.locator("#receipt").inner_text().strip()
    shoot(page, "thanks-nojs-320")
    # the text of the question not asked was dropped by the server
    assert answers_of(receipt) == ["ranking", "ranking", "single"]
    page.goto(f"{portal_url}/beteiligung/umfragen/{key}/belege/")
    expect(page.locator(".receipt-list")).to_contain_text(receipt)
    context.close()
