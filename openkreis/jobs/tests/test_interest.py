"""The interest test: scoring, the code, matching, the pages, consent, deletion, personal data."""

from __future__ import annotations

import re
from html import unescape
from urllib.parse import parse_qs, urlsplit

import pytest
from django.urls import reverse

from openkreis.core import event_kinds
from openkreis.core.models import Event
from openkreis.core.personal_data import erase_all, export_all
from openkreis.jobs import interest
from openkreis.jobs.models import Field, InterestResult

from .factories import citizen, interest_answers, open_job

RESULT = {"R": "4", "I": "18", "A": "7", "S": "12", "E": "0", "C": "15"}


def test_sixty_items_ten_per_type_interleaved():
    assert len(interest.ITEMS) == 60
    assert [i.number for i in interest.ITEMS] == list(range(1, 61))
    for t in interest.TYPES:
        assert sum(1 for i in interest.ITEMS if i.type == t) == 10
    assert "".join(i.type for i in interest.ITEMS[:12]) == "RIASECRIASEC"


def test_a_fixed_answer_set_gives_its_code():
    answers = interest.read_answers(interest_answers(S="2", A="1", E="2", R="0", I="0", C="1"))
    scores = interest.score(answers)
    assert scores == {"R": 0, "I": 0, "A": 10, "S": 20, "E": 20, "C": 10}
    # S and E tie at 20 (S first in RIASEC order), A and C tie at 10 (A first)
    assert interest.code_of(scores) == "SEA"
    assert interest.has_tie(scores)


def test_mixed_answers_score_item_by_item():
    data = interest_answers()
    # the first three R items liked, one unsure; two I items liked
    for number, value in ((1, "2"), (7, "2"), (13, "2"), (19, "1"), (2, "2"), (8, "2")):
        data[f"q{number}"] = value
    scores = interest.score(interest.read_answers(data))
    assert scores == {"R": 7, "I": 4, "A": 0, "S": 0, "E": 0, "C": 0}
    assert interest.code_of(scores) == "RIA"


def test_missing_and_invalid_answers_are_named():
    data = interest_answers(R="2")
    del data["q5"]
    data["q60"] = "3"
    with pytest.raises(interest.AnswerError) as exc:
        interest.read_answers(data)
    assert exc.value.missing == [5] and exc.value.invalid == [60]


@pytest.mark.parametrize(
    "query",
    [{}, {**RESULT, "R": "21"}, {**RESULT, "I": "-1"}, {**RESULT, "C": "x"}, {"R": "1"}],
)
def test_bad_scores_are_refused(query):
    with pytest.raises(ValueError):
        interest.parse_scores(query)


def test_overlap_weights_positions():
    assert interest.overlap("RIA", "RIA") == 9 + 4 + 1
    assert interest.overlap("SEC", "ECS") == 3 * 1 + 2 * 3 + 1 * 2
    assert interest.overlap("RIA", "SEC") == 0


@pytest.mark.django_db
def test_matching_fields_of_the_county():
    fields = list(Field.objects.all())
    matched = interest.matching_fields("RIC", fields)
    # RIC 14; RIE and RCI 13 each (ties in the county file's order)
    assert [f.slug for f in matched][:3] == ["elektro", "landwirtschaft", "metall"]
    assert [f.match for f in matched][:3] == [14, 13, 13]
    assert len(matched) == 5
    assert all(m.match >= n.match for m, n in zip(matched, matched[1:], strict=False))
    assert interest.matching_fields("SEA", fields)[0].slug == "dienstleistung"  # SER 13 = SAE 13


# --- pages -----------------------------------------------------------------------------------


@pytest.mark.django_db
def test_test_page_lists_every_item(client):
    response = client.get(reverse("jobs:interest"))
    assert response.status_code == 200
    html = response.content.decode()
    assert html.count('type="radio"') == 180
    assert 'id="item-60"' in html


@pytest.mark.django_db
def test_missing_answers_give_400_and_keep_the_others(client):
    data = interest_answers(S="2", C="1")
    del data["q4"], data["q40"]
    response = client.post(reverse("jobs:interest"), data)
    assert response.status_code == 400
    html = response.content.decode()
    assert 'href="#item-4"' in html and 'href="#item-40"' in html
    assert 'href="#item-3"' not in html
    assert 'id="q10-2" value="2" checked' in html  # item 10 is S, liked
    assert 'id="q6-1" value="1" checked' in html  # item 6 is C, unsure
    assert not Event.objects.filter(kind=event_kinds.JOBS_INTEREST_TEST_DONE).exists()


