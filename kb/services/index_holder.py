"""One process's index of the enabled articles, and how a change of articles reaches
it in every process within a second.

A write of articles names the articles it changed (``changed``). In the writing process
they are patched into the index at its next question (``kb.matcher.patch``:
milliseconds, where a full build takes about a second at 1,000 articles). After commit
the shared cache (Redis in production) gets the change: ``kb:index:version`` is
incremented and ``kb:index:changes:<version>`` lists the articles' ids (or ``all``, for
an import). Every process reads the counter at most every ``CHECK_EVERY_S`` (0.1 s: one
GET of a small key, only while questions come), reads the lists of the versions it
missed, loads those articles from the database and patches them in. A list it cannot
read (evicted, or not written yet a moment after the counter moved: it is read again
at the next check first), a jump of more than ``MAX_CHANGES`` versions, or ``all``
make it build the whole index, as before.

Patches leave the inverse document frequencies of the last full build in place
(``kb.matcher.patch``). A full build runs in a background thread, from the articles
already in memory (no query), when ``REBUILD_DRIFT`` of the articles (at least
``REBUILD_DRIFT_MIN``) were patched since the last one, or ``REBUILD_AFTER_S`` after the
first patch; it then replaces the patched index, with any patch that came meanwhile
applied to it.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Iterable

from django.core.cache import BaseCache

from kb.matcher import index as indexlib
from kb.matcher import semantic as semanticlib
from kb.matcher.patch import index_patched
from kb.models import Article, Phrase

logger = logging.getLogger(__name__)

VERSION_KEY = "kb:index:version"
CHANGES_KEY = "kb:index:changes:{}"
CHANGES_TTL_S = 3600
ALL = "all"
CHECK_EVERY_S = 0.1
MAX_CHANGES = 200  # versions missed beyond which a full build is cheaper than the patches
REBUILD_DRIFT = 0.05
REBUILD_DRIFT_MIN = 20
REBUILD_AFTER_S = 300.0


def articles_load(ids: Iterable[int] | None = None) -> list[indexlib.ArticleData]:
    """The enabled articles (of ``ids`` when given) as the matcher sees them."""
    found = Article.objects.filter(enabled=True)
    if ids is not None:
        found = found.filter(pk__in=list(ids))
    return [
        indexlib.ArticleData(
            id=a.pk,
            key=a.key,
            titles={"ru": a.title_ru, "en": a.title_en},
            answers={"ru": a.answer_ru, "en": a.answer_en},
            phrases=tuple(p.text for p in a.phrases.all() if p.source != Phrase.Source.LEARNED),
            learned=tuple(p.text for p in a.phrases.all() if p.source == Phrase.Source.LEARNED),
        )
        for a in found.prefetch_related("phrases").order_by("pk")
    ]


def version_bump(shared: BaseCache, ids: Iterable[int] | None = None) -> None:
    """Tells every process that the articles ``ids`` (None: any of them) changed."""
    try:
        try:
            version = shared.incr(VERSION_KEY)
        except ValueError:  # not there yet (or evicted)
            version = 1 if shared.add(VERSION_KEY, 1, timeout=None) else shared.incr(VERSION_KEY)
        listed = ALL if ids is None else sorted(set(ids))
        shared.set(CHANGES_KEY.format(version), listed, timeout=CHANGES_TTL_S)
    except Exception:
        logger.warning("kb: the index version could not be bumped", exc_info=True)


class Holder:
    """One process's index, the version of the shared counter it reflects, and the
    changes it has yet to patch in."""

    def __init__(
        self, shared: BaseCache, encoder: Callable[[], semanticlib.Encoder | None] = lambda: None
    ) -> None:
        self.shared = shared
        self.encoder = encoder  # the semantic part's, when it is on (kb.services.matching)
        self.lock = threading.Lock()
        self.index: indexlib.Index | None = None
        self.version: int | None = None
        self.checked_at = 0.0
        self.pending: set[int] = set()
        self.pending_all = True
        self.missing_since: int | None = None  # a version whose change list was missing
        self.first_patch_at: float | None = None
        self.rebuilding: threading.Thread | None = None
        self.patched_since_snapshot: set[int] = set()
        self.generation = 0

    def changed(self, ids: Iterable[int] | None) -> None:
        """This process's own write: patched in at its next question, uncommitted rows
        included (the writer's next question sees its change)."""
        if ids is None:
            self.pending_all = True
        else:
            self.pending.update(ids)

    def reset(self) -> None:
        with self.lock:
            self.index, self.version = None, None
            self.pending, self.pending_all = set(), True
            self.missing_since = self.first_patch_at = None
            self.generation += 1

    def current(self) -> indexlib.Index:
        now = time.monotonic()
        index = self.index
        if (
            index is not None
            and not self.pending
            and not self.pending_all
            and now - self.checked_at < CHECK_EVERY_S
        ):
            return index
        with self.lock:
            self.checked_at = time.monotonic()
            self._follow(self._shared_version())
            if self.index is None or self.pending_all:
                self._build()
            elif self.pending:
                self._patch()
            self._maybe_rebuild()
            assert self.index is not None
            return self.index

    # --- under the lock -----------------------------------------------------------------

    def _follow(self, version: int | None) -> None:
        """Notes the changes between the version held and the shared one."""
        if version == self.version or self.index is None or self.pending_all:
            if self.index is None or self.pending_all:
                self.version = version
            return
        if version is None:  # the counter is gone (flushed): build whole
            self.pending_all, self.version = True, version
            return
        start = (self.version or 0) + 1
        if version < start or version - start >= MAX_CHANGES:
            self.pending_all, self.version = True, version
            return
        keys = [CHANGES_KEY.format(v) for v in range(start, version + 1)]
        try:
            found = self.shared.get_many(keys)
        except Exception:  # the cache is away: keep what we have, check again later
            logger.warning("kb: the index's changes could not be read", exc_info=True)
            return
        if len(found) < len(keys) and self.missing_since != version:
            self.missing_since = version  # perhaps written a moment from now: once more
            return
        self.missing_since = None
        self.version = version
        if len(found) < len(keys) or any(v == ALL for v in found.values()):
            self.pending_all = True
            return
        for ids in found.values():
            self.pending.update(int(i) for i in ids)

    def _shared_version(self) -> int | None:
        try:
            value = self.shared.get(VERSION_KEY)
        except Exception:  # the cache is away: keep what we have, check again later
            logger.warning("kb: the index version could not be read", exc_info=True)
            return self.version
        return int(value) if value is not None else None

    def _build(self) -> None:
        self.pending, self.pending_all = set(), False
        self.index = indexlib.Index(articles_load(), semantic=self.encoder())
        self.first_patch_at = None
        self.generation += 1

    def _patch(self) -> None:
        assert self.index is not None
        ids, self.pending = self.pending, set()
        fresh = articles_load(ids)
        self.index = index_patched(self.index, changed=fresh, removed=ids)
        self.patched_since_snapshot |= ids
        if self.first_patch_at is None:
            self.first_patch_at = time.monotonic()

    def _maybe_rebuild(self) -> None:
        index = self.index
        if index is None or not index.patched or self.rebuilding is not None:
            return
        drift = index.patched >= max(REBUILD_DRIFT_MIN, REBUILD_DRIFT * len(index.articles))
        late = (
            self.first_patch_at is not None
            and time.monotonic() - self.first_patch_at >= REBUILD_AFTER_S
        )
        if drift or late:
            self.patched_since_snapshot = set()
            self.rebuilding = threading.Thread(
                target=self._rebuild, args=(index, self.generation), daemon=True
            )
            self.rebuilding.start()

    # --- in the background --------------------------------------------------------------

    def _rebuild(self, snapshot: indexlib.Index, generation: int) -> None:
        """A full build from the articles in memory, put in place unless the index was
        reset or built whole meanwhile; patches made meanwhile are applied to it."""
        try:
            built = indexlib.Index(
                list(snapshot.articles),
                weights=snapshot.weights,
                options=snapshot.options,
                semantic=snapshot.semantic,
            )
            with self.lock:
                if self.generation != generation or self.index is None:
                    return
                since = self.patched_since_snapshot
                current = self.index
                if since:
                    fresh = [current.by_id[i] for i in since if i in current.by_id]
                    built = index_patched(built, changed=fresh, removed=since)
                self.index = built
                self.patched_since_snapshot = set()
                self.first_patch_at = time.monotonic() if since else None
        except Exception:
            logger.exception("kb: the index could not be rebuilt in the background")
        finally:
            self.rebuilding = None
