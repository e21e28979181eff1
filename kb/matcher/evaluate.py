"""The dataset's metrics (top-1 and top-3 over in-scope messages, the no-match rate over
out-of-scope ones) for an index, used by ``bench/kb_eval.py`` and its test."""

from __future__ import annotations

import json
import random
from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from kb.matcher.index import ArticleData, Index


@dataclass(frozen=True)
class Figures:
    top1: float
    top3: float
    no_match: float
    in_scope: int
    out_of_scope: int
    misses: tuple[tuple[str, str | None, str | None], ...]  # (text, expected, answered)


def articles_from_json(items: list[dict[str, Any]]) -> list[ArticleData]:
    """The dataset's ``kb.json`` items as articles (ids by position)."""
    return [
        ArticleData(
            id=position,
            key=item["id"],
            titles={"ru": item.get("title_ru", ""), "en": item.get("title_en", "")},
            answers={"ru": item.get("answer_ru", ""), "en": item.get("answer_en", "")},
            phrases=tuple(item.get("phrases", [])),
        )
        for position, item in enumerate(items)
    ]


def dataset_load(folder: Path) -> tuple[list[ArticleData], list[dict[str, Any]]]:
    items = json.loads((folder / "kb.json").read_text(encoding="utf-8"))
    lines = (folder / "dev.jsonl").read_text(encoding="utf-8").splitlines()
    return articles_from_json(items), [json.loads(line) for line in lines if line.strip()]


def evaluate(index: Index, labelled: list[dict[str, Any]]) -> Figures:
    top1 = top3 = rejected = in_scope = out_of_scope = 0
    misses = []
    for row in labelled:
        ranked = index.rank(index.prepare(row["text"]), limit=3)
        keys = [index.articles[c.article].key for c in ranked]
        answered = keys[0] if ranked and ranked[0].score >= index.weights.threshold else None
        if row["intent"] is None:
            out_of_scope += 1
            rejected += answered is None
        else:
            in_scope += 1
            top1 += answered == row["intent"]
            top3 += row["intent"] in keys
        if answered != row["intent"]:
            misses.append((row["text"], row["intent"], answered))
    return Figures(
        top1=top1 / max(in_scope, 1),
        top3=top3 / max(in_scope, 1),
        no_match=rejected / max(out_of_scope, 1),
        in_scope=in_scope,
        out_of_scope=out_of_scope,
        misses=tuple(misses),
    )


def threshold_tune(index: Index, labelled: list[dict[str, Any]], *, min_no_match: float) -> float:
    """The lowest threshold (so the best top-1) whose no-match rate reaches
    ``min_no_match``, in steps of 0.005."""
    best_out = []
    for row in labelled:
        if row["intent"] is None:
            ranked = index.rank(index.prepare(row["text"]), limit=1)
            best_out.append(ranked[0].score if ranked else 0.0)
    if not best_out:
        return 0.0
    step = 0.005
    threshold = 0.0
    while sum(score < threshold for score in best_out) / len(best_out) < min_no_match:
        threshold += step
    return round(threshold, 3)


FOLDS = 8


def leave_one_out(
    articles: list[ArticleData], make: Callable[[list[ArticleData]], Index], *, folds: int = FOLDS
) -> Figures:
    """A check that does not use the development set: each article's phrasings are held
    out in turn (fold ``k`` takes the ``k``-th phrasing of every article, ``folds``
    builds in all), each held-out phrasing asked as a question of the index built
    without it; top-1 (with the threshold) and top-3 over all of them."""
    labelled_by_fold: list[list[dict[str, Any]]] = [[] for _ in range(folds)]
    totals = {"top1": 0.0, "top3": 0.0, "count": 0}
    misses: list[tuple[str, str | None, str | None]] = []
    for fold in range(folds):
        kept = []
        for article in articles:
            held = article.phrases[fold::folds]
            labelled_by_fold[fold].extend({"text": t, "intent": article.key} for t in held)
            rest = tuple(p for i, p in enumerate(article.phrases) if i % folds != fold)
            kept.append(replace(article, phrases=rest))
        if not labelled_by_fold[fold]:
            continue
        figures = evaluate(make(kept), labelled_by_fold[fold])
        totals["top1"] += figures.top1 * figures.in_scope
        totals["top3"] += figures.top3 * figures.in_scope
        totals["count"] += figures.in_scope
        misses.extend(figures.misses)
    count = max(int(totals["count"]), 1)
    return Figures(
        top1=totals["top1"] / count,
        top3=totals["top3"] / count,
        no_match=0.0,
        in_scope=int(totals["count"]),
        out_of_scope=0,
        misses=tuple(misses),
    )


def phrasings_curve(
    articles: list[ArticleData],
    labelled: list[dict[str, Any]],
    make: Callable[[list[ArticleData]], Index],
    *,
    counts: tuple[int, ...] = (1, 2, 4, 6),
    repeats: int = 5,
    seed: int = 15,
) -> list[tuple[int, Figures]]:
    """How the figures grow with the phrasings an article has: for each ``count``, every
    article keeps ``count`` of its phrasings (a random choice, the same seed each run),
    the index is built from them and asked ``labelled``; the figures are the mean of
    ``repeats`` such choices. The last row is the articles as they are. It says how
    many phrasings an article needs (and what the prompter's learned ones are worth)."""
    if repeats < 1:
        raise ValueError("repeats must be at least 1")
    rng = random.Random(seed)
    most = max((len(a.phrases) for a in articles), default=0)
    rows: list[tuple[int, Figures]] = []
    for count in sorted(c for c in set(counts) if 0 < c < most):
        runs = []
        for _ in range(repeats):
            kept = []
            for article in articles:
                size = len(article.phrases)
                picked = sorted(rng.sample(range(size), min(count, size)))
                kept.append(replace(article, phrases=tuple(article.phrases[i] for i in picked)))
            runs.append(evaluate(make(kept), labelled))
        rows.append((count, _mean(runs)))
    rows.append((most, evaluate(make(articles), labelled)))
    return rows


def _mean(runs: list[Figures]) -> Figures:
    return Figures(
        top1=sum(f.top1 for f in runs) / len(runs),
        top3=sum(f.top3 for f in runs) / len(runs),
        no_match=sum(f.no_match for f in runs) / len(runs),
        in_scope=runs[0].in_scope,
        out_of_scope=runs[0].out_of_scope,
        misses=(),
    )
