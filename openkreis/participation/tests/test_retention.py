"""Personal data of Beteiligung: the export lists the account's proposals, comments, supports,
abuse reports and the names of the surveys it took part in (never an answer); the erasure
deletes supports (counts recounted) and reports, deletes what never was public and keeps
published proposals and comments without the person; a survey's ballots stay counted."""

from __future__ import annotations

import json

import pytest
from django.utils import timezone

from openkreis.core.models import OrgUnit
from openkreis.core.personal_data import erase_all
from openkreis.participation import proposals
from openkreis.participation.models import AccountParticipation, Ballot, Survey
from openkreis.participation.models_proposals import AbuseReport, Comment, Proposal, Support
from openkreis.participation.retention import ParticipationData

from .test_proposals import citizen, jpeg_with_gps, make_proposal, town


def _survey(key: str, name: str) -> Survey:
    return Survey.objects.create(
        key=key,
        unit=OrgUnit.objects.get(key="pressestelle"),
        region=town(),
        name=name,
        audience=Survey.Audience.ACCOUNT,
        status=Survey.Status.PUBLISHED,
        opens_at=timezone.now(),
    )


@pytest.mark.django_db
def test_export(django_user_model):
    erika, max_ = citizen(django_user_model), citizen(django_user_model, "max")
    mine = make_proposal(erika, title="Meiner", show_name=True)
    theirs = make_proposal(max_, title="Seiner")
    proposals.support(erika, theirs)
    comment = proposals.add_comment(erika, theirs, "Finde ich gut")
    proposals.report_abuse(erika, comment=proposals.add_comment(max_, mine, "Unsinn"), reason="Ton")
    survey = _survey("radwege", "Radwege im Harz")
    AccountParticipation.objects.create(survey=survey, user=erika)
    Ballot.objects.create(survey=survey, receipt="R-TEST-0001")
    data = ParticipationData().export(erika)
    json.dumps(data)  # JSON-ready
    assert [p["title"] for p in data["proposals"]] == ["Meiner"]
    assert data["proposals"][0]["shown_name"] == "erika"
    assert [c["text"] for c in data["comments"]] == [comment.text]
    assert data["supports"] == [
        {"proposal": theirs.public_id, "created_at": data["supports"][0]["created_at"]}
    ]
    assert data["abuse_reports"][0]["reason"] == "Ton" and data["abuse_reports"][0]["comment"]
    assert data["surveys_taken_part_in"] == ["Radwege im Harz"]
    # never an answer or a receipt: there is no link from the account to its ballot
    assert "R-TEST-0001" not in json.dumps(data)
    assert ParticipationData().export(max_)["surveys_taken_part_in"] == []


@pytest.mark.django_db
def test_erase(django_user_model):
    erika, max_ = citizen(django_user_model), citizen(django_user_model, "max")
    published = make_proposal(erika, title="Öffentlich", show_name=True)
    photo = proposals.CleanPhoto(jpeg_with_gps(), 64, 48, None, None)
    waiting = make_proposal(erika, title="Wartend", published=False, photo=photo)
    photo_name = waiting.photo.name
    storage = waiting.photo.storage
    theirs = make_proposal(max_, title="Seiner")
    proposals.support(erika, theirs)
    proposals.support(max_, theirs)
    proposals.support(max_, published)
    kept = proposals.add_comment(erika, theirs, "Bleibt stehen", show_name=True)
    hidden = proposals.add_comment(erika, theirs, "War verborgen")
    Comment.objects.filter(pk=hidden.pk).update(moderation="hidden")
    proposals.report_abuse(erika, proposal=theirs, reason="Werbung")
    survey = _survey("buslinien", "Buslinien")
    AccountParticipation.objects.create(survey=survey, user=erika)
    Ballot.objects.create(survey=survey, receipt="R-TEST-0002")

    erase_all(erika)
    erika.delete()

    theirs.refresh_from_db()
    assert theirs.supporters_count == 1 == Support.objects.filter(proposal=theirs).count()
    assert not AbuseReport.objects.exists()
    assert not Proposal.objects.filter(title="Wartend").exists()
    assert not storage.exists(photo_name)
    published.refresh_from_db()
    assert published.author is None and published.author_name == ""
    assert published.supporters_count == 1  # max's support stays
    kept.refresh_from_db()
    assert kept.author is None and kept.author_name == "" and kept.text == "Bleibt stehen"
    assert not Comment.objects.filter(pk=hidden.pk).exists()
    # the survey's result is unaffected: the ballot stays, the "has voted" mark goes
    assert Ballot.objects.filter(survey=survey).count() == 1
    assert not AccountParticipation.objects.filter(survey=survey).exists()
    # the public page now says "a resident"
    from django.test import Client

    html = Client().get(f"/beteiligung/vorschlaege/{published.public_id}/").content.decode()
    assert "erika" not in html and "Einwohner" in html
