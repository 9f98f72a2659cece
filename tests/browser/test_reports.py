"""Mängelmelder on a phone (390 px), without JavaScript: report a pothole with a photo →
confirmation with the number → the road unit's staff (password + TOTP) set "fixed" with a
template text → the reporter's mail arrives. axe-core on every page; screenshots at 390 and
1280 px into /tmp/repshots/ (and test-results/screenshots/)."""

import io
import os
import re
from pathlib import Path

import pytest
from PIL import Image
from playwright.sync_api import expect

from openkreis.core.testing import fresh_totp_code
from openkreis.reports.demo import DEMO_PASSWORD

from .conftest import DESKTOP, PHONE, axe, format_violations, screenshot

pytestmark = [pytest.mark.browser, pytest.mark.slow]
SECRET = "MAENGELSTRASSEDEMOAAAAAAAAAAAAAA"
SHOTS = Path(os.environ.get("OPENKREIS_REPSHOTS", "/tmp/repshots"))  # noqa: S108
REPORTER = "schlagloch-melderin@example.org"


def shoot(page, name: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)
    screenshot(page, f"reports-{name}")


def check_page(browser, url: str, name: str) -> None:
    """axe-core on a public page (CSP bypassed for the script) and a desktop screenshot."""
    context = browser.new_context(viewport=DESKTOP, locale="de-DE", bypass_csp=True)
    page = context.new_page()
    page.goto(url)
    expect(page.locator("h1")).to_be_visible()
    shoot(page, f"{name}-1280")
    violations = axe(page)
    context.close()
    assert violations == [], format_violations(violations)


def _photo(tmp_path) -> Path:
    path = tmp_path / "schlagloch.jpg"
    image = Image.new("RGB", (1600, 1200), (90, 90, 90))
    buffer = io.BytesIO()
    image.save(buffer, "JPEG")
    path.write_bytes(buffer.getvalue())
    return path


def test_report_without_javascript_then_staff_fix_and_mail(
    browser, portal_url, mail_sink, tmp_path
):
    sink, _port = mail_sink
    context = browser.new_context(viewport=PHONE, locale="de-DE", java_script_enabled=False)
    page = context.new_page()
    page.goto(portal_url + "/maengelmelder/melden/")
    expect(page.locator("h1")).to_have_text("Mangel melden")
    expect(page.locator("#use-position")).to_be_hidden()  # the position button needs JavaScript
    shoot(page, "form-390")

    page.get_by_label("Was ist das Problem?").select_option(label="Straßen, Wege und Schlaglöcher")
    page.locator("#id_area").select_option(label="Halberstadt")
    page.get_by_label("Straße und Hausnummer (falls vorhanden)").fill("Voigtei 5")
    page.get_by_label("Wo genau?").fill("Vor der Einfahrt, rechte Fahrbahnseite")
    page.get_by_label("Beschreibung des Mangels").fill("Tiefes Schlagloch, etwa 40 cm breit.")
    page.locator("#id_photos").set_input_files(str(_photo(tmp_path)))
    page.get_by_label("Ihre E-Mail-Adresse für Rückmeldungen").fill(REPORTER)
    page.get_by_role("button", name="Meldung senden").click()

    expect(page.locator("h1")).to_have_text("Vielen Dank für Ihre Meldung")
    number = re.search(r"M-[A-Z2-9]{8}", page.locator(".banner").inner_text()).group(0)
    shoot(page, "thanks-390")
    check_page(browser, page.url, "thanks")
    check_page(browser, portal_url + "/maengelmelder/melden/", "form")

    page.get_by_role("link", name="Ihre Meldung und ihr Fortschritt").click()
    expect(page.locator(".status")).to_have_text("Eingegangen")
    expect(page.locator("main")).not_to_contain_text(REPORTER)
    shoot(page, "detail-390")
    check_page(browser, page.url, "detail")
    check_page(browser, portal_url + "/maengelmelder/", "list")
    context.close()

    # the road unit of Halberstadt: password, then TOTP
    staff = browser.new_context(viewport=PHONE, locale="de-DE", bypass_csp=True)
    desk = staff.new_page()
    desk.goto(portal_url + "/maengelmelder/bearbeitung/")
    expect(desk).to_have_url(re.compile(r"/konto/login/"))
    desk.fill("input[name=login]", "mm-strasse-hbs")
    desk.fill("input[name=password]", DEMO_PASSWORD)
    desk.locator("main form button[type=submit]").first.click()
    expect(desk).to_have_url(re.compile(r"/konto/2fa/authenticate/"))
    desk.fill("input[name=code]", fresh_totp_code(SECRET))
    desk.locator("main form button[type=submit]").first.click()
    expect(desk).to_have_url(re.compile(r"/maengelmelder/bearbeitung/$"))
    expect(desk.get_by_role("link", name=number)).to_be_visible()
    shoot(desk, "inbox-390")
    violations = axe(desk)
    assert violations == [], format_violations(violations)
    desk.get_by_role("link", name=number).click()
    expect(desk.locator("h1")).to_contain_text(number)
    expect(desk.locator(".facts")).to_contain_text(REPORTER)
    desk.get_by_label("Neuer Status").select_option(label="Behoben")
    desk.get_by_label("Textvorlage").select_option(label="Behoben: Behoben")
    desk.get_by_label("Interne Notiz (nur für Beschäftigte)").first.fill("Kolonne 2, Kaltasphalt")
    desk.get_by_role("button", name="Status ändern").click()
    expect(desk.locator(".banner-success")).to_contain_text("Status geändert")
    expect(desk.locator(".facts .status")).to_have_text("Behoben")
    shoot(desk, "staff-detail-390")
    violations = axe(desk)
    assert violations == [], format_violations(violations)
    desk.set_viewport_size(DESKTOP)
    shoot(desk, "staff-detail-1280")
    staff.close()

    message = sink.wait_for(REPORTER)
    assert number in str(message["Subject"]) and "Behoben" in str(message["Subject"])
    body = message.get_content()
    assert "Der Mangel ist behoben" in body and f"/maengelmelder/meldung/{number}/" in body
    assert "Kolonne 2" not in body


