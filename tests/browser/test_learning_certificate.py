"""The certificate in the browser at 390 px with axe-core (L4): a learner who passed every
required module confirms the name, gets the certificate, downloads the PDF and the
credential; the verify page (opened as from the QR code) shows it valid, the offline check in
the browser (WebCrypto Ed25519, JCS) agrees, a tampered credential pasted is invalid both
offline and on the server."""

import json
import re

import pytest
from playwright.sync_api import expect

from .conftest import DESKTOP, PHONE, axe, format_violations, run_on_portal, screenshot

pytestmark = [pytest.mark.browser, pytest.mark.slow]
PASSWORD = "ein-langes-passwort-2026"  # noqa: S105 (test account)
USER = "l4-browser-lernende"

SETUP = f"""
from allauth.account.models import EmailAddress
from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import PBKDF2PasswordHasher
from django.utils import timezone
from openkreis.learning.models import Certificate, Module, QuizAttempt
User = get_user_model()
user, made = User.objects.get_or_create(
    username="{USER}", defaults={{"email": "{USER}@example.org"}})
# the served portal (production settings) has no MD5 hasher: PBKDF2 as it would store it
user.password = PBKDF2PasswordHasher().encode("{PASSWORD}", "l4salz")
user.save()
EmailAddress.objects.get_or_create(
    user=user, email=user.email, defaults={{"verified": True, "primary": True}})
Certificate.objects.filter(user=user).delete()
required = list(Module.objects.filter(required=True, published=True))
if not required:
    required = [Module.objects.create(slug="l4-browser-modul", title="Sicher online (Test L4)")]
for m in required:
    QuizAttempt.objects.create(user=user, module=m, correct=4, total=4, passed=True,
                               finished_at=timezone.now())
print("ok", len(required))
"""


def _no_sideways(page) -> bool:
    return page.evaluate(
        "() => document.documentElement.scrollWidth <= document.documentElement.clientWidth"
    )


def _check_page(page, name: str) -> None:
    violations = axe(page)
    assert not violations, format_violations(violations)
    assert _no_sideways(page), name
    screenshot(page, f"learning-{name}-390")


def test_get_download_and_verify_certificate(browser, portal_url, tmp_path):
    assert "\nok " in run_on_portal(SETUP)
    context = browser.new_context(
        viewport=PHONE, bypass_csp=True, locale="de-DE", accept_downloads=True
    )
    page = context.new_page()
    page.goto(portal_url + "/digital/nachweis/")
    expect(page).to_have_url(re.compile(r"/konto/login/"))
    page.fill("input[name=login]", USER)
    page.fill("input[name=password]", PASSWORD)
    page.locator("main form button[type=submit]").first.click()
    expect(page).to_have_url(re.compile(r"/digital/nachweis/$"))
    name = page.locator("input[name=holder_name]")
    expect(name).to_be_visible()
    _check_page(page, "certificate-name")
    name.fill("Erika Browser-Test")
    page.locator("input[name=confirm]").check()
    page.locator("main form button[type=submit]").click()
    pdf_link = page.locator("a[href$='nachweis.pdf']")
    expect(pdf_link).to_be_visible()
    expect(page.locator("main")).to_contain_text("Erika Browser-Test")
    _check_page(page, "certificate")

    with page.expect_download() as info:
        pdf_link.click()
    pdf = tmp_path / "nachweis.pdf"
    info.value.save_as(pdf)
    assert pdf.read_bytes().startswith(b"%PDF")
    with page.expect_download() as info:
        page.locator("a[href$='nachweis.json']").click()
    credential = tmp_path / "nachweis.json"
    info.value.save_as(credential)
    document = json.loads(credential.read_text())
    assert document["proof"]["cryptosuite"] == "eddsa-jcs-2022"

    # as from the QR code: the verify page with the stored credential
    page.locator("main a[href*='pruefen/?id=']").click()
    box = page.locator("#server-result-box")
    expect(box).to_have_attribute("data-valid", "1")
    expect(box.locator("li[data-ok='1']")).to_have_count(4)
    # the offline check in the browser agrees
    page.locator("#verify-offline").click()
    offline = page.locator("#offline-result")
    expect(offline).to_have_attribute("data-valid", "1")
    expect(offline.locator("li[data-check=signature]")).to_have_attribute("data-ok", "1")
    expect(offline.locator("li[data-check=status]")).to_have_attribute("data-ok", "")
    _check_page(page, "verify-valid")

    # a tampered credential pasted: invalid offline and on the server
    document["credentialSubject"]["identifier"][0]["identityHash"] = "Max Manipuliert"
    page.locator("#id_credential").fill(json.dumps(document))
    page.locator("#verify-offline").click()
    expect(offline).to_have_attribute("data-valid", "0")
    expect(offline.locator("li[data-check=signature]")).to_have_attribute("data-ok", "0")
    page.locator("#verify-form button[type=submit]").click()
    expect(page.locator("#server-result-box")).to_have_attribute("data-valid", "0")
    expect(page.locator("li[data-check=signature]")).to_have_attribute("data-ok", "0")
    _check_page(page, "verify-tampered")
    page.set_viewport_size(DESKTOP)
    screenshot(page, "learning-verify-tampered-1280")
    context.close()
