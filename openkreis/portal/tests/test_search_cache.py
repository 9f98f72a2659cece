"""The search results page's cached fragment and the batched search log (docs/scaling.md,
"Search results page")."""

import time

import pytest
from django.db import connection
from django.test.signals import template_rendered
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from openkreis.catalog.models import Service
from openkreis.core.models import Event
from openkreis.core.services import forget_cached_tenant
from openkreis.portal import views

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def empty_fragments():
    # fragments and pages are emptied for every test by the root conftest
    views._catalogue_stamps.clear()


def _service_queries(ctx) -> list[str]:
    return [q["sql"] for q in ctx.captured_queries if '"catalog_service"' in q["sql"]]


def test_a_repeated_search_reads_no_service_and_shows_the_same(client, harz):
    first = client.get("/suche/", {"q": "Führerschein"})
    with CaptureQueriesContext(connection) as ctx:
        second = client.get("/suche/", {"q": "Führerschein"})
    assert second.status_code == 200
    # only the catalogue's version (an aggregate), no service rows
    assert all("MAX(" in q.upper() for q in _service_queries(ctx))
    slug = first.context["results"][0].slug
    assert f'href="/leistungen/{slug}/"' in second.content.decode()

    def main(r):
        return r.content.decode().split("<main", 1)[1]

    assert (
        main(first).split('name="csrfmiddlewaretoken"')[0]
        == main(second).split('name="csrfmiddlewaretoken"')[0]
    )
    # every search is still logged for the cockpit, also when the fragment came from the cache
    assert Event.objects.filter(kind="portal.search").count() == 2


def test_a_changed_service_is_shown_at_once(client, harz):
    html = client.get("/suche/", {"q": "Führerschein"}).content.decode()
    service = Service.objects.get(slug="fahrerlaubnis-ersterteilung")
    assert service.name in html
    service.name = "Führerschein zum ersten Mal (neu)"
    service.save()
    html = client.get("/suche/", {"q": "Führerschein"}).content.decode()
    assert "Führerschein zum ersten Mal (neu)" in html


def test_the_language_is_part_of_the_key(client, harz):
    german = client.get("/suche/", {"q": "Reisepass"}).content.decode()
    english = client.get("/en/suche/", {"q": "Reisepass"}).content.decode()
    assert 'href="/leistungen/reisepass' in german
    assert 'href="/en/leistungen/reisepass' in english


def test_the_search_log_in_batches(client, harz, settings):
    settings.OPENKREIS_SEARCH_LOG_BATCH_SECONDS = 3600
    views._search_log_since[0] = time.monotonic()
    before = Event.objects.filter(kind="portal.search").count()
    start = timezone.now()
    client.get("/suche/", {"q": "Hundesteuer"})
    client.get("/suche/", {"q": "Reisepass"})
    searched = timezone.now()
    assert Event.objects.filter(kind="portal.search").count() == before  # not yet
    time.sleep(0.01)
    views._flush_search_log()
    logged = list(Event.objects.filter(kind="portal.search").order_by("id"))
    assert [e.data["query"] for e in logged][-2:] == ["hundesteuer", "reisepass"]
    # each with the time of its search, not of the batch's write
    first, second = logged[-2:]
    assert start <= first.occurred_at <= second.occurred_at <= searched
    assert first.tenant == second.tenant == harz.slug


# -- the whole page for visitors who are not logged in -------------------------------------------
def _token(html: str) -> str:
    return html.split('name="csrfmiddlewaretoken" value="', 1)[1].split('"', 1)[0]


def test_the_page_is_rendered_once_and_each_visitor_gets_a_token_of_their_own(harz):
    from django.test import Client

    rendered = []
    template_rendered.connect(lambda sender, **kw: rendered.append(kw["template"].name), weak=False)
    try:
        first, second = Client(enforce_csrf_checks=True), Client(enforce_csrf_checks=True)
        a = first.get("/suche/", {"q": "Führerschein"})
        count = len(rendered)
        b = second.get("/suche/", {"q": "Führerschein"})
        assert len(rendered) == count  # nothing rendered for the second visitor
    finally:
        template_rendered.receivers.clear()
    html_a, html_b = a.content.decode(), b.content.decode()
    assert _token(html_a) != _token(html_b) and views._CSRF_SLOT not in html_a + html_b
    assert html_a.replace(_token(html_a), "") == html_b.replace(_token(html_b), "")
    # each token works for its visitor's language switch, and only for that visitor
    switch = {"language": "en", "next": "/suche/?q=F%C3%BChrerschein"}
    assert (
        second.post("/i18n/setlang/", {**switch, "csrfmiddlewaretoken": _token(html_b)}).status_code
        == 302
    )
    assert (
        first.post("/i18n/setlang/", {**switch, "csrfmiddlewaretoken": _token(html_a)}).status_code
        == 302
    )
    third = Client(enforce_csrf_checks=True)
    third.get("/")
    assert (
        third.post("/i18n/setlang/", {**switch, "csrfmiddlewaretoken": _token(html_a)}).status_code
        == 403
    )


def test_languages_and_users_never_get_another_visitors_page(client, harz, django_user_model):
    citizen_user = django_user_model.objects.create_user("buergerin", "b@example.org", "x" * 16)
    german = client.get("/suche/", {"q": "Reisepass"}).content.decode()
    english = client.get("/en/suche/", {"q": "Reisepass"}).content.decode()
    assert 'lang="de"' in german and "Services A–Z" not in german
    assert 'lang="en"' in english and "Services A–Z" in english
    assert "Anmelden" in client.get("/suche/", {"q": "Reisepass"}).content.decode()
    client.force_login(citizen_user)
    mine = client.get("/suche/", {"q": "Reisepass"}).content.decode()
    assert "Abmelden" in mine and "Mein Konto" in mine  # the citizen's own navigation
    client.logout()
    again = client.get("/suche/", {"q": "Reisepass"}).content.decode()
    assert "Mein Konto" not in again


def test_a_visit_with_a_message_gets_its_message(client, harz, rf):
    from django.contrib.messages import constants
    from django.contrib.messages.storage.base import Message
    from django.contrib.messages.storage.cookie import CookieStorage

    client.get("/suche/", {"q": "Reisepass"})  # the plain page is cached now
    # a message waiting for the next page, as a view that redirects here leaves it
    cookie = CookieStorage(rf.get("/"))._encode([Message(constants.SUCCESS, "Termin gebucht.")])
    client.cookies["messages"] = cookie
    with_message = client.get("/suche/", {"q": "Reisepass"}).content.decode()
    assert "Termin gebucht." in with_message
    assert "Termin gebucht." not in client.get("/suche/", {"q": "Reisepass"}).content.decode()


def test_a_renamed_county_is_in_the_page_at_once(client, harz):
    assert harz.name in client.get("/suche/", {"q": "Reisepass"}).content.decode()
    harz.name = "Landkreis Harz (neu)"
    harz.save()
    forget_cached_tenant()
    html = client.get("/suche/", {"q": "Reisepass"}).content.decode()
    assert "Landkreis Harz (neu)" in html.split("<footer", 1)[1]
    assert "Landkreis Harz (neu)" in html.split('class="brand"', 1)[1].split("</a>", 1)[0]
