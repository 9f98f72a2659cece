"""Receipts: a random receipt per ballot, the published list (sorted, also as plain text),
the check form, and the thank-you page that shows the receipt once without storing it on
the server next to the voter."""

from __future__ import annotations

import pytest
from django.urls import reverse
from django.utils import translation

from openkreis.participation import voting
from openkreis.participation.models import Ballot, ParticipationCode, Survey
from openkreis.participation.tests.factories import survey as make_survey

pytestmark = pytest.mark.django_db


def test_receipts_are_random_well_formed_and_read_back_loosely():
    made = {voting.new_receipt() for _ in range(2000)}
    assert len(made) == 2000
    for receipt in list(made)[:50]:
        assert len(receipt) == 11 and receipt[5] == "-"
        assert set(receipt.replace("-", "")) <= set(voting.ALPHABET)
        assert voting.normalise_receipt(receipt.lower().replace("-", " ")) == receipt
    assert voting.normalise_receipt("ABCDE-FGHJ") == ""  # too short
    assert voting.normalise_receipt("ABCDE-FGHJ0") == ""  # 0 is not in the alphabet
    assert voting.normalise_receipt("") == ""


def test_the_list_is_sorted_and_the_text_download_has_every_receipt(client):
    s = make_survey(questions=["single"])
    receipts = [voting.cast(s, {}) for _ in range(7)]
    response = client.get(reverse("participation:receipts", args=[s.key]))
    assert response.status_code == 200
    shown = list(response.context["page"].object_list)
    assert shown == sorted(receipts)
    html = response.content.decode()
    assert html.index(sorted(receipts)[0]) < html.index(sorted(receipts)[-1])
    text = client.get(reverse("participation:receipts_text", args=[s.key]))
    assert text["Content-Type"] == "text/plain; charset=utf-8"
    assert text.content.decode().splitlines() == sorted(receipts)


def test_the_check_says_counted_or_not(client):
    s = make_survey(questions=["single"])
    receipt = voting.cast(s, {})
    url = reverse("participation:receipts", args=[s.key])
    response = client.post(url, {"receipt": receipt.lower().replace("-", "")})
    assert response.status_code == 200
    assert (
        f"Ihr Beleg {receipt} steht in der Liste" in response.content.decode()
        or f"Your receipt {receipt} is in the list" in response.content.decode()
    )
    assert response.context["checked"] == {"receipt": receipt, "counted": True}
    missing = "ABCDE-FGHJK" if receipt != "ABCDE-FGHJK" else "ZZZZZ-ZZZZZ"
    response = client.post(url, {"receipt": missing})
    assert response.context["checked"] == {"receipt": missing, "counted": False}
    # a receipt of another survey is not in this list
    other = make_survey(questions=["single"])
    foreign = voting.cast(other, {})
    assert client.post(url, {"receipt": foreign}).context["checked"]["counted"] is False
    bad = client.post("/en" + url, {"receipt": "kaputt"})
    translation.activate("de")
    assert bad.status_code == 400
    assert "A receipt has 10 letters and digits" in bad.content.decode()


def test_the_thank_you_page_shows_the_receipt_from_a_signed_cookie_not_the_session(client):
    s = make_survey(audience=Survey.Audience.CODES, questions=["single"])
    code = voting.new_code()
    ParticipationCode.objects.create(survey=s, code_hash=voting.code_hash(code))
    url = reverse("participation:questionnaire", args=[s.key])
    response = client.post(url, {"code": code})
    assert response.status_code == 303
    assert response["Location"] == reverse("participation:thanks", args=[s.key])
    receipt = Ballot.objects.get(survey=s).receipt
    thanks = client.get(response["Location"])
    assert receipt in thanks.content.decode()
    # the server kept nothing of it: not in the session, not in the URL
    assert receipt not in str(dict(client.session.items()))
    assert receipt not in response["Location"]
    # a forged cookie is not shown
    client.cookies[f"beteiligung-beleg-{s.pk}"] = "ABCDE-FGHJK"
    assert "ABCDE-FGHJK" not in client.get(response["Location"]).content.decode()


def test_receipts_of_a_draft_are_not_public(client):
    s = make_survey(questions=["single"], status=Survey.Status.DRAFT)
    assert client.get(reverse("participation:receipts", args=[s.key])).status_code == 404
    assert client.get(reverse("participation:receipts_text", args=[s.key])).status_code == 404
