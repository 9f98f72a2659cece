"""The questionnaire form and casting a vote (voting.py): every kind of question, the skip
logic, the messages, one vote per code and per account, the events."""

from __future__ import annotations

import datetime as dt

import pytest
from django.contrib.auth import get_user_model
from django.utils import timezone, translation

from openkreis.core import event_kinds
from openkreis.core.models import Event, Region
from openkreis.participation import voting
from openkreis.participation.models import (
    AccountParticipation,
    Answer,
    Ballot,
    Option,
    ParticipationCode,
    Survey,
)
from openkreis.participation.tests.factories import survey as make_survey

pytestmark = pytest.mark.django_db


def option(s: Survey, position: int, key: str) -> Option:
    return Option.objects.get(question__survey=s, question__position=position, key=key)


def qname(s: Survey, position: int) -> str:
    return f"q{s.questions.get(position=position).id}"


def add_codes(s: Survey, n: int = 1, municipality: Region | None = None) -> list[str]:
    codes = [voting.new_code() for _ in range(n)]
    ParticipationCode.objects.bulk_create(
        ParticipationCode(survey=s, code_hash=voting.code_hash(c), municipality=municipality)
        for c in codes
    )
    return codes


def full_answers(s: Survey) -> dict:
    """Valid answers to the default survey (one question of each kind)."""
    return {
        qname(s, 0): str(option(s, 0, "ja").id),
        qname(s, 1): [str(option(s, 1, "bus").id), str(option(s, 1, "rad").id)],
        qname(s, 2): "4",
        f"{qname(s, 3)}_1": str(option(s, 3, "preis").id),
        f"{qname(s, 3)}_2": str(option(s, 3, "takt").id),
        qname(s, 4): "Mehr Busse am Abend.",
        qname(s, 5): "Halberstadt, Domplatz",
        f"{qname(s, 5)}_lat": "51.8958",
        f"{qname(s, 5)}_lon": "11.0458",
    }


# -- the form -------------------------------------------------------------------------------------


def test_every_kind_is_read_into_answers():
    s = make_survey()
    form = voting.questionnaire_form(s, full_answers(s))
    assert form.is_valid(), form.item_errors
    by_kind = {q.kind: form.answers[q.id] for q in s.questions.all()}
    assert by_kind["single"].key == "ja"
    assert [o.key for o in by_kind["multiple"]] == ["bus", "rad"]
    assert by_kind["scale"] == 4
    assert [o.key for o in by_kind["ranking"]] == ["preis", "takt"]
    assert by_kind["text"] == "Mehr Busse am Abend."
    assert by_kind["point"] == {"lat": 51.8958, "lon": 11.0458, "text": "Halberstadt, Domplatz"}


def test_required_questions_have_their_own_messages():
    s = make_survey(
        questions=[
            {"kind": k, "required": True}
            for k in ("single", "multiple", "scale", "ranking", "text", "point")
        ]
    )
    with translation.override("en"):
        form = voting.questionnaire_form(s, {})
        assert not form.is_valid()
    messages = [form.item_errors[q.id] for q in s.questions.order_by("position")]
    assert messages == [
        "Please choose an answer.",
        "Please choose at least one answer.",
        "Please choose a value on the scale.",
        "Please choose at least your first place.",
        "Please answer this question.",
        "Please mark the place on the map or describe it in words.",
    ]
    # the error summary links each message to the question's first input
    anchors = [anchor for anchor, _message in form.error_list()]
    first = s.questions.get(position=0)
    assert anchors[0] == f"q{first.id}-{first.options.first().id}"
    assert anchors[3] == f"{qname(s, 3)}_1"


def test_optional_questions_may_stay_empty():
    s = make_survey()
    form = voting.questionnaire_form(s, {})
    assert form.is_valid()
    assert form.answers == {}


def test_english_labels_and_messages():
    s = make_survey(questions=[{"kind": "single", "required": True}])
    with translation.override("en"):
        form = voting.questionnaire_form(s, {})
        assert not form.is_valid()
        item = form.items()[0]
        assert item.label == "Do you use the bus?"
        assert [o["label"] for o in item.options] == ["Yes", "No", "Don't know"]
        assert item.error == "Please choose an answer."
    with translation.override("de"):
        assert voting.questionnaire_form(s).items()[0].label == "Nutzen Sie den Bus?"


