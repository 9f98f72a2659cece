"""Authorisation as a table: (anonymous, citizen, member of company A, member of company B,
moderator, jobcenter, manager) × (create a posting for A, edit A's posting, see A's draft,
moderate A's submitted posting, post as the Jobcenter, the employers' home page, withdraw
A's posting). Another company's posting is a 404, as if it did not exist."""

import pytest
from django.core.cache import cache

from openkreis.core.testing import login_as
from openkreis.jobs.models import Job

from .factories import employer_company, person, posting

OK, LOGIN = "allowed", "login"
STAFF = {
    "moderator": ("wirtschaftsfoerderung", ["job_moderator"]),
    "jobcenter": ("wirtschaftsfoerderung", ["jobcenter"]),
    "manager": ("wirtschaftsfoerderung", ["manager"]),
}
PAGES = [
    ("create", "get", "/bildung-arbeit/stellenanzeigen/{company}/neu/"),
    ("edit own", "get", "/bildung-arbeit/stellenanzeigen/stelle/{job}/"),
    ("edit other company's", "get", "/bildung-arbeit/stellenanzeigen/stelle/{other}/"),
    ("see draft", "get", "/bildung-arbeit/jobs/{draft}/"),
    ("moderate", "get", "/bildung-arbeit/moderation/stelle/{submitted}/"),
    ("moderate post", "post", "/bildung-arbeit/moderation/stelle/{submitted}/"),
    ("post as jobcenter", "get", "/bildung-arbeit/moderation/jobcenter/neu/"),
    ("moderation home", "get", "/bildung-arbeit/moderation/"),
    ("employer home", "get", "/bildung-arbeit/stellenanzeigen/"),
    ("withdraw", "post", "/bildung-arbeit/stellenanzeigen/stelle/{job}/zurueckziehen/"),
]
TABLE = {
    #              create edit  other draft  mod   modpost jc     modhome home  withdraw
    "anonymous": [LOGIN, LOGIN, LOGIN, 404, LOGIN, LOGIN, LOGIN, LOGIN, LOGIN, LOGIN],
    "citizen": [404, 404, 404, 404, 403, 403, 403, 403, 403, 404],
    "member_a": [OK, OK, 404, OK, 403, 403, 403, 403, OK, OK],
    "member_b": [404, 404, OK, 404, 403, 403, 403, 403, OK, 404],
    "moderator": [404, 404, 404, OK, OK, OK, 403, OK, 403, 404],
    "jobcenter": [404, 404, 404, 404, 403, 403, OK, OK, 403, 404],
    "manager": [404, 404, 404, 404, 403, 403, 403, 403, 403, 404],
}


@pytest.fixture(autouse=True)
def _clear_cache():
    cache.clear()


def _outcome(response):
    if response.status_code == 302 and "/konto/login/" in response["Location"]:
        return LOGIN
    if response.status_code in (200, 302):
        return OK
    return response.status_code


@pytest.mark.django_db
@pytest.mark.parametrize("role", list(TABLE))
def test_authorisation_table(client, role):
    user_a, company_a, employer_a = employer_company("member-a", "Betrieb A")
    user_b, _company_b, employer_b = employer_company("member-b", "Betrieb B")
    job = posting(employer_a, user_a, status="published")
    draft = posting(employer_a, user_a, status="draft")
    submitted = posting(employer_a, user_a, status="submitted")
    other = posting(employer_b, user_b, status="published")
    if role == "member_a":
        client.force_login(user_a)
    elif role == "member_b":
        client.force_login(user_b)
    elif role == "citizen":
        client.force_login(person("citizen"))
    else:
        login_as(client, role, STAFF)
    values = {
        "company": company_a.public_id,
        "job": job.key,
        "other": other.key,
        "draft": draft.key,
        "submitted": submitted.key,
    }
    outcomes = []
    for _name, method, url in PAGES:
        data = {"action": "accept"} if "moderation/stelle" in url else {}
        outcomes.append(_outcome(getattr(client, method)(url.format(**values), data)))
    names = [p[0] for p in PAGES]
    assert dict(zip(names, outcomes, strict=True)) == dict(zip(names, TABLE[role], strict=True))
    # nothing changed for those who may not
    submitted.refresh_from_db()
    job.refresh_from_db()
    assert (submitted.status == Job.Status.PUBLISHED) == (role == "moderator")
    assert (job.status == Job.Status.WITHDRAWN) == (role == "member_a")
