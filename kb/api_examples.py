"""Examples of the knowledge base API's requests and answers, shown in its OpenAPI
schema (and validated against that schema by tests/test_api_examples.py)."""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import OpenApiExample

ARTICLE_INPUT: dict[str, Any] = {
    "key": "delivery_cost",
    "titles": {"ru": "Стоимость доставки", "en": "Delivery cost"},
    "answers": {
        "ru": "Доставка курьером стоит 290 ₽, от 3000 ₽ — бесплатно.",
        "en": "Courier delivery costs 290 ₽ and is free from 3000 ₽.",
    },
    "phrases": ["сколько стоит доставка", "skolko stoit dostavka", "how much is delivery"],
    "enabled": True,
}
ARTICLE: dict[str, Any] = {"id": 1, **ARTICLE_INPUT}

ARTICLE_RESPONSES = [OpenApiExample("Delivery cost", value=ARTICLE, response_only=True)]
CREATE_EXAMPLES = [
    OpenApiExample("An article", value=ARTICLE_INPUT, request_only=True),
    *ARTICLE_RESPONSES,
]
UPDATE_EXAMPLES = [
    OpenApiExample(
        "New English answer, switched off",
        value={"answers": {"en": "Delivery is free this week."}, "enabled": False},
        request_only=True,
    ),
    OpenApiExample(
        "Changed",
        value={**ARTICLE, "answers": {**ARTICLE["answers"], "en": "Delivery is free this week."}},
        response_only=True,
    ),
]
# a list of such items (the schema shows the example inside a list)
IMPORT_EXAMPLES = [
    OpenApiExample(
        "One article",
        value={
            "id": "delivery_cost",
            "title_ru": "Стоимость доставки",
            "title_en": "Delivery cost",
            "answer_ru": "Доставка курьером стоит 290 ₽.",
            "answer_en": "Courier delivery costs 290 ₽.",
            "phrases": ["сколько стоит доставка", "how much is delivery"],
        },
        request_only=True,
    ),
    OpenApiExample("One new", value={"created": 1, "updated": 0}, response_only=True),
]
MATCH_EXAMPLES = [
    OpenApiExample(
        "Russian in Latin letters", value={"text": "skolko stoit dostavka"}, request_only=True
    ),
    OpenApiExample(
        "An answer in Russian",
        value={
            "matches": [
                {"article": 1, "key": "delivery_cost", "score": 0.41},
                {"article": 7, "key": "delivery_time", "score": 0.18},
                {"article": 3, "key": "delivery_regions", "score": 0.12},
            ],
            "answer": {
                "article": 1,
                "key": "delivery_cost",
                "text": "Доставка курьером стоит 290 ₽, от 3000 ₽ — бесплатно.",
                "language": "ru",
            },
        },
        response_only=True,
    ),
    OpenApiExample(
        "Nothing good enough",
        value={"matches": [{"article": 12, "key": "store_hours", "score": 0.05}], "answer": None},
        response_only=True,
    ),
]
