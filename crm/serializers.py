"""Input and output serializers of the crm API. Input serializers only parse; the rules
live in ``crm.services``."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.models import User
from django.urls import reverse
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from contactcenter.api_common import InputSerializer, JSONObjectField
from crm.models import (
    ChannelType,
    Contact,
    Lead,
    LeadStatus,
    MergeResolution,
    MergeSuggestion,
    Pipeline,
    Stage,
    Task,
)
from crm.selectors import task_is_overdue


class IdentitySerializer(InputSerializer):
    # A plain serializer: an identity taken by another contact is a conflict the service
    # reports (409), not a uniqueness error of this form.
    channel_type = serializers.ChoiceField(choices=ChannelType.choices)
    external_id = serializers.CharField(max_length=255)


class ContactInputSerializer(InputSerializer):
    name = serializers.CharField(max_length=200, allow_blank=True, required=False)
    email = serializers.EmailField(max_length=254, allow_blank=True, required=False)
    phone = serializers.CharField(max_length=32, allow_blank=True, required=False)
    attributes = JSONObjectField(
        required=False, help_text='Free fields, e.g. {"plan": "gold"}; replaced as a whole.'
    )


class ContactCreateInputSerializer(ContactInputSerializer):
    identities: serializers.ListSerializer[Any] = serializers.ListSerializer(
        child=IdentitySerializer(),
        required=False,
        max_length=100,
        help_text="Set on creation only; later, channels and merges add identities.",
    )

    def validate_identities(self, value: list[dict[str, str]]) -> list[dict[str, str]]:
        keys = [(i["channel_type"], i["external_id"]) for i in value]
        if len(set(keys)) != len(keys):
            raise serializers.ValidationError("An identity is listed twice.")
        return value


class ContactMergeInputSerializer(InputSerializer):
    # a field named like Field.source: the serializer metaclass takes it as a field
    source = serializers.IntegerField(  # type: ignore[assignment]
        min_value=1, help_text="The contact folded into this one; it then answers 404."
    )


class ContactOutputSerializer(serializers.ModelSerializer):
    identities = IdentitySerializer(many=True, read_only=True)
    # Plain text, not format "email": an unknown address is the empty string.
    email = serializers.CharField(read_only=True, help_text="E-mail address; empty if unknown.")
    display_name = serializers.CharField(
        source="__str__",
        read_only=True,
        help_text='What operators see: the name, else the e-mail or phone, else "Customer #<id>".',
    )

    class Meta:
        model = Contact
        fields = [
            "id",
            "name",
            "display_name",
            "email",
            "phone",
            "attributes",
            "identities",
            "created_at",
            "updated_at",
        ]
        read_only_fields = fields


# --- pipelines, leads, tasks -------------------------------------------------------------

# Ids past this are no row's; refused before they reach the database (whose integer
# types would overflow into a 500).
MAX_ID = 2**63 - 1


class ObjectField(serializers.PrimaryKeyRelatedField):
    """An object by id: a number that is not one, or no such object, is a 400."""

    def to_internal_value(self, data: Any) -> Any:
        if isinstance(data, bool) or not isinstance(data, int | str):
            self.fail("incorrect_type", data_type=type(data).__name__)
        text = str(data)
        if not (text.isascii() and text.isdigit()) or int(text) > MAX_ID:
            self.fail("does_not_exist", pk_value=text[:20])
        return super().to_internal_value(int(text))


class IdField(serializers.IntegerField):
    """An id resolved by the view with the caller's visibility (``contact``, ``session``)."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(min_value=1, max_value=MAX_ID, **kwargs)


# A named component: other "status" fields (sessions, operators) have other choices.
@extend_schema_field(
    {
        "type": "string",
        "enum": LeadStatus.values,
        "description": "`new`, `in_progress`, `qualified`, `disqualified`, `won` or `lost`.",
    },
    component_name="LeadStatusEnum",
)
class LeadStatusField(serializers.ChoiceField):
    def __init__(self, **kwargs: Any) -> None:
        super().__init__(choices=LeadStatus.choices, **kwargs)


def _active_users() -> Any:
    return User.objects.filter(is_active=True)


