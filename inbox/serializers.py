"""Input and output serializers of the inbox API. Output serializers declare, for the
schema, the shapes ``inbox.payloads`` builds; input serializers only parse, the rules
live in ``inbox.services``."""

from __future__ import annotations

from typing import Any

from rest_framework import serializers

from contactcenter.api_common import InputSerializer
from inbox import payloads
from inbox.models import SessionStatus
from inbox.services.validators import MAX_CLIENT_ID, MAX_TEXT


class AttachmentSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    url = serializers.CharField(allow_null=True)
    content_type = serializers.CharField()
    size = serializers.IntegerField()


class ButtonSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    title = serializers.CharField()


class MessageSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    dialog = serializers.IntegerField()
    session = serializers.IntegerField(allow_null=True)
    sender_type = serializers.ChoiceField(choices=["contact", "operator", "bot", "system"])
    sender_name = serializers.CharField()
    text = serializers.CharField()
    attachments = AttachmentSerializer(many=True)
    client_id = serializers.CharField(allow_null=True)
    created_at = serializers.DateTimeField()
    internal = serializers.BooleanField(help_text="A note only operators see.")
    status = serializers.ChoiceField(
        choices=["pending", "sent", "delivered", "read", "failed"],
        allow_null=True,
        help_text=(
            "Delivery of a message to the contact on an external channel (Telegram, "
            "WhatsApp, e-mail, API): pending, sent, delivered, read or failed; it only "
            "moves forward. Null in the widget, for the contact's messages and notes."
        ),
    )
    buttons = ButtonSerializer(
        many=True, required=False, help_text="A bot's choices (only on messages that have them)."
    )
    node = serializers.IntegerField(
        required=False, allow_null=True, help_text="The bot step the buttons belong to."
    )
    language = serializers.CharField(
        allow_null=True,
        help_text="The language text is in, when known (e.g. ru); null when not needed.",
    )
    translations = serializers.DictField(
        child=serializers.CharField(),
        help_text=(
            "The text in other languages, language code → text: a customer's message in "
            "its operator's language; a reply in the customer's (what the customer got). "
            "text always stays what its author wrote."
        ),
    )
    translation_status = serializers.ChoiceField(
        choices=["pending", "translated", "untranslated"],
        allow_null=True,
        help_text=(
            "pending: being translated; translated; untranslated: the provider failed "
            "(the message was shown or sent as written; a customer's message may be "
            "translated again). Null: no translation needed."
        ),
    )

    def to_representation(self, instance: Any) -> dict[str, Any]:
        return payloads.message(instance)


class LabelSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    color = serializers.CharField(help_text="#rrggbb")


class LastMessageSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    text = serializers.CharField()
    sender_type = serializers.CharField()
    created_at = serializers.DateTimeField()


class SessionSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    dialog = serializers.IntegerField()
    contact = serializers.IntegerField()
    channel = serializers.IntegerField()
    group = serializers.IntegerField(allow_null=True)
    operator = serializers.IntegerField(allow_null=True)
    status = serializers.ChoiceField(choices=SessionStatus.choices)
    close_reason = serializers.CharField(allow_blank=True)
    topic = serializers.IntegerField(allow_null=True)
    priority = serializers.IntegerField()
    previous_session = serializers.IntegerField(allow_null=True)
    created_at = serializers.DateTimeField()
    queued_at = serializers.DateTimeField(allow_null=True)
    assigned_at = serializers.DateTimeField(allow_null=True)
    first_response_at = serializers.DateTimeField(allow_null=True)
    closed_at = serializers.DateTimeField(allow_null=True)
    last_contact_message_at = serializers.DateTimeField(allow_null=True)
    contact_name = serializers.CharField()
    contact_anonymous = serializers.BooleanField(
        help_text='No name, e-mail or phone yet: `contact_name` is "Customer #<contact>".'
    )
    channel_type = serializers.CharField()
    channel_name = serializers.CharField()
    group_name = serializers.CharField(allow_null=True)
    operator_name = serializers.CharField(allow_null=True)
    topic_title = serializers.CharField(allow_null=True)
    sla_target_s = serializers.IntegerField(allow_null=True)
    rating = serializers.IntegerField(allow_null=True)
    labels = LabelSerializer(many=True, help_text="The conversation's labels, by name.")
    language = serializers.CharField(
        allow_null=True,
        help_text="The customer's language: detected from their messages or the widget's "
        "locale, or set by an operator. Null: not known yet.",
    )
    language_fixed = serializers.BooleanField(
        help_text="True when an operator set the language (detection no longer changes it)."
    )
    unread_count = serializers.IntegerField()
    last_message = LastMessageSerializer(allow_null=True)

    def to_representation(self, instance: Any) -> dict[str, Any]:
        data = payloads.session(instance)
        data["unread_count"] = getattr(instance, "unread_count", 0)
        last_id = getattr(instance, "last_message_id", None)
        data["last_message"] = (
            {
                "id": last_id,
                "text": instance.last_message_text,
                "sender_type": instance.last_message_sender_type,
                "created_at": payloads.iso(instance.last_message_at),
            }
            if last_id
            else None
        )
        return data


