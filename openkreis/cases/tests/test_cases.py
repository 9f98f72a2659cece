"""The eAkte: opening cases, file numbers, documents and their validation, workflow,
requests for documents, decisions, audit trail, retention, online submission."""

import datetime as dt
import io
import threading

import pytest
from django.core import mail
from django.core.management import call_command
from django.db import connection
from django.utils import timezone
from pypdf import PdfReader, PdfWriter
from pypdf.generic import DictionaryObject, NameObject, TextStringObject

from openkreis.cases import services
from openkreis.cases.models import AuditEntry, Case, Document
from openkreis.catalog.models import Service
from openkreis.core.models import Event
from openkreis.core.testing import make_staff
from openkreis.intake.services import submit_online

pytestmark = pytest.mark.django_db


def pdf_bytes(text: str = "Hallo", javascript: bool = False) -> bytes:
    writer = PdfWriter()
    writer.add_blank_page(width=200, height=200)
    if javascript:  # an OpenAction running JavaScript when the file is opened
        action = DictionaryObject(
            {
                NameObject("/S"): NameObject("/JavaScript"),
                NameObject("/JS"): TextStringObject("app.alert('x');"),
            }
        )
        writer._root_object[NameObject("/OpenAction")] = writer._add_object(action)
    buffer = io.BytesIO()
    writer.write(buffer)
    return buffer.getvalue()


def png_bytes(width=20, height=20) -> bytes:
    from PIL import Image

    buffer = io.BytesIO()
    Image.new("RGB", (width, height), "white").save(buffer, "PNG")
    return buffer.getvalue()


def applicant(**extra):
    return services.Applicant(
        name="Erika Mustermann",
        email="erika@example.org",
        street="Markt 1",
        postcode="38855",
        city="Wernigerode",
        **extra,
    )


def open_demo_case(slug="fahrerlaubnis-ersterteilung", **kwargs):
    return services.open_case(
        service=Service.objects.get(slug=slug),
        channel="online",
        applicant=kwargs.pop("applicant", applicant()),
        documents=kwargs.pop("documents", [("antrag.pdf", pdf_bytes())]),
        **kwargs,
    )


# -- opening -------------------------------------------------------------------------------
def test_open_case_files_it_under_the_plan_with_procedure_unit_target(harz):
    case = open_demo_case()
    year = timezone.localdate().year
    assert case.file_number.startswith(f"32.10.01-{year}-")
    assert case.procedure.key == "fahrerlaubnis-ersterteilung"
    assert case.org_unit.key == "fahrerlaubnisbehoerde"
    assert case.state == "new" and case.state_kind == "queue"
    assert case.target_at is not None and case.target_at > case.received_at
    assert case.documents.count() == 1
    event = Event.objects.get(kind="case.received", subject=f"case:{case.pk}")
    assert event.data["channel"] == "online" and event.data["service"] == case.service.slug
    assert event.data["state_kind"] == "queue" and event.data["org_unit"] == case.org_unit.key
    assert "Mustermann" not in str(event.data)  # no personal data in events


def test_other_services_use_the_generic_procedure_and_default_plan_item(harz):
    case = open_demo_case("hundesteuer-anmelden")
    assert case.procedure.key == "generic"
    assert case.file_number.startswith("10.99.01-")


def test_file_numbers_count_up_without_gaps(harz):
    numbers = [open_demo_case(documents=[]).file_number for _ in range(3)]
    seq = [int(n.rsplit("-", 1)[1]) for n in numbers]
    assert seq == [seq[0], seq[0] + 1, seq[0] + 2]


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_file_numbers_are_unique_under_concurrent_writers():
    service = Service.objects.get(slug="aufenthaltskarte-eu")
    numbers, errors = [], []

    def worker():
        try:
            for _ in range(3):
                case = services.open_case(service=service, channel="paper", applicant=applicant())
                numbers.append(case.file_number)
        except Exception as exc:  # collected and asserted below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=worker) for _ in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert len(numbers) == 18 and len(set(numbers)) == 18
    seq = sorted(int(n.rsplit("-", 1)[1]) for n in numbers)
    assert seq == list(range(seq[0], seq[0] + 18))


