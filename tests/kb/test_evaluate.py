"""The leave-one-out check: each phrasing asked of an index that never saw it."""

from __future__ import annotations

from kb.matcher.evaluate import evaluate, leave_one_out, phrasings_curve
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


def test_the_phrasings_curve_builds_indexes_with_fewer_phrasings_and_ends_as_they_are():
    # given two articles of four phrasings, each question close to one phrasing only
    delivery = ("сколько стоит доставка", "курьер привезет", "когда приедет посылка", "в регион")
    refund = ("когда вернут деньги", "возврат на карту", "деньги не пришли", "отмена покупки")
    articles = [_article(0, "delivery", delivery), _article(1, "refund", refund)]
    labelled = [
        {"text": "курьер привезет завтра?", "intent": "delivery"},
        {"text": "посылка когда приедет", "intent": "delivery"},
        {"text": "деньги не пришли на счет", "intent": "refund"},
        {"text": "отмена покупки возможна?", "intent": "refund"},
        {"text": "какая погода на марсе", "intent": None},
    ]
    sizes: list[tuple[int, ...]] = []

    def make(kept: list[ArticleData]) -> Index:
        sizes.append(tuple(len(a.phrases) for a in kept))
        return Index(kept)

    # when the curve is drawn for one and two phrasings an article, three draws each
    rows = phrasings_curve(articles, labelled, make, counts=(1, 2, 4, 9), repeats=3)

    # then each index had that many phrasings an article, and the last row is the
    # articles as they are (counts of all their phrasings or more are that row)
    assert [count for count, _ in rows] == [1, 2, 4]
    assert sizes == [(1, 1)] * 3 + [(2, 2)] * 3 + [(4, 4)]
    assert rows[-1][1].top1 == evaluate(Index(articles), labelled).top1 == 1.0
    # and with one phrasing an article, some questions found no phrasing of theirs
    assert rows[0][1].top1 < rows[-1][1].top1
    assert 0.0 <= rows[0][1].top1 <= rows[0][1].top3 <= 1.0


def test_the_phrasings_curve_is_the_same_each_run():
    articles = [
        _article(0, "delivery", ("сколько стоит доставка", "курьер привезет", "доставка в регион")),
        _article(1, "refund", ("когда вернут деньги", "возврат на карту", "отмена покупки")),
    ]
    labelled = [{"text": "курьер привезет", "intent": "delivery"}]
    first = phrasings_curve(articles, labelled, Index, counts=(1,), repeats=4)
    again = phrasings_curve(articles, labelled, Index, counts=(1,), repeats=4)
    assert first == again
