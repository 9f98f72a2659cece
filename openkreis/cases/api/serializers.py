from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from openkreis.cases import services
from openkreis.cases.models import Case, Document, DocumentVersion


class VersionSerializer(serializers.ModelSerializer):
    class Meta:
        model = DocumentVersion
        fields = ["id", "number", "filename", "mime", "size", "sha256", "created_at"]


class DocumentSerializer(serializers.ModelSerializer):
    versions = VersionSerializer(many=True, read_only=True)

    class Meta:
        model = Document
        fields = ["id", "title", "doc_type", "channel", "received_at", "versions"]


class CaseSerializer(serializers.ModelSerializer):
    service = serializers.SlugRelatedField(slug_field="slug", read_only=True)
    procedure = serializers.SlugRelatedField(slug_field="key", read_only=True)
    org_unit = serializers.SlugRelatedField(slug_field="key", read_only=True)
    assignee = serializers.SlugRelatedField(slug_field="username", read_only=True, allow_null=True)

    class Meta:
        model = Case
        fields = [
            "id",
            "file_number",
            "service",
            "procedure",
            "org_unit",
            "channel",
            "state",
            "state_kind",
            "assignee",
            "received_at",
            "target_at",
            "decided_at",
            "outcome",
            "applicant_name",
        ]


class AnswerSerializer(serializers.Serializer):
    label = serializers.CharField()
    value = serializers.CharField(allow_blank=True)


class AnswerGroupSerializer(serializers.Serializer):
    title = serializers.CharField(allow_blank=True)
    rows = AnswerSerializer(many=True)


class CaseDetailSerializer(CaseSerializer):
    documents = DocumentSerializer(many=True, read_only=True)
    application = serializers.SerializerMethodField(
        help_text="What the applicant told the authority: groups of labelled answers, in the "
        "order of the form (online), or what staff captured (paper, counter)."
    )

    class Meta(CaseSerializer.Meta):
        fields = [
            *CaseSerializer.Meta.fields,
            "applicant_email",
            "applicant_address",
            "application",
            "documents",
        ]

    @extend_schema_field(AnswerGroupSerializer(many=True))
    def get_application(self, case) -> list[dict]:
        return services.application_data(case)
