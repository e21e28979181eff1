"""The matcher on the FAQ dataset's development set (../shared/datasets/faq/), as
``bench/kb_eval.py`` measures it: the issue's targets, and a floor under what the matcher
reaches today so that a change that loses accuracy fails; the lexical matcher always,
and the blend with the semantic part when the ``semantic`` extra is installed."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from kb.matcher import semantic
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
    reason="top-1 stays below the issue's 0.90: 0.825 lexical (top-3 0.94), 0.863 with the "
    "semantic extra (top-3 0.975, no-match 0.90 meet theirs); no method tried lifts both "
    "dev and the leave-one-out check far enough, and no weighting of the parts reaches 0.90 "
    "on dev even fitted to it (bench/kb_fusion.py --ceiling: 0.887); top-1 grows with the "
    "phrasings an article has (bench/kb_eval.py --curve: 0.81 with 4, 0.86 with 8): see "
    "docs/benchmarks.md, 'A learned fusion of the parts' and 'Where top-1 stands'",
)
def test_the_matcher_reaches_the_issues_targets_on_the_dev_set():
    articles, labelled = dataset_load(DATASET)
    # as the product runs here: with the semantic part when the extra is installed
    product = evaluate(Index(articles, semantic=semantic.encoder_get("auto")), labelled)
    assert product.top1 >= TARGETS["top1"]
    assert product.top3 >= TARGETS["top3"]
    assert product.no_match >= TARGETS["no_match"]


# The blend with the semantic part (the extra): a floor under what it reaches today
BLEND_FLOOR = {"top1": 0.86, "top3": 0.97, "no_match": 0.85}
BLEND_LOO_FLOOR = {"top1": 0.885, "top3": 0.98}
needs_extra = pytest.mark.skipif(
    not semantic.available(), reason="the semantic extra is not installed"
)


@needs_extra
def test_the_blend_keeps_its_accuracy_on_the_dev_set():
    articles, labelled = dataset_load(DATASET)
    encoder = semantic.encoder_get("auto")

    blend = evaluate(Index(articles, semantic=encoder), labelled)

    assert blend.top1 >= BLEND_FLOOR["top1"]
    assert blend.top3 >= BLEND_FLOOR["top3"]  # the issue's target
    assert blend.no_match >= BLEND_FLOOR["no_match"]


@needs_extra
def test_the_blend_keeps_its_accuracy_on_phrasings_it_never_saw():
    articles, _ = dataset_load(DATASET)
    encoder = semantic.encoder_get("auto")

    held = leave_one_out(articles, lambda a: Index(a, semantic=encoder))

    assert held.top1 >= BLEND_LOO_FLOOR["top1"]
    assert held.top3 >= BLEND_LOO_FLOOR["top3"]


# Leave-one-out over kb.json's phrasings (no dev message): a floor under today's figures
LOO_FLOOR = {"top1": 0.83, "top3": 0.95}


def test_the_matcher_keeps_its_accuracy_on_phrasings_it_never_saw():
    articles, _ = dataset_load(DATASET)
    held = leave_one_out(articles, Index)
    assert held.in_scope == 320
    assert held.top1 >= LOO_FLOOR["top1"]
    assert held.top3 >= LOO_FLOOR["top3"]


@pytest.mark.parametrize("mode", ["lexical", "semantic", "blend"])
def test_bench_kb_eval_prints_the_figures_of_each_mode(mode):
    if mode != "lexical" and not semantic.available():
        pytest.skip("the semantic extra is not installed")
    script = Path(__file__).resolve().parents[2] / "bench" / "kb_eval.py"

    run = subprocess.run(
        [sys.executable, str(script), str(DATASET), "--mode", mode],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )

    assert run.returncode == 0, run.stderr
    assert f"mode {mode}: articles 40, in scope 160, out of scope 20" in run.stdout
    assert "top-1 0." in run.stdout and "no-match 0." in run.stdout
