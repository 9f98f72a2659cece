"""Authorisation as a table: a host's members see only their company's accommodations,
stays and tickets (another host's: 404, as if they did not exist); the guest's wallet only
by its access key; the guest levy office only with the role ticket_office (and TOTP)."""

import pytest
from django.core.cache import cache

from openkreis.core.testing import login_as
from openkreis.tickets import services
from openkreis.tickets.models import Ticket

from .factories import accommodation, host, member, stay

OK, LOGIN = "allowed", "login"
STAFF = {
    "office": ("wirtschaftsfoerderung", ["ticket_office"]),
    "inspector": ("wirtschaftsfoerderung", ["ticket_inspector"]),
    "caseworker": ("ordnungsamt-kreis", ["caseworker"]),
}
# pages of host A's things and the office: (name, method, url template)
PAGES = [
    ("host home", "get", "/hatix/gastgeber/"),
    ("new stay A", "get", "/hatix/gastgeber/unterkunft/{place}/neu/"),
    ("import A", "get", "/hatix/gastgeber/unterkunft/{place}/import/"),
    ("stay A", "get", "/hatix/gastgeber/aufenthalt/{stay}/"),
    ("pay A", "post", "/hatix/gastgeber/aufenthalt/{stay}/bezahlt/"),
    ("cancel A", "post", "/hatix/gastgeber/aufenthalt/{stay}/storno/"),
    ("statement", "get", "/hatix/gastgeber/abrechnung/"),
    ("office", "get", "/hatix/amt/"),
    ("office ticket", "get", "/hatix/amt/ticket/{serial}/"),
    ("office revoke", "post", "/hatix/amt/ticket/{serial}/sperren/"),
]
TABLE = {
    #             home   new    import stay   pay    cancel stmt   office ticket revoke
    "anonymous": [LOGIN, LOGIN, LOGIN, LOGIN, LOGIN, LOGIN, LOGIN, LOGIN, LOGIN, LOGIN],
    "citizen": [403, 404, 404, 404, 404, 404, 404, 403, 403, 403],
    "host_a": [OK, OK, OK, OK, OK, OK, OK, 403, 403, 403],
    "host_b": [OK, 404, 404, 404, 404, 404, OK, 403, 403, 403],
    "office": [403, 404, 404, 404, 404, 404, 404, OK, OK, OK],
    "inspector": [403, 404, 404, 404, 404, 404, 404, 403, 403, 403],
    "caseworker": [403, 404, 404, 404, 404, 404, 404, 403, 403, 403],
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
    user_a, company_a = host("host-a", "Gastgeber A")
    user_b, company_b = host("host-b", "Gastgeber B")
    accommodation(company_b, "Haus B")
    place = accommodation(company_a, "Haus A")
    made = stay(place, adults=1, paid=True)
    ticket = Ticket.objects.get(guest__stay=made)
    if role == "host_a":
        client.force_login(user_a)
    elif role == "host_b":
        client.force_login(user_b)
    elif role == "citizen":
        client.force_login(member("citizen"))
    elif role != "anonymous":
        login_as(client, role, STAFF)
    values = {"place": place.public_id, "stay": made.public_id, "serial": ticket.serial}
    outcomes = []
    for _name, method, url in PAGES:
        data = {"reason": "Test"} if "sperren" in url else {}
        response = getattr(client, method)(url.format(**values), data)
        outcomes.append(_outcome(response))
    assert dict(zip([p[0] for p in PAGES], outcomes, strict=True)) == dict(
        zip([p[0] for p in PAGES], TABLE[role], strict=True)
    )


@pytest.mark.django_db
def test_wallet_only_by_access_key(client):
    _user, company = host()
    made = stay(accommodation(company), adults=1, paid=True)
    ticket = services.stay_link_ticket(made)
    assert client.get(f"/hatix/t/{ticket.access_key}/").status_code == 200
    for guess in (ticket.serial, str(made.public_id), ticket.access_key[:-1] + "A"):
        if guess != ticket.access_key:
            assert client.get(f"/hatix/t/{guess}/").status_code == 404
