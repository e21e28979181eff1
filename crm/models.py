"""Contacts and their identities, leads in pipelines, tasks."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class ChannelType(models.TextChoices):
    """The kinds of intake a contact can be known by (shared by channels and identities)."""

    WIDGET = "widget", _("Website widget")
    TELEGRAM = "telegram", _("Telegram")
    WHATSAPP = "whatsapp", _("WhatsApp")
    EMAIL = "email", _("E-mail")
    API = "api", _("API")


class ContactQuerySet(models.QuerySet["Contact"]):
    def live(self) -> ContactQuerySet:
        """Contacts that were not folded into another by a merge."""
        return self.filter(merged_into__isnull=True)


class Contact(models.Model):
    name = models.CharField(_("name"), max_length=200, blank=True)
    email = models.EmailField(_("e-mail"), blank=True, db_index=True)
    phone = models.CharField(_("phone"), max_length=32, blank=True, db_index=True)
    attributes = models.JSONField(
        _("attributes"),
        default=dict,
        blank=True,
        help_text=_('Free fields about the customer, e.g. {"plan": "gold", "city": "Riga"}.'),
    )
    merged_into = models.ForeignKey(
        "self",
        verbose_name=_("merged into"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="merged_contacts",
        help_text=_("Set when this contact was merged into another; it is then hidden."),
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    objects = ContactQuerySet.as_manager()

    class Meta:
        verbose_name = _("contact")
        verbose_name_plural = _("contacts")
        ordering = ["-id"]
        indexes = [models.Index(fields=["-created_at"], name="contact_created_idx")]

    def __str__(self) -> str:
        return contact_display(self.pk, self.name, self.email, self.phone)

    @property
    def is_anonymous(self) -> bool:
        """Nothing identifies the customer yet: they show as "Customer #<id>"."""
        return not (self.name or self.email or self.phone)


def contact_display(pk: int | None, name: str, email: str, phone: str) -> str:
    """How a contact shows (``str(contact)``), from its fields (rows read without a model)."""
    return name or email or phone or _("Customer #%(id)s") % {"id": pk}


class ContactIdentity(models.Model):
    """One way a contact is known: a widget visitor, a Telegram user id, a phone number..."""

    contact = models.ForeignKey(
        Contact, verbose_name=_("contact"), on_delete=models.CASCADE, related_name="identities"
    )
    channel_type = models.CharField(_("channel type"), max_length=16, choices=ChannelType.choices)
    external_id = models.CharField(
        _("external id"),
        max_length=255,
        help_text=_("The id on that channel: visitor id, Telegram user id, phone, e-mail..."),
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        verbose_name = _("identity")
        verbose_name_plural = _("identities")
        constraints = [
            models.UniqueConstraint(
                fields=["channel_type", "external_id"], name="identity_unique_per_channel_type"
            )
        ]

    def __str__(self) -> str:
        return f"{self.channel_type}:{self.external_id}"


class Pipeline(models.Model):
    """A sales funnel: an ordered list of stages a lead moves through."""

    name = models.CharField(_("name"), max_length=100, unique=True)
    is_default = models.BooleanField(
        _("default"), default=False, help_text=_("New leads go to this pipeline.")
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        verbose_name = _("pipeline")
        verbose_name_plural = _("pipelines")
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(
                fields=["is_default"], condition=Q(is_default=True), name="one_default_pipeline"
            )
        ]

    def __str__(self) -> str:
        return self.name


class Stage(models.Model):
    pipeline = models.ForeignKey(
        Pipeline, verbose_name=_("pipeline"), on_delete=models.CASCADE, related_name="stages"
    )
    name = models.CharField(_("name"), max_length=100)
    position = models.PositiveIntegerField(
        _("position"), default=0, help_text=_("Stages are shown from the lowest number up.")
    )

    class Meta:
        verbose_name = _("stage")
        verbose_name_plural = _("stages")
        ordering = ["pipeline", "position", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["pipeline", "name"], name="stage_name_unique_in_pipeline"
            )
        ]

    def __str__(self) -> str:
        return f"{self.pipeline.name} / {self.name}"


class LeadStatus(models.TextChoices):
    NEW = "new", _("New")
    IN_PROGRESS = "in_progress", _("In progress")
    QUALIFIED = "qualified", _("Qualified")
    DISQUALIFIED = "disqualified", _("Disqualified")
    WON = "won", _("Won")
    LOST = "lost", _("Lost")


class Lead(models.Model):
    contact = models.ForeignKey(
        Contact, verbose_name=_("contact"), on_delete=models.CASCADE, related_name="leads"
    )
    session = models.ForeignKey(
        "inbox.Session",
        verbose_name=_("session"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="leads",
        help_text=_("The conversation the lead came from."),
    )
    title = models.CharField(_("title"), max_length=200)
    pipeline = models.ForeignKey(
        Pipeline, verbose_name=_("pipeline"), on_delete=models.PROTECT, related_name="leads"
    )
    stage = models.ForeignKey(
        Stage,
        verbose_name=_("stage"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="leads",
    )
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("owner"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="owned_leads",
        help_text=_("The person responsible for the lead."),
    )
    status = models.CharField(
        _("status"), max_length=16, choices=LeadStatus.choices, default=LeadStatus.NEW
    )
    fields = models.JSONField(_("fields"), default=dict, blank=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        verbose_name = _("lead")
        verbose_name_plural = _("leads")
        ordering = ["-id"]
        indexes = [
            models.Index(fields=["status", "-created_at"], name="lead_status_idx"),
            models.Index(fields=["owner", "status"], name="lead_owner_idx"),
        ]

    def __str__(self) -> str:
        return self.title


OPEN_LEAD_STATUSES = (LeadStatus.NEW, LeadStatus.IN_PROGRESS, LeadStatus.QUALIFIED)


class LeadNote(models.Model):
    """A remark about a lead, by whoever works on it; notes are added, never edited."""

    lead = models.ForeignKey(
        Lead, verbose_name=_("lead"), on_delete=models.CASCADE, related_name="notes"
    )
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("author"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="lead_notes",
    )
    text = models.TextField(_("text"), max_length=5000)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        verbose_name = _("note")
        verbose_name_plural = _("notes")
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return self.text[:60]


class Task(models.Model):
    """A to-do for a CRM manager, usually about a lead."""

    title = models.CharField(_("title"), max_length=200)
    description = models.TextField(_("description"), blank=True)
    lead = models.ForeignKey(
        Lead,
        verbose_name=_("lead"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="tasks",
    )
    contact = models.ForeignKey(
        Contact,
        verbose_name=_("contact"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="tasks",
    )
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("assignee"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="crm_tasks",
    )
    due_at = models.DateTimeField(_("due"), null=True, blank=True)
    done_at = models.DateTimeField(_("done"), null=True, blank=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        verbose_name = _("task")
        verbose_name_plural = _("tasks")
        ordering = ["done_at", "due_at", "id"]
        indexes = [models.Index(fields=["assignee", "done_at", "due_at"], name="task_assignee_idx")]

    def __str__(self) -> str:
        return self.title

    @property
    def is_done(self) -> bool:
        return self.done_at is not None


# --- identity: linking policy and merge suggestions -------------------------------------


class LinkPolicy(models.TextChoices):
    LINK = "link", _("Link automatically")
    SUGGEST = "suggest", _("Suggest a merge to the operator")


class IdentityPolicy(models.Model):
    """How a contact is joined to an existing one when it turns out to share a verified
    e-mail address or phone (a pre-chat form, an e-mail's sender, a bot). One row."""

    SINGLETON_ID = 1

    link_policy = models.CharField(
        _("when an e-mail or phone matches another contact"),
        max_length=16,
        choices=LinkPolicy.choices,
        default=LinkPolicy.LINK,
        help_text=_(
            "Link automatically: the newer contact is merged into the one that already has "
            "the e-mail or phone. Suggest: operators see a proposed merge on the contact "
            "card and decide."
        ),
    )
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        verbose_name = _("identity policy")
        verbose_name_plural = _("identity policy")
        constraints = [models.CheckConstraint(condition=Q(pk=1), name="identity_policy_single_row")]

    def __str__(self) -> str:
        return str(self.get_link_policy_display())

    def save(self, *args: Any, **kwargs: Any) -> None:
        self.pk = self.SINGLETON_ID
        super().save(*args, **kwargs)

    @classmethod
    def current(cls) -> IdentityPolicy:
        """The policy row, made with the defaults the first time it is read."""
        policy, _created = cls.objects.get_or_create(pk=cls.SINGLETON_ID)
        return policy


class MergeReason(models.TextChoices):
    EMAIL = "email", _("Same e-mail address")
    PHONE = "phone", _("Same phone number")


class MergeResolution(models.TextChoices):
    MERGED = "merged", _("Merged")
    DISMISSED = "dismissed", _("Dismissed")


class MergeSuggestion(models.Model):
    """A proposal that ``contact`` is the same person as the older ``candidate``;
    accepting it folds ``contact`` into ``candidate``."""

    contact = models.ForeignKey(
        Contact,
        verbose_name=_("contact"),
        on_delete=models.CASCADE,
        related_name="merge_suggestions",
    )
    candidate = models.ForeignKey(
        Contact,
        verbose_name=_("same as"),
        on_delete=models.CASCADE,
        related_name="merge_candidacies",
        help_text=_("The contact that already had the e-mail or phone; it survives a merge."),
    )
    reason = models.CharField(_("reason"), max_length=16, choices=MergeReason.choices)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    resolved = models.BooleanField(_("resolved"), default=False)
    resolution = models.CharField(
        _("resolution"), max_length=16, choices=MergeResolution.choices, blank=True
    )
    resolved_at = models.DateTimeField(_("resolved at"), null=True, blank=True)

    class Meta:
        verbose_name = _("merge suggestion")
        verbose_name_plural = _("merge suggestions")
        ordering = ["-id"]
        constraints = [
            # one suggestion per pair, ever: a dismissed one is not proposed again
            models.UniqueConstraint(fields=["contact", "candidate"], name="merge_suggestion_pair"),
            models.CheckConstraint(
                condition=~Q(contact=models.F("candidate")), name="merge_suggestion_two_contacts"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.contact} → {self.candidate}"
