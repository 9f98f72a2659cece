"""The mailbox API: the caller's own messages (and their companies'), never anyone else's."""

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import permissions, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.parsers import FormParser, JSONParser, MultiPartParser
from rest_framework.response import Response

from openkreis.accounts import services
from openkreis.core.api.base import ApiView

from .serializers import MessageSerializer, ReplySerializer, UnreadSerializer


@extend_schema_view(
    list=extend_schema(
        parameters=[
            OpenApiParameter(
                "unread",
                OpenApiTypes.STR,
                enum=["true", "false"],
                description="only unread (true) or read (false) messages from the authority",
            )
        ]
    )
)
class MessageViewSet(ApiView, viewsets.ReadOnlyModelViewSet):
    """Postfach: list, read (marks the thread read), reply with attachments, unread count."""

    permission_classes = [permissions.IsAuthenticated]
    serializer_class = MessageSerializer
    lookup_field = "public_id"
    parser_classes = [JSONParser, MultiPartParser, FormParser]

    def get_queryset(self):
        qs = (
            services.visible_messages(self.request.user)
            .select_related("reply_to")
            .prefetch_related("attachments")
        )
        unread = self.request.query_params.get("unread")
        if unread is not None:
            if unread not in ("true", "false"):
                raise serializers.ValidationError(
                    {"unread": serializers.BooleanField.default_error_messages["invalid"]}
                )
            qs = qs.filter(direction="in", read_at__isnull=unread == "true")
        return qs

    def retrieve(self, request, *args, **kwargs):
        message = self.get_object()
        services.mark_read(request.user, message)
        message.refresh_from_db()
        return Response(self.get_serializer(message).data)

    @extend_schema(request=ReplySerializer, responses={201: MessageSerializer})
    @action(detail=True, methods=["post"])
    def reply(self, request, public_id=None):
        message = self.get_object()
        payload = ReplySerializer(
            data={
                "body": request.data.get("body", ""),
                "attachments": request.FILES.getlist("attachments"),
            }
        )
        payload.is_valid(raise_exception=True)
        try:
            answer = services.reply(
                request.user,
                message,
                body=payload.validated_data["body"],
                files=payload.validated_data["attachments"],
            )
        except services.AccountError as exc:
            raise serializers.ValidationError({"detail": str(exc)}) from None
        return Response(self.get_serializer(answer).data, status=status.HTTP_201_CREATED)

    @extend_schema(responses=UnreadSerializer)
    @action(detail=False, methods=["get"])
    def unread(self, request):
        return Response({"unread": services.unread_count(request.user)})
