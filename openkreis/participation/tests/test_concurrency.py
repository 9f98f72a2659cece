"""One person, one vote under concurrent submissions: the same code (or the same account)
sent from 16 threads at once gives exactly one ballot and 15 clear refusals.

Real threads, each with its own database connection, released together by a barrier. On
PostgreSQL the conditional UPDATE (`… SET used = true WHERE … AND used = false`) lets one
transaction change the row; the others wait for its lock, find `used = true` and change
nothing. The account's unique row works the same way (the others wait on the index entry and
then fail the constraint). On SQLite the write transactions queue (BEGIN IMMEDIATE), which
tests the same code path with real threads."""

from __future__ import annotations

import threading

import pytest
from django.contrib.auth import get_user_model
from django.db import connections
from django.utils import translation

from openkreis.participation import voting
from openkreis.participation.models import (
    AccountParticipation,
    Answer,
    Ballot,
    ParticipationCode,
    Survey,
)
from openkreis.participation.tests.factories import survey as make_survey

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)
THREADS = 16


def race(target) -> list:
    barrier = threading.Barrier(THREADS)
    results: list = [None] * THREADS

    def run(i):
        try:
            translation.activate("en")
            barrier.wait(timeout=30)
            results[i] = ("ok", target())
        except voting.VoteError as exc:
            results[i] = ("refused", str(exc))
        except Exception as exc:  # noqa: BLE001 - any other failure is a test failure below
            results[i] = ("error", repr(exc))
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(THREADS)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    return results


def test_the_same_code_from_16_threads_counts_once():
    s = make_survey(audience=Survey.Audience.CODES, questions=["single", "text"])
    code = voting.new_code()
    ParticipationCode.objects.create(survey=s, code_hash=voting.code_hash(code))
    ja = s.questions.get(position=0).options.get(key="ja")
    text_q = s.questions.get(position=1)
    answers = {ja.question_id: ja, text_q.id: "Gleichzeitig gesendet"}

    results = race(lambda: voting.cast(s, answers, code=code))

    ok = [r for r in results if r[0] == "ok"]
    refused = [r for r in results if r[0] == "refused"]
    assert len(ok) == 1, results
    assert refused == [("refused", "This code was already used. Each code counts once.")] * 15
    ballot = Ballot.objects.get(survey=s)
    assert ballot.receipt == ok[0][1]
    assert Answer.objects.filter(ballot__survey=s).count() == 2
    assert ParticipationCode.objects.get(survey=s).used is True


def test_the_same_account_from_16_threads_counts_once():
    s = make_survey(audience=Survey.Audience.ACCOUNT, questions=["single"])
    user = get_user_model().objects.create_user("gleichzeitig", "g@example.org", "x" * 16)
    ja = s.questions.get().options.get(key="ja")

    results = race(lambda: voting.cast(s, {ja.question_id: ja}, user=user))

    ok = [r for r in results if r[0] == "ok"]
    refused = [r for r in results if r[0] == "refused"]
    assert len(ok) == 1, results
    assert refused == [("refused", "You have already taken part in this survey.")] * 15
    assert Ballot.objects.filter(survey=s).count() == 1
    assert AccountParticipation.objects.filter(survey=s).count() == 1


def test_different_codes_at_once_all_count():
    s = make_survey(audience=Survey.Audience.CODES, questions=["single"])
    codes = [voting.new_code() for _ in range(THREADS)]
    ParticipationCode.objects.bulk_create(
        ParticipationCode(survey=s, code_hash=voting.code_hash(c)) for c in codes
    )
    handed = iter(codes)
    lock = threading.Lock()

    def one():
        with lock:
            code = next(handed)
        return voting.cast(s, {}, code=code)

    results = race(one)
    assert [r[0] for r in results] == ["ok"] * THREADS, results
    assert Ballot.objects.filter(survey=s).count() == THREADS
    assert len({r[1] for r in results}) == THREADS
    assert not ParticipationCode.objects.filter(survey=s, used=False).exists()
