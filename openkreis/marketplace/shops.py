"""Shops (docs/marketplace.md): registration, the county office's approval, the profile's
photos and stock API token, the shop-window sheet and the missed searches. Views call these
functions; they change the shop's rows and write the cockpit events in one transaction."""

from __future__ import annotations

import datetime as dt
import json
import secrets

from django.conf import settings
from django.core.files.base import ContentFile
from django.core.mail import send_mail
from django.db import transaction
from django.db.models import Max, Sum
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.safestring import mark_safe
from django.utils.text import slugify
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from weasyprint import HTML

from openkreis.accounts.models import Company, CompanyMembership
from openkreis.core import event_kinds
from openkreis.core import services as core
from openkreis.core.images import CleanPhoto
from openkreis.core.models import Region, RegionPostcode
from openkreis.core.qr import qr_svg
from openkreis.directory.hours import rebuild_intervals, week_table
from openkreis.directory.models import Category, Place

from .access import token_hash
from .models import MissedSearch, Scheme, Shop, ShopPhoto

# the Harz-Kompass category of a shop's place, by the shop's kind (group "shopping")
PLACE_CATEGORIES = {
    Shop.Kind.RETAIL: ("einzelhandel", "Geschäft"),
    Shop.Kind.FOOD: ("gastronomie", "Gastronomie"),
    Shop.Kind.CRAFT: ("handwerk", "Handwerk"),
    Shop.Kind.SERVICE: ("dienstleistung", "Dienstleistung"),
}
MAX_PHOTOS = 12
# a missed search is shown to the office only from this many searches in the period: fewer
# say little and could point at one person's searches
MISSED_MIN_COUNT = 3


class ShopError(ValueError):
    """A request the shop services refuse, with a message in the user's language."""


def public_shops():
    """The shops residents see: active, with a published place."""
    return Shop.objects.filter(status=Shop.Status.ACTIVE, place__published=True).select_related(
        "place", "place__municipality"
    )


def categories() -> list[tuple[str, str]]:
    """The county's shop categories (slug, label) from the scheme."""
    english = (get_language() or "de").startswith("en")
    result = []
    for entry in Scheme.current().categories or []:
        if isinstance(entry, dict) and entry.get("slug"):
            label = (english and entry.get("name_en")) or entry.get("name") or entry["slug"]
            result.append((str(entry["slug"]), str(label)))
    return result


def category_label(slug: str) -> str:
    return dict(categories()).get(slug, "")


def base_url(request=None) -> str:
    """The site's address: OPENKREIS_BASE_URL, else the request's, else the admin's."""
    configured = getattr(settings, "OPENKREIS_BASE_URL", "")
    if configured:
        return configured.rstrip("/")
    if request is not None:
        return request.build_absolute_uri("/")[:-1]
    return getattr(settings, "WAGTAILADMIN_BASE_URL", "").rstrip("/")


def shop_url(shop: Shop, *, via_qr: bool = False, request=None) -> str:
    """The shop's public page (absolute); `via_qr`: the shop-window code's address."""
    url = base_url(request) + reverse("marketplace:shop", args=[shop.slug])
    return url + "?via=qr" if via_qr else url


# -- registration and the county office ----------------------------------------------------


def position_for(postcode: str, town: str) -> tuple[Region | None, float | None, float | None]:
    """The municipality of a postcode (or town name) in the county and its centre, if known."""
    tenant = core.current_tenant()
    municipalities = core.municipalities(tenant)
    ids = RegionPostcode.objects.filter(code=postcode).values_list("region_id", flat=True)
    by_postcode = municipalities.filter(pk__in=ids) if postcode else municipalities.none()
    by_town = municipalities.filter(name__iexact=town.strip()) if town else municipalities.none()
    # a postcode can span several municipalities: the one named as the town first
    region = (by_postcode & by_town).first() or by_town.first() or by_postcode.first()
    if region is None:
        return None, None, None
    return region, region.lat, region.lon


def place_category(kind: str) -> Category:
    slug, name = PLACE_CATEGORIES.get(kind, PLACE_CATEGORIES[Shop.Kind.RETAIL])
    category, _created = Category.objects.get_or_create(
        slug=slug, defaults={"name": name, "group": Category.Group.SHOPPING}
    )
    return category


