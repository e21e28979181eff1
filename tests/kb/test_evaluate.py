"""The leave-one-out check: each phrasing asked of an index that never saw it."""

from __future__ import annotations

from kb.matcher.evaluate import leave_one_out
from kb.matcher.index import ArticleData, Index


def _article(position: int, key: str, phrases: tuple[str, ...]) -> ArticleData:
    return ArticleData(
        id=position, key=key, titles={"ru": "", "en": ""}, answers={"ru": "", "en": ""},
        phrases=phrases,
    )  # fmt: skip


def test_a_held_out_phrasing_is_not_in_the_index_it_is_asked_of():
    # given two articles whose phrasings share nothing with each other
    articles = [
        _article(0, "delivery", ("сколько стоит доставка", "цена доставки курьером")),
        _article(1, "refund", ("когда вернут деньги", "возврат денег на карту")),
    ]
    seen: list[tuple[str, ...]] = []

    def make(kept: list[ArticleData]) -> Index:
        seen.append(tuple(p for a in kept for p in a.phrases))
        return Index(kept)

    # when each phrasing is held out in turn (two folds)
    figures = leave_one_out(articles, make, folds=2)

    # then every phrasing was asked once, of an index without it
    assert figures.in_scope == 4
    assert seen == [
        ("цена доставки курьером", "возврат денег на карту"),
        ("сколько стоит доставка", "когда вернут деньги"),
    ]
    assert 0.0 <= figures.top1 <= figures.top3 <= 1.0
