"""The knowledge base in the admin: articles with their phrasings inline, the enabled
flag, JSON import (a file) and export (an action), and "try a question" on the list,
which shows the matcher's ranking and why."""

from __future__ import annotations

import json
from typing import Any

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Count, QuerySet
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from kb.models import Article, Phrase
from kb.services import articles as services
from kb.services import matching

MAX_IMPORT_BYTES = 10 * 1024 * 1024
PART_NAMES = {
    "chars": gettext_lazy("best phrasing, characters"),
    "words": gettext_lazy("best phrasing, words"),
    "article": gettext_lazy("all phrasings, words"),
    "answer": gettext_lazy("answer, words"),
    "title": gettext_lazy("title, words"),
    "semantic": gettext_lazy("titles and phrasings, meaning"),
    "semantic_answer": gettext_lazy("answer, meaning"),
    "near": gettext_lazy("nearest phrasing, close match"),
}


class PhraseInline(admin.TabularInline):
    model = Phrase
    extra = 1
    fields = ["text", "language", "source", "created_at"]
    readonly_fields = ["language", "source", "created_at"]


class ImportForm(forms.Form):
    file = forms.FileField(
        label=gettext_lazy("JSON file"),
        help_text=gettext_lazy(
            'A list of {"id", "title_ru", "title_en", "answer_ru", "answer_en", "phrases"}; '
            "an article whose id (key) exists is updated."
        ),
    )


