"""Letters to the applicant (services.delivery): written in the transaction of the case
change, sent after commit through the first channel that reaches the applicant, retried
with growing pauses when the channel fails, and visible on the case page — where staff
send a letter again that could not be delivered."""

import datetime as dt
import smtplib

import pytest
from django.core import mail
from django.utils import timezone, translation
from django.utils.translation import gettext

from openkreis.accounts.models import Message
from openkreis.cases import services
from openkreis.cases.delivery import channels
from openkreis.cases.models import AuditEntry, Delivery
from openkreis.core.testing import login_staff, make_staff
from openkreis.core.tests.factories import StaffFactory, UserFactory

from .factories import CaseFactory, DeliveryFactory, applicant, open_demo_case

pytestmark = pytest.mark.django_db

Status = Delivery.Status


def smtp_down(self, case, letter):
    raise smtplib.SMTPException("Mailserver nicht erreichbar")


@pytest.fixture
def worker(harz):
    return StaffFactory(username="sb-brief")


@pytest.fixture
def smtp_fails(monkeypatch):
    """The e-mail channel fails until the test calls `smtp_fails.undo()`."""
    monkeypatch.setattr("openkreis.cases.delivery.EmailChannel.send", smtp_down)
    return monkeypatch


def decide(case, worker, capture):
    """Claim and decide `case`; the decision letter is sent after commit (Celery runs the
    task eagerly in the tests). Returns the letter's Delivery row."""
    if case.state != "in_progress":
        case = services.transition(case, "claim", actor=worker)
    with capture(execute=True):
        services.decide(case, actor=worker, outcome="granted", text="Alles vorhanden.")
    return Delivery.objects.get(case=case, what=Delivery.What.DECISION)


def test_a_decision_to_an_applicant_with_an_e_mail_address_arrives_as_e_mail(
    worker, django_capture_on_commit_callbacks
):
    case = open_demo_case()  # Erika Mustermann: an e-mail address, no account
    mail.outbox.clear()
    delivery = decide(case, worker, django_capture_on_commit_callbacks)
    assert delivery.status == Status.SENT and delivery.channel == "email"
    assert delivery.attempts == 1 and delivery.sent_at is not None
    assert delivery.next_attempt_at is None
    (letter,) = mail.outbox
    assert letter.to == ["erika@example.org"]
    assert case.file_number in letter.subject
    assert letter.attachments[0][0] == f"Bescheid-{case.file_number}.pdf"
    sent = AuditEntry.objects.get(action="delivery.sent", case_ref=case.file_number)
    assert sent.detail == {"what": "decision", "channel": "email"}


def test_a_failing_channel_keeps_the_case_change_and_the_letter_is_sent_later(
    worker, smtp_fails, django_capture_on_commit_callbacks
):
    case = open_demo_case()
    mail.outbox.clear()
    delivery = decide(case, worker, django_capture_on_commit_callbacks)
    case.refresh_from_db()
    assert case.state == "decided" and case.decided_at is not None  # the decision stands
    assert case.documents.filter(doc_type="bescheid").exists()
    assert delivery.status == Status.RETRY and delivery.attempts == 1
    assert delivery.next_attempt_at > timezone.now()
    assert "Mailserver nicht erreichbar" in delivery.last_error
    failed = AuditEntry.objects.get(action="delivery.failed", case_ref=case.file_number)
    assert failed.detail["what"] == "decision"
    assert mail.outbox == []
    assert services.retry_due_deliveries() == 0  # the pause is not over yet

    smtp_fails.undo()  # the mail server is back
    later = delivery.next_attempt_at + dt.timedelta(seconds=1)
    assert services.retry_due_deliveries(now=later) == 1
    delivery.refresh_from_db()
    assert delivery.status == Status.SENT and delivery.attempts == 2
    assert [m.to for m in mail.outbox] == [["erika@example.org"]]


def test_after_max_attempts_the_letter_has_failed_and_is_not_tried_again(
    worker, smtp_fails, django_capture_on_commit_callbacks
):
    delivery = decide(open_demo_case(), worker, django_capture_on_commit_callbacks)
    pauses = []
    while delivery.status == Status.RETRY:
        pauses.append(delivery.next_attempt_at - delivery.updated_at)
        services.retry_due_deliveries(now=delivery.next_attempt_at + dt.timedelta(seconds=1))
        delivery.refresh_from_db()
    assert delivery.status == Status.FAILED
    assert delivery.attempts == services.MAX_ATTEMPTS
    assert delivery.next_attempt_at is None
    assert pauses == sorted(pauses) and pauses[0] < pauses[-1]  # growing pauses
    assert (
        AuditEntry.objects.filter(
            action="delivery.failed", case_ref=delivery.case.file_number
        ).count()
        == services.MAX_ATTEMPTS
    )
    far_later = timezone.now() + dt.timedelta(days=1)
    assert services.retry_due_deliveries(now=far_later) == 0


