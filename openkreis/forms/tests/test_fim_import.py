"""FIM import, issue 15: the applicant (case and prefill) from the Baukasten fields, code
lists from genericode, a form that could never become a case refused at import, a submit
that never answers 500. Fixtures: tests/fixtures (see the README there)."""

import re
from pathlib import Path

import pytest
from django.core.management import call_command

from openkreis.catalog.models import Service
from openkreis.forms import engine, integration, xdatenfelder
from openkreis.forms import services as forms
from openkreis.forms.models import Application, FormDefinition

FIXTURES = Path(__file__).parent / "fixtures"
ANTRAG = FIXTURES / "fim-antrag"
REAL = Path(__file__).resolve().parents[4] / "shared" / "data" / "fim"


def code_lists(folder: Path = ANTRAG) -> xdatenfelder.CodeLists:
    registry = xdatenfelder.CodeLists()
    for path in folder.glob("*_genericode.xml"):
        registry.add_file(path.read_bytes(), path.name)
    return registry


def parse_antrag(**kwargs):
    return xdatenfelder.parse((ANTRAG / "antrag-2.0.xml").read_bytes(), **kwargs)


def by_key(definition):
    return {path[-1]: f for path, f in engine.single_fields(definition)}


def test_applicant_roles_come_from_the_baukasten_ids_not_from_the_representative():
    definition, report = parse_antrag(code_lists=code_lists())
    fields = by_key(definition)
    roles = {f["applicant"]: key for key, f in fields.items() if f.get("applicant")}
    # the representative's F60000227/F60000228 (optional group) come first in the file
    assert roles["last_name"] == "familienname_2" and roles["first_name"] == "vornamen_2"
    assert fields["familienname_2"]["prefill"] == "last_name"
    assert fields["familienname"].get("applicant") is None
    assert {roles[r] for r in ("street", "house_number", "postcode", "city")} == {
        "strasse",
        "hausnummer",
        "postleitzahl",
        "ort",
    }
    assert fields["e_mail"]["type"] == "email" and fields["e_mail"]["prefill"] == "email"
    assert report.applicant["last_name"] == "Familienname"


def test_an_employer_is_the_applicant_by_its_organisation_name():
    definition, report = xdatenfelder.parse((FIXTURES / "arbeitgeber-2.0.xml").read_bytes())
    fields = by_key(definition)
    assert fields["eingetragener_name_organisationsname"]["applicant"] == "company_name"
    # first and last name of one person (the contact), never mixed with the employee's
    assert fields["familienname"]["applicant"] == "last_name"
    assert fields["vornamen"]["applicant"] == "first_name"
    assert "applicant" not in fields["vornamen_2"]


def test_name_heuristics_when_the_schema_has_its_own_ids():
    definition, _report = xdatenfelder.parse(
        (Path(__file__).parent / "xdf" / "wohngeld-2.0.xml").read_bytes()
    )
    fields = by_key(definition)
    assert fields["familienname"]["applicant"] == "last_name"
    # the fixture gives the date of birth an id that is "Vornamen" in the Baukasten:
    # the type decides, the name maps it
    assert fields["geburtsdatum"]["applicant"] == "birth_date"
    member = next(
        f for p in definition["pages"] for f in p["fields"] if f["key"] == "haushaltsmitglied"
    )
    assert not any("applicant" in sub for sub in member["fields"])  # repeated: not the applicant


def test_a_form_without_a_name_field_is_refused_at_import_with_the_reason():
    xml = (ANTRAG / "antrag-2.0.xml").read_text()
    for ident in ("F60000227", "F60000228"):
        xml = xml.replace(f"<xdf:id>{ident}</xdf:id>", "<xdf:id>F99999999</xdf:id>")
    xml = xml.replace("<xdf:name>Familienname</xdf:name>", "<xdf:name>Kennung</xdf:name>")
    definition, report = xdatenfelder.parse(xml.encode())
    assert definition is None
    assert any("Namen der antragstellenden Person" in n for n in report.notes)


