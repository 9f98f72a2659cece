"""Read-only JSON API: bookable services, offices for them and free slots (for apps and
other portals; booking itself goes through the pages, which carry the hold and fairness)."""

import datetime as dt

from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiParameter,
    PolymorphicProxySerializer,
    extend_schema,
    inline_serializer,
)
from rest_framework import serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from openkreis.appointments import services
from openkreis.core.api.base import ApiView
from openkreis.core.models import Region

SERVICES = OpenApiParameter("leistung", OpenApiTypes.STR, many=True, required=True)
DAYS = inline_serializer(
    "AppointmentDays",
    {
        "days": inline_serializer(
            "AppointmentDay",
            {"day": serializers.DateField(), "free": serializers.IntegerField()},
            many=True,
        )
    },
)
SLOTS = inline_serializer(
    "AppointmentSlots",
    {
        "day": serializers.DateField(),
        "slots": inline_serializer(
            "AppointmentSlot",
            {
                "start": serializers.DateTimeField(),
                "end": serializers.DateTimeField(),
                "free": serializers.IntegerField(),
            },
            many=True,
        ),
    },
)


def _chosen(request):
    try:
        return services.services_from_keys(request.query_params.getlist("leistung"))
    except services.BookingError as exc:
        raise serializers.ValidationError({"leistung": str(exc)}) from None


class ServicesView(ApiView, APIView):
    """Services that can be booked online, with their duration in minutes."""

    @extend_schema(
        responses=inline_serializer(
            "AppointmentService",
            {
                "key": serializers.CharField(),
                "name": serializers.CharField(),
                "minutes": serializers.IntegerField(),
            },
            many=True,
        )
    )
    def get(self, request):
        return Response(
            [
                {"key": s.key, "name": s.display_name, "minutes": s.minutes}
                for s in services.bookable_services()
            ]
        )


class OfficesView(ApiView, APIView):
    """Offices that serve all chosen services in one appointment, nearest first."""

    @extend_schema(
        parameters=[SERVICES, OpenApiParameter("gemeinde", OpenApiTypes.STR, description="AGS")],
        responses=inline_serializer(
            "AppointmentOffice",
            {
                "location": serializers.CharField(),
                "name": serializers.CharField(),
                "distance_km": serializers.FloatField(allow_null=True),
            },
            many=True,
        ),
    )
    def get(self, request):
        chosen = _chosen(request)
        region = None
        if request.query_params.get("gemeinde"):
            region = Region.objects.filter(ags=request.query_params["gemeinde"]).first()
            if region is None:
                raise serializers.ValidationError(
                    {"gemeinde": _("Please choose your municipality from the list.")}
                )
        return Response(
            [
                {
                    "location": o["branch"].location.key,
                    "name": o["branch"].location.name,
                    "distance_km": o["distance"],
                }
                for o in services.branches_for(chosen, region)
            ]
        )


class SlotsView(ApiView, APIView):
    """Free slots on a day (`tag`), or the days with free slots when no day is given."""

    @extend_schema(
        parameters=[
            SERVICES,
            OpenApiParameter("standort", OpenApiTypes.STR, required=True),
            OpenApiParameter("tag", OpenApiTypes.DATE),
        ],
        responses=PolymorphicProxySerializer(
            component_name="AppointmentDaysOrSlots",
            serializers=[DAYS, SLOTS],
            resource_type_field_name=None,
        ),
    )
    def get(self, request):
        chosen = _chosen(request)
        branch = (
            services.tenant_branches()
            .filter(location__key=request.query_params.get("standort", ""))
            .first()
        )
        if branch is None:
            raise serializers.ValidationError(
                {"standort": _("This location does not offer appointments. Please choose again.")}
            )
        if not request.query_params.get("tag"):
            days = services.bookable_days(branch, chosen)
            return Response({"days": [{"day": d.isoformat(), "free": n} for d, n in days]})
        try:
            day = dt.date.fromisoformat(request.query_params["tag"])
        except ValueError:
            raise serializers.ValidationError(
                {"tag": _("This date is not valid. Please choose a day from the list.")}
            ) from None
        slots = services.free_slots(branch, chosen, day)
        return Response(
            {
                "day": day.isoformat(),
                "slots": [
                    {"start": s.start.isoformat(), "end": s.end.isoformat(), "free": s.free}
                    for s in slots
                ],
            }
        )
