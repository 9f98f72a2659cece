"""Issue 16 F5: a file in a draft passes the eAkte's own upload check
(`cases.services.validate_upload`) when it is uploaded AND again when the application is
sent; a file refused at sending is a message at its field, never a server error."""

import io
import struct
import zlib

import pikepdf
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from openkreis.catalog.models import Service
from openkreis.forms import services as forms
from openkreis.forms.models import Application, ApplicationFile

from .conftest import PDF
from .test_fim_import import ANTRAG
from .test_views import fill_aufenthaltskarte, page_url, start

pytestmark = pytest.mark.django_db


def encrypted_pdf() -> bytes:
    """A password-protected PDF: magic bytes say PDF, the eAkte refuses it."""
    pdf = pikepdf.open(io.BytesIO(PDF))
    out = io.BytesIO()
    pdf.save(out, encryption=pikepdf.Encryption(owner="geheim", user="geheim", R=6))
    return out.getvalue()


def damaged_pdf() -> bytes:
    return b"%PDF-1.7\n1 0 obj\n<< /Type /Catalog /Pages 2 0 R >>\nendobj\n" + b"\x00" * 200


def html_with_jpeg_header() -> bytes:
    return b"\xff\xd8\xff\xe0\x00\x10JFIF\x00<html><script>alert(1)</script></html>"


def png_bomb() -> bytes:
    """A PNG that announces 30000×30000 pixels (900 MP) in a few hundred bytes: one row of
    zeros compressed, the rest would follow the same way (built by hand, nothing large in
    memory here)."""

    def chunk(kind: bytes, body: bytes) -> bytes:
        return (
            struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))
        )

    header = struct.pack(">IIBBBBB", 30000, 30000, 1, 0, 0, 0, 0)
    rows = zlib.compress(b"\x00" * (1 + 30000 // 8) * 64, 9)
    return (
        b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", rows) + chunk(b"IEND", b"")
    )


def upload(client, app, name, content, field="f-passport"):
    return client.post(
        page_url(app, "unterlagen"),
        {"action": "upload", field: SimpleUploadedFile(name, content)},
    )


@pytest.mark.parametrize(
    ("name", "content", "expected"),
    [
        ("pass.pdf", encrypted_pdf(), "Passwort"),
        ("pass.pdf", damaged_pdf(), "beschädigt"),
        ("pass.jpg", html_with_jpeg_header(), "beschädigt"),
        ("pass.png", png_bomb(), "Das Bild pass.png ist beschädigt"),
    ],
    ids=["encrypted-pdf", "damaged-pdf", "html-jpeg-header", "png-bomb"],
)
def test_the_draft_refuses_what_the_case_file_refuses(harz_forms, anna, name, content, expected):
    app = start(anna)
    response = upload(anna, app, name, content)
    assert response.status_code == 400
    html = response.content.decode()
    assert expected in html
    assert 'href="#f-passport"' in html  # in the error summary, linked to the field
    assert not app.files.exists()


def submit(client, app):
    return client.post(
        f"/antrag/a/{app.public_id}/absenden/", {"idempotency_key": str(app.idempotency_key)}
    )


def test_a_file_refused_at_sending_is_a_message_at_its_field(harz_forms, anna):
    """A draft from before the upload check (or a file the check refuses since): sending
    answered 500; now the page with the file, the reason at the field, the draft kept."""
    app = start(anna)
    fill_aufenthaltskarte(anna, app)
    anna.post(f"/antrag/a/{app.public_id}/bezahlen/")
    stored = ApplicationFile.objects.get(application=app, field="f-passport")
    stored.file.save("pass.pdf", io.BytesIO(encrypted_pdf()), save=True)
    response = submit(anna, app)
    assert response.status_code == 302
    assert response["Location"] == page_url(app, "unterlagen") + "?zurueck=pruefen"
    page = anna.get(response["Location"])
    html = page.content.decode()
    assert "pass.pdf" in html and "Passwort" in html
    assert 'href="#f-passport"' in html
    app.refresh_from_db()
    assert app.status == Application.Status.DRAFT and app.case_id is None
    # the refused file is gone from the draft; a good one can be sent
    assert not app.files.filter(field="f-passport").exists()
    response = upload(anna, app, "pass.pdf", PDF)
    assert response.status_code == 302
    response = submit(anna, app)
    assert response.status_code == 302 and response["Location"].endswith("/bestaetigung/"), response
    app.refresh_from_db()
    assert app.status == Application.Status.SUBMITTED


def test_a_file_inside_a_group_is_stored_and_checked(harz_forms, harz, anna):
    """A file field inside a FIM group (the Asbest form's "Sachkundenachweis"): the upload
    was never stored, so the page stopped at "Laden Sie eine Datei … hoch"."""
    service = (
        Service.objects.filter(tenant=harz, competences__isnull=False)
        .exclude(form_definitions__isnull=False)
        .distinct()
        .first()
    )
    Service.objects.filter(pk=service.pk).update(fee_min=0)
    xml = (ANTRAG / "antrag-2.0.xml").read_text()
    xml = xml.replace(
        '<code>text</code></xdf:datentyp><xdf:praezisierung>{"minLength":"1","maxLength":"11"}',
        '<code>file</code></xdf:datentyp><xdf:praezisierung>{"minLength":"1","maxLength":"11"}',
    )
    form, report = forms.import_xdatenfelder(
        harz, xml.encode(), key="fim-upload", service_slug=service.slug
    )
    assert form is not None, report.notes
    anna.post(f"/antrag/{service.slug}/")
    app = Application.objects.filter(form=form).latest("pk")
    page = form.definition["pages"][1]["key"]
    url = f"/antrag/a/{app.public_id}/seite/{page}/"
    name = "f-anschrift_inland_strassenanschrift-hausnummer"
    bad = anna.post(url, {"action": "upload", name: SimpleUploadedFile("n.pdf", encrypted_pdf())})
    assert bad.status_code == 400 and "Passwort" in bad.content.decode()
    assert f'href="#{name}"' in bad.content.decode()
    good = anna.post(url, {"action": "upload", name: SimpleUploadedFile("n.pdf", PDF)})
    assert good.status_code == 302
    assert app.files.get().field == name
    assert "n.pdf" in anna.get(url).content.decode()