def test_code_lists_become_options_and_free_text_is_refused():
    definition, report = parse_antrag(code_lists=code_lists())
    state = by_key(definition)["staat"]
    assert state["type"] == "choice" and state["widget"] == "select"
    assert state["options"][0] == {
        "value": "000",
        "label": {"de": "Deutschland", "en": "Deutschland"},
    }
    assert engine.check_value(state, "Testeingabe") == [
        "Bitte wählen Sie eine der angebotenen Optionen."
    ]
    assert engine.check_value(state, "121") == []
    represented = by_key(definition)["vertretung_durch_gesetzlichen_vertreter_oder_bevol"]
    assert represented["widget"] == "radio" and len(represented["options"]) == 3
    assert report.code_lists_used == {
        "urn:de:bund:destatis:bevoelkerungsstatistik:schluessel:staat",
        "urn:de:fim:codeliste:gesetzlichervertreterbevollmächtigter",
    }
    assert "2 imported / 0 missing" in report.summary()


def test_a_missing_code_list_is_named_and_another_version_is_used_with_a_note():
    definition, report = parse_antrag()
    assert by_key(definition)["staat"]["type"] == "text"
    assert any("C60000020" in n and "Codeliste" in n for n in report.notes)
    assert len(report.code_lists_missing) == 2
    registry = code_lists()
    old = (ANTRAG / "C60000020_genericode.xml").read_bytes().replace(b"2021-02-19", b"2019-01-01")
    registry = xdatenfelder.CodeLists()
    registry.add_file(old)
    _definition, report = parse_antrag(code_lists=registry)
    assert any("Version 2021-02-19 fehlt; Version 2019-01-01" in n for n in report.notes)


def test_genericode_reader_takes_the_key_columns_and_refuses_other_files():
    staat = xdatenfelder.read_genericode((ANTRAG / "C60000020_genericode.xml").read_bytes())
    assert staat.version == "2021-02-19" and staat.rows[1] == ("121", "Albanien")
    assert xdatenfelder.read_genericode(b"<x/>") is None
    assert xdatenfelder.read_genericode(b"not xml") is None


# --- in the database -------------------------------------------------------------------


def fill(app, **answers):
    app.data = answers
    app.save(update_fields=["data"])


@pytest.mark.django_db
def test_fim_form_prefills_from_the_account_and_becomes_a_case(fim_service, harz, anna, citizen):
    form, report = forms.import_xdatenfelder(
        harz,
        (ANTRAG / "antrag-2.0.xml").read_bytes(),
        key="fim-antrag",
        service_slug=fim_service.slug,
        code_lists=code_lists(),
    )
    assert form is not None, report.notes
    citizen.email = "anna@example.org"
    citizen.save()
    app = forms.start_application(citizen, fim_service)
    assert app.data["familienname_2"] == "Berg" and app.data["vornamen_2"] == "Anna"
    assert app.data["e_mail"] == "anna@example.org"
    fill(
        app,
        vertretung_durch_gesetzlichen_vertreter_oder_bevol="001",
        familienname_2="Berg",
        vornamen_2="Anna",
        staat="121",
        anschrift_inland_strassenanschrift={
            "strasse": "Markt",
            "hausnummer": "1a",
            "postleitzahl": "38820",
            "ort": "Halberstadt",
        },
    )
    app = forms.submit(app, str(app.idempotency_key))
    assert app.status == Application.Status.SUBMITTED
    case = integration.case_of(app)
    assert case.applicant_name == "Anna Berg"
    summary = {a["label"]: a["value"] for p in case.data["summary"] for a in p["answers"]}
    assert summary["Staatsangehörigkeit"] == "Albanien"


@pytest.mark.django_db
def test_submit_without_any_name_is_a_message_not_a_server_error(fim_service, harz, anna, citizen):
    form, _report = forms.import_xdatenfelder(
        harz,
        (FIXTURES / "arbeitgeber-2.0.xml").read_bytes(),
        key="fim-arbeitgeber",
        service_slug=fim_service.slug,
    )
    citizen.first_name = citizen.last_name = ""
    citizen.save()
    app = forms.start_application(citizen, fim_service)
    # a draft from before the import mapped the name: no answer carries a name
    definition = dict(form.definition)
    for _path, f in engine.single_fields(definition):
        f.pop("applicant", None)
        f.pop("prefill", None)
    FormDefinition.objects.filter(pk=form.pk).update(definition=definition)
    app.form_version.definition = definition  # the draft's own version
    app.form_version.save()
    app.refresh_from_db()
    fill(
        app,
        eingetragener_name_organisationsname="Muster GmbH",
        ansprechpartner_ohne_funktion_einverstaendnis_e_ma={"familienname": "Kern"},
        familienname_2="Roth",
        vornamen_2="Lena",
    )
    response = anna.post(
        f"/antrag/a/{app.public_id}/absenden/", {"idempotency_key": str(app.idempotency_key)}
    )
    assert response.status_code == 400
    assert "Ihr Name fehlt" in response.content.decode()
    app.refresh_from_db()
    assert app.status == Application.Status.DRAFT