def test_multiple_choice_respects_max_choices():
    s = make_survey(questions=[{"kind": "multiple", "max_choices": 2}])
    ids = [str(o.id) for o in s.questions.get().options.all()]
    with translation.override("en"):
        form = voting.questionnaire_form(s, {qname(s, 0): ids[:3]})
        assert not form.is_valid()
        assert form.item_errors[s.questions.get().id] == "Please choose at most 2 answers."
    assert voting.questionnaire_form(s, {qname(s, 0): ids[:2]}).is_valid()


def test_ranking_refuses_the_same_option_twice_and_keeps_the_order():
    s = make_survey(questions=[{"kind": "ranking", "max_choices": 2}])
    q = s.questions.get()
    assert [f for f in voting.questionnaire_form(s).fields] == [f"q{q.id}_1", f"q{q.id}_2"]
    takt = str(option(s, 0, "takt").id)
    with translation.override("en"):
        form = voting.questionnaire_form(s, {f"q{q.id}_1": takt, f"q{q.id}_2": takt})
        assert not form.is_valid()
        assert "only one place" in form.item_errors[q.id]
    preis = str(option(s, 0, "preis").id)
    form = voting.questionnaire_form(s, {f"q{q.id}_1": "", f"q{q.id}_2": preis})
    assert form.is_valid()
    assert [o.key for o in form.answers[q.id]] == ["preis"]


def test_foreign_option_and_out_of_range_values_are_refused():
    s = make_survey(questions=["single", "scale"])
    other = make_survey(questions=["single"])
    foreign = str(other.questions.get().options.first().id)
    form = voting.questionnaire_form(s, {qname(s, 0): foreign, qname(s, 1): "9"})
    assert not form.is_valid()
    assert set(form.item_errors) == {q.id for q in s.questions.all()}


def test_text_is_bounded_and_point_coordinates_are_checked():
    s = make_survey(questions=["text", "point"])
    form = voting.questionnaire_form(
        s,
        {
            qname(s, 0): "x" * (voting.TEXT_MAX + 1),
            f"{qname(s, 1)}_lat": "99",
            f"{qname(s, 1)}_lon": "10",
        },
    )
    assert not form.is_valid()
    assert len(form.item_errors) == 2
    # a point with only a description (no map, no JavaScript) is an answer
    form = voting.questionnaire_form(s, {qname(s, 1): "Thale, am Bahnhof"})
    assert form.is_valid()
    assert form.answers[s.questions.get(position=1).id] == {
        "lat": None,
        "lon": None,
        "text": "Thale, am Bahnhof",
    }


def _skip_survey():
    return make_survey(
        questions=[
            {"kind": "single", "required": True},
            {"kind": "text", "required": True, "show_if": [(0, "ja")]},
            {"kind": "scale", "required": True, "show_if": [(0, "nein")]},
        ]
    )


def test_skip_logic_drops_answers_of_questions_not_asked():
    s = _skip_survey()
    ja, text_q, scale_q = str(option(s, 0, "ja").id), *(q.id for q in s.questions.all()[1:])
    form = voting.questionnaire_form(s, {qname(s, 0): ja, qname(s, 1): "Gern", qname(s, 2): "3"})
    assert form.is_valid(), form.item_errors
    assert text_q in form.answers
    assert scale_q not in form.answers  # answered, but not asked: dropped
    assert form.hidden_questions == {scale_q}
    # the asked conditional question is required; the other one is not
    form = voting.questionnaire_form(s, {qname(s, 0): ja})
    assert not form.is_valid()
    assert set(form.item_errors) == {text_q}


def test_the_condition_is_written_next_to_the_question():
    s = _skip_survey()
    with translation.override("en"):
        items = voting.questionnaire_form(s).items()
    assert items[0].condition == ""
    assert items[1].condition == "Only if you chose „Yes“ in question 1."
    assert items[2].show_if == f"{qname(s, 0)}:{option(s, 0, 'nein').id}"


def test_a_chain_of_conditions_stops_at_a_question_not_asked():
    s = make_survey(
        questions=[
            {"kind": "single"},
            {"kind": "single", "show_if": [(0, "ja")]},
            {"kind": "text", "required": True, "show_if": [(1, "ja")]},
        ]
    )
    # question 2 answered "ja", but it was not asked (question 1 "nein"): 3 is not asked either
    form = voting.questionnaire_form(
        s, {qname(s, 0): str(option(s, 0, "nein").id), qname(s, 1): str(option(s, 1, "ja").id)}
    )
    assert form.is_valid()
    assert list(form.answers) == [s.questions.get(position=0).id]


