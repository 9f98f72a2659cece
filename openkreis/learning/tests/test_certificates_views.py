"""Certificate pages: getting it (name confirmed once), the PDF (A4, its QR code read back is
the verify address), the credential download, the verify page (stored by ?id=, pasted,
uploaded, tampered, garbage), the issuer profile and status list, the learning office's
revocation; authorisation: only the holder downloads, only the learning office revokes."""

import copy
import io
import json
import subprocess
import tempfile
from pathlib import Path

import numpy as np
import pytest
import segno
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import clear_url_caches
from PIL import Image
from pypdf import PdfReader

from openkreis.core import event_kinds
from openkreis.core.models import Event
from openkreis.core.testing import login_as
from openkreis.learning import certificates
from openkreis.learning.models import Certificate, Module

from .factories import certified, learner, module, passed

pytestmark = pytest.mark.django_db
STAFF = {
    "office": ("digitale-werkstatt", ["learning_office"]),
    "other_staff": ("wirtschaftsfoerderung", ["retail_office"]),
}


@pytest.fixture(autouse=True)
def _base(settings, client):
    """Our base address; pages in English (the msgids are asserted), whatever the catalogue."""
    settings.OPENKREIS_BASE_URL = "https://portal.example.org"
    settings.LANGUAGE_CODE = "en"
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    # The resolver caches its reverse table per language with the language prefix of the
    # moment: a table built for "en" while "de" was the default holds "/en/". Start afresh.
    clear_url_caches()
    yield
    clear_url_caches()


def _eligible():
    Module.objects.update(required=False)
    user = learner()
    passed(user, module(), module())
    return user


def test_certificate_page_until_all_required_passed(client):
    Module.objects.update(required=False)
    user, a, b = learner(), module(title="Sicher online"), module(title="Online einkaufen")
    passed(user, a)
    client.force_login(user)
    html = client.get("/digital/nachweis/").content.decode()
    assert "Online einkaufen" in html and 'name="holder_name"' not in html
    assert (
        client.post("/digital/nachweis/", {"holder_name": "X", "confirm": "on"}).status_code == 302
    )
    assert not Certificate.objects.exists()
    passed(user, b)
    assert 'name="holder_name"' in client.get("/digital/nachweis/").content.decode()


def test_get_the_certificate_name_confirmed(client):
    user = _eligible()
    client.force_login(user)
    response = client.post("/digital/nachweis/", {"holder_name": "Erika Mustermann"})
    assert response.status_code == 400
    assert "confirm that the name" in response.content.decode()
    response = client.post(
        "/digital/nachweis/", {"holder_name": " Erika  Mustermann ", "confirm": "on"}
    )
    assert response.status_code == 302
    cert = Certificate.objects.get(user=user)
    assert cert.holder_name == "Erika Mustermann"
    html = client.get("/digital/nachweis/").content.decode()
    assert f"/digital/nachweis/{cert.key}/nachweis.pdf" in html
    assert Event.objects.filter(kind=event_kinds.LEARNING_CERTIFICATE_ISSUED).count() == 1


def test_login_required(client):
    response = client.get("/digital/nachweis/")
    assert response.status_code == 302 and "login" in response["Location"]


def _dark(pdf: bytes) -> np.ndarray:
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "c.pdf"
        path.write_bytes(pdf)
        subprocess.run(
            ["pdftoppm", "-r", "200", "-gray", "-png", "-singlefile", path, path.with_suffix("")],
            check=True,
        )  # noqa: S603, S607
        return np.asarray(Image.open(path.with_suffix(".png")).convert("L")) < 128


def _longest_run(flags: np.ndarray) -> tuple[int, int]:
    best, start = (0, 0), None
    for i, flag in enumerate([*flags.tolist(), False]):
        if flag and start is None:
            start = i
        elif not flag and start is not None:
            best = max(best, (start, i), key=lambda r: r[1] - r[0])
            start = None
    return best


def _printed_modules(pdf: bytes, size: int) -> list[list[bool]]:
    """The QR code as printed: the tallest block of inked rows, sampled at module centres."""
    dark = _dark(pdf)
    top, bottom = _longest_run(dark.any(axis=1))
    cols = np.flatnonzero(dark[top:bottom].any(axis=0))
    left, right = cols.min(), cols.max() + 1
    ys = (top + (np.arange(size) + 0.5) * (bottom - top) / size).astype(int)
    xs = (left + (np.arange(size) + 0.5) * (right - left) / size).astype(int)
    return dark[np.ix_(ys, xs)].tolist()


def test_pdf_is_a4_with_name_modules_and_qr_to_verify_page(client):
    cert = certified("Erika Mustermann")
    client.force_login(cert.user)
    response = client.get(f"/digital/nachweis/{cert.key}/nachweis.pdf")
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    pdf = response.content
    page = PdfReader(io.BytesIO(pdf)).pages[0]
    assert round(float(page.mediabox.width) / 72 * 25.4) == 210
    assert round(float(page.mediabox.height) / 72 * 25.4) == 297
    text = page.extract_text()
    assert "Erika Mustermann" in text and "Digitaler Führerschein Harz" in text
    url = f"https://portal.example.org/digital/nachweis/pruefen/?id={cert.key}"
    code = segno.make(url, error="q", micro=False)
    # the modules in the printed code (quiet zone included by segno's matrix? no: strip it)
    wanted = [[bool(v) for v in row] for row in code.matrix]
    printed = _printed_modules(pdf, len(wanted))
    assert printed == wanted
    # another address (the key's last character changed: a random key may end in "0")
    other = segno.make(url[:-1] + ("1" if url.endswith("0") else "0"), error="q", micro=False)
    assert printed != [[bool(v) for v in row] for row in other.matrix]


