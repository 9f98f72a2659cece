"""The form engine: every field type with valid and invalid input, rules, visibility."""

import datetime as dt

import pytest
from django.http import QueryDict
from django.utils import translation
from hypothesis import given, settings
from hypothesis import strategies as st

from openkreis.forms import engine
from openkreis.forms.schema import DefinitionError, normalise

TODAY = dt.date(2026, 11, 24)


def make(fields, rules=(), pages=None):
    spec = {
        "key": "test",
        "title": "Test",
        "pages": pages or [{"key": "p1", "title": "P1", "fields": fields}],
        "rules": list(rules),
    }
    return normalise(spec)


def read(field_spec, post, data=None, files=None):
    definition = make([field_spec])
    f = definition["pages"][0]["fields"][0]
    result = engine.PageResult()
    q = QueryDict(mutable=True)
    for k, v in post.items():
        if isinstance(v, list):
            q.setlist(k, v)
        else:
            q[k] = v
    value = engine.read_field(f, q, engine.html_id(f["key"]), data or {}, None, result, files or {})
    return value, result.anchors


@pytest.fixture(autouse=True)
def german():
    with translation.override("de"):
        yield


CASES = [
    # (field, posted, expected value or None, error expected)
    ({"key": "a", "type": "text", "label": "Name", "required": True}, {"f-a": "  "}, None, "Name"),
    ({"key": "a", "type": "text", "label": "Name", "max_length": 5}, {"f-a": "zu lang"}, None, "5"),
    ({"key": "a", "type": "text", "label": "Name", "min_length": 3}, {"f-a": "ab"}, None, "3"),
    (
        {"key": "a", "type": "text", "label": "PLZ", "pattern": "[0-9]{5}"},
        {"f-a": "1234"},
        None,
        "Format",
    ),
    ({"key": "a", "type": "text", "label": "Name"}, {"f-a": "Ana\x00 Müller"}, "Ana Müller", None),
    ({"key": "a", "type": "number", "label": "Zahl"}, {"f-a": "zwölf"}, None, "Zahl"),
    ({"key": "a", "type": "number", "label": "Zahl"}, {"f-a": "12,5"}, None, "ganze Zahl"),
    (
        {"key": "a", "type": "number", "label": "Betrag", "decimals": 2},
        {"f-a": "1.234,50"},
        "1234.50",
        None,
    ),
    (
        {"key": "a", "type": "number", "label": "Betrag", "decimals": 2},
        {"f-a": "1,234"},
        None,
        "Nachkommastellen",
    ),
    ({"key": "a", "type": "number", "label": "Zahl", "min": 1, "max": 4}, {"f-a": "5"}, None, "4"),
    ({"key": "a", "type": "number", "label": "Zahl", "min": 1, "max": 4}, {"f-a": "0"}, None, "1"),
    ({"key": "a", "type": "date", "label": "Datum"}, {"f-a": "31.02.2020"}, None, "Datum"),
    ({"key": "a", "type": "date", "label": "Datum"}, {"f-a": "2020-13-01"}, None, "Datum"),
    ({"key": "a", "type": "date", "label": "Datum"}, {"f-a": "01.02.2020"}, "2020-02-01", None),
    (
        {"key": "a", "type": "date", "label": "Datum", "max": "today"},
        {"f-a": "01.01.2999"},
        None,
        "vor dem",
    ),
    (
        {"key": "a", "type": "date", "label": "Datum", "min": "2000-01-01"},
        {"f-a": "1999-12-31"},
        None,
        "nach dem",
    ),
    (
        {"key": "a", "type": "choice", "label": "Wahl", "options": ["x", "y"], "required": True},
        {},
        None,
        "Wählen",
    ),
    (
        {"key": "a", "type": "choice", "label": "Wahl", "options": ["x", "y"]},
        {"f-a": "z"},
        None,
        "Optionen",
    ),
    (
        {"key": "a", "type": "choice", "label": "Wahl", "options": ["x", "y"], "multiple": True},
        {"f-a": ["x", "evil"]},
        None,
        "Optionen",
    ),
    (
        {"key": "a", "type": "choice", "label": "Wahl", "options": ["x", "y"], "multiple": True},
        {"f-a": ["x", "y"]},
        ["x", "y"],
        None,
    ),
    (
        {"key": "a", "type": "boolean", "label": "Ich bestätige", "required": True},
        {},
        None,
        "Bestätigen",
    ),
    (
        {"key": "a", "type": "iban", "label": "IBAN"},
        {"f-a": "DE02 1203 0000 0000 2020 51"},
        "DE02120300000000202051",
        None,
    ),
    (
        {"key": "a", "type": "iban", "label": "IBAN"},
        {"f-a": "DE03 1203 0000 0000 2020 51"},
        None,
        "IBAN",
    ),
    (
        {"key": "a", "type": "iban", "label": "IBAN"},
        {"f-a": "DE02 1203 0000 0000 2020 5"},
        None,
        "IBAN",
    ),
    ({"key": "a", "type": "iban", "label": "IBAN"}, {"f-a": "kein iban"}, None, "IBAN"),
    ({"key": "a", "type": "email", "label": "E-Mail"}, {"f-a": "name@"}, None, "E-Mail"),
    (
        {"key": "a", "type": "email", "label": "E-Mail"},
        {"f-a": "Name@Example.org"},
        "name@example.org",
        None,
    ),
    ({"key": "a", "type": "phone", "label": "Telefon"}, {"f-a": "abc"}, None, "Telefonnummer"),
    (
        {"key": "a", "type": "phone", "label": "Telefon"},
        {"f-a": "+49 3941 5970"},
        "+49 3941 5970",
        None,
    ),
    (
        {"key": "a", "type": "address", "label": "Anschrift", "required": True},
        {
            "f-a-street": "Friedrich-Ebert-Str. 42",
            "f-a-postcode": "3882",
            "f-a-city": "Halberstadt",
        },
        None,
        "5 Ziffern",
    ),
    (
        {"key": "a", "type": "address", "label": "Anschrift", "required": True},
        {"f-a-postcode": "38820"},
        None,
        "Straße",
    ),
    (
        {"key": "a", "type": "address", "label": "Anschrift"},
        {"f-a-street": "Markt 1", "f-a-postcode": "38820", "f-a-city": "Halberstadt"},
        {"street": "Markt 1", "postcode": "38820", "city": "Halberstadt"},
        None,
    ),
    ({"key": "a", "type": "file", "label": "Pass", "required": True}, {}, None, "Laden Sie"),
]


