"""Who reads which language, and how an operator's reply is to reach its contact
(docs/translation.md): the languages of operators, contacts and channels, the plan of a
reply, and a reply's translation asked before the reply is even stored.

``inbox.services.translations`` does the rest (holding, translating, delivering).
"""

from __future__ import annotations

import logging
import re
from concurrent.futures import Future
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.db import DatabaseError

from crm.models import ChannelType
from inbox.models import Dialog, Session, SessionStatus, WidgetVisitor
from inbox.services import translation_pool
from inbox.services.validators import MessageRejected, text_clean
from translation import services as translator

logger = logging.getLogger(__name__)

LANGUAGE_CODE = re.compile(r"[a-z]{2,3}")


def installation_language() -> str:
    return settings.LANGUAGE_CODE.split("-")[0].lower()


def channel_translates(config: Any) -> bool:
    """Translation on for a channel: a provider is configured and the channel's config
    does not say ``"translation": false``."""
    if not translator.enabled():
        return False
    return not (isinstance(config, dict) and config.get("translation") is False)


def operator_language(operator: Any) -> str:
    """The language an operator reads (their UI language); the installation's when the
    session has no operator yet."""
    if operator is None:
        return installation_language()
    return str(getattr(operator, "ui_language", "") or installation_language())


def locale_language(value: str | None) -> str:
    """``ru-RU`` → ``ru``; anything that is not a language code → empty."""
    code = (value or "").split("-")[0].split("_")[0].lower()
    return code if LANGUAGE_CODE.fullmatch(code) else ""


def dialog_language(dialog: Dialog) -> str:
    """The contact's language: the dialog's (detected or set by an operator), else the
    widget's locale, else empty (unknown)."""
    if dialog.language:
        return dialog.language
    if dialog.channel.type == ChannelType.WIDGET:
        visitor = WidgetVisitor.objects.filter(dialog=dialog).values_list("language").first()
        return locale_language(visitor[0]) if visitor else ""
    return ""


Piece = tuple[int, str]  # (-1: the text, else the index of a button; the text to translate)


def pieces_of(text: str, buttons: Any) -> list[Piece]:
    """What of a message to the contact is translated: its text and its buttons' titles,
    those with letters (a rating's stars or a number stay)."""
    pieces: list[Piece] = [(-1, text)] if any(c.isalpha() for c in text or "") else []
    for index, button in enumerate(buttons or []):
        title = str(button.get("title") or "") if isinstance(button, dict) else ""
        if any(c.isalpha() for c in title):
            pieces.append((index, title))
    return pieces


# --- a reply's plan -----------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class ReplyPlan:
    channel_type: str
    language: str  # the language the reply is written in
    target: str | None  # the contact's, when the reply must be translated into it


def _plan(text: str, kind: str, config: Any, contact: str, locale: Any, reader: str) -> ReplyPlan:
    """``contact``: the dialog's language; ``locale``: its widget visitor's (or None)."""
    target = None
    if text.strip() and channel_translates(config):
        contact = contact or (locale_language(locale) if kind == ChannelType.WIDGET else "")
        if contact and contact != reader:
            target = contact
    return ReplyPlan(channel_type=kind, language=reader, target=target)


def reply_plan(*, dialog_id: int, operator: Any, text: str) -> ReplyPlan:
    """How an operator's reply in this dialog is to be delivered (one query)."""
    kind, config, contact, locale = (
        Dialog.objects.filter(pk=dialog_id)
        .values_list("channel__type", "channel__config", "language", "visitor__language")
        .get()
    )
    return _plan(text, kind, config, contact, locale, operator_language(operator))


# --- a reply's translation asked before it is stored -------------------------------------


@dataclass(frozen=True, slots=True)
class Early:
    """The provider's answer for one reply's text, asked before the reply was stored."""

    source: str
    target: str
    text: str
    answer: Future[list[str]] = field(default_factory=Future)

    def fits(self, *, source: str, target: str, text: str) -> bool:
        """Whether it is the translation the stored reply needs (its plan agrees)."""
        return (self.source, self.target, self.text) == (source, target, text)


_EARLY_FIELDS = (
    "dialog__channel__type",
    "dialog__channel__config",
    "dialog__language",
    "dialog__visitor__language",
    "operator__language",
)


def reply_translation_start(*, session_id: Any, user: Any, text: Any) -> Early | None:
    """Before an operator's reply to a widget visitor is stored: when the visitor reads
    another language, its translation is asked now (one query, then a translation
    thread), so that the provider's round trip runs beside the whole store (its locks,
    checks and commit) instead of starting after most of it. The store takes the answer
    when its own plan, made under the dialog's lock, agrees (``translations``); else the
    answer only fills the cache. None when there is nothing to translate (or the text
    is not one the store accepts: it says why)."""
    if not translator.enabled():
        return None
    try:
        text = text_clean(text)
    except MessageRejected:
        return None
    if not any(c.isalpha() for c in text):
        return None
    try:
        row = (
            Session.objects.filter(
                pk=session_id, status=SessionStatus.ACTIVE, operator__user_id=user.pk
            )
            .values_list(*_EARLY_FIELDS)
            .first()
        )
    except DatabaseError:  # only a head start is lost: the store says what went wrong
        logger.info("reply's translation not asked early", exc_info=True)
        return None
    if row is None:
        return None
    kind, config, contact, locale, language = row
    plan = _plan(text, kind, config, contact, locale, language or installation_language())
    if plan.target is None or kind != ChannelType.WIDGET:
        return None
    early = Early(source=plan.language, target=plan.target, text=text)
    _early.add(early)
    return early


def _early_translate(batch: list[Early]) -> None:
    """One provider request per pair of languages for the replies handed over together
    (alone when the pool is idle; when the provider is slow and the pool busy, the
    replies that arrive meanwhile go together in the next request, instead of queueing
    one request each behind it)."""
    groups: dict[tuple[str, str], list[Early]] = {}
    for early in batch:
        groups.setdefault((early.source, early.target), []).append(early)
    for (source, target), group in groups.items():
        try:
            answers = translator.translate(
                [early.text for early in group],
                source or None,
                target,
                timeout=settings.TRANSLATION_REPLY_WAIT_S,
            )
        except Exception as failure:  # the delivery reads it: untranslated
            for early in group:
                early.answer.set_exception(failure)
            continue
        for early, answer in zip(group, answers, strict=True):
            early.answer.set_result([answer])


_early: translation_pool.Batched[Early] = translation_pool.Batched(
    translation_pool.EARLY, _early_translate, linger_s=0.0
)
