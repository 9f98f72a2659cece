from rest_framework import serializers

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
    assignee = serializers.SlugRelatedField(slug_field="username", read_only=True)

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


class CaseDetailSerializer(CaseSerializer):
    documents = DocumentSerializer(many=True, read_only=True)

    class Meta(CaseSerializer.Meta):
        fields = [*CaseSerializer.Meta.fields, "applicant_email", "applicant_address", "documents"]
