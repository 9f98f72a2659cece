"""Job search: only open postings, filters, words, distance from a municipality or a
position (bounding box, then the exact distance), paging, and the search page."""

import datetime as dt

import pytest
from django.utils import timezone

from openkreis.core.models import Event
from openkreis.jobs.models import Job
from openkreis.jobs.search import search

from .factories import (
    HALBERSTADT_PLZ,
    QUEDLINBURG_PLZ,
    THALE_PLZ,
    WERNIGERODE_PLZ,
    employer_company,
    job_field,
    posting,
)

pytestmark = pytest.mark.django_db
WERNIGERODE = (51.8333, 10.7833)


@pytest.fixture
def board_jobs():
    user, _company, employer = employer_company(name="Zimmerei Quelltopf")
    field = job_field()
    jobs = {
        "wr": posting(employer, user, title="Zimmerer Quelltopf WR", postcode=WERNIGERODE_PLZ),
        "hbs": posting(
            employer,
            user,
            title="Azubi Quelltopf HBS",
            kind=Job.Kind.APPRENTICESHIP,
            postcode=HALBERSTADT_PLZ,
            town="Halberstadt",
            field=field,
        ),
        "thale": posting(
            employer,
            user,
            title="Teilzeit Quelltopf Thale",
            hours="part",
            postcode=THALE_PLZ,
            town="Thale",
        ),
        "qlb": posting(
            employer,
            user,
            title="Flexibel Quelltopf QLB",
            hours="either",
            postcode=QUEDLINBURG_PLZ,
            town="Quedlinburg",
        ),
        "draft": posting(employer, user, title="Entwurf Quelltopf", status="draft"),
        "submitted": posting(employer, user, title="Wartet Quelltopf", status="submitted"),
        "expired": posting(employer, user, title="Alt Quelltopf"),
    }
    Job.objects.filter(pk=jobs["expired"].pk).update(
        valid_through=timezone.localdate() - dt.timedelta(days=1)
    )
    return jobs


def _titles(jobs):
    return {j.title for j in jobs}


def test_only_open_postings(board_jobs):
    found, total = search(q="quelltopf")
    assert total == 4
    assert _titles(found) == {board_jobs[k].title for k in ("wr", "hbs", "thale", "qlb")}


def test_filters(board_jobs):
    assert _titles(search(q="quelltopf", kind="ausbildung")[0]) == {board_jobs["hbs"].title}
    assert _titles(search(q="quelltopf", field="j2-handwerk")[0]) == {board_jobs["hbs"].title}
    # part time: part-time postings and those open to full or part time
    assert _titles(search(q="quelltopf", hours="part")[0]) == {
        board_jobs["thale"].title,
        board_jobs["qlb"].title,
    }
    # every word must match (title, description or the employer's name)
    assert _titles(search(q="Zimmerei azubi")[0]) == {board_jobs["hbs"].title}
    assert search(q="quelltopf nirgendwo")[1] == 0


def test_distance_nearest_first(board_jobs):
    found, total = search(q="quelltopf", lat=WERNIGERODE[0], lon=WERNIGERODE[1], radius_km=25)
    # Wernigerode 0 km, Halberstadt ~19 km, Thale ~18 km; Quedlinburg ~25.4 km is outside
    assert total == 3
    assert found[0].title == board_jobs["wr"].title
    assert found[0].distance_km == 0.0
    assert [j.distance_km for j in found] == sorted(j.distance_km for j in found)
    assert board_jobs["qlb"].title not in _titles(found)
    wide, _ = search(q="quelltopf", lat=WERNIGERODE[0], lon=WERNIGERODE[1], radius_km=50)
    assert board_jobs["qlb"].title in _titles(wide)


def test_paging(board_jobs):
    first, total = search(q="quelltopf", limit=3)
    second, _ = search(q="quelltopf", limit=3, offset=3)
    assert total == 4 and len(first) == 3 and len(second) == 1
    assert not _titles(first) & _titles(second)
    near1, t1 = search(q="quelltopf", lat=51.9, lon=11.05, radius_km=50, limit=2)
    near2, _ = search(q="quelltopf", lat=51.9, lon=11.05, radius_km=50, limit=2, offset=2)
    assert t1 == 4 and not _titles(near1) & _titles(near2)


def test_two_queries_at_most(board_jobs, django_assert_max_num_queries):
    with django_assert_max_num_queries(2):
        search(kind="job")
    with django_assert_max_num_queries(3):  # and one for the employers' names
        search(q="quelltopf zimmerei")
    with django_assert_max_num_queries(2):
        search(lat=WERNIGERODE[0], lon=WERNIGERODE[1], radius_km=25)


def test_search_page_without_javascript(client, board_jobs):
    response = client.get(
        "/bildung-arbeit/jobs/", {"q": "quelltopf", "gemeinde": "150850370370", "umkreis": "25"}
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert board_jobs["wr"].title in html
    assert board_jobs["qlb"].title not in html
    assert board_jobs["draft"].title not in html
    event = Event.objects.filter(kind="jobs.searched").latest("pk")
    assert event.data == {"kind": "", "hours": "", "near": True, "results": 3}


def test_search_page_bad_input_is_400(client):
    response = client.get("/bildung-arbeit/jobs/", {"art": "kapitaen", "umkreis": "7"})
    assert response.status_code == 400
    assert client.get("/bildung-arbeit/jobs/", {"seite": "x"}).status_code == 200
    assert client.get("/bildung-arbeit/jobs/").status_code == 200


def test_search_page_paginates(client, board_jobs):
    from openkreis.jobs import views_board

    views_board.PAGE_SIZE, old = 2, views_board.PAGE_SIZE
    try:
        first = client.get("/bildung-arbeit/jobs/", {"q": "quelltopf"}).content.decode()
        second = client.get("/bildung-arbeit/jobs/", {"q": "quelltopf", "seite": "2"})
    finally:
        views_board.PAGE_SIZE = old
    assert "seite=2" in first
    assert second.status_code == 200


def test_distance_in_sql_is_core_geo_distance(board_jobs):
    from openkreis.core.geo import distance_m

    here = (51.79, 10.95)
    found, total = search(q="quelltopf", lat=here[0], lon=here[1], radius_km=100)
    assert total == 4
    for job in found:
        assert job.distance_km == round(distance_m(*here, job.lat, job.lon) / 1000, 1)
