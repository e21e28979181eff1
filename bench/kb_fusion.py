"""A learned fusion of the matcher's parts, trained on kb.json alone (no development
message), set beside the product's hand-tuned weights.

The product's score is a weighted sum of its parts (``kb.matcher.index.Weights``: the
phrasings, the answers, the titles and the nearest phrasing by terms; with the
``semantic`` extra the sentence vectors' centroid and answers too), with weights tuned
by hand on the development set. Here the weights are *learned* instead:

- **questions**: each of kb.json's phrasings asked of the index built without it (the
  leave-one-out folds of ``kb.matcher.evaluate``: fold *k* holds out the *k*-th
  phrasing of every article), as written and, with ``--noise``, in customers' ways:
  lowercase without punctuation and with typos (a letter dropped, doubled or two
  swapped), with a greeting or "please" around it, with a third of its words dropped,
  or written in Latin letters;
- **features** per (question, article): each part's score as the product computes it
  (``Index.part_scores``), and two candidates the product does not weigh: the best
  single phrasing by terms (``words``) and by sentence vectors (``sem_near``: the
  largest cosine with one of the article's phrasings or titles, each encoded alone);
- **ranker**: a conditional logit (a softmax over the articles of each question, the
  right one to come first, weights kept small by an L2 penalty), fitted by L-BFGS; its
  weights are a ``Weights`` (for the product's parts), so the product could take them
  as they are, with no training at run time.

It prints, per feature set, the learned weights and three checks: the leave-one-out
halves (trained on folds 1-4 and asked folds 5-8, then the other way: questions the
training never saw), and the development set for the weights trained on all 8 folds,
with the no-match threshold on the fused score tuned for a no-match rate of 0.80 and of
0.90. The product's weights are measured on the same questions.

    .venv/bin/python bench/kb_fusion.py                    # with the extra when installed
    .venv/bin/python bench/kb_fusion.py --mode lexical     # the matcher without it
    .venv/bin/python bench/kb_fusion.py --no-noise         # the phrasings as written only

Pure: no database, no Django. Deterministic for a ``--seed``.
"""

from __future__ import annotations

import argparse
import random
import sys
from collections.abc import Sequence
from dataclasses import dataclass, replace
from math import nan
from pathlib import Path

import numpy as np
from scipy.optimize import minimize

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from kb.matcher import semantic  # noqa: E402
from kb.matcher import terms as termlib  # noqa: E402
from kb.matcher import text as textlib  # noqa: E402
from kb.matcher.evaluate import FOLDS, dataset_load  # noqa: E402
from kb.matcher.index import BLEND, ArticleData, Index, Weights  # noqa: E402

LEXICAL = ("article", "answer", "title", "near")
SEMANTIC = ("semantic", "semantic_answer")
TEMPERATURE = 10.0  # the softmax's scale: the weights stay near the product's size
KINDS = ("typos", "padded", "dropped", "latin")
ALL_KINDS = (*KINDS, "own")


@dataclass(frozen=True)
class Asked:
    features: dict[str, np.ndarray]  # per part, one score per article
    label: int  # the right article's position, -1 out of scope
    kind: str  # "phrasing" (as written), a noise of KINDS, or "dev"


# --- customers' ways of writing ---------------------------------------------------------

# Russian letters as a customer without a Cyrillic keyboard types them
_LATIN_PAIRS = (
    "а:a б:b в:v г:g д:d е:e ё:e ж:zh з:z и:i й:y к:k л:l м:m н:n о:o п:p р:r с:s "  # noqa: RUF001
    "т:t у:u ф:f х:kh ц:ts ч:ch ш:sh щ:shch ъ: ы:y ь: э:e ю:yu я:ya"  # noqa: RUF001
)
_LATIN = dict(pair.split(":") for pair in _LATIN_PAIRS.split())
PADDING = {
    "ru": ("здравствуйте", "добрый день", "подскажите пожалуйста", "привет", "скажите"),
    "en": ("hi", "hello", "please", "hey", "could you tell me"),
}


