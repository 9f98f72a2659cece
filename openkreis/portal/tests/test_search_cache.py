"""The search results page's cached fragment and the batched search log (docs/scaling.md,
"Search results page")."""

import time

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from openkreis.catalog.models import Service
from openkreis.core.models import Event
from openkreis.portal import views

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def empty_fragments():
    views._recent_fragments.clear()
    views._catalogue_stamps.clear()
    yield
    views._recent_fragments.clear()


def _service_queries(ctx) -> list[str]:
    return [q["sql"] for q in ctx.captured_queries if '"catalog_service"' in q["sql"]]


def test_a_repeated_search_reads_no_service_and_shows_the_same(client, harz):
    first = client.get("/suche/", {"q": "Führerschein"})
    with CaptureQueriesContext(connection) as ctx:
        second = client.get("/suche/", {"q": "Führerschein"})
    assert second.status_code == 200
    # only the catalogue's version (an aggregate), no service rows
    assert all("MAX(" in q.upper() for q in _service_queries(ctx))
    assert second.context["results"][0].slug == first.context["results"][0].slug

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
