from django.db.models import Prefetch
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import serializers, viewsets

from openkreis.core.models import Location, Organisation, OrgUnit, Region

from .base import ApiView
from .serializers import OrganisationDetailSerializer, OrganisationSerializer, RegionSerializer

ARS = OpenApiParameter(
    "ars", OpenApiTypes.STR, OpenApiParameter.PATH, pattern=r"^\d{12}$", description="12-digit ARS"
)
KEY = OpenApiParameter("key", OpenApiTypes.STR, OpenApiParameter.PATH, pattern=r"^[-a-zA-Z0-9_]+$")


@extend_schema_view(
    list=extend_schema(
        parameters=[
            OpenApiParameter("kind", OpenApiTypes.STR, enum=Region.Kind.values),
            OpenApiParameter("postcode", OpenApiTypes.STR, description="5-digit postcode"),
        ]
    ),
    retrieve=extend_schema(parameters=[ARS]),
)
class RegionViewSet(ApiView, viewsets.ReadOnlyModelViewSet):
    """Regions with official keys; look up by ARS."""

    serializer_class = RegionSerializer
    lookup_field = "ars"
    lookup_value_regex = r"\d{12}"

    def get_queryset(self):
        qs = Region.objects.select_related("parent").prefetch_related("postcodes").order_by("ars")
        kind = self.request.query_params.get("kind")
        if kind:
            if kind not in Region.Kind.values:
                raise serializers.ValidationError({"kind": _("Unknown region kind.")})
            qs = qs.filter(kind=kind)
        postcode = self.request.query_params.get("postcode")
        if postcode:
            if not (len(postcode) == 5 and postcode.isdigit()):
                raise serializers.ValidationError(
                    {"postcode": _("A postcode has exactly 5 digits.")}
                )
            qs = qs.filter(postcodes__code=postcode).distinct()
        return qs


@extend_schema_view(retrieve=extend_schema(parameters=[KEY]))
class OrganisationViewSet(ApiView, viewsets.ReadOnlyModelViewSet):
    """Authorities with their org units and locations."""

    lookup_field = "key"

    def get_queryset(self):
        qs = Organisation.objects.select_related("region").order_by("key")
        if self.action == "retrieve":
            qs = qs.prefetch_related(
                Prefetch(
                    "units",
                    queryset=OrgUnit.objects.select_related("parent").prefetch_related("locations"),
                ),
                Prefetch("locations", queryset=Location.objects.prefetch_related("opening_hours")),
            )
        return qs

    def get_serializer_class(self):
        return OrganisationDetailSerializer if self.action == "retrieve" else OrganisationSerializer
