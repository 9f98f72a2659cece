"""Authorisation as a table for every URL of Einkaufen im Harz (issue 22): the public pages
for everyone; a customer's reservations only for that customer (anyone else: 404, as if
they did not exist); a shop's back office — products, orders, pickup desk, till,
settlements — only for members of its company (another shop's members: 404, so shops see
only their own orders); the county office only with the role retail_office and a second
factor; the stock API only with a shop's token. Anonymous visitors of a login page are
sent to the login.

Each row is one URL, each column one role. POSTs carry no data: where the role passes the
access check the form answers 400 (or a redirect with a message), which is what the table
records. The individual parts' tables (test_access_shops.py, test_loyalty_views.py) check
their pages in more detail; this one holds the whole app's surface in one place, so a new
URL without a row is noticed (test_every_marketplace_url_has_a_row)."""

from __future__ import annotations

import pytest
from django.core.cache import cache
from django.urls import get_resolver

from openkreis.core.testing import login_as
from openkreis.marketplace import reservations
from openkreis.marketplace.access import token_hash

from .factories import customer, product, shop

OK, LOGIN = "allowed", "login"
ROLES = ["anonymous", "customer_a", "customer_b", "member_a", "member_b", "office", "caseworker"]
STAFF = {
    "office": ("wirtschaftsfoerderung", ["retail_office"]),
    "caseworker": ("ordnungsamt-kreis", ["caseworker"]),
}
PUBLIC = [OK] * 7
LOGGED_IN = [LOGIN] + [OK] * 6
OWN = [LOGIN, OK, 404, 404, 404, 404, 404]  # customer A's reservation


def member_a(allowed=OK):
    """Shop A's back office: its members only."""
    return [LOGIN, 404, 404, allowed, 404, 404, 404]


def office(allowed=OK):
    return [LOGIN, 403, 403, 403, 403, allowed, 403]


# (URL name, method, path, outcomes by ROLES)
TABLE = [
    # M1: start page, search
    ("index", "get", "/einkaufen/", PUBLIC),
    ("search", "get", "/einkaufen/suche/?q=Akkuschrauber", PUBLIC),
    # M2: shop and product pages, back office, county office
    ("shops", "get", "/einkaufen/geschaefte/", PUBLIC),
    ("shop", "get", "/einkaufen/geschaeft/{a}/", PUBLIC),
    ("product", "get", "/einkaufen/geschaeft/{a}/artikel/{product}/", PUBLIC),
    ("backoffice_start", "get", "/einkaufen/haendler/", LOGGED_IN),
    ("register", "get", "/einkaufen/haendler/anmelden/", LOGGED_IN),
    ("backoffice", "get", "/einkaufen/haendler/{a}/", member_a()),
    ("backoffice_profile", "get", "/einkaufen/haendler/{a}/profil/", member_a()),
    ("backoffice_profile", "post", "/einkaufen/haendler/{a}/profil/", member_a(400)),
    ("backoffice_photo_add", "post", "/einkaufen/haendler/{a}/profil/foto/", member_a(400)),
    (
        "backoffice_photo_delete",
        "post",
        "/einkaufen/haendler/{a}/profil/foto/999999/loeschen/",
        member_a(404),
    ),
    ("backoffice_token", "post", "/einkaufen/haendler/{a}/profil/schluessel/", member_a()),
    ("window_sheet", "get", "/einkaufen/haendler/{a}/aushang.pdf", member_a()),
    ("office", "get", "/einkaufen/verwaltung/", office()),
    ("office_status", "post", "/einkaufen/verwaltung/geschaeft/{a}/status/", office(400)),
    ("office_missed", "get", "/einkaufen/verwaltung/fehlende-suchen/", office()),
    # M3: products and stock imports
    ("backoffice_products", "get", "/einkaufen/haendler/{a}/artikel/", member_a()),
    (
        "backoffice_products_import",
        "post",
        "/einkaufen/haendler/{a}/artikel/import/",
        member_a(400),
    ),
    ("backoffice_stock_import", "post", "/einkaufen/haendler/{a}/artikel/bestand/", member_a(400)),
    (
        "backoffice_products_sample",
        "get",
        "/einkaufen/haendler/{a}/artikel/vorlage.csv",
        member_a(),
    ),
    # M4: click & collect
    ("reserve", "get", "/einkaufen/geschaeft/{a}/artikel/{product}/reservieren/", LOGGED_IN),
    ("my_reservations", "get", "/einkaufen/reservierungen/", LOGGED_IN),
    ("reservation", "get", "/einkaufen/reservierungen/{reservation}/", OWN),
    ("reservation_cancel", "post", "/einkaufen/reservierungen/{reservation}/stornieren/", OWN),
    ("backoffice_orders", "get", "/einkaufen/haendler/{a}/bestellungen/", member_a()),
    (
        "backoffice_orders",
        "get",
        "/einkaufen/haendler/{a}/bestellungen/?code={code}",
        member_a(),
    ),
    (
        "backoffice_order",
        "post",
        "/einkaufen/haendler/{a}/bestellungen/{reservation}/",
        member_a(400),
    ),
    ("backoffice_pickup", "post", "/einkaufen/haendler/{a}/bestellungen/abholung/", member_a(400)),
    # shop B's members through their own shop: A's order is not found, nor A's pickup code
    (
        "backoffice_order",
        "post",
        "/einkaufen/haendler/{b}/bestellungen/{reservation}/",
        [LOGIN, 404, 404, 404, 404, 404, 404],
    ),
    (
        "backoffice_orders",
        "get",
        "/einkaufen/haendler/{b}/bestellungen/?code={code}",
        [LOGIN, 404, 404, 404, 400, 404, 404],
    ),
    # M5: loyalty card, till, settlements
    ("card", "get", "/einkaufen/bonuskarte/", LOGGED_IN),
    ("backoffice_till", "get", "/einkaufen/haendler/{a}/kasse/", member_a()),
    ("backoffice_settlements", "get", "/einkaufen/haendler/{a}/abrechnung/", member_a()),
    (
        "backoffice_settlement_csv",
        "get",
        "/einkaufen/haendler/{a}/abrechnung/2026-11.csv",
        member_a(),
    ),
    ("office_settlements", "get", "/einkaufen/verwaltung/abrechnung/", office()),
    ("office_settlements_csv", "get", "/einkaufen/verwaltung/abrechnung/2026-11.csv", office()),
    # M3: the stock API wants a shop's token, a login is not enough
    ("marketplace-api:stock", "get", "/api/v1/marketplace/stock/", [401] * 7),
]


