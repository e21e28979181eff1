"""Articles of the knowledge base and their example phrasings."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class Language(models.TextChoices):
    RU = "ru", _("Russian")
    EN = "en", _("English")


class Article(models.Model):
    key = models.CharField(
        _("key"),
        max_length=100,
        unique=True,
        help_text=_("A short unique name, e.g. delivery_cost; imports update by it."),
    )
    title_ru = models.CharField(_("title (Russian)"), max_length=300, blank=True)
    title_en = models.CharField(_("title (English)"), max_length=300, blank=True)
    answer_ru = models.TextField(_("answer (Russian)"), blank=True)
    answer_en = models.TextField(_("answer (English)"), blank=True)
    enabled = models.BooleanField(
        _("enabled"), default=True, help_text=_("Only enabled articles are matched.")
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        ordering = ["key"]
        verbose_name = _("article")
        verbose_name_plural = _("articles")

    def __str__(self) -> str:
        return self.title_en or self.title_ru or self.key

    def title(self, language: str) -> str:
        return (
            (self.title_ru or self.title_en)
            if language == "ru"
            else (self.title_en or self.title_ru)
        )

    def answer(self, language: str) -> str:
        if language == "ru":
            return self.answer_ru or self.answer_en
        return self.answer_en or self.answer_ru


class Phrase(models.Model):
    class Source(models.TextChoices):
        SEED = "seed", _("imported")
        LEARNED = "learned", _("learned from operators")
        ADMIN = "admin", _("added by an admin")

    article = models.ForeignKey(
        Article, on_delete=models.CASCADE, related_name="phrases", verbose_name=_("article")
    )
    text = models.CharField(_("phrasing"), max_length=500)
    language = models.CharField(_("language"), max_length=2, choices=Language.choices)
    source = models.CharField(
        _("source"), max_length=10, choices=Source.choices, default=Source.ADMIN
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        ordering = ["article", "id"]
        verbose_name = _("phrasing")
        verbose_name_plural = _("phrasings")
        constraints = [
            models.UniqueConstraint(fields=["article", "text"], name="kb_phrase_unique_text")
        ]

    def __str__(self) -> str:
        return self.text
