"""Language of parts (WCAG 3.1.2): English pages mark the county's German text as German.

The editorial pages and most of the catalogue exist only in German. On /en/ such text is
marked lang="de" (screen readers switch voice, browsers hyphenate it as German); text that
has its English version is not marked, and German pages mark nothing."""

import re

import pytest

from openkreis.catalog.tests.factories import ServiceFactory

pytestmark = pytest.mark.django_db


def tag(html: str, pattern: str) -> str:
    """The opening tag of the first element matching `pattern` (a regex on the tag)."""
    match = re.search(r"<" + pattern + r"[^>]*>", html)
    assert match, pattern
    return match.group(0)


def test_english_imprint_marks_its_german_body(client, harz):
    html = client.get("/en/impressum/").content.decode()
    assert '<html lang="en">' in html
    assert tag(html, r'article class="prose"') == '<article class="prose" lang="de">'
    german = client.get("/impressum/").content.decode()
    assert tag(german, r'article class="prose"') == '<article class="prose">'


def test_english_service_page_marks_only_what_has_no_translation(client, harz):
    untranslated = ServiceFactory(
        name="Grundstücksverkehrsgenehmigung",
        summary="Genehmigung für den Verkauf land- und forstwirtschaftlicher Flächen.",
        description="Wer Acker oder Wald verkauft, braucht eine Genehmigung.",
        fees="Gebühr nach Kostentarif.",
    )
    translated = ServiceFactory(
        name="Hundesteuer anmelden",
        name_en="Register dog tax",
        summary="Hund bei der Gemeinde anmelden.",
        summary_en="Register your dog with the municipality.",
        description="Jeder Hund ist steuerpflichtig.",
    )
    html = client.get(f"/en/leistungen/{untranslated.slug}/").content.decode()
    assert tag(html, "h1") == '<h1 lang="de">'
    assert tag(html, 'p class="lead"') == '<p class="lead" lang="de">'
    assert tag(html, 'p class="service-description"') == '<p class="service-description" lang="de">'
    assert re.search(r'<p lang="de">Gebühr nach Kostentarif\.</p>', html)

    html = client.get(f"/en/leistungen/{translated.slug}/").content.decode()
    assert tag(html, "h1") == "<h1>" and "Register dog tax" in html
    assert tag(html, 'p class="lead"') == '<p class="lead">'
    # the description has no English version: still German, still marked
    assert tag(html, 'p class="service-description"') == '<p class="service-description" lang="de">'
    # no fees: the English fallback sentence is English
    assert "<p>Please ask the responsible office.</p>" in html

    # in German, German needs no mark
    html = client.get(f"/leistungen/{untranslated.slug}/").content.decode()
    assert tag(html, "h1") == "<h1>" and 'lang="de"' not in html.split("<main", 1)[1]


def test_english_lists_mark_untranslated_names(client, harz):
    ServiceFactory(name="Zzz Fischereischein", summary="Angeln erlaubt.", popularity=1)
    html = client.get("/en/suche/", {"q": "Fischereischein"}).content.decode()
    assert re.search(r'<a href="/en/leistungen/[\w-]+/" lang="de">Zzz Fischereischein</a>', html)
    assert '<p lang="de">Angeln erlaubt.</p>' in html
    html = client.get("/en/suche/", {"q": "Reisepass"}).content.decode()
    assert re.search(r'<a href="/en/leistungen/reisepass[\w-]*/">', html)  # has name_en


def test_english_life_event_page_marks_its_german_intro(client, harz):
    from openkreis.portal.models import LifeEventPage

    page = LifeEventPage.objects.get(slug="umzug")
    page.intro = "<p>Beim Umzug denken Sie an die Ummeldung.</p>"
    page.save()
    main = client.get("/en/lebenslagen/umzug/").content.decode().split("<main", 1)[1]
    assert "<h1>" in main  # the life event has its English name
    assert '<div lang="de"><p>Beim Umzug' in main
    main = client.get("/lebenslagen/umzug/").content.decode().split("<main", 1)[1]
    assert "<div><p>Beim Umzug" in main and 'lang="de"' not in main


def test_lang_of_follows_the_active_language(harz):
    from django.utils import translation

    service = ServiceFactory(name="Jagdschein", name_en="", summary_en="Hunting licence.")
    with translation.override("en"):
        assert service.lang_of("name") == "de"
        assert service.lang_of("summary") == ""
    with translation.override("de"):
        assert service.lang_of("name") == ""
