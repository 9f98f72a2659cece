from django.urls import reverse
from rest_framework import serializers

from openkreis.catalog.models import Service
from openkreis.core.api.serializers import LocationSerializer


class ServiceSerializer(serializers.ModelSerializer):
    life_events = serializers.SlugRelatedField(slug_field="slug", many=True, read_only=True)
    url = serializers.SerializerMethodField()
    # Either an absolute URL (another portal) or a path on this portal ("/antrag/…/"): a
    # string, not a `uri`.
    online_url = serializers.CharField(
        read_only=True,
        help_text="Where to apply online: an absolute URL or a path on this portal; empty if "
        "the service is not offered online.",
    )

    class Meta:
        model = Service
        fields = [
            "slug",
            "leika_key",
            "name",
            "name_en",
            "summary",
            "summary_en",
            "ozg_topic",
            "life_events",
            "level",
            "external",
            "for_citizens",
            "for_companies",
            "maturity",
            "maturity_model",
            "online_url",
            "appointment",
            "popularity",
            "url",
        ]

    def get_url(self, obj) -> str:
        return reverse("portal:service", args=[obj.slug])


class ServiceDetailSerializer(ServiceSerializer):
    class Meta(ServiceSerializer.Meta):
        fields = [
            *ServiceSerializer.Meta.fields,
            "description",
            "who_may_apply",
            "documents",
            "fees",
            "fee_min",
            "fee_max",
            "processing_time",
            "processing_days",
            "legal_basis",
            "efa",
            "keywords",
        ]


class CompetenceSerializer(serializers.Serializer):
    service = serializers.CharField(source="service.slug")
    region_ars = serializers.CharField(source="region.ars")
    region_name = serializers.CharField(source="region.name")
    organisation = serializers.CharField(source="organisation.name")
    organisation_key = serializers.CharField(source="organisation.key")
    org_unit = serializers.CharField(source="org_unit.name")
    org_unit_key = serializers.CharField(source="org_unit.key")
    email = serializers.CharField(source="org_unit.contact_email")
    phone = serializers.CharField(source="org_unit.contact_phone")
    website = serializers.CharField(source="organisation.website")
    location = LocationSerializer(allow_null=True)
    other_locations = LocationSerializer(many=True)


class SuggestionSerializer(serializers.Serializer):
    slug = serializers.CharField()
    name = serializers.CharField()
    url = serializers.CharField()
    score = serializers.FloatField()
