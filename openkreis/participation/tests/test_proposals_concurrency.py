"""Supporting under concurrency (PostgreSQL): eight threads of the same account press
"support" at the same moment → one support row and supporters_count 1; eight different
accounts at once → eight rows and the count 8; withdrawing at once from eight threads → 0.
On SQLite (one writer at a time) the race cannot happen and the test is skipped."""

from __future__ import annotations

import threading

import pytest
from django.db import connection

from openkreis.participation import proposals
from openkreis.participation.models_proposals import Proposal, Support

from .test_proposals import citizen, make_proposal

THREADS = 8

pytestmark = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="the race needs PostgreSQL's concurrent writers"
)


def _race(action, people) -> list:
    barrier, lock, results = threading.Barrier(len(people)), threading.Lock(), []

    def attempt(user):
        try:
            barrier.wait()
            outcome = action(user)
        except Exception as exc:  # noqa: BLE001 - reported below
            outcome = repr(exc)
        finally:
            connection.close()
        with lock:
            results.append(outcome)

    workers = [threading.Thread(target=attempt, args=(user,)) for user in people]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    return results


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_same_account_from_eight_threads_supports_once(django_user_model):
    erika, max_ = citizen(django_user_model), citizen(django_user_model, "max")
    proposal = make_proposal(erika)
    results = _race(lambda user: proposals.support(user, proposal), [max_] * THREADS)
    assert sorted(results, key=str) == [False] * (THREADS - 1) + [True]
    proposal.refresh_from_db()
    assert Support.objects.filter(proposal=proposal).count() == 1
    assert proposal.supporters_count == 1
    results = _race(lambda user: proposals.withdraw_support(user, proposal), [max_] * THREADS)
    assert sorted(results, key=str) == [False] * (THREADS - 1) + [True]
    proposal.refresh_from_db()
    assert proposal.supporters_count == 0 == Support.objects.count()


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_eight_accounts_at_once_are_all_counted(django_user_model):
    erika = citizen(django_user_model)
    proposal = make_proposal(erika)
    people = [citizen(django_user_model, f"p{n}") for n in range(THREADS)]
    results = _race(lambda user: proposals.support(user, proposal), people)
    assert results == [True] * THREADS
    proposal = Proposal.objects.get(pk=proposal.pk)
    assert proposal.supporters_count == THREADS == Support.objects.count()
