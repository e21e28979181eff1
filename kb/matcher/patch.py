"""An index with a few articles added, changed or removed, made from a built one in
milliseconds instead of the full build (about a second at 1,000 articles).

    index_patched(index, changed=[ArticleData, ...], removed={id, ...}) -> Index

Only the changed articles' documents are prepared and turned into vectors; every other
article keeps its rows. The vectors are those of the built index's TF-IDF space, so
they are exact but for the inverse document frequencies, which stay those of the last
full build: a term the build never saw gets a frequency of its own (counted over the
changed articles' documents) and is appended to the space, and the frequencies of the
known terms drift a little with every patch. ``Index.patched`` counts the articles
patched since the full build; ``kb.services.index_holder`` rebuilds in the background
when that drift passes its bound, or on a timer. Typo mending keeps the built index's
word list, but a word of a changed article is never mended away (``known_set``); the
character n-grams (explanations only) are built again on demand.

Pure: no Django. Returns a new ``Index``; the given one is left as it was, so that a
question being answered with it meanwhile is not disturbed.
"""

from __future__ import annotations

import copy
import math
import threading
from collections import Counter
from collections.abc import Collection, Sequence

import numpy as np
from scipy import sparse

from kb.matcher import text as textlib
from kb.matcher import vectors
from kb.matcher.index import ArticleData, Index, Query


def index_patched(
    index: Index, *, changed: Sequence[ArticleData], removed: Collection[int] = ()
) -> Index:
    """``index`` with ``changed`` articles put in (replacing those of the same id, the
    new ones at the end) and the articles of ids ``removed`` taken out."""
    fresh = {article.id: article for article in changed}
    gone = set(removed) - set(fresh)
    if not fresh and not gone & set(index.by_id):
        return index
    kept = [a for a in index.articles if a.id not in gone]
    order = [fresh.get(a.id, a) for a in kept]
    order += sorted((a for a in fresh.values() if a.id not in index.by_id), key=lambda a: a.id)
    if index.word_matrix is None or not order:
        return Index(order, weights=index.weights, options=index.options, semantic=index.semantic)
    return _Patch(index, order, fresh).build()


def _rows(postings: vectors.Postings) -> sparse.csr_matrix:
    """The documents-by-features matrix a ``Postings`` was made of."""
    return postings.rows()


def _widened(matrix: sparse.csr_matrix, features: int) -> sparse.csr_matrix:
    return sparse.csr_matrix(
        (matrix.data, matrix.indices, matrix.indptr), shape=(matrix.shape[0], features)
    )