def unique_shop_slug(name: str) -> str:
    base = slugify(name)[:100] or "geschaeft"
    slug, n = base, 1
    while Shop.objects.filter(slug=slug).exists() or Place.objects.filter(slug=slug).exists():
        n += 1
        slug = f"{base}-{n}"
    return slug


def companies_for_registration(user):
    """The companies where the user is an administrator (he may register a shop for them)."""
    return Company.objects.filter(
        memberships__user=user, memberships__role=CompanyMembership.Role.ADMIN
    ).order_by("name")


@transaction.atomic
def register(user, data: dict) -> Shop:
    """A new shop waiting for approval: its company (an existing one the user administers, or
    a new one with him as administrator), an unpublished Harz-Kompass place and the shop."""
    company = data.get("company")
    if company is None:
        company = Company.objects.create(
            name=data["company_name"],
            street=data["street"],
            postcode=data["postcode"],
            city=data["town"],
        )
        CompanyMembership.objects.create(
            company=company, user=user, role=CompanyMembership.Role.ADMIN
        )
    elif not companies_for_registration(user).filter(pk=company.pk).exists():
        raise ShopError(_("You are not an administrator of this company."))
    slug = unique_shop_slug(data["name"])
    place = Place.objects.create(
        slug=slug,
        name=data["name"],
        category=place_category(data["kind"]),
        street=data["street"],
        postcode=data["postcode"],
        town=data["town"],
        municipality=data.get("municipality"),
        lat=data["lat"],
        lon=data["lon"],
        phone=data.get("phone", ""),
        opening_hours=data.get("opening_hours", ""),
        published=False,
    )
    rebuild_intervals([place])
    return Shop.objects.create(
        slug=slug,
        company=company,
        place=place,
        kind=data["kind"],
        category=data.get("category", ""),
        description=data.get("description", ""),
        delivery=bool(data.get("delivery")),
        click_collect=bool(data.get("click_collect")),
        repair=bool(data.get("repair")),
        status=Shop.Status.PENDING,
    )


def set_status(shop: Shop, status: str, *, reason: str = "") -> None:
    """The county office approves (active: the place is published) or suspends a shop (its
    place is hidden again); the cockpit event and a mail to the company's administrators."""
    if status not in (Shop.Status.ACTIVE, Shop.Status.SUSPENDED):
        raise ShopError(_("This status cannot be set."))
    if status == Shop.Status.SUSPENDED and not reason.strip():
        raise ShopError(_("Please give the reason for the suspension."))
    if shop.status == status:
        raise ShopError(_("The shop already has this status."))
    with transaction.atomic():
        shop.status = status
        shop.save(update_fields=["status", "updated_at"])
        Place.objects.filter(pk=shop.place_id).update(
            published=status == Shop.Status.ACTIVE, updated_at=timezone.now()
        )
        core.record_event(
            event_kinds.MARKET_SHOP_STATUS,
            subject=str(shop.key),
            data={"shop": shop.slug, "status": status},
        )
    _mail_admins(shop, status, reason)


def _mail_admins(shop: Shop, status: str, reason: str) -> int:
    addresses = list(
        CompanyMembership.objects.filter(
            company_id=shop.company_id, role=CompanyMembership.Role.ADMIN
        )
        .exclude(user__email="")
        .values_list("user__email", flat=True)
    )
    if not addresses:
        return 0
    if status == Shop.Status.ACTIVE:
        subject = _("Your shop %(name)s is now visible") % {"name": shop.name}
    else:
        subject = _("Your shop %(name)s was suspended") % {"name": shop.name}
    body = render_to_string(
        "marketplace/office_status_mail.txt",
        {
            "shop": shop,
            "active": status == Shop.Status.ACTIVE,
            "reason": reason.strip(),
            "shop_url": shop_url(shop),
            "backoffice_url": base_url() + reverse("marketplace:backoffice", args=[shop.slug]),
        },
    )
    return send_mail(subject, body, None, addresses)


# -- the profile: photos and the stock API token ----------------------------------------------


def save_place(place: Place) -> None:
    """After the profile form saved the place: the expanded opening times follow."""
    rebuild_intervals([place])


def add_photo(shop: Shop, photo: CleanPhoto, alt: str) -> ShopPhoto:
    if shop.photos.count() >= MAX_PHOTOS:
        raise ShopError(_("A shop can show at most %(n)d photos.") % {"n": MAX_PHOTOS})
    order = (shop.photos.aggregate(m=Max("order"))["m"] or 0) + 1
    item = ShopPhoto(shop=shop, alt=alt, order=order)
    item.image.save(f"{shop.slug}-{secrets.token_hex(6)}.jpg", ContentFile(photo.data), save=False)
    item.save()
    return item


