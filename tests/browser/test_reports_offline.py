"""Mängelmelder in a dead spot (with JavaScript, phone width): the service worker caches the
form; sent without connection, the report (fields and photo) waits in IndexedDB with a plain
German message; when the connection returns it is sent once. Sending the same stored item
again is still one report (the form's idempotency key). A report the server refuses (outside
the county, invalid) is kept with the server's reason, shown on the form page, never sent
again by itself, and can be taken back into the form or discarded."""

import io
import json

import pytest
from PIL import Image
from playwright.sync_api import expect

from .conftest import DESKTOP, PHONE, run_on_portal, screenshot

pytestmark = [pytest.mark.browser, pytest.mark.slow]
FORM = "/maengelmelder/melden/"
DESCRIPTION = "Umgestürzter Baum auf dem Feldweg, im Funkloch gemeldet."
WAITING = (
    "Ihre Meldung ist auf diesem Gerät gespeichert und wird gesendet, sobald wieder Netz da ist."
)


def _stored(description: str) -> dict:
    out = run_on_portal(
        "import json; from openkreis.reports.models import Report; "
        f"qs = Report.objects.filter(description={description!r}); "
        "print(json.dumps({'count': qs.count(), "
        "'photos': sum(r.photos.count() for r in qs), "
        "'keys': sorted(r.idempotency_key for r in qs)}))"
    )
    return json.loads(out.strip().splitlines()[-1])


def _photo(tmp_path):
    path = tmp_path / "baum.jpg"
    buffer = io.BytesIO()
    Image.new("RGB", (800, 600), (30, 90, 30)).save(buffer, "JPEG")
    path.write_bytes(buffer.getvalue())
    return path


def test_offline_report_waits_and_is_sent_once(browser, portal_url, tmp_path):
    context = browser.new_context(viewport=PHONE, locale="de-DE", service_workers="allow")
    page = context.new_page()
    page.goto(portal_url + FORM)
    expect(page.locator("h1")).to_have_text("Mangel melden")
    # the worker is installed and controls the page: the form is cached
    page.wait_for_function("() => navigator.serviceWorker.controller !== null")

    context.set_offline(True)
    page.reload()  # from the worker's cache: there is no network
    expect(page.locator("h1")).to_have_text("Mangel melden")
    expect(page.locator("#offline-status")).to_be_hidden()

    page.get_by_label("Was ist das Problem?").select_option(label="Straßen, Wege und Schlaglöcher")
    page.locator("#id_area").select_option(label="Halberstadt")
    page.get_by_label("Wo genau?").fill("Feldweg hinter dem Friedhof")
    page.get_by_label("Beschreibung des Mangels").fill(DESCRIPTION)
    page.locator("#id_photos").set_input_files(str(_photo(tmp_path)))
    page.get_by_label("Ihre E-Mail-Adresse für Rückmeldungen").fill("funkloch@example.org")
    key = page.locator("input[name=key]").input_value()
    page.get_by_role("button", name="Meldung senden").click()

    status = page.locator("#offline-status")
    expect(status).to_have_text(WAITING)
    expect(status).to_be_visible()
    expect(page.locator("h1")).to_have_text("Mangel melden")  # still the form, nothing lost
    # kept on the device with the photo as a Blob; a second report gets a new key
    kept = page.evaluate(
        """() => okReportsQueue.all().then(items => { window.keptCopy = items;
             return items.map(i => ({key: i.entries.find(e => e[0] === 'key')[1],
               blobs: i.entries.filter(e => e[1] instanceof Blob).length})); })"""
    )
    assert kept == [{"key": key, "blobs": 1}]
    assert page.locator("input[name=key]").input_value() != key
    assert _stored(DESCRIPTION)["count"] == 0

    context.set_offline(False)  # the `online` event sends it
    expect(status).to_have_text("Ihre gespeicherte Meldung wurde gesendet. Vielen Dank.")
    page.wait_for_function("() => okReportsQueue.all().then(items => items.length === 0)")
    assert _stored(DESCRIPTION) == {"count": 1, "photos": 1, "keys": [key]}

    # the same stored item once more (a retry, the worker and the page at once): no duplicate
    again = page.evaluate(
        """() => okReportsQueue.token(document.getElementById('report-form').dataset.formUrl)
             .then(t => okReportsQueue.sendOne(
                 document.getElementById('report-form').dataset.formUrl, window.keptCopy[0], t))"""
    )
    assert again == {"ok": True}  # answered with the thanks page of the existing report
    assert _stored(DESCRIPTION)["count"] == 1
    context.close()