class _Patch:
    def __init__(self, index: Index, order: list[ArticleData], fresh: dict[int, ArticleData]):
        self.index, self.order, self.fresh = index, order, fresh
        self.new = [a for a in order if a.id in fresh]

    def build(self) -> Index:
        index = self.index
        docs: list[tuple[ArticleData, str]] = []
        learned: list[bool] = []
        for a in self.new:  # in the order of Index.__init__
            groups = ((a.phrases, False), (a.learned, True), (tuple(a.titles.values()), False))
            for texts, flag in groups:
                kept = [text for text in texts if text.strip()]
                docs.extend((a, text) for text in kept)
                learned.extend(flag for _ in kept)
        # terms only: the documents' sentence vectors are the semantic part's (below)
        prepared = [index._prepare(text) for _, text in docs]
        doc_terms = [q.terms for q in prepared]
        by_article: dict[int, list[str]] = {a.id: [] for a in self.new}
        for (article, _), terms, flag in zip(docs, doc_terms, learned, strict=True):
            if not flag:  # learned phrasings are not pooled (Index.__init__)
                by_article[article.id].append(terms)
        article_terms = [" ".join(by_article[a.id]) for a in self.new]
        answer_terms = [index._answer_terms(a) for a in self.new]
        title_terms = [index._title_terms(a) for a in self.new]
        space = self._space([*doc_terms, *article_terms, *answer_terms])
        out = copy.copy(index)
        out.articles = self.order
        out.by_id = {a.id: a for a in self.order}
        out.by_position = {a.id: position for position, a in enumerate(self.order)}
        out.english = index.english | Index._english_words(self.new)
        out.known_set = index.known_set | self._words(self.new)
        out.word_space = space
        self._documents(out, docs, prepared, space, learned)
        for name, rows in (
            ("article_matrix", article_terms),
            ("answer_matrix", answer_terms),
            ("title_matrix", title_terms),
        ):
            old = getattr(index, name)
            fresh_rows = self._vectors(space, rows)
            take = self._article_rows(old.size)
            setattr(out, name, self._postings(old, fresh_rows, take, space))
        out.words_stacked()
        out.mended = {}  # the words' mends are the built index's; its own start empty
        out._chars, out._chars_built, out._chars_lock = None, False, threading.Lock()
        # unchanged articles' vectors come from its cache; the whitening is the full build's
        out._build_semantic(index.semantic, index.whitening)
        out.patched = index.patched + len(self.new)
        return out

    def _documents(
        self,
        out: Index,
        docs: list[tuple[ArticleData, str]],
        prepared: list[Query],
        space: vectors.Space,
        learned: list[bool],
    ) -> None:
        """Each article's documents in the new order: the kept ones' rows, the changed
        ones' new rows."""
        index = self.index
        old_docs = len(index.doc_text)
        new_start: dict[int, int] = {}
        for position, (article, _) in enumerate(docs):
            new_start.setdefault(article.id, position)
        counts = Counter(article.id for article, _ in docs)
        take: list[np.ndarray] = []
        doc_article: list[np.ndarray] = []
        for position, article in enumerate(self.order):
            if article.id in self.fresh:
                start = old_docs + new_start.get(article.id, 0)
                rows = np.arange(start, start + counts.get(article.id, 0))
            else:
                was = index.by_position[article.id]
                rows = np.arange(index.doc_start[was], index.doc_end[was])
            take.append(rows)
            doc_article.append(np.full(len(rows), position, dtype=np.int64))
        order = np.concatenate(take) if take else np.empty(0, dtype=np.int64)
        all_text = [*index.doc_text, *(text for _, text in docs)]
        all_chars = [*index._doc_chars[:old_docs], *(q.chars for q in prepared)]
        all_learned = [*index.doc_learned, *learned]
        out.doc_learned = [all_learned[i] for i in order.tolist()]
        out.doc_text = [all_text[i] for i in order.tolist()]
        out._doc_chars = [all_chars[i] for i in order.tolist()] or [""]
        out.doc_article = np.concatenate(doc_article) if doc_article else order
        positions = np.arange(len(self.order))
        out.doc_start = np.searchsorted(out.doc_article, positions, side="left")
        out.doc_end = np.searchsorted(out.doc_article, positions, side="right")
        out.has_docs = out.doc_end > out.doc_start
        fresh_rows = self._vectors(space, [q.terms for q in prepared])
        out.word_matrix = self._postings(index.word_matrix, fresh_rows, order, space)

    def _article_rows(self, old_size: int) -> np.ndarray:
        """Per article of the new order: its row among the old rows followed by the
        changed articles' new rows."""
        new_row = {a.id: old_size + i for i, a in enumerate(self.new)}
        return np.array(
            [
                new_row[a.id] if a.id in new_row else self.index.by_position[a.id]
                for a in self.order
            ],
            dtype=np.int64,
        )

    @staticmethod
    def _postings(
        old: vectors.Postings | None,
        fresh_rows: sparse.csr_matrix,
        take: np.ndarray,
        space: vectors.Space,
    ) -> vectors.Postings:
        features = len(space.idf)
        stacked = [fresh_rows] if old is None else [_widened(_rows(old), features), fresh_rows]
        matrix = sparse.vstack(stacked, format="csr")[take]
        return vectors.Postings(matrix)

    def _space(self, texts: list[str]) -> vectors.Space:
        """The built index's space, with the terms it never saw appended (their inverse
        document frequency counted over ``texts`` as the build would: smoothed)."""
        space = self.index.word_space
        unseen: Counter[str] = Counter()
        for text in texts:
            unseen.update({t for t in text.split() if t not in space.vocabulary})
        if not unseen:
            return space
        total = len(self.index.doc_text) + 2 * len(self.index.articles) + len(texts)
        widened = copy.copy(space)
        widened.vocabulary = dict(space.vocabulary)
        extra: list[float] = []
        for term, df in sorted(unseen.items()):
            widened.vocabulary[term] = len(space.idf) + len(extra)
            extra.append(math.log((1 + total) / (1 + df)) + 1)
        widened.idf = np.concatenate([space.idf, np.asarray(extra, dtype=np.float32)])
        return widened

    @staticmethod
    def _vectors(space: vectors.Space, texts: list[str]) -> sparse.csr_matrix:
        indptr, indices, data = [0], [], []
        for text in texts:
            vector = space.vector(text)
            indices.extend(vector.ids.tolist())
            data.extend(vector.weights.tolist())
            indptr.append(len(indices))
        return sparse.csr_matrix(
            (np.asarray(data, dtype=np.float32), np.asarray(indices, dtype=np.int64), indptr),
            shape=(len(texts), len(space.idf)),
        )

    @staticmethod
    def _words(articles: list[ArticleData]) -> frozenset[str]:
        found: set[str] = set()
        for article in articles:
            texts = (*article.phrases, *article.learned, *article.titles.values())
            for value in (*texts, *article.answers.values()):
                found.update(textlib.words(textlib.normalise(value)))
        found.update(textlib.to_cyrillic_if(list(found)))
        return frozenset(found)
