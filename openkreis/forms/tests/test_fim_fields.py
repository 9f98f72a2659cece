"""FIM fields as a citizen meets them (issue 15.1): "(optional)" markers, error messages
that read for any label, e-mail fields as one-line e-mail inputs, no invented 200-character
cap, XSD patterns checked on the server and (where the browser's syntax allows) in the
`pattern` attribute."""

import re

import pytest

from openkreis.forms import engine, xdatenfelder
from openkreis.forms import services as forms
from openkreis.forms.models import Application

from .test_fim_import import ANTRAG, by_key, code_lists

SENTENCE = "Die Angabe der Dauer erfolgt in"


def antrag_xml(**replace) -> str:
    xml = (ANTRAG / "antrag-2.0.xml").read_text()
    for old, new in replace.values():
        assert old in xml, old
        xml = xml.replace(old, new)
    return xml


def test_email_fields_are_one_line_email_inputs_and_no_cap_is_invented():
    definition, _report = xdatenfelder.parse(antrag_xml().encode(), code_lists=code_lists())
    fields = by_key(definition)
    mail = fields["e_mail"]
    # maxLength 254 made it a 6-row text box before
    assert mail["type"] == "email" and mail["max_length"] == 254
    assert mail["browser_pattern"]
    street = fields["strasse"]
    assert street["type"] == "text" and street["max_length"] == 55
    # a field whose schema sets no length: no 200-character cap of our own
    xml = antrag_xml(s=('{"minLength":"1","maxLength":"55"}', ""))
    definition, _report = xdatenfelder.parse(xml.encode())
    street = by_key(definition)["strasse"]
    assert street["max_length"] == 0
    assert engine.check_value(street, "x" * 500) == []
    assert engine.check_value(street, "x" * 10_001) == [
        "Bitte geben Sie höchstens 10000 Zeichen ein."
    ]


@pytest.mark.parametrize(
    ("xsd", "good", "bad"),
    [
        (r"\p{Lu}\p{Ll}+", "Özdemir", "özdemir"),
        (r"[\p{L} .\-']+", "Müller-Lüdenscheidt", "R2D2"),
        (r"^\d{1,4}[a-zA-Z]?$", "12a", "12ab"),
        (r"\P{L}+", "12 34", "12a"),
        (r"([0]{1}[1-9]{1}|[1-9]{1}[0-9]{1})[0-9]{3}", "06108", "00108"),
    ],
)
def test_xsd_patterns_check_on_the_server(xsd, good, bad):
    pattern = xdatenfelder.xsd_pattern(xsd)
    assert re.fullmatch(pattern, good) and not re.fullmatch(pattern, bad)


def test_browser_patterns_are_written_for_the_v_flag_or_left_out():
    # punctuation inside a class needs a backslash with `v`; \p{…} stays (JavaScript has it)
    assert xdatenfelder.browser_pattern(r"[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{1,63}$") == (
        r"[A-Za-z0-9\._\%\+\-]+@[A-Za-z0-9\.\-]+\.[A-Za-z]{1,63}"
    )
    assert xdatenfelder.browser_pattern(r"[\p{L} .\-']+") == r"[\p{L} \.\-']+"
    assert xdatenfelder.browser_pattern(r"\d+\-\d+") == r"\d+-\d+"  # `\-` is an error in u/v
    # XSD name characters and class subtraction have no browser form: server only, reported
    assert xdatenfelder.browser_pattern(r"\i\c*") == ""
    assert xdatenfelder.browser_pattern(r"[a-z-[aeiou]]+") == ""
    xml = antrag_xml(s=('{"minLength":"1","maxLength":"55"}', r'{"pattern":"\\i\\c*"}'))
    definition, report = xdatenfelder.parse(xml.encode())
    assert "pattern" not in by_key(definition)["strasse"]
    assert any("Muster" in n and "nicht geprüft" in n for n in report.notes)


@pytest.mark.django_db
def test_page_marks_optional_fields_and_errors_read_for_any_label(fim_service, harz, anna):
    xml = antrag_xml(
        # a label that is a whole sentence, as in the published schemas
        name=(
            "<xdf:bezeichnungEingabe>Familienname</xdf:bezeichnungEingabe>",
            f"<xdf:bezeichnungEingabe>{SENTENCE}</xdf:bezeichnungEingabe>",
        ),
        # the street may have letters and spaces only
        street=('{"minLength":"1","maxLength":"55"}', r'{"pattern":"[\\p{L} .\\-]+"}'),
    )
    form, report = forms.import_xdatenfelder(
        harz,
        xml.encode(),
        key="fim-antrag",
        service_slug=fim_service.slug,
        code_lists=code_lists(),
    )
    assert form is not None, report.notes
    anna.post(f"/antrag/{fim_service.slug}/")
    app = Application.objects.filter(form=form).latest("pk")
    page = form.definition["pages"][1]
    url = f"/antrag/a/{app.public_id}/seite/{page['key']}/"
    html = anna.get(url).content.decode()
    optional = [f for _p, f in engine.single_fields(form.definition) if not f["required"]]
    assert optional, "the fixture has optional fields"
    assert html.count('<span class="optional">(optional)</span>') >= 1
    assert 'type="email"' in html and "<textarea" not in html
    assert 'pattern="[\\p{L} \\.\\-]+"' in html
    response = anna.post(
        url,
        {
            "f-familienname_2": "",
            "f-anschrift_inland_strassenanschrift-strasse": "Weg 1",
        },
    )
    assert response.status_code == 400
    html = response.content.decode()
    assert f"Bitte geben Sie {SENTENCE}" not in html
    # at the field: a message that needs no label; in the summary: "<label>: <message>"
    assert re.search(r'id="f-familienname_2-error">.*Bitte füllen Sie dieses Feld aus\.', html)
    assert f"{SENTENCE}: Bitte füllen Sie dieses Feld aus." in html
    assert "Straße: Die Eingabe hat nicht das erwartete Format." in html


