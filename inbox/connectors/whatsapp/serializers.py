"""Input of ``POST sessions/{id}/messages/`` with a template (WhatsApp, outside the
24-hour window)."""

from __future__ import annotations

from rest_framework import serializers

from contactcenter.api_common import InputSerializer
from inbox.services.validators import MAX_CLIENT_ID


class TemplateSerializer(InputSerializer):
    name = serializers.CharField(max_length=512, help_text="The template's name in Meta's console.")
    language = serializers.CharField(max_length=16, help_text="Its language code, e.g. en_US.")
    params = serializers.ListField(
        child=serializers.CharField(max_length=1024),
        required=False,
        default=list,
        max_length=20,
        help_text="The texts for its {{1}}, {{2}}... placeholders, in order.",
    )


class TemplateMessageInputSerializer(InputSerializer):
    template = TemplateSerializer(
        help_text="An approved template of the channel's `templates` setting."
    )
    client_id = serializers.CharField(max_length=MAX_CLIENT_ID, required=False, allow_null=True)


class TemplateOutputSerializer(serializers.Serializer):
    name = serializers.CharField()
    language = serializers.CharField()
    body = serializers.CharField(help_text="The text, with {{1}}... where parameters go.")
    param_count = serializers.IntegerField()


class TemplatesStateSerializer(serializers.Serializer):
    window_open = serializers.BooleanField(
        help_text="Whether a free-form reply may be sent now (always true off WhatsApp)."
    )
    window_closes_at = serializers.DateTimeField(
        allow_null=True, help_text="When WhatsApp's 24-hour window closes or closed."
    )
    templates = TemplateOutputSerializer(many=True)
