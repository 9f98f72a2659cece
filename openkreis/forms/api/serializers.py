from rest_framework import serializers

from openkreis.forms.models import Application, FormDefinition


class FormSummarySerializer(serializers.ModelSerializer):
    # None for the generic form that every online service without its own form uses.
    service = serializers.SlugRelatedField(slug_field="slug", read_only=True, allow_null=True)

    class Meta:
        model = FormDefinition
        fields = ["key", "title", "title_en", "service", "version", "source", "updated_at"]


class FormDetailSerializer(FormSummarySerializer):
    class Meta(FormSummarySerializer.Meta):
        fields = [*FormSummarySerializer.Meta.fields, "definition"]


class ApplicationSerializer(serializers.ModelSerializer):
    id = serializers.UUIDField(source="public_id", read_only=True)
    service = serializers.SlugRelatedField(slug_field="slug", read_only=True)
    form = serializers.SlugRelatedField(slug_field="key", read_only=True)

    class Meta:
        model = Application
        fields = [
            "id",
            "service",
            "form",
            "status",
            "last_page",
            "file_number",
            "started_at",
            "updated_at",
            "submitted_at",
        ]
