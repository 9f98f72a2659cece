from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from openkreis.core.models import Location, OpeningHours, Organisation, OrgUnit, Region


class RegionSerializer(serializers.ModelSerializer):
    parent_ars = serializers.CharField(
        source="parent.ars", default=None, read_only=True, allow_null=True
    )
    postcodes = serializers.SerializerMethodField()

    class Meta:
        model = Region
        fields = [
            "ars",
            "ags",
            "name",
            "kind",
            "parent_ars",
            "postcodes",
            "population",
            "population_date",
            "lat",
            "lon",
            "source",
        ]

    def get_postcodes(self, obj) -> list[str]:
        return [p.code for p in obj.postcodes.all()]


@extend_schema_field(
    {
        "type": "string",
        "pattern": r"^([01]\d|2[0-3]):[0-5]\d:[0-5]\d$",
        "description": "Local time (Europe/Berlin), HH:MM:SS",
        "example": "08:00:00",
    }
)
class LocalTimeField(serializers.TimeField):
    """A wall-clock time without a zone. OpenAPI's `format: time` (RFC 3339) requires an
    offset, which opening hours do not have."""


class OpeningHoursSerializer(serializers.ModelSerializer):
    opens = LocalTimeField(format="%H:%M:%S")
    closes = LocalTimeField(format="%H:%M:%S")

    class Meta:
        model = OpeningHours
        fields = ["weekday", "opens", "closes"]


class LocationSerializer(serializers.ModelSerializer):
    opening_hours = OpeningHoursSerializer(many=True, read_only=True)

    class Meta:
        model = Location
        fields = [
            "key",
            "name",
            "street",
            "postcode",
            "city",
            "lat",
            "lon",
            "phone",
            "email",
            "accessibility",
            "hours_note",
            "opening_hours",
        ]


class OrgUnitSerializer(serializers.ModelSerializer):
    parent = serializers.CharField(
        source="parent.key", default=None, read_only=True, allow_null=True
    )
    locations = serializers.SlugRelatedField(slug_field="key", many=True, read_only=True)

    class Meta:
        model = OrgUnit
        fields = ["key", "name", "kind", "role", "parent", "email", "phone", "locations"]


class OrganisationSerializer(serializers.ModelSerializer):
    region = serializers.CharField(source="region.ars", read_only=True)

    class Meta:
        model = Organisation
        fields = ["key", "name", "short_name", "kind", "region", "website", "email", "phone"]


class OrganisationDetailSerializer(OrganisationSerializer):
    units = OrgUnitSerializer(many=True, read_only=True)
    locations = LocationSerializer(many=True, read_only=True)

    class Meta(OrganisationSerializer.Meta):
        fields = [*OrganisationSerializer.Meta.fields, "units", "locations"]
