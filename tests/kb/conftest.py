"""Fixtures of the knowledge-base tests: the demo articles (the dataset's kb.json,
shipped as kb/fixtures/demo_kb.json) loaded through the import service; for the
prompter, four small articles and a session with an operator."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from kb.services import articles, matching
from routing.models import Operator
from tests import factories

DEMO = Path(__file__).resolve().parents[2] / "kb" / "fixtures" / "demo_kb.json"


@pytest.fixture
def demo_items() -> list[dict[str, Any]]:
    return json.loads(DEMO.read_text(encoding="utf-8"))


@pytest.fixture
def demo_kb(db, demo_items) -> list[dict[str, Any]]:  # type: ignore[no-untyped-def]
    articles.articles_import(items=demo_items)
    return demo_items


# --- the prompter -------------------------------------------------------------------

ITEMS: list[dict[str, Any]] = [
    {
        "id": "delivery_cost",
        "title_ru": "Стоимость доставки",
        "title_en": "Delivery cost",
        "answer_ru": "Доставка курьером стоит 290 ₽, от 3000 ₽ бесплатно.",
        "answer_en": "Courier delivery costs 290 ₽ and is free from 3000 ₽.",
        "phrases": [
            "сколько стоит доставка",
            "доставка платная или бесплатная",
            "how much is delivery",
            "is shipping free?",
        ],
    },
    {
        "id": "delivery_time",
        "title_ru": "Сроки доставки",
        "title_en": "Delivery times",
        "answer_ru": "Доставляем на следующий день после заказа.",
        "answer_en": "We deliver the next day after the order.",
        "phrases": [
            "сколько дней идет доставка",
            "как быстро привезете заказ",
            "how long does delivery take",
            "can i get same day delivery",
        ],
    },
    {
        "id": "returns",
        "title_ru": "Возврат товара",
        "title_en": "Returns",
        "answer_ru": "Вернуть товар можно в течение 14 дней.",
        "answer_en": "You can return an item within 14 days.",
        "phrases": [
            "как вернуть товар",
            "хочу сдать покупку обратно",
            "how do i return an item",
            "can i get a refund",
        ],
    },
    {
        "id": "payment_methods",
        "title_ru": "Способы оплаты",
        "title_en": "Payment methods",
        "answer_ru": "Оплатить можно картой, наличными или через СБП.",
        "answer_en": "You can pay by card, in cash or by bank transfer.",
        "phrases": [
            "как можно оплатить",
            "принимаете карты",
            "what payment methods do you accept",
            "can i pay by card",
        ],
    },
]


@pytest.fixture
def faq(django_capture_on_commit_callbacks: Any) -> dict[str, int]:
    """Four articles in both languages, in the matcher; their ids by key."""
    with django_capture_on_commit_callbacks(execute=True):
        articles.articles_import(items=ITEMS)
    matching.index_reset()
    from kb.models import Article

    return dict(Article.objects.values_list("key", "pk"))


@pytest.fixture
def operator() -> Operator:
    return factories.OperatorFactory(status="online")


@pytest.fixture
def active_session(operator: Operator) -> Any:
    group = factories.GroupFactory()
    factories.MembershipFactory(group=group, operator=operator)
    channel = factories.ChannelFactory(default_group=group)
    return factories.SessionFactory(
        dialog=factories.DialogFactory(channel=channel),
        group=group,
        status="active",
        operator=operator,
    )
