"""Does the prompter learn? A replay of customer messages with simulated operator
feedback, on a split of the FAQ dataset's labelled messages (fixed seed): half of them
stream past the prompter, the operator accepting the right article when it is among
the suggestions and rejecting the wrong ones shown above it (every one shown, for an
out-of-scope message); the other half is held back, never fed. accept@1, accept@3 and
MRR of the suggestions are printed before and after the replay on two sets: the
held-back messages (questions never seen), and the replayed messages asked again a
little differently (``again_*``: a letter dropped from a longer word and a greeting
added, seeded), which is what customers mostly do. Exits 1 unless learning raised
accept@1 and MRR on both.

    .venv/bin/python bench/prompter_learning.py                  # ../shared/datasets/faq/
    .venv/bin/python bench/prompter_learning.py --learn-after 2 --passes 2

The prompter's rules, as the product runs them: the matcher's index (``kb.matcher``,
learned phrasings scored one by one), its adjuster (``kb.prompter.learning``: close
phrasings' corrections and rejects move an article's score, and the words a correction
taught raise its article for new questions), the no-match threshold,
three suggestions at most; an accepted phrasing becomes a learned phrasing of the
article after ``--learn-after`` accepts (default 1: the admin approves the review list;
the product's setting defaults to 2) unless the matcher already ranks the article first
for it, and is patched into the index (``kb.matcher.patch``). ``--passes`` replays the
feedback half that many times. Pure: no database, no Django; deterministic.
"""

from __future__ import annotations

import argparse
import random
import sys
from collections import defaultdict
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from kb.matcher import text as textlib  # noqa: E402
from kb.matcher.evaluate import dataset_load  # noqa: E402
from kb.matcher.index import ArticleData, Index  # noqa: E402
from kb.matcher.patch import index_patched  # noqa: E402
from kb.prompter import learning  # noqa: E402

LIMIT, CANDIDATES = 3, 10
PADDING_RU = ["здравствуйте", "подскажите", "добрый день", "скажите пожалуйста"]
PADDING_EN = ["hello", "hi", "please", "good morning"]


@dataclass
class Prompter:
    """The product's prompter on an in-memory knowledge base."""

    articles: list[ArticleData]
    learn_after: int
    # (article, phrasing) -> [accepts, corrections, rejects]
    pairs: dict[tuple[int, str], list[int]] = field(default_factory=dict)
    learned: dict[int, list[str]] = field(default_factory=lambda: defaultdict(list))
    index: Index | None = None

    def __post_init__(self) -> None:
        self.rebuild()

    def rebuild(self) -> None:
        self.index = Index(
            [replace(a, learned=tuple(self.learned.get(a.id, ()))) for a in self.articles]
        )

    def learn(self, article: int, text: str) -> None:
        """As the product does: a learned phrasing, patched into the index."""
        assert self.index is not None
        self.learned[article].append(" ".join(text.split()))
        held = self.index.by_id[article]
        changed = replace(held, learned=tuple(self.learned[article]))
        self.index = index_patched(self.index, changed=[changed])

    def suggest(self, text: str) -> list[str]:
        """The keys of the (up to three) suggestions, best first; none below threshold."""
        assert self.index is not None
        index = self.index
        ranked = index.rank(index.prepare(text), limit=CANDIDATES)
        scored = [(index.articles[c.article].id, c.score) for c in ranked]
        ids = {a for a, _ in scored}
        pairs = [
            learning.Pair(article=a, phrasing=p, corrections=n[1], rejects=n[2], accepts=n[0])
            for (a, p), n in self.pairs.items()
            if a in ids
        ]
        vocabulary = learning.vocabulary_of(index)
        deltas = learning.adjustments(textlib.normalise(text), pairs, vocabulary)
        moved = learning.rerank(scored, deltas, limit=LIMIT)
        if not moved or moved[0][1] < index.weights.threshold:
            return []
        return [self.articles[a].key for a, _ in moved]

    def feedback(self, text: str, key: str, outcome: str, rank: int) -> None:
        article = next(a.id for a in self.articles if a.key == key)
        counts = self.pairs.setdefault((article, learning.normalise(text)), [0, 0, 0])
        if outcome == "rejected":
            counts[2] += 1
            return
        counts[0] += 1
        counts[1] += rank > 1
        if counts[0] == self.learn_after and not self.ranked_first(text, article):
            self.learn(article, text)

    def ranked_first(self, text: str, article: int) -> bool:
        assert self.index is not None
        ranked = self.index.rank(self.index.prepare(text), limit=1)
        return bool(ranked) and self.index.articles[ranked[0].article].id == article


def figures(prompter: Prompter, rows: list[dict[str, Any]]) -> dict[str, float]:
    """accept@1, accept@3, MRR over the in-scope rows (the right article accepted
    wherever it is shown), and the share of out-of-scope rows with no suggestion."""
    at1 = at3 = rr = 0.0
    inside = [r for r in rows if r["intent"]]
    outside = [r for r in rows if not r["intent"]]
    for row in inside:
        shown = prompter.suggest(row["text"])
        if row["intent"] in shown:
            rank = shown.index(row["intent"]) + 1
            at1 += rank == 1
            at3 += 1
            rr += 1 / rank
    quiet = sum(1 for r in outside if not prompter.suggest(r["text"]))
    n = max(1, len(inside))
    return {
        "accept_at_1": at1 / n,
        "accept_at_3": at3 / n,
        "mrr": rr / n,
        "no_suggestion_out_of_scope": quiet / max(1, len(outside)),
    }


