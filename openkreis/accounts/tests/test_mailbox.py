"""The secure mailbox: delivery from the eAkte, notice e-mail without content, threads,
unread counters, replies with attachments filed in the case, downloads for the owner only."""

import datetime as dt

import pytest
from django.contrib.auth.models import AnonymousUser
from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from openkreis.accounts import services
from openkreis.accounts.models import Message
from openkreis.cases import services as cases
from openkreis.core.models import Event
from openkreis.core.tests.factories import StaffFactory

from .factories import PASSWORD, AttachmentFactory, MessageFactory, open_case_for, pdf_bytes


def test_request_and_decision_from_the_eakte_arrive_in_the_mailbox(
    anna, django_capture_on_commit_callbacks
):
    case = open_case_for(anna)
    worker = StaffFactory(username="sb-mb", unit="auslaenderbehoerde")
    case = cases.transition(case, "claim", actor=worker)
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        cases.request_documents(
            case, ["Meldebescheinigung"], timezone.localdate() + dt.timedelta(days=7), actor=worker
        )
    request = Message.objects.get(owner=anna)
    assert request.kind == "request" and request.case_id == case.pk
    assert request.file_number == case.file_number and "Meldebescheinigung" in request.body
    assert request.sender_name == case.org_unit.name
    # the e-mail says that something arrived, never what
    assert len(mail.outbox) == 1
    notice = mail.outbox[0]
    assert notice.to == ["anna@example.org"]
    assert "Meldebescheinigung" not in notice.body and case.file_number not in notice.body
    assert case.file_number not in notice.subject
    assert str(request.public_id) in notice.body
    assert services.unread_count(anna) == 1

    case.refresh_from_db()
    cases.deliver_documents(case, [("meldebescheinigung.pdf", pdf_bytes())])
    case.refresh_from_db()
    assert case.state == "in_progress"  # back with the caseworker who asked: decide now
    with django_capture_on_commit_callbacks(execute=True):
        cases.decide(case, actor=worker, outcome="granted", text="Alles in Ordnung.")
    decision = Message.objects.filter(owner=anna).order_by("-id").first()
    assert decision.kind == "decision"
    (pdf,) = decision.attachments.all()
    assert pdf.mime == "application/pdf" and pdf.name.endswith(".pdf")
    assert pdf.file.read().startswith(b"%PDF")
    assert services.unread_count(anna) == 2
    threads = services.threads(anna)
    assert len(threads) == 1 and threads[0]["count"] == 2 and threads[0]["unread"] == 2
    kinds = Event.objects.filter(kind="message.delivered").values_list("data", flat=True)
    for data in kinds:
        assert set(data) == {"kind", "org_unit", "case", "attachments"}  # no personal data


def test_reading_a_thread_marks_it_read_and_the_header_shows_the_count(client, anna):
    case = open_case_for(anna)
    MessageFactory(owner=anna, subject="Hinweis 1", body="Text 1", case_id=case.pk)
    MessageFactory(owner=anna, subject="Hinweis 2", body="Text 2", case_id=case.pk)
    loose = MessageFactory(owner=anna, subject="Allgemein", body="Text 3")
    client.force_login(anna)
    page = client.get("/")
    assert "Postfach (3 neu)" in page.content.decode()
    response = client.get(reverse("accounts:mailbox"))
    html = response.content.decode()
    assert response.status_code == 200 and "Hinweis 2" in html and "Allgemein" in html
    first = Message.objects.get(subject="Hinweis 1")
    response = client.get(reverse("accounts:message", args=[first.public_id]))
    assert response.status_code == 200
    html = response.content.decode()
    assert "Text 1" in html and "Text 2" in html and "Text 3" not in html
    assert services.unread_count(anna) == 1
    assert Message.objects.get(pk=loose.pk).read_at is None


def test_a_reply_with_attachment_goes_into_the_case_and_back_to_the_inbox(
    client, anna, django_capture_on_commit_callbacks
):
    case = open_case_for(anna)
    worker = StaffFactory(username="sb-re", unit="auslaenderbehoerde")
    case = cases.transition(case, "claim", actor=worker)
    with django_capture_on_commit_callbacks(execute=True):
        cases.request_documents(
            case, ["Meldebescheinigung"], timezone.localdate() + dt.timedelta(days=7), actor=worker
        )
    request = Message.objects.get(owner=anna)
    client.force_login(anna)
    response = client.post(
        reverse("accounts:message", args=[request.public_id]),
        {
            "body": "Anbei die Meldebescheinigung.",
            "attachments": [SimpleUploadedFile("melde.pdf", pdf_bytes(), "application/pdf")],
        },
    )
    assert response.status_code == 302
    answer = Message.objects.get(owner=anna, direction="out")
    assert answer.reply_to == request and answer.attachments.count() == 1
    case.refresh_from_db()
    # back with the caseworker who asked (not in the unit's queue to be claimed again)
    assert case.state_kind == "work" and case in cases.inbox(worker, "mine")
    docs = list(case.documents.order_by("id"))
    assert len(docs) == 3  # application, the reply's text as PDF, the attachment
    texts = [d.current().text for d in docs]
    assert any("Anbei die Meldebescheinigung" in t for t in texts)