class StageSerializer(InputSerializer):
    id = serializers.IntegerField(
        required=False,
        min_value=1,
        max_value=MAX_ID,
        help_text="On update: the stage to keep (rename, move). Left out: a new stage.",
    )
    name = serializers.CharField(max_length=100)
    position = serializers.IntegerField(read_only=True)

    def validate_name(self, value: str) -> str:
        if any(ord(ch) < 32 for ch in value):
            raise serializers.ValidationError("Control characters are not allowed.")
        return value


class PipelineInputSerializer(InputSerializer):
    name = serializers.CharField(max_length=100)
    is_default = serializers.BooleanField(
        required=False, help_text="New leads go to the default pipeline; there is one."
    )
    stages: serializers.ListSerializer[Any] = serializers.ListSerializer(
        child=StageSerializer(),
        required=False,
        max_length=50,
        help_text="In funnel order. On update the list replaces the stored one: entries "
        "with an id keep that stage, entries without create one, stages left out are "
        "deleted (409 if leads are still on them).",
    )

    def validate_name(self, value: str) -> str:
        return StageSerializer().validate_name(value)


class PipelineOutputSerializer(serializers.ModelSerializer):
    stages = StageSerializer(many=True, read_only=True)

    class Meta:
        model = Pipeline
        fields = ["id", "name", "is_default", "stages", "created_at"]
        read_only_fields = fields


class LeadInputSerializer(InputSerializer):
    """A lead's changeable fields (PATCH)."""

    title = serializers.CharField(max_length=200)
    session = IdField(
        allow_null=True, help_text="A session of the lead's contact, the conversation it came from."
    )
    pipeline = ObjectField(
        queryset=Pipeline.objects.all(),
        help_text="Changing it without a stage puts the lead on its first stage.",
    )
    stage = ObjectField(queryset=Stage.objects.all(), help_text="A stage of the lead's pipeline.")
    owner = ObjectField(
        queryset=_active_users(),
        allow_null=True,
        help_text="The responsible person's user id. Only CRM managers set someone else.",
    )
    status = LeadStatusField()
    # a field named like Serializer.fields: the serializer metaclass takes it as a field
    fields = JSONObjectField(  # type: ignore[assignment]
        help_text='Free fields, e.g. {"budget": 1200}; replaced as a whole.'
    )


class LeadCreateInputSerializer(LeadInputSerializer):
    contact = IdField(help_text="A contact the caller may see.")
    pipeline = ObjectField(
        queryset=Pipeline.objects.all(),
        required=False,
        help_text="Left out: the stage's pipeline, else the default pipeline.",
    )
    stage = ObjectField(
        queryset=Stage.objects.all(),
        required=False,
        help_text="A stage of the pipeline; left out: its first stage.",
    )
    session = IdField(
        required=False,
        allow_null=True,
        help_text="A session of the contact, the conversation the lead came from.",
    )
    owner = ObjectField(
        queryset=_active_users(),
        required=False,
        allow_null=True,
        help_text="The responsible person's user id; left out: the caller. Only CRM "
        "managers set someone else.",
    )
    status = LeadStatusField(default=LeadStatus.NEW)
    fields = JSONObjectField(required=False, help_text='Free fields, e.g. {"budget": 1200}.')


class LeadOutputSerializer(serializers.ModelSerializer):
    contact_name = serializers.SerializerMethodField()
    pipeline_name = serializers.CharField(source="pipeline.name", read_only=True)
    stage_name = serializers.CharField(source="stage.name", read_only=True, allow_null=True)
    owner_name = serializers.SerializerMethodField()
    status = LeadStatusField(read_only=True)
    status_display = serializers.CharField(
        source="get_status_display",
        read_only=True,
        help_text="The status in the caller's language.",
    )
    url = serializers.SerializerMethodField(help_text="The lead's page.")

    class Meta:
        model = Lead
        fields = [
            "id",
            "contact",
            "contact_name",
            "session",
            "title",
            "pipeline",
            "pipeline_name",
            "stage",
            "stage_name",
            "owner",
            "owner_name",
            "status",
            "status_display",
            "fields",
            "url",
            "created_at",
            "updated_at",
        ]
        read_only_fields = fields

    def get_url(self, lead: Lead) -> str:
        return reverse("crm:lead", args=[lead.pk])

    def get_contact_name(self, lead: Lead) -> str:
        return str(lead.contact)

    def get_owner_name(self, lead: Lead) -> str | None:
        return user_display_name(lead.owner)


