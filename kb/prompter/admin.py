"""The prompter in the admin (registered from ``KbConfig.ready``): its setting, the
suggestions with the weekly figures as a chart, the review list of learned phrasings
and the candidate articles."""

from __future__ import annotations

from typing import Any

from django.contrib import admin, messages
from django.db.models import Count, Q, QuerySet
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.urls import NoReverseMatch, path, reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from kb.prompter import candidates, chart, selectors, services
from kb.prompter.models import Candidate, PhrasingFeedback, PrompterSettings, Suggestion


@admin.register(PrompterSettings)
class PrompterSettingsAdmin(admin.ModelAdmin):
    """One row (made with its defaults when the prompter first needs it, or added
    here once)."""

    list_display = ["__str__", "learn_after_accepts"]
    fields = ["learn_after_accepts"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return not PrompterSettings.objects.exists()

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(Suggestion)
class SuggestionAdmin(admin.ModelAdmin):
    list_display = ["created_at", "question", "rank", "title", "score", "outcome"]
    list_filter = ["outcome", "rank", "created_at"]
    search_fields = ["title", "text", "prompt__question"]
    list_select_related = ["prompt"]
    date_hierarchy = "created_at"
    change_list_template = "admin/kb/suggestion/change_list.html"
    readonly_fields = [f.name for f in Suggestion._meta.fields]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    @admin.display(description=_("customer's text"))
    def question(self, obj: Suggestion) -> str:
        return obj.prompt.question[:80]

    def changelist_view(self, request: HttpRequest, extra_context: Any = None) -> HttpResponse:
        rows = selectors.prompter_weekly_stats(weeks=12)
        context = {**(extra_context or {}), "prompter_chart": chart.weekly_chart(rows)}
        return super().changelist_view(request, extra_context=context)


@admin.register(PhrasingFeedback)
class PhrasingFeedbackAdmin(admin.ModelAdmin):
    """The review list of learned phrasings: what operators accepted (or rejected) for
    which article; approving learns a phrasing at once."""

    list_display = ["phrasing", "article", "accepts", "rejects", "status", "updated_at"]
    list_filter = ["status"]
    search_fields = ["phrasing", "article__key", "article__title_ru", "article__title_en"]
    list_select_related = ["article"]
    readonly_fields = ["article", "phrasing", "accepts", "rejects", "status", "updated_at"]
    actions = ["approve", "dismiss"]
    ordering = ["status", "-accepts"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    @admin.action(description=_("Approve: learn these phrasings now"))
    def approve(self, request: HttpRequest, queryset: QuerySet[PhrasingFeedback]) -> None:
        learned = 0
        for pair in queryset.exclude(status=PhrasingFeedback.Status.LEARNED):
            services.phrasing_learn(pair=pair)
            learned += 1
        self.message_user(
            request,
            ngettext("%(n)d phrasing learned.", "%(n)d phrasings learned.", learned)
            % {"n": learned},
            messages.SUCCESS,
        )

    @admin.action(description=_("Dismiss: do not learn these phrasings"))
    def dismiss(self, request: HttpRequest, queryset: QuerySet[PhrasingFeedback]) -> None:
        for pair in queryset.filter(status=PhrasingFeedback.Status.PENDING):
            services.phrasing_dismiss(pair=pair)


class CandidateHeads(admin.SimpleListFilter):
    title = _("grouping")
    parameter_name = "grouped"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, Any]]:
        return [("all", _("every question"))]

    def queryset(self, request: HttpRequest, queryset: QuerySet[Candidate]) -> QuerySet[Candidate]:
        return queryset if self.value() == "all" else queryset.filter(group__isnull=True)


@admin.register(Candidate)
class CandidateAdmin(admin.ModelAdmin):
    """Questions that found no article, with the operator's reply; close questions are
    grouped under the first (the list shows the groups). "Create article" makes one
    article of a group."""

    list_display = [
        "question",
        "answer_excerpt",
        "similar_count",
        "status",
        "created_at",
        "create_button",
    ]
    list_filter = ["status", CandidateHeads]
    search_fields = ["question", "answer"]
    readonly_fields = [
        "question",
        "answer",
        "language",
        "session",
        "message",
        "group",
        "status",
        "article",
        "created_at",
    ]
    actions = ["create_articles", "dismiss"]
    change_list_template = "admin/kb/candidate/change_list.html"

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def get_queryset(self, request: HttpRequest) -> QuerySet[Candidate]:
        return (
            super()
            .get_queryset(request)
            .annotate(
                open_similar=Count("similar", filter=Q(similar__status=Candidate.Status.OPEN))
            )
        )

    @admin.display(description=_("operator's reply"))
    def answer_excerpt(self, obj: Candidate) -> str:
        return obj.answer[:120]

    @admin.display(description=_("similar questions"), ordering="open_similar")
    def similar_count(self, obj: Candidate) -> int:
        return int(getattr(obj, "open_similar", 0))

    @admin.display(description="")
    def create_button(self, obj: Candidate) -> str:
        if obj.status != Candidate.Status.OPEN:
            return ""
        # a submit button of the list's own form (which carries the CSRF token)
        return format_html(
            '<button type="submit" class="button" formaction="{}">{}</button>',
            reverse("admin:kb_candidate_create_article", args=[obj.pk]),
            _("Create article"),
        )

    def get_urls(self) -> list[Any]:
        create = self.admin_site.admin_view(self.create_article_view)
        return [
            path("<int:pk>/create-article/", create, name="kb_candidate_create_article"),
            *super().get_urls(),
        ]

    def create_article_view(self, request: HttpRequest, pk: int) -> HttpResponse:
        """One click: the candidate's group becomes an article (POST only)."""
        if request.method != "POST" or not self.has_change_permission(request):
            return HttpResponse(status=405 if request.method != "POST" else 403)
        candidate = get_object_or_404(Candidate, pk=pk)
        if candidate.status != Candidate.Status.OPEN:
            self.message_user(request, _("This candidate is no longer open."), messages.WARNING)
            return HttpResponseRedirect(reverse("admin:kb_candidate_changelist"))
        article = candidates.candidate_article_create(candidate=candidate)
        self.message_user(
            request,
            _("Article “%(key)s” created: check its title and answer.") % {"key": article.key},
            messages.SUCCESS,
        )
        try:
            return HttpResponseRedirect(reverse("admin:kb_article_change", args=[article.pk]))
        except NoReverseMatch:  # the articles' admin is not installed
            return HttpResponseRedirect(reverse("admin:kb_candidate_changelist"))

    @admin.action(description=_("Create an article from each selected group"))
    def create_articles(self, request: HttpRequest, queryset: QuerySet[Candidate]) -> None:
        made = 0
        for candidate in queryset.filter(status=Candidate.Status.OPEN):
            candidate.refresh_from_db()
            if candidate.status == Candidate.Status.OPEN:
                candidates.candidate_article_create(candidate=candidate)
                made += 1
        self.message_user(
            request,
            ngettext("%(n)d article created.", "%(n)d articles created.", made) % {"n": made},
            messages.SUCCESS,
        )

    @admin.action(description=_("Dismiss the selected groups"))
    def dismiss(self, request: HttpRequest, queryset: QuerySet[Candidate]) -> None:
        for candidate in queryset.filter(status=Candidate.Status.OPEN):
            candidates.candidate_dismiss(candidate=candidate)
