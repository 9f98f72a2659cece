"""Moderation of proposals: the queue, publish, hide with a required reason (the author sees
it and gets a mailbox message), hide a comment, close abuse reports, the official answer
(status, unit, Gestaltungskreis; rejected needs a reason) told to the author and every
supporter; the events carry no person; the purge of hidden proposals; the demo."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from django.conf import settings
from django.core import mail
from django.utils import timezone

from openkreis.accounts.models import Message
from openkreis.core import event_kinds
from openkreis.core.loader import LoadReport
from openkreis.core.models import Event, OrgUnit
from openkreis.core.testing import totp_code
from openkreis.participation import proposals, proposals_demo, tasks
from openkreis.participation.models_proposals import AbuseReport, Comment, Proposal, Support

from .test_proposals import citizen, make_proposal, moderator

HOME = "/beteiligung/moderation/"


def page(proposal) -> str:
    return f"{HOME}{proposal.public_id}/"


@pytest.mark.django_db
def test_queue_publish_and_the_author_is_told(client, django_user_model):
    erika = citizen(django_user_model)
    waiting = make_proposal(erika, title="Wartet noch", published=False)
    moderator(client)
    html = client.get(HOME).content.decode()
    assert "Wartet noch" in html and "1 Vorschlag wartet" in html
    response = client.post(page(waiting), {"action": "publish"})
    assert response.status_code == 302
    waiting.refresh_from_db()
    assert waiting.moderation == "published"
    message = Message.objects.get(owner=erika)
    assert message.subject == "Ihr Vorschlag ist veröffentlicht"
    assert waiting.public_id in message.body
    event = Event.objects.get(kind=event_kinds.PARTICIPATION_PROPOSAL_MODERATED)
    assert event.data == {"moderation": "published"}
    assert "Nichts wartet." in client.get(HOME).content.decode()
    # a second publish: a message, no 500
    response = client.post(page(waiting), {"action": "publish"}, follow=True)
    assert "bereits veröffentlicht" in response.content.decode()


@pytest.mark.django_db
def test_hide_needs_a_reason_the_author_sees(
    client, django_user_model, django_capture_on_commit_callbacks
):
    erika = citizen(django_user_model)
    proposal = make_proposal(erika, title="Mit Namen des Nachbarn", published=False)
    moderator(client)
    response = client.post(page(proposal), {"action": "hide", "hide-reason": "  "})
    assert response.status_code == 400
    html = response.content.decode()
    assert 'href="#id_hide-reason"' in html and "Bitte geben Sie den Grund" in html
    proposal.refresh_from_db()
    assert proposal.moderation == "pending"
    reason = "Der Vorschlag nennt eine Privatperson."
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(page(proposal), {"action": "hide", "hide-reason": reason})
    assert response.status_code == 302
    proposal.refresh_from_db()
    assert proposal.moderation == "hidden" and proposal.moderation_reason == reason
    message = Message.objects.get(owner=erika)
    assert reason in message.body and "nicht veröffentlicht" in message.subject
    assert len(mail.outbox) == 1  # the mailbox says something arrived, never the content
    assert reason not in mail.outbox[0].body
    # the author sees the reason in "Meine Vorschläge"; others get 404
    client.force_login(erika)
    assert reason in client.get("/beteiligung/vorschlaege/meine/").content.decode()
    client.force_login(citizen(django_user_model, "max"))
    assert client.get(f"/beteiligung/vorschlaege/{proposal.public_id}/").status_code == 404


@pytest.mark.django_db
def test_abuse_reports_are_closed_by_hiding_or_keeping(client, django_user_model):
    erika, max_ = citizen(django_user_model), citizen(django_user_model, "max")
    proposal = make_proposal(erika)
    comment = proposals.add_comment(erika, proposal, "Du bist doof", show_name=True)
    proposals.report_abuse(max_, comment=comment, reason="Beleidigung")
    proposals.report_abuse(max_, proposal=proposal, reason="Passt nicht")
    moderator(client)
    html = client.get(HOME).content.decode()
    assert "Beleidigung" in html and "Passt nicht" in html
    # hide the comment: reason required, its report closes as hidden, the author is told
    data = {"action": "hide_comment", "comment": comment.pk, f"c{comment.pk}-reason": ""}
    assert client.post(page(proposal), data).status_code == 400
    data[f"c{comment.pk}-reason"] = "Beleidigt eine Person."
    assert client.post(page(proposal), data).status_code == 302
    comment.refresh_from_db()
    assert comment.moderation == "hidden"
    assert AbuseReport.objects.get(comment=comment).outcome == "hidden"
    assert Message.objects.filter(owner=erika, subject="Ihr Kommentar wurde verborgen").exists()
    # the public page no longer shows it
    client_public = client.__class__()
    html = client_public.get(f"/beteiligung/vorschlaege/{proposal.public_id}/").content.decode()
    assert "Du bist doof" not in html
    # keep the proposal: the report closes, nothing is hidden
    report = AbuseReport.objects.get(proposal=proposal)
    assert client.post(page(proposal), {"action": "keep", "report": report.pk}).status_code == 302
    report.refresh_from_db()
    assert report.outcome == "kept" and report.resolved_at is not None
    proposal.refresh_from_db()
    assert proposal.moderation == "published"
    assert "Keine offenen Meldungen." in client.get(HOME).content.decode()
    # a report of another proposal cannot be closed from this page
    other = make_proposal(erika, title="Anderer")
    foreign = proposals.report_abuse(max_, proposal=other, reason="x")
    assert client.post(page(proposal), {"action": "keep", "report": foreign.pk}).status_code == 404
    assert client.post(page(proposal), {"action": "nonsense"}).status_code == 400


@pytest.mark.django_db
def test_official_answer_goes_to_author_and_supporters(client, django_user_model):
    erika = citizen(django_user_model)
    fans = [citizen(django_user_model, f"fan{n}") for n in range(3)]
    proposal = make_proposal(erika, title="Radweg")
    for fan in fans:
        proposals.support(fan, proposal)
    proposals.support(erika, proposal)  # the author supports too: one message, not two
    moderator(client)
    unit = OrgUnit.objects.get(key="kreisstrassen")
    # rejected without a reason: 400
    data = {
        "action": "answer",
        "answer-status": "rejected",
        "answer-text": "",
        "answer-unit": unit.pk,
        "answer-circle": "",
    }
    response = client.post(page(proposal), data)
    assert response.status_code == 400
    assert "Grund für die Ablehnung" in response.content.decode()
    assert not Message.objects.exists()
    data.update(
        {"answer-status": "accepted", "answer-text": "Wird gebaut.", "answer-circle": "Mobilität"}
    )
    assert client.post(page(proposal), data).status_code == 302
    proposal.refresh_from_db()
    assert (proposal.status, proposal.answer, proposal.answer_unit, proposal.circle) == (
        "accepted",
        "Wird gebaut.",
        unit,
        "Mobilität",
    )
    assert proposal.answered_at is not None
    owners = sorted(Message.objects.values_list("owner__username", flat=True))
    assert owners == ["erika", "fan0", "fan1", "fan2"]
    message = Message.objects.get(owner=erika)
    assert "Angenommen" in message.subject and "Wird gebaut." in message.body
    assert unit.name in message.body
    event = Event.objects.get(kind=event_kinds.PARTICIPATION_PROPOSAL_ANSWERED)
    assert event.data == {"status": "accepted", "unit": "kreisstrassen"}
    html = client.get(f"/beteiligung/vorschlaege/{proposal.public_id}/").content.decode()
    assert "Wird gebaut." in html and "Gestaltungskreis Mobilität" in html
    # a waiting proposal cannot be answered
    waiting = make_proposal(erika, title="Wartet", published=False)
    with pytest.raises(proposals.ProposalError):
        proposals.answer(waiting, proposal.answered_by, status="accepted", text="", unit=None)


@pytest.mark.django_db
def test_only_moderators_moderate(django_user_model):
    erika = citizen(django_user_model)
    proposal = make_proposal(erika, published=False)
    for action in (
        lambda: proposals.publish(proposal, erika),
        lambda: proposals.hide(proposal, erika, "x"),
        lambda: proposals.answer(proposal, erika, status="accepted", text="", unit=None),
    ):
        with pytest.raises(proposals.ProposalError):
            action()
    proposal.refresh_from_db()
    assert proposal.moderation == "pending"


@pytest.mark.django_db
def test_events_carry_no_person(client, django_user_model):
    erika, max_ = citizen(django_user_model), citizen(django_user_model, "max")
    proposal = make_proposal(erika, published=False, show_name=True)
    mod = moderator(name="kontrolle-7")
    proposals.publish(proposal, mod)
    proposals.support(max_, proposal)
    proposals.answer(proposal, mod, status="under_review", text="", unit=None)
    for event in Event.objects.filter(kind__startswith="participation.proposal"):
        text = str(event.data) + event.subject
        for person in (erika, max_, mod):
            assert person.username not in text and str(person.pk) not in event.data.values()


@pytest.mark.django_db
def test_purge_hidden_proposals(django_user_model):
    erika = citizen(django_user_model)
    old = make_proposal(erika, title="Alt verborgen")
    recent = make_proposal(erika, title="Neu verborgen")
    published = make_proposal(erika, title="Sichtbar")
    mod = moderator()
    proposals.hide(old, mod, "Werbung")
    proposals.hide(recent, mod, "Werbung")
    long_ago = timezone.now() - dt.timedelta(days=proposals.DEFAULT_PURGE_DAYS + 1)
    Proposal.objects.filter(pk__in=[old.pk, published.pk]).update(updated_at=long_ago)
    assert tasks.purge_hidden_proposals() == 1
    assert set(Proposal.objects.values_list("title", flat=True)) == {"Neu verborgen", "Sichtbar"}


@pytest.mark.django_db
def test_demo_loads_and_is_idempotent(harz, client):
    folder = Path(settings.BASE_DIR) / "tenants" / "harz"
    from openkreis.accounts import demo as accounts_demo

    accounts_demo.load_demo(harz, folder, LoadReport())
    report = LoadReport()
    proposals_demo.load_demo(harz, folder, report)
    counts = (Proposal.objects.count(), Support.objects.count(), Comment.objects.count())
    assert counts[0] == len(proposals_demo.PROPOSALS) == 12
    assert set(Proposal.objects.values_list("status", flat=True)) == {
        "",
        "under_review",
        "accepted",
        "rejected",
        "implemented",
    }
    assert Proposal.objects.filter(moderation="pending").count() == 1
    for proposal in Proposal.objects.all():
        assert proposal.supporters_count == proposal.supports.count()
    assert any("beteiligung-moderation" in line for line in report.messages)
    proposals_demo.load_demo(harz, folder, LoadReport())
    assert (Proposal.objects.count(), Support.objects.count(), Comment.objects.count()) == counts
    # the moderator logs in with the printed password and TOTP
    client.post(
        "/konto/login/",
        {"login": proposals_demo.MODERATOR, "password": proposals_demo.MODERATOR_PASSWORD},
    )
    client.post("/konto/2fa/authenticate/", {"code": totp_code(proposals_demo.MODERATOR_SECRET)})
    assert client.get(HOME).status_code == 200
