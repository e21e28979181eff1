"""Input and output serializers of the routing API: groups, operators, channels.

Input serializers only parse and type-check; the rules live in ``routing.services``.
Output serializers shape rows for the answer.
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth.validators import UnicodeUsernameValidator
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers
from rest_framework.validators import UniqueValidator

from contactcenter.api_common import InputSerializer, JSONObjectField
from crm.models import ChannelType
from inbox.models import Channel
from inbox.serializers import SessionSerializer
from routing.models import (
    Group,
    Operator,
    OperatorStatus,
    RoutingStrategy,
    validate_time_zone,
)

HH_MM = "%H:%M"
MAX_LIST = 1000


class OpenIntervalSerializer(InputSerializer):
    weekday = serializers.IntegerField(min_value=0, max_value=6, help_text="Monday is 0.")
    start = serializers.TimeField(format=HH_MM, input_formats=[HH_MM], help_text="HH:MM")
    end = serializers.TimeField(
        format=HH_MM, input_formats=[HH_MM], help_text="HH:MM, after start."
    )


def _operators_field(help_text: str) -> serializers.PrimaryKeyRelatedField:
    return serializers.PrimaryKeyRelatedField(
        many=True, queryset=Operator.objects.all(), help_text=help_text, required=False
    )


# --- groups ----------------------------------------------------------------------------


class GroupInputSerializer(InputSerializer):
    name = serializers.CharField(
        max_length=100,
        validators=[UniqueValidator(Group.objects.all(), message="A group with this name exists.")],
    )
    routing_strategy = serializers.ChoiceField(choices=RoutingStrategy.choices, required=False)
    default_max_sessions = serializers.IntegerField(min_value=0, max_value=100, required=False)
    no_answer_timeout_s = serializers.IntegerField(
        min_value=1, max_value=86_400, allow_null=True, required=False, help_text="null: off."
    )
    inactivity_timeout_s = serializers.IntegerField(
        min_value=1, max_value=30 * 86_400, allow_null=True, required=False, help_text="null: off."
    )
    sla_target_s = serializers.IntegerField(min_value=1, max_value=86_400, required=False)
    abandon_after_s = serializers.IntegerField(min_value=5, max_value=86_400, required=False)
    time_zone = serializers.CharField(
        max_length=64, validators=[validate_time_zone], required=False
    )
    working_hours = OpenIntervalSerializer(
        many=True, allow_null=True, required=False, help_text="null: always open."
    )
    holidays = serializers.ListField(
        child=serializers.DateField(), max_length=MAX_LIST, required=False
    )
    offline_message = serializers.CharField(max_length=5000, allow_blank=True, required=False)
    members = _operators_field("Operator ids, in round-robin order.")
    supervisors = _operators_field("Operator ids.")


class GroupOutputSerializer(serializers.ModelSerializer):
    working_hours = serializers.SerializerMethodField()
    holidays = serializers.SerializerMethodField()
    members = serializers.SerializerMethodField()
    supervisors = serializers.SerializerMethodField()

    class Meta:
        model = Group
        fields = [
            "id",
            "name",
            "routing_strategy",
            "default_max_sessions",
            "no_answer_timeout_s",
            "inactivity_timeout_s",
            "sla_target_s",
            "abandon_after_s",
            "time_zone",
            "working_hours",
            "holidays",
            "offline_message",
            "members",
            "supervisors",
            "created_at",
        ]
        read_only_fields = fields

    @extend_schema_field(OpenIntervalSerializer(many=True, allow_null=True))
    def get_working_hours(self, group: Group) -> list[dict[str, Any]] | None:
        if group.always_open:
            return None
        hours = sorted(group.working_hours.all(), key=lambda h: (h.weekday, h.start))
        return list(OpenIntervalSerializer(hours, many=True).data)

    @extend_schema_field(serializers.ListField(child=serializers.DateField()))
    def get_holidays(self, group: Group) -> list[str]:
        return sorted(h.date.isoformat() for h in group.holidays.all())

    @extend_schema_field(serializers.ListField(child=serializers.IntegerField()))
    def get_members(self, group: Group) -> list[int]:
        memberships = sorted(group.memberships.all(), key=lambda m: (m.position, m.pk))
        return [m.operator_id for m in memberships]

    @extend_schema_field(serializers.ListField(child=serializers.IntegerField()))
    def get_supervisors(self, group: Group) -> list[int]:
        return sorted(o.pk for o in group.supervisors.all())


# --- operators -------------------------------------------------------------------------


class OperatorInputSerializer(InputSerializer):
    username = serializers.CharField(max_length=150, validators=[UnicodeUsernameValidator()])
    password = serializers.CharField(
        write_only=True, max_length=128, trim_whitespace=False, style={"input_type": "password"}
    )
    display_name = serializers.CharField(max_length=100, allow_blank=True, required=False)
    max_sessions = serializers.IntegerField(
        min_value=0,
        max_value=100,
        allow_null=True,
        required=False,
        help_text="null: group default.",
    )
    groups = serializers.PrimaryKeyRelatedField(
        many=True, queryset=Group.objects.all(), required=False
    )
    status = serializers.ChoiceField(choices=OperatorStatus.choices, required=False)
    language = serializers.ChoiceField(
        choices=["en", "ru"],
        required=False,
        help_text="The operator's UI language; customers' messages are translated into it.",
    )


class OperatorStatusInputSerializer(InputSerializer):
    status = serializers.ChoiceField(choices=OperatorStatus.choices, required=False)
    language = serializers.ChoiceField(
        choices=["en", "ru"], required=False, help_text="The caller's UI language."
    )


class OperatorOutputSerializer(serializers.ModelSerializer):
    username = serializers.CharField(source="user.username", read_only=True)
    name = serializers.CharField(read_only=True, help_text="The display name or the username.")
    groups = serializers.SerializerMethodField()
    active_sessions = serializers.IntegerField(
        read_only=True, help_text="Sessions this operator holds now (status active)."
    )
    connected = serializers.SerializerMethodField(
        help_text="True while the operator has the inbox open."
    )
    supervised_groups = serializers.SerializerMethodField(
        help_text="The groups this operator supervises (their inbox shows these groups' "
        "waiting and active chats live)."
    )
    language = serializers.CharField(
        source="ui_language",
        read_only=True,
        help_text="The operator's UI language (en or ru); customers' messages are "
        "translated into it.",
    )

    class Meta:
        model = Operator
        fields = [
            "id",
            "username",
            "display_name",
            "name",
            "max_sessions",
            "groups",
            "supervised_groups",
            "status",
            "active_sessions",
            "connected",
            "language",
            "last_assigned_at",
            "created_at",
        ]
        read_only_fields = fields

    @extend_schema_field(serializers.ListField(child=serializers.IntegerField()))
    def get_groups(self, operator: Operator) -> list[int]:
        return sorted(m.group_id for m in operator.memberships.all())

    @extend_schema_field(serializers.ListField(child=serializers.IntegerField()))
    def get_supervised_groups(self, operator: Operator) -> list[int]:
        return sorted(g.pk for g in operator.supervisor_of.all())

    @extend_schema_field(serializers.BooleanField())
    def get_connected(self, operator: Operator) -> bool:
        return operator.connected_at is not None


# --- channels --------------------------------------------------------------------------


class TopicInputSerializer(InputSerializer):
    id = serializers.IntegerField(required=False, allow_null=True, help_text="Absent: a new topic.")
    title = serializers.CharField(max_length=100)
    group = serializers.PrimaryKeyRelatedField(queryset=Group.objects.all())


class TopicOutputSerializer(serializers.Serializer):
    id = serializers.IntegerField(read_only=True)
    title = serializers.CharField(read_only=True)
    group = serializers.IntegerField(source="group_id", read_only=True)


CONFIG_HELP = (
    "Settings of this kind of channel. Secrets (e.g. bot_token, webhook_secret, "
    "access_token, app_secret, verify_token, imap_password, smtp_password) are write "
    "only: never shown, and kept when left out or blank on update. allowed_origins: the "
    "web origins allowed to embed the widget (empty: any)."
)


class ChannelInputSerializer(InputSerializer):
    type = serializers.ChoiceField(choices=ChannelType.choices)
    name = serializers.CharField(max_length=100)
    default_group = serializers.PrimaryKeyRelatedField(
        queryset=Group.objects.all(), allow_null=True, required=False
    )
    topics: serializers.ListSerializer[Any] = serializers.ListSerializer(
        child=TopicInputSerializer(), required=False, max_length=MAX_LIST
    )
    config = JSONObjectField(required=False, help_text=CONFIG_HELP)
    is_active = serializers.BooleanField(required=False)

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        if "config" in attrs:
            config = dict(attrs["config"])
            if "allowed_origins" in config:
                attrs["allowed_origins"] = config.pop("allowed_origins")
            attrs["config"] = config
        return attrs


class ChannelOutputSerializer(serializers.ModelSerializer):
    default_group: serializers.PrimaryKeyRelatedField[Any] = serializers.PrimaryKeyRelatedField(
        read_only=True, allow_null=True
    )
    topics = TopicOutputSerializer(many=True, read_only=True)
    config = serializers.SerializerMethodField(help_text=CONFIG_HELP)

    class Meta:
        model = Channel
        fields = [
            "id",
            "type",
            "name",
            "key",
            "default_group",
            "topics",
            "config",
            "is_active",
            "created_at",
        ]
        read_only_fields = fields

    @extend_schema_field(serializers.DictField())
    def get_config(self, channel: Channel) -> dict[str, Any]:
        return {**channel.public_config(), "allowed_origins": list(channel.allowed_origins)}


# --- sessions: transfers ------------------------------------------------------------


class TransferInputSerializer(InputSerializer):
    group = serializers.PrimaryKeyRelatedField(queryset=Group.objects.all(), required=False)
    operator = serializers.PrimaryKeyRelatedField(queryset=Operator.objects.all(), required=False)
    note = serializers.CharField(max_length=1000, required=False, allow_blank=True, default="")

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        if ("group" in attrs) == ("operator" in attrs):
            raise serializers.ValidationError("Give either a group or an operator.")
        return attrs


class TransferOutputSerializer(serializers.Serializer):
    closed = SessionSerializer()
    opened = SessionSerializer()


# --- the supervisors' board ---------------------------------------------------------


class BoardOperatorSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    status = serializers.ChoiceField(choices=OperatorStatus.choices)
    connected = serializers.BooleanField(help_text="At least one operator socket is open.")
    available = serializers.BooleanField(
        help_text="Routing may give this operator a chat now: online, connected (or within "
        "the reconnection grace period), with a free seat. The same rule routing applies."
    )
    active_sessions = serializers.IntegerField(
        help_text="Active sessions the operator holds, in any group."
    )
    limit = serializers.IntegerField(
        help_text="The effective limit: max_sessions, else the largest default of the "
        "operator's groups."
    )
    max_sessions = serializers.IntegerField(
        allow_null=True, help_text="The operator's own limit; null: the group default."
    )
    last_assigned_at = serializers.DateTimeField(allow_null=True)


class BoardSessionSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    status = serializers.ChoiceField(choices=["queued", "active"])
    contact_name = serializers.CharField()
    operator = serializers.IntegerField(allow_null=True)
    operator_name = serializers.CharField(allow_null=True)
    priority = serializers.IntegerField()
    queued_at = serializers.DateTimeField(allow_null=True)
    assigned_at = serializers.DateTimeField(allow_null=True)
    url = serializers.CharField(help_text="The inbox page that opens this chat.")


class BoardGroupSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    routing_strategy = serializers.ChoiceField(choices=RoutingStrategy.choices)
    default_max_sessions = serializers.IntegerField()
    queue_size = serializers.IntegerField()
    oldest_queued_at = serializers.DateTimeField(
        allow_null=True, help_text="When the longest-waiting queued session was queued."
    )
    active_sessions = serializers.IntegerField(help_text="Sessions of the group in status active.")
    operators = BoardOperatorSerializer(many=True, help_text="The group's members, by name.")
    sessions = BoardSessionSerializer(
        many=True,
        help_text="Up to 50 open chats: the waiting ones (priority, then longest wait "
        "first), then the active ones.",
    )


class BoardSerializer(serializers.Serializer):
    server_time = serializers.DateTimeField(
        help_text="The server's clock, so that live waits tick right on a skewed client."
    )
    groups = BoardGroupSerializer(many=True)