# -- documents -----------------------------------------------------------------------------
BAD_FILES = [
    ("leer.pdf", b"", "empty"),
    ("rechnung.pdf", b"MZ\x90\x00\x03" + b"\x00" * 200, "not a PDF"),
    ("bild.jpg", b"PK\x03\x04" + b"\x00" * 100, "not a PDF"),
    ("kaputt.pdf", b"%PDF-1.7\n1 0 obj <<>> garbage", "damaged"),
    ("skript.pdf", pdf_bytes(javascript=True), "scripts"),
    ("bombe.png", png_bytes(9000, 9000), "too large"),
]


@pytest.mark.parametrize("name,data,reason", BAD_FILES, ids=[b[0] for b in BAD_FILES])
def test_bad_files_are_rejected_with_a_reason_and_nothing_is_stored(harz, name, data, reason):
    before = (Case.objects.count(), Document.objects.count())
    with pytest.raises(services.UploadRejected) as exc:
        open_demo_case(documents=[("ok.pdf", pdf_bytes()), (name, data)])
    assert reason in str(exc.value) or name in str(exc.value)
    assert (Case.objects.count(), Document.objects.count()) == before


def test_oversized_file_is_rejected(harz, settings):
    settings.OPENKREIS_MAX_UPLOAD_BYTES = 1000
    with pytest.raises(services.UploadRejected, match="größer als 1000"):
        services.validate_upload("gross.png", png_bytes(200, 200) + b"\x00" * 2000)


def test_good_files_get_type_from_content_and_checksum(harz):
    validated = services.validate_upload("foto.pdf", png_bytes())  # the name lies
    assert validated.mime == "image/png"
    assert len(validated.sha256) == 64


def test_new_upload_is_a_new_version_never_an_overwrite(harz):
    case = open_demo_case()
    document = case.documents.get()
    services.attach_document(
        case, ("antrag.pdf", pdf_bytes("zwei")), channel="paper", document=document
    )
    versions = list(document.versions.order_by("number"))
    assert [v.number for v in versions] == [1, 2]
    assert versions[0].file.name != versions[1].file.name
    assert versions[0].file.storage.exists(versions[0].file.name)


# -- workflow ------------------------------------------------------------------------------
def test_caseworker_of_the_unit_may_claim_others_may_not(harz):
    case = open_demo_case()
    own, _ = make_staff("sb-own", "fahrerlaubnisbehoerde", "caseworker")
    other, _ = make_staff("sb-other", "sozialamt", "caseworker")
    with pytest.raises(services.CaseError):
        services.transition(case, "claim", actor=other)
    case = services.transition(case, "claim", actor=own)
    assert case.state == "in_progress" and case.assignee == own
    with pytest.raises(services.CaseError):
        services.transition(case, "close", actor=own)  # not from in_progress
    assert Event.objects.filter(kind="case.assigned", subject=case.subject).exists()


def test_four_eyes_in_social_assistance_only_the_lead_decides(harz):
    case = open_demo_case("hilfe-zum-lebensunterhalt")
    worker, _ = make_staff("sb-soz", "sozialamt", "caseworker")
    lead, _ = make_staff("lead-soz", "sozialamt", "team_lead")
    for step in ("claim", "calculate", "submit_review"):
        case = services.transition(case, step, actor=worker)
    with pytest.raises(services.CaseError):
        services.decide(case, actor=worker, outcome="granted", text="Bedarf besteht.")
    services.decide(case, actor=lead, outcome="granted", text="Bedarf besteht.")
    case.refresh_from_db()
    assert case.state == "decided" and case.outcome == "granted"


def test_request_documents_waits_and_delivery_returns_to_inbox(
    harz, django_capture_on_commit_callbacks
):
    case = open_demo_case()
    worker, _ = make_staff("sb-req", "fahrerlaubnisbehoerde", "caseworker")
    case = services.transition(case, "claim", actor=worker)
    deadline = timezone.localdate() + dt.timedelta(days=14)
    with django_capture_on_commit_callbacks(execute=True):
        services.request_documents(
            case, ["Sehtest", "Erste-Hilfe-Nachweis"], deadline, actor=worker
        )
    case.refresh_from_db()
    assert case.state_kind == "applicant"
    status = services.citizen_status(case)
    assert status["requests"][0]["items"] == ["Sehtest", "Erste-Hilfe-Nachweis"]
    assert any("Sehtest" in m.body for m in mail.outbox)  # the applicant was told
    services.deliver_documents(case, [("sehtest.pdf", pdf_bytes())])
    case.refresh_from_db()
    assert case.state == "returned" and case.state_kind == "queue"
    assert case in services.inbox(worker, "new")
    kinds = list(
        Event.objects.filter(subject=case.subject).values_list("kind", flat=True).order_by("id")
    )
    assert kinds == [
        "case.received",
        "case.assigned",
        "case.documents_requested",
        "case.documents_received",
    ]


