"""The SLA alerts already sent: one row per session and level, so that each alert goes
out once, across scans, workers and restarts (``reports.alerts``)."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class SlaLevel(models.TextChoices):
    WARNING = "warning", _("Warning (80 % of the target)")
    BREACHED = "breached", _("Breached (the target passed)")


class SlaAlert(models.Model):
    session = models.ForeignKey(
        "inbox.Session",
        verbose_name=_("session"),
        on_delete=models.CASCADE,
        related_name="sla_alerts",
        db_index=False,  # the unique constraint leads with the session
    )
    group = models.ForeignKey(
        "routing.Group",
        verbose_name=_("group"),
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    level = models.CharField(_("level"), max_length=16, choices=SlaLevel.choices)
    waiting_s = models.PositiveIntegerField(_("waiting (s)"))
    target_s = models.PositiveIntegerField(_("target (s)"))
    created_at = models.DateTimeField(_("sent"), auto_now_add=True)

    class Meta:
        verbose_name = _("SLA alert")
        verbose_name_plural = _("SLA alerts")
        constraints = [
            models.UniqueConstraint(fields=["session", "level"], name="sla_alert_once_per_level")
        ]

    def __str__(self) -> str:
        return f"{self.level} for session #{self.session_id}"
