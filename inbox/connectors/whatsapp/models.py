"""What the WhatsApp connector remembers of a message: the approved template an operator
sent outside the 24-hour window (the message's text says it in words; the connector
sends the template itself)."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class TemplateMessage(models.Model):
    message = models.OneToOneField(
        "inbox.Message",
        verbose_name=_("message"),
        on_delete=models.CASCADE,
        related_name="whatsapp_template",
    )
    name = models.CharField(_("template"), max_length=512)
    language = models.CharField(_("language"), max_length=16)
    params = models.JSONField(_("parameters"), default=list, blank=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        verbose_name = _("WhatsApp template message")
        verbose_name_plural = _("WhatsApp template messages")

    def __str__(self) -> str:
        return f"{self.name} ({self.language})"
