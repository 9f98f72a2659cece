"""Request limits (issue 16 F6, F7): a NUL character, a form above DATA_UPLOAD_MAX_MEMORY_SIZE,
too many fields and an upload above OPENKREIS_MAX_UPLOAD_BYTES each get a 400 page that says
why, in German (English under /en/) — never a 500, never a bare "Bad Request"."""

from __future__ import annotations

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile

from openkreis.accounts.models import Attachment, Message
from openkreis.cases.models import Case

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.OPENKREIS_QUARANTINE_ROOT = tmp_path / "quarantine"


def test_limits_are_set():
    assert settings.DATA_UPLOAD_MAX_MEMORY_SIZE <= 2_621_440
    assert settings.FILE_UPLOAD_MAX_MEMORY_SIZE <= 2_621_440  # larger uploads go to disk
    assert settings.DATA_UPLOAD_MAX_NUMBER_FIELDS <= 5000
    assert settings.DATA_UPLOAD_MAX_NUMBER_FILES <= 50
    assert "openkreis.core.middleware.RequestLimitsMiddleware" in settings.MIDDLEWARE


def test_form_data_just_above_the_limit_gets_a_clear_400(client):
    limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
    body = "beschreibung=" + "x" * (limit - len("beschreibung=") + 1)
    response = client.post(
        "/barriere-melden/", body, content_type="application/x-www-form-urlencoded"
    )
    assert response.status_code == 400
    html = response.content.decode()
    assert "Die Anfrage ist zu groß" in html and "2,5" in html  # the limit, in German
    assert "<h1>Die Anfrage konnte nicht verarbeitet werden</h1>" in html

    at_limit = "beschreibung=" + "x" * (limit - len("beschreibung="))
    response = client.post(
        "/barriere-melden/", at_limit, content_type="application/x-www-form-urlencoded"
    )
    assert response.status_code != 400 or "zu groß" not in response.content.decode()


def test_english_page_in_english(client):
    body = "a=" + "x" * settings.DATA_UPLOAD_MAX_MEMORY_SIZE
    response = client.post(
        "/en/barriere-melden/", body, content_type="application/x-www-form-urlencoded"
    )
    assert response.status_code == 400
    assert "The request is too large" in response.content.decode()


def test_too_many_fields(client):
    fields = {f"f{n}": "1" for n in range(settings.DATA_UPLOAD_MAX_NUMBER_FIELDS + 1)}
    response = client.post("/barriere-melden/", fields)
    assert response.status_code == 400
    assert "zu viele Felder" in response.content.decode()


@pytest.mark.parametrize(
    "data",
    [
        {"standort": "lra-halberstadt", "zeit": "\x00"},
        {"beschreibung": "a\x00b", "seite": "/"},
    ],
)
def test_nul_in_a_form_gets_a_400_not_a_database_error(client, data):
    """PostgreSQL refuses NUL in text: every lookup with one answered 500."""
    url = "/barriere-melden/" if "beschreibung" in data else "/termine/reservieren/"
    response = client.post(url, data)
    assert response.status_code == 400
    assert "Nullbyte" in response.content.decode()


@pytest.mark.parametrize(
    "url,params,status",
    [
        ("/suche/", {"q": "Fahr\x00erlaubnis"}, 200),  # searched without the NUL
        ("/termine/tag/", {"standort": "a\x00b"}, 400),  # the view's own answer
        ("/termine/wartemarke/a%00b/", {}, 404),
        ("/leistungen/%00/", {}, 404),
    ],
)
def test_nul_in_the_address_or_query(client, harz, url, params, status):
    response = client.get(url, params)
    assert response.status_code == status
    if url == "/suche/":
        assert "Fahrerlaubnis" in response.content.decode()


def test_oversized_reply_attachment_is_refused_before_it_is_read(client, settings):
    """The mailbox reply: an upload above the limit is refused from its size (on disk, as
    Django spools it) with the reason at the form; nothing reaches the case."""
    from openkreis.accounts.tests.factories import CitizenFactory, MessageFactory, open_case_for

    settings.OPENKREIS_MAX_UPLOAD_BYTES = 300_000
    settings.FILE_UPLOAD_MAX_MEMORY_SIZE = 100_000
    anna = CitizenFactory()
    case = open_case_for(anna)
    letter = MessageFactory(owner=anna, case_id=case.pk)
    client.force_login(anna)
    documents = case.documents.count()
    big = SimpleUploadedFile("gross.pdf", b"%PDF-1.4\n" + b"0" * 400_000, "application/pdf")
    response = client.post(
        f"/mein-konto/postfach/{letter.public_id}/", {"body": "Anbei", "attachments": [big]}
    )
    assert response.status_code == 400
    assert "Die Datei gross.pdf ist größer als 293,0\xa0KB." in response.content.decode()
    assert not Message.objects.filter(reply_to=letter).exists()
    assert not Attachment.objects.filter(message__owner=anna, name="gross.pdf").exists()
    assert Case.objects.get(pk=case.pk).documents.count() == documents


def test_oversized_scan_in_the_mail_room(client, settings):
    from openkreis.core.testing import login_staff, make_staff
    from openkreis.intake.models import ScanJob

    settings.OPENKREIS_MAX_UPLOAD_BYTES = 300_000
    user, secret = make_staff("limit-post", "kreiskasse", "mail_room")
    login_staff(client, user, secret)
    big = SimpleUploadedFile("scan.pdf", b"%PDF-1.4\n" + b"0" * 400_000, "application/pdf")
    response = client.post("/eingang/poststelle/", {"scans": [big]})
    assert response.status_code == 400
    assert "ist größer als" in response.content.decode()
    assert not ScanJob.objects.exists()
