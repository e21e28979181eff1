"""The matcher on the FAQ dataset's development set (../shared/datasets/faq/), as
``bench/kb_eval.py`` measures it: the issue's targets, and a floor under what the matcher
reaches today so that a change that loses accuracy fails."""

from __future__ import annotations

from pathlib import Path

import pytest

from kb.matcher.evaluate import dataset_load, evaluate, leave_one_out
from kb.matcher.index import Index

DATASET = Path(__file__).resolve().parents[3] / "shared" / "datasets" / "faq"
TARGETS = {"top1": 0.90, "top3": 0.97, "no_match": 0.80}
FLOOR = {"top1": 0.82, "top3": 0.93, "no_match": 0.80}

pytestmark = pytest.mark.skipif(
    not (DATASET / "dev.jsonl").exists(), reason=f"the FAQ dataset is not at {DATASET}"
)


@pytest.fixture(scope="module")
def figures():  # type: ignore[no-untyped-def]
    articles, labelled = dataset_load(DATASET)
    return evaluate(Index(articles), labelled)


def test_the_matcher_keeps_its_accuracy_on_the_dev_set(figures):
    assert figures.in_scope == 160 and figures.out_of_scope == 20
    assert figures.top1 >= FLOOR["top1"]
    assert figures.top3 >= FLOOR["top3"]
    assert figures.no_match >= FLOOR["no_match"]


@pytest.mark.xfail(
    strict=True,
    reason="top-1 0.825 and top-3 0.94 stay below the issue's 0.90 and 0.97 (no-match 0.90 "
    "meets its 0.80); no lexical method tried lifts both dev and the leave-one-out check "
    "far enough: see docs/benchmarks.md, 'Tuning the method'",
)
def test_the_matcher_reaches_the_issues_targets_on_the_dev_set(figures):
    assert figures.top1 >= TARGETS["top1"]
    assert figures.top3 >= TARGETS["top3"]
    assert figures.no_match >= TARGETS["no_match"]


# Leave-one-out over kb.json's phrasings (no dev message): a floor under today's figures
LOO_FLOOR = {"top1": 0.83, "top3": 0.95}


def test_the_matcher_keeps_its_accuracy_on_phrasings_it_never_saw():
    articles, _ = dataset_load(DATASET)
    held = leave_one_out(articles, Index)
    assert held.in_scope == 320
    assert held.top1 >= LOO_FLOOR["top1"]
    assert held.top3 >= LOO_FLOOR["top3"]