def test_whole_numbers_ask_for_digits_only():
    from openkreis.forms import binding

    count = {
        "key": "n",
        "type": "number",
        "label": {"de": "Anzahl"},
        "required": True,
        "decimals": 0,
    }
    bound = binding.bind(count, "f-n", None, None, {}, {}, {})
    assert bound["inputmode"] == "numeric"
    assert "12,50" not in engine._convert(count, "zwölf")[1]
    assert engine.check_value(count, "12.5") == ["Bitte geben Sie eine ganze Zahl ein."]


def test_long_code_lists_are_searchable_selects_short_ones_are_not():
    from django.template.loader import render_to_string

    from openkreis.forms import binding
    from openkreis.forms.schema import normalise

    def choice(n):
        spec = {
            "key": "t",
            "title": "T",
            "pages": [
                {
                    "key": "p",
                    "title": "P",
                    "fields": [
                        {
                            "key": "staat",
                            "type": "choice",
                            "label": "Staat",
                            "widget": "select",
                            "options": [
                                {"value": f"{i:03d}", "label": f"Staat {i}"} for i in range(n)
                            ],
                        },
                        {"key": "x", "type": "text", "label": "X"},
                    ],
                }
            ],
        }
        field = normalise(spec)["pages"][0]["fields"][0]
        bound = binding.bind(field, "f-staat", None, None, {}, {}, {})
        return bound, render_to_string("forms/_field.html", {"field": bound})

    bound, html = choice(25)
    assert bound["searchable"] and "data-searchable" in html
    # without JavaScript it is a plain select with every option
    assert html.count("<option") == 26 and '<select id="f-staat" name="f-staat"' in html
    bound, html = choice(20)
    assert not bound["searchable"] and "data-searchable" not in html


def test_the_older_rule_wording_becomes_a_condition_too():
    """S00000094 writes required-if rules as "Wenn im Datenfeld … der Wert 001 angegeben
    wurde, dann soll … zum Pflichtfeld werden"; rules about an empty value stay reported."""
    xml = (ANTRAG / "antrag-2.0.xml").read_text()
    start = xml.index('<xdf:definition>Wenn das Feld F60000352 "Vertretung"')
    end = xml.index("</xdf:definition>", start)
    older = (
        "<xdf:definition>Wenn im Datenfeld F60000352 der Wert 002 oder 004 angegeben wurde, "
        "dann soll G60000224 zum Pflichtfeld werden."
    )
    definition, report = xdatenfelder.parse(
        (xml[:start] + older + xml[end:]).encode(), code_lists=code_lists()
    )
    person = next(
        f
        for f in definition["pages"][0]["fields"]
        if f["key"] == "gesetzlicher_vertreter_natuerliche_person_wenig"
    )
    assert person["show_if"] == {
        "field": "vertretung_durch_gesetzlichen_vertreter_oder_bevol",
        "in": ["002", "004"],
    }
    assert report.rules_translated == 1
    empty = older.replace("der Wert 002 oder 004", 'der Wert ""')
    _definition, report = xdatenfelder.parse(
        (xml[:start] + empty + xml[end:]).encode(), code_lists=code_lists()
    )
    assert report.rules_translated == 0 and report.rules_not_translated == 2


def test_a_name_stays_one_line_where_the_schema_allows_1000_characters():
    xml = antrag_xml(s=('{"minLength":"1","maxLength":"55"}', '{"maxLength":"1000"}'))
    definition, _report = xdatenfelder.parse(xml.encode())
    assert by_key(definition)["strasse"]["type"] == "text"  # "Straße", 1000 characters
    xml = antrag_xml(
        s=('{"minLength":"1","maxLength":"55"}', '{"maxLength":"1000"}'),
        n=("<xdf:name>Straße</xdf:name>", "<xdf:name>Begründung</xdf:name>"),
    )
    definition, _report = xdatenfelder.parse(xml.encode())
    assert by_key(definition)["begruendung"]["type"] == "textarea"
