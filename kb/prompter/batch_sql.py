"""The prompter's worker batch on PostgreSQL: two prepared statements a batch.

``promptable``: the batch's customer messages in sessions with an operator that were
not prompted yet, with what the push needs of their sessions. ``prompts_store``: every
prompt and its suggestions in one statement (prompts first, ``ON CONFLICT DO
NOTHING`` so that a message prompted meanwhile by another worker gets nothing twice;
suggestions only for the prompts it inserted), the articles' titles and answers in the
contact's language taken from the article rows by the statement itself (as
``Article.title`` and ``Article.answer`` choose them), and the stored rows returned for
the frames. The rows travel as JSON (one C call here, one parse there), bound by the
server (``sql_arrays.prepared_fetchall``): the ORM's reads, the unnested arrays that
psycopg quoted element by element in Python, and the article read were most of the
worker's CPU per prompted message (docs/benchmarks.md, issue 18's features' cost)."""

from __future__ import annotations

import contextlib
import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.db import connection, transaction

from contactcenter import sql_arrays
from inbox.models import Message, SenderType, Session, SessionStatus
from kb.models import Article
from kb.prompter.models import Prompt, Suggestion


@dataclass(frozen=True, slots=True)
class Promptable:
    """A customer message to prompt, and the state of its session (who watches it)."""

    message_id: int
    text: str
    session_id: int
    operator_id: int
    group_id: int | None
    status: str


_M, _S, _P = Message._meta.db_table, Session._meta.db_table, Prompt._meta.db_table
_A, _G = Article._meta.db_table, Suggestion._meta.db_table

PROMPTABLE_SQL = f"""
SELECT m."id", m."text", s."id", s."operator_id", s."group_id", s."status"
  FROM "{_M}" m JOIN "{_S}" s ON s."id" = m."session_id"
 WHERE m."id" = ANY(%(ids)s::bigint[]) AND m."sender_type" = %(contact)s AND NOT m."internal"
   AND s."status" = %(active)s AND s."operator_id" IS NOT NULL
   AND NOT EXISTS (SELECT 1 FROM "{_P}" p WHERE p."message_id" = m."id")
"""


def promptable(message_ids: list[int]) -> list[Promptable]:
    """What ``services._promptable`` lets through, in ``message_ids``' order, once each."""
    rows = sql_arrays.prepared_fetchall(
        PROMPTABLE_SQL,
        {
            "ids": list(dict.fromkeys(message_ids)),
            "contact": SenderType.CONTACT.value,
            "active": SessionStatus.ACTIVE.value,
        },
    )
    found = {row[0]: Promptable(*row) for row in rows if row[1].strip()}
    return [found[pk] for pk in dict.fromkeys(message_ids) if pk in found]


def _in_language(column: str) -> str:
    """``Article.title`` / ``Article.answer`` in SQL: the prompt's language's text, or
    the other language's when it is empty."""
    return (
        f"""CASE WHEN p."language" = 'ru' """
        f"""THEN COALESCE(NULLIF(a."{column}_ru", ''), a."{column}_en") """
        f"""ELSE COALESCE(NULLIF(a."{column}_en", ''), a."{column}_ru") END"""
    )


STORE_SQL = f"""
WITH q AS (
  SELECT (e->>0)::bigint AS message_id, (e->>1)::bigint AS session_id, e->>2 AS question,
         (e->>3)::varchar AS language, (e->>4)::smallint AS suggested, n
    FROM json_array_elements(%(prompts)s::json) WITH ORDINALITY AS q(e, n)
), p AS (
  INSERT INTO "{_P}" ("message_id", "session_id", "question", "language", "suggested",
                      "created_at")
  SELECT message_id, session_id, question, language, suggested, %(now)s FROM q ORDER BY n
  ON CONFLICT ("message_id") DO NOTHING
  RETURNING "id", "message_id", "session_id", "language"
), r AS (
  SELECT (e->>0)::bigint AS message_id, (e->>1)::bigint AS article_id,
         (e->>2)::smallint AS rank, (e->>3)::float8 AS score
    FROM json_array_elements(%(ranked)s::json) AS r(e)
), s AS (
  INSERT INTO "{_G}" ("prompt_id", "session_id", "message_id", "article_id", "rank", "score",
                      "title", "text", "outcome", "outcome_text", "outcome_at",
                      "outcome_by_id", "created_at")
  SELECT p."id", p."session_id", p."message_id", a."id", r.rank, r.score,
         left({_in_language("title")}, 300), {_in_language("answer")},
         NULL, '', NULL, NULL, %(now)s
    FROM r JOIN p ON p."message_id" = r.message_id JOIN "{_A}" a ON a."id" = r.article_id
   ORDER BY p."id", r.rank
  RETURNING "id", "prompt_id", "message_id", "article_id", "rank", "score", "title", "text"
)
SELECT false, p."message_id", p."id", p."session_id", NULL::bigint, NULL::smallint,
       NULL::float8, NULL::varchar, NULL::text, NULL::varchar
  FROM p
UNION ALL
SELECT true, s."message_id", s."id", s."prompt_id", s."article_id", s."rank", s."score",
       s."title", s."text", a."key"
  FROM s JOIN "{_A}" a ON a."id" = s."article_id"
"""


