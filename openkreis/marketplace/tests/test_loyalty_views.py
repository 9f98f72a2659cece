"""Loyalty pages: the customer's card, the shop's till (earn, redeem, refusals as 4xx with a
message, reversal), the statements and CSV, the county office's settlements; authorisation
as a table."""

from __future__ import annotations

import pytest
from django.core.cache import cache

from openkreis.core.testing import login_as
from openkreis.marketplace import loyalty
from openkreis.marketplace.models import LedgerTransaction, Settlement

from .factories import customer, shop
from .test_loyalty import _into_last_month, scheme

pytestmark = pytest.mark.django_db

OK, LOGIN = "allowed", "login"
STAFF = {
    "office": ("wirtschaftsfoerderung", ["retail_office"]),
    "caseworker": ("ordnungsamt-kreis", ["caseworker"]),
}
PAGES = [
    ("card", "get", "/einkaufen/bonuskarte/"),
    ("till A", "get", "/einkaufen/haendler/{a}/kasse/"),
    ("book at till A", "post", "/einkaufen/haendler/{a}/kasse/"),
    ("statements A", "get", "/einkaufen/haendler/{a}/abrechnung/"),
    ("CSV A", "get", "/einkaufen/haendler/{a}/abrechnung/2026-01.csv"),
    ("office", "get", "/einkaufen/verwaltung/abrechnung/"),
    ("office action", "post", "/einkaufen/verwaltung/abrechnung/"),
    ("office CSV", "get", "/einkaufen/verwaltung/abrechnung/2026-01.csv"),
]
TABLE = {
    # card, till, book, statements, CSV, office, office action, office CSV
    "anonymous": [LOGIN] * 8,
    "citizen": [OK, 404, 404, 404, 404, 403, 403, 403],
    "member_a": [OK, OK, 400, OK, OK, 403, 403, 403],
    "member_b": [OK, 404, 404, 404, 404, 403, 403, 403],
    "office": [OK, 404, 404, 404, 404, OK, OK, OK],
    "caseworker": [OK, 404, 404, 404, 404, 403, 403, 403],
}


@pytest.fixture(autouse=True)
def _clear_cache():
    cache.clear()


def has(page: str, english: str, german: str) -> bool:
    """The page says it in English (the msgid) or German (once the catalogue has it)."""
    return english in page or german in page


def _outcome(response):
    if response.status_code == 302 and "/konto/login/" in response["Location"]:
        return LOGIN
    if response.status_code in (200, 302):
        return OK
    return response.status_code


@pytest.mark.parametrize("role", list(TABLE))
def test_authorisation_table(client, role):
    user_a, user_b = customer("kasse-a"), customer("kasse-b")
    shop_a = shop("Kasse A", members=[user_a])
    shop("Kasse B", members=[user_b])
    if role == "member_a":
        client.force_login(user_a)
    elif role == "member_b":
        client.force_login(user_b)
    elif role == "citizen":
        client.force_login(customer("kartenkunde"))
    elif role != "anonymous":
        login_as(client, role, STAFF, prefix="t-loyalty")
    outcomes = [
        _outcome(getattr(client, method)(url.format(a=shop_a.slug))) for _name, method, url in PAGES
    ]
    names = [p[0] for p in PAGES]
    assert dict(zip(names, outcomes, strict=True)) == dict(zip(names, TABLE[role], strict=True))


# -- the customer's card -----------------------------------------------------------------------
def test_card_page_makes_the_card_and_shows_number_qr_balance_and_history(client):
    scheme(point_value_cents=1)
    user = customer()
    client.force_login(user)
    first = client.get("/einkaufen/bonuskarte/")
    assert first.status_code == 200 and first["Cache-Control"].startswith("private")
    card = user.loyalty_card
    page = first.content.decode()
    assert loyalty.format_number(card.number) in page
    assert "<svg" in page and "qr-code" in page
    assert has(page, "No bookings yet", "Noch keine Buchungen")
    here = shop("Buchladen Harzblick")
    loyalty.earn(here, card.number, 25000)
    page = client.get("/einkaufen/bonuskarte/").content.decode()
    assert "Buchladen Harzblick" in page and "+250" in page
    assert has(page, "250 points", "250 Punkte") and "2,50" in page
    assert client.get("/einkaufen/bonuskarte/").context["card"] == card  # still the one card


