"""Reading cases (services.queries): the desk's inbox tabs and search, scoped to the user's
units; the mail room's lookup; what a citizen sees about their own case."""

import datetime as dt

import pytest
from django.db import connection
from django.utils import timezone

from openkreis.cases import services
from openkreis.cases.models import AuditEntry, Case
from openkreis.core.tests.factories import StaffFactory, UserFactory

from .factories import CaseFactory, DocumentRequestFactory, DocumentVersionFactory

pytestmark = pytest.mark.django_db

LICENCE = "fahrerlaubnis-ersterteilung"  # cases of the Fahrerlaubnisbehörde


@pytest.fixture
def worker(harz):
    return StaffFactory(username="sb-lesen")


def test_inbox_tabs_sort_the_units_cases_by_where_they_stand(worker):
    new = CaseFactory(slug=LICENCE)
    mine = CaseFactory(slug=LICENCE, state="in_progress", assignee=worker)
    waiting = CaseFactory(slug=LICENCE, state="waiting")
    overdue = CaseFactory(slug=LICENCE, target_at=timezone.now() - dt.timedelta(days=1))
    done = CaseFactory(slug=LICENCE, decided=True)
    elsewhere = CaseFactory(slug="hilfe-zum-lebensunterhalt")  # the Sozialamt's
    tabs = {tab: set(services.inbox(worker, tab)) for tab in ("new", "mine", "waiting", "done")}
    assert tabs == {
        "new": {new, overdue},
        "mine": {mine},
        "waiting": {waiting},
        "done": {done},
    }
    assert set(services.inbox(worker, "overdue")) == {overdue}
    assert elsewhere not in services.visible_cases(worker)


def test_staff_search_finds_file_number_name_and_document_text_in_own_units_only(worker):
    case = CaseFactory(slug=LICENCE, applicant_name="Jan Nowak")
    DocumentVersionFactory(document__case=case, text="Sehtest bestanden, Kennwort Zitronenfalter")
    CaseFactory(slug="hilfe-zum-lebensunterhalt", applicant_name="Jan Nowak")  # the Sozialamt's
    assert list(services.find_cases(worker, case.file_number)) == [case]
    assert list(services.find_cases(worker, "nowak")) == [case]
    assert list(services.find_cases(worker, "Zitronenfalter")) == [case]
    assert list(services.find_cases(worker, "   ")) == []


def test_a_word_in_the_documents_is_found_in_its_forms_and_all_words_must_match(worker):
    case = CaseFactory(slug=LICENCE)
    DocumentVersionFactory(document__case=case, text="Antrag auf Förderung einer Wärmepumpe")
    other = CaseFactory(slug=LICENCE)
    DocumentVersionFactory(document__case=other, text="Förderung einer Solaranlage")
    assert list(services.find_cases(worker, "Wärmepumpe")) == [case]
    if connection.vendor == "postgresql":  # German stemming; SQLite (`make run`) has none
        assert list(services.find_cases(worker, "Wärmepumpen")) == [case]
    assert set(services.find_cases(worker, "Förderung")) == {case, other}
    assert list(services.find_cases(worker, "Förderung Solaranlage")) == [other]
    assert list(services.find_cases(worker, "Förderung Windrad")) == []
    assert list(services.find_cases(worker, "' & !:* |")) == []  # no word: nothing, no error


@pytest.mark.parametrize("plan", [True, False, None])
def test_parts_of_file_numbers_are_found_whichever_way_the_table_is_read(worker, monkeypatch, plan):
    """A common part is read from the table in order, a rare one through the trigram index
    (`_common_in_numbers`); the answer must be the same."""
    from openkreis.cases.services import queries

    monkeypatch.setattr(queries, "_common_in_numbers", lambda query: plan)
    cases = [CaseFactory(slug=LICENCE) for _n in range(3)]
    elsewhere = CaseFactory(slug="hilfe-zum-lebensunterhalt")
    tail = cases[1].file_number[-5:]
    assert cases[1] in services.find_cases(worker, tail)
    assert elsewhere not in services.find_cases(worker, elsewhere.file_number[-5:])
    shared = cases[0].file_number.rsplit("-", 1)[0]  # plan item and year: all three
    assert set(cases) <= set(services.find_cases(worker, shared))
    assert list(services.find_cases(worker, cases[2].file_number)) == [cases[2]]  # exact


def test_a_broad_search_stops_at_the_cap_and_says_so(worker):
    for _n in range(3):
        CaseFactory(slug=LICENCE, applicant_name="Erika Häufig")
    for _n in range(3):  # other units' matches neither show nor count towards the cap
        CaseFactory(slug="hilfe-zum-lebensunterhalt", applicant_name="Erika Häufig")
    full = services.search_cases(worker, "Häufig", cap=3)
    assert full.cases.count() == 3 and not full.truncated
    capped = services.search_cases(worker, "Häufig", cap=2)
    assert capped.cases.count() == 2 and capped.truncated
    assert {c.org_unit_id for c in capped.cases} == {full.cases[0].org_unit_id}
    assert not services.search_cases(worker, "Niemand", cap=2).truncated


def test_a_very_long_text_with_many_distinct_words_can_be_stored_and_searched(worker):
    """PostgreSQL refuses a tsvector whose distinct words exceed 1 MB ("string is too long for
    tsvector"); the full-text index reads the first 500,000 characters (migration 0011), so a
    long OCR text is stored, and its words up to there are found."""
    words = [f"w{n:07x}q" for n in range(130_000)]  # 1.3 M characters, every word different
    case = CaseFactory(slug=LICENCE)
    DocumentVersionFactory(document__case=case, text="Grenzfall " + " ".join(words))
    assert list(services.find_cases(worker, "Grenzfall")) == [case]


def test_a_read_by_staff_is_audited_and_other_units_cases_do_not_exist(worker):
    case = CaseFactory(slug=LICENCE)
    other = CaseFactory(slug="hilfe-zum-lebensunterhalt")
    assert services.get_case_for_staff(worker, case.pk) == case
    assert AuditEntry.objects.filter(
        action="case.read", actor="sb-lesen", case_ref=case.file_number
    ).exists()
    with pytest.raises(Case.DoesNotExist):
        services.get_case_for_staff(worker, other.pk)


def test_the_mail_room_finds_open_cases_first_in_every_unit(harz):
    decided = CaseFactory(slug=LICENCE, applicant_name="Greta Briefschreiber", decided=True)
    open_case = CaseFactory(slug="hilfe-zum-lebensunterhalt", applicant_name="Greta Briefschreiber")
    assert services.find_cases_for_filing("Briefschreiber") == [open_case, decided]
    assert services.find_cases_for_filing("Gr") == []  # too short to choose from


def test_the_citizen_sees_plain_language_status_open_requests_and_own_cases_only(harz):
    citizen, neighbour = UserFactory(), UserFactory()
    request = DocumentRequestFactory(
        case__slug=LICENCE, case__applicant_user=citizen, items=["Sehtest", "Passbild"]
    )
    case = request.case
    status = services.citizen_status(case)
    assert status["label"] == "Wartet auf Unterlagen"
    assert status["requests"] == [
        {
            "id": request.pk,
            "items": ["Sehtest", "Passbild"],
            "deadline": request.deadline,
            "message": "",
        }
    ]
    assert status["office"] == case.org_unit and status["decided"] is False
    assert list(services.cases_for_applicant(citizen)) == [case]
    assert list(services.cases_for_applicant(neighbour)) == []
