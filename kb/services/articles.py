"""Writes of articles and their phrasings: one path for the API, the admin, the import
and the prompter's learning. Every change reaches the matcher of every process after
commit (``matching.index_changed``)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from kb.models import Article, Phrase
from kb.services import matching

KEY = re.compile(r"^[A-Za-z0-9_.\-]{1,100}$")
MAX_TITLE, MAX_ANSWER, MAX_PHRASE, MAX_PHRASES = 300, 10_000, 500, 1_000
LANGUAGES = ("ru", "en")


@dataclass(frozen=True)
class ArticleInput:
    key: str
    titles: dict[str, str]
    answers: dict[str, str]
    phrases: list[str]
    enabled: bool = True


@dataclass(frozen=True)
class ImportResult:
    created: int
    updated: int


class ImportInvalid(Exception):
    def __init__(self, problems: list[str]) -> None:
        super().__init__("; ".join(problems))
        self.problems = problems


def _text(value: Any, *, limit: int, name: str) -> str:
    if value is None:
        return ""
    if not isinstance(value, str):
        raise ValidationError({name: [_("Expected text.")]})
    value = value.strip()
    if len(value) > limit:
        raise ValidationError({name: [_("At most %(n)d characters.") % {"n": limit}]})
    if "\x00" in value:
        raise ValidationError({name: [_("Text may not contain NUL characters.")]})
    return value


def _by_language(value: Any, *, limit: int, name: str) -> dict[str, str]:
    if value is None:
        return {}
    if not isinstance(value, dict) or set(value) - set(LANGUAGES):
        raise ValidationError({name: [_('Expected an object with "ru" and "en".')]})
    return {lang: _text(value[lang], limit=limit, name=name) for lang in LANGUAGES if lang in value}


def phrases_clean(value: Any) -> list[str]:
    if not isinstance(value, list) or len(value) > MAX_PHRASES:
        raise ValidationError(
            {"phrases": [_("Expected a list of at most %(n)d texts.") % {"n": MAX_PHRASES}]}
        )
    cleaned: list[str] = []
    for item in value:
        text = _text(item, limit=MAX_PHRASE, name="phrases")
        if text and text not in cleaned:
            cleaned.append(text)
    return cleaned


def article_clean(data: dict[str, Any], *, current: Article | None = None) -> ArticleInput:
    """Checks an article's fields (all of them for a new one, those given for a change)
    and answers them whole, the missing ones taken from ``current``."""
    key = data.get("key", current.key if current else None)
    if not isinstance(key, str) or not KEY.match(key):
        raise ValidationError({"key": [_("1 to 100 letters, digits, _, - or .")]})
    titles = _by_language(data.get("titles"), limit=MAX_TITLE, name="titles")
    answers = _by_language(data.get("answers"), limit=MAX_ANSWER, name="answers")
    old = current or Article()
    titles = {"ru": old.title_ru, "en": old.title_en, **titles}
    answers = {"ru": old.answer_ru, "en": old.answer_en, **answers}
    if not any(answers.values()):
        raise ValidationError({"answers": [_("Give the answer in at least one language.")]})
    phrases = data.get("phrases")
    enabled = data.get("enabled", current.enabled if current else True)
    if not isinstance(enabled, bool):
        raise ValidationError({"enabled": [_("Expected true or false.")]})
    return ArticleInput(
        key=key,
        titles=titles,
        answers=answers,
        phrases=phrases_clean(phrases) if phrases is not None else [],
        enabled=enabled,
    )


def _phrases_set(article: Article, phrases: list[str], *, source: str) -> None:
    """The article's phrasings become ``phrases``: new ones added with ``source``, the
    ones no longer listed removed, the kept ones keep their source."""
    kept = {p.text: p for p in article.phrases.all()}
    Phrase.objects.filter(article=article).exclude(text__in=phrases).delete()
    Phrase.objects.bulk_create(
        [
            Phrase(article=article, text=text, language=matching.language_of(text), source=source)
            for text in phrases
            if text not in kept
        ]
    )


def _fields(article: Article, given: ArticleInput) -> None:
    article.key = given.key
    article.title_ru, article.title_en = given.titles.get("ru", ""), given.titles.get("en", "")
    article.answer_ru, article.answer_en = given.answers.get("ru", ""), given.answers.get("en", "")
    article.enabled = given.enabled


def _key_free(key: str, *, but: Article | None = None) -> None:
    taken = Article.objects.filter(key=key)
    if but is not None:
        taken = taken.exclude(pk=but.pk)
    if taken.exists():
        raise ValidationError({"key": [_("An article with this key exists.")]})


@transaction.atomic
def article_create(*, data: dict[str, Any], source: str = Phrase.Source.ADMIN) -> Article:
    given = article_clean(data)
    _key_free(given.key)
    article = Article()
    _fields(article, given)
    article.save()
    _phrases_set(article, given.phrases, source=source)
    matching.index_changed([article.pk])
    return article


@transaction.atomic
def article_update(*, article: Article, data: dict[str, Any]) -> Article:
    given = article_clean(data, current=article)
    _key_free(given.key, but=article)
    _fields(article, given)
    article.save()
    if data.get("phrases") is not None:
        _phrases_set(article, given.phrases, source=Phrase.Source.ADMIN)
    matching.index_changed([article.pk])
    return article


@transaction.atomic
def article_delete(*, article: Article) -> None:
    gone = article.pk
    article.delete()
    matching.index_changed([gone])


@transaction.atomic
def phrase_add(*, article: Article, text: str, source: str = Phrase.Source.LEARNED) -> Phrase:
    """Adds a phrasing (the prompter's learning, the admin); an existing one is kept."""
    text = _text(text, limit=MAX_PHRASE, name="text")
    if not text:
        raise ValidationError({"text": [_("Give the phrasing.")]})
    phrase, _created = Phrase.objects.get_or_create(
        article=article,
        text=text,
        defaults={"language": matching.language_of(text), "source": source},
    )
    matching.index_changed([article.pk])
    return phrase


@transaction.atomic
def phrases_save(*, saved: list[Phrase], deleted: list[Phrase]) -> None:
    """The admin's inline phrasings: each saved one with its language found from its
    text (new ones as added by an admin), the deleted ones gone."""
    for phrase in deleted:
        phrase.delete()
    for phrase in saved:
        phrase.text = _text(phrase.text, limit=MAX_PHRASE, name="text")
        phrase.language = matching.language_of(phrase.text)
        phrase.save()
    matching.index_changed({p.article_id for p in (*saved, *deleted)})


def _import_item(item: Any) -> dict[str, Any]:
    if not isinstance(item, dict):
        raise ValidationError(_("Expected an object."))
    return {
        "key": item.get("id"),
        "titles": {"ru": item.get("title_ru"), "en": item.get("title_en")},
        "answers": {"ru": item.get("answer_ru"), "en": item.get("answer_en")},
        "phrases": item.get("phrases", []),
        "enabled": item.get("enabled", True),
    }


def _import_problems(items: list[Any]) -> tuple[list[ArticleInput], list[str]]:
    cleaned, problems, seen = [], [], set()
    for position, item in enumerate(items):
        name = item.get("id") if isinstance(item, dict) else None
        label = f"{position} ({name})" if isinstance(name, str) else str(position)
        try:
            given = article_clean(_import_item(item))
        except ValidationError as error:
            detail = error.message_dict if hasattr(error, "error_dict") else error.messages
            problems.append(_("Item %(item)s: %(problem)s") % {"item": label, "problem": detail})
            continue
        if given.key in seen:
            problems.append(_("Item %(item)s: the id is repeated.") % {"item": label})
        seen.add(given.key)
        cleaned.append(given)
    return cleaned, problems


@transaction.atomic
def articles_import(*, items: Any) -> ImportResult:
    """Creates or updates (by ``id``, which becomes the key) every article of a list in
    the dataset's ``kb.json`` format; nothing is written when any item is bad."""
    if not isinstance(items, list) or not items:
        raise ImportInvalid([_("Expected a non-empty JSON list of articles.")])
    cleaned, problems = _import_problems(items)
    if problems:
        raise ImportInvalid(problems)
    existing = {a.key: a for a in Article.objects.filter(key__in=[g.key for g in cleaned])}
    written: list[int] = []
    for given in cleaned:
        article = existing.get(given.key) or Article()
        _fields(article, given)
        article.save()
        kept = {p.text for p in article.phrases.all()}
        Phrase.objects.bulk_create(
            [
                Phrase(
                    article=article,
                    text=text,
                    language=matching.language_of(text),
                    source=Phrase.Source.SEED,
                )
                for text in given.phrases
                if text not in kept
            ]
        )
        written.append(article.pk)
    # a few articles are patched in; more are built whole (fresh term frequencies)
    matching.index_changed(written if len(written) <= matching.PATCH_AT_MOST else None)
    return ImportResult(created=len(cleaned) - len(existing), updated=len(existing))


def articles_export(*, ids: list[int] | None = None) -> list[dict[str, Any]]:
    """The articles (all, or those of ``ids``) in the import's format."""
    chosen = Article.objects.prefetch_related("phrases").order_by("key")
    if ids is not None:
        chosen = chosen.filter(pk__in=ids)
    return [
        {
            "id": a.key,
            "title_ru": a.title_ru,
            "title_en": a.title_en,
            "answer_ru": a.answer_ru,
            "answer_en": a.answer_en,
            "phrases": [p.text for p in a.phrases.all()],
            "enabled": a.enabled,
        }
        for a in chosen
    ]