def test_phone_position_finds_the_open_report_nearby_and_joins_it(browser, portal_url):
    """With JavaScript: the phone's position (Playwright's geolocation, 10 m from the demo
    pothole in Halberstadt) fills the form; the open report nearby is proposed and
    "Ich bin auch betroffen" joins it instead of making a new one."""
    context = browser.new_context(
        viewport=PHONE,
        locale="de-DE",
        geolocation={"latitude": 51.89579, "longitude": 11.04685, "accuracy": 8},
        permissions=["geolocation"],
    )
    page = context.new_page()
    page.goto(portal_url + "/maengelmelder/melden/")
    page.get_by_role("button", name="Meinen aktuellen Standort verwenden").click()
    expect(page.locator("#position-status")).to_contain_text("Standort von Ihrem Telefon")
    expect(page.locator("input[name=lat]")).to_have_value("51.895790")
    page.get_by_label("Was ist das Problem?").select_option(label="Straßen, Wege und Schlaglöcher")
    page.get_by_label("Beschreibung des Mangels").fill("Das Schlagloch wird immer größer.")
    page.get_by_label("Ihre E-Mail-Adresse für Rückmeldungen").fill("nachbar@example.org")
    page.get_by_role("button", name="Meldung senden").click()
    expect(page.locator("#nearby-title")).to_have_text("Wurde das schon gemeldet?")
    expect(page.get_by_role("button", name="Als neue Meldung senden")).to_be_visible()
    shoot(page, "nearby-390")
    page.get_by_role("button", name="Ich bin auch betroffen").first.click()
    expect(page.locator(".banner-success")).to_contain_text("dieselben Rückmeldungen")
    expect(page).to_have_url(re.compile(r"/maengelmelder/meldung/M-[A-Z2-9]{8}/$"))
    shoot(page, "joined-390")
    context.close()


