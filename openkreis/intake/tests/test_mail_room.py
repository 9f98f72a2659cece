"""The paper channel: scans are stored, read by Tesseract, matched to a case by the printed
file number, filed by the mail room, and found by a word that exists only in the image."""

import pytest

from openkreis.cases import services as cases
from openkreis.cases.models import Case
from openkreis.cases.tests.factories import open_demo_case
from openkreis.core.testing import login_staff, make_staff
from openkreis.core.tests.factories import StaffFactory
from openkreis.intake import pipeline
from openkreis.intake import services as intake
from openkreis.intake.models import ScanJob

from .factories import ScanJobFactory, scanned_letter

pytestmark = pytest.mark.django_db


def test_ocr_reads_the_image_and_suggests_the_case(harz, django_capture_on_commit_callbacks):
    case = open_demo_case()
    letter = scanned_letter(
        "Landkreis Harz", f"Aktenzeichen {case.file_number}", "Kennwort Zitronenfalter"
    )
    with django_capture_on_commit_callbacks(execute=True):
        job = intake.receive_scan("brief.pdf", letter)
    job.refresh_from_db()
    assert job.state == ScanJob.State.READY, job.error
    assert "Zitronenfalter" in job.text
    assert job.suggested_case == case
    assert pipeline.run(job.pk).state == ScanJob.State.READY  # a second run changes nothing


def test_tesseract_runs_one_thread_unless_the_operator_says_otherwise(harz, monkeypatch):
    """Tesseract's OpenMP threads spin while they wait for a core: OCRs side by side on
    2 cores were 20-80x slower with two threads each. ocrmypdf gives Tesseract the thread
    limit it computes through `_tesseract_env`; that is where it is read."""
    from ocrmypdf._exec import tesseract

    seen = []
    real = tesseract._tesseract_env
    monkeypatch.setattr(
        tesseract, "_tesseract_env", lambda limit: seen.append(limit) or real(limit)
    )
    monkeypatch.delenv("OMP_THREAD_LIMIT", raising=False)
    job = ScanJobFactory(lines=("Landkreis Harz", "Kennwort Zitronenfalter"))
    assert pipeline.run(job.pk).state == ScanJob.State.READY
    assert seen and set(seen) == {1}
    seen.clear()
    monkeypatch.setenv("OMP_THREAD_LIMIT", "2")  # the operator's choice is kept
    job = ScanJobFactory(lines=("Landkreis Harz", "Kennwort Zitronenfalter"))
    assert pipeline.run(job.pk).state == ScanJob.State.READY
    assert seen and set(seen) == {2}


def test_filed_scan_is_found_by_a_word_only_in_the_image(harz, django_capture_on_commit_callbacks):
    case = open_demo_case()
    with django_capture_on_commit_callbacks(execute=True):
        job = intake.receive_scan(
            "scan.png", scanned_letter("Widerspruch Schmetterlingswiese", kind="PNG")
        )
    worker = StaffFactory(username="sb-ocr")
    assert list(cases.find_cases(worker, "Schmetterlingswiese")) == []
    intake.file_scan(ScanJob.objects.get(pk=job.pk), actor=None, case=case)
    assert list(cases.find_cases(worker, "Schmetterlingswiese")) == [case]
    document = case.documents.get(doc_type="posteingang")
    assert document.channel == "paper" and document.current().mime == "application/pdf"
    assert ScanJob.objects.get(pk=job.pk).state == ScanJob.State.FILED


def test_a_scan_can_open_a_new_paper_case(harz, django_capture_on_commit_callbacks):
    from openkreis.catalog.models import Service

    with django_capture_on_commit_callbacks(execute=True):
        job = intake.receive_scan("antrag.pdf", scanned_letter("Antrag auf Wohngeld"))
    case = intake.file_scan(
        ScanJob.objects.get(pk=job.pk),
        actor=None,
        service=Service.objects.get(slug="aufenthaltskarte-eu"),
        applicant_name="Jan Nowak",
    )
    assert case.channel == Case.Channel.PAPER and case.procedure.key == "aufenthaltskarte-eu"


def test_bad_files_are_refused_at_upload_and_nothing_is_stored(harz):
    with pytest.raises(cases.UploadRejected):
        intake.receive_scan("virus.pdf", b"MZ\x90\x00" + b"\x00" * 100)
    assert ScanJob.objects.count() == 0


MAIL_ROOM_URLS = ["/eingang/poststelle/", "/eingang/poststelle/scan/{job}/"]


@pytest.mark.parametrize(
    "role,status",
    [
        ("anonymous", 302),
        ("caseworker", 403),
        ("team_lead", 403),
        ("front_desk", 403),
        ("auditor", 403),
        ("mail_room", 200),
    ],
)
def test_only_the_mail_room_enters(client, harz, role, status):
    job = ScanJobFactory(filename="brief.pdf", lines=["Geheimer Inhalt Pflaumenbaum"])
    if role != "anonymous":
        user, secret = make_staff(f"u-{role}", "kreiskasse", role)
        login_staff(client, user, secret)
    for url in MAIL_ROOM_URLS:
        response = client.get(url.format(job=job.pk))
        assert response.status_code == status, (role, url)
        assert status == 200 or b"brief.pdf" not in response.content
    post = client.post(f"/eingang/poststelle/scan/{job.pk}/", {"file_number": "x"})
    assert post.status_code == (400 if status == 200 else status)


