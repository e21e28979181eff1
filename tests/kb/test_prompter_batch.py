"""The prompter's worker batch (``services.messages_prompt``): a batch suggests what the
messages would get one by one, feedback still moves the rankings, and while no
feedback exists none is read."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext

from contactcenter import realtime
from kb.prompter import services
from kb.prompter.models import Prompt, Suggestion
from kb.services import matching
from tests import factories

pytestmark = pytest.mark.django_db

QUESTIONS = [
    "сколько стоит доставка?",
    "как вернуть товар",
    "how long does delivery take",
    "мой кот любит спать на диване",  # nothing to suggest
    "можно оплатить картой?",
    "доставка долго идет и сколько стоит",
]


def _messages(session: Any, texts: list[str]) -> list[int]:
    return [factories.MessageFactory(session=session, text=t).pk for t in texts]


def _suggested(message_ids: list[int]) -> list[list[tuple[int, float]]]:
    return [
        list(
            Suggestion.objects.filter(message_id=m)
            .order_by("rank")
            .values_list("article_id", "score")
        )
        for m in message_ids
    ]


def _second_session(active_session: Any) -> Any:
    operator = factories.OperatorFactory(status="online")
    factories.MembershipFactory(group=active_session.group, operator=operator)
    return factories.SessionFactory(
        dialog=factories.DialogFactory(channel=active_session.dialog.channel),
        group=active_session.group,
        status="active",
        operator=operator,
    )


def _alone_then_batch(
    active_session: Any, texts: list[str], sent_frames: Any, on_commit: Any
) -> tuple[list[int], Any, list[int], list[Any]]:
    """``texts`` in the session, prompted one by one, and in a second session, prompted
    as one batch (its frames alone left in ``sent_frames``)."""
    alone_ids = _messages(active_session, texts)
    batch_session = _second_session(active_session)
    batch_ids = _messages(batch_session, texts)
    for message_id in alone_ids:
        services.message_prompt(message_id=message_id)
    sent_frames.clear()
    with on_commit(execute=True):
        prompted = services.messages_prompt(message_ids=batch_ids)
    return alone_ids, batch_session, batch_ids, prompted


def test_a_batch_suggests_what_each_message_gets_alone(
    faq, active_session, sent_frames, django_capture_on_commit_callbacks
):
    # given: the same questions in two sessions; when: the first session's are
    # prompted one by one, the second's as a batch
    alone_ids, batch_session, batch_ids, prompted = _alone_then_batch(
        active_session, QUESTIONS, sent_frames, django_capture_on_commit_callbacks
    )

    # then: the same articles with the same scores, best first, and every message
    # counted (the one with nothing to suggest too)
    assert _suggested(batch_ids) == _suggested(alone_ids)
    assert _suggested(batch_ids)[0][0][0] == faq["delivery_cost"]
    assert _suggested(batch_ids)[3] == []
    assert [p.prompt.message_id for p in prompted if p] == batch_ids
    assert Prompt.objects.filter(message_id__in=batch_ids).count() == len(QUESTIONS)
    # and each message's frame reached the session's operator, in order, with the
    # stored suggestions
    operator = realtime.operator_group(batch_session.operator_id)
    frames = [f for g, f in sent_frames if g == operator and f["type"] == "suggestions"]
    assert [f["message"] for f in frames] == batch_ids
    assert [[(s["article"], s["score"]) for s in f["suggestions"]] for f in frames] == (
        _suggested(batch_ids)
    )


def test_a_batch_costs_the_same_queries_for_two_messages_or_six(faq, active_session):
    matching.match("доставка")  # the process's index built before counting
    counts = []
    for texts in (QUESTIONS[:2], QUESTIONS):
        ids = _messages(active_session, texts)
        with CaptureQueriesContext(connection) as queries:
            services.messages_prompt(message_ids=ids)
        counts.append(len(queries.captured_queries))

    assert counts[0] == counts[1]


def test_feedback_still_moves_the_rankings_of_a_batch(faq, active_session):
    # given: operators rejected the first suggestion for a question
    text = "доставка долго идет и сколько стоит"
    first = services.message_prompt(message_id=_messages(active_session, [text])[0])
    assert first is not None
    top = first.suggestions[0].article_id
    services.suggestion_feedback(suggestion_id=first.suggestions[0].pk, outcome="rejected")

    # when: close phrasings of it come in a batch, with other questions
    asked = ["доставка долго идёт, сколько стоит?", "как вернуть товар"]
    ids = _messages(active_session, asked)
    services.messages_prompt(message_ids=ids)

    # then: the rejected article is no longer first, as one by one, and the other
    # question is not moved
    batch = _suggested(ids)
    assert batch[0][0][0] != top
    alone = matching.match(asked[0]).matches
    assert [(m.article_id, m.score) for m in alone] == batch[0]
    assert batch[1][0][0] == faq["returns"]


def test_no_feedback_is_read_until_some_is_given(
    faq, active_session, django_capture_on_commit_callbacks
):
    matching.match("доставка")  # the index built before counting
    services.feedback_none_forget()  # as in a worker that has not looked yet

    def feedback_reads(texts: list[str]) -> int:
        ids = _messages(active_session, texts)
        with CaptureQueriesContext(connection) as queries:
            services.messages_prompt(message_ids=ids)
        return sum('"kb_phrasingfeedback"' in q["sql"] for q in queries.captured_queries)

    # given: no feedback yet: the first batch finds out once, the next reads nothing
    assert feedback_reads(QUESTIONS[:2]) == 1
    assert cache.get(services.NO_FEEDBACK_KEY) is True
    assert feedback_reads(QUESTIONS[2:4]) == 0

    # when: an operator accepts a suggestion
    suggestion = Suggestion.objects.filter(rank=1).first()
    assert suggestion is not None
    with django_capture_on_commit_callbacks(execute=True):
        services.suggestion_feedback(suggestion_id=suggestion.pk, outcome="accepted")

    # then: every process knows that feedback exists, and every batch reads it, once
    assert cache.get(services.NO_FEEDBACK_KEY) is False
    assert not services.feedback_none()
    assert feedback_reads(QUESTIONS[:2]) == 1
    assert feedback_reads(QUESTIONS[2:]) == 1


def test_a_message_prompted_meanwhile_does_not_lose_the_rest_of_the_batch(
    faq, active_session, monkeypatch
):
    # given: a batch one of whose messages another worker prompts while it matches
    ids = _messages(active_session, QUESTIONS[:3])
    real = matching.match_many

    def meanwhile(texts: list[str], limit: int = 3) -> list[matching.MatchResult]:
        services.message_prompt(message_id=ids[1])
        return real(texts, limit=limit)

    monkeypatch.setattr(matching, "match_many", meanwhile)

    # when
    services.messages_prompt(message_ids=ids)

    # then: every message has its one prompt, and the others their suggestions
    assert sorted(Prompt.objects.values_list("message_id", flat=True)) == sorted(ids)
    assert _suggested([ids[0]])[0] and _suggested([ids[2]])[0]


def test_with_an_empty_knowledge_base_a_batch_is_counted_in_each_language(active_session):
    # given: no article at all (a plain chat)
    ids = _messages(active_session, ["где мой заказ", "where is my order", "gde moy zakaz"])

    # when
    services.messages_prompt(message_ids=ids)

    # then: each message is counted with its language and nothing suggested
    prompts = Prompt.objects.filter(message_id__in=ids).order_by("message_id")
    assert [(p.language, p.suggested) for p in prompts] == [("ru", 0), ("en", 0), ("ru", 0)]
    assert not Suggestion.objects.exists()


def _stored(message_ids: list[int]) -> list[list[tuple[Any, ...]]]:
    return [
        list(
            Suggestion.objects.filter(message_id=m)
            .order_by("rank")
            .values_list("article_id", "rank", "score", "title", "text", "session_id")
        )
        for m in message_ids
    ]


def test_a_batch_stores_the_titles_and_answers_one_by_one_would_in_either_language(
    faq, active_session, sent_frames, django_capture_on_commit_callbacks
):
    # given: one article without its Russian title and answer (the English ones stand in
    # for them) and one without its English title, and the questions in two sessions
    from kb.models import Article

    Article.objects.filter(pk=faq["delivery_cost"]).update(title_ru="", answer_ru="")
    Article.objects.filter(pk=faq["returns"]).update(title_en="")
    texts = ["сколько стоит доставка?", "how to return an item", "как вернуть товар"]

    # when: the first session's are prompted one by one, the second's as a batch
    alone_ids, batch_session, batch_ids, prompted = _alone_then_batch(
        active_session, texts, sent_frames, django_capture_on_commit_callbacks
    )

    # then: each suggestion holds the same title and text in the same rank, stored and
    # returned alike
    alone, batch = _stored(alone_ids), _stored(batch_ids)
    assert [[row[:5] for row in rows] for rows in batch] == [
        [row[:5] for row in rows] for rows in alone
    ]
    cost = Article.objects.get(pk=faq["delivery_cost"])
    assert batch[0][0][3:5] == (cost.title_en, cost.answer_en)
    returns = Article.objects.get(pk=faq["returns"])
    english = next(row for row in batch[1] if row[0] == returns.pk)
    assert english[3] == returns.title_ru and english[4] == returns.answer_en
    assert all(row[5] == batch_session.pk for rows in batch for row in rows)
    returned = [
        [(s.article_id, s.rank, s.score, s.title, s.text, s.session_id) for s in p.suggestions]
        for p in prompted
        if p
    ]
    assert returned == batch
    # and the frames carry them with the articles' keys, as ``message_prompt`` sends them
    operator = realtime.operator_group(batch_session.operator_id)
    frames = [f for g, f in sent_frames if g == operator and f["type"] == "suggestions"]
    assert [f["message"] for f in frames] == batch_ids
    keys = dict(Article.objects.values_list("pk", "key"))
    assert [[(s["key"], s["title"], s["text"]) for s in f["suggestions"]] for f in frames] == [
        [(keys[row[0]], row[3], row[4]) for row in rows] for rows in batch
    ]


def test_a_message_prompted_meanwhile_gets_nothing_twice(
    faq, active_session, sent_frames, monkeypatch, django_capture_on_commit_callbacks
):
    # given: a batch of which one message another worker prompts after this batch read it
    ids = _messages(active_session, QUESTIONS[:3])
    from kb.prompter import batch_sql

    owner, name = (
        (batch_sql, "promptable")
        if connection.vendor == "postgresql"
        else (services, "_messages_promptable")
    )
    read = getattr(owner, name)

    def read_then_race(message_ids: list[int]) -> Any:
        todo = read(message_ids)
        services.message_prompt(message_id=ids[1])
        return todo

    monkeypatch.setattr(owner, name, read_then_race)

    # when: the batch goes on
    sent_frames.clear()
    with django_capture_on_commit_callbacks(execute=True):
        prompted = services.messages_prompt(message_ids=ids)

    # then: each message has one prompt and one set of suggestions, and the batch
    # returns and pushes the two it prompted (the other worker pushed its own)
    assert Prompt.objects.filter(message_id__in=ids).count() == 3
    for rows in _stored(ids):
        assert rows and [row[1] for row in rows] == list(range(1, len(rows) + 1))
    assert [p is not None for p in prompted] == [True, False, True]
    operator = realtime.operator_group(active_session.operator_id)
    frames = [f["message"] for g, f in sent_frames if g == operator and f["type"] == "suggestions"]
    assert sorted(frames) == sorted(ids)
