from django.urls import reverse
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import serializers, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import NotFound
from rest_framework.negotiation import BaseContentNegotiation
from rest_framework.renderers import JSONRenderer
from rest_framework.response import Response
from rest_framework.views import APIView

from openkreis.catalog import services as catalog
from openkreis.catalog.models import OzgTopic, Service
from openkreis.core import services as core
from openkreis.core.api.base import ApiView

from .serializers import (
    CompetenceSerializer,
    ServiceDetailSerializer,
    ServiceSerializer,
    SuggestionSerializer,
)

SLUG = OpenApiParameter(
    "slug", OpenApiTypes.STR, OpenApiParameter.PATH, pattern=r"^[-a-zA-Z0-9_]+$"
)


def _tenant():
    tenant = core.current_tenant()
    if tenant is None:
        raise NotFound(_("No county data is loaded yet."))
    return tenant


@extend_schema_view(
    list=extend_schema(
        parameters=[
            OpenApiParameter("topic", OpenApiTypes.STR, enum=OzgTopic.values),
            OpenApiParameter("level", OpenApiTypes.STR, enum=Service.Level.values),
            OpenApiParameter("leika", OpenApiTypes.STR, description="14-digit LeiKa key"),
        ]
    ),
    retrieve=extend_schema(parameters=[SLUG]),
)
class ServiceViewSet(ApiView, viewsets.ReadOnlyModelViewSet):
    """The county's service catalogue (Leistungen)."""

    error_statuses = (404,)  # no county data loaded yet
    lookup_field = "slug"

    def get_queryset(self):
        qs = catalog.published_services(_tenant()).prefetch_related("life_events").order_by("name")
        params = self.request.query_params
        if params.get("topic"):
            if params["topic"] not in OzgTopic.values:
                raise serializers.ValidationError({"topic": _("Unknown OZG topic.")})
            qs = qs.filter(ozg_topic=params["topic"])
        if params.get("level"):
            if params["level"] not in Service.Level.values:
                raise serializers.ValidationError({"level": _("Unknown level.")})
            qs = qs.filter(level=params["level"])
        if params.get("leika"):
            if not catalog.LEIKA_RE.match(params["leika"]):
                raise serializers.ValidationError(
                    {"leika": _("A LeiKa key has 14 digits and starts with 99.")}
                )
            qs = qs.filter(leika_key=params["leika"])
        return qs

    def get_serializer_class(self):
        return ServiceDetailSerializer if self.action == "retrieve" else ServiceSerializer

    @extend_schema(
        parameters=[
            SLUG,
            OpenApiParameter("ags", OpenApiTypes.STR, description="8-digit AGS or 12-digit ARS"),
            OpenApiParameter("postcode", OpenApiTypes.STR, description="5-digit postcode"),
        ],
        responses=CompetenceSerializer(many=True),
    )
    @action(detail=True, methods=["get"], pagination_class=None)
    def competence(self, request, slug=None):
        """Which office is responsible for this service in a municipality or postcode area.

        A postcode shared by several municipalities answers once per municipality: a list,
        never paginated.
        """
        service = self.get_object()
        ags, postcode = request.query_params.get("ags"), request.query_params.get("postcode")
        if bool(ags) == bool(postcode):
            raise serializers.ValidationError(_("Give exactly one of 'ags' or 'postcode'."))
        if ags:
            try:
                regions = [core.region_by_key(ags)]
            except core.UnknownRegion as exc:
                raise NotFound(_("No region with this key.")) from exc
        else:
            if not (len(postcode) == 5 and postcode.isdigit()):
                raise serializers.ValidationError(
                    {"postcode": _("A postcode has exactly 5 digits.")}
                )
            regions = core.regions_for_postcode(postcode)
        answers = [a for a in (catalog.resolve_competence(service, r) for r in regions) if a]
        return Response(CompetenceSerializer(answers, many=True).data)


class JsonOnly(BaseContentNegotiation):
    """Autocomplete speaks JSON only: skip parsing the Accept header on every keystroke."""

    def select_parser(self, request, parsers):
        return parsers[0] if parsers else None

    def select_renderer(self, request, renderers, format_suffix=None):
        return renderers[0], renderers[0].media_type


class AutocompleteView(ApiView, APIView):
    """Suggestions while typing: typo-tolerant, with synonyms, best first.

    This runs on every keystroke, so it skips what it does not need: sessions and
    authentication (it is public), content negotiation (JSON only), and DRF's throttle,
    whose per-client log costs more than the search itself; limit it at the proxy.
    """

    error_statuses = (404,)  # no county data loaded yet
    renderer_classes = [JSONRenderer]
    parser_classes: list = []
    authentication_classes: list = []
    permission_classes: list = []
    throttle_classes: list = []
    content_negotiation_class = JsonOnly

    @extend_schema(
        parameters=[
            OpenApiParameter(
                "q", OpenApiTypes.STR, required=True, description="what the user typed"
            ),
            OpenApiParameter("limit", OpenApiTypes.INT, description="1–20, default 8"),
        ],
        responses=SuggestionSerializer(many=True),
    )
    def get(self, request):
        tenant = _tenant()
        try:
            limit = int(request.query_params.get("limit", 8))
        except ValueError as exc:
            raise serializers.ValidationError(
                {"limit": _("Give a whole number from 1 to 20.")}
            ) from exc
        if not 1 <= limit <= 20:
            raise serializers.ValidationError({"limit": _("Give a whole number from 1 to 20.")})
        hits = catalog.search(tenant, request.query_params.get("q", ""), limit=limit)
        base = reverse("portal:service", args=["-"])[:-2]  # one reverse, not one per hit
        language = get_language() or "de"
        data = [
            {
                "slug": h.slug,
                "name": h.display_name(language),
                "url": f"{base}{h.slug}/",
                "score": h.score,
            }
            for h in hits
        ]
        return Response(data)
