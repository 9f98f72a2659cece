"""Who acts for which shop: the ONE access check of the shop back office
(/einkaufen/haendler/<slug>/…). A shop belongs to a company account (accounts.Company);
every member of the company acts for the shop. Another company's shop is simply not found
(404), as if it did not exist; anonymous visitors are sent to the login."""

from __future__ import annotations

import functools
import hashlib

from django.contrib.auth.decorators import login_required
from django.db.models import QuerySet
from django.http import Http404
from django.views.decorators.cache import never_cache

from .models import Shop

# shops whose members may open the back office (a suspended shop is closed for them too)
BACKOFFICE_STATUSES = (Shop.Status.ACTIVE, Shop.Status.PENDING)


def shops_of(user) -> QuerySet[Shop]:
    """The active and pending shops of the companies the user is a member of."""
    if not getattr(user, "is_authenticated", False):
        return Shop.objects.none()
    return (
        Shop.objects.filter(company__memberships__user=user, status__in=BACKOFFICE_STATUSES)
        .select_related("place", "company")
        .distinct()
    )


def shop_for(user, slug) -> Shop:
    """The user's shop with this slug (Http404 for anyone who is not a member)."""
    shop = shops_of(user).filter(slug=str(slug)).first()
    if shop is None:
        raise Http404
    return shop


def is_shop_member(user) -> bool:
    """True for members of a shop's company (the account menu's "Mein Geschäft")."""
    return shops_of(user).exists()


def shop_member_required(view):
    """Decorator for back-office views with the URL kwarg `slug`: login required, the shop
    looked up among the user's shops (404 otherwise) and passed on:
    `view(request, shop, *args, **kwargs)` (without `slug`)."""

    @functools.wraps(view)
    def wrapped(request, *args, slug, **kwargs):
        shop = shop_for(request.user, slug)
        return view(request, shop, *args, **kwargs)

    return never_cache(login_required(wrapped))


def token_hash(token: str) -> str:
    """What is stored of the stock API's token (Shop.api_token_hash): its SHA-256 (hex)."""
    return hashlib.sha256(token.encode()).hexdigest()