@pytest.mark.django_db
def test_an_error_of_the_eakte_is_a_message_not_a_server_error(
    fim_service, harz, anna, citizen, monkeypatch
):
    forms.import_xdatenfelder(
        harz,
        (FIXTURES / "arbeitgeber-2.0.xml").read_bytes(),
        key="fim-arbeitgeber",
        service_slug=fim_service.slug,
    )
    app = forms.start_application(citizen, fim_service)
    fill(
        app,
        eingetragener_name_organisationsname="Muster GmbH",
        ansprechpartner_ohne_funktion_einverstaendnis_e_ma={"familienname": "Kern"},
        familienname_2="Roth",
        vornamen_2="Lena",
    )

    def refuse(*args, **kwargs):
        raise integration.CaseError("Für diese Leistung ist keine Stelle zuständig.")

    monkeypatch.setattr(integration, "create_case", refuse)
    response = anna.post(
        f"/antrag/a/{app.public_id}/absenden/", {"idempotency_key": str(app.idempotency_key)}
    )
    assert response.status_code == 400
    assert "keine Stelle zuständig" in response.content.decode()


@pytest.mark.django_db
def test_the_employer_becomes_the_case_applicant(fim_service, harz, citizen):
    forms.import_xdatenfelder(
        harz,
        (FIXTURES / "arbeitgeber-2.0.xml").read_bytes(),
        key="fim-arbeitgeber",
        service_slug=fim_service.slug,
    )
    app = forms.start_application(citizen, fim_service)
    fill(
        app,
        eingetragener_name_organisationsname="Muster GmbH",
        ansprechpartner_ohne_funktion_einverstaendnis_e_ma={"familienname": "Kern"},
        familienname_2="Roth",
        vornamen_2="Lena",
    )
    app = forms.submit(app, str(app.idempotency_key))
    assert integration.case_of(app).applicant_name == "Muster GmbH"


@pytest.mark.django_db
def test_files_over_the_size_limit_are_refused_with_the_size(harz_forms, harz):
    form, report = forms.import_xdatenfelder(harz, b"<" + b"x" * (11 * 1024 * 1024))
    assert form is None
    assert "11.0 MB" in report.notes[0] and "höchstens 10 MB" in report.notes[0]


@pytest.mark.django_db
def test_the_county_code_list_folder_is_used(harz_forms, harz, settings, tmp_path):
    settings.OPENKREIS_TENANTS_DIR = tmp_path
    (tmp_path / "harz" / "codelisten").mkdir(parents=True)
    for path in ANTRAG.glob("*_genericode.xml"):
        (tmp_path / "harz" / "codelisten" / path.name).write_bytes(path.read_bytes())
    form, report = forms.import_xdatenfelder(
        harz, (ANTRAG / "antrag-2.0.xml").read_bytes(), key="fim-antrag"
    )
    assert form is not None and not report.code_lists_missing


@pytest.mark.django_db
def test_command_reads_the_code_lists_beside_the_schema(harz_forms, capsys):
    call_command("import_xdatenfelder", str(ANTRAG / "antrag-2.0.xml"), "--key", "fim-antrag")
    out = capsys.readouterr().out
    assert "code lists 2 imported / 0 missing" in out and "last_name: Familienname" in out


