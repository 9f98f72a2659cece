"""The pages of taking part: the start page, a survey's page, the questionnaire (with and
without a code, for accounts), errors that keep what was typed, closed and not yet open
surveys, drafts, STARTED events — and the authorisation table."""

from __future__ import annotations

import datetime as dt

import pytest
from django.contrib.auth import get_user_model
from django.urls import reverse
from django.utils import timezone, translation

from openkreis.core import event_kinds
from openkreis.core.models import Event, OrgUnit
from openkreis.core.staff import Role
from openkreis.core.testing import make_staff
from openkreis.participation import voting
from openkreis.participation.models import AccountParticipation, Ballot, ParticipationCode, Survey
from openkreis.participation.tests.factories import COUNTY_UNIT, county_unit
from openkreis.participation.tests.factories import survey as make_survey

pytestmark = pytest.mark.django_db


def url(name, s):
    return reverse(f"participation:{name}", args=[s.key])


def en(method, path, data=None):
    """A request to the English page (/en/…); German stays active for the test's reverse()."""
    try:
        return method("/en" + path, data or {})
    finally:
        translation.activate("de")


def add_code(s) -> str:
    code = voting.new_code()
    ParticipationCode.objects.create(survey=s, code_hash=voting.code_hash(code))
    return code


def started(s) -> int:
    return Event.objects.filter(
        kind=event_kinds.PARTICIPATION_STARTED, subject=f"survey:{s.key}"
    ).count()


def test_the_start_page_lists_open_upcoming_and_closed_surveys_but_no_draft(client):
    now = timezone.now()
    open_ = make_survey(name="Offene Umfrage", questions=["single"])
    soon = make_survey(name="Bald offen", questions=["single"], opens_at=now + dt.timedelta(days=3))
    done = make_survey(name="Schon zu", questions=["single"], closes_at=now - dt.timedelta(days=1))
    draft = make_survey(name="Entwurf geheim", questions=["single"], status="draft")
    response = client.get(reverse("participation:index"))
    assert response.status_code == 200
    assert open_ in response.context["open_surveys"]
    assert soon in response.context["upcoming_surveys"]
    assert done in response.context["closed_surveys"]
    assert "Entwurf geheim" not in response.content.decode()
    assert draft.key not in response.content.decode()


def test_the_letters_qr_link_fills_in_the_code_and_the_code_opens_the_questionnaire(client):
    s = make_survey(audience=Survey.Audience.CODES, questions=["single", "text"])
    code = add_code(s)
    page = client.get(url("survey", s) + "?code=" + code)
    assert page.status_code == 200
    assert f'value="{code}"' in page.content.decode()
    # the questionnaire needs the code first
    assert client.get(url("questionnaire", s)).status_code == 302
    response = client.post(url("questionnaire", s), {"step": "code", "code": code})
    assert response.status_code == 200
    assert response.templates[0].name == "participation/vote/questionnaire.html"
    assert f'value="{code}"' in response.content.decode()
    assert started(s) == 1
    client.post(url("questionnaire", s), {"step": "code", "code": code})
    assert started(s) == 1  # once per session
    assert not ParticipationCode.objects.get(survey=s).used  # looking is not voting


def test_unknown_and_used_codes_are_refused_on_the_survey_page(client):
    s = make_survey(audience=Survey.Audience.CODES, questions=["single"])
    code = add_code(s)
    bad = en(client.post, url("questionnaire", s), {"step": "code", "code": "ABCD-EFGH-JKLM"})
    assert bad.status_code == 400
    assert "We do not know this code" in bad.content.decode()
    voting.cast(s, {}, code=code)
    used = en(client.post, url("questionnaire", s), {"step": "code", "code": code})
    assert used.status_code == 400
    assert "This code was already used" in used.content.decode()
    short = en(client.post, url("questionnaire", s), {"step": "code", "code": "ABC"})
    assert "A code has 12 letters and digits" in short.content.decode()


def test_errors_keep_what_was_typed_and_link_to_the_question(client):
    s = make_survey(questions=[{"kind": "single", "required": True}, "text"])
    text_q = s.questions.get(position=1)
    response = en(client.post, url("questionnaire", s), {f"q{text_q.id}": "Mein Text bleibt"})
    assert response.status_code == 400
    html = response.content.decode()
    assert "There is a problem" in html
    first = s.questions.get(position=0)
    assert f'href="#q{first.id}-{first.options.first().id}"' in html
    assert "Mein Text bleibt</textarea>" in html
    assert not Ballot.objects.filter(survey=s).exists()


def test_a_used_code_after_answering_shows_the_answers_again(client):
    s = make_survey(audience=Survey.Audience.CODES, questions=["text"])
    code = add_code(s)
    voting.cast(s, {}, code=code)
    q = s.questions.get()
    response = en(client.post, url("questionnaire", s), {"code": code, f"q{q.id}": "Noch da"})
    assert response.status_code == 409
    html = response.content.decode()
    assert "This code was already used" in html
    assert "Noch da</textarea>" in html


