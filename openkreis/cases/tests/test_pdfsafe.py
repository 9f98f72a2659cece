"""Neutralising PDFs on their way into the eAkte (issue 16 F1): one crafted PDF per way of
carrying active content (tests/pdf_corpus.py) goes through `validate_upload`, the case file,
the mailbox reply and the court-file export, and comes out without anything a viewer could
run or open — with its page and visible text as they were, and the upload itself kept in
quarantine for the auditor."""

from __future__ import annotations

import hashlib
import io
import json
import re
import zipfile
from pathlib import Path

import pikepdf
import pytest
from django.conf import settings
from pypdf import PdfReader

from openkreis.cases import pdfsafe, services
from openkreis.cases.models import AuditEntry, DocumentVersion
from openkreis.core.tests.factories import StaffFactory

from . import pdf_corpus
from .factories import DocumentFactory, DocumentVersionFactory, open_demo_case

pytestmark = pytest.mark.django_db

# What a plain search of the bytes reports (the finding counted "4× /JavaScript"); only the
# long markers, which do not turn up by chance in compressed data.
GREP = re.compile(
    rb"/JavaScript|/EmbeddedFile|/Launch|/OpenAction|/RichMedia|/XFA\b|/SubmitForm|"
    rb"(?i:javascript:)"
)


def _text(data: bytes) -> list[str]:
    return [page.extract_text() for page in PdfReader(io.BytesIO(data)).pages]


def assert_clean(data: bytes, where: str = "") -> None:
    assert pdfsafe.scan(data) == [], where
    assert not GREP.search(data), (where, GREP.findall(data))


@pytest.mark.parametrize("vector", pdf_corpus.VECTORS)
def test_the_crafted_file_carries_active_content(vector):
    """The corpus is what it claims: the independent scan finds the payload in each file."""
    assert pdfsafe.scan(pdf_corpus.build(vector)) != []


@pytest.mark.parametrize("vector", pdf_corpus.VECTORS)
def test_every_vector_is_neutralised_and_keeps_page_and_text(harz, vector):
    data = pdf_corpus.build(vector)
    validated = services.validate_upload(f"{vector}.pdf", data)
    assert validated.mime == "application/pdf"
    assert_clean(validated.data, vector)
    assert _text(validated.data) == _text(data) == [pdf_corpus.VISIBLE % vector]
    assert validated.neutralised and validated.removed
    assert validated.original == data
    assert validated.original_sha256 == hashlib.sha256(data).hexdigest()
    assert (
        validated.sha256 == hashlib.sha256(validated.data).hexdigest() != validated.original_sha256
    )
    # Neutralising what is neutralised changes nothing.
    assert pdfsafe.neutralise(validated.data).data == validated.data


REMOVED = {
    "openaction_js": {"/OpenAction", "/JavaScript"},
    "link_aa_js": {"/AA", "/JavaScript"},
    "next_chain": {"/Next", "/JavaScript"},
    "xfa": {"/XFA"},
    "javascript_uri": {"/URI javascript:", "/URI file:"},
    "file_attachment_exe": {"/FileAttachment", "/EmbeddedFile"},
    "embedded_files_exe": {"/EmbeddedFiles", "/EmbeddedFile"},
    "launch": {"/Launch"},
    "submitform": {"/SubmitForm"},
    "richmedia": {"/RichMedia"},
}


@pytest.mark.parametrize("vector", sorted(REMOVED))
def test_the_record_says_what_was_removed(harz, vector):
    validated = services.validate_upload("x.pdf", pdf_corpus.build(vector))
    assert REMOVED[vector] <= set(validated.removed)


def test_harmless_links_and_form_values_stay(harz):
    clean = pdf_corpus.clean()
    validated = services.validate_upload("sauber.pdf", clean)
    assert validated.data == clean and not validated.neutralised and validated.removed == []
    assert validated.original is None and validated.original_sha256 == ""
    # A form field loses its scripts, not its value; a link to a page stays a link.
    form = services.validate_upload("f.pdf", pdf_corpus.build("acroform_field_aa"))
    field = PdfReader(io.BytesIO(form.data)).get_fields()["betrag"]
    assert field.value == "100"
    chain = PdfReader(
        io.BytesIO(services.validate_upload("n.pdf", pdf_corpus.build("next_chain")).data)
    )
    link = chain.pages[0]["/Annots"][0].get_object()
    assert link["/A"]["/S"] == "/GoTo" and "/Next" not in link["/A"]
    # Bookmarks stay (without their scripts).
    outline = PdfReader(
        io.BytesIO(services.validate_upload("o.pdf", pdf_corpus.build("outline_js")).data)
    )
    assert [item.title for item in outline.outline] == ["Lesezeichen", "Seite 1"]


