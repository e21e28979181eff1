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
