"""The prompter's services: suggestions for customer messages in sessions with an
operator, feedback (given, or found in the sent reply) and what the matcher learns."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.exceptions import ValidationError  # noqa: F401

from inbox import services as inbox_services
from kb.models import Phrase
from kb.prompter import services
from kb.prompter.models import PhrasingFeedback, Prompt, PrompterSettings, Suggestion
from kb.services import matching
from tests import factories

pytestmark = pytest.mark.django_db


def _contact_says(session: Any, text: str, capture: Any) -> Any:
    with capture(execute=True):
        stored = inbox_services.contact_message_receive(dialog_id=session.dialog_id, text=text)
    return stored.message


def _operator_says(session: Any, text: str, capture: Any) -> Any:
    with capture(execute=True):
        stored = inbox_services.operator_message_send(
            session_id=session.pk, user=session.operator.user, text=text
        )
    return stored.message


def test_a_customer_question_gets_up_to_three_suggestions_best_first(
    faq, active_session, django_capture_on_commit_callbacks
):
    message = _contact_says(
        active_session, "сколько стоит доставка?", django_capture_on_commit_callbacks
    )

    prompt = Prompt.objects.get(message=message)
    stored = list(Suggestion.objects.filter(message=message).order_by("rank"))
    assert 1 <= len(stored) <= 3 and prompt.suggested == len(stored)
    assert stored[0].article_id == faq["delivery_cost"]
    assert stored[0].text.startswith("Доставка курьером")  # in the customer's language
    assert [s.score for s in stored] == sorted((s.score for s in stored), reverse=True)
    assert all(s.outcome is None for s in stored)


def test_the_answer_comes_in_english_for_an_english_question(
    faq, active_session, django_capture_on_commit_callbacks
):
    message = _contact_says(
        active_session, "how much is the delivery", django_capture_on_commit_callbacks
    )

    first = Suggestion.objects.filter(message=message).order_by("rank").first()
    assert first is not None and first.text.startswith("Courier delivery")


@pytest.mark.parametrize("status", ["queued", "bot"])
def test_no_suggestions_in_a_session_without_an_operator(faq, status):
    session = factories.SessionFactory(status=status)
    message = factories.MessageFactory(session=session, text="сколько стоит доставка")

    assert services.message_prompt(message_id=message.pk) is None
    assert not Prompt.objects.exists()


def test_a_question_is_prompted_once(faq, active_session):
    message = factories.MessageFactory(session=active_session, text="сколько стоит доставка")

    first = services.message_prompt(message_id=message.pk)
    again = services.message_prompt(message_id=message.pk)

    assert first is not None and again is None
    assert Prompt.objects.count() == 1


def test_an_unrelated_question_gets_no_suggestions_but_is_counted(faq, active_session):
    message = factories.MessageFactory(session=active_session, text="какая погода на марсе")

    prompted = services.message_prompt(message_id=message.pk)

    assert prompted is not None and prompted.suggestions == []
    assert Prompt.objects.get().suggested == 0


def test_sending_a_suggestions_text_counts_as_accepted(
    faq, active_session, django_capture_on_commit_callbacks
):
    message = _contact_says(
        active_session, "сколько стоит доставка", django_capture_on_commit_callbacks
    )
    first = Suggestion.objects.filter(message=message).order_by("rank").first()

    _operator_says(
        active_session,
        "  " + first.text.replace(" ", "  ") + "\n",
        django_capture_on_commit_callbacks,
    )

    first.refresh_from_db()
    assert first.outcome == "accepted"
    assert first.outcome_by == active_session.operator.user


def test_sending_an_edited_suggestion_counts_as_edited(
    faq, active_session, django_capture_on_commit_callbacks
):
    message = _contact_says(
        active_session, "how do i return an item", django_capture_on_commit_callbacks
    )
    first = Suggestion.objects.filter(message=message).order_by("rank").first()

    _operator_says(active_session, "Hello Ann! " + first.text, django_capture_on_commit_callbacks)

    first.refresh_from_db()
    assert first.outcome == "edited"


def test_an_unrelated_reply_gives_no_feedback(
    faq, active_session, django_capture_on_commit_callbacks
):
    message = _contact_says(
        active_session, "how do i return an item", django_capture_on_commit_callbacks
    )

    _operator_says(
        active_session, "Let me check with the warehouse.", django_capture_on_commit_callbacks
    )

    assert not Suggestion.objects.filter(message=message, outcome__isnull=False).exists()


def test_a_second_feedback_is_a_conflict(faq, active_session):
    message = factories.MessageFactory(session=active_session, text="сколько стоит доставка")
    suggestion = services.message_prompt(message_id=message.pk).suggestions[0]
    services.suggestion_feedback(suggestion_id=suggestion.pk, outcome="rejected")

    with pytest.raises(services.FeedbackConflict):
        services.suggestion_feedback(suggestion_id=suggestion.pk, outcome="accepted")
    suggestion.refresh_from_db()
    assert suggestion.outcome == "rejected"


def _accept(session: Any, text: str, article_id: int) -> None:
    message = factories.MessageFactory(session=session, text=text)
    prompted = services.message_prompt(message_id=message.pk)
    chosen = next(s for s in prompted.suggestions if s.article_id == article_id)
    services.suggestion_feedback(suggestion_id=chosen.pk, outcome="accepted")


def test_a_phrasing_is_learned_after_the_set_number_of_accepts(faq, active_session):
    # given a question whose right article the matcher puts second
    PrompterSettings.objects.update_or_create(pk=1, defaults={"learn_after_accepts": 2})
    phrasing = "доставка долго идет и сколько стоит"
    second = matching.match(phrasing).matches[1].article_id

    # when operators accept that article for it once, then twice
    _accept(active_session, phrasing, second)
    assert not Phrase.objects.filter(article_id=second, text=phrasing).exists()
    _accept(active_session, phrasing, second)

    # then it is a phrasing of the article
    learned = Phrase.objects.get(article_id=second, text=phrasing)
    assert learned.source == "learned"
    assert PhrasingFeedback.objects.get(article_id=second).status == "learned"


def test_a_phrasing_the_matcher_already_ranks_first_is_not_added(faq, active_session):
    PrompterSettings.objects.update_or_create(pk=1, defaults={"learn_after_accepts": 1})

    _accept(active_session, "сколько стоит доставка?", faq["delivery_cost"])

    assert PhrasingFeedback.objects.get(article_id=faq["delivery_cost"]).status == "known"
    assert not Phrase.objects.filter(text="сколько стоит доставка?").exists()


def test_an_admin_approval_learns_at_once(faq):
    pair = PhrasingFeedback.objects.create(
        article_id=faq["returns"], phrasing="сдать телик назад", accepts=1
    )

    services.phrasing_learn(pair=pair)

    assert Phrase.objects.filter(article_id=faq["returns"], text="сдать телик назад").exists()


def test_a_rejected_pair_ranks_lower_for_close_phrasings(faq, active_session):
    text = "доставка долго идет и сколько стоит"
    before = matching.match(text).matches
    top = before[0].article_id
    message = factories.MessageFactory(session=active_session, text=text)
    first = services.message_prompt(message_id=message.pk).suggestions[0]
    assert first.article_id == top

    services.suggestion_feedback(suggestion_id=first.pk, outcome="rejected")
    after = {
        m.article_id: m.score for m in matching.match("доставка долго идёт, сколько стоит?").matches
    }

    assert after.get(top, 0.0) < dict((m.article_id, m.score) for m in before)[top]
    assert matching.match("доставка долго идёт, сколько стоит?").matches[0].article_id != top


def test_an_often_accepted_article_ranks_higher_for_close_phrasings(faq, active_session):
    text = "доставка долго идет и сколько стоит"
    ranked = matching.match(text).matches
    second = ranked[1]
    for _ in range(3):
        _accept(active_session, text, second.article_id)

    boosted = {m.article_id: m.score for m in matching.match(text + "?").matches}

    assert boosted[second.article_id] > second.score


def test_a_word_taught_by_a_correction_raises_its_article_for_new_questions(faq, active_session):
    # given a question whose right article the matcher puts second, in a word the
    # knowledge base does not have ("посылка")
    taught = "посылка доставка сколько стоит и сколько дней"
    ranked = matching.match(taught).matches
    second = ranked[1].article_id
    new_question = "где посылка"
    before = {m.article_id: m.score for m in matching.match(new_question).matches}

    # when an operator accepts that second article for it
    _accept(active_session, taught, second)

    # then a different question with that word ranks the article higher than before
    after = {m.article_id: m.score for m in matching.match(new_question).matches}
    assert after.get(second, 0.0) > before.get(second, 0.0)
    # and a question without the word does not move
    plain = "как вернуть товар"
    assert matching.match(plain).matches[0].article_id == faq["returns"]


def test_a_word_of_a_question_answered_first_teaches_nothing(faq, active_session):
    taught = "посылка сколько стоит доставка"
    first = matching.match(taught).matches[0].article_id
    new_question = "где посылка"
    before = {m.article_id: m.score for m in matching.match(new_question).matches}

    _accept(active_session, taught, first)

    after = {m.article_id: m.score for m in matching.match(new_question).matches}
    assert after == before


def _prompt_counting_queries(message: Any) -> tuple[Any, Any]:
    """The prompter's work on ``message`` and the queries it made (the process's index
    built before counting)."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    matching.match("доставка")
    with CaptureQueriesContext(connection) as queries:
        prompted = services.message_prompt(message_id=message.pk)
    return prompted, queries


