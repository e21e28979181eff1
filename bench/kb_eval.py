"""The knowledge base's matcher on the FAQ dataset: top-1 and top-3 accuracy over the
in-scope messages and the no-match rate over the out-of-scope ones (the dataset's
README defines them), with kb.json as the articles. With ``--ablation``, the same
figures with each part of the matcher switched off in turn.

    .venv/bin/python bench/kb_eval.py                        # ../shared/datasets/faq/
    .venv/bin/python bench/kb_eval.py /path/to/faq --misses  # and the messages it missed
    .venv/bin/python bench/kb_eval.py --ablation

Pure: no database, no Django; the index is the one the product builds.
"""

from __future__ import annotations

import argparse
import sys
from dataclasses import replace
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from kb.matcher.evaluate import Figures, dataset_load, evaluate, threshold_tune  # noqa: E402
from kb.matcher.index import Index, Options, Weights  # noqa: E402

TARGETS = {"top1": 0.90, "top3": 0.97, "no_match": 0.80}

ABLATION = [
    ("all parts", Options(), Weights()),
    ("no transliteration", Options(translit=False), Weights()),
    ("no padding words dropped", Options(padding=False), Weights()),
    ("no typo mending (char n-grams)", Options(spelling=False), Weights()),
    ("no lexicon", Options(lexicon=False), Weights()),
    ("no lemmas/stems (and no lexicon)", Options(lemmas=False), Weights()),
    ("no answers", Options(answers=False), Weights()),
    ("phrasings only, by char n-grams", Options(), Weights(1, 0, 0, 0, 0.13)),
    ("best phrasing by terms only", Options(), Weights(0, 1, 0, 0, 0.13)),
]


def line(name: str, threshold: float, figures: Figures) -> str:
    return (
        f"| {name} | {threshold} | {figures.top1:.3f} | {figures.top3:.3f} "
        f"| {figures.no_match:.3f} |"
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("dataset", nargs="?", default=str(ROOT.parent / "shared/datasets/faq"))
    parser.add_argument("--misses", action="store_true", help="list the messages missed")
    parser.add_argument("--ablation", action="store_true", help="each part switched off")
    args = parser.parse_args()
    articles, labelled = dataset_load(Path(args.dataset))
    figures = evaluate(Index(articles), labelled)
    print(
        f"articles {len(articles)}, in scope {figures.in_scope}, out of scope "
        f"{figures.out_of_scope}, threshold {Weights().threshold}"
    )
    print(f"top-1 {figures.top1:.3f}  top-3 {figures.top3:.3f}  no-match {figures.no_match:.3f}")
    print("targets: " + "  ".join(f"{k} >= {v}" for k, v in TARGETS.items()))
    if args.misses:
        for text, expected, answered in figures.misses:
            print(f"  {text!r}: expected {expected}, answered {answered}")
    if args.ablation:
        print("\nEach row with its own threshold: the lowest whose no-match rate is >= 0.80.")
        print("\n| matcher | threshold | top-1 | top-3 | no-match |\n|---|---|---|---|---|")
        for name, options, weights in ABLATION:
            index = Index(articles, options=options, weights=weights)
            tuned = threshold_tune(index, labelled, min_no_match=TARGETS["no_match"])
            index.weights = replace(weights, threshold=tuned)
            print(line(name, tuned, evaluate(index, labelled)))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