def test_deadline_in_the_past_is_refused(harz):
    case = open_demo_case()
    worker, _ = make_staff("sb-dl", "fahrerlaubnisbehoerde", "caseworker")
    case = services.transition(case, "claim", actor=worker)
    with pytest.raises(services.CaseError):
        services.request_documents(case, ["Sehtest"], timezone.localdate(), actor=worker)


def test_decision_is_a_pdf_with_file_number_filed_and_mailed(
    harz, django_capture_on_commit_callbacks
):
    case = open_demo_case()
    worker, _ = make_staff("sb-dec", "fahrerlaubnisbehoerde", "caseworker")
    case = services.transition(case, "claim", actor=worker)
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        document = services.decide(case, actor=worker, outcome="granted", text="Alles vorhanden.")
    version = document.current()
    with version.file.open("rb") as handle:
        data = handle.read()
    text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(data)).pages)
    assert case.file_number in text and "Rechtsbehelfsbelehrung" in text
    assert document.doc_type == "bescheid"
    case.refresh_from_db()
    assert case.decided_at and case.retain_until > timezone.localdate()
    assert mail.outbox and mail.outbox[-1].attachments[0][0].endswith(".pdf")


# -- audit and retention -------------------------------------------------------------------
def test_audit_chain_verifies_and_names_the_first_tampered_entry(harz):
    case = open_demo_case()
    worker, _ = make_staff("sb-aud", "fahrerlaubnisbehoerde", "caseworker")
    services.transition(case, "claim", actor=worker)
    count, broken = services.verify_audit_chain()
    assert broken is None and count >= 2
    first = AuditEntry.objects.filter(case_ref=case.file_number).order_by("id").first()
    AuditEntry.objects.filter(pk=first.pk).update(actor="mallory")  # bypasses save()
    _count, broken = services.verify_audit_chain()
    assert broken is not None and broken.pk == first.pk
    with pytest.raises(Exception, match="broken at entry"):
        call_command("verify_audit")


def test_retention_deletes_personal_data_and_keeps_events(harz):
    case = open_demo_case()
    worker, _ = make_staff("sb-ret", "fahrerlaubnisbehoerde", "caseworker")
    case = services.transition(case, "claim", actor=worker)
    services.transition(case, "decide", actor=worker, outcome="granted")
    Case.objects.filter(pk=case.pk).update(retain_until=timezone.localdate() - dt.timedelta(1))
    assert services.delete_expired(dry_run=True) == [case.file_number]
    assert Case.objects.filter(pk=case.pk).exists()
    assert services.delete_expired(dry_run=False) == [case.file_number]
    assert not Case.objects.filter(pk=case.pk).exists()
    assert Event.objects.filter(subject=f"case:{case.pk}", kind="case.deleted").exists()
    assert Event.objects.filter(subject=f"case:{case.pk}", kind="case.received").exists()


# -- online submission ---------------------------------------------------------------------
def test_submit_online_is_idempotent(harz):
    service = Service.objects.get(slug="aufenthaltskarte-eu")
    data = {
        "first_name": "Olena",
        "last_name": "Kowalska",
        "email": "olena@example.org",
        "postcode": "38820",
        "city": "Halberstadt",
    }
    files = [{"name": "pass.pdf", "content": io.BytesIO(pdf_bytes()), "document_type": "pass"}]
    first = submit_online(
        service=service, applicant=data, data={}, files=files, idempotency_key="key-1"
    )
    files[0]["content"].seek(0)
    again = submit_online(
        service=service, applicant=data, data={}, files=files, idempotency_key="key-1"
    )
    assert first.pk == again.pk
    assert Case.objects.filter(idempotency_key="key-1").count() == 1
    assert first.documents.get().doc_type == "pass"
    assert Event.objects.filter(kind="application.submitted", subject=first.subject).count() == 1


def test_paper_and_online_become_the_same_kind_of_case(harz):
    online = open_demo_case("aufenthaltskarte-eu")
    paper = services.open_case(
        service=Service.objects.get(slug="aufenthaltskarte-eu"),
        channel="paper",
        applicant=applicant(),
    )
    assert (online.procedure, online.org_unit, online.state) == (
        paper.procedure,
        paper.org_unit,
        paper.state,
    )