def test_mail_room_upload_and_file_through_the_pages(
    client, harz, django_capture_on_commit_callbacks
):
    from django.core.files.uploadedfile import SimpleUploadedFile

    case = open_demo_case()
    user, secret = make_staff("post", "kreiskasse", "mail_room")
    login_staff(client, user, secret)
    letter = SimpleUploadedFile("b.pdf", scanned_letter(f"Aktenzeichen {case.file_number}"))
    bad = SimpleUploadedFile("x.pdf", b"not a pdf at all")
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post("/eingang/poststelle/", {"scans": [letter, bad]})
    assert response.status_code == 400  # one refused, with its reason
    assert "x.pdf" in response.content.decode()
    job = ScanJob.objects.get()
    page = client.get(f"/eingang/poststelle/scan/{job.pk}/").content.decode()
    assert case.file_number in page
    response = client.post(f"/eingang/poststelle/scan/{job.pk}/", {"file_number": "nope"})
    assert response.status_code == 400
    response = client.post(f"/eingang/poststelle/scan/{job.pk}/", {"file_number": case.file_number})
    assert response.status_code == 302
    assert case.documents.filter(doc_type="posteingang").count() == 1


@pytest.mark.parametrize(
    "role,status",
    [("anonymous", 302), ("mail_room", 403), ("front_desk", 200), ("caseworker", 200)],
)
def test_counter_access(client, harz, role, status):
    if role != "anonymous":
        user, secret = make_staff(f"c-{role}", "kfz-zulassung", role)
        login_staff(client, user, secret)
    assert client.get("/eingang/schalter/").status_code == status


def test_counter_opens_a_counter_case_with_documents(client, harz):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from openkreis.catalog.models import Service

    user, secret = make_staff("schalter", "kfz-zulassung", "front_desk")
    login_staff(client, user, secret)
    service = Service.objects.get(slug="aufenthaltskarte-eu")
    scan = SimpleUploadedFile("pass.png", scanned_letter("Reisepass", kind="PNG"))
    response = client.post(
        "/eingang/schalter/",
        {"service": service.pk, "name": "Ana Silva", "postcode": "38820", "documents": [scan]},
    )
    assert response.status_code == 302
    case = Case.objects.get(applicant_name="Ana Silva")
    assert case.channel == "counter" and case.documents.count() == 1
    bad = client.post("/eingang/schalter/", {"service": service.pk, "name": "", "postcode": "12"})
    assert bad.status_code == 400 and "error-summary" in bad.content.decode()


def test_mail_room_finds_the_case_by_name_and_sees_the_ocr_progress(
    client, harz, django_capture_on_commit_callbacks
):
    case = open_demo_case()  # applicant Erika Mustermann
    user, secret = make_staff("post-find", "dezernat-1", "mail_room")
    login_staff(client, user, secret)
    job = ScanJobFactory(filename="ohne-az.pdf", lines=["Brief ohne Aktenzeichen"])
    waiting = client.get("/eingang/poststelle/").content.decode()
    assert "Schritt 0 von 3" in waiting and "data-ocr-running" in waiting
    assert "intake/progress" in waiting  # the page reloads itself while OCR runs (with JS)
    ScanJob.objects.filter(pk=job.pk).update(state=ScanJob.State.RUNNING, progress="ocr")
    detail = client.get(f"/eingang/poststelle/scan/{job.pk}/").content.decode()
    assert "Schritt 2 von 3" in detail and "<progress" in detail
    assert pipeline.run(job.pk).state == ScanJob.State.READY  # a worker picks it up again
    page = client.get(f"/eingang/poststelle/scan/{job.pk}/", {"q": "Mustermann"})
    text = page.content.decode()
    assert case.file_number in text
    chosen = client.get(f"/eingang/poststelle/scan/{job.pk}/", {"file_number": case.file_number})
    assert f'value="{case.file_number}"' in chosen.content.decode()
    nothing = client.get(f"/eingang/poststelle/scan/{job.pk}/", {"q": "Niemand Unbekannt"})
    assert "Kein Vorgang gefunden" in nothing.content.decode()
    response = client.post(f"/eingang/poststelle/scan/{job.pk}/", {"file_number": case.file_number})
    assert response.status_code == 302
    assert ScanJob.objects.get(pk=job.pk).filed_case == case


def test_scans_are_stored_under_generated_names_not_the_senders(harz):
    """Issue 16 F8: scans were stored under their original file name."""
    job = intake.receive_scan("Brief an Frau Mustermann.pdf", scanned_letter("32.10.01-2026-1"))
    assert "Mustermann" not in job.file.name and job.file.name.endswith(".pdf")
    assert job.filename == "Brief an Frau Mustermann.pdf"


def test_media_is_not_served_by_the_app(client, harz):
    from openkreis.urls import PUBLIC_MEDIA_FOLDERS

    assert "intake" not in PUBLIC_MEDIA_FOLDERS
    assert client.get("/media/intake/x.pdf").status_code == 404


def test_counter_page_says_what_it_is_for_in_german(client, harz):
    user, secret = make_staff("schalter-de", "kfz-zulassung", "front_desk")
    login_staff(client, user, secret)
    page = client.get("/eingang/schalter/").content.decode()
    assert "<h1>Schalter: Vorgang für eine Person am Schalter anlegen</h1>" in page
    assert "---------" not in page
    assert "Bitte eine Leistung wählen" in page
