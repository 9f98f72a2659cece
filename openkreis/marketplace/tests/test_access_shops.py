"""Authorisation as a table (M2's pages): a shop's back office only for members of its
company (anyone else: 404, as if it did not exist; anonymous: the login), the county office
only with the role retail_office and a second factor."""

import pytest
from django.core.cache import cache
from django.http import Http404

from openkreis.core.testing import login_as, make_staff
from openkreis.marketplace import access
from openkreis.marketplace.models import Shop

from .factories import customer, shop

OK, LOGIN = "allowed", "login"
STAFF = {
    "office": ("wirtschaftsfoerderung", ["retail_office"]),
    "caseworker": ("ordnungsamt-kreis", ["caseworker"]),
}
PAGES = [
    ("start", "get", "/einkaufen/haendler/"),
    ("overview A", "get", "/einkaufen/haendler/{a}/"),
    ("profile A", "get", "/einkaufen/haendler/{a}/profil/"),
    ("save profile A", "post", "/einkaufen/haendler/{a}/profil/"),
    ("photo A", "post", "/einkaufen/haendler/{a}/profil/foto/"),
    ("delete photo A", "post", "/einkaufen/haendler/{a}/profil/foto/999999/loeschen/"),
    ("token A", "post", "/einkaufen/haendler/{a}/profil/schluessel/"),
    ("sheet A", "get", "/einkaufen/haendler/{a}/aushang.pdf"),
    ("register", "get", "/einkaufen/haendler/anmelden/"),
    ("office", "get", "/einkaufen/verwaltung/"),
    ("office status", "post", "/einkaufen/verwaltung/geschaeft/{a}/status/"),
    ("office missed", "get", "/einkaufen/verwaltung/fehlende-suchen/"),
]
# member A's POSTs without data answer 400 (form errors) or 404 (no such photo): still in
TABLE = {
    # start, overview, profile, save, photo, delete photo, token, sheet, register, office,
    # office status, office missed
    "anonymous": [
        LOGIN,
        LOGIN,
        LOGIN,
        LOGIN,
        LOGIN,
        LOGIN,
        LOGIN,
        LOGIN,
        LOGIN,
        LOGIN,
        LOGIN,
        LOGIN,
    ],
    "citizen": [OK, 404, 404, 404, 404, 404, 404, 404, OK, 403, 403, 403],
    "member_a": [OK, OK, OK, 400, 400, 404, OK, OK, OK, 403, 403, 403],
    "member_b": [OK, 404, 404, 404, 404, 404, 404, 404, OK, 403, 403, 403],
    "office": [OK, 404, 404, 404, 404, 404, 404, 404, OK, OK, 400, OK],
    "caseworker": [OK, 404, 404, 404, 404, 404, 404, 404, OK, 403, 403, 403],
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
    user_a, user_b = customer("haendler-a"), customer("haendler-b")
    shop_a = shop("Laden A", members=[user_a])
    shop("Laden B", members=[user_b])
    if role == "member_a":
        client.force_login(user_a)
    elif role == "member_b":
        client.force_login(user_b)
    elif role == "citizen":
        client.force_login(customer("buerger"))
    elif role != "anonymous":
        login_as(client, role, STAFF)
    outcomes = []
    for _name, method, url in PAGES:
        response = getattr(client, method)(url.format(a=shop_a.slug))
        outcomes.append(_outcome(response))
    names = [p[0] for p in PAGES]
    assert dict(zip(names, outcomes, strict=True)) == dict(zip(names, TABLE[role], strict=True))


@pytest.mark.django_db
def test_office_needs_second_factor(client):
    user, _secret = make_staff("t-office-nomfa", "wirtschaftsfoerderung", "retail_office")
    client.force_login(user)  # a login without the second factor
    response = client.get("/einkaufen/verwaltung/")
    assert response.status_code == 302
    assert "/konto/" in response["Location"]


@pytest.mark.django_db
def test_shops_of_and_shop_for():
    member = customer()
    active = shop("Aktiv", members=[member])
    pending = shop("Wartend", members=[member], status="pending")
    suspended = shop("Gesperrt", members=[member], status="suspended")
    shop("Fremd")
    assert set(access.shops_of(member)) == {active, pending}
    assert access.shop_for(member, pending.slug) == pending
    with pytest.raises(Http404):
        access.shop_for(member, suspended.slug)
    with pytest.raises(Http404):
        access.shop_for(customer(), active.slug)
    assert not access.shops_of(None).exists()
    assert access.is_shop_member(member) and not access.is_shop_member(customer())
    assert Shop.objects.count() >= 4


def test_token_hash_is_sha256():
    assert access.token_hash("abc") == (
        "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
    )