def test_account_menu_links_the_card_for_everybody(client):
    from openkreis.accounts.navigation import links_for

    assert "/einkaufen/bonuskarte/" in [url for _label, url in links_for(customer())]


# -- the till ----------------------------------------------------------------------------------
def _till(client, **fields):
    member = customer()
    here = shop("Eisenwaren Kasse", members=[member], **fields)
    client.force_login(member)
    return here, f"/einkaufen/haendler/{here.slug}/kasse/"


def test_till_earns_by_typed_number_and_shows_the_result_once(client):
    scheme()
    here, url = _till(client)
    card = loyalty.card_for(customer())
    page = client.get(url).content.decode()
    assert has(page, "Give points", "Punkte gutschreiben")
    assert "jsQR.js" in page and "till.js" in page
    response = client.post(
        url,
        {
            "action": "earn",
            "earn-card_number": loyalty.format_number(card.number),
            "earn-amount": "23,50",
        },
    )
    assert response.status_code == 302 and response["Location"].endswith("#till-result")
    assert loyalty.balance(card) == 23
    page = client.get(url).content.decode()
    assert has(page, "23 points credited for a purchase of 23,50", "23 Punkte gutgeschrieben")
    assert has(page, "The card now has 23 points.", "Auf der Karte sind jetzt 23 Punkte.")
    assert f"… {card.number[-4:]}" in page and 'value="reverse"' in page
    assert 'id="till-result"' not in client.get(url).content.decode()  # shown once


def test_till_refusals_answer_4xx_with_a_message_next_to_the_field(client):
    scheme()
    here, url = _till(client)
    card = loyalty.card_for(customer())
    wrong = card.number[:-1] + str((int(card.number[-1]) + 1) % 10)
    response = client.post(url, {"action": "earn", "earn-card_number": wrong, "earn-amount": "10"})
    assert response.status_code == 400
    page = response.content.decode()
    assert has(page, "typed wrong", "falsch abgetippt")
    assert 'aria-describedby="id_earn-card_number-hint id_earn-card_number-error"' in page
    response = client.post(
        url, {"action": "earn", "earn-card_number": card.number, "earn-amount": "zehn"}
    )
    assert response.status_code == 400
    assert has(response.content.decode(), "for example 23,50", "zum Beispiel 23,50")
    response = client.post(
        url, {"action": "redeem", "redeem-card_number": card.number, "redeem-points": "100"}
    )
    assert response.status_code == 409
    assert has(response.content.decode(), "balance is not enough", "Guthaben auf der Karte reicht")
    response = client.post(url, {"action": "nonsense"})
    assert response.status_code == 400
    assert not LedgerTransaction.objects.exists()


def test_till_redeems_shows_the_remaining_points_and_reverses(client):
    scheme()
    here, url = _till(client)
    card = loyalty.card_for(customer())
    loyalty.earn(shop(), card.number, 30000)
    response = client.post(
        url, {"action": "redeem", "redeem-card_number": card.number, "redeem-points": "120"}
    )
    assert response.status_code == 302
    page = client.get(url).content.decode()
    assert has(page, "The balance is enough: voucher of 120 points", "Guthaben reicht")
    assert has(page, "Points left on the card: 180.", "Restguthaben auf der Karte: 180 Punkte")
    booking = LedgerTransaction.objects.get(kind="redeem")
    response = client.post(url, {"action": "reverse", "booking": str(booking.key)})
    assert response.status_code == 302 and loyalty.balance(card) == 300
    page = client.get(url).content.decode()
    assert has(page, "Booking reversed: 120 points.", "Buchung storniert: 120 Punkte.")
    again = client.post(url, {"action": "reverse", "booking": str(booking.key)})
    assert again.status_code == 409
    assert has(again.content.decode(), "reversed already", "schon storniert")
    assert client.post(url, {"action": "reverse", "booking": "kein-schluessel"}).status_code == 404


