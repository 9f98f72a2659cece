"""Live quiz (L3): state machine, joining without an account, one answer per question,
answers after the reveal refused, cookie forgery, authorisation, results as aggregates, the
four-hour limit, and 30 simulated learners answering at once (PostgreSQL)."""

from __future__ import annotations

import datetime as dt
import re
import threading

import pytest
from django.core.cache import cache
from django.db import connection
from django.test import Client
from django.urls import reverse

from openkreis.core import event_kinds
from openkreis.core.models import Event
from openkreis.learning import live
from openkreis.learning.models import LiveAnswer, LiveParticipant, LiveSession, Question
from openkreis.learning.tests import factories

pytestmark = pytest.mark.django_db
on_postgres = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="concurrency needs PostgreSQL"
)


@pytest.fixture(autouse=True)
def _clear_cache():
    cache.clear()


def make_session(questions=3, **kw):
    teacher = factories.teacher()
    mod = factories.module(questions=questions)
    return live.create_session(teacher, mod, **kw), teacher


def host_client(teacher) -> Client:
    client = Client()
    client.force_login(teacher)
    return client


def joined_client(code: str) -> Client:
    client = Client()
    response = client.post(reverse("learning:join"), {"code": code})
    assert response.status_code == 302, response.content[:500]
    assert response["Location"] == reverse("learning:live_play", kwargs={"code": code})
    return client


def post_answer(client, code, index, choice="a"):
    return client.post(
        reverse("learning:live_play", kwargs={"code": code}), {"index": index, "choice": choice}
    )


# -- sessions and the state machine --------------------------------------------------------------
def test_create_session_has_a_six_digit_code_and_all_questions_in_order():
    session, _t = make_session(questions=3)
    assert re.fullmatch(r"\d{6}", session.code)
    assert session.state == "lobby" and session.current == -1
    assert [k for _s, k in session.question_keys] == ["frage-1", "frage-2", "frage-3"]


def test_random_count_draws_that_many_distinct_questions():
    session, _t = make_session(questions=6, count=4)
    keys = [k for _s, k in session.question_keys]
    assert len(keys) == 4 and len(set(keys)) == 4


def test_code_clash_draws_again(monkeypatch):
    first, teacher = make_session()
    codes = iter([first.code, first.code, "000777"])
    monkeypatch.setattr(live, "_new_code", lambda: next(codes))
    second = live.create_session(teacher, first.module)
    assert second.code == "000777"


def test_closed_session_frees_its_code(monkeypatch):
    first, teacher = make_session()
    live.close(first)
    monkeypatch.setattr(live, "_new_code", lambda: first.code)
    again = live.create_session(teacher, first.module)
    assert again.code == first.code


def test_state_machine_moves_one_step_per_click():
    session, _t = make_session(questions=2)
    assert live.next_question(session, -1)
    assert (session.state, session.current) == ("question", 0)
    assert not live.next_question(session, -1)  # the second tab's click for the lobby
    assert not live.next_question(session, 0)  # no next while the question is open
    assert live.reveal(session, 0)
    assert not live.reveal(session, 0)
    assert live.next_question(session, 0)
    assert not live.next_question(session, 0)
    fresh = LiveSession.objects.get(pk=session.pk)
    assert (fresh.state, fresh.current) == ("question", 1)
    assert live.reveal(fresh, 1)
    assert not live.next_question(fresh, 1)  # no question after the last
    assert live.close(fresh) and not live.close(fresh)
    assert Event.objects.filter(kind=event_kinds.LEARNING_LIVE_QUIZ).count() == 1


def test_two_posts_with_the_same_seen_question_do_not_skip():
    session, teacher = make_session(questions=3)
    client = host_client(teacher)
    url = reverse("learning:live_host", kwargs={"key": session.key})
    for _ in range(2):
        assert client.post(url, {"action": "next", "current": -1}).status_code == 302
    session.refresh_from_db()
    assert (session.state, session.current) == ("question", 0)


