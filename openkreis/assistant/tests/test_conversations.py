"""The proof table (tests/conversations.yaml): at least 60 conversations, several turns
each, colloquial and with typos; the share answered correctly must reach the threshold.
bench/assistant_conversations.py prints the same figure and every failure."""

import pytest

from openkreis.assistant import proof

THRESHOLD = 0.95  # measured: 69 of 69 (100 %); the margin is for county data changes


def test_the_table_has_at_least_60_conversations_of_several_turns():
    table = proof.load_table()
    assert len(table) >= 60
    assert len({c["id"] for c in table}) == len(table)
    assert sum(len(c["turns"]) >= 2 for c in table) >= 55


@pytest.mark.django_db
def test_share_answered_correctly_reaches_the_threshold(harz):
    results = proof.run(harz)
    failures = [f"{r.conversation}: {r.failures[0]}" for r in results if not r.ok]
    assert proof.share_correct(results) >= THRESHOLD, failures
