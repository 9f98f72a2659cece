"""The desk at a million cases (issue 26, bench/cases.py): a tab's count is capped, the pages
make a fixed number of queries however many cases, documents or units there are, and the
staff gate reads roles and units once per request."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from openkreis.cases import views
from openkreis.core import staff
from openkreis.core.models import OrgUnit
from openkreis.core.testing import login_staff, make_staff

from .factories import CaseFactory, DocumentVersionFactory

pytestmark = pytest.mark.django_db

LICENCE = "fahrerlaubnis-ersterteilung"  # cases of the Fahrerlaubnisbehörde


@pytest.fixture
def desk(client, harz):
    user, secret = make_staff("sb-skala", "fahrerlaubnisbehoerde", "caseworker")
    login_staff(client, user, secret)
    return user


def queries(client, url) -> int:
    client.get(url)  # the steady state: the first request after the login updates the session
    with CaptureQueriesContext(connection) as captured:
        assert client.get(url).status_code == 200
    return len(captured.captured_queries)


def test_a_long_tab_counts_to_the_cap_and_says_more_than(client, desk, monkeypatch):
    monkeypatch.setattr(views.CappedPaginator, "COUNT_CAP", 25)
    cases = CaseFactory.create_batch(30, slug=LICENCE)
    html = client.get("/sachbearbeitung/?tab=new").content.decode()
    assert "of more than 1" in html or "von mehr als 1" in html
    assert 'seite=2"' in html
    page2 = client.get("/sachbearbeitung/?tab=new&seite=2").content.decode()
    shown = [c for c in cases if f">{c.file_number}<" in page2]
    assert len(shown) == 5  # the cases after the first 25, not one case over the cap


def test_a_short_tab_keeps_its_exact_page_count(client, desk):
    CaseFactory.create_batch(27, slug=LICENCE)
    html = client.get("/sachbearbeitung/?tab=new").content.decode()
    assert "more than" not in html and "mehr als" not in html
    assert "2" in html.split('class="pagination"')[1].split("</nav>")[0]


def test_the_inbox_makes_the_same_queries_for_3_and_25_cases(client, desk):
    CaseFactory.create_batch(3, slug=LICENCE, assignee=desk)
    few = queries(client, "/sachbearbeitung/?tab=new")
    CaseFactory.create_batch(22, slug=LICENCE, assignee=desk)
    assert queries(client, "/sachbearbeitung/?tab=new") == few


def test_the_case_page_makes_the_same_queries_for_1_and_6_documents_and_more_units(client, desk):
    case = CaseFactory(slug=LICENCE)
    DocumentVersionFactory(document__case=case)
    url = f"/sachbearbeitung/vorgang/{case.pk}/"
    one = queries(client, url)
    for _n in range(5):
        DocumentVersionFactory(document__case=case)
    parent = OrgUnit.objects.get(key="fahrerlaubnisbehoerde")
    for n in range(5):  # the hand-over form lists every unit with its organisation
        OrgUnit.objects.create(
            organisation=parent.organisation, parent=parent, key=f"skala-{n}", name=f"Skala {n}"
        )
    assert queries(client, url) == one


def test_the_staff_gate_reads_units_once_and_forgets_them_after_the_request(client, desk):
    outside = staff.unit_ids_for(desk, ["caseworker"])
    assert outside  # the unit and its sub-units
    with CaptureQueriesContext(connection) as captured:
        client.get("/sachbearbeitung/")
    membership_reads = [
        q for q in captured.captured_queries if 'FROM "core_staffmembership"' in q["sql"]
    ]
    assert len(membership_reads) == 1
    assert not hasattr(desk, staff.SNAPSHOT)


def test_unit_ids_inside_a_staff_request_are_the_ones_outside(desk):
    expected = {roles: staff.unit_ids_for(desk, roles) for roles in (None, ("caseworker",))}
    staff._take_snapshot(desk)
    try:
        for roles, units in expected.items():
            assert staff.unit_ids_for(desk, roles) == units
        assert staff.unit_ids_for(desk, ("auditor",)) == set()
        assert staff.has_role(desk, "caseworker") and not staff.has_role(desk, "auditor")
    finally:
        delattr(desk, staff.SNAPSHOT)