@on_postgres
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_two_tabs_clicking_next_at_once_move_one_question():
    session, teacher = make_session(questions=5)
    live.next_question(session, -1)
    live.reveal(session, 0)
    results, lock = [], threading.Lock()
    barrier = threading.Barrier(8)

    def click():
        try:
            barrier.wait()
            mine = LiveSession.objects.get(pk=session.pk)
            outcome = live.next_question(mine, 0)
        finally:
            connection.close()
        with lock:
            results.append(outcome)

    threads = [threading.Thread(target=click) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(results) == [False] * 7 + [True]
    session.refresh_from_db()
    assert (session.state, session.current) == ("question", 1)


def test_sessions_close_after_four_hours_with_the_event():
    session, _t = make_session()
    LiveSession.objects.filter(pk=session.pk).update(
        created_at=session.created_at - dt.timedelta(hours=4, minutes=1)
    )
    assert live.open_by_code(session.code) is None
    session.refresh_from_db()
    assert session.state == "closed" and session.closed_at is not None
    event = Event.objects.get(kind=event_kinds.LEARNING_LIVE_QUIZ)
    assert event.data == {
        "questions": 3,
        "participants": 0,
        "answers": 0,
        "group_kind": "",
        "municipality": "",
    }


# -- learners ----------------------------------------------------------------------------------
def test_join_without_account_sets_an_httponly_cookie_and_stores_only_the_hash():
    session, _t = make_session()
    client = Client()
    page = client.get(reverse("learning:join") + f"?code={session.code}")
    assert page.status_code == 200 and session.code in page.content.decode()
    response = client.post(reverse("learning:join"), {"code": session.code})
    assert response.status_code == 302
    cookie = response.cookies[live.COOKIE]
    assert cookie["httponly"] and cookie["samesite"] == "Lax"
    token = cookie.value
    participant = LiveParticipant.objects.get(session=session)
    assert participant.token_hash == live.token_hash(token) and token not in participant.token_hash
    # joining again is the same participant
    client.post(reverse("learning:join"), {"code": session.code})
    assert LiveParticipant.objects.filter(session=session).count() == 1
    play = client.get(reverse("learning:live_play", kwargs={"code": session.code}))
    assert "bitte warten sie auf die erste" in play.content.decode().lower()


def test_join_refuses_wrong_codes_with_a_message():
    client = Client()
    for code in ("12345", "abcdef", "999999"):
        response = client.post(reverse("learning:join"), {"code": code})
        assert response.status_code == 400
        assert 'role="alert"' in response.content.decode()


def test_short_address_redirects_with_the_code():
    response = Client().get("/quiz/?code=123456")
    assert response.status_code == 302
    assert response["Location"] == reverse("learning:join") + "?code=123456"


def test_play_without_joining_sends_to_the_join_page():
    session, _t = make_session()
    response = Client().get(reverse("learning:live_play", kwargs={"code": session.code}))
    assert response.status_code == 302
    assert response["Location"] == reverse("learning:join") + f"?code={session.code}"


def test_join_rate_limit_per_address(settings):
    settings.LEARNING_LIVE_JOINS_PER_MINUTE = 3
    session, _t = make_session()
    client = Client()
    codes = [
        client.post(reverse("learning:join"), {"code": session.code}).status_code for _ in range(5)
    ]
    assert codes == [302, 302, 302, 429, 429]


def test_answer_once_then_already_answered_and_result_after_reveal():
    session, _t = make_session()
    client = joined_client(session.code)
    live.next_question(session, -1)
    play = reverse("learning:live_play", kwargs={"code": session.code})
    page = client.get(play).content.decode()
    assert "Frage 1?" in page and 'name="choice"' in page
    assert post_answer(client, session.code, 0, "a").status_code == 302
    waiting = client.get(play).content.decode()
    assert "Warten auf die nächste Frage" in waiting and 'name="choice"' not in waiting
    second = post_answer(client, session.code, 0, "b")
    assert second.status_code == 409 and "schon beantwortet" in second.content.decode()
    assert LiveAnswer.objects.filter(session=session).count() == 1
    assert LiveAnswer.objects.get(session=session).answer == "a"
    live.reveal(session, 0)
    assert "Richtig! Gut gemacht." in client.get(play).content.decode()


def test_wrong_answer_shows_not_quite_and_the_right_one():
    session, _t = make_session()
    client = joined_client(session.code)
    live.next_question(session, -1)
    post_answer(client, session.code, 0, "b")
    live.reveal(session, 0)
    page = client.get(reverse("learning:live_play", kwargs={"code": session.code})).content.decode()
    assert "Leider nicht richtig." in page and "<strong>Richtig</strong>" in page


def test_answers_after_reveal_and_for_other_questions_are_refused():
    session, _t = make_session()
    client = joined_client(session.code)
    live.next_question(session, -1)
    assert post_answer(client, session.code, 1).status_code == 409  # not the open question
    live.reveal(session, 0)
    late = post_answer(client, session.code, 0)
    assert late.status_code == 409 and "schon beendet" in late.content.decode()
    assert not LiveAnswer.objects.filter(session=session).exists()


def test_invalid_choice_is_a_400_with_a_message():
    session, _t = make_session()
    client = joined_client(session.code)
    live.next_question(session, -1)
    response = post_answer(client, session.code, 0, "zz")
    assert response.status_code == 400 and 'role="alert"' in response.content.decode()
    assert post_answer(client, session.code, 0, "").status_code == 400


def test_multiple_choice_is_scored_as_a_set():
    session, _t = make_session()
    question = live.question_at(session, 0)
    Question.objects.filter(pk=question.pk).update(
        kind="multiple",
        options=[{"key": "a", "text": "A"}, {"key": "b", "text": "B"}, {"key": "c", "text": "C"}],
        answer=["a", "c"],
    )
    live.next_question(session, -1)
    c1, c2 = joined_client(session.code), joined_client(session.code)
    url = reverse("learning:live_play", kwargs={"code": session.code})
    assert c1.post(url, {"index": 0, "choice": ["c", "a"]}).status_code == 302
    assert c2.post(url, {"index": 0, "choice": ["a"]}).status_code == 302
    assert sorted(LiveAnswer.objects.values_list("correct", flat=True)) == [False, True]
    counts = {o.key: o.count for o in live.tally(session, 0).options}
    assert counts == {"a": 2, "b": 0, "c": 1}


def test_a_forged_cookie_cannot_answer_for_someone_else():
    session, _t = make_session()
    honest = joined_client(session.code)
    live.next_question(session, -1)
    forger = Client()
    forger.cookies[live.COOKIE] = "x" * 43  # a token nobody was given
    response = post_answer(forger, session.code, 0)
    assert response.status_code == 302 and "/digital/quiz/?code=" in response["Location"]
    # the stored hash as the cookie does not help either
    stored = LiveParticipant.objects.get(session=session).token_hash
    forger.cookies[live.COOKIE] = stored
    assert post_answer(forger, session.code, 0).status_code == 302
    assert not LiveAnswer.objects.exists()
    assert post_answer(honest, session.code, 0).status_code == 302
    assert LiveAnswer.objects.count() == 1


def test_ended_quiz_tells_the_learner():
    session, _t = make_session()
    client = joined_client(session.code)
    live.close(session)
    response = client.get(reverse("learning:live_play", kwargs={"code": session.code}))
    assert response.status_code == 404 and "ist beendet" in response.content.decode()
    state = client.get(reverse("learning:live_play_state", kwargs={"code": session.code}))
    assert state.json()["state"] == "closed"


# -- the teacher's pages -----------------------------------------------------------------------
def test_teacher_creates_a_session_from_the_form_with_an_own_group():
    teacher = factories.teacher()
    mod = factories.module(questions=5)
    client = host_client(teacher)
    page = client.get(reverse("learning:live_new"))
    assert page.status_code == 200 and mod.title in page.content.decode()
    response = client.post(reverse("learning:live_new"), {"module": mod.pk, "count": 2})
    assert response.status_code == 302
    session = LiveSession.objects.get(teacher=teacher)
    assert len(session.question_keys) == 2 and session.group is None
    host = client.get(response["Location"]).content.decode()
    assert session.code in host and "<svg" in host and "/quiz/" in host


def test_teacher_cannot_pick_another_teachers_group():
    from openkreis.learning.models import GroupMembership, LearnerGroup

    teacher, other = factories.teacher(), factories.teacher()
    mod = factories.module()
    theirs = LearnerGroup.objects.create(name="Fremde Gruppe", join_code="FREMD1")
    GroupMembership.objects.create(group=theirs, user=other, role="teacher")
    mine = LearnerGroup.objects.create(name="Meine Gruppe", join_code="MEINE1", kind="seniors")
    GroupMembership.objects.create(group=mine, user=teacher, role="teacher")
    client = host_client(teacher)
    refused = client.post(reverse("learning:live_new"), {"module": mod.pk, "group": theirs.pk})
    assert refused.status_code == 400 and not LiveSession.objects.exists()
    ok = client.post(reverse("learning:live_new"), {"module": mod.pk, "group": mine.pk})
    assert ok.status_code == 302
    session = LiveSession.objects.get()
    assert session.group == mine
    live.close(session)
    assert Event.objects.get(kind=event_kinds.LEARNING_LIVE_QUIZ).data["group_kind"] == "seniors"


def test_authorisation_another_teachers_session_is_404_and_learners_are_not_teachers():
    session, _owner = make_session()
    other = host_client(factories.teacher())
    for name in ("live_host", "live_state", "live_results"):
        url = reverse(f"learning:{name}", kwargs={"key": session.key})
        assert other.get(url).status_code == 404, name
    assert (
        other.post(
            reverse("learning:live_host", kwargs={"key": session.key}),
            {"action": "next", "current": -1},
        ).status_code
        == 404
    )
    session.refresh_from_db()
    assert session.state == "lobby"
    anonymous = Client().get(reverse("learning:live_host", kwargs={"key": session.key}))
    assert anonymous.status_code == 302 and "login" in anonymous["Location"]
    learner = Client()
    learner.force_login(factories.learner())
    assert learner.get(reverse("learning:live_new")).status_code == 302
    assert (
        learner.get(reverse("learning:live_host", kwargs={"key": session.key})).status_code == 302
    )


def test_host_reveal_shows_chart_table_and_right_answer_and_state_json():
    session, teacher = make_session()
    host = host_client(teacher)
    learners = [joined_client(session.code) for _ in range(3)]
    live.next_question(session, -1)
    for client, choice in zip(learners, ["a", "a", "b"], strict=True):
        post_answer(client, session.code, 0, choice)
    state = host.get(reverse("learning:live_state", kwargs={"key": session.key})).json()
    assert state == {
        "state": "question",
        "current": 0,
        "total": 3,
        "participants": 3,
        "answered": 3,
    }
    during = host.get(reverse("learning:live_host", kwargs={"key": session.key})).content.decode()
    assert "(richtig)" not in during  # the right answer only after the reveal
    host.post(
        reverse("learning:live_host", kwargs={"key": session.key}),
        {"action": "reveal", "current": 0},
    )
    page = host.get(reverse("learning:live_host", kwargs={"key": session.key})).content.decode()
    assert "(richtig)" in page and 'class="chart' in page
    assert re.search(r"<th scope=\"row\">Richtig</th><td>2</td>", page)
    assert re.search(r"<th scope=\"row\">Falsch</th><td>1</td>", page)


def test_results_after_the_end_are_aggregates():
    session, teacher = make_session(questions=2)
    host = host_client(teacher)
    learners = [joined_client(session.code) for _ in range(4)]
    live.next_question(session, -1)
    for client, choice in zip(learners, "aabb", strict=True):
        post_answer(client, session.code, 0, choice)
    url = reverse("learning:live_host", kwargs={"key": session.key})
    assert (
        host.get(reverse("learning:live_results", kwargs={"key": session.key})).status_code == 302
    )
    response = host.post(url, {"action": "end", "current": 0})
    assert response["Location"] == reverse("learning:live_results", kwargs={"key": session.key})
    page = host.get(response["Location"]).content.decode()
    assert "4 Personen haben mitgemacht" in page and "4 Antworten, 50 % richtig" in page
    assert "Niemand hat diese Frage beantwortet." in page
    event = Event.objects.get(kind=event_kinds.LEARNING_LIVE_QUIZ)
    assert event.data["participants"] == 4 and event.data["answers"] == 4
    # after the end the host page goes to the results
    assert host.get(url)["Location"] == reverse(
        "learning:live_results", kwargs={"key": session.key}
    )


def test_bad_host_posts_are_4xx():
    session, teacher = make_session()
    host = host_client(teacher)
    url = reverse("learning:live_host", kwargs={"key": session.key})
    assert host.post(url, {"action": "next"}).status_code == 400
    assert host.post(url, {"action": "jump", "current": 0}).status_code == 400


# -- 30 learners at once -----------------------------------------------------------------------
@on_postgres
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_thirty_learners_answer_at_once_every_answer_counted_once():
    session, teacher = make_session(questions=2)
    learners = [joined_client(session.code) for _ in range(30)]
    assert LiveParticipant.objects.filter(session=session).count() == 30
    live.next_question(session, -1)
    choices = ["a"] * 18 + ["b"] * 12
    statuses, lock = [], threading.Lock()
    barrier = threading.Barrier(30)

    def learn(client, choice):
        try:
            barrier.wait()
            first = post_answer(client, session.code, 0, choice).status_code
            again = post_answer(client, session.code, 0, "b").status_code  # a double tap
        finally:
            connection.close()
        with lock:
            statuses.append((first, again))

    threads = [
        threading.Thread(target=learn, args=(c, ch))
        for c, ch in zip(learners, choices, strict=True)
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert statuses == [(302, 409)] * 30
    assert LiveAnswer.objects.filter(session=session, index=0).count() == 30
    host = host_client(teacher)
    host.post(
        reverse("learning:live_host", kwargs={"key": session.key}),
        {"action": "reveal", "current": 0},
    )
    counts = {o.key: o.count for o in live.tally(session, 0).options}
    assert counts == {"a": 18, "b": 12}
    assert live.tally(session, 0).share_right == 60
    page = host.get(reverse("learning:live_host", kwargs={"key": session.key})).content.decode()
    assert '<th scope="row">Richtig</th><td>18</td>' in page
    assert '<th scope="row">Falsch</th><td>12</td>' in page


@on_postgres
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_answers_racing_the_reveal_are_either_counted_or_refused():
    session, _teacher = make_session()
    learners = [joined_client(session.code) for _ in range(12)]
    live.next_question(session, -1)
    statuses, lock = [], threading.Lock()
    barrier = threading.Barrier(13)

    def learn(client):
        try:
            barrier.wait()
            status = post_answer(client, session.code, 0).status_code
        finally:
            connection.close()
        with lock:
            statuses.append(status)

    def teacher_reveals():
        try:
            barrier.wait()
            live.reveal(LiveSession.objects.get(pk=session.pk), 0)
        finally:
            connection.close()

    threads = [threading.Thread(target=learn, args=(c,)) for c in learners]
    threads.append(threading.Thread(target=teacher_reveals))
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert set(statuses) <= {302, 409}
    assert LiveAnswer.objects.filter(session=session).count() == statuses.count(302)
    session.refresh_from_db()
    assert session.state == "reveal"