@pytest.mark.parametrize("status", [Status.PENDING, Status.RETRY, Status.SENT, Status.POST])
def test_only_a_failed_letter_can_be_sent_again(worker, status):
    delivery = DeliveryFactory(status=status)
    with pytest.raises(services.CaseError):
        services.retry_delivery(delivery, actor=worker)
    delivery.refresh_from_db()
    assert delivery.status == status
    assert not AuditEntry.objects.filter(action="delivery.retry").exists()


def test_a_failed_letter_is_queued_again_by_staff(worker, django_capture_on_commit_callbacks):
    delivery = DeliveryFactory(
        status=Status.FAILED, attempts=services.MAX_ATTEMPTS, next_attempt_at=None
    )
    mail.outbox.clear()
    with django_capture_on_commit_callbacks() as queued:
        services.retry_delivery(delivery, actor=worker)
    delivery.refresh_from_db()
    assert delivery.status == Status.RETRY and delivery.attempts == 0
    assert delivery.next_attempt_at is not None
    assert AuditEntry.objects.filter(action="delivery.retry", actor="sb-brief").exists()
    assert len(queued) == 1  # sent after commit, not inside the staff member's request
    queued[0]()
    delivery.refresh_from_db()
    assert delivery.status == Status.SENT and delivery.attempts == 1
    assert "Sehtest" in mail.outbox[-1].body  # the request for documents, written anew


def test_an_applicant_without_account_or_e_mail_needs_a_letter_by_post(
    worker, django_capture_on_commit_callbacks
):
    case = CaseFactory(slug="fahrerlaubnis-ersterteilung", state="in_progress", applicant_email="")
    mail.outbox.clear()
    delivery = decide(case, worker, django_capture_on_commit_callbacks)
    assert delivery.status == Status.POST and delivery.channel == "post"
    assert mail.outbox == []


def test_the_case_page_shows_a_failed_letter_and_sends_it_again(
    client, harz, django_capture_on_commit_callbacks
):
    user, secret = make_staff("sb-seite", "fahrerlaubnisbehoerde", "caseworker")
    case = CaseFactory(slug="fahrerlaubnis-ersterteilung", state="waiting")
    delivery = DeliveryFactory(
        case=case, status=Status.FAILED, attempts=services.MAX_ATTEMPTS, next_attempt_at=None
    )
    login_staff(client, user, secret)
    page = f"/sachbearbeitung/vorgang/{case.pk}/"
    html = client.get(page).content.decode()
    with translation.override("de"):
        failed_text, button = str(Status.FAILED.label), gettext("Send again")
    assert failed_text in html
    assert button in html and button in ("Send again", "Erneut senden")
    url = f"/sachbearbeitung/vorgang/{case.pk}/zustellung/{delivery.pk}/erneut/"
    assert f'action="{url}"' in html
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(url)
    assert response.status_code == 302 and response["Location"] == page
    delivery.refresh_from_db()
    assert delivery.status == Status.SENT
    assert [m.to for m in mail.outbox] == [["erika@example.org"]]
    assert f'action="{url}"' not in client.get(page).content.decode()  # nothing to send again


def test_an_applicant_with_an_account_gets_the_letter_in_the_mailbox(
    worker, django_capture_on_commit_callbacks
):
    assert [channel_id for channel_id, _ in channels.items()][:2] == ["mailbox", "email"]
    citizen = UserFactory(username="mia", first_name="Mia", last_name="Sommer")
    case = open_demo_case(applicant=applicant(user=citizen))
    mail.outbox.clear()
    delivery = decide(case, worker, django_capture_on_commit_callbacks)
    assert delivery.status == Status.SENT and delivery.channel == "mailbox"
    message = Message.objects.get(owner=citizen, case_id=case.pk)
    assert message.kind == Message.Kind.DECISION and message.file_number == case.file_number
    assert message.attachments.get().name == f"Bescheid-{case.file_number}.pdf"
    # the e-mail only says that something arrived: to the account, never with the content
    assert [m.to for m in mail.outbox] == [[citizen.email]]
    assert case.file_number not in mail.outbox[0].body


def test_a_broker_that_is_down_loses_no_letter(
    worker, monkeypatch, django_capture_on_commit_callbacks
):
    """The case change is committed, queueing fails (Redis down): no error for the caseworker,
    the letter waits as `pending`, and the sweep sends it once the broker is back."""
    from openkreis.cases import tasks

    def broker_down(*args, **kwargs):
        raise ConnectionError("Redis nicht erreichbar")

    case = open_demo_case()
    mail.outbox.clear()
    monkeypatch.setattr(tasks.deliver, "delay", broker_down)
    delivery = decide(case, worker, django_capture_on_commit_callbacks)
    assert delivery.status == Status.PENDING and mail.outbox == []
    monkeypatch.undo()
    assert services.retry_due_deliveries(now=timezone.now() + dt.timedelta(minutes=2)) == 1
    delivery.refresh_from_db()
    assert delivery.status == Status.SENT and len(mail.outbox) == 1
