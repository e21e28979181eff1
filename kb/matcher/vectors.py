"""Scoring a short question against many documents fast. scikit-learn builds the TF-IDF
spaces (fit once per index); a question has a handful of features, so instead of a
sparse product per question (milliseconds of library overhead), its vector is computed
here and each feature's postings are added up with numpy (microseconds)."""

from __future__ import annotations

import math
from collections import Counter
from dataclasses import dataclass

import numpy as np
from scipy import sparse
from sklearn.feature_extraction.text import TfidfVectorizer


@dataclass(frozen=True)
class Vector:
    ids: np.ndarray
    weights: np.ndarray

    def __bool__(self) -> bool:
        return bool(len(self.ids))


@dataclass(frozen=True)
class Vectors:
    """Several texts' vectors end to end: each text's feature ids and weights in turn,
    ``lengths[n]`` of them for text ``n``."""

    ids: np.ndarray
    weights: np.ndarray
    lengths: np.ndarray


class Space:
    """A fitted TfidfVectorizer's features and weights, for one text at a time (the
    same numbers as its ``transform``: sublinear tf if set, idf, l2 norm)."""

    def __init__(self, vectorizer: TfidfVectorizer) -> None:
        self.analyzer = vectorizer.build_analyzer()
        self.vocabulary: dict[str, int] = vectorizer.vocabulary_
        self.idf = vectorizer.idf_.astype(np.float32)
        self.sublinear = bool(vectorizer.sublinear_tf)

    def vector(self, text: str) -> Vector:
        vocabulary = self.vocabulary
        counts = Counter([vocabulary[f] for f in self.analyzer(text) if f in vocabulary])
        if not counts:
            return Vector(np.empty(0, dtype=np.int64), np.empty(0, dtype=np.float32))
        ids = np.fromiter(counts.keys(), dtype=np.int64, count=len(counts))
        tf = [1 + math.log(n) if self.sublinear else float(n) for n in counts.values()]
        weights = np.asarray(tf, dtype=np.float32) * self.idf[ids]
        weights /= np.sqrt(np.dot(weights, weights))
        return Vector(ids, weights)

    def vectors(self, texts: list[str]) -> Vectors:
        """``vector`` of each text, end to end, in a fixed handful of numpy calls for
        the lot (the weights agree with ``vector``'s up to float rounding)."""
        vocabulary = self.vocabulary
        ids: list[int] = []
        counts: list[int] = []
        lengths: list[int] = []
        for text in texts:
            found = Counter([vocabulary[f] for f in self.analyzer(text) if f in vocabulary])
            ids.extend(found)
            counts.extend(found.values())
            lengths.append(len(found))
        feature_ids = np.asarray(ids, dtype=np.int64)
        tf = np.asarray(counts, dtype=np.float64)
        if self.sublinear:
            tf = 1 + np.log(tf)
        weights = tf * self.idf[feature_ids]
        owner = np.repeat(np.arange(len(texts)), lengths)
        norms = np.sqrt(np.bincount(owner, weights=weights * weights, minlength=len(texts)))
        if len(weights):
            weights /= norms[owner]
        return Vectors(feature_ids, weights.astype(np.float32), np.asarray(lengths, np.int64))


class Postings:
    """A documents-by-features matrix kept by feature: the documents each feature is in,
    with its weight there."""

    def __init__(self, matrix: sparse.spmatrix) -> None:
        by_feature = sparse.csr_matrix(matrix).T.tocsr()
        self.indptr, self.indices = by_feature.indptr, by_feature.indices
        self.data = by_feature.data.astype(np.float32)
        self.size = int(matrix.shape[0])
        self.starts, self.ends = self.indptr[:-1], self.indptr[1:]  # each feature's postings

    def rows(self) -> sparse.csr_matrix:
        """The documents-by-features matrix it was made of."""
        features = len(self.indptr) - 1
        by_feature = sparse.csr_matrix(
            (self.data, self.indices, self.indptr), shape=(features, self.size)
        )
        return by_feature.T.tocsr()

    @classmethod
    def stacked(cls, parts: list[Postings]) -> Postings:
        """The documents of ``parts`` (of one space) one after another: a question scored
        against all of them in one ``scores`` call, which is a fixed handful of numpy
        calls whatever their number (each call's overhead was most of a short
        question's ranking)."""
        return cls(sparse.vstack([part.rows() for part in parts], format="csr"))

    def scores(self, vector: Vector) -> np.ndarray:
        """The cosine of the vector with every document (both are l2-normalised): the
        features' postings gathered in one index and summed by document with
        ``np.bincount``, a fixed handful of numpy calls whatever the number of features
        (a Python loop over them was most of the lexical ranking's CPU)."""
        starts = self.starts[vector.ids]
        lengths = self.ends[vector.ids] - starts
        ends = np.cumsum(lengths)
        total = int(ends[-1]) if len(ends) else 0
        if not total:
            return np.zeros(self.size, dtype=np.float32)
        # the position of every posting: each feature's start, then counting up
        positions = np.arange(total) + np.repeat(starts - ends + lengths, lengths)
        weights = np.repeat(vector.weights, lengths) * self.data[positions]
        summed = np.bincount(self.indices[positions], weights=weights, minlength=self.size)
        return summed.astype(np.float32)

    def scores_many(self, batch: Vectors) -> np.ndarray:
        """``scores`` of each vector of ``batch``, a row each, in one pass over all
        their postings (a row per text summed by ``np.bincount`` at once)."""
        texts = len(batch.lengths)
        starts = self.starts[batch.ids]
        lengths = self.ends[batch.ids] - starts
        ends = np.cumsum(lengths)
        total = int(ends[-1]) if len(ends) else 0
        if not total:
            return np.zeros((texts, self.size), dtype=np.float32)
        positions = np.arange(total) + np.repeat(starts - ends + lengths, lengths)
        weights = np.repeat(batch.weights, lengths) * self.data[positions]
        # each posting's cell: its text's row, its document's column
        row_of_feature = np.repeat(np.arange(texts) * self.size, batch.lengths)
        cells = np.repeat(row_of_feature, lengths) + self.indices[positions]
        summed = np.bincount(cells, weights=weights, minlength=texts * self.size)
        return summed.reshape(texts, self.size).astype(np.float32)
