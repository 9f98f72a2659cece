"""'Meine Anträge' of an account with many cases (issue 26, bench/cases.py): the list reads
the cases' status for all rows at once — the same number of queries for 2 or 12 rows."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from openkreis.cases.tests.factories import CaseFactory, DocumentRequestFactory

from .factories import ApplicationFactory

pytestmark = pytest.mark.django_db

LICENCE = "fahrerlaubnis-ersterteilung"


def add_cases(citizen, n: int) -> list:
    """n online applications with their case, and n cases from the counter."""
    made = []
    for _i in range(n):
        case = CaseFactory(slug=LICENCE, applicant_user=citizen)
        ApplicationFactory(
            user=citizen,
            form_key=LICENCE,
            submitted=True,
            case_id=case.pk,
            file_number=case.file_number,
        )
        made += [case, CaseFactory(slug=LICENCE, applicant_user=citizen, channel="counter")]
    return made


def listing(client) -> tuple[str, int]:
    with CaptureQueriesContext(connection) as captured:
        response = client.get("/antrag/meine/")
    assert response.status_code == 200
    return response.content.decode(), len(captured.captured_queries)


def test_my_applications_make_the_same_queries_for_2_and_12_rows(harz_forms, anna, citizen):
    add_cases(citizen, 1)
    listing(anna)
    _html, few = listing(anna)
    cases = add_cases(citizen, 5)
    html, many = listing(anna)
    assert many == few
    for case in cases:
        assert case.file_number in html


def test_the_list_shows_each_cases_state_and_open_requests(harz_forms, anna, citizen):
    online, counter = add_cases(citizen, 1)
    DocumentRequestFactory(case=counter, items=["Sehtest"])
    DocumentRequestFactory(case=online, items=["Passbild"])
    html, _n = listing(anna)
    assert html.count("tag-action") == 2  # "Action needed" on both rows
    DocumentRequestFactory._meta.model.objects.update(fulfilled_at="2026-01-01T00:00:00Z")
    html, _n = listing(anna)
    assert "tag-action" not in html


def test_the_list_shows_25_rows_a_page_newest_first_and_pages_on(harz_forms, anna, citizen):
    made = add_cases(citizen, 14)  # 14 applications with their case + 14 counter cases: 28 rows
    html, _n = listing(anna)
    shown = [case for case in made if case.file_number in html]
    assert len(shown) == 25
    assert 'href="?seite=2"' in html and "?seite=0" not in html
    page2 = anna.get("/antrag/meine/", {"seite": "2"}).content.decode()
    rest = [case for case in made if case.file_number in page2]
    assert len(rest) == 3 and not set(rest) & set(shown)
    assert 'href="?seite=1"' in page2 and 'href="?seite=3"' not in page2
    newest = max(made, key=lambda case: case.received_at)
    assert newest in shown
    for odd in ("0", "-1", "x", "²", "999999999999999999999"):  # page 1, never an error
        assert anna.get("/antrag/meine/", {"seite": odd}).status_code == 200


def test_a_sent_application_says_when_it_was_sent_not_delivered(harz_forms, anna, citizen):
    """ "sent" is also a letter's state in the eAkte ("zugestellt"); whichever catalogue came
    first won. The application's date has its own context."""
    add_cases(citizen, 1)
    html, _n = listing(anna)
    assert "abgeschickt am" in html and "zugestellt" not in html
