"""The scrub function: what the content team may read of an unanswered question."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from openkreis.assistant.scrub import scrub


@pytest.mark.parametrize(
    ("text", "gone", "kept"),
    [
        ("Meine Mail ist max.muster@example.de bitte", ["max.muster", "example.de"], ["Mail"]),
        ("ruft mich an 03941 123456", ["03941", "123456"], ["ruft"]),
        ("Tel. +49 (3941) 55-1234 wegen Hund", ["3941", "1234"], ["Hund"]),
        ("IBAN DE89 3704 0044 0532 0130 00 für Gebühr", ["DE89", "3704", "0532"], ["Gebühr"]),
        ("IBAN DE89370400440532013000", ["DE89370400440532013000"], ["IBAN"]),
        ("geboren am 12.03.1985 Ausweis", ["12.03.1985", "1985"], ["Ausweis"]),
        ("Geburtstag 3. März 1990", ["1990", "März"], ["Geburtstag"]),
        ("ich wohne Friedrich-Ebert-Straße 42 in Halberstadt", ["Ebert", "42"], ["Halberstadt"]),
        ("Am Lindenweg 7a ist ein Schlagloch", ["Lindenweg 7a", "7a"], ["Schlagloch"]),
        ("Ich heiße Erika Mustermann und brauche einen Pass", ["Erika", "Mustermann"], ["Pass"]),
        ("Frau Schulze hat gesagt ich soll fragen", ["Schulze"], ["gesagt"]),
        ("Aktenzeichen 2026-000123 Wohngeld", ["000123", "2026"], ["Wohngeld"]),
        ("Kennzeichen HZ AB 123", ["123"], ["Kennzeichen"]),
    ],
)
def test_scrub_removes_personal_data_and_keeps_the_topic(text, gone, kept):
    cleaned = scrub(text)
    for part in gone:
        assert part not in cleaned, cleaned
    for part in kept:
        assert part in cleaned, cleaned


def test_scrub_leaves_a_plain_question_as_it_is():
    assert scrub("Was kostet ein Wunschkennzeichen?") == "Was kostet ein Wunschkennzeichen?"


@given(st.text(max_size=400))
def test_scrub_never_raises_keeps_no_digit_and_no_at_address(text):
    cleaned = scrub(text)
    assert len(cleaned) <= 300
    assert not any(ch in "0123456789" for ch in cleaned)


def test_scrub_removes_a_name_written_in_lower_case_after_ich_heisse():
    assert "erika" not in scrub("hallo ich heiße erika und habe eine frage")