def test_public_survey_start_vote_and_cookie(client):
    s = make_survey(questions=["single"])
    response = client.get(url("questionnaire", s))
    assert response.status_code == 200
    assert started(s) == 1
    client.get(url("questionnaire", s))
    assert started(s) == 1
    ja = s.questions.get().options.get(key="ja")
    done = client.post(url("questionnaire", s), {f"q{ja.question_id}": str(ja.id)})
    assert done.status_code == 303
    assert Ballot.objects.filter(survey=s).count() == 1
    # the browser is told it took part (a note, not a lock: public surveys are open to anyone)
    again = client.get(url("questionnaire", s))
    assert again.status_code == 200
    assert again.context["voted_here"] is True


@pytest.mark.parametrize("state", ["upcoming", "closed"])
def test_a_survey_not_open_says_so_and_has_no_form(client, state):
    now = timezone.now()
    fields = (
        {"opens_at": now + dt.timedelta(days=2)}
        if state == "upcoming"
        else {"closes_at": now - dt.timedelta(hours=1)}
    )
    s = make_survey(questions=["single"], **fields)
    for response in (
        en(client.get, url("survey", s)),
        en(client.get, url("questionnaire", s)),
    ):
        assert response.status_code == 200
        html = response.content.decode()
        assert ("not open yet" if state == "upcoming" else "This survey is closed") in html
        assert 'name="q' not in html
    post = client.post(url("questionnaire", s), {})
    assert post.status_code == 400
    assert not Ballot.objects.filter(survey=s).exists()


def test_account_survey_asks_for_a_login_and_counts_an_account_once(client):
    s = make_survey(audience=Survey.Audience.ACCOUNT, questions=["single"])
    response = client.get(url("questionnaire", s))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_login"))
    user = get_user_model().objects.create_user("teilnehmerin", "t@example.org", "x" * 16)
    client.force_login(user)
    assert client.get(url("questionnaire", s)).status_code == 200
    assert client.post(url("questionnaire", s), {}).status_code == 303
    assert AccountParticipation.objects.filter(survey=s, user=user).exists()
    again = en(client.get, url("questionnaire", s))
    assert "You have already taken part" in again.content.decode()
    assert 'name="q' not in again.content.decode()
    assert client.post(url("questionnaire", s), {}).status_code == 409
    assert Ballot.objects.filter(survey=s).count() == 1


def test_eid_survey_without_oidc_explains(client, settings):
    settings.SOCIALACCOUNT_PROVIDERS = {"openid_connect": {"APPS": []}}
    s = make_survey(audience=Survey.Audience.ACCOUNT, questions=["single"], min_login_level="eid")
    user = get_user_model().objects.create_user("ohne-eid", "o@example.org", "x" * 16)
    client.force_login(user)
    response = en(client.get, url("questionnaire", s))
    assert response.status_code == 403
    assert "does not offer yet" in response.content.decode()


# -- authorisation table --------------------------------------------------------------------------
# Taking part is public; only the audience decides who may vote. A draft is not public for
# anyone here (its editors see it in P1's preview). Rows: URL × who → status.

WHO = ["anonymous", "citizen", "other citizen", "staff of another unit", "right staff"]


def _login(client, who):
    if who == "anonymous":
        return None
    if who in ("citizen", "other citizen"):
        user = get_user_model().objects.create_user(
            who.replace(" ", "-"), f"{who[:3]}@example.org", "x" * 16
        )
    else:
        county_unit()
        other = OrgUnit.objects.exclude(key=COUNTY_UNIT).order_by("key").first().key
        unit = other if who == "staff of another unit" else COUNTY_UNIT
        user, _secret = make_staff(who.replace(" ", "-"), unit, Role.SURVEY_EDITOR)
    client.force_login(user)
    return user


@pytest.mark.parametrize("who", WHO)
def test_authorisation_table(client, who):
    public = make_survey(questions=["single"])
    codes = make_survey(audience=Survey.Audience.CODES, questions=["single"])
    account = make_survey(audience=Survey.Audience.ACCOUNT, questions=["single"])
    draft = make_survey(questions=["single"], status=Survey.Status.DRAFT)
    _login(client, who)
    logged_in = who != "anonymous"
    table = [
        (reverse("participation:index"), 200),
        (url("survey", public), 200),
        (url("questionnaire", public), 200),
        (url("survey", codes), 200),
        (url("questionnaire", codes), 302),  # the code comes first, on the survey page
        (url("questionnaire", account), 200 if logged_in else 302),
        (url("receipts", public), 200),
        (url("receipts_text", public), 200),
        (url("thanks", public), 200),
        (url("survey", draft), 404),
        (url("questionnaire", draft), 404),
        (url("receipts", draft), 404),
        (url("thanks", draft), 404),
    ]
    got = [(path, client.get(path).status_code) for path, _expected in table]
    assert got == table
    # voting: a draft never, a code survey not without a valid code
    assert client.post(url("questionnaire", draft), {}).status_code == 404
    assert client.post(url("questionnaire", codes), {"code": "ABCD-EFGH-JKLM"}).status_code == 409
    assert not Ballot.objects.filter(survey__in=[draft, codes]).exists()