def test_till_cannot_reverse_another_shops_booking(client):
    scheme()
    _here, url = _till(client)
    card = loyalty.card_for(customer())
    foreign = loyalty.earn(shop(), card.number, 5000)
    response = client.post(url, {"action": "reverse", "booking": str(foreign.key)})
    assert response.status_code == 404
    assert loyalty.balance(card) == 50


def test_till_of_a_shop_outside_the_scheme_refuses_with_a_message(client):
    scheme()
    _here, url = _till(client, loyalty=False)
    card = loyalty.card_for(customer())
    assert has(client.get(url).content.decode(), "does not take part", "nimmt noch nicht")
    response = client.post(
        url, {"action": "earn", "earn-card_number": card.number, "earn-amount": "10"}
    )
    assert response.status_code == 409
    assert has(response.content.decode(), "does not take part", "nimmt nicht am Bonusprogramm")


# -- statements and the county office ----------------------------------------------------------
def test_shop_statements_and_month_csv(client):
    scheme(point_value_cents=2)
    here, _url = _till(client)
    card = loyalty.card_for(customer())
    loyalty.earn(here, card.number, 12000)
    month = _into_last_month()
    loyalty.settle(month)
    page = client.get(f"/einkaufen/haendler/{here.slug}/abrechnung/").content.decode()
    assert "-2,40" in page and f"{month:%Y-%m}.csv" in page
    response = client.get(f"/einkaufen/haendler/{here.slug}/abrechnung/{month:%Y-%m}.csv")
    assert response.status_code == 200 and response["Content-Type"].startswith("text/csv")
    rows = response.content.decode("utf-8-sig").splitlines()
    assert len(rows) == 2 and ";120;120,00;" in rows[1]
    assert card.number not in response.content.decode()
    bad = client.get(f"/einkaufen/haendler/{here.slug}/abrechnung/2026-13.csv")
    assert bad.status_code == 404


def test_office_settles_a_month_marks_paid_and_exports(client):
    scheme()
    here = shop("=Formel Laden")
    card = loyalty.card_for(customer())
    loyalty.earn(here, card.number, 10000)
    month = _into_last_month()
    login_as(client, "office", STAFF, prefix="t-settle")
    url = "/einkaufen/verwaltung/abrechnung/"
    page = client.get(url).content.decode()
    assert has(page, "All is well", "Alles in Ordnung")
    assert has(page, "No settlement for this month", "keine Abrechnung")
    response = client.post(url, {"action": "settle", "month": month.isoformat()})
    assert response.status_code == 302 and f"monat={month:%Y-%m}" in response["Location"]
    settlement = Settlement.objects.get(shop=here, month=month)
    page = client.get(response["Location"]).content.decode()
    assert "=Formel Laden" in page and 'value="paid"' in page
    client.post(url, {"action": "paid", "settlement": str(settlement.pk)})
    settlement.refresh_from_db()
    assert settlement.status == "paid"
    csv = client.get(f"/einkaufen/verwaltung/abrechnung/{month:%Y-%m}.csv").content.decode()
    assert "'=Formel Laden" in csv and ";-100;" in csv
    # the running month cannot be settled; an unknown month is refused with a message
    this_month = loyalty.month_start(loyalty.today())
    client.post(url, {"action": "settle", "month": this_month.isoformat()})
    assert not Settlement.objects.filter(month=this_month).exists()
    assert client.post(url, {"action": "paid", "settlement": "abc"}).status_code == 404
    assert client.get(url + "?monat=kaputt").status_code == 200


def test_office_shows_ledger_problems(client):
    scheme()
    card = loyalty.card_for(customer())
    loyalty.earn(shop(), card.number, 10000)
    from openkreis.marketplace.models import LedgerAccount

    LedgerAccount.objects.filter(card=card).update(balance=7)
    login_as(client, "office", STAFF, prefix="t-ledger")
    page = client.get("/einkaufen/verwaltung/abrechnung/").content.decode()
    assert has(page, "The ledger has problems", "Die Punktekonten haben Fehler")
    assert has(page, "balance 7", "Stand 7")
