"""Candidate articles from questions that found no article and the operator's reply."""

from __future__ import annotations

import pytest

from inbox import services as inbox_services
from kb.models import Article
from kb.prompter import candidates
from kb.prompter.models import Candidate
from kb.services import matching

pytestmark = pytest.mark.django_db


def _chat(session, question, reply, capture):
    with capture(execute=True):
        inbox_services.contact_message_receive(dialog_id=session.dialog_id, text=question)
    with capture(execute=True):
        inbox_services.operator_message_send(
            session_id=session.pk, user=session.operator.user, text=reply
        )


def test_an_unmatched_question_answered_by_the_operator_becomes_a_candidate(
    faq, active_session, django_capture_on_commit_callbacks
):
    _chat(
        active_session,
        "у вас есть подарочные сертификаты?",
        "Да, от 1000 ₽ в любом магазине.",
        django_capture_on_commit_callbacks,
    )

    candidate = Candidate.objects.get()
    assert candidate.question == "у вас есть подарочные сертификаты?"
    assert candidate.answer == "Да, от 1000 ₽ в любом магазине."
    assert candidate.language == "ru" and candidate.status == "open"


def test_a_matched_question_makes_no_candidate(
    faq, active_session, django_capture_on_commit_callbacks
):
    _chat(
        active_session,
        "сколько стоит доставка",
        "Доставка стоит 290 ₽.",
        django_capture_on_commit_callbacks,
    )

    assert not Candidate.objects.exists()


def test_close_questions_are_grouped_and_become_one_article(
    faq, active_session, django_capture_on_commit_callbacks
):
    _chat(
        active_session,
        "у вас есть подарочные сертификаты?",
        "Да, от 1000 ₽.",
        django_capture_on_commit_callbacks,
    )
    _chat(
        active_session,
        "есть ли подарочный сертификат",
        "Есть, от 1000 ₽.",
        django_capture_on_commit_callbacks,
    )
    _chat(
        active_session,
        "где ваш офис в казани",
        "На улице Баумана, 1.",
        django_capture_on_commit_callbacks,
    )
    first, second, other = Candidate.objects.order_by("pk")
    assert second.group == first and other.group is None

    with django_capture_on_commit_callbacks(execute=True):
        article = candidates.candidate_article_create(candidate=second)

    assert (
        article.answer_ru == "Да, от 1000 ₽."
        and article.title_ru == "у вас есть подарочные сертификаты?"
    )
    assert set(article.phrases.values_list("text", flat=True)) == {
        "у вас есть подарочные сертификаты?",
        "есть ли подарочный сертификат",
    }
    assert set(Candidate.objects.filter(article=article).values_list("status", flat=True)) == {
        "created"
    }
    assert Candidate.objects.get(pk=other.pk).status == "open"
    # the matcher knows it at once
    assert matching.match("подарочный сертификат есть?").matches[0].article_id == article.pk
    assert Article.objects.filter(key=f"candidate-{first.pk}").exists()