@pytest.fixture(autouse=True)
def _clear_cache():
    cache.clear()


def _outcome(response):
    if response.status_code == 302 and "/konto/login/" in response["Location"]:
        return LOGIN
    if response.status_code in (200, 302):
        return OK
    return response.status_code


def _world():
    a_user, b_user, buyer = customer("haendler-a"), customer("haendler-b"), customer("kunde-a")
    shop_a = shop("Laden A", members=[a_user])
    shop_b = shop("Laden B", members=[b_user])
    item = product(shop_a, stock=3)
    made = reservations.confirm(shop_a, reservations.reserve(buyer, item, 1), None)
    users = {"customer_a": buyer, "member_a": a_user, "member_b": b_user}
    values = {
        "a": shop_a.slug,
        "b": shop_b.slug,
        "product": item.pk,
        "reservation": made.key,
        "code": made.pickup_code,
    }
    return users, values, shop_a, shop_b


@pytest.mark.django_db
@pytest.mark.parametrize("role", ROLES)
def test_authorisation_table(client, role):
    users, values, _shop_a, _shop_b = _world()
    if role in users:
        client.force_login(users[role])
    elif role == "customer_b":
        client.force_login(customer("kunde-b"))
    elif role != "anonymous":
        login_as(client, role, STAFF, prefix="t-market")
    column = ROLES.index(role)
    got, wanted = {}, {}
    for name, method, path, outcomes in TABLE:
        row = f"{method.upper()} {path}"
        response = getattr(client, method)(path.format(**values))
        got[row], wanted[row] = _outcome(response), outcomes[column]
        assert name  # the URL name, for the coverage check below
    assert got == wanted


@pytest.mark.django_db
def test_stock_api_only_with_the_shops_own_token(client):
    _users, _values, shop_a, shop_b = _world()
    shop_a.api_token_hash = token_hash("token-von-laden-a")
    shop_a.save(update_fields=["api_token_hash"])
    shop_b.api_token_hash = token_hash("token-von-laden-b")
    shop_b.save(update_fields=["api_token_hash"])
    sku = shop_a.products.get().sku
    own = client.get("/api/v1/marketplace/stock/", HTTP_AUTHORIZATION="Bearer token-von-laden-a")
    assert own.status_code == 200 and sku in own.content.decode()
    other = client.get("/api/v1/marketplace/stock/", HTTP_AUTHORIZATION="Bearer token-von-laden-b")
    assert other.status_code == 200 and sku not in other.content.decode()
    wrong = client.get("/api/v1/marketplace/stock/", HTTP_AUTHORIZATION="Bearer falsch")
    assert wrong.status_code == 401


def _marketplace_url_names() -> set[str]:
    names = set()

    def walk(patterns, namespace):
        for p in patterns:
            if hasattr(p, "url_patterns"):
                walk(p.url_patterns, p.namespace or namespace)
            elif namespace in ("marketplace", "marketplace-api") and p.name:
                names.add(p.name if namespace == "marketplace" else f"{namespace}:{p.name}")

    walk(get_resolver().url_patterns, "")
    return names


def test_every_marketplace_url_has_a_row():
    missing = _marketplace_url_names() - {name for name, *_rest in TABLE}
    assert not missing, f"URLs without a row in the authorisation table: {sorted(missing)}"
