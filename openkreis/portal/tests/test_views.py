"""Portal pages: home, search, service page with competence finder, bad input, languages."""

import datetime as dt

import pytest

from openkreis.catalog.tests.factories import ServiceFactory
from openkreis.core.models import Event
from openkreis.portal.models import HomePage

from .factories import ContentPageFactory, LifeEventPageFactory, NewsPageFactory, content_page

pytestmark = pytest.mark.django_db


def test_home_shows_search_top_services_life_events_and_offices(client, harz):
    response = client.get("/")
    assert response.status_code == 200
    html = response.content.decode()
    assert 'lang="de"' in html and 'role="search"' in html and 'href="#main"' in html
    assert "Häufig gebraucht" in html
    assert "Ich ziehe um" in html
    for town in ("Halberstadt", "Wernigerode", "Quedlinburg"):
        assert town in html
    assert len(response.context["top_services"]) == 8


def test_home_offers_booking_and_every_page_the_accessible_versions(client, harz):
    html = client.get("/").content.decode()
    assert html.count('href="/termine/"') == 2  # main navigation and the home page's own section
    assert "Termin buchen" in html
    for url in ("/", "/leistungen/", "/suche/?q=Hund"):
        page = client.get(url).content.decode()
        assert 'href="/leichte-sprache/" lang="de">Leichte Sprache</a>' in page
        assert 'href="/gebaerdensprache/" lang="de">Gebärdensprache</a>' in page


def test_next_to_the_search_the_assistant_answers_in_ones_own_words(client, harz):
    for url in ("/", "/suche/?q=Hund", "/suche/?q=einhornsattel"):
        html = client.get(url).content.decode()
        assert 'href="/frag-den-landkreis/">Lieber in eigenen Worten fragen' in html, url
    assert client.get("/frag-den-landkreis/").status_code == 200


def test_home_leads_to_the_countys_digital_services(client, harz):
    html = client.get("/").content.decode()
    assert "Digitale Dienste des Landkreises" in html
    for href, text in (
        ("/maengelmelder/melden/", "Mangel melden"),
        ("/kita/freie-plaetze/", "Kita-Platz finden"),
        ("/freie-termine/arzttermine/", "Freie Arzttermine"),
        ("/beteiligung/", "Mitreden"),
        ("/hatix/ausflug/", "Ausflug mit dem Bus"),
    ):
        assert f'href="{href}">{text}</a>' in html
    english = client.get("/en/").content.decode()
    assert 'href="/en/beteiligung/">Have your say</a>' in english


def test_search_page_without_javascript(client, harz):
    response = client.get("/suche/", {"q": "Führerschein"})
    assert response.status_code == 200
    results = response.context["results"]
    assert results[0].slug == "fahrerlaubnis-ersterteilung"
    assert "Führerschein" in response.content.decode()


def test_search_is_logged_without_personal_data(client, harz):
    client.get(
        "/suche/", {"q": "Hundesteuer max@example.org 0170 1234567"}, REMOTE_ADDR="203.0.113.9"
    )
    event = Event.objects.filter(kind="portal.search").latest("id")
    assert "@" not in event.data["query"] and "0170" not in event.data["query"]
    assert "203.0.113.9" not in str(event.data)
    assert set(event.data) == {"query", "results", "top"}


def test_zero_result_search_is_helpful_and_logged(client, harz):
    response = client.get("/suche/", {"q": "xylophonunterricht"})
    assert response.status_code == 200
    assert response.context["total"] == 0
    assert response.context["suggestions"]
    assert Event.objects.filter(kind="portal.search", data__results=0).exists()


def test_service_page_shows_competent_office_for_municipality(client, harz):
    response = client.get("/leistungen/wohnsitz-anmelden/", {"gemeinde": "15085370"})
    assert response.status_code == 200
    answer = response.context["answers"][0]
    assert answer.organisation.region.name == "Wernigerode"
    html = response.content.decode()
    assert "Zuständig für Wernigerode" in html
    assert "Öffnungszeiten" in html


def test_service_view_is_logged_once_per_visit_without_personal_data(client, harz):
    before = Event.objects.filter(kind="portal.service_viewed").count()
    client.get("/leistungen/kfz-zulassung/", REMOTE_ADDR="203.0.113.9")
    client.get("/leistungen/kfz-zulassung/", {"gemeinde": "15085370"})  # same visit, a choice
    events = Event.objects.filter(kind="portal.service_viewed").order_by("id")[before:]
    assert [e.data for e in events] == [{"service": "kfz-zulassung"}]
    assert events[0].subject == ""


def test_service_page_by_postcode_asks_when_shared(client, harz):
    response = client.get("/leistungen/kfz-zulassung/", {"plz": "06493"})
    assert response.status_code == 200
    assert {r.name for r in response.context["choices"]} >= {"Ballenstedt", "Harzgerode"}
    response = client.get("/leistungen/kfz-zulassung/", {"plz": "38820"})
    assert response.context["answers"][0].organisation.key == "lra-harz"