@pytest.mark.django_db
def test_finished_test_stores_nothing_and_shows_the_result(client):
    results_before = InterestResult.objects.count()
    response = client.post(reverse("jobs:interest"), interest_answers(I="2", C="2", R="1"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("jobs:interest_result") + "?R=10&I=20")
    event = Event.objects.get(kind=event_kinds.JOBS_INTEREST_TEST_DONE)
    assert event.data == {"code": "ICR", "saved": False}
    assert InterestResult.objects.count() == results_before
    assert not client.session.items()  # nothing in a session either

    page = client.get(response["Location"])
    assert page.status_code == 200
    html = page.content.decode()
    assert '<p class="code" aria-describedby="code-help">ICR</p>' in html
    assert "IT, Computer" in html  # ICR field first
    assert "Wirtschaftsinformatik" in html  # an offer of the IT field
    assert "<table" in html and "<svg" in html


@pytest.mark.django_db
def test_result_lists_only_open_published_jobs_of_the_fields(client):
    it = Field.objects.get(slug="it")
    open_job(it, title="J1 Fachinformatik offen")
    open_job(it, title="J1 Fachinformatik abgelaufen", days=-1)
    open_job(it, title="J1 Fachinformatik Entwurf", status="draft")
    open_job(Field.objects.get(slug="soziales"), title="J1 Erzieher offen")
    html = client.get(reverse("jobs:interest_result"), {**RESULT}).content.decode()
    assert "J1 Fachinformatik offen" in html
    assert "abgelaufen" not in html and "Entwurf" not in html and "J1 Erzieher" not in html


@pytest.mark.django_db
def test_login_link_comes_back_to_the_result(client):
    html = client.get(reverse("jobs:interest_result"), RESULT).content.decode()
    link = re.search(r'href="([^"]*login[^"]*)"', html.split("<main", 1)[1]).group(1)
    next_url = parse_qs(urlsplit(unescape(link)).query)["next"][0]
    assert next_url == reverse("jobs:interest_result") + "?R=4&I=18&A=7&S=12&E=0&C=15"


@pytest.mark.django_db
def test_bad_result_address_is_400(client):
    assert client.get(reverse("jobs:interest_result"), {"R": "99"}).status_code == 400


@pytest.mark.django_db
def test_saving_needs_login(client):
    response = client.post(reverse("jobs:interest_save"), {**RESULT, "consent": "on"})
    assert response.status_code == 302 and "login" in response["Location"]
    assert not InterestResult.objects.exists()


@pytest.mark.django_db
def test_saving_needs_consent_then_saves_and_can_be_deleted(client):
    user = citizen("j1-ines")
    client.force_login(user)
    response = client.post(reverse("jobs:interest_save"), RESULT)
    assert response.status_code == 400
    assert "consent-error" in response.content.decode()
    assert InterestResult.objects.count() == 0

    response = client.post(reverse("jobs:interest_save"), {**RESULT, "consent": "on"})
    assert response.status_code == 302
    saved = InterestResult.objects.get(user=user)
    assert saved.code == "ICS" and saved.scores == {k: int(v) for k, v in RESULT.items()}
    assert Event.objects.filter(
        kind=event_kinds.JOBS_INTEREST_TEST_DONE, data={"code": "ICS", "saved": True}
    ).exists()
    listing = client.get(reverse("jobs:interest_saved")).content.decode()
    assert "ICS" in listing

    # another person cannot delete it
    other = citizen("j1-otto")
    client.force_login(other)
    url = reverse("jobs:interest_delete", args=[saved.pk])
    assert client.post(url).status_code == 404
    assert InterestResult.objects.filter(pk=saved.pk).exists()
    client.force_login(user)
    assert client.get(url).status_code == 405
    assert client.post(url).status_code == 302
    assert not InterestResult.objects.filter(pk=saved.pk).exists()


@pytest.mark.django_db
def test_saved_results_need_login(client):
    response = client.get(reverse("jobs:interest_saved"))
    assert response.status_code == 302 and "login" in response["Location"]


@pytest.mark.django_db
def test_personal_data_export_and_erasure():
    user, other = citizen("j1-paula"), citizen("j1-quentin")
    InterestResult.objects.create(
        user=user, scores={"R": 1}, code="RIA", consented_at="2026-12-01T10:00:00+01:00"
    )
    InterestResult.objects.create(
        user=other, scores={"S": 3}, code="SEC", consented_at="2026-12-01T10:00:00+01:00"
    )
    section = export_all(user)["jobs-interest"]
    assert [r["code"] for r in section["interest_results"]] == ["RIA"]
    erase_all(user)
    assert not InterestResult.objects.filter(user=user).exists()
    assert InterestResult.objects.filter(user=other).count() == 1


@pytest.mark.django_db
def test_account_menu_links_saved_results_only_to_those_who_have_some(client):
    from openkreis.accounts.navigation import links_for

    user = citizen("j1-menu")
    url = reverse("jobs:interest_saved")
    assert url not in [u for _label, u in links_for(user)]
    client.force_login(user)
    client.post(reverse("jobs:interest_save"), {**RESULT, "consent": "on"})
    assert url in [u for _label, u in links_for(user)]