@pytest.mark.parametrize(("spec", "post", "expected", "error"), CASES)
def test_field_types_valid_and_invalid(spec, post, expected, error):
    value, errors = read(spec, post)
    if error:
        assert value is None
        assert errors, f"expected an error for {post}"
        assert error.lower() in errors[0][1].lower(), errors[0][1]
        assert errors[0][0].startswith("f-a")
    else:
        assert errors == []
        assert value == expected


def test_files_over_the_limit_are_refused():
    value, errors = read(
        {"key": "a", "type": "file", "label": "Plan", "max_files": 1}, {}, files={"f-a": ["1", "2"]}
    )
    assert value is None and "höchstens 1" in errors[0][1]


def test_repeatable_group_reads_items_and_checks_minimum():
    spec = {
        "key": "people",
        "type": "group",
        "label": "Person",
        "repeat": {"min": 1, "max": 3},
        "fields": [
            {"key": "name", "type": "text", "label": "Name", "required": True},
            {"key": "born", "type": "date", "label": "Geboren", "max": "today"},
        ],
    }
    value, errors = read(
        spec,
        {
            "f-people-count": "2",
            "f-people-0-name": "A",
            "f-people-1-name": "B",
            "f-people-1-born": "01.01.2000",
        },
    )
    assert errors == [] and value == [{"name": "A"}, {"name": "B", "born": "2000-01-01"}]
    value, errors = read(spec, {"f-people-count": "1", "f-people-0-name": ""})
    assert errors and errors[0][0] == "f-people-0-name"
    # a tampered count cannot exceed the maximum
    value, errors = read(spec, {"f-people-count": "999", "f-people-0-name": "A"})
    assert len(errors) >= 1 and len(value) == 3


