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