def typed(text: str, rng: random.Random) -> str:
    """Lowercase, no punctuation, and a typo in about a quarter of the longer words."""
    kept = "".join(c for c in text.lower() if c.isalnum() or c.isspace())
    words = []
    for word in kept.split():
        if len(word) > 3 and rng.random() < 0.25:
            i = rng.randrange(len(word) - 1)
            word = rng.choice(
                (
                    word[:i] + word[i + 1 :],
                    word[:i] + word[i] + word[i:],
                    word[:i] + word[i + 1] + word[i] + word[i + 2 :],
                )
            )
        words.append(word)
    return " ".join(words)


def own_words(text: str, article: ArticleData) -> str:
    """The phrasing without the words of its article's titles and answers (compared as
    lemmas and stems): a customer who does not know the shop's words for it; empty when
    fewer than two words are left."""
    official = " ".join((*article.titles.values(), *article.answers.values()))
    taken = {termlib.term(w) for w in textlib.words(textlib.normalise(official))}
    kept = [w for w in textlib.words(textlib.normalise(text)) if termlib.term(w) not in taken]
    return " ".join(kept) if len(kept) >= 2 else ""


def noised(text: str, kind: str, rng: random.Random, article: ArticleData) -> str:
    if kind == "own":
        return own_words(text, article)
    value = typed(text, rng)
    if kind == "padded":
        pads = PADDING["en" if value.isascii() else "ru"]
        return f"{rng.choice(pads)} {value}"
    if kind == "dropped":
        words = value.split()
        kept = [w for w in words if rng.random() > 1 / 3]
        return " ".join(kept if len(kept) >= 2 else words[:2])
    if kind == "latin":
        return "".join(_LATIN.get(c, c) for c in value)
    return value


# --- features ---------------------------------------------------------------------------


def features(index: Index, text: str, docs: np.ndarray | None) -> dict[str, np.ndarray]:
    """The parts' scores for every article, and the two candidates beside them."""
    query = index.prepare(text)
    count = len(index.articles)
    parts = index.part_scores(query)
    out = {name: parts.get(name, np.zeros(count, np.float32)) for name in (*LEXICAL, "words")}
    if docs is not None:
        for name in SEMANTIC:
            out[name] = parts.get(name, np.zeros(count, np.float32))
        cosine = docs @ query.vector if query.vector is not None else np.zeros(len(docs))
        base = index.weights.semantic_base
        rescaled = np.maximum(cosine - base, 0.0) / (1.0 - base)
        out["sem_near"] = index.best_per_article(rescaled.astype(np.float32))
    return out


def folds_asked(
    articles: list[ArticleData], make, kinds: Sequence[str], seed: int
) -> list[list[Asked]]:
    """Per fold, its held-out phrasings (and their noised copies) asked of the index
    built without them."""
    rng = random.Random(seed)
    out = []
    for fold in range(FOLDS):
        kept = [
            replace(a, phrases=tuple(p for i, p in enumerate(a.phrases) if i % FOLDS != fold))
            for a in articles
        ]
        index, docs = make(kept)
        asked = []
        for position, article in enumerate(articles):
            for text in article.phrases[fold::FOLDS]:
                versions = [("phrasing", text)] + [
                    (k, noised(text, k, rng, article)) for k in kinds
                ]
                asked.extend(
                    Asked(features(index, value, docs), position, kind)
                    for kind, value in versions
                    if value
                )
        out.append(asked)
    return out


def maker(mode: str):
    """Builds an index as the product does in ``mode``, with its phrasings' sentence
    vectors (for ``sem_near``) when the semantic part is on."""
    encoder = semantic.encoder_get("auto") if mode == "blend" else None
    if mode == "blend" and encoder is None:
        raise SystemExit("--mode blend needs the semantic extra: pip install -e '.[semantic]'")

    def make(articles: list[ArticleData]) -> tuple[Index, np.ndarray | None]:
        if encoder is None:
            return Index(articles, weights=Weights()), None
        index = Index(articles, weights=BLEND, semantic=encoder)
        return index, encoder.texts(index.doc_text)

    return make


