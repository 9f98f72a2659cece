"""Issue 14.8: "Meine Anträge" and the mailbox do not contradict each other.

"Meine Anträge" lists every application of the account with its status — also cases that
reached the account without an online application (counter, paper) — and the request for
documents names exactly one place for the upload: the mailbox thread, where the reply form
sits right under the letter. Confirmations are notification banners with a full sentence."""

import datetime as dt
import re

from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from openkreis.accounts.models import Message
from openkreis.cases import services as cases
from openkreis.core.tests.factories import StaffFactory

from .factories import open_case_for, pdf_bytes


def _case_with_request(user, django_capture_on_commit_callbacks):
    """A case of `user` without an online application, waiting for documents."""
    case = open_case_for(user)
    worker = StaffFactory(username="sb-one-place", unit="auslaenderbehoerde")
    case = cases.transition(case, "claim", actor=worker)
    with django_capture_on_commit_callbacks(execute=True):
        cases.request_documents(
            case,
            ["Meldebescheinigung"],
            timezone.localdate() + dt.timedelta(days=14),
            actor=worker,
        )
    case.refresh_from_db()
    return case


def test_the_request_in_the_mailbox_names_the_upload_here(
    client, anna, django_capture_on_commit_callbacks
):
    _case_with_request(anna, django_capture_on_commit_callbacks)
    request = Message.objects.get(owner=anna, kind="request")
    assert "Meine Anträge" not in request.body
    assert "hier im Postfach hoch" in request.body
    assert "„Unterlagen hochladen“ unter dieser Nachricht" in request.body
    client.force_login(anna)
    html = client.get(reverse("accounts:message", args=[request.public_id])).content.decode()
    # the button the letter names leads to the upload form right below it
    assert '<a class="button button-secondary" href="#antwort">Unterlagen hochladen</a>' in html
    assert '<h2 id="antwort" tabindex="-1">Unterlagen hochladen</h2>' in html
    assert 'id="id_attachments"' in html
    assert "mailbox" not in re.sub(r"<[^>]+>", " ", html).lower()  # no English word shows


def test_my_applications_lists_a_case_that_reached_the_mailbox(
    client, anna, django_capture_on_commit_callbacks
):
    case = _case_with_request(anna, django_capture_on_commit_callbacks)
    client.force_login(anna)
    html = client.get(reverse("forms:mine")).content.decode()
    assert "noch keine" not in html
    assert case.service.name in html and case.file_number in html
    assert "Wartet auf Unterlagen" in html and "Sie müssen etwas tun" in html
    thread = reverse("accounts:case-thread", args=[case.pk])
    assert f'href="{thread}"' in html
    assert "Angeforderte Unterlagen im Postfach hochladen" in html


def test_the_case_thread_opens_the_request_and_only_for_its_owner(
    client, anna, bert, django_capture_on_commit_callbacks
):
    case = _case_with_request(anna, django_capture_on_commit_callbacks)
    request = Message.objects.get(owner=anna, kind="request")
    url = reverse("accounts:case-thread", args=[case.pk])
    client.force_login(anna)
    response = client.get(url)
    assert response.status_code == 302
    assert response["Location"] == reverse("accounts:message", args=[request.public_id]) + (
        "#antwort"
    )
    client.force_login(bert)
    assert client.get(url).status_code == 404


def test_the_confirmation_after_an_upload_is_a_status_banner_in_german(
    client, anna, django_capture_on_commit_callbacks
):
    _case_with_request(anna, django_capture_on_commit_callbacks)
    request = Message.objects.get(owner=anna, kind="request")
    client.force_login(anna)
    response = client.post(
        reverse("accounts:message", args=[request.public_id]),
        {"attachments": [SimpleUploadedFile("melde.pdf", pdf_bytes(), "application/pdf")]},
        follow=True,
    )
    html = response.content.decode()
    banner = re.search(r'<div class="banner banner-success" role="status">(.*?)</div>', html, re.S)
    assert banner is not None, html
    text = re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", banner.group(1))).strip()
    # what happened and what comes next, in German
    assert text == (
        "Erledigt Ihre Antwort wurde an die Behörde geschickt. 1 Unterlage liegt jetzt in "
        "Ihrer Akte; wir sagen Ihnen per E-Mail Bescheid, wenn es Neues gibt."
    )
