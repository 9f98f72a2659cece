"""HATIX checks in a dead spot (issue 19), in Chromium against the served portal: the inspector
logs in once (password + TOTP), opens the app with a connection (the service worker keeps the
page, the scripts, the trust list and the revocation list), sets line and stop, goes OFFLINE
(the browser context has no network at all), reloads the app and checks a valid, a revoked
and a tampered code typed in as a hand scanner does: green, red, red. Back online the three
check events reach the server exactly once. The JavaScript verifier is run against codes
signed in Python: expired, not yet valid, unknown key, wrong prefix, cut Base45. The HarzCard
desk records an entry offline, refuses the same card a second time, uploads once. And, with
Chromium's fake camera playing a video of the QR code, the camera scan (jsQR) finds it.
axe-core at 390 px; screenshots at 390 and 1280 px (test-results/screenshots)."""

from __future__ import annotations

import json
import os
import re
import shutil
from pathlib import Path

import pytest
from playwright.sync_api import expect

from openkreis.core.testing import fresh_totp_code
from openkreis.tickets.inspection import DEMO_DESK, DEMO_INSPECTOR, DEMO_PASSWORD

from .conftest import CHROMIUM_FLAGS, DESKTOP, PHONE, axe, format_violations, run_on_portal
from .conftest import screenshot as save_screenshot

pytestmark = [pytest.mark.browser, pytest.mark.slow]
# screenshots are also copied to this folder when it is set (for a review outside the run)
SHOTS = os.environ.get("OPENKREIS_SCREENSHOT_COPY", "")
PORTAL_SECRET = "browser-test-" + "k" * 60  # conftest's OPENKREIS_SECRET_KEY: keys' password

# Python code run against the served portal's database: tickets as the hosts' part stores
# them, and codes that must be refused. Prints one JSON line.
MAKE_CODES = f"""
import datetime as dt, json, uuid
from django.conf import settings
settings.SECRET_KEY = {PORTAL_SECRET!r}
from cryptography.hazmat.primitives.asymmetric import ec
from django.utils import timezone
from openkreis.accounts.tests.factories import CompanyFactory
from openkreis.core.models import Region
from openkreis.tickets import codec, keys
from openkreis.tickets.models import Accommodation, Guest, Stay, Ticket

now = timezone.now()
place = Accommodation.objects.create(company=CompanyFactory(), name="Pension Funkloch",
    municipality=Region.objects.get(ars="150850370370"))
stay = Stay.objects.create(accommodation=place, arrival=now.date(),
    departure=now.date() + dt.timedelta(days=3))

def payload(serial, start=-12, end=72, harzcard=True):
    return {{"serial": serial, "valid_from": now + dt.timedelta(hours=start),
             "valid_until": now + dt.timedelta(hours=end), "zones": ["hvb-regional"],
             "initials": "EM", "harzcard": harzcard}}

def ticket(number, serial, revoked=False, harzcard=True):
    p = payload(serial, harzcard=harzcard)
    key = keys.current_key()
    t = Ticket.objects.create(serial=serial, access_key=uuid.uuid4().hex,
        guest=Guest.objects.create(stay=stay, number=number), valid_from=p["valid_from"],
        valid_until=p["valid_until"], zones=p["zones"], harzcard=harzcard, key=key,
        code=keys.sign(p, key), revoked_at=now if revoked else None)
    return t.code

tag = uuid.uuid4().hex[:6].upper()
valid = ticket(1, "BT-VALID-" + tag)
revoked = ticket(2, "BT-REVOKED-" + tag, revoked=True)
second = ticket(3, "BT-CARD-" + tag)
no_card = ticket(4, "BT-NOCARD-" + tag, harzcard=False)
stranger = codec.Signer(b"\\x01" * 8, "ES256", ec.generate_private_key(ec.SECP256R1()))
raw = codec.decompress(codec.b45decode(valid[4:]))
prot, unprot, pbytes, body, sig = codec.open_sign1(raw)
import cbor2
claims = cbor2.loads(body)
claims[7] = b"BT-FORGED-" + tag.encode()  # another serial under the valid signature
forged = cbor2.dumps(cbor2.CBORTag(18, [pbytes, {{}}, cbor2.dumps(claims), sig]))
print(json.dumps({{
    "valid": valid, "revoked": revoked, "second": second, "no_card": no_card,
    "tampered": "HX1:" + codec.b45encode(codec.compress(forged)),
    "expired": keys.sign(payload("BT-OLD-" + tag, -96, -24)),
    "not_yet": keys.sign(payload("BT-LATER-" + tag, 24, 96)),
    "unknown_kid": codec.encode(keys.claims_of(payload("BT-X-" + tag)), stranger, "HX1:"),
    "wrong_prefix": "HC1:" + valid[4:],
    "cut": valid[: len(valid) - (len(valid) - 4 - 1) % 3],  # a Base45 text of 3n + 1: cut
}}))
"""


def codes() -> dict:
    return json.loads(run_on_portal(MAKE_CODES).strip().splitlines()[-1])