def test_what_was_typed_comes_back_with_the_errors():
    s = make_survey(questions=["multiple", {"kind": "text", "required": True}, "ranking"])
    bus = str(option(s, 0, "bus").id)
    preis = str(option(s, 2, "preis").id)
    form = voting.questionnaire_form(s, {qname(s, 0): [bus], f"{qname(s, 2)}_1": preis})
    assert not form.is_valid()
    items = form.items()
    assert [o["checked"] for o in items[0].options] == [True, False, False, False]
    assert items[2].ranks[0]["selected"] == preis


# -- casting --------------------------------------------------------------------------------------


def _valid(s, data=None):
    form = voting.questionnaire_form(s, data if data is not None else full_answers(s))
    assert form.is_valid(), form.item_errors
    return form.answers


def test_cast_writes_one_ballot_with_its_answers_and_an_event_without_the_ballot():
    s = make_survey(audience=Survey.Audience.CODES)
    quedlinburg = Region.objects.filter(kind="municipality").order_by("name").first()
    (code,) = add_codes(s, municipality=quedlinburg)
    receipt = voting.cast(s, _valid(s), code=code.lower().replace("-", " "))
    ballot = Ballot.objects.get(survey=s)
    assert ballot.receipt == receipt
    assert voting.normalise_receipt(receipt) == receipt
    assert ballot.municipality == quedlinburg
    # single 1, multiple 2, scale 1, ranking 2, text 1, point 1
    assert Answer.objects.filter(ballot=ballot).count() == 8
    ranking = Answer.objects.filter(ballot=ballot, question__kind="ranking").order_by("number")
    assert [(a.option.key, a.number) for a in ranking] == [("preis", 1), ("takt", 2)]
    assert ParticipationCode.objects.get(survey=s).used is True
    event = Event.objects.get(kind=event_kinds.PARTICIPATION_COMPLETED, subject=f"survey:{s.key}")
    assert event.data == {"survey": s.key, "audience": "codes", "municipality": quedlinburg.ars}
    assert receipt not in str(event.data) and str(ballot.id) not in str(event.data)


def test_a_used_and_an_unknown_code_are_refused_with_different_messages():
    s = make_survey(audience=Survey.Audience.CODES, questions=["single"])
    (code,) = add_codes(s)
    voting.cast(s, {}, code=code)
    with translation.override("en"), pytest.raises(voting.VoteError) as used:
        voting.cast(s, {}, code=code)
    assert str(used.value) == "This code was already used. Each code counts once."
    with translation.override("en"), pytest.raises(voting.VoteError) as unknown:
        voting.cast(s, {}, code="AAAA-BBBB-CCCC")
    assert str(unknown.value) == "We do not know this code. Please check it against your letter."
    # a code of another survey is unknown here
    other = make_survey(audience=Survey.Audience.CODES, questions=["single"])
    (foreign,) = add_codes(other)
    with pytest.raises(voting.VoteError):
        voting.cast(s, {}, code=foreign)
    assert Ballot.objects.filter(survey=s).count() == 1
    assert ParticipationCode.objects.get(survey=other).used is False


def test_a_refused_vote_writes_nothing():
    s = make_survey(audience=Survey.Audience.CODES, questions=["single"])
    before = Event.objects.count()
    with pytest.raises(voting.VoteError):
        voting.cast(s, {}, code="")
    assert not Ballot.objects.filter(survey=s).exists()
    assert Event.objects.count() == before


def test_account_votes_once():
    s = make_survey(audience=Survey.Audience.ACCOUNT, questions=["single"])
    user = get_user_model().objects.create_user("buergerin", "b@example.org", "x" * 16)
    with pytest.raises(voting.VoteError):
        voting.cast(s, {}, user=None)
    voting.cast(s, {}, user=user)
    with translation.override("en"), pytest.raises(voting.VoteError) as again:
        voting.cast(s, {}, user=user)
    assert str(again.value) == "You have already taken part in this survey."
    assert Ballot.objects.filter(survey=s).count() == 1
    assert AccountParticipation.objects.filter(survey=s, user=user).count() == 1
    assert Event.objects.filter(
        kind=event_kinds.PARTICIPATION_COMPLETED, subject=f"survey:{s.key}"
    ).get().data == {
        "survey": s.key,
        "audience": "account",
        "municipality": "",
    }


