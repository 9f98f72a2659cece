"""The marketplace demo (demo.py): 25 fictional shops in real Harz towns with their articles,
the demo logins; a second run changes nothing."""

import math

import pytest
from django.conf import settings
from django.contrib.auth import get_user_model

from openkreis.catalog import fulltext
from openkreis.core.loader import LoadReport
from openkreis.core.models import StaffMembership
from openkreis.directory import hours
from openkreis.marketplace import access, demo, imports
from openkreis.marketplace.models import Product, Scheme, Shop

pytestmark = pytest.mark.django_db


def _km(lat1, lon1, lat2, lon2) -> float:
    dx = (lon2 - lon1) * 111.3 * math.cos(math.radians(lat1))
    return math.hypot(dx, (lat2 - lat1) * 111.3)


def test_the_demo_makes_shops_with_articles_and_a_second_run_changes_nothing(harz):
    folder = settings.OPENKREIS_TENANTS_DIR / "harz"
    first = LoadReport()
    demo.load_demo(harz, folder, first)
    assert first.created > 500
    assert any("laden-demo" in line for line in first.messages)
    assert any(demo.OFFICE_SECRET in line for line in first.messages)

    shops = Shop.objects.filter(slug__in=[demo.slugify(s[0]) for s in demo.SHOPS])
    assert shops.count() == len(demo.SHOPS) == 25
    categories = {c["slug"] for c in Scheme.current().categories}
    for shop in shops.select_related("place"):
        count = shop.products.count()
        assert 20 <= count <= 80, (shop.slug, count)
        assert shop.category in categories
        assert shop.place.category.group == "shopping"
        assert hours.status(shop.place.opening_hours)["state"] in ("open", "closed"), shop.slug
        town = next(s[1] for s in demo.SHOPS if demo.slugify(s[0]) == shop.slug)
        _, _, lat, lon = demo.TOWNS[town]
        assert _km(lat, lon, shop.place.lat, shop.place.lon) < 1.0
    articles = Product.objects.filter(shop__in=shops)
    assert all(
        imports.gtin_valid(g) for g in articles.exclude(gtin="").values_list("gtin", flat=True)
    )
    assert articles.exclude(gtin="").count() > 100
    assert set(articles.values_list("stock", flat=True)) <= set(range(13))
    assert not articles.filter(stock_updated_at__isnull=True).exists()
    evening = Shop.objects.get(slug="restaurant-stiftskeller").place.opening_hours
    assert "17:00-23:00" in evening

    owner = get_user_model().objects.get(username=demo.OWNER_USER)
    assert owner.check_password(demo.OWNER_PASSWORD)
    assert access.shops_of(owner).count() == 2
    office = get_user_model().objects.get(username=demo.OFFICE_USER)
    assert StaffMembership.objects.filter(user=office, role="retail_office").exists()

    found = fulltext.match("products", "akkuschrauber", Product.objects.filter(shop__in=shops))
    assert found.exists()

    before = list(articles.order_by("pk").values_list("pk", "stock", "price", "updated_at"))
    second = LoadReport()
    demo.load_demo(harz, folder, second)
    assert second.changes == 0
    assert list(articles.order_by("pk").values_list("pk", "stock", "price", "updated_at")) == before