def checks_stored() -> list:
    out = run_on_portal(
        "import json; from openkreis.tickets.models_harzcard import CheckEvent; "
        "print(json.dumps(sorted([e.outcome, e.line, e.stop, e.checked_at.minute % 15, "
        "e.checked_at.second] for e in CheckEvent.objects.filter(line='250'))))"
    )
    return json.loads(out.strip().splitlines()[-1])


def entries_stored(serial_part: str) -> int:
    out = run_on_portal(
        "from openkreis.tickets.models_harzcard import AttractionEntry; "
        f"print(AttractionEntry.objects.filter(ticket__serial__contains={serial_part!r}).count())"
    )
    return int(out.strip().splitlines()[-1])


def shot(page, name: str) -> None:
    path = save_screenshot(page, name)
    if SHOTS:
        Path(SHOTS).mkdir(parents=True, exist_ok=True)
        shutil.copy(path, Path(SHOTS) / path.name)


def login(page, portal_url: str, path: str, user: tuple) -> None:
    username, secret, _description = user
    page.goto(portal_url + path)
    page.wait_for_url(re.compile(r"/konto/login/"))
    page.fill("input[name=login]", username)
    page.fill("input[name=password]", DEMO_PASSWORD)
    page.locator("main form button[type=submit]").first.click()
    page.wait_for_url(re.compile(r"/konto/2fa/authenticate/"))
    page.fill("input[name=code]", fresh_totp_code(secret))
    page.locator("main form button[type=submit]").first.click()
    page.wait_for_url(re.compile(re.escape(path) + "$"))


def texts(page) -> dict:
    return json.loads(page.locator("#hatix-texts").text_content())


def ready(page) -> None:
    expect(page.locator("#hatix-app")).to_have_attribute("data-ready", "1")
    page.wait_for_function("() => navigator.serviceWorker.controller !== null")


def type_code(page, code: str) -> None:
    page.locator("#code").fill(code)
    page.locator("#check-button").click()


def test_inspector_checks_offline_and_uploads_once(browser, portal_url):
    made = codes()  # before the app loads: the revoked ticket is on the revocation list
    context = browser.new_context(
        viewport=PHONE, locale="de-DE", service_workers="allow", bypass_csp=True
    )
    page = context.new_page()
    login(page, portal_url, "/hatix/kontrolle/", DEMO_INSPECTOR)
    ready(page)
    words = texts(page)
    page.locator("#ctx-line").fill("250")
    page.locator("#ctx-stop").fill("Rübeland Baumannshöhle")
    page.locator("#ctx-stop").dispatch_event("change")
    expect(page.locator("#context-summary")).to_contain_text("250")

    # the JavaScript verifier against codes signed in Python
    reasons = page.evaluate(
        """made => Promise.all(Object.keys(made).map(name =>
             hatix.verify(made[name]).then(r => [name, r.ok, r.reason])))""",
        made,
    )
    assert {name: (ok, reason) for name, ok, reason in reasons} == {
        "valid": (True, ""),
        "second": (True, ""),
        "no_card": (True, ""),
        "revoked": (False, "revoked"),
        "tampered": (False, "bad_signature"),
        "expired": (False, "expired"),
        "not_yet": (False, "not_yet_valid"),
        "unknown_kid": (False, "unknown_kid"),
        "wrong_prefix": (False, "prefix"),
        "cut": (False, "truncated"),
    }

    context.set_offline(True)  # a dead spot: no network at all
    page.reload()  # the page from the worker's cache
    ready(page)
    expect(page.locator("#ctx-line")).to_have_value("250")  # the context stays on the device
    result, headline = page.locator("#result"), page.locator("#result-headline")

    type_code(page, made["valid"])
    expect(result).to_have_class(re.compile(r"\bhatix-valid\b"))
    expect(headline).to_have_text(words["valid"])
    expect(page.locator("#result-details")).to_contain_text("EM")
    shot(page, "tickets-inspector-valid-phone")
    assert axe(page) == [], format_violations(axe(page))

    type_code(page, made["revoked"])
    expect(result).to_have_class(re.compile(r"\bhatix-invalid\b"))
    expect(page.locator("#result-details")).to_contain_text(words["reasons"]["revoked"])
    shot(page, "tickets-inspector-revoked-phone")

    type_code(page, made["tampered"])
    expect(result).to_have_class(re.compile(r"\bhatix-invalid\b"))
    expect(page.locator("#result-details")).to_contain_text(words["reasons"]["bad_signature"])
    expect(page.locator("#hatix-app")).to_have_attribute("data-waiting", "3")
    expect(page.locator("#queue-status")).to_have_text(words["queue_many"].replace("%(n)s", "3"))
    waiting = page.evaluate("() => hatix.outbox.all()")
    assert sorted(item["outcome"] for item in waiting) == ["bad_signature", "revoked", "valid"]
    assert not any("BT-" in json.dumps(item) for item in waiting)  # never the ticket id
    assert checks_stored() == []

    context.set_offline(False)  # the `online` event uploads
    expect(page.locator("#hatix-app")).to_have_attribute("data-waiting", "0")
    expect(page.locator("#queue-status")).to_have_text(words["queue_empty"])
    stored = checks_stored()
    assert sorted(row[0] for row in stored) == ["bad_signature", "revoked", "valid"]
    assert all(row[1:] == ["250", "Rübeland Baumannshöhle", 0, 0] for row in stored)
    # the same items once more (a retry, a second tab): still three
    page.evaluate(
        """items => Promise.all(items.map(i => hatix.outbox.add(i))).then(() => hatix.send())""",
        waiting,
    )
    expect(page.locator("#hatix-app")).to_have_attribute("data-waiting", "0")
    assert len(checks_stored()) == 3

    page.set_viewport_size(DESKTOP)
    shot(page, "tickets-inspector-desktop")
    context.close()


