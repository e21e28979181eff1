"""The prompter's writes: suggestions for a customer's message (stored, then pushed to
the staff of the session after commit), feedback on a suggestion (from the inbox, or
found in the operator's sent reply), learning from it, and candidate articles."""

from __future__ import annotations

import dataclasses
import logging
from dataclasses import dataclass
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone

from contactcenter.api_common import StateConflict
from inbox.models import Message, SenderType, Session, SessionStatus
from inbox.services import pushes
from kb.models import Article, Phrase
from kb.prompter import learning
from kb.prompter.models import (
    Outcome,
    PhrasingFeedback,
    Prompt,
    PrompterSettings,
    Suggestion,
)
from kb.services import articles as article_services
from kb.services import matching

logger = logging.getLogger(__name__)

LIMIT = 3


def prompter_settings_get() -> PrompterSettings:
    found, _created = PrompterSettings.objects.get_or_create(pk=1)
    return found


def language_guess(text: str) -> str:
    return matching.language_of(text)


def ranked_for(text: str, *, language: str | None = None) -> tuple[list[tuple[int, float]], str]:
    """Up to three ``(article id, score)`` for a customer's text (the matcher's ranking,
    which ``feedback_adjust`` moved), and the answer's language. Nothing when the matcher
    finds nothing good enough."""
    result = matching.match(text, language=language, limit=LIMIT)
    if result.answer is None:
        return [], result.language
    return [(m.article_id, float(m.score)) for m in result.matches], result.language


def feedback_adjust(normalised_text: str, matches: list[matching.Match]) -> list[matching.Match]:
    """The matcher's adjuster (``matching.adjuster_register``): the feedback on close
    phrasings, and the words corrections taught, move each candidate's score
    (``learning.adjustments``); a candidate pushed to 0 is dropped."""
    if not matches:
        return matches
    rows = PhrasingFeedback.objects.filter(
        article_id__in=[m.article_id for m in matches]
    ).values_list("article_id", "phrasing", "corrections", "rejects", "accepts")
    vocabulary = learning.vocabulary_of(matching.index_current())
    pairs = (learning.Pair(*row) for row in rows)
    deltas = learning.adjustments(normalised_text, pairs, vocabulary)
    if not deltas:
        return matches
    moved = [
        dataclasses.replace(
            m, score=round(max(0.0, min(1.0, m.score + deltas.get(m.article_id, 0.0))), 4)
        )
        for m in matches
    ]
    return [m for m in moved if m.score > 0.0]


@dataclass(frozen=True, slots=True)
class Prompted:
    prompt: Prompt
    suggestions: list[Suggestion]


def message_prompt(*, message_id: int) -> Prompted | None:
    """Suggestions for the customer's message ``message_id`` when its session has an
    operator; stored once (a second call returns None) and pushed to the session's
    staff as a ``suggestions`` frame."""
    message = Message.objects.select_related("session").filter(pk=message_id).first()
    if message is None:
        return None
    return _prompt_loaded(message, Prompt.objects.filter(message=message).exists())


def messages_prompt(*, message_ids: list[int]) -> list[Prompted | None]:
    """``message_prompt`` for each of ``message_ids``, in order, with the messages, their
    sessions and which were prompted already read in two queries for all of them (a
    worker's batch: the per-message reads were half of its CPU). One that fails is
    logged and the others go on."""
    found = Message.objects.select_related("session").in_bulk(message_ids)
    already = set(
        Prompt.objects.filter(message_id__in=message_ids).values_list("message_id", flat=True)
    )
    out: list[Prompted | None] = []
    for message_id in message_ids:
        message = found.get(message_id)
        try:
            out.append(_prompt_loaded(message, message_id in already) if message else None)
        except Exception:
            logger.exception("prompter: message %s failed", message_id)
            out.append(None)
    return out


def _prompt_loaded(message: Message, prompted_before: bool) -> Prompted | None:
    if message.sender_type != SenderType.CONTACT or message.internal:
        return None
    session = message.session
    if session is None or session.status != SessionStatus.ACTIVE or not session.operator_id:
        return None
    if not message.text.strip() or prompted_before:
        return None
    ranked, lang = ranked_for(message.text)
    try:
        with transaction.atomic():
            prompted = _prompt_store(message, session, ranked, lang)
    except IntegrityError:
        return None  # another process prompted it meanwhile
    pushes.push_to_staff(session, suggestions_frame(prompted))
    return prompted


def _prompt_store(
    message: Message, session: Session, ranked: list[tuple[int, float]], lang: str
) -> Prompted:
    now = timezone.now()
    prompt = Prompt.objects.create(
        message=message,
        session=session,
        question=message.text[:2000],
        language=lang,
        suggested=len(ranked),
        created_at=now,
    )
    if not ranked:  # nothing good enough: counted, and no further query
        return Prompted(prompt=prompt, suggestions=[])
    articles = Article.objects.in_bulk([a for a, _ in ranked])
    rows = [
        Suggestion(
            prompt=prompt,
            session=session,
            message=message,
            article=articles[article_id],
            rank=rank,
            score=round(score, 4),
            title=articles[article_id].title(lang)[:300],
            text=articles[article_id].answer(lang),
            created_at=now,
        )
        for rank, (article_id, score) in enumerate(ranked, start=1)
        if article_id in articles
    ]
    # the rows get their ids from the insert (PostgreSQL, SQLite) and hold their
    # articles, in rank order: the frame needs no second read
    Suggestion.objects.bulk_create(rows)
    return Prompted(prompt=prompt, suggestions=rows)