# a suggestion as a frame shows it: (id, article id, article key, rank, score, title,
# text); the article is None once it is deleted
Item = tuple[int, int | None, str | None, int, float, str, str]


@dataclass(frozen=True, slots=True)
class Stored:
    """A prompt as stored, and its suggestions in rank order, each ``(id, article id,
    article key, rank, score, title, text)``: what the frame needs, without model rows
    (hundreds a second in a busy worker)."""

    prompt_id: int
    message_id: int
    session_id: int
    question: str
    language: str
    suggested: int
    suggestions: list[Item]

    def frame(self) -> dict[str, Any]:
        """The operator socket's ``suggestions`` frame."""
        return frame(self.session_id, self.message_id, self.suggestions)

    def rows(self, now: datetime) -> tuple[Prompt, list[Suggestion]]:
        """The prompt and its suggestions as model rows (each with its article's id and
        key loaded)."""
        alias = connection.alias
        prompt = _loaded(
            Prompt(
                id=self.prompt_id,
                message_id=self.message_id,
                session_id=self.session_id,
                question=self.question,
                language=self.language,
                suggested=self.suggested,
                created_at=now,
            ),
            alias,
        )
        suggestions = []
        for pk, article_id, key, rank, score, title, text in self.suggestions:
            suggestion = _loaded(
                Suggestion(
                    id=pk,
                    prompt_id=self.prompt_id,
                    session_id=self.session_id,
                    message_id=self.message_id,
                    rank=rank,
                    score=score,
                    title=title,
                    text=text,
                    created_at=now,
                ),
                alias,
            )
            suggestion.article = Article.from_db(alias, ["id", "key"], [article_id, key])
            suggestions.append(suggestion)
        return prompt, suggestions


def frame(session_id: int, message_id: int, suggestions: list[Item]) -> dict[str, Any]:
    """The operator socket's ``suggestions`` frame (the contract's fields, plus each
    article's ``title``, ``key`` and ``rank``) of suggestions ``(id, article id, article
    key, rank, score, title, text)``."""
    return {
        "type": "suggestions",
        "session": session_id,
        "message": message_id,
        "suggestions": [
            {
                "id": pk,
                "article": article_id,
                "key": key,
                "title": title,
                "text": text,
                "score": score,
                "rank": rank,
            }
            for pk, article_id, key, rank, score, title, text in suggestions
        ],
    }


def prompts_store(
    items: list[tuple[Promptable, list[tuple[int, float]], str]], now: datetime
) -> dict[int, Stored]:
    """Stores the prompts of ``(message, ranked, language)`` and their suggestions in one
    statement; returns, per message whose prompt it inserted, what it stored."""
    params = {
        "prompts": json.dumps(
            [
                [m.message_id, m.session_id, m.text[:2000], lang, len(ranked)]
                for m, ranked, lang in items
            ],
            ensure_ascii=False,
        ),
        "ranked": json.dumps(
            [
                [m.message_id, article_id, rank, round(score, 4)]
                for m, ranked, _lang in items
                for rank, (article_id, score) in enumerate(ranked, start=1)
            ]
        ),
        "now": now,
    }
    # inside a caller's transaction, a savepoint, so that a failure leaves it usable
    guard = transaction.atomic() if connection.in_atomic_block else contextlib.nullcontext()
    with guard:
        rows = sql_arrays.prepared_fetchall(STORE_SQL, params)
    by_message = {m.message_id: (m, len(ranked), lang) for m, ranked, lang in items}
    out: dict[int, Stored] = {}
    for row in rows:
        if not row[0]:
            message, suggested, lang = by_message[row[1]]
            out[row[1]] = Stored(row[2], row[1], row[3], message.text[:2000], lang, suggested, [])
    for row in rows:
        if row[0]:
            _, message_id, pk, _prompt_id, article_id, rank, score, title, text, key = row
            out[message_id].suggestions.append((pk, article_id, key, rank, score, title, text))
    for stored in out.values():
        stored.suggestions.sort(key=lambda s: s[3])
    return out


def _loaded(row: Any, alias: str) -> Any:
    row._state.adding = False
    row._state.db = alias
    return row