def test_downloads_only_for_the_holder(client):
    cert = certified()
    client.force_login(learner())
    for suffix in ("pdf", "json"):
        assert client.get(f"/digital/nachweis/{cert.key}/nachweis.{suffix}").status_code == 404
    client.force_login(cert.user)
    response = client.get(f"/digital/nachweis/{cert.key}/nachweis.json")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/ld+json")
    assert "attachment" in response["Content-Disposition"]
    assert json.loads(response.content) == cert.credential


def test_verify_page_by_id_paste_upload_and_tampered(client):
    cert = certified("Erika Mustermann")
    html = client.get(f"/digital/nachweis/pruefen/?id={cert.key}").content.decode()
    assert "✓ The certificate is valid" in html and "Erika Mustermann" in html
    assert html.count('data-ok="1"') == 4
    text = json.dumps(cert.credential)
    html = client.post("/digital/nachweis/pruefen/", {"credential": text}).content.decode()
    assert "✓ The certificate is valid" in html
    upload = SimpleUploadedFile("n.json", text.encode(), content_type="application/json")
    html = client.post("/digital/nachweis/pruefen/", {"upload": upload}).content.decode()
    assert "✓ The certificate is valid" in html
    tampered = copy.deepcopy(cert.credential)
    tampered["credentialSubject"]["identifier"][0]["identityHash"] = "Max Mustermann"
    response = client.post("/digital/nachweis/pruefen/", {"credential": json.dumps(tampered)})
    html = response.content.decode()
    assert response.status_code == 200
    assert "✗ The certificate is not valid" in html and "does not match" in html


def test_verify_page_helpful_errors(client):
    assert client.get("/digital/nachweis/pruefen/").status_code == 200
    response = client.post("/digital/nachweis/pruefen/", {"credential": " "})
    assert response.status_code == 400 and "paste the credential" in response.content.decode()
    response = client.post("/digital/nachweis/pruefen/", {"credential": "kein json"})
    assert response.status_code == 200 and "not a credential" in response.content.decode()
    assert client.get("/digital/nachweis/pruefen/?id=unsinn").status_code == 404
    missing = "/digital/nachweis/pruefen/?id=00000000-0000-0000-0000-000000000000"
    assert client.get(missing).status_code == 404


def test_issuer_and_status_list_documents(client):
    cert = certified()
    profile = client.get("/digital/nachweis/aussteller.json")
    assert profile["Content-Type"].startswith("application/ld+json")
    methods = profile.json()["verificationMethod"]
    assert cert.credential["proof"]["verificationMethod"] in [m["id"] for m in methods]
    assert all(m["type"] == "Multikey" for m in methods)
    certificates.revoke(cert, "Test")
    doc = client.get("/digital/nachweis/statusliste.json").json()
    bits = certificates.decode_bits(doc["credentialSubject"]["encodedList"])
    assert certificates.bit_set(bits, cert.status_index)


def test_office_finds_and_revokes(client):
    cert = certified("Erika Mustermann")
    login_as(client, "office", STAFF, prefix="l4")
    html = client.get(f"/digital/verwaltung/nachweise/?q={cert.key}").content.decode()
    assert "Erika Mustermann" in html
    response = client.post("/digital/verwaltung/nachweise/", {"key": str(cert.key), "reason": ""})
    assert response.status_code == 400 and "give a reason" in response.content.decode()
    response = client.post(
        "/digital/verwaltung/nachweise/", {"key": str(cert.key), "reason": "Name falsch"}
    )
    assert response.status_code == 302
    cert.refresh_from_db()
    assert cert.revoked_at and cert.revocation_reason == "Name falsch"
    assert certificates.verify(cert.credential).failed() == ["status"]
    assert client.get("/digital/verwaltung/nachweise/?q=falsch").status_code == 400
    missing = "/digital/verwaltung/nachweise/?q=00000000-0000-0000-0000-000000000000"
    assert client.get(missing).status_code == 404
    response = client.post(
        "/digital/verwaltung/nachweise/",
        {"key": "00000000-0000-0000-0000-000000000000", "reason": "x"},
    )
    assert response.status_code == 404


@pytest.mark.parametrize("who", ["anonymous", "learner", "other_staff"])
def test_office_page_refused(client, who):
    cert = certified()
    if who == "learner":
        client.force_login(cert.user)
    elif who == "other_staff":
        login_as(client, "other_staff", STAFF, prefix="l4x")
    get = client.get("/digital/verwaltung/nachweise/")
    post = client.post("/digital/verwaltung/nachweise/", {"key": str(cert.key), "reason": "x"})
    assert get.status_code in (302, 403) and post.status_code in (302, 403)
    cert.refresh_from_db()
    assert cert.revoked_at is None
