"""Groups of operators, their working hours, topics, and operators themselves."""

from __future__ import annotations

import re
import zoneinfo

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

# A group's first-response target (the SLA) when an admin sets none. Code reads a
# group's target through routing.selectors.group_sla_target_s; the inbox page gets it
# with each session (``sla_target_s``) and has no default of its own.
DEFAULT_SLA_TARGET_S = 60
# how long a waiting widget visitor may have no socket open before the chat is abandoned
DEFAULT_ABANDON_AFTER_S = 120


def validate_time_zone(value: str) -> None:
    if value not in zoneinfo.available_timezones():
        raise ValidationError(
            _("%(value)s is not a known time zone; use a name like Europe/Moscow."),
            params={"value": value},
        )


class RoutingStrategy(models.TextChoices):
    LEAST_BUSY = "least_busy", _("Least busy")
    ROUND_ROBIN = "round_robin", _("Round robin")
    LONGEST_IDLE = "longest_idle", _("Longest idle")
    MANUAL = "manual", _("Manual (operators take sessions)")


class OperatorStatus(models.TextChoices):
    ONLINE = "online", _("Online")
    AWAY = "away", _("Away")
    OFFLINE = "offline", _("Offline")


class Operator(models.Model):
    """A user who answers sessions. Availability for routing: status online and at least one
    inbox socket open (``connected_at`` set)."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        verbose_name=_("user"),
        on_delete=models.CASCADE,
        related_name="operator",
    )
    display_name = models.CharField(
        _("display name"), max_length=100, blank=True, help_text=_("The name customers see.")
    )
    max_sessions = models.PositiveSmallIntegerField(
        _("concurrent session limit"),
        null=True,
        blank=True,
        validators=[MinValueValidator(0), MaxValueValidator(100)],
        help_text=_("Empty: the limit of the operator's group (the largest if several)."),
    )
    status = models.CharField(
        _("status"), max_length=16, choices=OperatorStatus.choices, default=OperatorStatus.OFFLINE
    )
    connected_at = models.DateTimeField(
        _("connected"),
        null=True,
        blank=True,
        help_text=_("Set while the operator has the inbox open."),
    )
    open_sockets = models.PositiveIntegerField(
        _("open inbox connections"), default=0, editable=False
    )
    last_seen_at = models.DateTimeField(_("last seen"), null=True, blank=True)
    last_assigned_at = models.DateTimeField(_("last assignment"), null=True, blank=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    language = models.CharField(
        _("language"),
        max_length=8,
        blank=True,
        choices=settings.LANGUAGES,
        help_text=_(
            "The operator's interface language; customers' messages are translated into it. "
            "Empty: the installation's language."
        ),
    )

    class Meta:
        verbose_name = _("operator")
        verbose_name_plural = _("operators")
        ordering = ["display_name", "id"]
        indexes = [models.Index(fields=["status", "last_assigned_at"], name="operator_avail_idx")]

    def __str__(self) -> str:
        return self.name

    @property
    def name(self) -> str:
        return self.display_name or self.user.get_full_name() or self.user.get_username()

    @property
    def ui_language(self) -> str:
        """The language the operator reads: their own, else the installation's."""
        return self.language or settings.LANGUAGE_CODE.split("-")[0]


