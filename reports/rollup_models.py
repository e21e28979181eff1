"""Daily and hourly rollups of the conversations' figures (``ConversationFact``), kept
by the same write as the facts, as deltas (``reports.rollups``), so that a quarter or a
year reads a few hundred thousand rows instead of a million.

A conversation counts in the day (in the server's time zone, ``TIME_ZONE``: the day of
the ``day`` breakdown) and the hour (UTC, which is the server's hour in any zone with
whole-hour offsets) of its ``started_at``; the hours are kept twice, per group and
channel (``HourRollup``) and over all conversations (``HourTotal``). Dimensions a
conversation lacks (no operator replied, no group) are stored as 0, so that one unique
key matches every row an upsert adds to. Raw seconds are summed in integer
microseconds: adding and subtracting deltas never drifts. Every field is a sum over the
conversations of the row (but ``HourTotal``'s percentiles)."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

# the additive figures of a rollup row, in the order the SQL writes them
SUM_FIELDS: tuple[str, ...] = (
    "sessions",
    "answered",
    "abandoned",
    "abandoned_late",
    "abandoned_late_bh",
    "on_target",
    "on_target_bh",
    "waits",
    "wait_us",
    "wait_bh_s",
    "first_us",
    "first_bh_s",
    "handled",
    "handle_us",
    "handle_bh_s",
    "csat_count",
    "csat_total",
    "csat_good",
    "bot",
    "bot_resolved",
    "bot_handoffs",
    "transfers",
)


class RollupSums(models.Model):
    sessions = models.IntegerField(default=0)
    answered = models.IntegerField(default=0)
    abandoned = models.IntegerField(default=0)
    abandoned_late = models.IntegerField(default=0)
    abandoned_late_bh = models.IntegerField(default=0)
    on_target = models.IntegerField(default=0)
    on_target_bh = models.IntegerField(default=0)
    waits = models.IntegerField(default=0)
    wait_us = models.BigIntegerField(default=0)
    wait_bh_s = models.BigIntegerField(default=0)
    first_us = models.BigIntegerField(default=0)
    first_bh_s = models.BigIntegerField(default=0)
    handled = models.IntegerField(default=0)
    handle_us = models.BigIntegerField(default=0)
    handle_bh_s = models.BigIntegerField(default=0)
    csat_count = models.IntegerField(default=0)
    csat_total = models.IntegerField(default=0)
    csat_good = models.IntegerField(default=0)
    bot = models.IntegerField(default=0)
    bot_resolved = models.IntegerField(default=0)
    bot_handoffs = models.IntegerField(default=0)
    transfers = models.IntegerField(default=0)

    class Meta:
        abstract = True


class Grain(models.TextChoices):
    DAY = "d", _("day")
    MONTH = "m", _("month")


class DayRollup(RollupSums):
    """The figures of the conversations started on ``day`` (``grain`` d) or in the month
    that begins on ``day`` (``grain`` m: a year reads 12 rows where it would read 365)
    per group, operator (who first replied) and channel."""

    grain = models.CharField(_("grain"), max_length=1, choices=Grain.choices, default=Grain.DAY)
    day = models.DateField(_("day"))
    group_id = models.BigIntegerField(_("group"), default=0)
    operator_id = models.BigIntegerField(_("operator"), default=0)
    channel_id = models.BigIntegerField(_("channel"), default=0)

    class Meta:
        verbose_name = _("daily report rollup")
        verbose_name_plural = _("daily report rollups")
        constraints = [
            models.UniqueConstraint(
                fields=["grain", "day", "group_id", "operator_id", "channel_id"],
                name="day_rollup_key",
            )
        ]

    def __str__(self) -> str:
        return f"{self.grain}{self.day} g{self.group_id} o{self.operator_id} c{self.channel_id}"


class HourRollup(RollupSums):
    """The figures of the conversations started in ``hour`` per group and channel."""

    hour = models.DateTimeField(_("hour"))
    group_id = models.BigIntegerField(_("group"), default=0)
    channel_id = models.BigIntegerField(_("channel"), default=0)

    class Meta:
        verbose_name = _("hourly report rollup")
        verbose_name_plural = _("hourly report rollups")
        constraints = [
            models.UniqueConstraint(
                fields=["hour", "group_id", "channel_id"], name="hour_rollup_key"
            )
        ]

    def __str__(self) -> str:
        return f"{self.hour:%Y-%m-%d %H:00} g{self.group_id} c{self.channel_id}"


class HourTotal(RollupSums):
    """The figures of every conversation started in ``hour``, without group or channel:
    what the unfiltered ``by=hour`` reads (a year is 8,760 rows, not one per hour, group
    and channel). Beside the sums, the hour's median and p90 of first response (the
    upper edges of their buckets, in calendar and in business seconds; None: nobody
    answered), recomputed from ``HourBucket`` whenever the hour's histogram changes."""

    hour = models.DateTimeField(_("hour"), unique=True)
    fr_p50 = models.IntegerField(_("median first response"), null=True)
    fr_p90 = models.IntegerField(_("90th percentile of first response"), null=True)
    fr_bh_p50 = models.IntegerField(_("median first response in business hours"), null=True)
    fr_bh_p90 = models.IntegerField(
        _("90th percentile of first response in business hours"), null=True
    )

    class Meta:
        verbose_name = _("hourly report total")
        verbose_name_plural = _("hourly report totals")

    def __str__(self) -> str:
        return f"{self.hour:%Y-%m-%d %H:00}: {self.sessions}"


class DayBucket(models.Model):
    """How many first responses of the day's (or the month's) conversations fell in each
    histogram bucket (``business``: counted in business hours), per group, operator and
    channel."""

    business = models.BooleanField()
    grain = models.CharField(_("grain"), max_length=1, choices=Grain.choices, default=Grain.DAY)
    day = models.DateField(_("day"))
    group_id = models.BigIntegerField(_("group"), default=0)
    operator_id = models.BigIntegerField(_("operator"), default=0)
    channel_id = models.BigIntegerField(_("channel"), default=0)
    bucket = models.IntegerField(_("bucket"))
    n = models.IntegerField(default=0)

    class Meta:
        verbose_name = _("daily first-response histogram")
        verbose_name_plural = _("daily first-response histograms")
        constraints = [
            models.UniqueConstraint(
                fields=[
                    "business",
                    "grain",
                    "day",
                    "group_id",
                    "operator_id",
                    "channel_id",
                    "bucket",
                ],
                name="day_bucket_key",
            )
        ]

    def __str__(self) -> str:
        return f"{self.grain}{self.day} ≤{self.bucket} s: {self.n}"


class HourBucket(models.Model):
    """The hourly histogram, per group and channel."""

    business = models.BooleanField()
    hour = models.DateTimeField(_("hour"))
    group_id = models.BigIntegerField(_("group"), default=0)
    channel_id = models.BigIntegerField(_("channel"), default=0)
    bucket = models.IntegerField(_("bucket"))
    n = models.IntegerField(default=0)

    class Meta:
        verbose_name = _("hourly first-response histogram")
        verbose_name_plural = _("hourly first-response histograms")
        constraints = [
            models.UniqueConstraint(
                fields=["business", "hour", "group_id", "channel_id", "bucket"],
                name="hour_bucket_key",
            )
        ]

    def __str__(self) -> str:
        return f"{self.hour:%Y-%m-%d %H:00} ≤{self.bucket} s: {self.n}"
