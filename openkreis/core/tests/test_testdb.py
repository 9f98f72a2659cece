"""The test databases' template (openkreis/core/testdb.py): what names it, when a step is due."""

import datetime as dt

from openkreis.core import testdb


def test_the_key_changes_with_the_month_and_not_with_a_test_file(monkeypatch, settings, tmp_path):
    package = tmp_path / "openkreis"
    (package / "core" / "tests").mkdir(parents=True)
    (package / "core" / "models.py").write_text("A = 1\n")
    settings.BASE_DIR = tmp_path
    first = testdb.source_key()
    (package / "core" / "tests" / "test_x.py").write_text("def test(): pass\n")
    assert testdb.source_key() == first  # a test cannot change what migrate writes
    (package / "core" / "models.py").write_text("A = 2\n")
    second = testdb.source_key()
    assert second != first

    class NextMonth(dt.datetime):
        @classmethod
        def now(cls, tz=None):
            return dt.datetime(2099, 1, 15, tzinfo=tz)

    monkeypatch.setattr(testdb.dt, "datetime", NextMonth)
    assert testdb.source_key() != second  # the event log's partitions are made per month


def test_a_step_runs_once_per_sources_and_again_when_its_output_changed(
    monkeypatch, settings, tmp_path
):
    monkeypatch.setenv("OPENKREIS_TEST_CACHE", str(tmp_path / "cache"))
    (tmp_path / "openkreis" / "static").mkdir(parents=True)
    (tmp_path / "openkreis" / "static" / "site.css").write_text("a{}")
    settings.BASE_DIR = tmp_path
    output = tmp_path / "out" / "manifest.json"
    output.parent.mkdir()
    runs = []

    def step():
        with testdb.once_per_sources("static", output) as due:
            if due:
                runs.append(1)
                output.write_text(f"run {len(runs)}")

    step()
    step()
    assert len(runs) == 1
    output.write_text("written by something else")
    step()
    assert len(runs) == 2
    (tmp_path / "openkreis" / "static" / "site.css").write_text("a{color:red}")
    step()
    step()
    assert len(runs) == 3
    assert len(list(output.parent.glob(".static-*"))) == 1