def test_reminder_once_after_the_deadline(harz, django_capture_on_commit_callbacks):
    case = open_demo_case()
    worker, _ = make_staff("sb-rem", "fahrerlaubnisbehoerde", "caseworker")
    case = services.transition(case, "claim", actor=worker)
    deadline = timezone.localdate() + dt.timedelta(days=3)
    services.request_documents(case, ["Passbild"], deadline, actor=worker)
    assert services.send_reminders() == 0  # not due yet
    mail.outbox.clear()
    later = deadline + dt.timedelta(days=1)
    with django_capture_on_commit_callbacks(execute=True):
        assert services.send_reminders(today=later) == 1
    assert "Erinnerung" in mail.outbox[-1].subject and "Passbild" in mail.outbox[-1].body
    assert services.send_reminders(today=later) == 0  # once only


def test_events_share_the_transaction_of_the_change(harz, monkeypatch):
    """If a step fails halfway (here: the decision letter cannot be rendered), neither the
    change, nor its history, nor its cockpit event, nor its audit entry is left behind."""
    case = open_demo_case()
    worker, _ = make_staff("sb-tx", "fahrerlaubnisbehoerde", "caseworker")
    case = services.transition(case, "claim", actor=worker)
    before = (Event.objects.count(), AuditEntry.objects.count(), case.history.count())

    def broken(*args, **kwargs):
        raise RuntimeError("renderer down")

    monkeypatch.setattr("openkreis.cases.decision.render_decision", broken)
    with pytest.raises(RuntimeError):
        services.decide(case, actor=worker, outcome="granted", text="Alles vorhanden.")
    case.refresh_from_db()
    assert case.state == "in_progress" and case.decided_at is None
    assert (Event.objects.count(), AuditEntry.objects.count(), case.history.count()) == before
    assert not Event.objects.filter(kind="case.decided", subject=case.subject).exists()


def test_audit_check_from_the_checkpoint_and_the_whole_walk(harz):
    """The auditor's page walks only the entries after the last intact check; tampering
    before it is found by the whole walk ("check now", nightly verify_audit), and then
    every later check starts from the first entry again."""
    from openkreis.cases.models import AuditCheckpoint

    case = open_demo_case()
    worker, _ = make_staff("sb-cp", "fahrerlaubnisbehoerde", "caseworker")
    services.transition(case, "claim", actor=worker)
    total, broken = services.verify_audit_chain()
    assert broken is None
    point = AuditCheckpoint.objects.get()
    assert point.count == total and point.entry_id == AuditEntry.objects.last().pk
    services.audit("case.read", actor=worker, case=case)
    count, broken = services.verify_audit_chain(from_checkpoint=True)
    assert broken is None and count == total + 1  # one entry read, the count goes on
    # an old entry changed (bypassing save): the partial walk cannot see it ...
    first = AuditEntry.objects.order_by("id").first()
    AuditEntry.objects.filter(pk=first.pk).update(actor="mallory")
    assert services.verify_audit_chain(from_checkpoint=True)[1] is None
    # ... the whole walk does, and removes the checkpoint, so later checks see it too
    assert services.verify_audit_chain()[1].pk == first.pk
    assert not AuditCheckpoint.objects.exists()
    assert services.verify_audit_chain(from_checkpoint=True)[1].pk == first.pk
    assert services.audit_chain_status(fresh=True)["intact"] is False


def test_audit_checkpoint_entry_changed_is_found(harz):
    from openkreis.cases.models import AuditCheckpoint

    case = open_demo_case()
    worker, _ = make_staff("sb-cp2", "fahrerlaubnisbehoerde", "caseworker")
    services.transition(case, "claim", actor=worker)
    services.verify_audit_chain()
    anchor = AuditEntry.objects.get(pk=AuditCheckpoint.objects.get().entry_id)
    AuditEntry.objects.filter(pk=anchor.pk).update(hash="0" * 64)
    _count, broken = services.verify_audit_chain(from_checkpoint=True)
    assert broken is not None and broken.pk == anchor.pk


def test_nightly_task_walks_the_whole_chain(harz):
    from openkreis.cases import tasks

    case = open_demo_case()
    first = AuditEntry.objects.filter(case_ref=case.file_number).order_by("id").first()
    assert tasks.verify_audit_chain.delay().get()["intact"] is True
    AuditEntry.objects.filter(pk=first.pk).update(actor="mallory")
    assert tasks.verify_audit_chain.delay().get()["intact"] is False
