"""The cockpit's derived tables unlogged on PostgreSQL (bulk.empty_derived): the full
recompute gives them the persistence the setting asks for, a configured replica keeps them
logged, and a refresh builds them again when PostgreSQL has emptied them. After a crash,
recovery replaces each unlogged table by its empty init fork; here they are emptied by
TRUNCATE, which leaves what the cockpit can see in the same state (tables empty, the logged
cursor as it was)."""

import os
import subprocess
import sys

import pytest
from django.conf import settings as django_settings
from django.db import connection

from openkreis.cockpit import aggregates, bulk
from openkreis.cockpit.models import CaseFact, RecomputeMark

from .factories import START, other_events, random_log, write
from .test_aggregates import snapshot

pytestmark = [
    pytest.mark.skipif(connection.vendor != "postgresql", reason="unlogged tables: PostgreSQL"),
    pytest.mark.django_db,
]


def persistence() -> dict[str, str]:
    """relpersistence of each derived table and of the fact table's indexes."""
    tables = [m._meta.db_table for m in bulk.DERIVED]
    with connection.cursor() as cur:
        cur.execute(
            "SELECT relname, relpersistence FROM pg_class WHERE oid = ANY(%s::regclass[])"
            " UNION ALL SELECT c.relname, c.relpersistence FROM pg_index i"
            " JOIN pg_class c ON c.oid = i.indexrelid WHERE i.indrelid = %s::regclass",
            [tables, CaseFact._meta.db_table],
        )
        return dict(cur.fetchall())


def crash() -> None:
    """What crash recovery leaves of the unlogged tables: nothing."""
    tables = ", ".join(m._meta.db_table for m in bulk.DERIVED)
    with connection.cursor() as cur:
        cur.execute(f"TRUNCATE {tables}")


def test_the_recompute_makes_the_derived_tables_unlogged_or_logged_as_set(harz, settings):
    write(random_log(seed=3, cases=20))
    settings.OPENKREIS_COCKPIT_UNLOGGED = True
    aggregates.recompute()
    first = persistence()
    assert len(first) > len(bulk.DERIVED) + 4  # the tables and the fact table's indexes
    assert set(first.values()) == {"u"}
    assert bulk.derived_unlogged()
    expected = snapshot()
    assert expected["facts"] and expected["steps"]
    settings.OPENKREIS_COCKPIT_UNLOGGED = False
    aggregates.recompute()
    assert persistence().keys() == first.keys()
    assert set(persistence().values()) == {"p"}
    assert not bulk.derived_unlogged()
    assert snapshot() == expected
    for unlogged in (True, False):  # the Python path: the same tables, the same way
        settings.OPENKREIS_COCKPIT_UNLOGGED = unlogged
        aggregates.recompute(reference=True)
        assert set(persistence().values()) == {"u" if unlogged else "p"}
        assert snapshot() == expected


@pytest.mark.parametrize("replica", ["", "postgresql://postgres@127.0.0.1:5432/replica"])
def test_with_a_replica_the_tables_stay_logged(replica):
    """A physical replica cannot read unlogged tables: the default follows the replica."""
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "openkreis.settings.dev"}
    env.pop("OPENKREIS_COCKPIT_UNLOGGED", None)
    env.pop("DATABASE_REPLICA_URL", None)
    env["OPENKREIS_REPLICA_URL"] = replica
    out = subprocess.run(
        [sys.executable, "-c", "from django.conf import settings as s; "
         "print(s.OPENKREIS_COCKPIT_UNLOGGED)"],
        env=env, cwd=django_settings.BASE_DIR, capture_output=True, text=True, check=True,
    )  # fmt: skip
    assert out.stdout.strip() == ("False" if replica else "True")


def test_tables_emptied_by_a_crash_are_built_again_by_the_next_refresh(harz, settings):
    settings.OPENKREIS_COCKPIT_UNLOGGED = True
    write(random_log(seed=8, cases=40))
    other_events(START)
    aggregates.recompute()
    before = snapshot()
    assert not aggregates.lost()
    crash()
    assert not CaseFact.objects.exists() and aggregates.lost()
    write(random_log(seed=9, cases=5))  # and the log goes on meanwhile
    aggregates.refresh()
    assert not aggregates.lost()
    after = snapshot()
    assert {f[0] for f in before["facts"]} <= {f[0] for f in after["facts"]}  # every case
    assert after["metrics"] == before["metrics"]  # the other events counted once, not twice
    aggregates.recompute()
    assert snapshot() == after  # what a recompute of the whole log writes


def test_only_unlogged_tables_without_their_mark_cause_a_recompute(harz, settings, monkeypatch):
    calls = []
    real = aggregates.recompute
    monkeypatch.setattr(aggregates, "recompute", lambda **kw: calls.append(kw) or real(**kw))
    write(random_log(seed=4, cases=10))
    bulk.empty_derived(logged=True)  # as the migrations create them: logged, no mark
    aggregates.refresh()
    write(random_log(seed=6, cases=3))
    assert not RecomputeMark.objects.exists() and aggregates.version()[0] > 0
    assert not aggregates.lost()  # cursor advanced, no mark, but logged: not lost
    aggregates.refresh()
    assert calls == [] and CaseFact.objects.count() == 10
    settings.OPENKREIS_COCKPIT_UNLOGGED = True
    real()
    write(random_log(seed=7, cases=3))
    aggregates.refresh()  # unlogged, the mark there: an ordinary refresh
    assert calls == [] and RecomputeMark.objects.get().last_event_id > 0
    assert real(only_if_lost=True) == 0  # a second worker that came too late does nothing
    RecomputeMark.objects.all().delete()  # unlogged and the mark gone: rebuilt, once
    assert aggregates.lost()
    aggregates.refresh()
    assert calls == [{"only_if_lost": True}] and RecomputeMark.objects.exists()
    assert CaseFact.objects.count() == 10
    settings.OPENKREIS_COCKPIT_UNLOGGED = False
    real()
    CaseFact.objects.all().delete()  # logged tables are never emptied by the server
    RecomputeMark.objects.all().delete()
    assert not aggregates.lost()
    aggregates.refresh()
    assert len(calls) == 1