@admin.register(Article)
class ArticleAdmin(admin.ModelAdmin):
    list_display = ["key", "title_ru", "title_en", "enabled", "phrase_count", "updated_at"]
    list_filter = ["enabled", "phrases__source"]
    search_fields = ["key", "title_ru", "title_en", "phrases__text"]
    inlines = [PhraseInline]
    actions = ["export_json", "enable", "disable"]
    change_list_template = "admin/kb/article/change_list.html"
    fieldsets = [
        (None, {"fields": ["key", "enabled"]}),
        (gettext_lazy("Russian"), {"fields": ["title_ru", "answer_ru"]}),
        (gettext_lazy("English"), {"fields": ["title_en", "answer_en"]}),
    ]

    def get_queryset(self, request: HttpRequest) -> QuerySet[Article]:
        return super().get_queryset(request).annotate(phrase_total=Count("phrases")).distinct()

    @admin.display(description=gettext_lazy("phrasings"), ordering="phrase_total")
    def phrase_count(self, obj: Any) -> int:
        return int(getattr(obj, "phrase_total", 0))

    # --- writes through the services ------------------------------------------------

    def save_model(self, request: HttpRequest, obj: Article, form: Any, change: bool) -> None:
        data = {
            "key": obj.key,
            "titles": {"ru": obj.title_ru, "en": obj.title_en},
            "answers": {"ru": obj.answer_ru, "en": obj.answer_en},
            "enabled": obj.enabled,
        }
        if change:
            services.article_update(article=Article.objects.get(pk=obj.pk), data=data)
        else:
            obj.pk = services.article_create(data=data).pk

    def save_formset(self, request: HttpRequest, form: Any, formset: Any, change: bool) -> None:
        saved = formset.save(commit=False)
        for phrase in saved:
            phrase.article_id = form.instance.pk
        services.phrases_save(saved=saved, deleted=list(formset.deleted_objects))

    def delete_model(self, request: HttpRequest, obj: Article) -> None:
        services.article_delete(article=obj)

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet[Article]) -> None:
        for article in queryset:
            services.article_delete(article=article)

    # --- actions ---------------------------------------------------------------------

    @admin.action(description=gettext_lazy("Export the selected articles as JSON"))
    def export_json(self, request: HttpRequest, queryset: QuerySet[Article]) -> HttpResponse:
        items = services.articles_export(ids=list(queryset.values_list("pk", flat=True)))
        response = HttpResponse(
            json.dumps(items, ensure_ascii=False, indent=2), content_type="application/json"
        )
        response["Content-Disposition"] = 'attachment; filename="knowledge-base.json"'
        return response

    @admin.action(description=gettext_lazy("Enable the selected articles"))
    def enable(self, request: HttpRequest, queryset: QuerySet[Article]) -> None:
        self._set_enabled(request, queryset, True)

    @admin.action(description=gettext_lazy("Disable the selected articles"))
    def disable(self, request: HttpRequest, queryset: QuerySet[Article]) -> None:
        self._set_enabled(request, queryset, False)

    def _set_enabled(self, request: HttpRequest, queryset: QuerySet[Article], on: bool) -> None:
        for article in queryset:
            services.article_update(article=article, data={"enabled": on})
        count = queryset.count()
        self.message_user(
            request,
            ngettext("%(n)d article changed.", "%(n)d articles changed.", count) % {"n": count},
        )

    # --- import and "try a question" ------------------------------------------------

    def get_urls(self) -> list[Any]:
        own = [
            path(
                "import/",
                self.admin_site.admin_view(self.import_view),
                name="kb_article_import",
            )
        ]
        return own + super().get_urls()

    def import_view(self, request: HttpRequest) -> HttpResponse:
        if not self.has_add_permission(request) or not self.has_change_permission(request):
            raise PermissionDenied
        form = ImportForm(request.POST or None, request.FILES or None)
        if request.method == "POST" and form.is_valid():
            problems = self._import(request, form.cleaned_data["file"])
            if not problems:
                return HttpResponseRedirect(reverse("admin:kb_article_changelist"))
            for problem in problems:
                form.add_error("file", problem)
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "form": form,
            "title": _("Import articles"),
        }
        return TemplateResponse(request, "admin/kb/article/import.html", context)

    def _import(self, request: HttpRequest, upload: Any) -> list[str]:
        if upload.size > MAX_IMPORT_BYTES:
            return [_("The file is larger than 10 MB.")]
        try:
            items = json.loads(upload.read().decode("utf-8"))
        except (UnicodeDecodeError, json.JSONDecodeError):
            return [_("The file is not JSON in UTF-8.")]
        try:
            result = services.articles_import(items=items)
        except services.ImportInvalid as invalid:
            return invalid.problems
        except ValidationError as error:
            return list(error.messages)
        self.message_user(
            request,
            _("Imported. New articles: %(created)d, updated: %(updated)d.")
            % {"created": result.created, "updated": result.updated},
            messages.SUCCESS,
        )
        return []

    def changelist_view(self, request: HttpRequest, extra_context: Any = None) -> Any:
        question = request.GET.get("try", "").strip()[:1000]
        if "try" in request.GET:  # not a filter of the list
            remaining = request.GET.copy()
            del remaining["try"]
            request.GET = remaining  # type: ignore[assignment]
        context = {**(extra_context or {}), "try_question": question}
        if question:
            context["try_result"] = try_question(question)
        return super().changelist_view(request, context)


def try_question(question: str) -> dict[str, Any]:
    """The matcher's view of a question, for the admin: the ranking, each part's share
    of each score, the phrasing that matched, and the answer it would give."""
    result = matching.match(question, limit=5, explain=True)
    titles = dict(
        Article.objects.filter(pk__in=[m.article_id for m in result.matches]).values_list(
            "pk", "title_" + result.language
        )
    )
    rows = [
        {
            "match": m,
            "title": titles.get(m.article_id, ""),
            "parts": [(PART_NAMES.get(k, k), v) for k, v in m.parts.items() if v],
            "answers": result.answer is not None and m.article_id == result.answer.article_id,
        }
        for m in result.matches
    ]
    answer = ""
    if result.answer is not None:
        answer = matching.answer_text(result.answer.article_id, result.language)
    return {
        "rows": rows,
        "language": result.language,
        "answer": answer,
        "threshold": matching.threshold(),
    }