@pytest.mark.django_db
@pytest.mark.skipif(not REAL.is_dir(), reason="the published FIM schemas are not here")
@pytest.mark.parametrize(
    ("folder", "expected"),
    [("S00000094V1.0_xdf2", "company_name"), ("S00000246v1.1_xdf2", "last_name")],
)
def test_the_published_schemas_import_with_an_applicant(harz_forms, capsys, folder, expected):
    schema = next(p for p in (REAL / folder).glob("S*.xml"))
    call_command("import_xdatenfelder", str(schema), "--key", f"fim-{folder[:9].lower()}")
    out = capsys.readouterr().out
    assert "missing" in out and f"{expected}:" in out
    assert "0 missing" in out


# --- cardinality, optional groups, rules ---------------------------------------------------


def test_a_required_if_rule_becomes_a_condition_and_the_optional_group_is_asked_for():
    definition, report = parse_antrag(code_lists=code_lists())
    page = definition["pages"][0]
    keys = [f["key"] for f in page["fields"]]
    # the group asks for itself ("Wird die antragstellende Person vertreten?"): no extra
    # question; the representative's group only for codes 002/004, then required
    assert keys == [
        "vertretung_durch_gesetzlichen_vertreter_oder_bevol",
        "gesetzlicher_vertreter_natuerliche_person_wenig",
    ]
    person = page["fields"][1]
    assert person["show_if"] == {
        "field": "vertretung_durch_gesetzlichen_vertreter_oder_bevol",
        "in": ["002", "004"],
    }
    assert person["required"] is True
    assert report.rules_translated == 1 and report.rules_not_translated == 1
    assert any("R00000001" in n and "Hinweis Gebühr" in n for n in report.notes)
    # "Nein": the group's required names do not apply, and answers to it are dropped
    data = {"vertretung_durch_gesetzlichen_vertreter_oder_bevol": "001"}
    assert not [p for p in engine.validate_all(definition, data) if p[0] == page["key"]]
    data["vertretung_durch_gesetzlichen_vertreter_oder_bevol"] = "002"
    assert [p[1] for p in engine.validate_all(definition, data) if p[0] == page["key"]] == [
        "gesetzlicher_vertreter_natuerliche_person_wenig"
    ]


def test_an_optional_group_without_a_rule_gets_a_question_first():
    xml = (ANTRAG / "antrag-2.0.xml").read_text()
    # drop the rule: the optional group G60000224 is then asked for with yes/no
    start, end = xml.index("<xdf:regel><xdf:identifikation><xdf:id>R60000057"), None
    end = xml.index("</xdf:regel>", start) + len("</xdf:regel>")
    definition, _report = xdatenfelder.parse((xml[:start] + xml[end:]).encode())
    fields = {f["label"]["de"]: f for f in definition["pages"][0]["fields"]}
    question = fields["Möchten Sie Angaben machen zu: Vertretende Person?"]
    assert question["widget"] == "radio" and question["required"]
    group = fields["Vertretende Person"]
    assert group["show_if"]["all"][1] == {"field": question["key"], "equals": "ja"}
    # the top-level group [0:1] has two questions now, so it is asked for as well
    outer = fields["Möchten Sie Angaben machen zu: Vertretung?"]
    data = {
        outer["key"]: "ja",
        "vertretung_durch_gesetzlichen_vertreter_oder_bevol": "001",
        question["key"]: "nein",
    }
    page = definition["pages"][0]["key"]
    assert not [p for p in engine.validate_all(definition, data) if p[0] == page]


def test_field_cardinality_becomes_a_repeatable_entry():
    xml = (ANTRAG / "antrag-2.0.xml").read_text()
    xml = xml.replace(
        "<xdf:anzahl>0:1</xdf:anzahl><xdf:bezug></xdf:bezug><xdf:enthaelt><xdf:datenfeld>"
        "<xdf:identifikation><xdf:id>F60000242",
        "<xdf:anzahl>2:5</xdf:anzahl><xdf:bezug></xdf:bezug><xdf:enthaelt><xdf:datenfeld>"
        "<xdf:identifikation><xdf:id>F60000242",
    )
    definition, _report = xdatenfelder.parse(xml.encode())
    mail = next(f for f in definition["pages"][1]["fields"] if f["key"] == "e_mail")
    assert mail["type"] == "group" and mail["repeat"] == {"min": 2, "max": 5}
    assert mail["fields"][0]["required"] is True
    assert engine.check_value(mail, [{"wert": "a@example.org"}])  # at least two