def test_a_report_kept_offline_is_sent_on_the_next_visit(browser, portal_url):
    context = browser.new_context(viewport=PHONE, locale="de-DE", service_workers="allow")
    page = context.new_page()
    page.goto(portal_url + FORM)
    page.wait_for_function("() => navigator.serviceWorker.controller !== null")
    # no Background Sync here (as in Firefox and Safari): only the next visit can send it
    page.evaluate("() => { delete window.SyncManager; }")
    context.set_offline(True)
    description = "Ampel ausgefallen, gemeldet ohne Netz, gesendet beim nächsten Besuch."
    page.get_by_label("Was ist das Problem?").select_option(label="Straßen, Wege und Schlaglöcher")
    page.locator("#id_area").select_option(label="Quedlinburg")
    page.get_by_label("Wo genau?").fill("Kreuzung am Markt")
    page.get_by_label("Beschreibung des Mangels").fill(description)
    page.get_by_label("Ihre E-Mail-Adresse für Rückmeldungen").fill("ampel@example.org")
    page.get_by_role("button", name="Meldung senden").click()
    expect(page.locator("#offline-status")).to_have_text(WAITING)
    page.close()  # the phone is put away before the network returns

    context.set_offline(False)
    later = context.new_page()
    later.goto(portal_url + FORM)
    expect(later.locator("#offline-status")).to_have_text(
        "Ihre gespeicherte Meldung wurde gesendet. Vielen Dank."
    )
    later.wait_for_function("() => okReportsQueue.all().then(items => items.length === 0)")
    assert _stored(description)["count"] == 1
    context.close()


FORM_URL = "document.getElementById('report-form').dataset.formUrl"


def test_a_refused_report_is_shown_with_the_reason_and_never_retried(browser, portal_url):
    context = browser.new_context(viewport=PHONE, locale="de-DE", service_workers="allow")
    page = context.new_page()
    page.goto(portal_url + FORM)
    page.wait_for_function("() => navigator.serviceWorker.controller !== null")
    page.evaluate("() => { delete window.SyncManager; }")  # this page sends it
    context.set_offline(True)
    description = "Laterne kaputt, im Funkloch gemeldet, aber der Ort liegt in Berlin."
    page.get_by_label("Was ist das Problem?").select_option(label="Straßenbeleuchtung")
    page.locator("#id_area").select_option(label="Halberstadt")
    page.get_by_label("Beschreibung des Mangels").fill(description)
    page.get_by_label("Ihre E-Mail-Adresse für Rückmeldungen").fill("berlin@example.org")
    # a position outside the county (as a wrong GPS fix would give): the server refuses it
    page.evaluate(
        """() => { document.querySelector('input[name=lat]').value = '52.5200';
                   document.querySelector('input[name=lon]').value = '13.4050'; }"""
    )
    page.get_by_role("button", name="Meldung senden").click()
    expect(page.locator("#offline-status")).to_have_text(WAITING)

    context.set_offline(False)  # sent, and refused with a reason
    refused = page.locator("#offline-refused")
    expect(refused).to_contain_text(
        "Eine auf diesem Gerät gespeicherte Meldung wurde nicht angenommen:"
    )
    expect(refused).to_contain_text("Dieser Ort liegt außerhalb des Landkreises.")
    expect(refused).to_contain_text("Laterne kaputt, im Funkloch gemeldet")
    kept = page.evaluate(
        "() => okReportsQueue.all().then(items => items.map(i => i.refused && i.refused.status))"
    )
    assert kept == [400]  # kept on the device, marked, not lost
    # never sent again by itself (the next `online`, a sync, a call)
    assert page.evaluate(f"() => okReportsQueue.sendAll({FORM_URL})") == 0
    assert _stored(description)["count"] == 0
    screenshot(page, "reports-offline-refused-390")

    # the next visit shows it again; "Ins Formular übernehmen" puts it back to be fixed
    page.reload()
    expect(refused).to_contain_text("Dieser Ort liegt außerhalb des Landkreises.")
    page.set_viewport_size(DESKTOP)
    screenshot(page, "reports-offline-refused-1280")
    page.set_viewport_size(PHONE)
    page.get_by_role("button", name="Ins Formular übernehmen").click()
    expect(page.locator("#offline-status")).to_contain_text(
        "Die Meldung steht wieder im Formular. Bitte korrigieren Sie sie"
    )
    expect(page.get_by_label("Beschreibung des Mangels")).to_have_value(description)
    expect(page.get_by_label("Ihre E-Mail-Adresse für Rückmeldungen")).to_have_value(
        "berlin@example.org"
    )
    expect(refused).to_be_hidden()
    assert page.evaluate("() => okReportsQueue.all().then(items => items.length)") == 0

    # another refused one (a category that no longer exists) is discarded
    page.evaluate(
        """() => okReportsQueue.add([['category', '999999'], ['description', 'Alt'],
                                     ['key', 'refused-key-' + Date.now()]])"""
    )
    assert page.evaluate(f"() => okReportsQueue.sendAll({FORM_URL})") == 0
    page.reload()
    expect(refused).to_contain_text("Was ist das Problem?")  # the field the server named
    page.get_by_role("button", name="Verwerfen").click()
    expect(page.locator("#offline-status")).to_have_text("Die gespeicherte Meldung wurde gelöscht.")
    expect(refused).to_be_hidden()
    assert page.evaluate("() => okReportsQueue.all().then(items => items.length)") == 0
    context.close()