def test_bulk_action_in_the_inbox_at_320_px_without_javascript(browser, portal_url):
    """The inbox's bulk form is plain HTML: tick a report, choose a status and a template at
    320 px without JavaScript; the overdue tab and the form pass axe-core."""
    staff = browser.new_context(
        viewport={"width": 320, "height": 800}, locale="de-DE", java_script_enabled=False
    )
    desk = staff.new_page()
    desk.goto(portal_url + "/maengelmelder/bearbeitung/")
    desk.fill("input[name=login]", "mm-strasse-hbs")
    desk.fill("input[name=password]", DEMO_PASSWORD)
    desk.locator("main form button[type=submit]").first.click()
    expect(desk).to_have_url(re.compile(r"/konto/2fa/authenticate/"))
    # the same account logged in a moment ago: a code not typed before
    desk.fill("input[name=code]", fresh_totp_code(SECRET))
    desk.locator("main form button[type=submit]").first.click()
    expect(desk).to_have_url(re.compile(r"/maengelmelder/bearbeitung/$"))
    row = desk.locator(".report-table tbody tr").first
    number = row.locator("a").first.inner_text()
    row.locator("input[name=reports]").check()
    desk.get_by_label("Neuer Status").select_option(label="In Bearbeitung")
    desk.get_by_label("Textvorlage").select_option(label="In Bearbeitung: In Bearbeitung")
    desk.get_by_role("button", name="Auf die ausgewählten Meldungen anwenden").click()
    expect(desk.locator(".banner-success")).to_contain_text("1 Meldung geändert.")
    expect(
        desk.locator(".report-table tbody tr", has=desk.get_by_role("link", name=number))
    ).to_contain_text("In Bearbeitung")
    shoot(desk, "inbox-bulk-320")
    staff.close()
    check_staff = browser.new_context(
        viewport={"width": 320, "height": 800}, locale="de-DE", bypass_csp=True
    )
    page = check_staff.new_page()
    page.goto(portal_url + "/maengelmelder/bearbeitung/")
    page.fill("input[name=login]", "mm-bauhof-hbs")
    page.fill("input[name=password]", DEMO_PASSWORD)
    page.locator("main form button[type=submit]").first.click()
    expect(page).to_have_url(re.compile(r"/konto/2fa/authenticate/"))
    page.fill("input[name=code]", fresh_totp_code("MAENGELBAUHOFDEMOAAAAAAAAAAAAAAA"))
    page.locator("main form button[type=submit]").first.click()
    expect(page).to_have_url(re.compile(r"/maengelmelder/bearbeitung/$"))
    page.get_by_role("link", name="Überfällig").click()
    expect(page.get_by_role("link", name="Überfällig")).to_have_attribute("aria-current", "page")
    violations = axe(page)
    page.get_by_role("link", name="Offen", exact=True).click()
    expect(page.locator(".bulk-actions legend")).to_be_visible()
    violations += axe(page)
    check_staff.close()
    assert violations == [], format_violations(violations)


SETUP_SPLIT_FOLLOW_UP = """
import json, secrets
from django.utils import timezone
from openkreis.reports import services
from openkreis.reports.models import Category, FollowUp
def make(key, lon, text, idem):
    report, _ = services.submit(services.Submission(
        category=Category.objects.get(key=key), description=text, lat=51.8957, lon=lon,
        email='browser-' + idem + '@example.org',
        idempotency_key='browser-' + idem + '-' + 'x' * 16))
    return report
two = make('strasse', 11.0421, 'Schlagloch und daneben eine dunkle Laterne.', 'split')
kept = make('strasse', 11.0431, 'Gehweg abgesackt vor dem Kiosk.', 'kept')
merged = make('strasse', 11.0432, 'Gehweg vor dem Kiosk ist abgesackt.', 'merged')
services.merge(merged, kept, actor=None)
fixed = make('strasse', 11.0441, 'Bordstein lose an der Haltestelle.', 'fixed')
services.change_status(fixed, 'fixed', actor=None, public_text='Bordstein neu gesetzt.')
token = secrets.token_urlsafe(32)
FollowUp.objects.create(report=fixed, email='browser-fixed@example.org',
                        token_hash=services._token_hash(token))
print(json.dumps({'two': two.public_id, 'kept': kept.public_id, 'merged': merged.public_id,
                  'fixed': fixed.public_id, 'token': token}))
"""


