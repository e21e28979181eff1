"""The learning rules as pure functions (kb/prompter/learning.py)."""

from __future__ import annotations

from kb.prompter import learning


def test_close_phrasings_are_similar_and_unrelated_ones_are_not():
    assert learning.similarity("сколько стоит доставка", "скока стоит доставка?") > learning.SIMILAR
    assert learning.similarity("сколько стоит доставка", "как вернуть товар") < learning.SIMILAR
    assert learning.similarity("", "x") == 0.0


def test_rejects_push_an_article_down_and_accepts_up_within_caps():
    pairs = [
        learning.Pair(article=1, phrasing="сколько стоит доставка", rejects=2),
        learning.Pair(article=2, phrasing="сколько стоит доставка", corrections=10),
        learning.Pair(article=3, phrasing="как вернуть товар", rejects=5),
    ]

    deltas = learning.adjustments("скока стоит доставка", pairs)

    assert deltas[1] < 0 and 0 < deltas[2] <= learning.MAX_BOOST
    assert 3 not in deltas  # not a close phrasing
    # accepts of the first suggestion (no correction) move nothing
    assert (
        learning.adjustments("скока стоит доставка", [learning.Pair(4, "сколько стоит доставка")])
        == {}
    )
    ranked = learning.rerank([(1, 0.8), (2, 0.7), (3, 0.1)], deltas)
    assert [a for a, _ in ranked][:2] == [2, 1]


def test_a_sent_text_is_accepted_when_equal_and_edited_when_close():
    answer = "Courier delivery costs 290 ₽ and is free from 3000 ₽."
    assert (
        learning.sent_outcome("  Courier delivery costs 290 ₽\n and is free from 3000 ₽.", answer)
        == "accepted"
    )
    assert learning.sent_outcome("Hello Ann! " + answer, answer) == "edited"
    assert (
        learning.sent_outcome("Courier delivery costs 350 ₽ and is free from 5000 ₽.", answer)
        == "edited"
    )
    assert learning.sent_outcome("Let me check.", answer) is None


def test_accepts_raise_an_article_slightly_for_the_same_question_only():
    accepted = [learning.Pair(article=7, phrasing="сколько стоит доставка", accepts=5)]

    same = learning.adjustments("Сколько стоит доставка?", accepted)
    close = learning.adjustments("сколько стоит доставка в казань завтра", accepted)

    assert 0 < same[7] <= learning.MAX_ACCEPTED  # slightly, however many accepts
    assert 7 not in close  # a merely similar question is not pushed


def test_a_reject_weighs_more_for_the_same_question_than_for_a_close_one():
    rejected = [learning.Pair(article=7, phrasing="сколько стоит доставка", rejects=1)]

    same = learning.adjustments("сколько стоит доставка", rejected)[7]
    close = learning.adjustments("сколько стоит доставка в казань завтра утром", rejected)[7]

    assert same == -min(learning.MAX_PENALTY, 2 * learning.REJECT_STEP)
    assert -learning.REJECT_STEP <= close < 0


def _vocabulary() -> learning.Vocabulary:
    from kb.matcher.index import ArticleData, Index

    def article(pk: int, title: str, answer: str, *phrases: str) -> ArticleData:
        return ArticleData(pk, f"a{pk}", {"ru": title}, {"ru": answer}, tuple(phrases))

    index = Index(
        [
            article(1, "Стоимость доставки", "Доставка стоит 290 ₽", "сколько стоит доставка"),
            article(2, "Сроки доставки", "Доставка на следующий день", "как долго доставка"),
            article(3, "Возврат", "Вернуть можно за 14 дней, доставка за наш счет", "вернуть"),
        ]
    )
    return learning.vocabulary_of(index)


def test_a_correction_teaches_the_words_its_article_lacks():
    vocabulary = _vocabulary()
    corrected = [learning.Pair(article=2, phrasing="когда приедет посылка", corrections=1)]

    taught = learning.gap_boosts(learning.terms_of("посылка где"), corrected, vocabulary)
    boosts = learning.adjustments("посылка где, не пойму", corrected, vocabulary)

    assert 0 < taught[2] <= learning.GAP_CAP
    assert boosts[2] > 0
    # without the vocabulary no word is taught, and the question is not a close phrasing
    assert learning.adjustments("посылка где, не пойму", corrected) == {}


def test_only_corrections_teach_and_common_words_weigh_nothing():
    vocabulary = _vocabulary()
    first_place = [learning.Pair(article=2, phrasing="когда приедет посылка", accepts=3)]

    assert learning.adjustments("посылка где", first_place, vocabulary) == {}
    # "доставка" is in every article: its rarity is 0, it raises nothing
    assert vocabulary.rarity("доставка") == 0.0
    assert vocabulary.rarity("посылка") == 1.0
    corrected = [learning.Pair(article=3, phrasing="доставка назад", corrections=1)]
    assert 3 not in learning.gap_boosts(frozenset({"доставка"}), corrected, vocabulary)