@pytest.mark.django_db
def test_a_page_with_files_only_inside_a_group_is_sent_as_multipart(fim_service, harz, anna):
    xml = (ANTRAG / "antrag-2.0.xml").read_text()
    # the e-mail field becomes a document inside the street-address group's page group
    xml = xml.replace(
        '<code>text</code></xdf:datentyp><xdf:praezisierung>{"minLength":"1","maxLength":"11"}',
        '<code>file</code></xdf:datentyp><xdf:praezisierung>{"minLength":"1","maxLength":"11"}',
    )
    form, report = forms.import_xdatenfelder(
        harz, xml.encode(), key="fim-upload", service_slug=fim_service.slug
    )
    assert form is not None, report.notes
    group = by_key(form.definition)["hausnummer"]
    assert group["type"] == "file"
    response = anna.post(f"/antrag/{fim_service.slug}/")
    app = Application.objects.filter(form=form).latest("pk")
    page = form.definition["pages"][1]["key"]
    html = anna.get(f"/antrag/a/{app.public_id}/seite/{page}/").content.decode()
    assert response.status_code == 302 and 'enctype="multipart/form-data"' in html


@pytest.mark.django_db
def test_reimport_under_the_same_key_keeps_the_service(fim_service, harz):
    xml = (ANTRAG / "antrag-2.0.xml").read_bytes()
    form, _ = forms.import_xdatenfelder(harz, xml, key="fim-antrag", service_slug=fim_service.slug)
    again, report = forms.import_xdatenfelder(harz, xml.replace(b"1.1<", b"1.2<"), key="fim-antrag")
    assert again.pk == form.pk and again.service_id == fim_service.pk
    assert any("bleibt der Leistung" in n for n in report.notes)
    assert forms.form_for_service(fim_service) == again


def test_xsd_unicode_categories_become_python_patterns():
    assert xdatenfelder.xsd_pattern(r"\p{L}+") == r"[^\W\d_]+"
    pattern = xdatenfelder.xsd_pattern(r"[\p{L} \-']+")
    assert re.fullmatch(pattern, "Müller-Lüdenscheidt") and not re.fullmatch(pattern, "R2D2")
    xml = (ANTRAG / "antrag-2.0.xml").read_text()
    xml = xml.replace('{"minLength":"1","maxLength":"55"}', r'{"pattern":"[\\p{L} .\\-]+"}')
    definition, report = xdatenfelder.parse(xml.encode())
    street = by_key(definition)["strasse"]
    assert engine.check_value(street, "Breiter Weg") == []
    assert engine.check_value(street, "Weg 1") == ["Die Eingabe hat nicht das erwartete Format."]
    assert not any("kein gültiger regulärer Ausdruck" in n for n in report.notes)


def test_a_whole_number_field_does_not_suggest_decimals():
    year = {"key": "jahr", "type": "number", "label": {"de": "Jahr"}, "decimals": 0}
    assert (
        engine._convert(year, "zwanzig")[1]
        == "Bitte geben Sie eine ganze Zahl ein, zum Beispiel 12."
    )
    amount = dict(year, decimals=2, label={"de": "Betrag"})
    assert "12,50" in engine._convert(amount, "zwanzig")[1]


@pytest.mark.django_db
def test_an_imported_form_is_offered_on_its_service_page(client, fim_service, harz):
    """Issue 15.1: the page said "Formular online, Abgabe auf Papier" and did not link the
    form imported for the service."""
    Service.objects.filter(pk=fim_service.pk).update(online_url="", maturity=2)
    url, link = f"/leistungen/{fim_service.slug}/", f'href="/antrag/{fim_service.slug}/"'
    before = client.get(url).content.decode()
    assert link not in before and "Formular online, Abgabe auf Papier" in before
    form, report = forms.import_xdatenfelder(
        harz,
        (ANTRAG / "antrag-2.0.xml").read_bytes(),
        key="fim-antrag",
        service_slug=fim_service.slug,
        code_lists=code_lists(),
    )
    assert form is not None, report.notes
    html = client.get(url).content.decode()
    assert link in html and "Formular online, Abgabe auf Papier" not in html
