"""Read-only API: published form definitions (public) and the caller's own applications."""

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import permissions, viewsets

from openkreis.core.api.base import ApiView
from openkreis.core.services import current_tenant
from openkreis.forms import services as forms
from openkreis.forms.models import FormDefinition

from .serializers import ApplicationSerializer, FormDetailSerializer, FormSummarySerializer


@extend_schema_view(
    retrieve=extend_schema(
        parameters=[
            OpenApiParameter(
                "key", OpenApiTypes.STR, OpenApiParameter.PATH, pattern=r"^[-a-zA-Z0-9_]+$"
            )
        ]
    )
)
class FormDefinitionViewSet(ApiView, viewsets.ReadOnlyModelViewSet):
    """Form definitions as data, e.g. for another front end or for reuse by another county."""

    lookup_field = "key"

    def get_queryset(self):
        tenant = current_tenant()
        return FormDefinition.objects.filter(tenant=tenant).select_related("service")

    def get_serializer_class(self):
        return FormDetailSerializer if self.action == "retrieve" else FormSummarySerializer


class MyApplicationViewSet(ApiView, viewsets.ReadOnlyModelViewSet):
    """The logged-in account's applications (never anyone else's)."""

    permission_classes = [permissions.IsAuthenticated]
    serializer_class = ApplicationSerializer
    lookup_field = "public_id"

    def get_queryset(self):
        return forms.applications_of(self.request.user).exclude(status="abandoned")
