"""The parts' scores behind a ranking (``Index.part_scores``), and the learned fusion's
bench (``bench/kb_fusion.py``): weights learned from kb.json's phrasings alone, set
beside the product's on the development set."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from kb.matcher import index as indexlib
from kb.matcher.index import ArticleData, Index, Weights

ROOT = Path(__file__).resolve().parents[2]
DATASET = ROOT.parent / "shared" / "datasets" / "faq"


def _article(position: int, key: str, title: str, answer: str, phrases: tuple[str, ...]):
    return ArticleData(
        id=position,
        key=key,
        titles={"ru": title, "en": ""},
        answers={"ru": answer, "en": ""},
        phrases=phrases,
    )


ARTICLES = [
    _article(0, "delivery", "Доставка", "Курьер привезет заказ за 290 рублей.",
             ("сколько стоит доставка", "цена доставки курьером")),
    _article(1, "refund", "Возврат денег", "Деньги вернутся на карту за 10 дней.",
             ("когда вернут деньги", "возврат денег на карту")),
]  # fmt: skip


def test_the_ranking_score_is_the_weighted_sum_of_the_parts_scores():
    # given an index with weights on several parts
    weights = Weights(article=0.5, answer=0.3, title=0.2, near=0.4)
    index = Index(ARTICLES, weights=weights)
    query = index.prepare("сколько стоит доставка курьером")

    # when the parts are asked for, and the articles ranked
    parts = index.part_scores(query)
    ranked = index.rank(query)

    # then every part is there, one score per article, and the ranking's score is
    # their sum weighted as the index weighs them
    assert {"article", "answer", "title", "near", "words", "chars"} <= set(parts)
    assert all(len(scores) == 2 for scores in parts.values())
    fused = sum(getattr(weights, name) * scores for name, scores in parts.items())
    assert ranked[0].article == 0 and ranked[0].score == pytest.approx(float(fused[0]), abs=1e-5)
    assert int(np.argmax(fused)) == 0


QUESTIONS = [
    "сколько стоит доставка курьером",
    "верните деньги",
    "цена",
    "??",
    "возврат денег на карту",
]


@pytest.mark.parametrize(
    "weights",
    [
        Weights(),
        Weights(article=0.5, answer=0.3, title=0.2, words=0.1, near=0.4, chars=0.05),
    ],
)
def test_the_ranking_without_whys_gives_the_same_articles_and_scores(weights):
    # given an index, with the product's weights or with every kind of part weighed
    index = Index(ARTICLES, weights=weights)

    for question in QUESTIONS:
        query = index.prepare(question)
        # when it is ranked with the parts' shares and without them
        explained = index.rank(query, limit=2, explain=True)
        bare = index.rank_scores(query, limit=2)

        # then the articles, their order and their scores are the same
        assert [c.article for c in explained] == [article for article, _ in bare]
        for candidate, (_, score) in zip(explained, bare, strict=True):
            assert candidate.score == pytest.approx(score, abs=1e-6)
        assert [(c.article, c.score) for c in index.rank(query, limit=2, why=False)] == bare


def test_a_batch_of_questions_is_ranked_as_each_alone(monkeypatch):
    # given an index of more articles, the nearest phrasing weighed, and batches cut
    # small (as they are where articles are many)
    many = [
        _article(
            n, f"a{n}", f"Статья {n}", f"Ответ номер {n}.", (f"вопрос {n} про заказ", f"тема {n}")
        )
        for n in range(30)
    ]
    index = Index([*ARTICLES, *many], weights=Weights(near=0.5, near_from=0.5))
    queries = [index.prepare(q) for q in [*QUESTIONS, "вопрос 7 про заказ", "тема 12", "", "x"]]

    for cells in (indexlib.BATCH_CELLS, 200):
        monkeypatch.setattr(indexlib, "BATCH_CELLS", cells)
        # when they are ranked together
        together = index.rank_scores_many(queries, limit=3)

        # then each gets what it gets alone, in order, nothing for an empty question
        assert together == [index.rank_scores(q, limit=3) for q in queries]
        assert together[-2] == []
        assert index.articles[together[5][0][0]].key == "a7"


def test_the_nearest_phrasing_is_found_from_the_documents_above_its_bound():
    index = Index(ARTICLES, weights=Weights(near=0.5, near_from=0.3))
    queries = [index.prepare(q) for q in QUESTIONS]
    words = [index._word_vector(q) for q in queries]
    doc_scores = np.array(
        [index.word_scores(w)[0] if w else np.zeros(len(index.doc_article)) for w in words],
        dtype=np.float32,
    )

    dense = index._near(index.best_per_article(doc_scores))
    assert dense.any()
    assert np.array_equal(index._near_of_documents(doc_scores), dense)


def test_an_empty_question_has_no_parts():
    index = Index(ARTICLES)
    assert index.part_scores(index.prepare("?!")) == {}


@pytest.mark.skipif(not (DATASET / "kb.json").exists(), reason="the FAQ dataset is not there")
def test_bench_kb_fusion_learns_weights_from_kb_json_and_measures_them_on_dev():
    run = subprocess.run(
        [sys.executable, str(ROOT / "bench" / "kb_fusion.py"), str(DATASET), "--mode", "lexical"],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )

    assert run.returncode == 0, run.stderr
    assert "mode lexical: 40 articles" in run.stdout
    assert "| the product's (hand-tuned on dev) | 0.8" in run.stdout
    assert "| learned: the product's parts | 0." in run.stdout
    assert "learned on all 8 folds, the product's parts: article=" in run.stdout