def test_the_suggestions_frame_costs_no_query_per_suggestion(
    faq, active_session, django_assert_max_num_queries
):
    # given: a customer's question in the session, stored without its listeners
    with django_assert_max_num_queries(50):
        message = inbox_services.contact_message_receive(
            dialog_id=active_session.dialog_id, text="сколько стоит доставка?"
        ).message

    # when: the prompter suggests articles for it
    prompted, queries = _prompt_counting_queries(message)

    # then: the frame names each suggestion's article key, read with the suggestions
    assert prompted is not None and len(prompted.suggestions) >= 2
    frame = services.suggestions_frame(prompted)
    assert all(s["key"] and s["id"] for s in frame["suggestions"])
    assert [s["id"] for s in frame["suggestions"]] == list(
        Suggestion.objects.filter(message=message).order_by("rank").values_list("pk", flat=True)
    )
    article_reads = [q for q in queries.captured_queries if 'FROM "kb_article"' in q["sql"]]
    assert len(article_reads) <= 1  # one in_bulk, none per suggestion


def test_a_question_with_no_suggestion_reads_and_writes_no_suggestion(faq, active_session):
    # given: a customer's message the knowledge base has nothing for
    message = inbox_services.contact_message_receive(
        dialog_id=active_session.dialog_id, text="мой кот любит спать на диване"
    ).message
    # when: the prompter looks at it
    prompted, queries = _prompt_counting_queries(message)

    # then: it is counted (a prompt with nothing suggested), with no query for articles
    # or suggestions
    assert prompted is not None and prompted.suggestions == []
    assert Prompt.objects.get(message=message).suggested == 0
    touched = [q["sql"] for q in queries.captured_queries]
    assert not [q for q in touched if '"kb_suggestion"' in q or 'FROM "kb_article"' in q]


