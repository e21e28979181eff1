"""What the e-mail connector remembers of each message it received or sent, so that
replies thread in the customer's mail program (In-Reply-To, References, subject)."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class EmailReference(models.Model):
    message = models.OneToOneField(
        "inbox.Message",
        verbose_name=_("message"),
        on_delete=models.CASCADE,
        related_name="email_reference",
    )
    header_message_id = models.CharField(
        _("Message-ID"), max_length=998, help_text=_("The e-mail's Message-ID header.")
    )
    subject = models.CharField(_("subject"), max_length=998, blank=True)
    references = models.TextField(
        _("references"), blank=True, help_text=_("The Message-IDs of the thread, oldest first.")
    )
    html = models.TextField(
        _("formatted text"),
        blank=True,
        help_text=_("The e-mail's HTML body, sanitised: safe to show; no remote images."),
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        verbose_name = _("e-mail reference")
        verbose_name_plural = _("e-mail references")

    def __str__(self) -> str:
        return self.header_message_id
