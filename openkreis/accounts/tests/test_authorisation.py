"""Authorisation table: citizen A never sees B's drafts, cases, messages, documents or
companies — every URL and API with the other's ids; company members see only their own
company's. Anonymous requests are sent to the login (pages) or answered 403 (API)."""

import pytest
from django.urls import reverse

from openkreis.accounts import services
from openkreis.forms import services as forms

from .factories import AttachmentFactory, CitizenFactory, join_company, open_case_for


@pytest.fixture
def world(harz, settings):
    forms.load_forms(harz, settings.OPENKREIS_TENANTS_DIR / "harz")
    from openkreis.catalog.models import Service

    a = CitizenFactory(username="anna")
    b = CitizenFactory(username="bert")
    c = CitizenFactory(username="carla")  # member of B's company
    a_case = open_case_for(a)
    b_case = open_case_for(b)
    a_msg = AttachmentFactory(
        name="a.pdf",
        message__owner=a,
        message__subject="A",
        message__body="a",
        message__case_id=a_case.pk,
    ).message
    b_msg = AttachmentFactory(
        name="b.pdf",
        message__owner=b,
        message__subject="B",
        message__body="b",
        message__case_id=b_case.pk,
    ).message
    company = services.create_company(b, name="Kunz Bau GmbH")
    join_company(company, admin=b, user=c)
    services.file_for_company(b, company, b_case.pk)
    draft = forms.start_application(a, Service.objects.get(slug="aufenthaltskarte-eu"))
    return {
        "a": a,
        "b": b,
        "c": c,
        "a_msg": a_msg,
        "b_msg": b_msg,
        "a_att": a_msg.attachments.get(),
        "b_att": b_msg.attachments.get(),
        "company": company,
        "draft": draft,
    }


def urls(w, owner):
    msg, att = w[f"{owner}_msg"], w[f"{owner}_att"]
    return {
        "message": reverse("accounts:message", args=[msg.public_id]),
        "attachment": reverse("accounts:attachment", args=[att.public_id]),
        "api_message": f"/api/v1/accounts/messages/{msg.public_id}/",
        "company": reverse("accounts:company", args=[w["company"].public_id]),
    }


# (who, whose objects, which URL) -> status
TABLE = [
    ("a", "a", "message", 200),
    ("a", "a", "attachment", 200),
    ("a", "a", "api_message", 200),
    ("b", "a", "message", 404),
    ("b", "a", "attachment", 404),
    ("b", "a", "api_message", 404),
    ("a", "b", "message", 404),
    ("a", "b", "attachment", 404),
    ("a", "b", "api_message", 404),
    ("a", "b", "company", 404),  # not a member
    ("b", "b", "company", 200),
    ("c", "b", "company", 200),  # member of B's company
    ("c", "b", "message", 200),  # the company's mail
    ("c", "b", "attachment", 200),
    ("c", "b", "api_message", 200),
    ("c", "a", "message", 404),
    ("c", "a", "attachment", 404),
    ("c", "a", "api_message", 404),
    (None, "a", "message", 302),
    (None, "a", "attachment", 302),
    (None, "a", "api_message", 403),
    (None, "b", "company", 302),
]


@pytest.mark.parametrize("who,whose,name,expected", TABLE)
def test_object_urls(client, world, who, whose, name, expected):
    if who:
        client.force_login(world[who])
    response = client.get(urls(world, whose)[name])
    assert response.status_code == expected


def test_lists_show_only_own_and_company_messages(client, world):
    client.force_login(world["a"])
    ids = {m["id"] for m in client.get("/api/v1/accounts/messages/").json()["results"]}
    assert ids == {str(world["a_msg"].public_id)}
    html = client.get(reverse("accounts:mailbox")).content.decode()
    assert str(world["a_msg"].public_id) in html and str(world["b_msg"].public_id) not in html
    client.force_login(world["c"])
    ids = {m["id"] for m in client.get("/api/v1/accounts/messages/").json()["results"]}
    assert ids == {str(world["b_msg"].public_id)}


def test_replying_to_anothers_message_is_404_and_stores_nothing(client, world):
    from openkreis.accounts.models import Message

    client.force_login(world["a"])
    before = Message.objects.count()
    page = client.post(reverse("accounts:message", args=[world["b_msg"].public_id]), {"body": "x"})
    api = client.post(f"/api/v1/accounts/messages/{world['b_msg'].public_id}/reply/", {"body": "x"})
    assert page.status_code == 404 and api.status_code == 404
    assert Message.objects.count() == before


def test_others_drafts_and_cases_are_not_reachable(client, world):
    draft = world["draft"]
    client.force_login(world["b"])
    assert client.get(reverse("forms:resume", args=[draft.public_id])).status_code == 404
    assert client.get(f"/api/v1/forms/applications/{draft.public_id}/").status_code == 404
    export = client.get(reverse("accounts:data") + "?format=json").json()
    assert [a["id"] for a in export["applications"]] == []
    assert {c["file_number"] for c in export["cases"]} == {m.file_number for m in [world["b_msg"]]}


def test_only_the_company_admin_manages_members(client, world):
    company = world["company"]
    client.force_login(world["c"])
    url = reverse("accounts:company", args=[company.public_id])
    response = client.post(url, {"action": "add", "email": "anna@example.org", "role": "member"})
    assert response.status_code == 400
    assert "Administrator" in response.content.decode()
    assert not company.memberships.filter(user=world["a"]).exists()
    member = company.memberships.get(user=world["b"])
    response = client.post(url, {"action": "remove", "member": member.pk})
    assert response.status_code == 400
    assert company.memberships.count() == 2


def test_a_member_cannot_file_someone_elses_case_for_the_company(client, world):
    from openkreis.accounts.models import CompanyCase

    client.force_login(world["c"])
    a_case_id = world["a_msg"].case_id
    url = reverse("accounts:company", args=[world["company"].public_id])
    response = client.post(url, {"action": "file", "case": a_case_id})
    assert response.status_code == 400
    assert not CompanyCase.objects.filter(case_id=a_case_id).exists()


@pytest.mark.parametrize(
    "data",
    [
        {"action": "file", "case": "²"},
        {"action": "remove", "member": "²"},
        {"action": "file", "case": "99999999999999999999"},
    ],
)
def test_odd_ids_in_company_actions_are_a_400(client, world, data):
    """Issue 16 F6: `case=²` and `member=²` answered 500."""
    client.force_login(world["b"])
    url = reverse("accounts:company", args=[world["company"].public_id])
    assert client.post(url, data).status_code == 400


def test_csrf_is_enforced_on_the_mailbox(world):
    from django.test import Client

    client = Client(enforce_csrf_checks=True)
    client.force_login(world["a"])
    url = reverse("accounts:message", args=[world["a_msg"].public_id])
    assert client.post(url, {"body": "x"}).status_code == 403
    api = client.post(f"/api/v1/accounts/messages/{world['a_msg'].public_id}/reply/", {"body": "x"})
    assert api.status_code == 403
