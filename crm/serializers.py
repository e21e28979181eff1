"""Input and output serializers of the crm API. Input serializers only parse; the rules
live in ``crm.services``."""

from __future__ import annotations

from rest_framework import serializers

from contactcenter.api_common import JSONObjectField
from crm.models import ChannelType, Contact


class IdentitySerializer(serializers.Serializer):
    # A plain serializer: an identity taken by another contact is a conflict the service
    # reports (409), not a uniqueness error of this form.
    channel_type = serializers.ChoiceField(choices=ChannelType.choices)
    external_id = serializers.CharField(max_length=255)


class ContactInputSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=200, allow_blank=True, required=False)
    email = serializers.EmailField(max_length=254, allow_blank=True, required=False)
    phone = serializers.CharField(max_length=32, allow_blank=True, required=False)
    attributes = JSONObjectField(
        required=False, help_text='Free fields, e.g. {"plan": "gold"}; replaced as a whole.'
    )


class ContactCreateInputSerializer(ContactInputSerializer):
    identities = IdentitySerializer(
        many=True,
        required=False,
        max_length=100,
        help_text="Set on creation only; later, channels and merges add identities.",
    )

    def validate_identities(self, value: list[dict[str, str]]) -> list[dict[str, str]]:
        keys = [(i["channel_type"], i["external_id"]) for i in value]
        if len(set(keys)) != len(keys):
            raise serializers.ValidationError("An identity is listed twice.")
        return value


class ContactMergeInputSerializer(serializers.Serializer):
    source = serializers.IntegerField(
        min_value=1, help_text="The contact folded into this one; it then answers 404."
    )


class ContactOutputSerializer(serializers.ModelSerializer):
    identities = IdentitySerializer(many=True, read_only=True)

    class Meta:
        model = Contact
        fields = [
            "id",
            "name",
            "email",
            "phone",
            "attributes",
            "identities",
            "created_at",
            "updated_at",
        ]
        read_only_fields = fields
