"""The prompter's records: the suggestions shown for each customer message, the feedback
on them, the phrasings operators accepted (the review list of learned phrasings), the
admin's setting and the candidate articles. Imported by ``kb.models``."""

from __future__ import annotations

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _


class Outcome(models.TextChoices):
    ACCEPTED = "accepted", _("accepted")
    EDITED = "edited", _("edited")
    REJECTED = "rejected", _("rejected")


class PrompterSettings(models.Model):
    """One row (``pk=1``): how the prompter learns."""

    learn_after_accepts = models.PositiveSmallIntegerField(
        _("learn a phrasing after this many accepts"),
        default=2,
        validators=[MinValueValidator(1), MaxValueValidator(1000)],
        help_text=_(
            "A customer's phrasing becomes a phrasing of the article once operators "
            "accepted that article's suggestion for it this many times. An admin can "
            "approve one sooner in the review list of learned phrasings."
        ),
    )

    class Meta:
        verbose_name = _("prompter settings")
        verbose_name_plural = _("prompter settings")

    def __str__(self) -> str:
        return str(_("Prompter settings"))


class Prompt(models.Model):
    """One customer message the prompter looked at, in a session with an operator (with
    or without suggestions: the denominator of coverage)."""

    message = models.OneToOneField(
        "inbox.Message", on_delete=models.CASCADE, related_name="+", verbose_name=_("message")
    )
    session = models.ForeignKey(
        "inbox.Session", on_delete=models.CASCADE, related_name="+", verbose_name=_("session")
    )
    question = models.TextField(_("customer's text"))
    language = models.CharField(_("language"), max_length=2, blank=True)
    suggested = models.PositiveSmallIntegerField(_("suggestions"), default=0)
    created_at = models.DateTimeField(_("created"), db_index=True)

    class Meta:
        verbose_name = _("prompted message")
        verbose_name_plural = _("prompted messages")

    def __str__(self) -> str:
        return self.question[:80]


class Suggestion(models.Model):
    prompt = models.ForeignKey(
        Prompt, on_delete=models.CASCADE, related_name="suggestions", verbose_name=_("prompt")
    )
    # No index of their own: ``kb_suggestion_pending_idx`` and ``kb_suggestion_rank_once``
    # begin with them (three suggestions a customer's message, each updating two
    # indexes more for nothing).
    session = models.ForeignKey(
        "inbox.Session",
        on_delete=models.CASCADE,
        related_name="+",
        verbose_name=_("session"),
        db_index=False,
    )
    message = models.ForeignKey(
        "inbox.Message",
        on_delete=models.CASCADE,
        related_name="+",
        verbose_name=_("message"),
        db_index=False,
    )
    article = models.ForeignKey(
        "kb.Article",
        on_delete=models.SET_NULL,
        null=True,
        related_name="+",
        verbose_name=_("article"),
    )
    rank = models.PositiveSmallIntegerField(_("rank"))
    score = models.FloatField(_("score"))
    title = models.CharField(_("title"), max_length=300, blank=True)
    text = models.TextField(_("text"))
    outcome = models.CharField(
        _("outcome"), max_length=10, choices=Outcome.choices, null=True, blank=True
    )
    outcome_text = models.TextField(_("text sent"), blank=True)
    outcome_at = models.DateTimeField(_("feedback at"), null=True, blank=True)
    outcome_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("feedback by"),
    )
    created_at = models.DateTimeField(_("created"), db_index=True)

    class Meta:
        verbose_name = _("suggestion")
        verbose_name_plural = _("suggestions")
        constraints = [
            models.UniqueConstraint(fields=["message", "rank"], name="kb_suggestion_rank_once")
        ]
        indexes = [models.Index(fields=["session", "outcome"], name="kb_suggestion_pending_idx")]

    def __str__(self) -> str:
        return f"#{self.rank} {self.title}"


class PhrasingFeedback(models.Model):
    """A customer's phrasing (normalised) and one article: how often operators accepted
    or rejected it for that phrasing. Rankings use the corrections and rejects; an
    accepted one is learned as a phrasing of the article after the set number of
    accepts (unless the matcher already ranks the article first for it: ``known``), or
    when an admin approves it."""

    class Status(models.TextChoices):
        PENDING = "pending", _("waiting")
        LEARNED = "learned", _("learned")
        KNOWN = "known", _("already matched")
        DISMISSED = "dismissed", _("dismissed")

    article = models.ForeignKey(
        "kb.Article", on_delete=models.CASCADE, related_name="+", verbose_name=_("article")
    )
    phrasing = models.CharField(_("customer's phrasing"), max_length=500)
    accepts = models.PositiveIntegerField(_("accepts"), default=0)
    corrections = models.PositiveIntegerField(
        _("accepts below the first place"),
        default=0,
        help_text=_("Accepts of this article when it was not the first suggestion."),
    )
    rejects = models.PositiveIntegerField(_("rejects"), default=0)
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.PENDING
    )
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        verbose_name = _("phrasing feedback")
        verbose_name_plural = _("learned phrasings (review)")
        constraints = [
            models.UniqueConstraint(
                fields=["article", "phrasing"], name="kb_phrasing_feedback_once"
            )
        ]

    def __str__(self) -> str:
        return self.phrasing


class Candidate(models.Model):
    """A customer's question that found no article and the operator's next reply: the
    material of a new article. Close questions are grouped under the first one
    (``group``)."""

    class Status(models.TextChoices):
        OPEN = "open", _("open")
        CREATED = "created", _("article created")
        DISMISSED = "dismissed", _("dismissed")

    question = models.TextField(_("customer's question"))
    answer = models.TextField(_("operator's reply"), blank=True)
    language = models.CharField(_("language"), max_length=2, blank=True)
    message = models.OneToOneField(
        "inbox.Message", on_delete=models.CASCADE, related_name="+", verbose_name=_("message")
    )
    session = models.ForeignKey(
        "inbox.Session", on_delete=models.CASCADE, related_name="+", verbose_name=_("session")
    )
    group = models.ForeignKey(
        "self",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="similar",
        verbose_name=_("similar to"),
    )
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.OPEN
    )
    article = models.ForeignKey(
        "kb.Article",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("article"),
    )
    created_at = models.DateTimeField(_("created"), db_index=True)

    class Meta:
        verbose_name = _("candidate article")
        verbose_name_plural = _("candidate articles")

    def __str__(self) -> str:
        return self.question[:80]
