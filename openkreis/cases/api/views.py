"""Read-only API for the desk (e.g. a specialist procedure or a desktop client): the cases of
the caller's units. Session authentication only (no basic auth: it would skip the second
factor); every read of one case is written to the audit trail like a page view."""

from django.http import Http404
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import authentication, serializers, viewsets

from openkreis.cases import services
from openkreis.cases.models import Case
from openkreis.core.api.base import ApiView

from .permissions import DESK_ROLES, DeskStaffWithMFA
from .serializers import CaseDetailSerializer, CaseSerializer

TABS = ("new", "mine", "waiting", "overdue", "done")


@extend_schema_view(
    list=extend_schema(
        parameters=[
            OpenApiParameter("tab", OpenApiTypes.STR, enum=list(TABS)),
            OpenApiParameter("q", OpenApiTypes.STR, description="file number, name or a word"),
        ]
    )
)
class CaseViewSet(ApiView, viewsets.ReadOnlyModelViewSet):
    """Cases of the caller's units (caseworkers and team leads, with a second factor)."""

    authentication_classes = [authentication.SessionAuthentication]
    permission_classes = [DeskStaffWithMFA]
    throttle_classes: list = []

    def get_queryset(self):
        user = self.request.user
        if self.action == "retrieve":
            return services.visible_cases(user, DESK_ROLES).prefetch_related("documents__versions")
        query = self.request.query_params.get("q", "").strip()
        if query:
            return services.find_cases(user, query).order_by("-received_at", "-id")
        tab = self.request.query_params.get("tab", "new")
        if tab not in TABS:
            raise serializers.ValidationError({"tab": _("Unknown inbox view.")})
        return services.inbox(user, tab).order_by("target_at", "received_at", "id")

    def get_serializer_class(self):
        return CaseDetailSerializer if self.action == "retrieve" else CaseSerializer

    def get_object(self):
        pk = self.kwargs.get("pk", "")
        if not str(pk).isdigit():
            raise Http404
        try:
            case = self.get_queryset().get(pk=int(pk))
        except Case.DoesNotExist as exc:
            raise Http404 from exc
        services.audit("case.read", actor=self.request.user, case=case, detail={"via": "api"})
        return case
