"""Status updates reach each person once: in the mailbox (Postfach) for people with an
account — the mailbox mails them that something arrived, never the content — and by e-mail
with the text for people who gave only an address."""

import pytest
from django.contrib.auth import get_user_model
from django.core import mail

from openkreis.accounts.models import Message
from openkreis.reports import services
from openkreis.reports.models import Follower

from .factories import ReportFactory


@pytest.mark.django_db
def test_account_holders_get_the_update_in_their_mailbox(django_capture_on_commit_callbacks):
    reporter = get_user_model().objects.create_user("melderin", "melderin@example.org", "x" * 20)
    neighbour = get_user_model().objects.create_user("nachbar", "nachbar@example.org", "x" * 20)
    report = ReportFactory(user=reporter, email="")
    Follower.objects.create(report=report, user=neighbour)
    Follower.objects.create(report=report, email="nur-mail@example.org")
    Follower.objects.create(report=report, email="MELDERIN@example.org")  # the same person
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        services.change_status(report, "fixed", actor=None, public_text="Das Loch ist zu.")

    for user in (reporter, neighbour):
        (message,) = Message.objects.filter(owner=user)
        assert message.kind == "notice" and message.direction == "in"
        assert report.public_id in message.subject and "Behoben" in message.subject
        assert "Das Loch ist zu." in message.body
    by_address = {m.to[0]: m for m in mail.outbox}
    assert sorted(by_address) == [
        "melderin@example.org",
        "nachbar@example.org",
        "nur-mail@example.org",
    ]
    # the mailbox's notice carries no content; the plain e-mail does
    assert "Das Loch ist zu." not in by_address["melderin@example.org"].body
    assert "Das Loch ist zu." in by_address["nur-mail@example.org"].body