# --- the ranker -------------------------------------------------------------------------


def design(asked: Sequence[Asked], names: Sequence[str]) -> tuple[np.ndarray, np.ndarray]:
    """Questions x articles x features, and the right articles."""
    matrix = np.stack([np.stack([a.features[n] for n in names], axis=1) for a in asked])
    return matrix.astype(np.float64), np.array([a.label for a in asked])


def fit(asked: Sequence[Asked], names: Sequence[str], penalty: float) -> np.ndarray:
    """The weights that make the right article most likely under a softmax over each
    question's articles (minus ``penalty`` times their squared length)."""
    matrix, labels = design([a for a in asked if a.label >= 0], names)
    rows = np.arange(len(labels))

    def loss(weights: np.ndarray) -> tuple[float, np.ndarray]:
        scores = TEMPERATURE * (matrix @ weights)
        scores -= scores.max(axis=1, keepdims=True)
        total = np.log(np.exp(scores).sum(axis=1))
        chance = np.exp(scores - total[:, None])
        chance[rows, labels] -= 1.0
        gradient = TEMPERATURE * np.einsum("qa,qaf->f", chance, matrix) / len(labels)
        value = float((total - scores[rows, labels]).mean())
        return value + penalty * float(weights @ weights), gradient + 2 * penalty * weights

    start = np.full(len(names), 0.1)
    return minimize(loss, start, jac=True, method="L-BFGS-B").x


@dataclass(frozen=True)
class Result:
    top1: float  # with the threshold (in scope)
    rank1: float  # without it
    top3: float
    no_match: float
    threshold: float


def measure(
    asked: Sequence[Asked], names: Sequence[str], weights: np.ndarray, *, no_match: float | None
) -> Result:
    """Top-1 (with the lowest threshold on the fused score giving ``no_match`` over the
    out-of-scope questions; none when None), top-1 without it, top-3, no-match rate."""
    matrix, labels = design(asked, names)
    scores = matrix @ weights
    best = scores.max(axis=1)
    inside, outside = labels >= 0, labels < 0
    threshold = -np.inf
    if no_match is not None and outside.any():
        for candidate in np.sort(np.r_[best[outside], best[outside] + 1e-9]):
            if (best[outside] < candidate).mean() >= no_match:
                threshold = float(candidate)
                break
    order = np.argsort(-scores, axis=1, kind="stable")
    first = order[inside, 0] == labels[inside]
    top3 = (order[inside, :3] == labels[inside, None]).any(axis=1)
    return Result(
        top1=float((first & (best[inside] >= threshold)).mean()),
        rank1=float(first.mean()),
        top3=float(top3.mean()),
        no_match=float((best[outside] < threshold).mean()) if outside.any() else 0.0,
        threshold=threshold,
    )


# --- the comparison ---------------------------------------------------------------------


def product_weights(mode: str, names: Sequence[str]) -> np.ndarray:
    weights = BLEND if mode == "blend" else Weights()
    return np.array([getattr(weights, name, 0.0) for name in names])


