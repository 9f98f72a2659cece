"""Pages from the FIM structure (issue 15.1): a page per top-level group, split when long
("… (Teil 2)"), a group never cut, a yes/no question kept with what it asks for, no empty
conditional page, no two pages with the same title; groups render as fieldsets with a
legend."""

import pytest

from openkreis.forms import engine, xdatenfelder
from openkreis.forms.schema import normalise
from openkreis.forms.xdatenfelder import PAGE_INPUTS, _split_pages

from .test_fim_import import ANTRAG, code_lists


def text(key, **extra):
    return {"key": key, "type": "text", "label": key.title(), "required": True, **extra}


def group(key, n):
    return {
        "key": key,
        "type": "group",
        "label": f"Gruppe {key}",
        "required": True,
        "fields": [text(f"{key}_{i}") for i in range(n)],
    }


def inputs(page):
    return sum(len(f.get("fields", [f])) for f in page["fields"])


def test_a_long_page_is_split_at_group_boundaries_with_part_titles():
    question = {
        "key": "frage",
        "type": "choice",
        "label": "Möchten Sie Angaben machen?",
        "required": True,
        "options": [{"value": "ja", "label": "Ja"}, {"value": "nein", "label": "Nein"}],
    }
    fields = [
        *(text(f"feld_{i}") for i in range(8)),
        group("anschrift", 6),
        question,
        dict(group("vertretung", 5), show_if={"field": "frage", "equals": "ja"}),
        dict(group("weitere", 4), show_if={"field": "frage", "equals": "ja"}),
    ]
    pages = _split_pages([{"key": "angaben-antrag", "title": "Angaben", "fields": fields}])
    assert [p["title"] for p in pages] == [
        "Angaben (Teil 1)",
        "Angaben (Teil 2)",
        "Angaben (Teil 3)",
    ]
    assert all(inputs(p) <= PAGE_INPUTS for p in pages)
    # the group is whole on one page; the question stays with the first group it asks for
    assert [f["key"] for f in pages[1]["fields"]] == ["anschrift", "frage", "vertretung"]
    # a part with only conditional fields is a conditional page: never empty
    assert pages[2]["show_if"] == {"field": "frage", "equals": "ja"}
    assert "show_if" not in pages[1]
    definition = normalise({"key": "t", "title": "T", "pages": pages})
    data = {"frage": "nein"}
    assert [p["key"] for p in engine.visible_pages(definition, data)] == [
        "angaben-antrag-1",
        "angaben-antrag-2",
    ]


def test_a_group_longer_than_a_page_stays_whole_and_titles_are_never_repeated():
    pages = _split_pages(
        [
            {"key": "a", "title": "Angaben", "fields": [group("gross", 20)]},
            {"key": "b", "title": "Angaben", "fields": [text("x")]},
            {"key": "c", "title": "Angaben", "fields": [text("y")]},
        ]
    )
    assert len(pages) == 3 and inputs(pages[0]) == 20
    assert [p["title"] for p in pages] == ["Angaben", "Angaben (2)", "Angaben (3)"]


def test_the_fixture_pages_carry_the_group_names():
    definition, _report = xdatenfelder.parse(
        (ANTRAG / "antrag-2.0.xml").read_bytes(), code_lists=code_lists()
    )
    titles = [p["title"]["de"] for p in definition["pages"]]
    assert titles == ["Vertretung", "Persönliche Daten der antragstellenden Person"]


@pytest.mark.django_db
def test_a_group_is_a_fieldset_with_its_legend(fim_service, harz, anna):
    from openkreis.forms import services as forms
    from openkreis.forms.models import Application

    form, _report = forms.import_xdatenfelder(
        harz,
        (ANTRAG / "antrag-2.0.xml").read_bytes(),
        key="fim-antrag",
        service_slug=fim_service.slug,
        code_lists=code_lists(),
    )
    anna.post(f"/antrag/{fim_service.slug}/")
    app = Application.objects.filter(form=form).latest("pk")
    page = form.definition["pages"][1]["key"]
    html = anna.get(f"/antrag/a/{app.public_id}/seite/{page}/").content.decode()
    assert '<fieldset class="field group' in html
    assert '<legend class="legend">Straßenanschrift</legend>' in html


def test_fields_merged_from_sub_groups_that_read_alike_name_their_group():
    """'Postleitzahl' and 'Ort' twice in one fieldset without context (issue 15.1)."""
    from openkreis.forms.xdatenfelder import _distinct

    members = [
        dict(text("plz"), label="Postleitzahl", _from="Straßenanschrift"),
        dict(text("ort"), label="Ort", _from="Straßenanschrift"),
        dict(text("plz_2"), label="Postleitzahl", _from="Postfachanschrift"),
        dict(text("ort_2"), label="Ort", _from="Postfachanschrift"),
        dict(text("postfach"), label="Postfach", _from="Postfachanschrift"),
    ]
    assert [m["label"] for m in _distinct(members)] == [
        "Postleitzahl (Straßenanschrift)",
        "Ort (Straßenanschrift)",
        "Postleitzahl (Postfachanschrift)",
        "Ort (Postfachanschrift)",
        "Postfach",
    ]
    assert not any("_from" in m for m in members)


def test_a_message_of_a_field_in_a_group_is_shown_once():
    from openkreis.forms import binding

    group = normalise(
        {
            "key": "t",
            "title": "T",
            "pages": [
                {
                    "key": "p",
                    "title": "P",
                    "fields": [
                        {
                            "key": "nachweise",
                            "type": "group",
                            "label": "Nachweise",
                            "required": True,
                            "fields": [
                                {"key": "datei", "type": "file", "label": "Datei", "required": True}
                            ],
                        }
                    ],
                }
            ],
        }
    )["pages"][0]["fields"][0]
    errors = {"f-nachweise-datei": "Bitte laden Sie eine Datei hoch."}
    bound = binding.bind(group, "f-nachweise", None, None, errors, {}, {"nachweise": group})
    assert bound["error"] == ""
    assert bound["items"][0]["fields"][0]["error"] == "Bitte laden Sie eine Datei hoch."