def user_display_name(user: Any) -> str | None:
    if user is None:
        return None
    return user.get_full_name() or user.get_username()


class TaskInputSerializer(InputSerializer):
    title = serializers.CharField(max_length=200)
    description = serializers.CharField(allow_blank=True, required=False, max_length=10_000)
    lead = ObjectField(queryset=Lead.objects.all(), allow_null=True, required=False)
    contact = ObjectField(
        queryset=Contact.objects.live(),
        allow_null=True,
        required=False,
        help_text="Left out with a lead: the lead's contact.",
    )
    assignee = ObjectField(
        queryset=_active_users(),
        allow_null=True,
        required=False,
        help_text="A user id; left out on creation: the caller.",
    )
    due_at = serializers.DateTimeField(allow_null=True, required=False)
    done = serializers.BooleanField(
        required=False, help_text="true marks the task done (now), false not done again."
    )


class TaskOutputSerializer(serializers.ModelSerializer):
    lead_title = serializers.CharField(source="lead.title", read_only=True, allow_null=True)
    contact_name = serializers.SerializerMethodField()
    assignee_name = serializers.SerializerMethodField()
    done = serializers.BooleanField(source="is_done", read_only=True)
    is_overdue = serializers.SerializerMethodField(help_text="Not done and past its due time.")

    class Meta:
        model = Task
        fields = [
            "id",
            "title",
            "description",
            "lead",
            "lead_title",
            "contact",
            "contact_name",
            "assignee",
            "assignee_name",
            "due_at",
            "done",
            "done_at",
            "is_overdue",
            "created_at",
        ]
        read_only_fields = fields

    def get_contact_name(self, task: Task) -> str | None:
        return str(task.contact) if task.contact is not None else None

    def get_assignee_name(self, task: Task) -> str | None:
        return user_display_name(task.assignee)

    def get_is_overdue(self, task: Task) -> bool:
        return task_is_overdue(task)


# --- identity: a contact's timeline and merge suggestions ------------------------------


class TimelineEntrySerializer(serializers.Serializer):
    session = serializers.IntegerField(source="pk")
    dialog = serializers.IntegerField(source="dialog_id")
    channel = serializers.IntegerField(source="dialog.channel_id")
    channel_type = serializers.CharField(source="dialog.channel.type")
    channel_name = serializers.CharField(source="dialog.channel.name")
    group = serializers.IntegerField(source="group_id", allow_null=True)
    group_name = serializers.SerializerMethodField()
    operator = serializers.IntegerField(source="operator_id", allow_null=True)
    operator_name = serializers.SerializerMethodField()
    topic_title = serializers.SerializerMethodField()
    status = serializers.CharField()
    close_reason = serializers.CharField()
    created_at = serializers.DateTimeField()
    closed_at = serializers.DateTimeField(allow_null=True)
    first_message_text = serializers.CharField(
        allow_null=True, help_text="The session's first customer message (null: none yet)."
    )

    def get_group_name(self, session: Any) -> str:
        return session.group.name if session.group_id else ""

    def get_operator_name(self, session: Any) -> str:
        return session.operator.name if session.operator_id else ""

    def get_topic_title(self, session: Any) -> str:
        return session.topic.title if session.topic_id else ""


class MergeSuggestionSerializer(serializers.ModelSerializer):
    contact_name = serializers.CharField(source="contact.__str__", read_only=True)
    candidate_name = serializers.CharField(source="candidate.__str__", read_only=True)
    candidate_email = serializers.CharField(source="candidate.email", read_only=True)
    candidate_phone = serializers.CharField(source="candidate.phone", read_only=True)
    resolution = serializers.ChoiceField(
        choices=MergeResolution.choices,
        allow_blank=True,
        read_only=True,
        help_text="Empty while the suggestion is open.",
    )

    class Meta:
        model = MergeSuggestion
        fields = [
            "id",
            "contact",
            "contact_name",
            "candidate",
            "candidate_name",
            "candidate_email",
            "candidate_phone",
            "reason",
            "created_at",
            "resolved",
            "resolution",
        ]
        read_only_fields = fields
