"""The vectors of a set of articles, and the ranking of articles for one question.

Each article is known by its example phrasings and its titles (one *document* each)
and, more weakly, by its answers. A question is compared to them in two ways:

- character n-grams within words (``char_wb``, TF-IDF): a typo changes a few n-grams of
  a word, not the whole word, so "доставкк" still looks like "доставка";
- words as terms (Russian lemmas, English stems; TF-IDF): "доставят" and "доставка"
  are different n-grams but "доставить"/"доставка" lemmas share the article's words.

An article's score is a weighted sum of: its best phrasing by characters, its best
phrasing by terms, all its phrasings together by terms, and its answers by terms
(``Weights``). The weights and the no-match threshold were tuned on the development
set (docs/knowledge-base.md); ``Options`` switch parts off for the ablation.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field

import numpy as np
from scipy import sparse
from sklearn.feature_extraction.text import TfidfVectorizer

from kb.matcher import lexicon, vectors
from kb.matcher import semantic as semanticlib
from kb.matcher import terms as termlib
from kb.matcher import text as textlib

PARTS = ("chars", "words", "article", "answer", "title", "near", "semantic", "semantic_answer")
MIN_MENDED = 4  # shorter words are too ambiguous to mend
SPELLING_MIN = 0.6  # cosine of character n-grams for a word to be taken as a typo of another
# Words an index mended (or found no mend for) that it remembers: customers use the same
# words again and again, and looking for the closest known word was a quarter of the
# matching's CPU per question. Emptied when full; a new index starts empty.
MENDED_KEPT = 50_000
# Words whose terms and concepts an index remembers (``Index._terms``); they depend on
# its options alone. Emptied when full.
TERMS_KEPT = 50_000
# Scores a batch of questions works on at once (``Index.rank_scores_many``): questions x
# (documents + articles), about half a megabyte of float64.
BATCH_CELLS = 65_536


@dataclass(frozen=True)
class ArticleData:
    id: int
    key: str
    titles: dict[str, str]
    answers: dict[str, str]
    phrases: tuple[str, ...]
    # phrasings learned from operators' feedback: scored one by one (``Weights.near``),
    # never pooled into the article's vector, which they would dilute
    learned: tuple[str, ...] = ()


@dataclass(frozen=True)
class Weights:
    # Tuned on the development set (docs/benchmarks.md): the best phrasing alone, by
    # characters or by terms, added nothing there over all the phrasings together and
    # the answers; they stay computed (weight 0) to say which phrasing matched.
    chars: float = 0.0
    words: float = 0.0
    article: float = 0.45
    answer: float = 0.45
    threshold: float = 0.15
    # The titles alone, a short and exact name of each article, as a third view beside
    # all its phrasings (which include the titles) and its answers: it raised both the
    # development figures and the leave-one-out check (docs/benchmarks.md).
    title: float = 0.15
    # The semantic part (kb.matcher.semantic, only with the ``semantic`` extra): the
    # cosine of the question's sentence vector with each article's centroid (titles and
    # phrasings) and with its answers, above ``semantic_base`` (what unrelated texts
    # reach) rescaled to 0..1.
    semantic: float = 0.0
    semantic_answer: float = 0.0
    semantic_base: float = 0.2
    # Within-class whitening of the sentence vectors before the centroids' cosine
    # (kb.matcher.semantic.whitening; this is its ``shrink``, 0 for none): it stretches
    # what tells two articles apart over how one article's phrasings vary, and raised
    # the development figures and the leave-one-out check together (docs/benchmarks.md)
    whiten: float = 0.0
    # The nearest phrasing (learned ones included), counted only above ``near_from``
    # (cosine of terms), scaled to 0..1 from there: an almost equal phrasing lifts its
    # article strongly, a loosely similar one not at all (docs/knowledge-base.md).
    near: float = 0.5
    near_from: float = 0.8


# The weights with the semantic part on: tuned on the development set and kept because
# the leave-one-out check rose with them (docs/benchmarks.md, "The semantic part").
BLEND = Weights(semantic=0.75, semantic_answer=0.125, whiten=1.0, threshold=0.185)


@dataclass(frozen=True)
class Options:
    """What the matcher uses; all on in production, some off for the ablation."""

    translit: bool = True
    lemmas: bool = True
    padding: bool = True
    chars: bool = True
    words: bool = True
    answers: bool = True
    titles: bool = True
    lexicon: bool = True
    spelling: bool = True


@dataclass(frozen=True)
class Query:
    language: str
    chars: str  # normalised, Latin-written Russian in Cyrillic
    terms: str  # lemmas and stems, padding dropped
    vector: np.ndarray | None = field(default=None, compare=False)  # semantic part only


@dataclass(frozen=True)
class Candidate:
    article: int  # index into Index.articles
    score: float
    parts: dict[str, float] = field(default_factory=dict)
    phrase: str = ""  # the phrasing that matched best


def _doc_analyzer(value: str) -> list[str]:
    return value.split()


class Index:
    word_all: vectors.Postings | None  # the word postings stacked (``words_stacked``)
    word_fused: vectors.Postings | None  # documents and weighted articles (``words_stacked``)

    def __init__(
        self,
        articles: list[ArticleData],
        *,
        weights: Weights | None = None,
        options: Options | None = None,
        semantic: semanticlib.Encoder | None = None,
    ) -> None:
        self.articles = articles
        self.by_id = {article.id: article for article in articles}
        self.by_position = {article.id: position for position, article in enumerate(articles)}
        self.patched = 0  # articles patched in since the full build (kb.matcher.patch)
        self.token_terms: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {}
        self.weights = weights or (BLEND if semantic is not None else Weights())
        self.options = options or Options()
        self.english = termlib.ENGLISH_COMMON | self._english_words(articles)
        docs: list[tuple[int, str]] = []
        learned: list[bool] = []
        for position, article in enumerate(articles):
            for texts, flag in ((article.phrases, False), (article.learned, True)):
                kept = [t for t in texts if t.strip()]
                docs.extend((position, text) for text in kept)
                learned.extend(flag for _ in kept)
            titles = [t for t in article.titles.values() if t.strip()]
            docs.extend((position, text) for text in titles)
            learned.extend(False for _ in titles)
        self.doc_learned = learned
        self.doc_article = np.array([position for position, _ in docs], dtype=np.int64)
        positions = np.arange(len(articles))
        self.doc_start = np.searchsorted(self.doc_article, positions, side="left")
        self.doc_end = np.searchsorted(self.doc_article, positions, side="right")
        self.has_docs = self.doc_end > self.doc_start
        self.doc_text = [text for _, text in docs]
        self._build_spelling()
        prepared = [self._prepare(text) for text in self.doc_text]
        self._doc_chars = [q.chars for q in prepared] or [""]
        self._chars: vectors.Postings | None = None
        self._chars_built = False
        self._chars_lock = threading.Lock()
        self._build_words(prepared)
        self._build_semantic(semantic)

    # --- building ---------------------------------------------------------------------

    @staticmethod
    def _english_words(articles: list[ArticleData]) -> frozenset[str]:
        found: set[str] = set()
        for article in articles:
            for value in (article.titles.get("en", ""), article.answers.get("en", "")):
                found.update(textlib.words(textlib.normalise(value)))
            for phrase in (*article.phrases, *article.learned):
                tokens = textlib.words(textlib.normalise(phrase))
                if textlib.script_language(phrase) == textlib.EN and not (
                    textlib.is_latin_russian(
                        tokens, russian_word=termlib.russian_known, english=termlib.ENGLISH_COMMON
                    )
                ):
                    found.update(tokens)
        return frozenset(found)

    def _char_matrix(self) -> vectors.Postings | None:
        """The documents' character n-grams, built the first time a part needs them (the
        tuned weights do not: only explanations and the ablation)."""
        if self._chars_built:
            return self._chars
        with self._chars_lock:
            if not self._chars_built:
                self.char_vectorizer = TfidfVectorizer(
                    analyzer="char_wb", ngram_range=(2, 4), sublinear_tf=True, dtype=np.float32
                )
                try:
                    matrix = self.char_vectorizer.fit_transform(self._doc_chars)
                except ValueError:  # no text at all
                    self._chars = None
                else:
                    self._chars = vectors.Postings(matrix)
                    self.char_space = vectors.Space(self.char_vectorizer)
                self._chars_built = True
        return self._chars

    def _build_words(self, prepared: list[Query]) -> None:
        self.word_vectorizer = TfidfVectorizer(
            analyzer=_doc_analyzer, sublinear_tf=True, dtype=np.float32
        )
        by_article: list[list[str]] = [[] for _ in self.articles]
        for position, query, learned in zip(
            self.doc_article, prepared, self.doc_learned, strict=True
        ):
            if not learned:  # scored one by one only (``Weights.near``)
                by_article[position].append(query.terms)
        article_docs = [" ".join(parts) for parts in by_article]
        answer_docs = [self._answer_terms(article) for article in self.articles]
        title_docs = [self._title_terms(article) for article in self.articles]
        try:
            self.word_vectorizer.fit([q.terms for q in prepared] + article_docs + answer_docs)
        except ValueError:
            self.word_matrix = self.article_matrix = self.answer_matrix = None
            self.title_matrix = self.word_all = self.word_fused = None
            return
        self.word_space = vectors.Space(self.word_vectorizer)
        self.word_matrix = vectors.Postings(
            self.word_vectorizer.transform([q.terms for q in prepared])
        )
        self.article_matrix = vectors.Postings(self.word_vectorizer.transform(article_docs))
        self.answer_matrix = vectors.Postings(self.word_vectorizer.transform(answer_docs))
        self.title_matrix = vectors.Postings(self.word_vectorizer.transform(title_docs))
        self.words_stacked()

    def words_stacked(self) -> None:
        """The documents', articles', answers' and titles' word postings stacked
        (``word_scores``, each part's score for the explanations), and the documents'
        stacked with each article's weighted sum of its article, answer and title rows
        (``word_fused``: a question's linear word parts summed in the one ``scores``
        call that also gives its documents' scores, for the ranking)."""
        parts = (self.word_matrix, self.article_matrix, self.answer_matrix, self.title_matrix)
        self.word_all = self.word_fused = None
        if not all(part is not None for part in parts):
            return
        self.word_all = vectors.Postings.stacked([p for p in parts if p is not None])
        assert self.word_matrix is not None and self.article_matrix is not None
        assert self.answer_matrix is not None and self.title_matrix is not None
        weights, options = self.weights, self.options
        fused = (
            (weights.article if options.words else 0.0) * self.article_matrix.rows()
            + (weights.answer if options.answers else 0.0) * self.answer_matrix.rows()
            + (weights.title if options.titles else 0.0) * self.title_matrix.rows()
        )
        self.word_fused = vectors.Postings(
            sparse.vstack([self.word_matrix.rows(), fused], format="csr")
        )

    def word_scores(self, words: vectors.Vector) -> tuple[np.ndarray, ...]:
        """The question's cosine with every document, article, answer and title (one
        ``scores`` call over ``word_all``)."""
        assert self.word_all is not None
        scores = self.word_all.scores(words)
        out, start = [], 0
        for part in (self.word_matrix, self.article_matrix, self.answer_matrix, self.title_matrix):
            size = part.size if part is not None else 0
            out.append(scores[start : start + size])
            start += size
        return tuple(out)

    def _build_semantic(
        self, encoder: semanticlib.Encoder | None, whitening: np.ndarray | None = None
    ) -> None:
        """Each article's centroid and answers' vector; the texts' vectors come from the
        encoder's cache when the texts were seen before (an edit encodes what changed).
        With ``Weights.whiten`` the centroids are whitened (``kb.matcher.semantic.
        whitening``), by the given map (a patch keeps its full build's, as it keeps the
        inverse document frequencies) or by one learned here from the phrasings."""
        self.whitening: np.ndarray | None = None
        self.semantic = encoder
        self.semantic_matrix = self.semantic_answers = None
        if encoder is None or not self.articles:
            return
        groups = [[t for t in (*a.titles.values(), *a.phrases) if t.strip()] for a in self.articles]
        self.semantic_matrix = encoder.centroids(groups)
        self.semantic_answers = encoder.centroids([list(a.answers.values()) for a in self.articles])
        if self.weights.whiten <= 0:
            return
        if whitening is None:
            whitening = semanticlib.whitening(
                [encoder.texts(group) for group in groups if len(group) >= 2],
                shrink=self.weights.whiten,
            )
        self.whitening = whitening
        if whitening is not None:
            # a centroid's direction is all that counts: the map of the unit mean is
            # the map of the mean, scaled
            self.semantic_matrix = semanticlib.unit(self.semantic_matrix @ whitening)

    def _build_spelling(self) -> None:
        """Character n-grams of every word the articles use, to mend a typed word that
        is no known word ("доставкк" -> "доставка") before it becomes a term."""
        known: set[str] = set()
        for article in self.articles:
            texts = (*article.phrases, *article.learned, *article.titles.values())
            for value in (*texts, *article.answers.values()):
                known.update(textlib.words(textlib.normalise(value)))
        known.update(textlib.to_cyrillic_if(list(known)))
        self.known_words = sorted(w for w in known if len(w) >= MIN_MENDED and not w.isdigit())
        self.known_set = frozenset(known)
        self.mended: dict[str, str] = {}
        self.spelling_vectorizer = TfidfVectorizer(
            analyzer="char_wb", ngram_range=(2, 3), dtype=np.float32
        )
        self.spelling_matrix = None
        if self.known_words:
            self.spelling_matrix = vectors.Postings(
                self.spelling_vectorizer.fit_transform(self.known_words)
            )
            self.spelling_space = vectors.Space(self.spelling_vectorizer)

    def mend(self, tokens: list[str]) -> list[str]:
        """Each word the articles do not know replaced by the closest word they do, when
        close enough (``SPELLING_MIN``); short words and numbers stay."""
        if self.spelling_matrix is None:
            return tokens
        known = self.known_set
        unknown = {t for t in tokens if t not in known}
        fixes = {}
        for word in unknown:
            if len(word) < MIN_MENDED or word.isdigit():
                continue
            fix = self.mended.get(word)
            if fix is None:
                fix = self._mend(word)
                if len(self.mended) >= MENDED_KEPT:
                    self.mended.clear()
                self.mended[word] = fix
            if fix != word:
                fixes[word] = fix
        return [fixes.get(t, t) for t in tokens] if fixes else tokens

    def _mend(self, word: str) -> str:
        """The known word closest to ``word``, or ``word`` when none is close enough.
        Only Cyrillic words that are no Russian word: English has no dictionary here,
        and a rare but real word is no typo. The dictionary is asked first: most words a
        customer types are real ones, and looking for the closest known word costs more
        than the look-up (it was half of the lexical part)."""
        if textlib.script_language(word) != textlib.RU or termlib.russian_known(word):
            return word
        assert self.spelling_matrix is not None
        scores = self.spelling_matrix.scores(self.spelling_space.vector(word))
        row = int(np.argmax(scores))
        return self.known_words[row] if scores[row] >= SPELLING_MIN else word

    def _title_terms(self, article: ArticleData) -> str:
        joined = " ".join(article.titles.get(lang, "") for lang in (textlib.RU, textlib.EN))
        return self._terms(textlib.words(textlib.normalise(joined)))

    def _answer_terms(self, article: ArticleData) -> str:
        joined = " ".join(article.answers.get(lang, "") for lang in (textlib.RU, textlib.EN))
        return self._terms(textlib.words(textlib.normalise(joined)))

    # --- questions --------------------------------------------------------------------

    def _terms(self, tokens: list[str]) -> str:
        """The tokens' terms (padding dropped, lemmas and stems), then the lexicon's
        concepts they belong to; each token's are remembered (``TERMS_KEPT``): a
        question's words are mostly words asked before."""
        memo = self.token_terms
        terms: list[str] = []
        tags: list[str] = []
        for token in tokens:
            found = memo.get(token)
            if found is None:
                found = self._token_terms(token)
                if not token.isdigit():  # order numbers, phones: hardly ever twice
                    if len(memo) >= TERMS_KEPT:
                        memo.clear()
                    memo[token] = found
            terms.extend(found[0])
            tags.extend(found[1])
        return " ".join(terms + tags)

    def _token_terms(self, token: str) -> tuple[tuple[str, ...], tuple[str, ...]]:
        if self.options.padding and token in textlib.PADDING:
            return (), ()
        if not self.options.lemmas:
            return (token,), ()
        term = termlib.term(token)
        tags = lexicon.expand([term])[1:] if self.options.lexicon else []
        return (term,), tuple(tags)

    def prepare(self, question: str, language: str | None = None) -> Query:
        """The question as the index compares it: normalised text, terms and, with the
        semantic part, its sentence vector (encoded here, once)."""
        query = self._prepare(question, language)
        # no articles, nothing to compare the vector with: not encoded (milliseconds of
        # CPU per customer message where the knowledge base is empty)
        if self.semantic is not None and self.articles and (query.chars or query.terms):
            return Query(
                language=query.language,
                chars=query.chars,
                terms=query.terms,
                vector=self.semantic.query(question),
            )
        return query

    def prepare_many(self, questions: list[str], language: str | None = None) -> list[Query]:
        """``prepare`` for each of ``questions``, in order, with their sentence vectors
        encoded in ONE call of the encoder (``semantic.Encoder.queries``): a worker's
        batch of questions costs about half the encoder's CPU of one by one."""
        prepared = [self._prepare(question, language) for question in questions]
        if self.semantic is None or not self.articles:
            return prepared
        asked = [n for n, query in enumerate(prepared) if query.chars or query.terms]
        if not asked:
            return prepared
        encoded = self.semantic.queries([questions[n] for n in asked])
        for n, vector in zip(asked, encoded, strict=True):
            query = prepared[n]
            prepared[n] = Query(
                language=query.language, chars=query.chars, terms=query.terms, vector=vector
            )
        return prepared

    def _prepare(self, question: str, language: str | None = None) -> Query:
        normalised = textlib.normalise(question)
        tokens = textlib.words(normalised)
        detected = textlib.normalised_language(normalised)
        if (
            detected == textlib.EN
            and self.options.translit
            and textlib.is_latin_russian(
                tokens, russian_word=termlib.russian_known, english=self.english
            )
        ):
            tokens = textlib.to_cyrillic(tokens)
            detected = textlib.RU
        if self.options.spelling:
            tokens = self.mend(tokens)
        chars = textlib.unpadded(tokens) if self.options.padding else tokens
        return Query(
            language=language or detected or textlib.RU,
            chars=" ".join(chars),
            terms=self._terms(tokens),
        )

    def rank(
        self, query: Query, *, limit: int = 10, explain: bool = False, why: bool = True
    ) -> list[Candidate]:
        """The ``limit`` best articles for the question, best first, each with the
        phrasing that matched best and each part's share of its score (``why``: the
        prompter, which shows neither, asks without them). Parts whose weight is 0 are
        computed only to ``explain``."""
        if not why and not explain:
            return [Candidate(article=i, score=s) for i, s in self.rank_scores(query, limit=limit)]
        count = len(self.articles)
        if not count or not (query.chars or query.terms):
            return []
        words = self._word_vector(query)
        wanted = [name for name in PARTS if explain or getattr(self.weights, name) > 0]
        scored = self.word_scores(words) if words and self.word_all is not None else None
        doc_scores = scored[0] if scored is not None else None
        parts = self._parts(query, scored, wanted)
        total = np.zeros((1, count), dtype=np.float32)
        for name, scores in parts.items():
            total[0] += getattr(self.weights, name) * scores
        top = self._top(total, limit)[0]
        return [self._candidate(i, s, parts, doc_scores) for i, s in top]

    def rank_scores(self, query: Query, *, limit: int = 10) -> list[tuple[int, float]]:
        """``rank`` without the whys: (article position, score) of the ``limit`` best,
        best first."""
        return self.rank_scores_many([query], limit=limit)[0]

    def rank_scores_many(
        self, queries: list[Query], *, limit: int = 10
    ) -> list[list[tuple[int, float]]]:
        """``rank_scores`` of each query, in order, scored together: a worker's batch of
        questions costs a fixed handful of numpy calls, not a handful per question."""
        asked = [n for n, q in enumerate(queries) if q.chars or q.terms]
        out: list[list[tuple[int, float]]] = [[] for _ in queries]
        if not self.articles or not asked:
            return out
        # a few at a time where the articles are many: the rows' scores of every
        # document are worked on whole, and past the processor's cache they cost more
        # than the per-call overhead the batch saves
        columns = len(self.doc_article) + len(self.articles)
        step = max(1, BATCH_CELLS // columns)
        for first in range(0, len(asked), step):
            chunk = asked[first : first + step]
            totals = self._totals([queries[n] for n in chunk])
            for n, top in zip(chunk, self._top(totals, limit), strict=True):
                out[n] = top
        return out

    def _top(self, totals: np.ndarray, limit: int) -> list[list[tuple[int, float]]]:
        """Each row's ``limit`` best columns with their scores, best first (equal scores
        in column order), none at 0."""
        limit = min(limit, totals.shape[1])
        top = np.argpartition(-totals, limit - 1, axis=1)[:, :limit]
        scores = np.take_along_axis(totals, top, axis=1)
        order = np.argsort(-scores, axis=1, kind="stable")
        top = np.take_along_axis(top, order, axis=1).tolist()
        scores = np.take_along_axis(scores, order, axis=1).tolist()
        return [
            [(i, s) for i, s in zip(row, values, strict=True) if s > 0]
            for row, values in zip(top, scores, strict=True)
        ]

    def _totals(self, queries: list[Query]) -> np.ndarray:
        """Every article's score for each query, a row each: the parts weighted and
        summed (``_parts``, one by one, sum to the same up to float rounding), the
        linear word parts of all the queries from one pass over ``word_fused``."""
        weights, options = self.weights, self.options
        count = len(self.articles)
        totals: np.ndarray
        if self.word_fused is not None:
            batch = self.word_space.vectors([q.terms for q in queries])
            scored = self.word_fused.scores_many(batch)
            docs = len(self.doc_article)
            totals = scored[:, docs:]
            if options.words and weights.words > 0:
                best = self.best_per_article(scored[:, :docs])
                totals += weights.words * best
                if weights.near > 0:
                    totals += weights.near * self._near(best)
            elif options.words and weights.near > 0:
                totals += weights.near * self._near_of_documents(scored[:, :docs])
        else:
            totals = np.zeros((len(queries), count), dtype=np.float32)
        for row, query in zip(totals, queries, strict=True):
            if weights.chars > 0 and options.chars and query.chars:
                matrix = self._char_matrix()
                if matrix is not None:
                    chars = matrix.scores(self.char_space.vector(query.chars))
                    row += weights.chars * self.best_per_article(chars)
            if query.vector is not None:
                wanted = [name for name in PARTS if getattr(weights, name) > 0]
                for name, scores in self._semantic_parts(query.vector, wanted).items():
                    row += getattr(weights, name) * scores
        return totals

    def part_scores(self, query: Query) -> dict[str, np.ndarray]:
        """Every part's score for every article, weighted or not (``rank``'s score is
        their sum weighted by ``Weights``): to measure the parts and to learn their
        weights (``bench/kb_fusion.py``)."""
        if not self.articles or not (query.chars or query.terms):
            return {}
        words = self._word_vector(query)
        scored = self.word_scores(words) if words and self.word_all is not None else None
        return self._parts(query, scored, list(PARTS))

    def _candidate(
        self,
        position: int,
        score: float,
        parts: dict[str, np.ndarray],
        doc_scores: np.ndarray | None,
    ) -> Candidate:
        contributions = {
            name: round(float(getattr(self.weights, name) * scores[position]), 4)
            for name, scores in parts.items()
        }
        start, end = int(self.doc_start[position]), int(self.doc_end[position])
        phrase = ""
        if end > start and doc_scores is not None and doc_scores[start:end].max() > 0:
            phrase = self.doc_text[start + int(np.argmax(doc_scores[start:end]))]
        return Candidate(article=position, score=score, parts=contributions, phrase=phrase)

    def _word_vector(self, query: Query) -> vectors.Vector | None:
        if self.word_matrix is None or not query.terms:
            return None
        return self.word_space.vector(query.terms)

    def _parts(
        self,
        query: Query,
        scored: tuple[np.ndarray, ...] | None,
        wanted: list[str],
    ) -> dict[str, np.ndarray]:
        """Each wanted part's score for every article; ``scored``: the question's word
        scores (``word_scores``: documents, articles, answers, titles), None when it has
        no known word."""
        parts: dict[str, np.ndarray] = {}
        if "chars" in wanted and self.options.chars and query.chars:
            matrix = self._char_matrix()
            if matrix is not None:
                parts["chars"] = self.best_per_article(
                    matrix.scores(self.char_space.vector(query.chars))
                )
        if scored is not None:
            doc_scores, article, answer, title = scored
            if "words" in wanted and self.options.words:
                parts["words"] = self.best_per_article(doc_scores)
            if "article" in wanted and self.options.words:
                parts["article"] = article
            if "answer" in wanted and self.options.answers:
                parts["answer"] = answer
            if "title" in wanted and self.options.titles:
                parts["title"] = title
            if "near" in wanted and self.options.words:
                parts["near"] = self._near(self.best_per_article(doc_scores))
        if query.vector is not None:
            parts.update(self._semantic_parts(query.vector, wanted))
        return parts

    def _semantic_parts(self, vector: np.ndarray, wanted: list[str]) -> dict[str, np.ndarray]:
        base = self.weights.semantic_base
        parts: dict[str, np.ndarray] = {}
        for name, matrix in (
            ("semantic", self.semantic_matrix),
            ("semantic_answer", self.semantic_answers),
        ):
            if name in wanted and matrix is not None:
                asked = vector
                if name == "semantic" and self.whitening is not None:
                    asked = semanticlib.unit(np.einsum("j,jk->k", vector, self.whitening))
                # einsum, not BLAS: a multi-threaded matrix-vector product waits for
                # idle cores (milliseconds on a busy server); this is 0.1 ms single-threaded
                cosine = np.einsum("ij,j->i", matrix, asked)
                parts[name] = np.maximum(cosine - base, 0.0) / (1.0 - base)
        return parts

    def _near_of_documents(self, doc_scores: np.ndarray) -> np.ndarray:
        """``_near(best_per_article(doc_scores))`` (rows of questions) from the few
        documents above ``near_from`` alone, not a pass over every article's."""
        start = self.weights.near_from
        near = np.zeros((doc_scores.shape[0], len(self.articles)), dtype=np.float32)
        # the flat positions of a fresh mask: np.nonzero of a 2-D array was ten times slower
        found = np.flatnonzero(doc_scores > start)
        if len(found):
            rows, docs = np.divmod(found, doc_scores.shape[1])
            values = (doc_scores[rows, docs] - start) / max(1e-6, 1.0 - start)
            np.maximum.at(near, (rows, self.doc_article[docs]), values)
        return near

    def _near(self, best: np.ndarray) -> np.ndarray:
        """The best phrasing's cosine above ``near_from``, scaled to 0..1."""
        start = self.weights.near_from
        return np.maximum(best - start, 0.0) / max(1e-6, 1.0 - start)

    def best_per_article(self, scores: np.ndarray) -> np.ndarray:
        """Each article's best document score (documents are grouped by article); of
        each row when ``scores`` has a row per question."""
        best = np.zeros((*scores.shape[:-1], len(self.articles)), dtype=np.float32)
        if scores.shape[-1]:
            best[..., self.has_docs] = np.maximum.reduceat(
                scores, self.doc_start[self.has_docs], axis=-1
            )
        return best