def test_eid_level_needs_an_oidc_login(settings):
    from allauth.socialaccount.models import SocialAccount

    s = make_survey(audience=Survey.Audience.ACCOUNT, questions=["single"], min_login_level="eid")
    user = get_user_model().objects.create_user("eid-nutzer", "e@example.org", "x" * 16)
    settings.SOCIALACCOUNT_PROVIDERS = {"openid_connect": {"APPS": []}}
    with translation.override("en"), pytest.raises(voting.VoteError) as off:
        voting.cast(s, {}, user=user)
    assert "does not offer yet" in str(off.value)
    settings.SOCIALACCOUNT_PROVIDERS = {"openid_connect": {"APPS": [{"provider_id": "oidc"}]}}
    with translation.override("en"), pytest.raises(voting.VoteError) as password:
        voting.cast(s, {}, user=user)
    assert "log in again with the eID" in str(password.value)
    SocialAccount.objects.create(user=user, provider="oidc", uid="bund-123")
    assert voting.cast(s, {}, user=user)


def test_public_surveys_take_any_number_of_votes():
    s = make_survey(questions=["single"])
    receipts = {voting.cast(s, {}) for _ in range(3)}
    assert len(receipts) == 3
    assert Ballot.objects.filter(survey=s).count() == 3


@pytest.mark.parametrize("state", ["draft", "upcoming", "closed", "archived"])
def test_only_an_open_survey_counts_votes(state):
    now = timezone.now()
    fields = {
        "draft": {"status": "draft"},
        "upcoming": {"opens_at": now + dt.timedelta(days=1)},
        "closed": {"closes_at": now - dt.timedelta(minutes=1)},
        "archived": {"status": "archived"},
    }[state]
    s = make_survey(questions=["single"], **fields)
    with pytest.raises(voting.VoteError):
        voting.cast(s, {})
    assert not Ballot.objects.filter(survey=s).exists()


def test_answers_of_another_survey_are_refused():
    s = make_survey(questions=["single"])
    other = make_survey(questions=["single"])
    answers = _valid(other, {qname(other, 0): str(option(other, 0, "ja").id)})
    with pytest.raises(voting.VoteError):
        voting.cast(s, answers)


def test_code_status_does_not_use_the_code():
    s = make_survey(audience=Survey.Audience.CODES, questions=["single"])
    (code,) = add_codes(s)
    assert voting.code_status(s, code) == "ok"
    assert voting.code_status(s, code) == "ok"
    assert voting.code_status(s, "ZZZZ-ZZZZ-ZZZZ") == "unknown"
    voting.cast(s, {}, code=code)
    assert voting.code_status(s, code) == "used"


# -- sealing --------------------------------------------------------------------------------------


def test_seal_deletes_unused_codes_and_rewrites_ballots_in_receipt_order():
    s = make_survey(audience=Survey.Audience.CODES, questions=["single", "text"])
    codes = add_codes(s, 6)
    ja = str(option(s, 0, "ja").id)
    receipts = [
        voting.cast(s, _valid(s, {qname(s, 0): ja, qname(s, 1): f"Antwort {i}"}), code=c)
        for i, c in enumerate(codes[:4])
    ]
    old_ids = set(Ballot.objects.filter(survey=s).values_list("id", flat=True))
    counts_before = sorted(Answer.objects.filter(ballot__survey=s).values_list("text", flat=True))
    assert voting.seal(s) == 4
    s.refresh_from_db()
    assert s.sealed_at is not None
    assert ParticipationCode.objects.filter(survey=s).count() == 4  # the two unused went
    assert not ParticipationCode.objects.filter(survey=s, used=False).exists()
    ballots = Ballot.objects.filter(survey=s)
    assert sorted(ballots.values_list("receipt", flat=True)) == sorted(receipts)
    assert not old_ids & set(ballots.values_list("id", flat=True))  # new keys
    after = sorted(Answer.objects.filter(ballot__survey=s).values_list("text", flat=True))
    assert after == counts_before
    for ballot in ballots:
        assert ballot.answers.count() == 2
    # stored in receipt order: the table's own order (no ORDER BY) follows the receipts
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT receipt FROM participation_ballot WHERE survey_id = %s", [s.pk])
        physical = [row[0] for row in cursor.fetchall()]
    assert physical == sorted(receipts)
    event = Event.objects.get(
        kind=event_kinds.PARTICIPATION_SURVEY_CLOSED, subject=f"survey:{s.key}"
    )
    assert event.data == {"survey": s.key, "ballots": 4}