def delete_photo(shop: Shop, pk: int) -> bool:
    item = shop.photos.filter(pk=pk).first()
    if item is None:
        return False
    item.image.delete(save=False)
    item.delete()
    return True


def new_api_token(shop: Shop) -> str:
    """A new token for the stock API (the old one stops working); only its hash is kept, the
    token itself is shown once."""
    token = secrets.token_urlsafe(32)
    shop.api_token_hash = token_hash(token)
    shop.save(update_fields=["api_token_hash", "updated_at"])
    return token


# -- the public pages ----------------------------------------------------------------------


def record_view(shop: Shop, via: str) -> None:
    place = shop.place
    core.record_event(
        event_kinds.MARKET_SHOP_VIEWED,
        subject=str(shop.key),
        data={
            "shop": shop.slug,
            "category": shop.category,
            "municipality": place.municipality.ars if place.municipality else "",
            "via": "qr" if via == "qr" else "web",
        },
    )


def json_ld(data: dict) -> str:
    text = json.dumps(data, ensure_ascii=False)
    # as json_script does: nothing in the data can end the script element
    text = text.replace("<", "\\u003C").replace(">", "\\u003E").replace("&", "\\u0026")
    return mark_safe(text)  # noqa: S308 - escaped above


def shop_schema(shop: Shop, request=None) -> dict:
    place = shop.place
    data = {
        "@context": "https://schema.org",
        "@type": "LocalBusiness",
        "name": place.name,
        "url": shop_url(shop, request=request),
        "geo": {"@type": "GeoCoordinates", "latitude": place.lat, "longitude": place.lon},
        "address": {
            "@type": "PostalAddress",
            "streetAddress": place.street,
            "postalCode": place.postcode,
            "addressLocality": place.town,
            "addressCountry": "DE",
        },
    }
    if place.opening_hours:
        data["openingHours"] = place.opening_hours
    if place.phone:
        data["telephone"] = place.phone
    if place.website:
        data["sameAs"] = place.website
    if shop.description:
        data["description"] = shop.description
    return data


def product_schema(product, shop: Shop, request=None) -> dict:
    offer = {
        "@type": "Offer",
        "availability": "https://schema.org/InStock"
        if product.available > 0
        else "https://schema.org/OutOfStock",
        "seller": {
            "@type": "LocalBusiness",
            "name": shop.name,
            "url": shop_url(shop, request=request),
        },
    }
    if product.price is not None:
        offer["price"] = f"{product.price:.2f}"
        offer["priceCurrency"] = "EUR"
    data = {"@context": "https://schema.org", "@type": "Product", "name": product.name}
    if product.brand:
        data["brand"] = {"@type": "Brand", "name": product.brand}
    if product.gtin:
        data["gtin"] = product.gtin
    if product.description:
        data["description"] = product.description
    data["offers"] = offer
    return data


def window_sheet_pdf(shop: Shop, request=None) -> bytes:
    """The A4 sheet for the shop window: a large QR code to the shop's page (?via=qr), the
    name, the promise and the opening hours."""
    url = shop_url(shop, via_qr=True, request=request)
    html = render_to_string(
        "marketplace/window_sheet.html",
        {
            "shop": shop,
            "url": url,
            "qr": mark_safe(qr_svg(url, title=shop.name)),  # noqa: S308 - segno's SVG
            "week": week_table(shop.place.opening_hours) if shop.place.opening_hours else None,
        },
    )
    return HTML(string=html, base_url=base_url(request) or "http://localhost/").write_pdf()


# -- missed searches (county office) ----------------------------------------------------------


def missed_rows(start: dt.date, end: dt.date, min_count: int = MISSED_MIN_COUNT) -> list[dict]:
    """Words searched for without a result between two days: query, how often, last day;
    only those searched at least `min_count` times; most frequent first."""
    return list(
        MissedSearch.objects.filter(day__gte=start, day__lte=end)
        .values("query")
        .annotate(total=Sum("count"), last=Max("day"))
        .filter(total__gte=min_count)
        .order_by("-total", "-last", "query")
    )