@pytest.mark.parametrize(
    ("params", "status", "text"),
    [
        ({"plz": "12"}, 400, "genau 5 Ziffern"),
        ({"plz": "abcde"}, 400, "genau 5 Ziffern"),
        ({"gemeinde": "99999999"}, 400, "Bitte prüfen Sie Ihre Eingabe"),
        ({"plz": "10115"}, 200, "gehört nicht zum Landkreis Harz"),
        ({"plz": "", "gemeinde": ""}, 200, "Wo muss ich hin?"),
    ],
)
def test_service_page_bad_place_input(client, harz, params, status, text):
    response = client.get("/leistungen/wohnsitz-anmelden/", params)
    assert response.status_code == status
    assert text in response.content.decode()


@pytest.mark.parametrize(
    "url",
    ["/leistungen/gibt-es-nicht/", "/leistungen/%00/", "/standorte/nirgendwo/", "/gibt/es/nicht/"],
)
def test_unknown_pages_are_friendly_404(client, harz, url):
    response = client.get(url)
    assert response.status_code == 404
    assert "Wir finden diese Seite nicht" in response.content.decode()


@pytest.mark.parametrize(
    "query",
    [
        "x" * 10000,
        "%%%%",
        "' OR 1=1 --",
        "<script>alert(1)</script>",
        "\x00\x01\x02",
        "😀😀😀",
        "ä" * 300,
        "   ",
        "a b c d e f g h i j k l m n o p",
    ],
)
def test_odd_search_strings_never_500(client, harz, query):
    response = client.get("/suche/", {"q": query})
    assert response.status_code == 200
    assert "<script>alert(1)</script>" not in response.content.decode()


def test_service_list_filters_by_topic_and_rejects_unknown(client, harz):
    response = client.get("/leistungen/", {"thema": "mobilitaet-reisen"})
    assert response.status_code == 200
    assert all(s.ozg_topic == "mobilitaet-reisen" for s in response.context["page"].object_list)
    assert client.get("/leistungen/", {"thema": "kochen"}).status_code == 400
    assert client.get("/leistungen/", {"seite": "999999"}).status_code == 200


def test_english_translation_and_language_switch(client, harz):
    response = client.get("/en/leistungen/kfz-zulassung/")
    assert response.status_code == 200
    html = response.content.decode()
    assert 'lang="en"' in html and "Where do I go?" in html
    # The switch form sends the path without its language prefix.
    assert 'name="next" type="hidden" value="/leistungen/kfz-zulassung/"' in html
    to_german = client.post("/i18n/setlang/", {"language": "de", "next": "/leistungen/"})
    assert to_german.status_code == 302 and to_german["Location"] == "/leistungen/"
    to_english = client.post("/i18n/setlang/", {"language": "en", "next": "/leistungen/"})
    assert to_english["Location"] == "/en/leistungen/"


def test_location_page(client, harz):
    response = client.get("/standorte/lra-halberstadt/")
    assert response.status_code == 200
    assert "Friedrich-Ebert-Straße 42" in response.content.decode()


def test_editorial_pages_exist(client, harz):
    for path in (
        "/impressum/",
        "/datenschutz/",
        "/barrierefreiheit/",
        "/lebenslagen/",
        "/aktuelles/",
        "/lebenslagen/umzug/",
    ):
        assert client.get(path).status_code == 200, path
    page = client.get("/lebenslagen/umzug/")
    assert any(s.slug == "wohnsitz-anmelden" for s in page.context["services"])


def test_a_new_content_page_is_served_under_its_parent(client, harz):
    help_page = content_page(HomePage.objects.get(), title="Hilfe zur Barrierefreiheit")
    child = ContentPageFactory(parent=help_page, title="Leichte Sprache")
    response = client.get("/hilfe-zur-barrierefreiheit/leichte-sprache/")
    assert response.status_code == 200
    assert child.title in response.content.decode()


def test_a_life_event_page_lists_the_services_of_its_life_event(client, harz):
    page = LifeEventPageFactory(life_event__name="Ich gründe einen Verein")
    service = ServiceFactory(name="Vereinsregister-Auskunft", life_events=[page.life_event])
    response = client.get(f"/lebenslagen/{page.slug}/")
    assert response.status_code == 200
    assert list(response.context["services"]) == [service]
    assert "Vereinsregister-Auskunft" in response.content.decode()


def test_a_draft_news_item_is_not_on_the_home_page(client, harz):
    live = NewsPageFactory(title="Neue Öffnungszeiten", date=dt.date(2099, 1, 1))
    draft = NewsPageFactory(title="Noch geheim", date=dt.date(2099, 1, 2), live=False)
    news = list(client.get("/").context["news"])
    assert live in news and draft not in news