class Group(models.Model):
    """A team that sessions are routed to: a topic, department, region or support line."""

    name = models.CharField(_("name"), max_length=100, unique=True)
    routing_strategy = models.CharField(
        _("routing strategy"),
        max_length=16,
        choices=RoutingStrategy.choices,
        default=RoutingStrategy.LEAST_BUSY,
        help_text=_(
            "Least busy: the operator with the fewest chats. Round robin: members in turn. "
            "Longest idle: the one who waited longest. Manual: operators take chats themselves."
        ),
    )
    default_max_sessions = models.PositiveSmallIntegerField(
        _("default session limit"),
        default=3,
        validators=[MinValueValidator(0), MaxValueValidator(100)],
        help_text=_("How many chats at once an operator of this group handles by default."),
    )
    no_answer_timeout_s = models.PositiveIntegerField(
        _("no-answer timeout, seconds"),
        null=True,
        blank=True,
        help_text=_("Empty: off. Otherwise a chat the operator has not answered moves on."),
    )
    inactivity_timeout_s = models.PositiveIntegerField(
        _("inactivity timeout, seconds"),
        null=True,
        blank=True,
        help_text=_("Empty: off. Otherwise a chat with no messages this long is closed."),
    )
    time_zone = models.CharField(
        _("time zone"),
        max_length=64,
        default="UTC",
        validators=[validate_time_zone],
        help_text=_("Working hours are in this time zone, e.g. Europe/Moscow."),
    )
    always_open = models.BooleanField(
        _("always open"),
        default=True,
        help_text=_("Untick to use the working hours below."),
    )
    offline_message = models.TextField(
        _("offline message"),
        blank=True,
        help_text=_("Sent to customers who write outside working hours."),
    )
    on_operator_offline = models.CharField(
        _("when an operator goes offline"),
        max_length=16,
        choices=[
            ("keep", _("Keep their chats")),
            ("requeue", _("Return their chats to the queue")),
        ],
        default="requeue",
        help_text=_(
            "What happens to an operator's chats of this group when they go offline or lose "
            "their connection for longer than the grace period."
        ),
    )
    round_robin_position = models.IntegerField(
        _("round robin cursor"),
        default=-1,
        editable=False,
        help_text=_("Position of the member who got the last chat by round robin."),
    )
    sla_target_s = models.PositiveIntegerField(
        _("first response target, seconds"),
        default=DEFAULT_SLA_TARGET_S,
        help_text=_("Reports count a first response within this time as on target."),
    )
    abandon_after_s = models.PositiveIntegerField(
        _("abandon after, seconds"),
        default=DEFAULT_ABANDON_AFTER_S,
        help_text=_(
            "A waiting chat whose website visitor has had no page open this long is closed "
            "as abandoned."
        ),
    )
    members = models.ManyToManyField(
        Operator,
        verbose_name=_("members"),
        through="GroupMembership",
        related_name="member_of",
        blank=True,
    )
    supervisors = models.ManyToManyField(
        Operator,
        verbose_name=_("supervisors"),
        related_name="supervisor_of",
        blank=True,
        help_text=_("They see every chat of this group and its reports."),
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        verbose_name = _("operator group")
        verbose_name_plural = _("operator groups")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class GroupMembership(models.Model):
    group = models.ForeignKey(
        Group, verbose_name=_("group"), on_delete=models.CASCADE, related_name="memberships"
    )
    operator = models.ForeignKey(
        Operator, verbose_name=_("operator"), on_delete=models.CASCADE, related_name="memberships"
    )
    position = models.PositiveIntegerField(
        _("order"), default=0, help_text=_("Round robin goes through members in this order.")
    )
    created_at = models.DateTimeField(_("added"), auto_now_add=True)

    class Meta:
        verbose_name = _("member")
        verbose_name_plural = _("members")
        ordering = ["position", "id"]
        constraints = [
            models.UniqueConstraint(fields=["group", "operator"], name="membership_unique")
        ]

    def __str__(self) -> str:
        return f"{self.operator} in {self.group}"


class Weekday(models.IntegerChoices):
    MONDAY = 0, _("Monday")
    TUESDAY = 1, _("Tuesday")
    WEDNESDAY = 2, _("Wednesday")
    THURSDAY = 3, _("Thursday")
    FRIDAY = 4, _("Friday")
    SATURDAY = 5, _("Saturday")
    SUNDAY = 6, _("Sunday")


class WorkingHours(models.Model):
    """One open interval on one weekday, in the group's time zone."""

    group = models.ForeignKey(
        Group, verbose_name=_("group"), on_delete=models.CASCADE, related_name="working_hours"
    )
    weekday = models.PositiveSmallIntegerField(_("weekday"), choices=Weekday.choices)
    start = models.TimeField(_("opens"))
    end = models.TimeField(_("closes"))

    class Meta:
        verbose_name = _("working hours")
        verbose_name_plural = _("working hours")
        ordering = ["group", "weekday", "start"]
        constraints = [
            models.CheckConstraint(condition=Q(end__gt=F("start")), name="hours_end_after_start")
        ]

    def __str__(self) -> str:
        return f"{self.get_weekday_display()} {self.start:%H:%M}-{self.end:%H:%M}"

    def clean(self) -> None:
        if self.start is not None and self.end is not None and self.end <= self.start:
            raise ValidationError({"end": _("The closing time must be after the opening time.")})


class Holiday(models.Model):
    group = models.ForeignKey(
        Group, verbose_name=_("group"), on_delete=models.CASCADE, related_name="holidays"
    )
    date = models.DateField(_("date"))
    name = models.CharField(_("name"), max_length=100, blank=True)

    class Meta:
        verbose_name = _("holiday")
        verbose_name_plural = _("holidays")
        ordering = ["group", "date"]
        constraints = [
            models.UniqueConstraint(fields=["group", "date"], name="holiday_unique_per_group")
        ]

    def __str__(self) -> str:
        return f"{self.date:%Y-%m-%d} {self.name}".strip()


class Topic(models.Model):
    """A subject a channel offers the customer; picking it routes to its group."""

    channel = models.ForeignKey(
        "inbox.Channel", verbose_name=_("channel"), on_delete=models.CASCADE, related_name="topics"
    )
    title = models.CharField(_("title"), max_length=100)
    group = models.ForeignKey(
        Group, verbose_name=_("group"), on_delete=models.CASCADE, related_name="topics"
    )
    position = models.PositiveIntegerField(_("order"), default=0)

    class Meta:
        verbose_name = _("topic")
        verbose_name_plural = _("topics")
        ordering = ["channel", "position", "id"]

    def __str__(self) -> str:
        return self.title


class RoutingRule(models.Model):
    """Where a new session goes and how urgent it is, decided before it is queued. Rules
    are tried in order; the first whose conditions all hold applies (empty conditions
    always hold)."""

    name = models.CharField(_("name"), max_length=100)
    position = models.PositiveIntegerField(_("order"), default=0)
    is_active = models.BooleanField(_("active"), default=True)
    channel = models.ForeignKey(
        "inbox.Channel",
        verbose_name=_("channel"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="routing_rules",
        help_text=_("Only conversations on this channel. Empty: any channel."),
    )
    page_url_pattern = models.CharField(
        _("page address pattern"),
        max_length=300,
        blank=True,
        help_text=_("A regular expression the customer's page address must match, e.g. /pricing."),
    )
    language = models.CharField(
        _("language"),
        max_length=16,
        blank=True,
        help_text=_("The customer's browser language starts with this, e.g. ru. Empty: any."),
    )
    attribute_name = models.CharField(
        _("contact attribute"),
        max_length=100,
        blank=True,
        help_text=_("A contact attribute to check, e.g. plan. Empty: no check."),
    )
    attribute_value = models.CharField(
        _("attribute value"),
        max_length=200,
        blank=True,
        help_text=_("The value it must have, e.g. gold (compared as text)."),
    )
    target_group = models.ForeignKey(
        Group,
        verbose_name=_("send to group"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="routing_rules",
        help_text=_("Empty: keep the group from the channel or topic."),
    )
    priority = models.IntegerField(
        _("priority"),
        null=True,
        blank=True,
        help_text=_("Empty: keep. Higher numbers are served first, e.g. 10 for VIP customers."),
    )

    class Meta:
        verbose_name = _("routing rule")
        verbose_name_plural = _("routing rules")
        ordering = ["position", "id"]

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        if self.page_url_pattern:
            try:
                re.compile(self.page_url_pattern)
            except re.error as exc:
                raise ValidationError(
                    {"page_url_pattern": _("Not a valid pattern: %(e)s") % {"e": exc}}
                ) from None
        if bool(self.attribute_name) != bool(self.attribute_value):
            raise ValidationError(
                {"attribute_value": _("Give both the attribute and its value, or neither.")}
            )
        if self.target_group_id is None and self.priority is None:
            raise ValidationError(_("A rule must send to a group or set a priority."))
