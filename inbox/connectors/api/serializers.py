"""What the API channel's endpoints read and answer. Strict: a value of the wrong JSON
type, a text too long, an attribute of a shape a contact cannot hold is a 400 naming the
field, never stored half."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from rest_framework import serializers

from contactcenter import inputs
from contactcenter.api_common import InputSerializer, JSONObjectField
from inbox.connectors.base import Inbound
from inbox.services import MAX_CLIENT_ID, MAX_TEXT, MessageRejected, client_id_clean, text_clean

MAX_EXTERNAL_ID = 255
# Attributes given with one message: a handful of profile fields, each small.
MAX_ATTRIBUTES_GIVEN = 50
MAX_ATTRIBUTE_KEY = 64
MAX_ATTRIBUTE_TEXT = 1000


class ApiMessageInputSerializer(InputSerializer):
    external_id = serializers.CharField(
        max_length=MAX_EXTERNAL_ID,
        help_text="Your id of the user who writes (the contact's identity `api` + this id).",
    )
    text = serializers.CharField(max_length=MAX_TEXT, trim_whitespace=False)
    client_id = serializers.CharField(
        max_length=MAX_CLIENT_ID,
        help_text="Your id of this message: sending it again stores nothing new (200).",
    )
    name = serializers.CharField(max_length=200, required=False, allow_blank=True)
    email = serializers.EmailField(max_length=254, required=False, allow_blank=True)
    phone = serializers.CharField(max_length=32, required=False, allow_blank=True)
    attributes = JSONObjectField(
        required=False,
        help_text="Profile fields merged into the contact's attributes: up to 50 keys of up "
        "to 64 characters; values are strings (up to 1,000 characters), numbers, true, false "
        "or null.",
    )

    def validate_external_id(self, value: str) -> str:
        value = value.strip()
        if not value or inputs.text_problem(value):
            raise serializers.ValidationError(_("Your user's id: 1 to 255 printable characters."))
        return value

    def validate_text(self, value: str) -> str:
        try:
            return text_clean(value)
        except MessageRejected as refused:
            raise serializers.ValidationError(refused.detail, code=refused.code) from None

    def validate_client_id(self, value: str) -> str:
        try:
            cleaned = client_id_clean(value)
        except MessageRejected as refused:
            raise serializers.ValidationError(refused.detail, code=refused.code) from None
        if cleaned is None:
            raise serializers.ValidationError(_("Give each message an id of up to 64 characters."))
        return cleaned

    def validate_attributes(self, value: dict[str, Any]) -> dict[str, Any]:
        if len(value) > MAX_ATTRIBUTES_GIVEN:
            raise serializers.ValidationError(
                ngettext(
                    "Up to %(n)d attribute at a time.",
                    "Up to %(n)d attributes at a time.",
                    MAX_ATTRIBUTES_GIVEN,
                )
                % {"n": MAX_ATTRIBUTES_GIVEN}
            )
        for key, item in value.items():
            if not key.strip() or len(key) > MAX_ATTRIBUTE_KEY:
                raise serializers.ValidationError(
                    ngettext(
                        "Attribute names have 1 to %(n)d character.",
                        "Attribute names have 1 to %(n)d characters.",
                        MAX_ATTRIBUTE_KEY,
                    )
                    % {"n": MAX_ATTRIBUTE_KEY}
                )
            if isinstance(item, dict | list) or (
                isinstance(item, str) and len(item) > MAX_ATTRIBUTE_TEXT
            ):
                raise serializers.ValidationError(
                    ngettext(
                        "%(key)s: a value is a string of up to %(n)d character, a number, "
                        "true, false or null.",
                        "%(key)s: a value is a string of up to %(n)d characters, a number, "
                        "true, false or null.",
                        MAX_ATTRIBUTE_TEXT,
                    )
                    % {"key": key[:MAX_ATTRIBUTE_KEY], "n": MAX_ATTRIBUTE_TEXT}
                )
        return value

    def inbound(self) -> Inbound:
        data = self.validated_data
        return Inbound(
            external_id=data["external_id"],
            text=data["text"],
            client_id=data["client_id"],
            name=data.get("name", "").strip(),
            email=data.get("email", "").strip().lower(),
            phone=data.get("phone", "").strip(),
            meta={"attributes": data.get("attributes") or {}},
        )


def inbound_from(document: Any) -> Inbound:
    """The message in a parsed request body; ``ValueError`` naming the bad fields."""
    serializer = ApiMessageInputSerializer(data=document)
    if not serializer.is_valid():
        raise ValueError(str(serializer.errors))
    return serializer.inbound()


class ApiMessageStoredSerializer(serializers.Serializer):
    id = serializers.IntegerField(help_text="The message's id (use it as `after` to poll).")
    dialog = serializers.IntegerField()
    session = serializers.IntegerField(allow_null=True)
