"""The prompter's worker batch alone: CPU seconds per 1,000 prompted customer messages,
and how they split between its parts.

    python3 /tmp/withsvc_noeager.py .venv/bin/python bench/prompter_batch.py
    KB_SEMANTIC=off ... bench/prompter_batch.py --messages 2000 --batch 40
    ... bench/prompter_batch.py --kb none            # an empty knowledge base (plain chat)

Needs DATABASE_URL (PostgreSQL) and REDIS_URL: the database is migrated in place (use a
throwaway one), the FAQ dataset's ``kb.json`` imported, ``--sessions`` sessions with an
operator opened, and ``--messages`` customer messages stored (200 characters around a
question of ``dev.jsonl``, as ``feature_cost.py`` sends them) without their listeners.
Then the worker's task (``kb.prompter.tasks.prompter_batch``) runs in this process on
batches of ``--batch`` of them, as a worker receives them from the web processes:

- **CPU** of the whole pass, per 1,000 messages (``time.process_time``, no profiler);
- **parts**: a second pass over fresh messages under cProfile (timing CPU, not waits),
  each part's share of the profiled time (cProfile slows Python code more than C code,
  so the shares are a guide; the CPU figure is the one to compare): the question's
  sentence encoding, the
  lexical index (normalising, mending, terms, ranking), the phrasing feedback's read
  and reranking, storing the prompts and suggestions, sending the frames, and the rest
  (reading the messages, the task's own work).

No feedback exists unless ``--feedback`` pairs are made first (accepts of random
questions' first suggestions, through the feedback service). Stops by itself.
"""

from __future__ import annotations

import argparse
import cProfile
import json
import os
import pstats
import random
import statistics
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

DATASET = ROOT.parent / "shared" / "datasets" / "faq"

# (part, functions whose cumulative time it is: file's tail, function name)
PARTS: list[tuple[str, list[tuple[str, str]]]] = [
    ("encode", [("matcher/semantic.py", "query"), ("matcher/semantic.py", "queries")]),
    (
        "lexical",
        [
            ("matcher/index.py", "prepare"),
            ("matcher/index.py", "prepare_many"),
            ("matcher/index.py", "rank"),
        ],
    ),
    (
        "feedback",
        [
            ("prompter/services.py", "feedback_adjust"),
            ("prompter/services.py", "feedback_adjust_many"),
        ],
    ),
    (
        "store",
        [
            ("prompter/services.py", "_prompt_store"),
            ("prompter/services.py", "_prompts_store"),
            ("prompter/batch_sql.py", "prompts_store"),
        ],
    ),
    (
        "frames",
        [
            ("contactcenter/realtime.py", "_send_each"),
            ("contactcenter/realtime.py", "send_batch_now"),
        ],
    ),
]


def setup() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "contactcenter.settings")
    os.environ.setdefault("SECRET_KEY", "prompter-bench")
    os.environ.setdefault("ALLOWED_HOSTS", "testserver")
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)


def texts(count: int, seed: int) -> list[str]:
    lines = (DATASET / "dev.jsonl").read_text(encoding="utf-8").splitlines()
    questions = [json.loads(line)["text"] for line in lines if line.strip()]
    rng = random.Random(seed)
    out = []
    for n in range(count):
        question = rng.choice(questions)
        out.append(f"{question} {n} {question} {rng.choice(questions)}"[:200])
    return out


def sessions_open(count: int) -> list[Any]:
    from tests import factories

    group = factories.GroupFactory()
    channel = factories.ChannelFactory(default_group=group)
    out = []
    for _ in range(count):
        operator = factories.OperatorFactory(status="online")
        factories.MembershipFactory(group=group, operator=operator)
        dialog = factories.DialogFactory(channel=channel)
        out.append(
            factories.SessionFactory(dialog=dialog, group=group, status="active", operator=operator)
        )
    return out