class MessageInputSerializer(InputSerializer):
    text = serializers.CharField(max_length=MAX_TEXT, trim_whitespace=False)
    client_id = serializers.CharField(max_length=MAX_CLIENT_ID, required=False, allow_null=True)


class NoteInputSerializer(InputSerializer):
    text = serializers.CharField(
        max_length=MAX_TEXT, trim_whitespace=False, help_text="The note; the contact never sees it."
    )
    client_id = serializers.CharField(
        max_length=MAX_CLIENT_ID,
        required=False,
        allow_null=True,
        help_text="The writer's id for the note; a repeat stores nothing new.",
    )


class LabelAddInputSerializer(InputSerializer):
    # a field named like Field.label: the serializer metaclass takes it as a field
    label = serializers.IntegerField(min_value=1, max_value=2**62, help_text="A label id.")  # type: ignore[assignment]


class LabelsSetInputSerializer(InputSerializer):
    labels = serializers.ListField(
        child=serializers.IntegerField(min_value=1, max_value=2**62),
        max_length=50,
        help_text="Label ids; they replace the session's labels (empty: none).",
    )


class AttachmentInputSerializer(InputSerializer):
    file = serializers.FileField(
        help_text="One file: a type listed in the widget config's attachments.types, up to "
        "attachments.max_bytes. Images (PNG, JPEG, GIF, WebP) and PDFs must really be of "
        "their declared type."
    )
    client_id = serializers.CharField(
        max_length=MAX_CLIENT_ID,
        required=False,
        allow_null=True,
        help_text="The sender's id for the message; a repeat stores nothing new.",
    )
    text = serializers.CharField(
        max_length=MAX_TEXT,
        required=False,
        allow_blank=True,
        trim_whitespace=False,
        help_text="Optional text sent with the file.",
    )


class ReadInputSerializer(InputSerializer):
    message = serializers.IntegerField(min_value=0, max_value=2**62)


class LanguageInputSerializer(InputSerializer):
    language = serializers.CharField(
        max_length=16,
        allow_blank=True,
        trim_whitespace=True,
        help_text="The customer's language, e.g. ru; empty: detect it from their messages.",
    )


class UnfilledPlaceholderSerializer(serializers.Serializer):
    placeholder = serializers.CharField(help_text="The name between the braces.")
    reason = serializers.CharField(help_text="Why it was not filled, for the operator.")


class CannedResponseSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    shortcut = serializers.CharField()
    title = serializers.CharField()
    text = serializers.CharField(
        help_text="With `?session=`: filled in for that session; else as written."
    )
    raw_text = serializers.CharField(help_text="The text as written, with its placeholders.")
    unfilled = UnfilledPlaceholderSerializer(
        many=True,
        help_text="Placeholders still in `text`: the operator edits them before sending.",
    )
    group = serializers.IntegerField(allow_null=True)


class VisitorContextSerializer(serializers.Serializer):
    dialog = serializers.IntegerField()
    page_url = serializers.CharField(help_text="The page the visitor is on (http or https).")
    page_title = serializers.CharField()
    referrer = serializers.CharField(help_text="The page that led to the site; may be empty.")
    browser = serializers.CharField(help_text='E.g. "Chrome 120 on Windows"; empty if unknown.')
    user_agent = serializers.CharField()
    language = serializers.CharField(help_text="The browser's language, e.g. de-DE.")
    time_zone = serializers.CharField(help_text="The browser's IANA time zone; may be empty.")
    utc_offset_min = serializers.IntegerField(
        allow_null=True, help_text="Minutes the visitor's clock is ahead of UTC."
    )
    created_at = serializers.DateTimeField()
    last_seen_at = serializers.DateTimeField(allow_null=True)
    updated_at = serializers.DateTimeField()


# --- labels -------------------------------------------------------------------------


class LabelInputSerializer(InputSerializer):
    name = serializers.CharField(max_length=50)
    color = serializers.RegexField(
        r"^#[0-9a-fA-F]{6}$",
        required=False,
        help_text="#rrggbb",
        error_messages={"invalid": "A colour like #2563eb."},
    )
    description = serializers.CharField(max_length=200, required=False, allow_blank=True)


class LabelOutputSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    color = serializers.CharField()
    description = serializers.CharField(allow_blank=True)
    created_at = serializers.DateTimeField()


# --- search -------------------------------------------------------------------------


class SearchContactSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField(allow_blank=True)
    email = serializers.CharField(allow_blank=True)
    phone = serializers.CharField(allow_blank=True)
    session = serializers.IntegerField(
        allow_null=True, help_text="Their latest session the caller may see."
    )


class SearchSerializer(serializers.Serializer):
    query = serializers.CharField()
    sessions = SessionSerializer(many=True)
    contacts = SearchContactSerializer(many=True)