def suggestions_frame(prompted: Prompted) -> dict[str, Any]:
    """The operator socket's ``suggestions`` frame (the contract's fields, plus each
    article's ``title``, ``key`` and ``rank``)."""
    return {
        "type": "suggestions",
        "session": prompted.prompt.session_id,
        "message": prompted.prompt.message_id,
        "suggestions": [
            {
                "id": s.pk,
                "article": s.article_id,
                "key": s.article.key if s.article else None,
                "title": s.title,
                "text": s.text,
                "score": s.score,
                "rank": s.rank,
            }
            for s in prompted.suggestions
        ],
    }


class FeedbackConflict(StateConflict):
    """The suggestion already has its feedback (the first one counts)."""

    code = "feedback_given"

    def __init__(self, outcome: str) -> None:
        super().__init__(f"This suggestion already has its feedback: {outcome}.")
        self.outcome = outcome


def suggestion_feedback(
    *, suggestion_id: int, outcome: str, text: str = "", user: Any = None
) -> Suggestion:
    """Records the one feedback of a suggestion and learns from it. A second feedback
    raises ``FeedbackConflict`` (the API answers 409)."""
    with transaction.atomic():
        suggestion = Suggestion.objects.select_for_update().get(pk=suggestion_id)
        if suggestion.outcome:
            raise FeedbackConflict(suggestion.outcome)
        suggestion.outcome = outcome
        suggestion.outcome_text = text
        suggestion.outcome_at = timezone.now()
        suggestion.outcome_by = user if getattr(user, "pk", None) else None
        suggestion.save(update_fields=["outcome", "outcome_text", "outcome_at", "outcome_by"])
        if suggestion.article_id:
            question = Prompt.objects.values_list("question", flat=True).get(
                pk=suggestion.prompt_id
            )
            pair_learn(
                article_id=suggestion.article_id,
                phrasing=question,
                outcome=outcome,
                rank=suggestion.rank,
            )
    return suggestion


def pair_learn(*, article_id: int, phrasing: str, outcome: str, rank: int = 1) -> PhrasingFeedback:
    """Counts an accept (and, below the first place, a correction) or a reject of
    (phrasing, article); an accepted phrasing becomes a phrasing of the article after
    the set number of accepts, unless the matcher already ranks the article first for
    it (then it is marked ``known``: adding it would only dilute the article)."""
    text = learning.normalise(phrasing)[:500]
    pair, _created = PhrasingFeedback.objects.get_or_create(article_id=article_id, phrasing=text)
    if outcome == Outcome.REJECTED:
        changes = {"rejects": F("rejects") + 1}
    else:
        changes = {"accepts": F("accepts") + 1}
        if rank > 1:
            changes["corrections"] = F("corrections") + 1
    PhrasingFeedback.objects.filter(pk=pair.pk).update(**changes)
    pair.refresh_from_db()
    need = prompter_settings_get().learn_after_accepts
    if pair.status == PhrasingFeedback.Status.PENDING and pair.accepts >= need:
        if _ranked_first(phrasing, article_id):
            PhrasingFeedback.objects.filter(pk=pair.pk).update(status=PhrasingFeedback.Status.KNOWN)
            pair.status = PhrasingFeedback.Status.KNOWN
        else:
            phrasing_learn(pair=pair, text=phrasing)
    return pair


def _ranked_first(text: str, article_id: int) -> bool:
    """Whether the matcher alone (no feedback) puts the article first for ``text``."""
    index = matching.index_current()
    ranked = index.rank(index.prepare(text), limit=1)
    return bool(ranked) and index.articles[ranked[0].article].id == article_id


def phrasing_learn(*, pair: PhrasingFeedback, text: str | None = None) -> Phrase:
    """Makes the pair's phrasing a phrasing of its article (through the articles' write
    path, so every process's matcher picks it up) and marks the pair learned."""
    article = Article.objects.get(pk=pair.article_id)
    phrase_text = " ".join((text or pair.phrasing).split())[: article_services.MAX_PHRASE]
    phrase = article_services.phrase_add(
        article=article, text=phrase_text, source=Phrase.Source.LEARNED
    )
    PhrasingFeedback.objects.filter(pk=pair.pk).update(status=PhrasingFeedback.Status.LEARNED)
    pair.status = PhrasingFeedback.Status.LEARNED
    return phrase


def phrasing_dismiss(*, pair: PhrasingFeedback) -> None:
    PhrasingFeedback.objects.filter(pk=pair.pk).update(status=PhrasingFeedback.Status.DISMISSED)
