import unicodedata

from rest_framework import serializers

from openkreis.accounts.models import Attachment, Message


class AttachmentSerializer(serializers.ModelSerializer):
    id = serializers.UUIDField(source="public_id", read_only=True)
    url = serializers.SerializerMethodField()

    class Meta:
        model = Attachment
        fields = ["id", "name", "mime", "size", "sha256", "url"]

    def get_url(self, obj) -> str:
        from django.urls import reverse

        return reverse("accounts:attachment", args=[obj.public_id])


class MessageSerializer(serializers.ModelSerializer):
    id = serializers.UUIDField(source="public_id", read_only=True)
    company = serializers.SlugRelatedField(slug_field="name", read_only=True, allow_null=True)
    reply_to = serializers.UUIDField(
        source="reply_to.public_id", read_only=True, default=None, allow_null=True
    )
    unread = serializers.BooleanField(read_only=True)
    attachments = AttachmentSerializer(many=True, read_only=True)

    class Meta:
        model = Message
        fields = [
            "id",
            "direction",
            "kind",
            "subject",
            "body",
            "file_number",
            "sender_name",
            "company",
            "reply_to",
            "created_at",
            "read_at",
            "unread",
            "attachments",
        ]


class MessageTextField(serializers.CharField):
    """Text as people write it. Control characters (other than tab and line breaks) and code
    points that are no characters (surrogates, private use, unassigned) are removed: nobody
    can see them, and the reply is filed in the case as a PDF."""

    def to_internal_value(self, data):
        text = super().to_internal_value(data)
        return "".join(
            char
            for char in text
            if char in "\t\n\r" or unicodedata.category(char) not in {"Cc", "Cs", "Co", "Cn"}
        )


class ReplySerializer(serializers.Serializer):
    body = MessageTextField(max_length=10_000, allow_blank=True, required=False, default="")
    attachments = serializers.ListField(
        child=serializers.FileField(), required=False, default=list, max_length=10
    )


class UnreadSerializer(serializers.Serializer):
    unread = serializers.IntegerField()
