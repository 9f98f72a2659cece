"""The public list counts only as far as it needs (views.BoundedPaginator): "Seite 2 von 5"
when the end is near, "Seite 1 von mehr als 3" when it is not, and a bad or too large page
number still gives the first or the last page."""

import pytest

from openkreis.reports import views
from openkreis.reports.models import Report

from .factories import ReportFactory


@pytest.fixture
def twelve():
    return [ReportFactory() for _ in range(12)]


def _paginator(number, pages_ahead=1):
    reports = Report.objects.order_by("-created_at", "-id")
    return views.BoundedPaginator(reports, 2, number, pages_ahead)


@pytest.mark.django_db
def test_counts_only_a_few_pages_ahead(twelve, django_assert_num_queries):
    paginator = _paginator("1")
    with django_assert_num_queries(2):  # the bounded count and the page
        page = paginator.get_page("1")
        assert len(page.object_list) == 2
    assert (paginator.count, paginator.num_pages, paginator.exact) == (4, 2, False)
    assert page.has_next()

    paginator = _paginator("5")  # pages 5 and 6 are the last: the count is exact
    page = paginator.get_page("5")
    assert (paginator.count, paginator.num_pages, paginator.exact) == (12, 6, True)
    assert [r.pk for r in page.object_list] == [r.pk for r in reversed(twelve)][8:10]


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("number", "expected"),
    [("99", 6), ("99999999999999999999999", 6), ("-1", 6), ("0", 6), ("x", 1), (None, 1)],
)
def test_bad_page_numbers_give_the_first_or_last_page(twelve, number, expected):
    paginator = _paginator(number)
    page = paginator.get_page(number)
    assert page.number == expected
    assert paginator.exact == (expected == 6)  # the first page counts only ahead


@pytest.mark.django_db
def test_list_page_says_more_than_when_it_did_not_count_to_the_end(client, monkeypatch, twelve):
    monkeypatch.setattr(views, "PAGE_SIZE", 2)
    monkeypatch.setattr(views, "PAGES_AHEAD", 1)
    html = client.get("/maengelmelder/").content.decode()
    assert "Seite 1 von mehr als 2" in html
    assert "seite=2" in html
    html = client.get("/maengelmelder/?seite=5").content.decode()
    assert "Seite 5 von 6" in html
    assert "seite=6" in html and "seite=4" in html
    html = client.get("/maengelmelder/?seite=6").content.decode()
    assert "Seite 6 von 6" in html
    html = client.get("/en/maengelmelder/?seite=1").content.decode()
    assert "Page 1 of more than 2" in html
