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
    company = serializers.SlugRelatedField(slug_field="name", read_only=True)
    reply_to = serializers.UUIDField(source="reply_to.public_id", read_only=True, default=None)
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


class ReplySerializer(serializers.Serializer):
    body = serializers.CharField(max_length=10_000, allow_blank=True, required=False, default="")
    attachments = serializers.ListField(
        child=serializers.FileField(), required=False, default=list, max_length=10
    )


class UnreadSerializer(serializers.Serializer):
    unread = serializers.IntegerField()
