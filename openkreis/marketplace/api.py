"""The stock API of Einkaufen im Harz (owner: M3): a shop's till or merchandise system reports
stock levels by itself.

    POST /api/v1/marketplace/stock/
    Authorization: Bearer <the shop's token>      (created in the back office's profile)
    {"items": [{"sku": "10001", "stock": 3}, {"gtin": "4006381333931", "stock": 0}]}

answers 200 with a result per item (its stock as stored, a warning when pieces are put aside
for customers, or why the article was not found), 400 with the mistakes per item (nothing is
written then), 401 without or with a wrong token, 429 beyond OPENKREIS_STOCK_API_RATE
(default 60 requests a minute per shop). `GET` lists the shop's articles with their stock
(paginated: limit, offset). Messages follow Accept-Language (German or English).

The token is looked up by its SHA-256 (Shop.api_token_hash, indexed): the comparison is an
index lookup of a hash, so its time says nothing about the token.
"""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth.models import AnonymousUser
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from drf_spectacular.utils import OpenApiExample, OpenApiResponse, extend_schema
from rest_framework import exceptions, generics, permissions, serializers
from rest_framework.authentication import BaseAuthentication, get_authorization_header
from rest_framework.parsers import JSONParser
from rest_framework.response import Response
from rest_framework.throttling import SimpleRateThrottle

from openkreis.core.api.base import ApiView
from openkreis.core.api.schema import ERROR

from . import imports
from .access import BACKOFFICE_STATUSES, token_hash
from .models import Product, Shop

MAX_ITEMS = 1000
MAX_TOKEN = 200


class ShopTokenAuthentication(BaseAuthentication):
    """`Authorization: Bearer <token>`: the caller is the shop whose token it is
    (`request.auth`); there is no user."""

    keyword = b"bearer"

    def authenticate(self, request):
        parts = get_authorization_header(request).split()
        if not parts or parts[0].lower() != self.keyword:
            return None
        if len(parts) != 2 or len(parts[1]) > MAX_TOKEN:
            raise exceptions.AuthenticationFailed(_("Send the header as: Bearer <token>."))
        try:
            token = parts[1].decode("ascii")
        except UnicodeDecodeError:
            raise exceptions.AuthenticationFailed(_("The token is not valid.")) from None
        shop = (
            Shop.objects.filter(api_token_hash=token_hash(token), status__in=BACKOFFICE_STATUSES)
            .exclude(api_token_hash="")
            .first()
        )
        if shop is None:
            raise exceptions.AuthenticationFailed(_("The token is not valid."))
        return AnonymousUser(), shop

    def authenticate_header(self, request) -> str:
        return 'Bearer realm="openkreis stock API"'


class ShopTokenScheme(OpenApiAuthenticationExtension):
    target_class = "openkreis.marketplace.api.ShopTokenAuthentication"
    name = "shopToken"

    def get_security_definition(self, auto_schema):
        return {
            "type": "http",
            "scheme": "bearer",
            "description": "The shop's stock API token (back office → profile → stock "
            "interface). Shown once when created; only its SHA-256 is stored.",
        }


class HasShopToken(permissions.BasePermission):
    def has_permission(self, request, view) -> bool:
        return isinstance(request.auth, Shop)


class ShopStockThrottle(SimpleRateThrottle):
    """Per shop (not per address): a till behind a changing address is still one shop."""

    scope = "marketplace_stock"

    def get_rate(self) -> str:
        return getattr(settings, "OPENKREIS_STOCK_API_RATE", "60/minute")

    def get_cache_key(self, request, view):
        shop = request.auth
        if not isinstance(shop, Shop):
            return None
        return self.cache_format % {"scope": self.scope, "ident": shop.pk}