def test_harzcard_desk_offline_one_entry_per_card(browser, portal_url):
    made = codes()
    context = browser.new_context(
        viewport=PHONE, locale="de-DE", service_workers="allow", bypass_csp=True
    )
    page = context.new_page()
    login(page, portal_url, "/hatix/harzcard/", DEMO_DESK)
    ready(page)
    words = texts(page)
    expect(page.locator("#ctx-attraction")).to_have_value("schloss-wernigerode")
    context.set_offline(True)
    page.reload()
    ready(page)
    result = page.locator("#result")

    type_code(page, made["second"])
    expect(result).to_have_class(re.compile(r"\bhatix-valid\b"))
    expect(page.locator("#result-headline")).to_have_text(words["entry_recorded"])
    type_code(page, made["second"])  # the same card again: refused on the device
    expect(result).to_have_class(re.compile(r"\bhatix-invalid\b"))
    expect(page.locator("#result-headline")).to_have_text(words["already"])
    shot(page, "tickets-harzcard-again-phone")
    type_code(page, made["no_card"])
    expect(page.locator("#result-details")).to_contain_text(words["no_harzcard"])
    expect(page.locator("#hatix-app")).to_have_attribute("data-waiting", "1")
    assert axe(page) == [], format_violations(axe(page))

    context.set_offline(False)
    expect(page.locator("#hatix-app")).to_have_attribute("data-waiting", "0")
    serial = (
        run_on_portal(
            "from openkreis.tickets.models import Ticket; "
            f"print(Ticket.objects.get(code={made['second']!r}).serial)"
        )
        .strip()
        .splitlines()[-1]
    )
    assert entries_stored(serial) == 1
    page.set_viewport_size(DESKTOP)
    shot(page, "tickets-harzcard-desktop")
    context.close()


def _qr_video(code: str, path: Path) -> Path:
    """A short Y4M video (what Chromium's fake camera plays) showing the QR code of `code`."""
    import io

    import segno
    from PIL import Image

    buffer = io.BytesIO()
    segno.make_qr(code, error="m").save(buffer, kind="png", scale=4, border=4)
    qr = Image.open(io.BytesIO(buffer.getvalue())).convert("L")
    width, height = 640, 480
    side = 460
    frame = Image.new("L", (width, height), 255)
    frame.paste(qr.resize((side, side), Image.NEAREST), ((width - side) // 2, (height - side) // 2))
    y = frame.tobytes()
    chroma = bytes([128]) * (width // 2 * height // 2)
    with path.open("wb") as fh:
        fh.write(f"YUV4MPEG2 W{width} H{height} F10:1 Ip A1:1 C420jpeg\n".encode())
        for _ in range(10):
            fh.write(b"FRAME\n" + y + chroma + chroma)
    return path


def test_camera_scan_with_a_fake_camera(browser, portal_url, tmp_path):
    made = codes()
    video = _qr_video(made["valid"], tmp_path / "qr.y4m")
    flags = [
        *CHROMIUM_FLAGS,
        "--use-fake-device-for-media-stream",
        "--use-fake-ui-for-media-stream",
        f"--use-file-for-fake-video-capture={video}",
    ]
    # a second Chromium of the same Playwright (one per thread), with the fake camera
    camera_browser = browser.browser_type.launch(
        executable_path=os.environ.get("OPENKREIS_CHROMIUM", "/usr/bin/chromium"), args=flags
    )
    try:
        context = camera_browser.new_context(
            viewport=PHONE, locale="de-DE", service_workers="allow"
        )
        context.grant_permissions(["camera"], origin=portal_url)
        page = context.new_page()
        login(page, portal_url, "/hatix/kontrolle/", DEMO_INSPECTOR)
        ready(page)
        page.locator("#ctx-line").fill("251")
        page.locator("#ctx-stop").fill("Kamera-Test")
        page.locator("#ctx-stop").dispatch_event("change")
        context.set_offline(True)
        page.locator("#camera-start").click()
        expect(page.locator("#camera")).to_be_visible()
        expect(page.locator("#result")).to_have_class(re.compile(r"\bhatix-valid\b"))
        assert page.locator("#hatix-app").get_attribute("data-scanner") in (
            "jsQR",
            "BarcodeDetector",
        )
        shot(page, "tickets-inspector-camera-phone")
        page.locator("#camera-stop").click()
        expect(page.locator("#camera")).to_be_hidden()
        context.close()
    finally:
        camera_browser.close()