def messages_store(sessions: list[Any], bodies: list[str]) -> list[int]:
    from inbox.models import Message, SenderType

    rows = [
        Message(
            session=sessions[n % len(sessions)],
            dialog_id=sessions[n % len(sessions)].dialog_id,
            sender_type=SenderType.CONTACT,
            text=body,
        )
        for n, body in enumerate(bodies)
    ]
    return [m.pk for m in Message.objects.bulk_create(rows)]


def feedback_make(count: int, sessions: list[Any]) -> None:
    from kb.prompter import services
    from kb.prompter.models import Suggestion

    ids = messages_store(sessions, texts(count, seed=99))
    services.messages_prompt(message_ids=ids)
    for suggestion in Suggestion.objects.filter(message_id__in=ids, rank=1):
        services.suggestion_feedback(suggestion_id=suggestion.pk, outcome="accepted")


def run(ids: list[int], batch: int) -> None:
    from kb.prompter.tasks import prompter_batch

    for start in range(0, len(ids), batch):
        prompter_batch([["message", i] for i in ids[start : start + batch]])


def parts_of(stats: pstats.Stats) -> dict[str, float]:
    raw: dict[tuple[str, int, str], Any] = stats.stats  # type: ignore[attr-defined]
    total = max(v[3] for v in raw.values())  # the outermost call's cumulative time
    found: dict[str, float] = {}
    for part, functions in PARTS:
        found[part] = sum(
            value[3]
            for (file, _line, name), value in raw.items()
            if any(file.endswith(tail) and name == fn for tail, fn in functions)
        )
    # the lexical functions include the encoding (``prepare`` encodes the question)
    found["lexical"] = max(0.0, found["lexical"] - found["encode"])
    found["rest"] = max(0.0, total - sum(found.values()))
    return {part: seconds / total for part, seconds in found.items()}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--messages", type=int, default=2000, help="per pass")
    parser.add_argument("--batch", type=int, default=40, help="messages per task")
    parser.add_argument("--sessions", type=int, default=20)
    parser.add_argument("--reps", type=int, default=3, help="timed passes")
    parser.add_argument("--feedback", type=int, default=0, help="feedback pairs made first")
    parser.add_argument("--kb", default=str(DATASET / "kb.json"), help='"none": empty')
    parser.add_argument("--top", type=int, default=0, help="also print the profile's top N")
    args = parser.parse_args()
    setup()
    from django.conf import settings

    from kb.services import articles, matching

    if args.kb != "none":  # none: an empty knowledge base, as in a plain chat
        articles.articles_import(items=json.loads(Path(args.kb).read_text(encoding="utf-8")))
    sessions = sessions_open(args.sessions)
    matching.match("доставка")  # the index and the encoder loaded before timing
    if args.feedback:
        feedback_make(args.feedback, sessions)
    run(messages_store(sessions, texts(200, seed=1)), args.batch)  # warm-up

    per_thousand = []
    for rep in range(args.reps):
        ids = messages_store(sessions, texts(args.messages, seed=10 + rep))
        started = time.process_time()
        run(ids, args.batch)
        per_thousand.append((time.process_time() - started) * 1000 / len(ids))
    profile = cProfile.Profile(time.process_time)  # CPU, not waits for PostgreSQL
    ids = messages_store(sessions, texts(args.messages, seed=5))
    profile.enable()
    run(ids, args.batch)
    profile.disable()
    shares = parts_of(pstats.Stats(profile))
    if args.top:
        pstats.Stats(profile).sort_stats("cumulative").print_stats(args.top)

    semantic = getattr(settings, "KB_SEMANTIC", "auto")
    print(f"KB_SEMANTIC={semantic} batch={args.batch} messages={args.messages}/pass")
    median, low, high = statistics.median(per_thousand), min(per_thousand), max(per_thousand)
    print(
        f"CPU s per 1,000 prompted messages: median {median:.3f} [{low:.3f}-{high:.3f}]"
        f" of {args.reps} passes"
    )
    print("parts (profiled): " + ", ".join(f"{k} {v:.0%}" for k, v in shares.items()))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
