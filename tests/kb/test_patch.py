"""An index patched with a few articles (kb.matcher.patch) answers as a full build of
the same articles does, without building the others again."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest

from kb.matcher.evaluate import dataset_load
from kb.matcher.index import ArticleData, Index
from kb.matcher.patch import index_patched

DATASET = Path(__file__).resolve().parents[3] / "shared" / "datasets" / "faq"
DEMO = Path(__file__).resolve().parents[2] / "kb" / "fixtures"


@pytest.fixture(scope="module")
def demo() -> list[ArticleData]:
    import json

    items = json.loads((DEMO / "demo_kb.json").read_text(encoding="utf-8"))
    return [
        ArticleData(
            id=i + 1,
            key=item["id"],
            titles={"ru": item["title_ru"], "en": item["title_en"]},
            answers={"ru": item["answer_ru"], "en": item["answer_en"]},
            phrases=tuple(item["phrases"]),
        )
        for i, item in enumerate(items)
    ]


def top(index: Index, text: str, limit: int = 3) -> list[str]:
    return [index.articles[c.article].key for c in index.rank(index.prepare(text), limit=limit)]


def test_an_edited_article_answers_with_its_new_text_and_the_others_keep_their_rows(demo):
    # given an index of the demo articles
    index = Index(demo)
    delivery = next(a for a in demo if a.key == "delivery_cost")

    # when its answer is edited and patched in
    edited = replace(delivery, answers={"ru": "Доставка теперь 199 ₽.", "en": "Now 199 ₽."})
    patched = index_patched(index, changed=[edited])

    # then the same article is found, with the new answer; the old index is untouched
    assert top(patched, "сколько стоит доставка")[0] == "delivery_cost"
    assert patched.by_id[delivery.id].answers["ru"] == "Доставка теперь 199 ₽."
    assert index.by_id[delivery.id].answers["ru"] != "Доставка теперь 199 ₽."
    assert patched.patched == 1 and index.patched == 0
    assert [a.id for a in patched.articles] == [a.id for a in index.articles]


def test_a_new_article_with_words_the_index_never_saw_is_found_by_them(demo):
    index = Index(demo)
    crypto = ArticleData(
        id=999,
        key="crypto",
        titles={"ru": "Криптовалюта", "en": "Crypto"},
        answers={"ru": "Криптовалюту не принимаем.", "en": "We take no crypto."},
        phrases=("можно ли расплатиться криптовалютой", "do you take bitcoin"),
    )
    assert "crypto" not in top(index, "принимаете криптовалюту")

    patched = index_patched(index, changed=[crypto])

    assert top(patched, "принимаете криптовалюту")[0] == "crypto"
    assert top(patched, "do you take bitcoin")[0] == "crypto"
    assert top(patched, "сколько стоит доставка")[0] == "delivery_cost"


def test_a_removed_article_is_never_suggested_again(demo):
    index = Index(demo)
    assert top(index, "сколько стоит доставка")[0] == "delivery_cost"
    gone = next(a.id for a in demo if a.key == "delivery_cost")

    patched = index_patched(index, changed=[], removed={gone})

    assert "delivery_cost" not in top(patched, "сколько стоит доставка", limit=10)
    assert gone not in patched.by_id and len(patched.articles) == len(demo) - 1


def test_a_patched_index_ranks_the_dev_set_as_the_full_build_does(demo):
    # given the dataset's articles built whole, and built without five then patched back
    if not (DATASET / "dev.jsonl").exists():
        pytest.skip("the FAQ dataset is not next to the project")
    articles, labelled = dataset_load(DATASET)
    full = Index(articles)
    patched = index_patched(Index(articles[5:]), changed=articles[:5])

    # then the answers agree for nearly every message (only the term frequencies of
    # the five articles' words differ until the next full build)
    agree = sum(
        top(full, row["text"], 1) == top(patched, row["text"], 1) for row in labelled
    ) / len(labelled)
    assert agree >= 0.95


def test_a_learned_phrasing_lifts_a_close_question_without_diluting_its_article(demo):
    # given a customer's question the seed phrasings rank elsewhere
    index = Index(demo)
    question = "нашла дешевле в другом магазине, заказ больше не нужен"
    assert top(index, question)[0] != "order_cancel"
    cancel = next(a for a in demo if a.key == "order_cancel")

    # when a close phrasing of it is learned for "order_cancel" (patched, or built)
    learned = replace(cancel, learned=("нашел дешевле в другом магазине заказ не нужен",))
    patched = index_patched(index, changed=[learned])
    built = Index([learned if a.id == cancel.id else a for a in demo])

    # then the question finds the article first, by its nearest phrasing, while the
    # article's own questions score as before (the learned phrasing is not pooled)
    assert top(patched, question)[0] == "order_cancel"
    assert top(built, question)[0] == "order_cancel"
    assert built.rank(built.prepare(question), limit=1, explain=True)[0].parts["near"] > 0.2
    own = "как отменить заказ"
    assert built.rank(built.prepare(own), limit=1)[0].score == pytest.approx(
        index.rank(index.prepare(own), limit=1)[0].score, abs=0.02
    )
