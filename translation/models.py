"""What translation keeps in the database: the characters sent to the provider per day."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class TranslatedCharacters(models.Model):
    """Characters sent to a provider for translation on one day (cache hits not counted):
    what a paid provider bills. Written only by ``translation.services``."""

    day = models.DateField(_("day"))
    provider = models.CharField(_("provider"), max_length=32)
    characters = models.PositiveBigIntegerField(_("characters"), default=0)
    texts = models.PositiveIntegerField(_("texts"), default=0)

    class Meta:
        verbose_name = _("translated characters")
        verbose_name_plural = _("translated characters per day")
        ordering = ["-day", "provider"]
        constraints = [
            models.UniqueConstraint(fields=["day", "provider"], name="translated_chars_per_day")
        ]

    def __str__(self) -> str:
        return f"{self.day} {self.provider}: {self.characters}"
