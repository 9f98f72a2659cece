"""The stock API (api.py): a shop's token, per-item results and errors in the caller's
language, 401 for a missing or wrong token, a throttle per shop, the schema."""

import pytest
import yaml
from django.core.cache import cache

from openkreis.marketplace.access import token_hash
from openkreis.marketplace.models import Product

from . import factories

pytestmark = pytest.mark.django_db
URL = "/api/v1/marketplace/stock/"
TOKEN = "harz-laden-test-token-0123456789abcdefghij"


@pytest.fixture(autouse=True)
def empty_throttle():
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def shop():
    return factories.shop("Sport Bodetal", api_token_hash=token_hash(TOKEN))


def _post(client, payload, token=TOKEN, **headers):
    return client.post(
        URL,
        payload,
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Bearer {token}",
        **headers,
    )


def test_stock_by_sku_and_gtin(client, harz, shop):
    shoes = factories.product(shop, "Wanderschuhe", sku="W-1", stock=1, reserved=1)
    poles = factories.product(shop, "Wanderstöcke", sku="P-1", gtin="4006381333931", stock=9)
    before = poles.stock_updated_at

    answer = _post(
        client,
        {
            "items": [
                {"sku": "W-1", "stock": 0},
                {"gtin": "4006381333931", "stock": 4},
                {"sku": "gibt-es-nicht", "stock": 2},
            ]
        },
    )

    assert answer.status_code == 200, answer.content
    body = answer.json()
    assert body["updated"] == 2 and body["not_updated"] == 1
    first, second, third = body["items"]
    assert first["status"] == "updated" and first["stock"] == 1 and first["reserved"] == 1
    assert first["message"]  # one piece is put aside for a customer
    assert second == {"sku": "P-1", "status": "updated", "stock": 4, "reserved": 0, "message": ""}
    assert third["status"] == "not_found" and third["stock"] is None
    shoes.refresh_from_db()
    poles.refresh_from_db()
    assert shoes.stock == 1 and poles.stock == 4
    assert poles.stock_updated_at > before


def test_get_lists_only_the_shops_own_articles(client, harz, shop):
    factories.product(shop, "Fahrradhelm", sku="H-1", stock=2, reserved=1)
    other = factories.shop("Anderer Laden")
    factories.product(other, "Fremder Artikel", sku="F-1")
    answer = client.get(URL, HTTP_AUTHORIZATION=f"Bearer {TOKEN}")
    assert answer.status_code == 200
    body = answer.json()
    assert body["count"] == 1
    assert body["results"][0]["sku"] == "H-1" and body["results"][0]["available"] == 1


@pytest.mark.parametrize(
    "header",
    [None, "Bearer falsch", f"Basic {TOKEN}", "Bearer", f"Bearer {TOKEN} x", "Bearer " + "a" * 300],
)
def test_no_or_a_wrong_token_is_401(client, harz, shop, header):
    factories.product(shop, "Zelt", sku="Z-1", stock=1)
    extra = {"HTTP_AUTHORIZATION": header} if header else {}
    answer = client.post(
        URL, {"items": [{"sku": "Z-1", "stock": 5}]}, content_type="application/json", **extra
    )
    assert answer.status_code == 401
    assert answer["WWW-Authenticate"].startswith("Bearer")
    assert client.get(URL, **extra).status_code == 401
    assert Product.objects.get(shop=shop, sku="Z-1").stock == 1


def test_a_suspended_shops_token_no_longer_works(client, harz, shop):
    shop.status = "suspended"
    shop.save()
    assert client.get(URL, HTTP_AUTHORIZATION=f"Bearer {TOKEN}").status_code == 401


def test_a_shop_without_token_is_not_found_by_an_empty_one(client, harz):
    factories.shop("Ohne Token")  # api_token_hash ""
    assert client.get(URL, HTTP_AUTHORIZATION="Bearer ").status_code == 401


@pytest.mark.parametrize(
    "payload, field",
    [
        ({"items": [{"sku": "A", "stock": -1}]}, "items"),
        ({"items": [{"stock": 3}]}, "items"),
        ({"items": [{"gtin": "4006381333932", "stock": 3}]}, "items"),
        ({"items": [{"sku": "A", "stock": "drei"}]}, "items"),
        ({"items": []}, "items"),
        ({"items": [{"sku": "A", "stock": 1}] * 1001}, "items"),
        ({}, "items"),
    ],
)
def test_mistakes_are_400_per_item_and_nothing_is_written(client, harz, shop, payload, field):
    product = factories.product(shop, "Zelt", sku="A", stock=1)
    answer = _post(client, payload)
    assert answer.status_code == 400
    assert field in answer.json()
    product.refresh_from_db()
    assert product.stock == 1


def test_an_items_error_names_its_position_in_the_callers_language(client, harz, shop):
    payload = {"items": [{"sku": "A", "stock": 1}, {"sku": "B", "stock": -5}]}
    english = _post(client, payload, HTTP_ACCEPT_LANGUAGE="en").json()["items"]
    german = _post(client, payload, HTTP_ACCEPT_LANGUAGE="de").json()["items"]
    assert english[0].startswith("2: stock:")
    assert "greater than or equal to 0" in english[0]
    assert german[0].startswith("2: stock:") and "größer oder gleich 0" in german[0]


def test_the_api_is_throttled_per_shop(client, harz, shop, settings):
    settings.OPENKREIS_STOCK_API_RATE = "3/minute"
    factories.product(shop, "Zelt", sku="A", stock=1)
    other_token = "ein-anderer-token-fuer-einen-anderen-laden-42"
    factories.shop("Nachbarladen", api_token_hash=token_hash(other_token))
    statuses = [_post(client, {"items": [{"sku": "A", "stock": 2}]}).status_code for _ in range(4)]
    assert statuses == [200, 200, 200, 429]
    # another shop has its own allowance
    assert client.get(URL, HTTP_AUTHORIZATION=f"Bearer {other_token}").status_code == 200


def test_other_media_types_are_415(client, harz, shop):
    answer = client.post(
        URL, "items=1", content_type="application/x-www-form-urlencoded",
        HTTP_AUTHORIZATION=f"Bearer {TOKEN}",
    )  # fmt: skip
    assert answer.status_code == 415


def test_the_schema_documents_the_stock_api(client, harz):
    schema = yaml.safe_load(client.get("/api/schema/").content)
    operations = schema["paths"]["/api/v1/marketplace/stock/"]
    assert {"200", "400", "401", "429"} <= set(operations["post"]["responses"])
    assert {"200", "401", "429"} <= set(operations["get"]["responses"])
    assert schema["components"]["securitySchemes"]["shopToken"]["scheme"] == "bearer"
    assert operations["post"]["security"] == [{"shopToken": []}]