def test_split_follow_up_and_merged_report_pages(browser, portal_url):
    """Staff split a report on a phone; the four-week questionnaire (no JavaScript needed)
    reopens with "Nein"; a merged report's page links the kept one. axe-core on each."""
    import json

    from .conftest import run_on_portal

    data = json.loads(run_on_portal(SETUP_SPLIT_FOLLOW_UP).strip().splitlines()[-1])
    violations = []

    # the merged report's public page: "Bereits gemeldet als …" with a link
    visitor = browser.new_context(viewport=PHONE, locale="de-DE", bypass_csp=True)
    page = visitor.new_page()
    page.goto(portal_url + f"/maengelmelder/meldung/{data['merged']}/")
    expect(page.locator("#duplicate-of")).to_contain_text(f"Bereits gemeldet als {data['kept']}")
    shoot(page, "merged-390")
    violations += axe(page)
    page.set_viewport_size(DESKTOP)
    shoot(page, "merged-1280")
    page.locator("#duplicate-of").get_by_role("link", name=data["kept"]).click()
    expect(page.locator("h1")).to_contain_text(data["kept"])

    # the questionnaire: works without JavaScript too
    quiet = browser.new_context(
        viewport=PHONE, locale="de-DE", java_script_enabled=False, bypass_csp=True
    )
    form = quiet.new_page()
    link = portal_url + f"/maengelmelder/rueckmeldung/{data['token']}/"
    form.goto(link)
    expect(form.locator("h1")).to_have_text("Ist der Mangel behoben?")
    expect(form.locator("main")).not_to_contain_text("browser-fixed@")
    shoot(form, "follow-up-390")
    form.set_viewport_size(DESKTOP)
    shoot(form, "follow-up-1280")
    form.set_viewport_size(PHONE)
    form.get_by_label("Nein, nicht oder nur teilweise").check()
    form.get_by_label("Kommentar (freiwillig)").fill("Der Bordstein wackelt wieder.")
    form.get_by_role("button", name="Antwort senden").click()
    expect(form.locator(".banner-success")).to_contain_text("Danke für Ihre Antwort")
    expect(form.locator(".facts .status")).to_have_text("Bestätigt")
    shoot(form, "follow-up-done-390")
    form.goto(link)
    expect(form.locator("h1")).to_have_text("Sie haben schon geantwortet")
    quiet.close()
    page.goto(link)
    violations += axe(page)
    page.goto(portal_url + f"/maengelmelder/meldung/{data['fixed']}/")
    expect(page.locator(".history")).to_contain_text("Wiedereröffnet nach Rückmeldung")
    expect(page.locator("main")).not_to_contain_text("Der Bordstein wackelt wieder.")
    visitor.close()

    # staff of the road unit split the report that is really two
    staff = browser.new_context(viewport=PHONE, locale="de-DE", bypass_csp=True)
    desk = staff.new_page()
    desk.goto(portal_url + f"/maengelmelder/bearbeitung/{data['two']}/")
    desk.fill("input[name=login]", "mm-strasse-hbs")
    desk.fill("input[name=password]", DEMO_PASSWORD)
    desk.locator("main form button[type=submit]").first.click()
    expect(desk).to_have_url(re.compile(r"/konto/2fa/authenticate/"))
    desk.fill("input[name=code]", fresh_totp_code(SECRET))
    desk.locator("main form button[type=submit]").first.click()
    expect(desk.locator("h1")).to_contain_text(data["two"])
    # the eAkte desk is not theirs (own role "Mängelmelder-Bearbeitung")
    assert desk.goto(portal_url + "/sachbearbeitung/").status == 403
    desk.goto(portal_url + f"/maengelmelder/bearbeitung/{data['two']}/")
    split = desk.locator("form", has=desk.locator("input[name=action][value=split]"))
    split.get_by_label("Kategorie der neuen Meldung").select_option(label="Straßenbeleuchtung")
    split.get_by_label("Beschreibung der neuen Meldung").fill(
        "Laterne neben dem Schlagloch dunkel."
    )
    split.scroll_into_view_if_needed()
    desk.screenshot(path=str(SHOTS / "split-form-390.png"))
    screenshot(desk, "reports-split-form-390")
    desk.set_viewport_size(DESKTOP)
    shoot(desk, "split-form-1280")
    violations += axe(desk)
    desk.set_viewport_size(PHONE)
    split.get_by_role("button", name="Neue Meldung anlegen").click()
    expect(desk.locator(".banner-success")).to_contain_text("Neue Meldung M-")
    expect(desk.locator(".history")).to_contain_text("Aufgeteilt: neue Meldung M-")
    shoot(desk, "split-done-390")
    staff.close()
    assert violations == [], format_violations(violations)