def test_date_of_birth_rules_cross_field():
    definition = make(
        [
            {"key": "birth_date", "type": "date", "label": "Geburt"},
            {"key": "entry_date", "type": "date", "label": "Einreise"},
        ],
        rules=[
            {
                "left": "birth_date",
                "op": "lt",
                "right": "today",
                "message": "Geburt muss vorbei sein",
            },
            {
                "left": "entry_date",
                "op": "gt",
                "right": "birth_date",
                "message": "Einreise nach Geburt",
            },
            {"left": "birth_date", "op": "le", "right": "today-18y", "message": "volljährig"},
        ],
    )
    base = TODAY
    ok = {"birth_date": "1990-05-01", "entry_date": "2020-01-01"}
    assert engine.rule_errors(definition, ok, base=base) == []
    broken = {"birth_date": "2026-12-01", "entry_date": "2020-01-01"}
    messages = [m for _k, m in engine.rule_errors(definition, broken, base=base)]
    assert "Geburt muss vorbei sein" in messages and "Einreise nach Geburt" in messages
    assert "volljährig" in messages
    seventeen = {"birth_date": "2009-11-25"}
    assert [m for _k, m in engine.rule_errors(definition, seventeen, base=base)] == ["volljährig"]
    eighteen = {"birth_date": "2008-11-24"}
    assert engine.rule_errors(definition, eighteen, base=base) == []


def test_relative_dates():
    assert engine.resolve_date("today-18y", TODAY) == dt.date(2008, 11, 24)
    assert engine.resolve_date("today+30d", TODAY) == dt.date(2026, 12, 24)
    assert engine.resolve_date("today-1m", dt.date(2026, 3, 31)) == dt.date(2026, 2, 28)


def conditional_definition():
    return make(
        [],
        pages=[
            {
                "key": "one",
                "title": "1",
                "fields": [
                    {
                        "key": "relationship",
                        "type": "choice",
                        "label": "Beziehung",
                        "required": True,
                        "options": ["spouse", "other"],
                    },
                    {
                        "key": "other_text",
                        "type": "textarea",
                        "label": "Beschreibung",
                        "required": True,
                        "show_if": {"field": "relationship", "equals": "other"},
                    },
                ],
            },
            {
                "key": "two",
                "title": "2",
                "show_if": {"field": "relationship", "equals": "spouse"},
                "fields": [
                    {"key": "marriage_date", "type": "date", "label": "Heirat", "required": True}
                ],
            },
        ],
    )


def test_conditional_visibility_of_fields_and_pages():
    definition = conditional_definition()
    spouse = {"relationship": "spouse"}
    assert [p["key"] for p in engine.visible_pages(definition, spouse)] == ["one", "two"]
    assert [f["key"] for f in engine.visible_fields(definition["pages"][0]["fields"], spouse)] == [
        "relationship"
    ]
    other = {"relationship": "other"}
    assert [p["key"] for p in engine.visible_pages(definition, other)] == ["one"]
    problems = engine.validate_all(definition, other)
    assert [(p, k) for p, k, _m in problems] == [("one", "other_text")]
    problems = engine.validate_all(definition, spouse)
    assert [(p, k) for p, k, _m in problems] == [("two", "marriage_date")]


def test_hidden_answers_are_dropped_before_submission():
    definition = conditional_definition()
    tampered = {
        "relationship": "spouse",
        "other_text": "injected",
        "marriage_date": "2020-01-01",
        "unknown": "x",
    }
    cleaned = engine.clean_answers(definition, tampered)
    assert cleaned == {"relationship": "spouse", "marriage_date": "2020-01-01"}