def test_a_long_file_keeps_every_page():
    pdf = pikepdf.open(io.BytesIO(pdf_corpus.clean("lang", pages=12)))
    pdf.Root.OpenAction = pdf_corpus._js()
    out = io.BytesIO()
    pdf.save(out)
    data = out.getvalue()
    result = pdfsafe.neutralise(data)
    assert result.pages == 12 and result.removed == ["/JavaScript", "/OpenAction"]
    assert _text(result.data) == _text(data)


def test_a_marker_the_cleaner_does_not_know_refuses_the_file(harz):
    """The scan afterwards is the last word: a javascript: string where no action is
    expected is not removed, so the file is refused, with a reason in German."""
    pdf = pikepdf.open(io.BytesIO(pdf_corpus.clean("seltsam")))
    pdf.Root.Lang = pikepdf.String("javascript:app.alert(1)")
    out = io.BytesIO()
    pdf.save(out)
    with pytest.raises(services.UploadRejected, match="aktive Inhalte.*nicht sicher entfernen"):
        services.validate_upload("seltsam.pdf", out.getvalue())


def test_the_case_stores_the_neutralised_pdf_and_quarantines_the_upload(harz):
    data = pdf_corpus.build("link_aa_js")
    case = open_demo_case(documents=[("anlage.pdf", data)])
    version = DocumentVersion.objects.get(document__case=case)
    with version.file.open("rb") as handle:
        stored = handle.read()
    assert_clean(stored)
    assert version.sha256 == hashlib.sha256(stored).hexdigest()
    assert "Sichtbarer Text link_aa_js" in version.text
    assert version.neutralised and {"/AA", "/JavaScript"} <= set(version.removed)
    assert version.original_sha256 == hashlib.sha256(data).hexdigest()
    with version.original.open("rb") as handle:
        assert handle.read() == data
    # Outside MEDIA_ROOT (which the development server serves) and without a URL.
    quarantined = Path(version.original.path).resolve()
    assert not quarantined.is_relative_to(Path(settings.MEDIA_ROOT).resolve())
    with pytest.raises(ValueError):
        version.original.url  # noqa: B018
    entry = AuditEntry.objects.get(action="document.neutralised", case_ref=case.file_number)
    assert entry.detail["original_sha256"] == version.original_sha256
    assert entry.detail["removed"] == version.removed


def test_retention_deletes_the_quarantined_upload_too(harz):
    import datetime as dt

    from openkreis.cases.models import Case

    case = open_demo_case(documents=[("anlage.pdf", pdf_corpus.build("launch"))])
    version = DocumentVersion.objects.get(document__case=case)
    quarantined = Path(version.original.path)
    assert quarantined.exists()
    Case.objects.filter(pk=case.pk).update(
        state_kind="done", retain_until=dt.date.today() - dt.timedelta(days=1)
    )
    assert case.file_number in services.delete_expired(dry_run=False)
    assert not quarantined.exists()


def test_the_court_file_contains_only_neutralised_pdfs(harz):
    worker = StaffFactory(username="sb-gericht")
    documents = [(f"{v}.pdf", pdf_corpus.build(v)) for v in pdf_corpus.VECTORS]
    case = open_demo_case(documents=documents)
    # A file stored before uploads were neutralised (bypassing validate_upload).
    legacy = DocumentVersionFactory(
        document=DocumentFactory(case=case, title="alt.pdf"), data=pdf_corpus.build("launch")
    )
    ids = list(case.documents.values_list("pk", flat=True))
    archive = zipfile.ZipFile(io.BytesIO(services.export_court_file(case, ids, actor=worker)))
    manifest = json.loads(archive.read("manifest.json"))
    assert len(manifest["documents"]) == len(pdf_corpus.VECTORS) + 1
    for name in archive.namelist():
        if name.endswith(".pdf"):
            assert_clean(archive.read(name), name)
    for entry in manifest["documents"]:
        assert hashlib.sha256(archive.read(entry["file"])).hexdigest() == entry["sha256"]
        if entry["title"] != "alt.pdf":
            assert entry["neutralised"]
    text = "\n".join(_text(archive.read("gerichtsakte.pdf")))
    for vector in pdf_corpus.VECTORS:
        assert pdf_corpus.VISIBLE % vector in text
    assert legacy.sha256 not in json.dumps(manifest)  # the legacy file went in neutralised


