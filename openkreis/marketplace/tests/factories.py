"""Test data for the marketplace (each helper adds functions in its own block at the end)."""

from __future__ import annotations

import itertools

_seq = itertools.count(1)


def shop_category():
    from openkreis.directory.models import Category

    category, _ = Category.objects.get_or_create(
        slug="einzelhandel", defaults={"name": "Geschäft", "group": "shopping"}
    )
    return category


def shop(
    name: str | None = None,
    *,
    members=(),
    lat: float = 51.8358,
    lon: float = 10.7853,
    opening_hours: str = "Mo-Sa 09:00-18:00",
    status: str = "active",
    **fields,
):
    """An active click & collect shop in Wernigerode (its company, place and shop rows);
    `members`: users who act for it (company members)."""
    from django.utils.text import slugify

    from openkreis.accounts.models import Company, CompanyMembership
    from openkreis.directory.hours import rebuild_intervals
    from openkreis.directory.models import Place
    from openkreis.marketplace.models import Shop

    n = next(_seq)
    name = name or f"Laden {n}"
    slug = fields.pop("slug", None) or f"{slugify(name)[:100]}-{n}"
    company = Company.objects.create(name=name)
    for user in members:
        CompanyMembership.objects.create(company=company, user=user, role="admin")
    place = Place.objects.create(
        slug=slug,
        name=name,
        category=shop_category(),
        street="Breite Straße 1",
        postcode="38855",
        town="Wernigerode",
        lat=lat,
        lon=lon,
        opening_hours=opening_hours,
    )
    rebuild_intervals([place])
    values = {"click_collect": True, "loyalty": True, "status": status}
    values.update(fields)
    return Shop.objects.create(slug=slug, company=company, place=place, **values)


def product(shop, name: str = "Akkuschrauber 18 V", *, stock: int = 3, **fields):
    from django.utils import timezone

    from openkreis.marketplace.models import Product

    n = next(_seq)
    values = {"sku": f"A-{n}", "name": name, "stock": stock, "stock_updated_at": timezone.now()}
    values.update(fields)
    return Product.objects.create(shop=shop, **values)


def customer(username: str | None = None):
    from django.contrib.auth import get_user_model

    username = username or f"kunde-{next(_seq)}"
    return get_user_model().objects.create_user(
        username, f"{username}@example.org", "ein-langes-passwort-2026"
    )
