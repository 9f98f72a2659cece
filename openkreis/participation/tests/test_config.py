"""County data of Beteiligung (participation.yaml): checks with file and entry, defaults."""

from pathlib import Path

import pytest
from django.conf import settings

from openkreis.core.loader import LoadReport, TenantDataError
from openkreis.participation import config


def write(folder: Path, text: str) -> Path:
    (folder / config.FILE).write_text(text, encoding="utf-8")
    return folder


def test_harz_file():
    s = config.parse(Path(settings.BASE_DIR) / "tenants" / "harz" / config.FILE)
    assert s.min_group == 5 and s.moderation == "before" and s.moderation_before
    assert s.letter_sender.name == "Landkreis Harz"
    assert s.letter_sender.address == ("Friedrich-Ebert-Straße 42", "38820 Halberstadt")
    assert [r.key for r in s.reasons][:2] == ["beleidigung", "persoenliche-daten"]


def test_without_file_defaults(tmp_path, settings):
    settings.OPENKREIS_TENANTS_DIR = tmp_path
    (tmp_path / "ohne").mkdir()
    config.load(None, tmp_path / "ohne", LoadReport())  # nothing to check: no error
    s = config.settings_for_tenant("ohne")
    assert s == config.ParticipationSettings()
    assert s.min_group == 5 and s.moderation == "after" and s.letter_sender.name == ""


def test_settings_follow_the_file(tmp_path, settings):
    settings.OPENKREIS_TENANTS_DIR = tmp_path
    folder = tmp_path / "kreis"
    folder.mkdir()
    write(folder, "proposals: {moderation: before}\nsurveys: {min_group: 10}\n")
    s = config.settings_for_tenant("kreis")
    assert s.moderation_before and s.min_group == 10 and s.max_ranked == 10
    import os

    write(folder, "proposals: {moderation: after}\n")
    stat = (folder / config.FILE).stat()
    os.utime(folder / config.FILE, (stat.st_atime, stat.st_mtime + 5))
    assert config.settings_for_tenant("kreis").moderation == "after"


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("- a\n- b\n", "must be a mapping"),
        ("umfragen: {}\n", "unknown top-level keys ['umfragen']"),
        ("surveys: {min_group: 1}\n", "surveys.min_group must be a whole number 2–100 (1)"),
        ("surveys: {max_ranked: zehn}\n", "surveys.max_ranked must be a whole number"),
        ("surveys: {min_grupe: 5}\n", "surveys: unknown keys ['min_grupe']"),
        ("proposals: {moderation: vorher}\n", "proposals.moderation must be 'before' or 'after'"),
        ("proposals: {reasons: []}\n", "proposals.reasons must be a non-empty list"),
        (
            "proposals: {reasons: [{key: a, name: A}, {key: a, name: B}]}\n",
            "proposals.reasons[1]: the key 'a' is used twice",
        ),
        ("proposals: {reasons: [{key: a}]}\n", "proposals.reasons[0].name must be a text"),
        ("letters: {sender: {address: [x]}}\n", "letters.sender.name must be a text"),
        ("letters: {sender: {name: A, address: x}}\n", "letters.sender.address must be a list"),
        ("letters: {sender: {name: A, fax: 1}}\n", "letters.sender: unknown keys ['fax']"),
        ("surveys: [\n", "not valid YAML"),
    ],
)
def test_errors_name_file_and_entry(tmp_path, text, message):
    write(tmp_path, text)
    with pytest.raises(TenantDataError) as error:
        config.load(None, tmp_path, LoadReport())
    assert str(tmp_path / config.FILE) in str(error.value)
    assert message in str(error.value)


def test_broken_file_at_run_time_falls_back(tmp_path, settings, caplog):
    settings.OPENKREIS_TENANTS_DIR = tmp_path
    folder = tmp_path / "kaputt"
    folder.mkdir()
    write(folder, "proposals: {moderation: vorher}\n")
    assert config.settings_for_tenant("kaputt") == config.ParticipationSettings()
    assert "broken" in caplog.text