def halves(folds: list[list[Asked]], names: Sequence[str], penalty: float, fixed=None):
    """Trained on folds 1-4 and asked 5-8, then the other way (the product's weights,
    ``fixed``, are only asked): top-1 and top-3 over the phrasings as written, and top-1
    over their noised copies, with no threshold."""
    first = [a for fold in folds[: FOLDS // 2] for a in fold]
    second = [a for fold in folds[FOLDS // 2 :] for a in fold]
    written, noisy = [], []
    for train, test in ((first, second), (second, first)):
        weights = fixed if fixed is not None else fit(train, names, penalty)
        written.append(
            measure([a for a in test if a.kind == "phrasing"], names, weights, no_match=None)
        )
        noised = [a for a in test if a.kind != "phrasing"]
        if noised:
            noisy.append(measure(noised, names, weights, no_match=None))

    def mean(results: list[Result], field: str) -> float:
        return sum(getattr(r, field) for r in results) / len(results)

    return mean(written, "rank1"), mean(written, "top3"), mean(noisy, "rank1") if noisy else nan


def row(name: str, names, weights, dev: list[Asked], held) -> str:
    at80 = measure(dev, names, weights, no_match=0.80)
    at90 = measure(dev, names, weights, no_match=0.90)
    return (
        f"| {name} | {at80.top1:.3f} | {at80.top3:.3f} | {at90.top1:.3f} | {at80.rank1:.3f} "
        f"| {held[0]:.3f} | {held[1]:.3f} | {'-' if held[2] != held[2] else f'{held[2]:.3f}'} |"
    )


def alone(folds: list[list[Asked]], dev: list[Asked], names: Sequence[str]) -> None:
    """Each feature alone, top-1 without a threshold: how often it puts the right article
    first for kb.json's held-out phrasings and for the development messages (where they
    differ, weights learned on the first do not carry over to the second)."""
    written = [a for fold in folds for a in fold if a.kind == "phrasing"]
    print("| feature alone | leave-one-out top-1 | dev top-1 |\n|---|---|---|")
    for name in names:
        held = measure(written, [name], np.ones(1), no_match=None)
        asked = measure(dev, [name], np.ones(1), no_match=None)
        print(f"| {name} | {held.rank1:.3f} | {asked.rank1:.3f} |")


def ceiling(dev: list[Asked], names: Sequence[str], penalty: float, seed: int) -> None:
    """How far *any* weighting of these features could go on the development set: the
    weights fitted on the development messages themselves (in-sample: an upper bound,
    never a product's weights), and fitted on four fifths of them and asked the fifth
    (5-fold cross-validation)."""
    fitted = fit(dev, names, penalty)
    inside = measure(dev, names, fitted, no_match=0.80)
    scope = [a for a in dev if a.label >= 0]
    order = list(range(len(scope)))
    random.Random(seed).shuffle(order)
    hits = 0.0
    for part in range(5):
        test = [scope[i] for j, i in enumerate(order) if j % 5 == part]
        train = [scope[i] for j, i in enumerate(order) if j % 5 != part]
        weights = fit(train, names, penalty)
        hits += measure(test, names, weights, no_match=None).rank1 * len(test)
    print(
        f"ceiling, {'+'.join(names)}: softmax fitted on dev itself top-1 {inside.top1:.3f} "
        f"(no-match >= 0.80), rank {inside.rank1:.3f}; 5-fold cross-validation on dev rank "
        f"{hits / len(scope):.3f}; the best of {SEARCHED:,} weightings on dev itself, rank "
        f"{searched(scope, names, seed):.3f}"
    )


SEARCHED = 20_000


def searched(scope: list[Asked], names: Sequence[str], seed: int) -> float:
    """The best top-1 (no threshold) on ``scope`` of any non-negative weighting found by
    a random search (``SEARCHED`` weightings, then 2,000 steps of a local one): the
    softmax's fit is a stand-in for top-1, this counts top-1 itself."""
    matrix, labels = design(scope, names)
    rng = np.random.default_rng(seed)
    tried = rng.exponential(1.0, (SEARCHED, len(names)))
    tried *= rng.random(tried.shape) > 0.2  # some parts off
    best, weights = -1.0, tried[0]
    for start in range(0, SEARCHED, 1_000):
        chunk = tried[start : start + 1_000]
        hits = (np.einsum("qaf,wf->wqa", matrix, chunk).argmax(axis=2) == labels).mean(axis=1)
        if hits.max() > best:
            best, weights = float(hits.max()), chunk[int(hits.argmax())]
    for _ in range(2_000):
        step = np.maximum(weights * np.exp(rng.normal(0.0, 0.3, len(names))), 0.0)
        hit = float(((matrix @ step).argmax(axis=1) == labels).mean())
        if hit >= best:
            best, weights = hit, step
    return best


def variants(mode: str) -> list[tuple[str, tuple[str, ...]]]:
    parts = LEXICAL + (SEMANTIC if mode == "blend" else ())
    out = [("the product's parts", parts), ("+ best phrasing by terms", (*parts, "words"))]
    if mode == "blend":
        out += [
            ("+ nearest phrasing by sentence vectors", (*parts, "sem_near")),
            ("+ both", (*parts, "words", "sem_near")),
        ]
    return out


def report(args: argparse.Namespace, folds: list[list[Asked]], dev: list[Asked]) -> None:
    """The table of weights (the product's, then each learned set), each feature alone,
    with ``--ceiling`` the bounds on dev, and the learned weights."""
    print(
        "| weights | dev top-1 (no-match >= 0.80) | top-3 | top-1 (no-match >= 0.90) | rank "
        "| leave-one-out halves top-1 | top-3 | noised top-1 |\n|---|---|---|---|---|---|---|---|"
    )
    parts = variants(args.mode)[0][1]
    hand = product_weights(args.mode, parts)
    print(row("the product's (hand-tuned on dev)", parts, hand, dev, halves(folds, parts, 0, hand)))
    learned = []
    for name, names in variants(args.mode):
        weights = fit([a for fold in folds for a in fold], names, args.penalty)
        held = halves(folds, names, args.penalty)
        print(row(f"learned: {name}", names, weights, dev, held))
        learned.append((name, names, weights))
    print()
    alone(folds, dev, variants(args.mode)[-1][1])
    if args.ceiling:
        print()
        for _, names in variants(args.mode):
            ceiling(dev, names, args.penalty, args.seed)
    print()
    for name, names, weights in learned:
        shown = ", ".join(f"{n}={w:.3f}" for n, w in zip(names, weights, strict=True))
        print(f"learned on all {FOLDS} folds, {name}: {shown}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("dataset", nargs="?", default=str(ROOT.parent / "shared/datasets/faq"))
    parser.add_argument(
        "--mode",
        choices=("lexical", "blend"),
        default="blend" if semantic.available() else "lexical",
        help="the matcher without the semantic extra, or with it",
    )
    parser.add_argument("--no-noise", action="store_true", help="phrasings as written only")
    parser.add_argument("--penalty", type=float, default=0.003, help="L2 on the weights")
    parser.add_argument("--seed", type=int, default=15)
    parser.add_argument(
        "--ceiling",
        action="store_true",
        help="also the weights fitted on dev itself (a bound for any weighting, never shipped)",
    )
    parser.add_argument(
        "--kinds", default=",".join(KINDS), help=f"noised copies, of {', '.join(ALL_KINDS)}"
    )
    args = parser.parse_args()
    articles, labelled = dataset_load(Path(args.dataset))
    make = maker(args.mode)
    kinds = () if args.no_noise else tuple(k for k in args.kinds.split(",") if k)
    if set(kinds) - set(ALL_KINDS):
        parser.error(f"--kinds: of {', '.join(ALL_KINDS)}")
    folds = folds_asked(articles, make, kinds, args.seed)
    index, docs = make(articles)
    keys = [a.key for a in articles]
    dev = [
        Asked(
            features(index, r["text"], docs), keys.index(r["intent"]) if r["intent"] else -1, "dev"
        )
        for r in labelled
    ]
    print(
        f"mode {args.mode}: {len(articles)} articles; trained on kb.json's phrasings"
        f" ({'as written' if args.no_noise else 'as written and ' + ', '.join(kinds)}),"
        f" penalty {args.penalty}; dev: {len(labelled)} messages (never trained on)\n"
    )
    report(args, folds, dev)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
