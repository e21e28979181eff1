"""Channels (intake points), dialogs, sessions, messages, attachments, canned responses."""

from __future__ import annotations

import secrets
from typing import Any

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator, RegexValidator
from django.db import models
from django.db.models import Q
from django.db.models.functions import Lower
from django.utils.translation import gettext_lazy as _

from crm.models import ChannelType

# Keys of ``Channel.config`` that are secrets: accepted on write, never shown or logged.
SECRET_CONFIG_KEYS: dict[str, frozenset[str]] = {
    ChannelType.WIDGET: frozenset(),
    ChannelType.TELEGRAM: frozenset({"bot_token", "webhook_secret"}),
    ChannelType.WHATSAPP: frozenset({"access_token", "app_secret", "verify_token"}),
    ChannelType.EMAIL: frozenset({"imap_password", "smtp_password"}),
    ChannelType.API: frozenset({"inbound_secret", "webhook_secret"}),
}


def new_channel_key() -> str:
    return secrets.token_urlsafe(18)


class Channel(models.Model):
    """One intake endpoint an admin configured: a website widget, a Telegram bot..."""

    type = models.CharField(_("type"), max_length=16, choices=ChannelType.choices)
    name = models.CharField(_("name"), max_length=100)
    key = models.CharField(
        _("public key"),
        max_length=64,
        unique=True,
        default=new_channel_key,
        editable=False,
        help_text=_("Public: it goes into the widget snippet and webhook addresses."),
    )
    config = models.JSONField(
        _("settings"),
        default=dict,
        blank=True,
        help_text=_("Settings of this kind of channel. Secrets are kept but never shown again."),
    )
    allowed_origins = models.JSONField(
        _("allowed origins"),
        default=list,
        blank=True,
        help_text=_(
            'Websites that may embed the widget, e.g. ["https://shop.example"]. Empty: any site.'
        ),
    )
    default_group = models.ForeignKey(
        "routing.Group",
        verbose_name=_("default group"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="default_for_channels",
        help_text=_("Where conversations go when the customer picks no topic."),
    )
    is_active = models.BooleanField(
        _("active"), default=True, help_text=_("An inactive channel accepts no new messages.")
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        verbose_name = _("channel")
        verbose_name_plural = _("channels")
        ordering = ["name", "id"]

    def __str__(self) -> str:
        return f"{self.name} ({self.get_type_display()})"

    @property
    def secret_keys(self) -> frozenset[str]:
        return SECRET_CONFIG_KEYS.get(self.type, frozenset())

    def public_config(self) -> dict[str, object]:
        """The settings without their secrets, as shown in the admin and the API."""
        return {k: v for k, v in (self.config or {}).items() if k not in self.secret_keys}

    def merged_config(self, incoming: dict[str, object]) -> dict[str, object]:
        """The settings after an edit that may leave secrets out: a secret absent or blank
        in ``incoming`` keeps its stored value, since it was never shown to be re-sent."""
        merged = dict(incoming)
        for key in self.secret_keys:
            if merged.get(key) in (None, "") and (self.config or {}).get(key):
                merged[key] = self.config[key]
        return merged


class Dialog(models.Model):
    """The continuous thread between one contact identity and the company on one channel."""

    channel = models.ForeignKey(
        Channel, verbose_name=_("channel"), on_delete=models.PROTECT, related_name="dialogs"
    )
    contact = models.ForeignKey(
        "crm.Contact", verbose_name=_("contact"), on_delete=models.PROTECT, related_name="dialogs"
    )
    identity = models.ForeignKey(
        "crm.ContactIdentity",
        verbose_name=_("identity"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="dialogs",
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    last_message_at = models.DateTimeField(_("last message"), null=True, blank=True)
    # The contact's language (docs/translation.md): detected from their messages or the
    # widget's locale, or set by an operator (``language_fixed``: detection leaves it).
    language = models.CharField(_("contact's language"), max_length=16, blank=True, default="")
    language_fixed = models.BooleanField(
        _("language set by an operator"),
        default=False,
        help_text=_("Detection no longer changes the language an operator chose."),
    )

    class Meta:
        verbose_name = _("dialog")
        verbose_name_plural = _("dialogs")
        ordering = ["-last_message_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["channel", "identity"],
                condition=Q(identity__isnull=False),
                name="one_dialog_per_identity_and_channel",
            )
        ]
        indexes = [
            models.Index(fields=["contact", "-last_message_at"], name="dialog_contact_idx"),
        ]

    def __str__(self) -> str:
        return f"#{self.pk} {self.contact} @ {self.channel}"


class SessionStatus(models.TextChoices):
    BOT = "bot", _("Bot")
    QUEUED = "queued", _("Queued")
    ACTIVE = "active", _("Active")
    CLOSED = "closed", _("Closed")


class CloseReason(models.TextChoices):
    RESOLVED = "resolved", _("Resolved")
    TRANSFERRED = "transferred", _("Transferred")
    ABANDONED = "abandoned", _("Abandoned")
    TIMEOUT = "timeout", _("Timed out")
    MERGED = "merged", _("Merged")


class Session(models.Model):
    """One handling episode inside a dialog: one topic, one group, one operator at a time."""

    dialog = models.ForeignKey(
        Dialog, verbose_name=_("dialog"), on_delete=models.CASCADE, related_name="sessions"
    )
    group = models.ForeignKey(
        "routing.Group",
        verbose_name=_("group"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="sessions",
        db_index=False,  # session_queue_idx leads with the group
    )
    operator = models.ForeignKey(
        "routing.Operator",
        verbose_name=_("operator"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="sessions",
        db_index=False,  # session_operator_load_idx leads with the operator
    )
    topic = models.ForeignKey(
        "routing.Topic",
        verbose_name=_("topic"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="sessions",
    )
    status = models.CharField(
        _("status"), max_length=16, choices=SessionStatus.choices, default=SessionStatus.QUEUED
    )
    close_reason = models.CharField(
        _("close reason"), max_length=16, choices=CloseReason.choices, blank=True
    )
    priority = models.IntegerField(
        _("priority"), default=0, help_text=_("Higher numbers are served first from the queue.")
    )
    previous_session = models.ForeignKey(
        "self",
        verbose_name=_("previous session"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="next_sessions",
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    queued_at = models.DateTimeField(_("queued"), null=True, blank=True)
    assigned_at = models.DateTimeField(_("assigned"), null=True, blank=True)
    first_response_at = models.DateTimeField(_("first response"), null=True, blank=True)
    closed_at = models.DateTimeField(_("closed"), null=True, blank=True)
    last_contact_message_at = models.DateTimeField(
        _("last customer message"), null=True, blank=True
    )
    offline_notified = models.BooleanField(
        _("offline message sent"),
        default=False,
        help_text=_("The customer was told the group is closed."),
    )
    previous_operator = models.ForeignKey(
        "routing.Operator",
        verbose_name=_("previous operator"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text=_("Who had the session before it moved on for lack of an answer."),
    )
    operator_read_message_id = models.BigIntegerField(
        _("read by the operator up to"),
        default=0,
        help_text=_("Id of the last message the operator has seen; later ones are unread."),
    )
    rating = models.PositiveSmallIntegerField(
        _("rating"),
        null=True,
        blank=True,
        validators=[MinValueValidator(1), MaxValueValidator(5)],
        help_text=_("The customer's score of this session, 1 to 5."),
    )
    rating_comment = models.TextField(_("rating comment"), blank=True)
    rated_at = models.DateTimeField(_("rated"), null=True, blank=True)
    labels = models.ManyToManyField(
        "inbox.Label",
        verbose_name=_("labels"),
        through="inbox.SessionLabel",
        related_name="sessions",
        blank=True,
        help_text=_("Tags operators put on the conversation; carried over by a transfer."),
    )

    class Meta:
        verbose_name = _("session")
        verbose_name_plural = _("sessions")
        ordering = ["-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["dialog"],
                condition=~Q(status="closed"),
                name="one_open_session_per_dialog",
            ),
            models.CheckConstraint(
                condition=Q(status="closed") | Q(close_reason=""),
                name="close_reason_only_when_closed",
            ),
        ]
        indexes = [
            # the queue: head by priority, then time queued
            models.Index(
                fields=["group", "status", "-priority", "queued_at"], name="session_queue_idx"
            ),
            # an operator's sessions
            models.Index(fields=["operator", "status"], name="session_operator_load_idx"),
            # an operator's load, counted at every assignment: a small index of the active
            # sessions alone, which the planner takes even when its statistics were
            # gathered before there were any (a burst after a quiet night)
            models.Index(
                fields=["operator"],
                condition=Q(status="active"),
                name="session_active_load_idx",
            ),
            # lists by status, newest first; not for the active sessions, which the index
            # above serves: with it, a planner whose statistics show no active sessions
            # yet would count each operator's load by scanning every active session
            models.Index(
                fields=["status", "-created_at"],
                condition=~Q(status="active"),
                name="session_status_idx",
            ),
            # the open sessions nobody has answered yet: what the SLA alerts scan reads
            # every two seconds (reports.alerts)
            models.Index(
                fields=["created_at"],
                condition=Q(first_response_at__isnull=True, status__in=["queued", "active"]),
                name="session_unanswered_idx",
            ),
        ]

    def __str__(self) -> str:
        return f"session #{self.pk} ({self.status})"

    @property
    def is_open(self) -> bool:
        return self.status != SessionStatus.CLOSED


class SenderType(models.TextChoices):
    CONTACT = "contact", _("Customer")
    OPERATOR = "operator", _("Operator")
    BOT = "bot", _("Bot")
    SYSTEM = "system", _("System")


class DeliveryStatus(models.TextChoices):
    """How far a message to the contact on an external channel got; it only moves
    forward (``inbox.services.deliveries`` is its one writer)."""

    PENDING = "pending", _("Pending")
    SENT = "sent", _("Sent")
    DELIVERED = "delivered", _("Delivered")
    READ = "read", _("Read")
    FAILED = "failed", _("Failed")


class TranslationStatus(models.TextChoices):
    NONE = "", _("Not needed")
    PENDING = "pending", _("Translating")
    TRANSLATED = "translated", _("Translated")
    UNTRANSLATED = "untranslated", _("Untranslated")


class Message(models.Model):
    # No index of their own: ``message_dialog_idx`` and ``message_session_idx`` begin
    # with them (every message stored updated two indexes more for nothing).
    dialog = models.ForeignKey(
        Dialog,
        verbose_name=_("dialog"),
        on_delete=models.CASCADE,
        related_name="messages",
        db_index=False,
    )
    session = models.ForeignKey(
        Session,
        verbose_name=_("session"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="messages",
        db_index=False,
    )
    sender_type = models.CharField(_("sender"), max_length=16, choices=SenderType.choices)
    sender_name = models.CharField(_("sender name"), max_length=200, blank=True)
    sender_user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("sent by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    text = models.TextField(_("text"), blank=True)
    client_id = models.CharField(
        _("client id"),
        max_length=64,
        null=True,
        blank=True,
        help_text=_("The sender's own id for the message; a repeat with it stores nothing new."),
    )
    internal = models.BooleanField(
        _("internal note"), default=False, help_text=_("Seen by operators only.")
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    # Delivery through a connector: null where it does not apply (the widget's dialogs,
    # the contact's own messages, internal notes).
    status = models.CharField(
        _("delivery status"), max_length=16, choices=DeliveryStatus.choices, null=True, blank=True
    )
    channel_message_id = models.CharField(
        _("id on the channel"),
        max_length=128,
        null=True,
        blank=True,
        db_index=True,
        help_text=_("The channel's own id of the sent message (delivery reports name it)."),
    )
    # A bot's choices: [{"id", "title"}] (plus "rating": n for the rating request's
    # scores); ``button_node`` is the bot's step they belong to.
    buttons = models.JSONField(_("buttons"), null=True, blank=True)
    button_node = models.CharField(_("bot step"), max_length=100, null=True, blank=True)
    # Translation (docs/translation.md): the language ``text`` is in, and the text in
    # other languages (a contact's message: in its operator's; a reply: in the contact's,
    # the one translation the contact got). ``text`` always stays what its author wrote.
    # Database defaults: the batched insert of contact messages names its columns.
    language = models.CharField(_("language"), max_length=16, blank=True, default="", db_default="")
    translations = models.JSONField(_("translations"), null=True, blank=True)
    translation_status = models.CharField(
        _("translation"),
        max_length=16,
        choices=TranslationStatus.choices,
        blank=True,
        default=TranslationStatus.NONE,
        db_default=TranslationStatus.NONE,
    )

    class Meta:
        verbose_name = _("message")
        verbose_name_plural = _("messages")
        ordering = ["id"]
        constraints = [
            models.UniqueConstraint(
                fields=["dialog", "client_id"],
                condition=Q(client_id__isnull=False),
                name="message_client_id_unique_in_dialog",
            )
        ]
        indexes = [
            models.Index(fields=["dialog", "id"], name="message_dialog_idx"),
            models.Index(fields=["session", "sender_type", "id"], name="message_session_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.sender_type}: {self.text[:40]}"

    @property
    def delivery_text(self) -> str:
        """What the contact gets: the reply's translation into their language when it
        was translated, else the text as written."""
        translated = self.translation_status == TranslationStatus.TRANSLATED
        if self.sender_type != SenderType.CONTACT and self.translations and translated:
            return str(next(iter(self.translations.values())))
        return self.text

    @property
    def delivery_buttons(self) -> Any:
        """The buttons as the contact gets them: titled in their language when the
        message was translated (the ids stay)."""
        if self.translation_status != TranslationStatus.TRANSLATED or not self.buttons:
            return self.buttons
        return [
            {**b, "title": next(iter((b.get("translations") or {}).values()), b.get("title"))}
            for b in self.buttons
        ]


class Label(models.Model):
    """A tag that operators put on conversations (refund, VIP, bug...); admins define
    them. A label sits on a session and moves on with it when it is transferred."""

    name = models.CharField(_("name"), max_length=50)
    color = models.CharField(
        _("colour"),
        max_length=7,
        default="#64748b",
        validators=[RegexValidator(r"^#[0-9a-fA-F]{6}$", _("A colour like #2563eb."))],
        help_text=_("How the label looks in the inbox, as #rrggbb."),
    )
    description = models.CharField(_("description"), max_length=200, blank=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        verbose_name = _("label")
        verbose_name_plural = _("labels")
        ordering = ["name", "id"]
        constraints = [
            models.UniqueConstraint(Lower("name"), name="label_name_unique_ci"),
        ]

    def __str__(self) -> str:
        return self.name


class SessionLabel(models.Model):
    """One label on one session, with who put it there."""

    session = models.ForeignKey(
        Session, verbose_name=_("session"), on_delete=models.CASCADE, related_name="+"
    )
    label = models.ForeignKey(
        Label, verbose_name=_("label"), on_delete=models.CASCADE, related_name="+"
    )
    added_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("added by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    added_at = models.DateTimeField(_("added"), auto_now_add=True)

    class Meta:
        verbose_name = _("session label")
        verbose_name_plural = _("session labels")
        constraints = [
            models.UniqueConstraint(fields=["session", "label"], name="session_label_unique"),
        ]
        indexes = [models.Index(fields=["label", "session"], name="session_label_by_label_idx")]

    def __str__(self) -> str:
        return f"{self.label_id} on {self.session_id}"


def attachment_path(instance: Attachment, filename: str) -> str:
    return f"attachments/{instance.message.dialog_id}/{secrets.token_hex(8)}/{filename}"


class Attachment(models.Model):
    message = models.ForeignKey(
        Message, verbose_name=_("message"), on_delete=models.CASCADE, related_name="attachments"
    )
    file = models.FileField(_("file"), upload_to=attachment_path, max_length=300)
    name = models.CharField(_("name"), max_length=200)
    content_type = models.CharField(_("content type"), max_length=100)
    size = models.PositiveBigIntegerField(_("size, bytes"))
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        verbose_name = _("attachment")
        verbose_name_plural = _("attachments")

    def __str__(self) -> str:
        return self.name


class CannedResponse(models.Model):
    """A ready answer operators insert by typing ``/`` and its shortcut."""

    shortcut = models.SlugField(
        _("shortcut"), max_length=50, help_text=_("Typed after / in the composer, e.g. hello.")
    )
    title = models.CharField(_("title"), max_length=100)
    text = models.TextField(_("text"))
    group = models.ForeignKey(
        "routing.Group",
        verbose_name=_("group"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="canned_responses",
        help_text=_("Empty: offered to every operator."),
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        verbose_name = _("canned response")
        verbose_name_plural = _("canned responses")
        ordering = ["shortcut"]
        constraints = [
            models.UniqueConstraint(
                fields=["shortcut", "group"], name="canned_shortcut_unique_in_group"
            )
        ]

    def __str__(self) -> str:
        return f"/{self.shortcut}"


class WidgetVisitor(models.Model):
    """A browser that opened the widget of one channel. Its token is the visitor's only
    credential; only its SHA-256 is stored."""

    channel = models.ForeignKey(
        Channel, verbose_name=_("channel"), on_delete=models.CASCADE, related_name="visitors"
    )
    dialog = models.OneToOneField(
        Dialog, verbose_name=_("dialog"), on_delete=models.CASCADE, related_name="visitor"
    )
    token_hash = models.CharField(_("token hash"), max_length=64, unique=True, editable=False)
    page_url = models.URLField(_("page"), max_length=1000, blank=True)
    language = models.CharField(
        _("language"), max_length=16, blank=True, help_text=_("The browser's language.")
    )
    page_title = models.CharField(_("page title"), max_length=300, blank=True)
    referrer = models.URLField(
        _("came from"), max_length=1000, blank=True, help_text=_("The page that led here.")
    )
    user_agent = models.CharField(_("browser"), max_length=500, blank=True)
    time_zone = models.CharField(
        _("time zone"), max_length=64, blank=True, help_text=_("The browser's, e.g. Europe/Riga.")
    )
    utc_offset_min = models.SmallIntegerField(
        _("UTC offset, minutes"),
        null=True,
        blank=True,
        help_text=_("The browser's clock ahead of UTC, for when its time zone is not known."),
    )
    context_updated_at = models.DateTimeField(_("context updated"), null=True, blank=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    last_seen_at = models.DateTimeField(_("last seen"), null=True, blank=True)
    # presence: how many widget sockets the visitor has open, and since when none
    open_sockets = models.PositiveIntegerField(_("open sockets"), default=0, editable=False)
    left_at = models.DateTimeField(_("left"), null=True, blank=True, editable=False)

    class Meta:
        verbose_name = _("widget visitor")
        verbose_name_plural = _("widget visitors")

    def __str__(self) -> str:
        return f"visitor #{self.pk}"


class ProactiveInvitation(models.Model):
    """Opens the widget by itself with a message when a visitor's page matches."""

    channel = models.ForeignKey(
        Channel, verbose_name=_("channel"), on_delete=models.CASCADE, related_name="invitations"
    )
    message = models.TextField(_("message"), max_length=1000)
    delay_s = models.PositiveIntegerField(
        _("seconds on the page"), default=15, help_text=_("How long the visitor is on the page.")
    )
    url_pattern = models.CharField(
        _("page address pattern"),
        max_length=300,
        blank=True,
        help_text=_("A regular expression the page address must match, e.g. /pricing. Empty: any."),
    )
    first_visit_only = models.BooleanField(
        _("first visit only"), default=False, help_text=_("Only for visitors new to the site.")
    )
    is_active = models.BooleanField(_("active"), default=True)
    position = models.PositiveIntegerField(_("order"), default=0)

    class Meta:
        verbose_name = _("proactive invitation")
        verbose_name_plural = _("proactive invitations")
        ordering = ["channel", "position", "id"]

    def __str__(self) -> str:
        return self.message[:50]