def test_a_mailbox_reply_files_neutralised_attachments(harz):
    from openkreis.accounts import services as accounts
    from openkreis.accounts.models import Attachment
    from openkreis.accounts.tests.factories import CitizenFactory, MessageFactory, open_case_for

    anna = CitizenFactory(username="anna-pdf")
    case = open_case_for(anna)
    note = MessageFactory(owner=anna, subject="Hinweis", body="x", case_id=case.pk)
    vectors = ["outline_js", "xfa", "file_attachment_exe", "javascript_uri"]
    answer = accounts.reply(
        anna, note, body="Anbei", files=[(f"{v}.pdf", pdf_corpus.build(v)) for v in vectors]
    )
    for attachment in Attachment.objects.filter(message=answer):
        with attachment.file.open("rb") as handle:
            assert_clean(handle.read(), attachment.name)
    for vector in vectors:
        version = DocumentVersion.objects.get(document__case=case, filename=f"{vector}.pdf")
        with version.file.open("rb") as handle:
            assert_clean(handle.read(), vector)
        assert version.neutralised and pdf_corpus.VISIBLE % vector in version.text


def test_the_counter_files_neutralised_pdfs(harz):
    from openkreis.catalog.models import Service

    from .factories import applicant

    data = pdf_corpus.build("embedded_files_exe")
    case = services.open_case(
        service=Service.objects.get(slug="fahrerlaubnis-ersterteilung"),
        channel="counter",
        applicant=applicant(),
        documents=[("vorlage.pdf", data)],
    )
    version = DocumentVersion.objects.get(document__case=case)
    with version.file.open("rb") as handle:
        stored = handle.read()
    assert_clean(stored)
    with version.original.open("rb") as handle:
        original = handle.read()
    assert list(pikepdf.open(io.BytesIO(original)).attachments) == ["setup.exe"]
    assert list(pikepdf.open(io.BytesIO(stored)).attachments) == []


QUARANTINE_TABLE = {
    "anonymous": 302,
    "citizen": 403,
    "mail-room": 403,
    "other-unit": 403,
    "lead-other": 403,
    "own-unit": 403,  # caseworkers work with the neutralised PDF only
    "lead-above": 403,
    "auditor": 200,
}


@pytest.mark.parametrize("role", list(QUARANTINE_TABLE))
def test_only_the_auditor_downloads_the_quarantined_upload(client, harz, role):
    from .factories import login_as

    data = pdf_corpus.build("launch")
    case = open_demo_case(documents=[("anlage.pdf", data)])
    version = DocumentVersion.objects.get(document__case=case)
    if role != "anonymous":
        login_as(client, role)
    url = f"/sachbearbeitung/protokoll/quarantaene/{version.pk}/"
    response = client.get(url)
    assert response.status_code == QUARANTINE_TABLE[role]
    read = AuditEntry.objects.filter(action="document.original_read", case_ref=case.file_number)
    if role != "auditor":
        assert not read.exists()
        return
    assert b"".join(response.streaming_content) == data
    assert response["Content-Type"] == "application/octet-stream"
    assert response["Content-Disposition"].startswith("attachment")
    assert read.get().detail["original_sha256"] == hashlib.sha256(data).hexdigest()
    # The audit trail links to it; a version without a quarantined upload is not found.
    trail = client.get("/sachbearbeitung/protokoll/", {"action": "document.neutralised"})
    assert url in trail.content.decode()
    clean = DocumentVersionFactory(document=DocumentFactory(case=case))
    assert client.get(f"/sachbearbeitung/protokoll/quarantaene/{clean.pk}/").status_code == 404
