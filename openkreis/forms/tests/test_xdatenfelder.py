"""FIM XDatenfelder 2.0 / 3.0 import: structure, field types, rules and unknown elements in
the report, broken files never crash."""

from pathlib import Path

import pytest
from django.core.management import call_command
from hypothesis import given, settings
from hypothesis import strategies as st

from openkreis.forms import services as forms
from openkreis.forms import xdatenfelder
from openkreis.forms.models import FormDefinition

HERE = Path(__file__).parent / "xdf"


def fields_of(definition):
    return {f["key"]: f for p in definition["pages"] for f in p["fields"]}


def test_version_2_structure_and_types():
    definition, report = xdatenfelder.parse((HERE / "wohngeld-2.0.xml").read_bytes())
    assert report.version == "2.0" and report.schema_id == "S60000011"
    assert definition["title"]["de"] == "Wohngeld als Mietzuschuss beantragen"
    assert [p["key"] for p in definition["pages"]] == [
        "angaben-zur-antragstellenden-person",
        "haushaltsmitglied",
        "weitere-angaben",  # fields outside any group: not three pages titled "Angaben"
    ]
    fields = fields_of(definition)
    assert fields["familienname"]["type"] == "text" and fields["familienname"]["required"]
    assert fields["familienname"]["max_length"] == 120 and fields["familienname"]["min_length"] == 1
    assert fields["familienname"]["help"]["de"] == "Wie im Ausweis"
    assert fields["geburtsdatum"]["type"] == "date"
    assert fields["staatsangehoerigkeit"]["required"] is False
    address = fields["anschrift_inland"]
    assert address["type"] == "group" and [s["key"] for s in address["fields"]] == [
        "strasse",
        "postleitzahl",
    ]
    assert address["fields"][1]["pattern"] == "[0-9]{5}"
    member = fields["haushaltsmitglied"]
    assert member["repeat"] == {"min": 0, "max": 50}  # "0:*": not capped at ten
    income = member["fields"][1]
    assert income["type"] == "number" and income["decimals"] == 2 and income["max"] == 50000
    assert fields["gesamteinkommen"]["decimals"] == 0
    assert [o["value"] for o in fields["zustimmung"]["options"]] == ["true", "false"]
    notes = "\n".join(report.notes)
    assert "Regel R60000037" in notes and "Codeliste" in notes
    assert "<zukunftsElement>" in notes and "'label'" in notes


def test_version_3_attributes_values_and_files():
    definition, report = xdatenfelder.parse((HERE / "gewerbe-3.0.xml").read_bytes())
    assert report.version == "3.0"
    fields = fields_of(definition)
    assert fields["betriebsname"]["min_length"] == 2 and fields["betriebsname"]["max_length"] == 150
    assert [o["value"] for o in fields["rechtsform"]["options"]] == ["EU", "GMBH", "GBR"]
    assert fields["rechtsform"]["options"][1]["label"]["de"] == "GmbH"
    assert fields["beschaeftigte"]["min"] == 0 and fields["beschaeftigte"]["max"] == 10000
    assert fields["erlaubnis"]["type"] == "file" and fields["erlaubnis"]["max_files"] == 3
    assert fields["oeffnungszeit"]["type"] == "text"
    assert any("<unbekannterBaustein>" in n for n in report.notes)
    assert any("'time'" in n for n in report.notes)


@pytest.mark.parametrize(
    ("content", "reason"),
    [
        ((HERE / "broken.xml").read_bytes(), "kein gültiges XML"),
        (b"", "kein gültiges XML"),
        (b"<a xmlns='urn:other'/>", "Unbekannter Namensraum"),
        (b"<x:a xmlns:x='urn:xoev-de:fim:standard:xdatenfelder_2'/>", "Kein <stammdatenschema>"),
        (
            b"<x:stammdatenschema xmlns:x='urn:xoev-de:fim:standard:xdatenfelder_2'>"
            b"<x:name>n</x:name></x:stammdatenschema>",
            "Keine übernehmbaren Felder",
        ),
        (
            b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "aaaa"><!ENTITY b "&a;&a;">]><x>&b;</x>',
            "kein gültiges XML",
        ),
    ],
)
def test_broken_files_give_a_report_not_a_crash(content, reason):
    definition, report = xdatenfelder.parse(content)
    assert definition is None
    assert any(reason in n for n in report.notes), report.notes


@settings(max_examples=60, deadline=None)
@given(st.binary(max_size=300))
def test_random_bytes_never_crash(content):
    definition, report = xdatenfelder.parse(content)
    assert definition is None or definition["pages"]


def test_imported_form_is_stored_and_usable(harz_forms, harz, anna):
    form, report = forms.import_xdatenfelder(
        harz, (HERE / "gewerbe-3.0.xml").read_bytes(), key="fim-gewerbe", service_slug=""
    )
    assert form is not None and form.source == FormDefinition.Source.XDATENFELDER
    again, _ = forms.import_xdatenfelder(
        harz, (HERE / "gewerbe-3.0.xml").read_bytes(), key="fim-gewerbe"
    )
    assert again.pk == form.pk and FormDefinition.objects.filter(key="fim-gewerbe").count() == 1
    nothing, report = forms.import_xdatenfelder(harz, (HERE / "broken.xml").read_bytes())
    assert nothing is None and report.notes


def test_import_command_prints_the_report(harz_forms, capsys):
    call_command("import_xdatenfelder", str(HERE / "wohngeld-2.0.xml"), "--key", "fim-wohngeld")
    out = capsys.readouterr().out
    assert "XDatenfelder 2.0 S60000011" in out and "Regel R60000037" in out
    assert FormDefinition.objects.filter(key="fim-wohngeld").exists()
    with pytest.raises(Exception, match="Nothing imported"):
        call_command("import_xdatenfelder", str(HERE / "broken.xml"))
