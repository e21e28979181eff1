"""The prompter's writes: suggestions for a customer's message (stored, then pushed to
the staff of the session after commit), feedback on a suggestion (from the inbox, or
found in the operator's sent reply), learning from it, and candidate articles."""

from __future__ import annotations

import dataclasses
import logging
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from django.core.cache import cache
from django.db import IntegrityError, connection, models, transaction
from django.db.models import F
from django.utils import timezone

from contactcenter import realtime, sql_arrays
from contactcenter.api_common import StateConflict
from inbox.models import Message, SenderType, Session, SessionStatus
from inbox.services import pushes
from kb.models import Article, Phrase
from kb.prompter import batch_sql, learning
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


# Whether no phrasing feedback exists, kept in the shared cache (Redis in production)
# so that the adjuster reads none while there is none: a new installation, or one whose
# operators never rate a suggestion, would otherwise query the empty table for every
# question (a quarter of the prompter's worker). ``pair_learn``, the one write path of
# phrasing feedback, clears it before its commit and sets "some" after; either answer
# is kept no longer than ``NO_FEEDBACK_S``, so that rows written or deleted another way
# (a data migration, the shell) count within a minute.
NO_FEEDBACK_KEY = "kb:prompter:no-feedback"
NO_FEEDBACK_S = 60


def feedback_none() -> bool:
    """Whether no phrasing feedback exists (then no adjustment can move a score)."""
    try:
        known = cache.get(NO_FEEDBACK_KEY)
    except Exception:  # the shared cache is away: ask the table
        logger.warning("prompter: the no-feedback flag could not be read", exc_info=True)
        return not PhrasingFeedback.objects.exists()
    if known is not None:
        return bool(known)
    none = not PhrasingFeedback.objects.exists()
    try:
        # ``add``: what a write of feedback set meanwhile is not overwritten
        cache.add(NO_FEEDBACK_KEY, none, NO_FEEDBACK_S)
    except Exception:
        logger.warning("prompter: the no-feedback flag could not be set", exc_info=True)
    return none


def feedback_none_forget() -> None:
    """Forgets whether feedback exists: every process asks the table again."""
    try:
        cache.delete(NO_FEEDBACK_KEY)
    except Exception:  # it lapses by itself within NO_FEEDBACK_S
        logger.warning("prompter: the no-feedback flag could not be cleared", exc_info=True)


def _feedback_some() -> None:
    try:
        cache.set(NO_FEEDBACK_KEY, False, NO_FEEDBACK_S)
    except Exception:
        logger.warning("prompter: the no-feedback flag could not be set", exc_info=True)


def feedback_adjust(normalised_text: str, matches: list[matching.Match]) -> list[matching.Match]:
    """The matcher's adjuster (``matching.adjuster_register``): the feedback on close
    phrasings, and the words corrections taught, move each candidate's score
    (``learning.adjustments``); a candidate pushed to 0 is dropped."""
    return feedback_adjust_many([(normalised_text, matches)])[0]


def feedback_adjust_many(
    items: list[tuple[str, list[matching.Match]]],
) -> list[list[matching.Match]]:
    """``feedback_adjust`` for each ``(normalised_text, matches)`` of a batch, with the
    feedback of all their candidates read in one query (none while no feedback exists:
    ``feedback_none``)."""
    if not any(matches for _, matches in items) or feedback_none():
        return [matches for _, matches in items]
    wanted = {m.article_id for _, matches in items for m in matches}
    rows = PhrasingFeedback.objects.filter(article_id__in=wanted).values_list(
        "article_id", "phrasing", "corrections", "rejects", "accepts"
    )
    by_article: dict[int, list[learning.Pair]] = {}
    for row in rows:
        by_article.setdefault(row[0], []).append(learning.Pair(*row))
    vocabulary = learning.vocabulary_of(matching.index_current())
    out = []
    for text, matches in items:
        pairs = [pair for m in matches for pair in by_article.get(m.article_id, ())]
        out.append(_moved(matches, learning.adjustments(text, pairs, vocabulary)))
    return out