class StockItemSerializer(serializers.Serializer):
    sku = serializers.CharField(
        max_length=64, required=False, help_text="The shop's article number."
    )
    gtin = serializers.CharField(
        max_length=14,
        required=False,
        help_text="GTIN/EAN (8, 12, 13 or 14 digits with a valid check digit); used when no "
        "sku is given.",
    )
    stock = serializers.IntegerField(
        min_value=0,
        max_value=imports.MAX_STOCK,
        help_text="Pieces in the shop, including those put aside for reservations.",
    )

    def validate(self, attrs):
        sku = (attrs.get("sku") or "").strip()
        gtin = (attrs.get("gtin") or "").strip()
        if not sku and not gtin:
            raise serializers.ValidationError(
                {"sku": [gettext_lazy("Give the article number (sku) or the GTIN.")]}
            )
        if gtin and not sku:
            try:
                gtin = imports.parse_gtin(gtin)
            except ValueError as exc:
                raise serializers.ValidationError({"gtin": [str(exc)]}) from None
        return {"sku": sku, "gtin": gtin if not sku else "", "stock": attrs["stock"]}


class StockUpdateSerializer(serializers.Serializer):
    items = StockItemSerializer(many=True, min_length=1, max_length=MAX_ITEMS)


class StockResultSerializer(serializers.Serializer):
    sku = serializers.CharField(help_text="The article number (also when found by GTIN).")
    status = serializers.ChoiceField(
        choices=["updated", "not_found", "ambiguous", "duplicate"],
        help_text="not_found: no such article; ambiguous: several articles have this GTIN; "
        "duplicate: the article came twice in the request (the first counts).",
    )
    stock = serializers.IntegerField(
        allow_null=True, help_text="The stock as stored (never below what is reserved)."
    )
    reserved = serializers.IntegerField(help_text="Pieces put aside for customers.")
    message = serializers.CharField(allow_blank=True, help_text="A warning or the problem.")


class StockAnswerSerializer(serializers.Serializer):
    updated = serializers.IntegerField()
    not_updated = serializers.IntegerField()
    items = StockResultSerializer(many=True)


class StockProductSerializer(serializers.ModelSerializer):
    available = serializers.IntegerField(read_only=True, help_text="stock − reserved, ≥ 0")

    class Meta:
        model = Product
        fields = [
            "sku",
            "gtin",
            "name",
            "stock",
            "reserved",
            "available",
            "active",
            "stock_updated_at",
        ]


UNAUTHORISED = OpenApiResponse(
    response={"type": "object", **ERROR}, description="No token, or a wrong one"
)


class StockView(ApiView, generics.ListAPIView):
    """A shop's stock: list its articles (GET) or report stock levels (POST)."""

    authentication_classes = [ShopTokenAuthentication]
    permission_classes = [HasShopToken]
    throttle_classes = [ShopStockThrottle]
    parser_classes = [JSONParser]
    serializer_class = StockProductSerializer

    def get_queryset(self):
        return Product.objects.filter(shop=self.request.auth).order_by("sku", "pk")

    @extend_schema(
        summary="The shop's articles with their stock",
        responses={200: StockProductSerializer(many=True), 401: UNAUTHORISED},
    )
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)

    @extend_schema(
        summary="Report stock levels (up to 1000 articles per request)",
        request=StockUpdateSerializer,
        responses={200: StockAnswerSerializer, 401: UNAUTHORISED},
        examples=[
            OpenApiExample(
                "By article number and by GTIN",
                value={
                    "items": [{"sku": "10001", "stock": 3}, {"gtin": "4006381333931", "stock": 0}]
                },
                request_only=True,
            )
        ],
    )
    def post(self, request, *args, **kwargs):
        payload = StockUpdateSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        items = [
            imports.StockItem(line=n, stock=item["stock"], sku=item["sku"], gtin=item["gtin"])
            for n, item in enumerate(payload.validated_data["items"], start=1)
        ]
        outcomes = imports.set_stock(request.auth, items)
        results = [
            {
                "sku": outcome.sku or items[n].gtin,
                "status": outcome.code,
                "stock": outcome.stock,
                "reserved": outcome.reserved,
                "message": outcome.error or outcome.warning,
            }
            for n, outcome in enumerate(outcomes)
        ]
        updated = sum(1 for r in results if r["status"] == "updated")
        return Response(
            {"updated": updated, "not_updated": len(results) - updated, "items": results}
        )