def reasked(rows: list[dict[str, Any]], seed: int) -> list[dict[str, Any]]:
    """Each replayed message asked again a little differently, as customers do: a
    letter dropped from one longer word and a greeting or "please" added (seeded)."""
    rng = random.Random(seed)
    again = []
    for row in rows:
        words = row["text"].split()
        long = [i for i, w in enumerate(words) if len(w) >= 6]
        if long:
            i = rng.choice(long)
            at = rng.randrange(1, len(words[i]) - 1)
            words[i] = words[i][:at] + words[i][at + 1 :]
        padding = rng.choice(
            PADDING_RU if textlib.script_language(row["text"]) == "ru" else PADDING_EN
        )
        again.append({**row, "text": f"{padding} {' '.join(words)}"})
    return again


def replay(prompter: Prompter, rows: list[dict[str, Any]]) -> dict[str, int]:
    done = {"accepted": 0, "rejected": 0}
    for row in rows:
        shown = prompter.suggest(row["text"])
        right = row["intent"]
        for rank, key in enumerate(shown, start=1):
            if key == right:
                prompter.feedback(row["text"], key, "accepted", rank)
                done["accepted"] += 1
                break
            prompter.feedback(row["text"], key, "rejected", rank)
            done["rejected"] += 1
    return done


def one_split(
    articles: list[ArticleData], labelled: list[dict[str, Any]], args: argparse.Namespace, seed: int
) -> tuple[dict[str, float], dict[str, float], dict[str, int]]:
    rows = list(labelled)
    random.Random(seed).shuffle(rows)
    stream, held = rows[: len(rows) // 2], rows[len(rows) // 2 :]
    prompter = Prompter(articles, learn_after=args.learn_after)
    again = reasked(stream, seed)
    before = figures(prompter, held)
    before.update({f"again_{k}": v for k, v in figures(prompter, again).items()})
    done = {"accepted": 0, "rejected": 0}
    for _ in range(args.passes):
        for name, count in replay(prompter, stream).items():
            done[name] += count
    done["learned"] = sum(len(v) for v in prompter.learned.values())
    after = figures(prompter, held)
    after.update({f"again_{k}": v for k, v in figures(prompter, again).items()})
    return before, after, done


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("dataset", nargs="?", default=str(ROOT.parent / "shared/datasets/faq"))
    parser.add_argument("--seeds", type=int, default=20, help="splits: seeds 1..N")
    parser.add_argument(
        "--learn-after",
        type=int,
        default=1,
        help="accepts before a phrasing is learned (1: the admin approves the review list)",
    )
    parser.add_argument("--passes", type=int, default=1)
    args = parser.parse_args()
    articles, labelled = dataset_load(Path(args.dataset))
    totals: dict[str, list[float]] = defaultdict(lambda: [0.0, 0.0])
    moved = {"up": 0, "same": 0, "down": 0}
    work = {"accepted": 0, "rejected": 0, "learned": 0}
    for seed in range(1, args.seeds + 1):
        before, after, done = one_split(articles, labelled, args, seed)
        for name in before:
            totals[name][0] += before[name] / args.seeds
            totals[name][1] += after[name] / args.seeds
        for name in work:
            work[name] += done[name]
        change = (after["accept_at_1"] - before["accept_at_1"], after["mrr"] - before["mrr"])
        moved[
            "up" if min(change) >= 0 and max(change) > 0 else "down" if min(change) < 0 else "same"
        ] += 1
    print(
        f"{args.seeds} splits (seeds 1..{args.seeds}) of {len(labelled)} messages, half replayed "
        f"({len(labelled) // 2}) x{args.passes} with feedback, half held back "
        f"({len(labelled) - len(labelled) // 2}); learn after {args.learn_after} "
        f"accepts. Per split on average: {work['accepted'] / args.seeds:.1f} accepts, "
        f"{work['rejected'] / args.seeds:.1f} rejects, {work['learned'] / args.seeds:.1f} "
        "phrasings learned"
    )
    print("again_*: the replayed messages asked again (a letter dropped, a greeting added)")
    print("| figure (held-back messages, mean over the splits) | before | after |")
    print("|---|---|---|")
    for name, (was, now) in totals.items():
        print(f"| {name} | {was:.4f} | {now:.4f} |")
    print(
        f"splits where held-back accept@1 and MRR rose: {moved['up']}, fell: {moved['down']}, "
        f"same: {moved['same']}"
    )
    rose = all(totals[f"again_{n}"][1] > totals[f"again_{n}"][0] for n in ("accept_at_1", "mrr"))
    unseen = all(totals[n][1] > totals[n][0] for n in ("accept_at_1", "mrr"))
    gained = rose and unseen
    print(
        "learning raised accept@1 and MRR on the held-back (unseen) questions and on the "
        "questions asked again"
        if gained
        else "NO GAIN on the held-back questions or on the questions asked again"
    )
    return 0 if gained else 1


if __name__ == "__main__":
    sys.exit(main())