def _moved(matches: list[matching.Match], deltas: dict[int, float]) -> list[matching.Match]:
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
    """``message_prompt`` for each of ``message_ids``, in order, as one batch (a
    worker's): which messages are promptable read in one query, the questions matched
    together (``matching.match_many``: one call of the sentence encoder, the feedback
    read once), the prompts and their suggestions stored together, and the frames sent
    in one call to the channel layer after it. On PostgreSQL that is two prepared
    statements (``batch_sql``); elsewhere the ORM's reads and two inserts in one
    transaction. If the batch fails, its messages are prompted one by one, and one that
    fails then is logged while the others go on."""
    if connection.vendor == "postgresql":
        now = timezone.now()
        done = _batch_postgresql(message_ids, now)
        stored = {
            pk: Prompted(*found.rows(now)) if isinstance(found, batch_sql.Stored) else found
            for pk, found in done.items()
        }
        return [stored.get(message_id) for message_id in message_ids]
    return _batch_orm(message_ids)


def messages_prompt_count(*, message_ids: list[int]) -> int:
    """``messages_prompt`` for the worker's task: how many messages it prompted (on
    PostgreSQL without making model rows of what it stored)."""
    if connection.vendor == "postgresql":
        return len(_batch_postgresql(message_ids, timezone.now()))
    return len([p for p in _batch_orm(message_ids) if p is not None])


def _batch_orm(message_ids: list[int]) -> list[Prompted | None]:
    todo = _messages_promptable(message_ids)
    stored = {}
    if todo:
        try:
            results = matching.match_many([m.text for m in todo], limit=LIMIT)
            with transaction.atomic():
                prompted = _prompts_store(
                    [(m, _suggested(r), r.language) for m, r in zip(todo, results, strict=True)]
                )
                pushes.push_to_staff_many(
                    [(p.prompt.session, suggestions_frame(p)) for p in prompted]
                )
            stored = {p.prompt.message_id: p for p in prompted}
        except Exception:
            logger.warning("prompter: a batch of %s failed; one by one", len(todo), exc_info=True)
            stored = _prompted_one_by_one(todo)
    return [stored.get(message_id) for message_id in message_ids]


def _messages_promptable(message_ids: list[int]) -> list[Message]:
    """The messages of ``message_ids`` to prompt (``_promptable``), in order, once each,
    with their sessions: two queries."""
    found = Message.objects.select_related("session").only(*_MESSAGE_FIELDS).in_bulk(message_ids)
    already = set(
        Prompt.objects.filter(message_id__in=message_ids).values_list("message_id", flat=True)
    )
    return [
        found[message_id]
        for message_id in dict.fromkeys(message_ids)
        if message_id in found and _promptable(found[message_id], message_id in already)
    ]


def _batch_postgresql(message_ids: list[int], now: Any) -> dict[int, batch_sql.Stored | Prompted]:
    """The batch in two statements; what it prompted by message id (``Prompted`` for
    those prompted one by one after the batch failed)."""
    try:
        todo = batch_sql.promptable(message_ids)
        if not todo:
            return {}
        results = matching.match_many([m.text for m in todo], limit=LIMIT)
        stored = batch_sql.prompts_store(
            [(m, _suggested(r), r.language) for m, r in zip(todo, results, strict=True)], now
        )
    except Exception:
        logger.warning(
            "prompter: a batch of %s failed; one by one", len(message_ids), exc_info=True
        )
        return dict(_prompted_one_by_one(_messages_promptable(message_ids)))
    realtime.broadcast_batch(
        [
            (pushes.staff_groups(m.operator_id, m.group_id, m.status), stored[pk].frame())
            for m in todo
            if (pk := m.message_id) in stored
        ]
    )
    return dict(stored)


def _prompted_one_by_one(messages: list[Message]) -> dict[int, Prompted]:
    out = {}
    for message in messages:
        try:
            prompted = _prompt_loaded(message, prompted_before=False)
        except Exception:
            logger.exception("prompter: message %s failed", message.pk)
            continue
        if prompted is not None:
            out[message.pk] = prompted
    return out


def _promptable(message: Message, prompted_before: bool) -> bool:
    if message.sender_type != SenderType.CONTACT or message.internal:
        return False
    session = message.session
    if session is None or session.status != SessionStatus.ACTIVE or not session.operator_id:
        return False
    return bool(message.text.strip()) and not prompted_before


def _suggested(result: matching.MatchResult) -> list[tuple[int, float]]:
    if result.answer is None:
        return []
    return [(m.article_id, float(m.score)) for m in result.matches]


def _prompt_loaded(message: Message, prompted_before: bool) -> Prompted | None:
    session = message.session
    if session is None or not _promptable(message, prompted_before):
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
    return _prompts_store([(message, ranked, lang)])[0]


