"""Automation models: low-code triggers (event, conditions, actions) and their run log;
outbound webhook subscriptions and their deliveries; button bots, their flow versions
and where a bot is in each session."""

from __future__ import annotations

import secrets
import uuid

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _

from bots import conditions
from contactcenter import webhooks


class TriggerEvent(models.TextChoices):
    """The domain events a trigger (and a webhook subscription) can react to."""

    SESSION_OPENED = "session.opened", _("Session opened")
    SESSION_CLOSED = "session.closed", _("Session closed")
    MESSAGE_RECEIVED = "message.received", _("Message received from the customer")
    LEAD_STAGE_CHANGED = "lead.stage_changed", _("Lead moved to another stage")
    CONTACT_CREATED = "contact.created", _("Contact created")


class Match(models.TextChoices):
    ALL = "all", _("All conditions hold")
    ANY = "any", _("Any condition holds")


class Trigger(models.Model):
    """When an event happens and the conditions hold, do the actions, in order."""

    name = models.CharField(_("name"), max_length=200, unique=True)
    description = models.TextField(_("description"), blank=True)
    event = models.CharField(
        _("when"),
        max_length=32,
        choices=TriggerEvent.choices,
        help_text=_("The event that starts this trigger."),
    )
    match = models.CharField(
        _("conditions"),
        max_length=8,
        choices=Match.choices,
        default=Match.ALL,
        help_text=_(
            "Whether every condition below must hold, or one is enough. No conditions: "
            "the trigger fires on every such event."
        ),
    )
    is_active = models.BooleanField(
        _("active"), default=True, help_text=_("An inactive trigger never fires.")
    )
    position = models.PositiveIntegerField(
        _("order"), default=0, help_text=_("Triggers of one event run from the lowest number up.")
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        verbose_name = _("trigger")
        verbose_name_plural = _("triggers")
        ordering = ["event", "position", "id"]
        indexes = [
            models.Index(fields=["event", "is_active", "position"], name="trigger_event_idx")
        ]

    def __str__(self) -> str:
        return self.name


class ConditionOperator(models.TextChoices):
    EQUALS = "equals", _("equals")
    NOT_EQUALS = "not_equals", _("does not equal")
    CONTAINS = "contains", _("contains")
    IN = "in", _("is one of")
    GREATER = "gt", _("is greater than")
    LESS = "lt", _("is less than")
    IS_SET = "is_set", _("is set")
    IS_NOT_SET = "is_not_set", _("is not set")


class Condition(models.Model):
    trigger = models.ForeignKey(
        Trigger, verbose_name=_("trigger"), on_delete=models.CASCADE, related_name="conditions"
    )
    field = models.CharField(
        _("field"),
        max_length=200,
        help_text=_(
            "What to look at, as a dotted path: contact.attributes.plan, session.group.name, "
            "message.text, lead.status, session.rating."
        ),
    )
    operator = models.CharField(_("operator"), max_length=16, choices=ConditionOperator.choices)
    value = models.CharField(
        _("value"),
        max_length=500,
        blank=True,
        help_text=_(
            "Compared as text, case-insensitively; as a number for greater/less than. For "
            '"is one of", a list: [Sales, Support]. Empty for "is set".'
        ),
    )
    position = models.PositiveIntegerField(_("order"), default=0)

    class Meta:
        verbose_name = _("condition")
        verbose_name_plural = _("conditions")
        ordering = ["position", "id"]

    def __str__(self) -> str:
        return f"{self.field} {self.get_operator_display()} {self.value}".strip()

    def clean(self) -> None:
        errors = conditions.condition_errors(
            field=self.field or "", operator=self.operator or "", value=self.value or ""
        )
        if errors:
            raise ValidationError(errors)


class ActionType(models.TextChoices):
    LEAD_CREATE = "lead_create", _("Create a lead")
    LEAD_UPDATE = "lead_update", _("Update the lead")
    TASK_CREATE = "task_create", _("Create a task")
    MESSAGE_SEND = "message_send", _("Send a message into the session")
    PRIORITY_SET = "priority_set", _("Set the session's priority")
    TRANSFER = "transfer", _("Transfer the session to a group")
    TAG = "tag", _("Tag the contact")
    WEBHOOK = "webhook", _("Call a webhook")


class Action(models.Model):
    trigger = models.ForeignKey(
        Trigger, verbose_name=_("trigger"), on_delete=models.CASCADE, related_name="actions"
    )
    type = models.CharField(_("do"), max_length=16, choices=ActionType.choices)
    params = models.JSONField(
        _("settings"),
        default=dict,
        blank=True,
        help_text=_("What exactly to do, as JSON; each kind of action lists its settings below."),
    )
    position = models.PositiveIntegerField(_("order"), default=0)

    class Meta:
        verbose_name = _("action")
        verbose_name_plural = _("actions")
        ordering = ["position", "id"]

    def __str__(self) -> str:
        return self.get_type_display()


class RunStatus(models.TextChoices):
    RUNNING = "running", _("Running")
    SUCCEEDED = "succeeded", _("Succeeded")
    FAILED = "failed", _("Failed")


class TriggerRun(models.Model):
    """One firing of a trigger whose conditions held: what it did, or why it failed."""

    trigger = models.ForeignKey(
        Trigger,
        verbose_name=_("trigger"),
        null=True,
        on_delete=models.SET_NULL,
        related_name="runs",
    )
    trigger_name = models.CharField(_("trigger name"), max_length=200)
    event = models.CharField(_("event"), max_length=32, choices=TriggerEvent.choices)
    event_key = models.CharField(
        _("event key"),
        max_length=64,
        help_text=_("Identifies the event occurrence; a trigger runs once per occurrence."),
    )
    session = models.ForeignKey(
        "inbox.Session",
        verbose_name=_("session"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    contact = models.ForeignKey(
        "crm.Contact",
        verbose_name=_("contact"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    status = models.CharField(
        _("status"), max_length=16, choices=RunStatus.choices, default=RunStatus.RUNNING
    )
    done = models.JSONField(_("what it did"), default=list, blank=True)
    error = models.TextField(_("error"), blank=True)
    created_at = models.DateTimeField(_("started"), auto_now_add=True)
    finished_at = models.DateTimeField(_("finished"), null=True, blank=True)

    class Meta:
        verbose_name = _("trigger run")
        verbose_name_plural = _("trigger runs")
        ordering = ["-id"]
        constraints = [
            models.UniqueConstraint(fields=["trigger", "event_key"], name="trigger_run_once")
        ]
        indexes = [
            models.Index(fields=["status", "-created_at"], name="trigger_run_status_idx"),
            models.Index(fields=["trigger", "session", "created_at"], name="trigger_run_loop_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.trigger_name} ({self.status})"


# --- outbound webhooks ------------------------------------------------------------------


def new_webhook_secret() -> str:
    return secrets.token_urlsafe(32)


class WebhookSubscription(models.Model):
    """An outside system that gets a signed POST for every event of the chosen kinds."""

    name = models.CharField(_("name"), max_length=100)
    url = models.URLField(
        _("address"),
        max_length=1000,
        help_text=_(
            "Where to POST, e.g. https://crm.example.com/hooks/contact-center. "
            "Addresses inside private networks are refused."
        ),
    )
    events = models.JSONField(
        _("events"),
        default=list,
        blank=True,
        help_text=_("Which events are sent. Triggers may also send to this address."),
    )
    secret = models.CharField(
        _("signing secret"),
        max_length=200,
        default=new_webhook_secret,
        help_text=_("Signs every delivery; shown once when set, never again."),
    )
    is_active = models.BooleanField(
        _("active"), default=True, help_text=_("An inactive subscription gets nothing.")
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        verbose_name = _("webhook subscription")
        verbose_name_plural = _("webhook subscriptions")
        ordering = ["name", "id"]

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        if self.url:
            try:
                webhooks.url_check(self.url)
            except webhooks.UnsafeURL as refused:
                raise ValidationError({"url": str(refused)}) from None
        unknown = set(self.events or []) - set(TriggerEvent.values)
        if unknown:
            raise ValidationError({"events": _("Unknown events: %s") % ", ".join(sorted(unknown))})

    @property
    def secret_hint(self) -> str:
        return f"…{self.secret[-4:]}" if self.secret else ""


class DeliveryStatus(models.TextChoices):
    PENDING = "pending", _("Pending")
    SUCCEEDED = "succeeded", _("Succeeded")
    FAILED = "failed", _("Failed, will retry")
    DEAD = "dead", _("Dead: gave up")


class WebhookDelivery(models.Model):
    """One event for one subscription; its id stays the same across retries, so a
    receiver can ignore repeats."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    subscription = models.ForeignKey(
        WebhookSubscription,
        verbose_name=_("subscription"),
        on_delete=models.CASCADE,
        related_name="deliveries",
    )
    event = models.CharField(_("event"), max_length=64)
    payload = models.JSONField(_("payload"), default=dict)
    status = models.CharField(
        _("status"), max_length=16, choices=DeliveryStatus.choices, default=DeliveryStatus.PENDING
    )
    attempts = models.PositiveIntegerField(_("attempts"), default=0)
    next_attempt_at = models.DateTimeField(_("next attempt"), null=True, blank=True)
    last_attempt_at = models.DateTimeField(_("last attempt"), null=True, blank=True)
    last_error = models.TextField(_("last error"), blank=True)
    response_status = models.PositiveSmallIntegerField(_("response status"), null=True, blank=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        verbose_name = _("webhook delivery")
        verbose_name_plural = _("webhook deliveries")
        ordering = ["-created_at"]
        indexes = [
            models.Index(fields=["status", "next_attempt_at"], name="delivery_due_idx"),
            models.Index(fields=["subscription", "-created_at"], name="delivery_sub_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.event} → {self.subscription} ({self.status})"


# --- button-bot flows -------------------------------------------------------------------


class BotMode(models.TextChoices):
    ALWAYS = "always", _("Always: every new session starts with the bot")
    OUTSIDE_HOURS = "outside_hours", _("Only while the target group is closed")
    OFF = "off", _("Off")


def default_handoff_keywords() -> list[str]:
    return ["operator", "оператор"]


class Bot(models.Model):
    """A button bot on some channels. ``flow`` is the current flow (the JSON of
    ``docs/bots.md``) and ``version`` its number; every change of the flow is kept as a
    ``BotVersion``. Saved only through ``bots.services.flows`` (``bot_create``,
    ``bot_update``, ``bot_version_restore``), which validates and adds the version."""

    name = models.CharField(_("name"), max_length=200)
    channels = models.ManyToManyField(
        "inbox.Channel",
        verbose_name=_("channels"),
        blank=True,
        related_name="bots",
        help_text=_("New sessions on these channels start with this bot (see the mode)."),
    )
    mode = models.CharField(
        _("mode"), max_length=16, choices=BotMode.choices, default=BotMode.ALWAYS
    )
    handoff_keywords = models.JSONField(
        _("handoff keywords"),
        default=default_handoff_keywords,
        blank=True,
        help_text=_("A customer who writes one of these words is handed to a person at once."),
    )
    flow = models.JSONField(_("flow"), default=dict)
    version = models.PositiveIntegerField(_("version"), default=0, editable=False)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        verbose_name = _("bot")
        verbose_name_plural = _("bots")
        ordering = ["name", "id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(mode__in=["always", "outside_hours", "off"]),
                name="bot_mode_known",
            )
        ]

    def __str__(self) -> str:
        return self.name


class BotVersion(models.Model):
    """One published flow of a bot; numbers grow from 1 and are never reused. A session
    stays on the version it started with (``BotSession.version``)."""

    bot = models.ForeignKey(
        Bot, verbose_name=_("bot"), on_delete=models.CASCADE, related_name="versions"
    )
    number = models.PositiveIntegerField(_("number"))
    flow = models.JSONField(_("flow"))
    restored_from = models.PositiveIntegerField(
        _("restored from"),
        null=True,
        blank=True,
        help_text=_("The earlier version this one brought back, if any."),
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("created by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    class Meta:
        verbose_name = _("bot version")
        verbose_name_plural = _("bot versions")
        ordering = ["bot", "-number"]
        constraints = [
            models.UniqueConstraint(fields=["bot", "number"], name="bot_version_number_unique")
        ]

    def __str__(self) -> str:
        return f"{self.bot} v{self.number}"


class BotSession(models.Model):
    """Where a bot is in one session: its version, the node it waits at, the attempts
    at that node and what the contact gave so far. ``state`` is the engine's whole
    state (``bots.flows.engine.State.as_dict``); the columns beside it are copies for
    the admin and for queries."""

    session = models.OneToOneField(
        "inbox.Session",
        verbose_name=_("session"),
        on_delete=models.CASCADE,
        related_name="bot_state",
    )
    version = models.ForeignKey(
        BotVersion,
        verbose_name=_("bot version"),
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text=_("Empty when the bot was deleted since."),
    )
    node = models.CharField(_("current step"), max_length=100, blank=True)
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    collected = models.JSONField(_("collected"), default=dict, blank=True)
    outcome = models.CharField(
        _("outcome"),
        max_length=16,
        default="waiting",
        help_text=_("waiting, handoff or end."),
    )
    state = models.JSONField(_("state"), default=dict, blank=True)
    created_at = models.DateTimeField(_("started"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        verbose_name = _("bot session")
        verbose_name_plural = _("bot sessions")
        ordering = ["-id"]

    def __str__(self) -> str:
        return f"{self.version} @ {self.node or '-'}"


class BotSimulation(models.Model):
    """A saved simulation ("golden transcript"): the inputs an admin gave in the
    simulator and what the bot answered then. Before a new flow is published, each one
    runs again and the admin is warned when the transcript or the outcome would change
    (``bots.services.simulations``)."""

    bot = models.ForeignKey(
        Bot, verbose_name=_("bot"), on_delete=models.CASCADE, related_name="simulations"
    )
    name = models.CharField(_("name"), max_length=200)
    inputs = models.JSONField(_("what the customer did"), default=list, blank=True)
    contact = models.JSONField(_("contact"), default=dict, blank=True)
    group_open = models.BooleanField(_("group open"), default=True)
    expected = models.JSONField(
        _("expected answer"),
        default=dict,
        blank=True,
        help_text=_("The transcript, outcome, group and collected data the bot gave."),
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("created by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    class Meta:
        verbose_name = _("saved simulation")
        verbose_name_plural = _("saved simulations")
        ordering = ["bot", "id"]

    def __str__(self) -> str:
        return self.name