def test_stored_values_are_checked_again():
    definition = make(
        [
            {"key": "n", "type": "number", "label": "Zahl", "max": 4, "required": True},
            {"key": "c", "type": "choice", "label": "Wahl", "options": ["x"]},
            {"key": "a", "type": "address", "label": "Anschrift"},
        ]
    )
    problems = engine.validate_all(
        definition,
        {"n": "99", "c": "evil", "a": {"street": "x", "city": "y", "postcode": "1", "extra": 1}},
    )
    assert {k for _p, k, _m in problems} == {"n", "c", "a"}
    problems = engine.validate_all(definition, {"n": {"not": "a number"}})
    assert problems and "ungültig" in problems[0][2]


@pytest.mark.parametrize(
    "spec",
    [
        {"key": "x", "title": "t", "pages": []},
        {
            "key": "x",
            "title": "t",
            "pages": [
                {"key": "p", "title": "p", "fields": [{"key": "a", "type": "nope", "label": "a"}]}
            ],
        },
        {
            "key": "x",
            "title": "t",
            "pages": [
                {
                    "key": "p",
                    "title": "p",
                    "fields": [{"key": "a", "label": "a"}, {"key": "a", "label": "b"}],
                }
            ],
        },
        {
            "key": "x",
            "title": "t",
            "pages": [
                {
                    "key": "p",
                    "title": "p",
                    "fields": [{"key": "a", "label": "a", "show_if": {"field": "zz", "equals": 1}}],
                }
            ],
        },
        {
            "key": "x",
            "title": "t",
            "pages": [
                {"key": "p", "title": "p", "fields": [{"key": "a", "label": "a", "pattern": "("}]}
            ],
        },
        {
            "key": "x",
            "title": "t",
            "pages": [{"key": "p", "title": "p", "fields": [{"key": "a", "label": "a"}]}],
            "rules": [{"left": "a", "op": "lt", "right": "yesterday", "message": "m"}],
        },
        {
            "key": "x",
            "title": "t",
            "pages": [
                {"key": "p", "title": "p", "fields": [{"key": "a", "type": "choice", "label": "a"}]}
            ],
        },
    ],
)
def test_broken_definitions_are_refused_with_a_path(spec):
    with pytest.raises(DefinitionError) as info:
        normalise(spec)
    assert "x" in str(info.value)


@given(st.text(max_size=40))
def test_iban_check_never_crashes(text):
    assert engine.iban_valid(text.replace(" ", "").upper()) in (True, False)


@given(st.text(max_size=30))
def test_number_and_date_parsers_never_crash(text):
    engine.parse_number(text)
    engine.parse_date(text)


def _real_forms():
    from pathlib import Path

    from django.conf import settings

    from openkreis.forms.services import read_definitions

    return read_definitions(Path(settings.OPENKREIS_TENANTS_DIR) / "harz")


REAL_FORMS = _real_forms()


@settings(max_examples=40, deadline=None)
@given(st.dictionaries(st.sampled_from(["x", "y"]), st.text(max_size=30)), st.data())
def test_any_posted_text_on_any_page_of_the_real_forms_never_crashes(_unused, data):
    definition = data.draw(st.sampled_from(REAL_FORMS))
    page = data.draw(st.sampled_from(definition["pages"]))
    post = QueryDict(mutable=True)
    for f in page["fields"]:
        prefix = engine.html_id(f["key"])
        names = [
            prefix,
            f"{prefix}-street",
            f"{prefix}-postcode",
            f"{prefix}-city",
            f"{prefix}-count",
        ]
        names += [f"{prefix}-0-{s['key']}" for s in f.get("fields", [])]
        for name in names:
            post[name] = data.draw(st.text(max_size=40))
    result = engine.PageResult()
    values = {}
    for f in page["fields"]:
        values[f["key"]] = engine.read_field(
            f, post, engine.html_id(f["key"]), {}, None, result, {}
        )
    answers = {k: v for k, v in values.items() if v is not None}
    engine.rule_errors(definition, answers)
    engine.validate_all(definition, engine.clean_answers(definition, answers))
    engine.summary(definition, answers)