def test_a_text_reply_without_open_request_is_filed_in_the_case(client, anna):
    case = open_case_for(anna)
    note = MessageFactory(owner=anna, subject="Hinweis", body="Bitte beachten.", case_id=case.pk)
    state = case.state
    services.reply(anna, note, body="Danke, verstanden.")
    case.refresh_from_db()
    assert case.state == state  # no request: the case does not move
    assert case.documents.count() == 2


@pytest.mark.parametrize(
    "name,data,message",
    [
        ("programm.pdf", b"MZ\x90\x00" + b"\x00" * 100, "programm.pdf"),
        ("kaputt.pdf", b"%PDF-1.4\n garbage", "beschädigt"),
        ("leer.pdf", b"", "leer"),
    ],
)
def test_bad_attachments_are_refused_in_german_and_nothing_is_stored(
    client, anna, name, data, message
):
    case = open_case_for(anna)
    note = MessageFactory(owner=anna, subject="Hinweis", body="x", case_id=case.pk)
    client.force_login(anna)
    response = client.post(
        reverse("accounts:message", args=[note.public_id]),
        {"body": "Anbei", "attachments": [SimpleUploadedFile(name, data)]},
    )
    assert response.status_code == 400
    assert message in response.content.decode()
    assert not Message.objects.filter(direction="out").exists()
    assert case.documents.count() == 1


def test_empty_reply_is_refused(client, anna):
    note = MessageFactory(owner=anna, subject="Hinweis", body="x")
    client.force_login(anna)
    response = client.post(reverse("accounts:message", args=[note.public_id]), {"body": " "})
    assert response.status_code == 400
    assert "Schreiben Sie eine Nachricht" in response.content.decode()


def test_attachment_download_only_for_the_owner(client, anna, bert):
    attachment = AttachmentFactory(
        name="b.pdf", message__owner=anna, message__subject="Bescheid", message__body="x"
    )
    url = reverse("accounts:attachment", args=[attachment.public_id])
    assert client.get(url).status_code == 302  # login first
    client.force_login(bert)
    assert client.get(url).status_code == 404
    client.force_login(anna)
    response = client.get(url)
    assert response.status_code == 200
    assert b"".join(response.streaming_content).startswith(b"%PDF")
    assert "attachment" in response["Content-Disposition"]
    assert response["Cache-Control"] == "private, no-store"


def test_failing_mail_server_does_not_lose_the_message(anna, settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT, settings.EMAIL_TIMEOUT = "127.0.0.1", 9, 2
    message = services.deliver_message(anna, subject="Hinweis", body="x")
    assert services.notify_arrival(message, [anna]) == 0
    assert Message.objects.filter(pk=message.pk).exists()


def test_password_login_then_mailbox(client, anna):
    response = client.post("/konto/login/", {"login": "anna", "password": PASSWORD})
    assert response.status_code == 302
    assert client.get(reverse("accounts:mailbox")).status_code == 200


def test_the_unread_count_covers_the_companies_and_nobody_else(anna, bert):
    """The header shows it on every page of a logged-in user: the account's own unread
    messages from the authority and those of its companies, nobody else's."""
    from .factories import CompanyMembershipFactory

    own = CompanyMembershipFactory(user=anna).company
    foreign = CompanyMembershipFactory(user=bert).company
    MessageFactory(owner=anna)
    MessageFactory(owner=anna, read_at=timezone.now())  # read
    MessageFactory(owner=anna, direction=Message.Direction.FROM_USER)  # her own reply
    MessageFactory(owner=bert, company=own)  # to anna's company (bert is no member)
    MessageFactory(owner=bert)  # bert's own
    MessageFactory(owner=bert, company=foreign)  # bert's company, not anna's
    assert services.unread_count(anna) == 2
    assert services.unread_count(bert) == 2  # his own and his company's
    MessageFactory(owner=anna, company=own)  # to her company, written to her: counted once
    MessageFactory(owner=bert, company=own, read_at=timezone.now())  # the company's, read
    MessageFactory(owner=anna, company=own, direction=Message.Direction.FROM_USER)  # sent
    assert services.unread_count(anna) == 3
    assert services.unread_count(AnonymousUser()) == 0


def test_the_unread_count_is_one_query(anna, django_assert_num_queries):
    """The header asks it on every page of a logged-in user: one query, the companies
    included (it was two: the companies' ids first)."""
    from .factories import CompanyMembershipFactory

    company = CompanyMembershipFactory(user=anna).company
    MessageFactory(owner=anna)
    MessageFactory(owner=anna, company=company)
    with django_assert_num_queries(1):
        assert services.unread_count(anna) == 2
