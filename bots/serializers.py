"""Serializers of the bots API: input serializers parse, output serializers shape the
answers (and the OpenAPI schema)."""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import inline_serializer
from rest_framework import serializers

from bots.flows.simulate import MAX_INPUTS
from bots.models import Bot, BotMode, BotVersion
from bots.services.flows import MAX_KEYWORD, MAX_KEYWORDS
from contactcenter.api_common import InputSerializer, JSONObjectField
from inbox.models import Channel

FLOW_HELP = (
    'The flow: {"start": "<node id>", "nodes": {"<node id>": {"type": ..., ...}}}; node '
    "types message, buttons, input, condition, set, faq, handoff, end (see docs/bots.md)."
)


class BotInputSerializer(InputSerializer):
    name = serializers.CharField(max_length=200)
    channels = serializers.PrimaryKeyRelatedField(
        queryset=Channel.objects.all(), many=True, required=False
    )
    mode = serializers.ChoiceField(choices=BotMode.choices, required=False)
    handoff_keywords = serializers.ListField(
        child=serializers.CharField(max_length=MAX_KEYWORD),
        max_length=MAX_KEYWORDS,
        required=False,
        help_text="Words that hand the customer to a person from any node.",
    )
    flow = JSONObjectField(help_text=FLOW_HELP)


class BotOutputSerializer(serializers.ModelSerializer):
    channels: serializers.PrimaryKeyRelatedField[Any] = serializers.PrimaryKeyRelatedField(
        many=True, read_only=True
    )
    handoff_keywords = serializers.ListField(child=serializers.CharField(), read_only=True)
    flow = serializers.JSONField(read_only=True, help_text=FLOW_HELP)
    version = serializers.IntegerField(
        read_only=True, help_text="Grows by one on every change of the flow."
    )

    class Meta:
        model = Bot
        fields = [
            "id",
            "name",
            "channels",
            "mode",
            "handoff_keywords",
            "flow",
            "version",
            "created_at",
            "updated_at",
        ]


class BotVersionOutputSerializer(serializers.ModelSerializer):
    flow = serializers.JSONField(read_only=True)
    created_by = serializers.CharField(
        source="created_by.username",
        read_only=True,
        allow_null=True,
        help_text="Who published it (their username); null when unknown.",
    )

    class Meta:
        model = BotVersion
        fields = ["number", "flow", "restored_from", "created_at", "created_by"]


class SimulateInputSerializer(InputSerializer):
    inputs = serializers.ListField(
        child=serializers.JSONField(),
        max_length=MAX_INPUTS,
        required=False,
        default=list,
        help_text='What the customer does, in order: a text, or {"button": "<button id>"}.',
    )
    contact = JSONObjectField(
        required=False,
        help_text="The customer as conditions see it: name, email, phone, attributes.",
    )
    group_open = serializers.BooleanField(
        required=False, default=True, help_text="Run as if the target group were open."
    )
    flow = JSONObjectField(
        required=False, help_text="A flow to try instead of the bot's current one."
    )


SimulateOutputSerializer = inline_serializer(
    "BotSimulation",
    {
        "transcript": inline_serializer(
            "BotSimulationLine",
            {
                "from": serializers.ChoiceField(choices=["bot", "contact"]),
                "text": serializers.CharField(),
                "buttons": inline_serializer(
                    "BotSimulationButton",
                    {"id": serializers.CharField(), "title": serializers.CharField()},
                    many=True,
                    required=False,
                ),
                "node": serializers.CharField(required=False),
            },
            many=True,
        ),
        "outcome": serializers.ChoiceField(choices=["handoff", "end", "waiting"]),
        "group": serializers.IntegerField(allow_null=True),
        "priority": serializers.IntegerField(allow_null=True),
        "node": serializers.CharField(allow_null=True),
        "group_open": serializers.BooleanField(),
        "offline_message": serializers.CharField(allow_null=True),
        "collected": serializers.DictField(),
    },
)


FlowInvalidSerializer = inline_serializer(
    "FlowInvalid",
    {
        "flow": serializers.ListField(
            child=serializers.CharField(),
            required=False,
            help_text="Each problem, its nodes first (or what is wrong with the field).",
        ),
        "problems": inline_serializer(
            "FlowProblem",
            {
                "code": serializers.CharField(),
                "nodes": serializers.ListField(child=serializers.CharField()),
                "message": serializers.CharField(),
            },
            many=True,
            required=False,
        ),
    },
)