def _prompts_store(
    items: list[tuple[Message, list[tuple[int, float]], str]],
) -> list[Prompted]:
    """The prompts of ``(message, ranked, language)`` and their suggestions, in two
    inserts (one when nothing is suggested: no article or suggestion query then)."""
    now = timezone.now()
    prompts = [
        Prompt(
            message=message,
            session=message.session,
            question=message.text[:2000],
            language=lang,
            suggested=len(ranked),
            created_at=now,
        )
        for message, ranked, lang in items
    ]
    _rows_insert(Prompt, prompts)
    wanted = {article_id for _, ranked, _ in items for article_id, _ in ranked}
    articles = Article.objects.only(*_ARTICLE_FIELDS).in_bulk(list(wanted)) if wanted else {}
    out, rows = [], []
    for prompt, (message, ranked, lang) in zip(prompts, items, strict=True):
        mine = [
            Suggestion(
                prompt=prompt,
                session=message.session,
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
        rows.extend(mine)
        out.append(Prompted(prompt=prompt, suggestions=mine))
    # the rows get their ids from the insert (PostgreSQL, SQLite) and hold their
    # articles, in rank order: the frames need no second read
    if rows:
        _rows_insert(Suggestion, rows)
    return out


_ARTICLE_FIELDS = ("id", "key", "title_ru", "title_en", "answer_ru", "answer_en")
# fields whose Python value psycopg takes as it is (Django's per-value preparation of
# them, 40,000 calls per 1,000 messages, changes nothing)
_PLAIN = frozenset(
    {
        "BigIntegerField",
        "BooleanField",
        "CharField",
        "DateTimeField",
        "FloatField",
        "ForeignKey",
        "IntegerField",
        "OneToOneField",
        "PositiveSmallIntegerField",
        "SmallIntegerField",
        "TextField",
    }
)
# what the prompter reads of a message and its session (not the translations, the
# attachments' metadata...)
_MESSAGE_FIELDS = (
    "id",
    "sender_type",
    "internal",
    "text",
    "dialog_id",
    "session_id",
    "session__id",
    "session__status",
    "session__operator_id",
    "session__group_id",
)


def _rows_insert(model: type[models.Model], rows: Sequence[models.Model]) -> None:
    """Inserts ``rows`` in one statement and gives each its id. On PostgreSQL the rows
    travel as one array per column (as inbox's batch of messages does): Django's
    ``bulk_create`` compiles a placeholder per value, which was most of the prompter's
    storing CPU (a worker's batch: 40 prompts and 120 suggestions); elsewhere it is
    ``bulk_create``."""
    if connection.vendor != "postgresql":
        model._default_manager.bulk_create(rows)
        return
    fields = [f for f in model._meta.concrete_fields if not f.primary_key]
    columns = ", ".join(f'"{f.column}"' for f in fields)
    source = sql_arrays.unnest_select(model, [str(f.column) for f in fields], ordered=True)
    values = [
        [getattr(row, f.attname) for row in rows]
        if f.get_internal_type() in _PLAIN
        else [f.get_db_prep_save(getattr(row, f.attname), connection) for row in rows]
        for f in fields
    ]
    sql = (
        f'INSERT INTO "{model._meta.db_table}" ({columns}) {source} '
        f'RETURNING "{model._meta.pk.column}"'
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, values)
        # the ids are drawn in the rows' order (ORDER BY n), so ascending is that order
        ids = sorted(pk for (pk,) in cursor.fetchall())
    for row, pk in zip(rows, ids, strict=True):
        row.pk = pk
        row._state.adding = False
        row._state.db = connection.alias


def suggestions_frame(prompted: Prompted) -> dict[str, Any]:
    """The operator socket's ``suggestions`` frame (``batch_sql.frame``)."""
    return batch_sql.frame(
        prompted.prompt.session_id,
        prompted.prompt.message_id,
        [
            (
                s.pk,
                s.article_id,
                s.article.key if s.article else None,
                s.rank,
                s.score,
                s.title,
                s.text,
            )
            for s in prompted.suggestions
        ],
    )


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
    # every process reads the feedback from now on (``feedback_none``): "none" is
    # forgotten now, and "some" is known after the commit (overwriting a "none" that a
    # process found before it)
    feedback_none_forget()
    transaction.on_commit(_feedback_some)
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