def test_a_workers_batch_prompts_its_messages_in_order_reading_them_once(
    faq, active_session, django_capture_on_commit_callbacks
):
    # given: three customer questions and an operator's reply between them, stored
    # without their listeners, as a worker's batch receives them
    from kb.prompter.tasks import prompter_batch

    def contact(text: str) -> int:
        stored = inbox_services.contact_message_receive(
            dialog_id=active_session.dialog_id, text=text
        )
        return stored.message.pk

    first = contact("сколько стоит доставка?")
    second = contact("как вернуть товар")
    reply = inbox_services.operator_message_send(
        session_id=active_session.pk, user=active_session.operator.user, text="Минуту"
    ).message.pk
    third = contact("мой кот любит спать на диване")
    matching.match("доставка")  # the process's index is built before counting
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    # when: the worker's task runs the batch
    with CaptureQueriesContext(connection) as queries:
        done = prompter_batch(
            [["message", first], ["message", second], ["reply", reply], ["message", third]]
        )

    # then: every item is done, each question prompted once, in order, and the two in a
    # row were read with one query
    assert done == 4
    prompts = list(Prompt.objects.order_by("pk").values_list("message_id", flat=True))
    assert prompts == [first, second, third]
    assert Suggestion.objects.filter(message_id=first).exists()
    # (the ORM's read names the ids; PostgreSQL's prepared statement binds them apart)
    reads = [
        q["sql"]
        for q in queries.captured_queries
        if q["sql"].lstrip().startswith("SELECT") and 'FROM "inbox_message"' in q["sql"]
    ]
    if connection.vendor == "postgresql":
        assert len([q for q in reads if "= ANY(%(ids)s::bigint[])" in q]) == 2  # two runs
    else:
        assert len([q for q in reads if str(first) in q and str(second) in q]) == 1
    # and a second run of the same batch prompts nothing again
    prompter_batch([["message", first], ["message", second], ["message", third]])
    assert Prompt.objects.count() == 3
