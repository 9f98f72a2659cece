"""Workflow steps (services.transitions): who may take which step, four eyes, requests for
documents and their answers, the decision, reminders — each in one transaction with its
history, event and audit entry."""

import datetime as dt
import io

import pytest
from django.core import mail
from django.utils import timezone
from pypdf import PdfReader

from openkreis.cases import services
from openkreis.cases.models import AuditEntry
from openkreis.core.models import Event, StaffMembership
from openkreis.core.tests.factories import StaffFactory

from .factories import open_demo_case, pdf_bytes

pytestmark = pytest.mark.django_db


def test_caseworker_of_the_unit_may_claim_others_may_not(harz):
    case = open_demo_case()
    own = StaffFactory(username="sb-own")
    other = StaffFactory(username="sb-other", unit="sozialamt")
    with pytest.raises(services.CaseError):
        services.transition(case, "claim", actor=other)
    case = services.transition(case, "claim", actor=own)
    assert case.state == "in_progress" and case.assignee == own
    with pytest.raises(services.CaseError):
        services.transition(case, "close", actor=own)  # not from in_progress
    assert Event.objects.filter(kind="case.assigned", subject=case.subject).exists()


def test_four_eyes_in_social_assistance_only_the_lead_decides(harz):
    case = open_demo_case("hilfe-zum-lebensunterhalt")
    worker = StaffFactory(username="sb-soz", unit="sozialamt")
    lead = StaffFactory(username="lead-soz", unit="sozialamt", role="team_lead")
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
    worker = StaffFactory(username="sb-req")
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
    # The documents go back to the caseworker who asked for them (issue 14.3: nobody has to
    # claim their own case a second time); the log keeps both steps.
    assert case.state == "in_progress" and case.assignee == worker
    assert case in services.inbox(worker, "mine") and case not in services.inbox(worker, "new")
    kinds = list(
        Event.objects.filter(subject=case.subject).values_list("kind", flat=True).order_by("id")
    )
    assert kinds == [
        "case.received",
        "case.assigned",
        "case.documents_requested",
        "case.documents_received",
        "case.assigned",
    ]


def test_documents_for_a_caseworker_who_left_the_unit_wait_in_its_inbox(
    harz, django_capture_on_commit_callbacks
):
    case = open_demo_case()
    worker = StaffFactory(username="sb-weg")
    case = services.transition(case, "claim", actor=worker)
    with django_capture_on_commit_callbacks(execute=True):
        services.request_documents(
            case, ["Sehtest"], timezone.localdate() + dt.timedelta(days=7), actor=worker
        )
    StaffMembership.objects.filter(user=worker).delete()  # moved to another office
    colleague = StaffFactory(username="sb-da")
    case.refresh_from_db()
    services.deliver_documents(case, [("sehtest.pdf", pdf_bytes())])
    case.refresh_from_db()
    assert case.state == "returned" and case.state_kind == "queue"
    assert case in services.inbox(colleague, "new")


def test_deadline_in_the_past_is_refused(harz):
    case = open_demo_case()
    worker = StaffFactory(username="sb-dl")
    case = services.transition(case, "claim", actor=worker)
    with pytest.raises(services.CaseError):
        services.request_documents(case, ["Sehtest"], timezone.localdate(), actor=worker)


def test_decision_is_a_pdf_with_file_number_filed_and_mailed(
    harz, django_capture_on_commit_callbacks
):
    case = open_demo_case()
    worker = StaffFactory(username="sb-dec")
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


def test_reminder_once_after_the_deadline(harz, django_capture_on_commit_callbacks):
    case = open_demo_case()
    worker = StaffFactory(username="sb-rem")
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
    worker = StaffFactory(username="sb-tx")
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
