"""Metric events (an append-only log written by the reports' listeners) and the
per-conversation facts folded from them, which the figures sum and count."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class MetricKind(models.TextChoices):
    OPENED = "opened", _("Conversation opened")
    QUEUED = "queued", _("Queued")
    ASSIGNED = "assigned", _("Assigned")
    FIRST_HUMAN_REPLY = "first_human_reply", _("First operator reply")
    REPLY = "reply", _("Operator reply")
    BOT_HANDOFF = "bot_handoff", _("Bot handoff")
    TRANSFER = "transfer", _("Transfer")
    REOPENED = "reopened", _("Reopened")
    RESOLVED = "resolved", _("Resolved")
    TIMEOUT = "timeout", _("Closed by inactivity")
    ABANDONED = "abandoned", _("Abandoned")
    RATING = "rating", _("Rating")
    BOT_SESSION = "bot_session", _("Bot conversation")
    BOT_RESOLVED = "bot_resolved", _("Resolved by the bot")


class MetricEvent(models.Model):
    """One recorded fact about a conversation. Ids are plain numbers, not foreign keys:
    the log outlives what it describes. ``conversation_id`` is the first session of a
    transfer chain; ``ref`` makes a repeated domain event append nothing (the session id
    for per-session kinds, 0 for per-conversation kinds, the message id for replies)."""

    kind = models.CharField(_("kind"), max_length=20, choices=MetricKind.choices)
    conversation_id = models.BigIntegerField(_("conversation"))
    ref = models.BigIntegerField(_("reference"), default=0)
    session_id = models.BigIntegerField(_("session"), null=True, blank=True)
    group_id = models.BigIntegerField(_("group"), null=True, blank=True)
    operator_id = models.BigIntegerField(_("operator"), null=True, blank=True)
    channel_id = models.BigIntegerField(_("channel"), null=True, blank=True)
    occurred_at = models.DateTimeField(_("occurred"))
    seconds = models.FloatField(_("seconds"), null=True, blank=True)
    business_seconds = models.IntegerField(_("business-hours seconds"), null=True, blank=True)
    schedule_version = models.CharField(_("schedule version"), max_length=12, blank=True)
    score = models.PositiveSmallIntegerField(_("score"), null=True, blank=True)

    class Meta:
        verbose_name = _("metric event")
        verbose_name_plural = _("metric events")
        constraints = [
            models.UniqueConstraint(
                fields=["kind", "conversation_id", "ref"], name="metric_event_once"
            )
        ]
        indexes = [models.Index(fields=["occurred_at"], name="metric_event_occurred")]

    def __str__(self) -> str:
        return f"{self.kind} #{self.conversation_id} {self.occurred_at:%Y-%m-%d %H:%M}"


class ConversationFact(models.Model):
    """A conversation's figures, precomputed so that any range is one aggregate query.
    A conversation counts in the range where it started (``started_at``, the creation
    of its first session). ``*_bh`` fields are in business hours. ``fr_bucket_s`` is the
    upper edge of the first response's histogram bucket (medians and p90 use it)."""

    conversation_id = models.BigIntegerField(_("conversation"), unique=True)
    started_at = models.DateTimeField(_("started"))
    group_id = models.BigIntegerField(_("group"), null=True, blank=True)
    operator_id = models.BigIntegerField(_("operator"), null=True, blank=True)
    channel_id = models.BigIntegerField(_("channel"), null=True, blank=True)
    schedule_version = models.CharField(_("schedule version"), max_length=12, blank=True)
    answered = models.BooleanField(default=False)
    first_response_s = models.FloatField(null=True, blank=True)
    first_response_bh_s = models.IntegerField(null=True, blank=True)
    fr_bucket_s = models.IntegerField(null=True, blank=True)
    fr_bucket_bh_s = models.IntegerField(null=True, blank=True)
    on_target = models.BooleanField(default=False)
    on_target_bh = models.BooleanField(default=False)
    abandoned = models.BooleanField(default=False)
    abandoned_late = models.BooleanField(default=False)
    abandoned_late_bh = models.BooleanField(default=False)
    waits = models.PositiveIntegerField(default=0)
    wait_s = models.FloatField(default=0)
    wait_bh_s = models.IntegerField(default=0)
    handled = models.BooleanField(default=False)
    handle_s = models.FloatField(default=0)
    handle_bh_s = models.IntegerField(default=0)
    transfers = models.PositiveIntegerField(default=0)
    bot = models.BooleanField(default=False)
    bot_resolved = models.BooleanField(default=False)
    bot_handoff = models.BooleanField(default=False)
    rating = models.PositiveSmallIntegerField(null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("conversation figures")
        verbose_name_plural = _("conversation figures")
        indexes = [
            models.Index(fields=["started_at"], name="fact_started"),
            models.Index(fields=["group_id", "started_at"], name="fact_group_started"),
            models.Index(fields=["operator_id", "started_at"], name="fact_operator_started"),
            models.Index(fields=["channel_id", "started_at"], name="fact_channel_started"),
        ]

    def __str__(self) -> str:
        return f"conversation #{self.conversation_id}"


# models kept in modules of their own, registered with the app here
from reports.alert_models import SlaAlert, SlaLevel  # noqa: E402, F401
from reports.rollup_models import (  # noqa: E402, F401
    DayBucket,
    DayRollup,
    HourBucket,
    HourRollup,
    HourTotal,
)
