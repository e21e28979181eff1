"""The knowledge base's matcher at size: 1,000 generated articles (8 to 12 varied
phrasings each, answers of 2-4 sentences), then questions timed one by one:

- the matcher alone (``kb.services.matching.match``, the index in memory), and
- ``POST /api/v1/kb/match/`` through Django's whole request stack in this process
  (DRF's APIClient: middleware, token-less forced auth, the view, the serializers,
  the answer's text read from the database). No network or server in between.

    .venv/bin/python bench/kb_match.py                     # 1000 articles, 2000 questions
    .venv/bin/python bench/kb_match.py --articles 200 --questions 500

Also prints how long the index takes to build (what an article change costs each
process, once): the first build, and a rebuild after one article's edit (with the
semantic part on, only the edited texts are encoded again). The semantic part is on when
the ``semantic`` extra is installed and ``KB_SEMANTIC`` is not ``off``
(``KB_SEMANTIC=off .venv/bin/python bench/kb_match.py`` for the lexical matcher).

Uses a temporary SQLite database and the in-process cache (REDIS_URL=memory://); nothing
outside this process. The articles are made from the dataset's kb.json
(kb/fixtures/demo_kb.json) with words swapped and added, so that no two are the same;
the questions are phrasings of those articles with a typo or a padding word, and some
out-of-scope ones.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

PRODUCTS = [
    "телефон",
    "ноутбук",
    "телевизор",
    "планшет",
    "наушники",
    "пылесос",
    "холодильник",
    "чайник",
    "монитор",
    "принтер",
    "роутер",
    "колонка",
    "часы",
    "камера",
    "приставка",
    "утюг",
    "фен",
    "микроволновка",
    "плита",
    "духовка",
]
PRODUCTS_EN = [
    "phone",
    "laptop",
    "tv",
    "tablet",
    "headphones",
    "vacuum",
    "fridge",
    "kettle",
    "monitor",
    "printer",
    "router",
    "speaker",
    "watch",
    "camera",
    "console",
    "iron",
    "dryer",
    "microwave",
    "stove",
    "oven",
]
CITIES = ["москва", "казань", "самара", "омск", "тула", "пермь", "уфа", "сочи", "тверь", "курск"]
PADDING = ["здравствуйте", "подскажите", "пожалуйста", "добрый день", "hello", "please"]
OUT_OF_SCOPE = ["как приготовить борщ", "what is the capital of australia", "фывапролдж"]


def generated(count: int, seed: int = 7) -> list[dict[str, Any]]:
    base = json.loads((ROOT / "kb/fixtures/demo_kb.json").read_text(encoding="utf-8"))
    rng = random.Random(seed)
    items = []
    for i in range(count):
        source = base[i % len(base)]
        product, product_en = rng.choice(PRODUCTS), rng.choice(PRODUCTS_EN)
        city = rng.choice(CITIES)
        phrases = [
            f"{p} {product}" if rng.random() < 0.5 else f"{p} {city}" for p in source["phrases"]
        ]
        phrases += [f"{product} {rng.choice(source['phrases'])}" for _ in range(rng.randint(0, 4))]
        items.append(
            {
                "id": f"{source['id']}_{i}",
                "title_ru": f"{source['title_ru']}: {product}",
                "title_en": f"{source['title_en']}: {product_en}",
                "answer_ru": f"{source['answer_ru']} ({product}, {city})",
                "answer_en": f"{source['answer_en']} ({product_en})",
                "phrases": sorted(set(phrases)),
            }
        )
    return items


def typo(text: str, rng: random.Random) -> str:
    if len(text) < 6:
        return text
    at = rng.randrange(1, len(text) - 1)
    return text[:at] + text[at + 1 :]


def questions(items: list[dict[str, Any]], count: int, seed: int = 11) -> list[str]:
    rng = random.Random(seed)
    asked = []
    for _ in range(count):
        if rng.random() < 0.1:
            asked.append(rng.choice(OUT_OF_SCOPE))
            continue
        phrase = rng.choice(rng.choice(items)["phrases"])
        asked.append(f"{rng.choice(PADDING)} {typo(phrase, rng)}")
    return asked


def report(name: str, samples: list[float]) -> None:
    ordered = sorted(samples)
    p = lambda q: ordered[min(len(ordered) - 1, int(q * len(ordered)))]  # noqa: E731
    print(
        f"{name:<34} n={len(samples):<5} mean {statistics.fmean(samples):6.2f} ms  "
        f"p50 {p(0.50):6.2f}  p95 {p(0.95):6.2f}  p99 {p(0.99):6.2f}  max {ordered[-1]:6.2f}"
    )


def setup(folder: str) -> None:
    os.environ.update(
        DJANGO_SETTINGS_MODULE="contactcenter.settings",
        DATABASE_URL=f"sqlite:///{folder}/kb_bench.sqlite3",
        REDIS_URL="memory://",
        SECRET_KEY="kb-bench",
        DEBUG="false",
        ALLOWED_HOSTS="testserver",
    )
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)


def timed(fn: Any, inputs: list[str]) -> list[float]:
    """Wall time of each call, in ms; prints the process's CPU time per call too (on a
    shared machine, the wall time's tail is mostly waiting for a core)."""
    samples = []
    cpu = time.process_time()
    for text in inputs:
        started = time.perf_counter()
        fn(text)
        samples.append((time.perf_counter() - started) * 1000)
    print(f"  (CPU {(time.process_time() - cpu) * 1000 / max(len(inputs), 1):.2f} ms a call)")
    return samples


def rebuild(articles: Any, matching: Any) -> None:
    """One article's phrasings edited, the index rebuilt as every process does."""
    from kb.models import Article

    article = Article.objects.order_by("pk").first()
    assert article is not None
    phrases = [p.text for p in article.phrases.all()]
    encoded = matching.index_current().semantic
    before = encoded.encoded if encoded is not None else 0
    articles.article_update(article=article, data={"phrases": [*phrases, "срочно нужно, успеете?"]})
    started = time.perf_counter()
    index = matching._holder.current()
    took = time.perf_counter() - started
    fresh = (index.semantic.encoded - before) if index.semantic is not None else 0
    print(f"index rebuilt after one article's edit in {took:.2f} s ({fresh} texts encoded)")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--articles", type=int, default=1000)
    parser.add_argument("--questions", type=int, default=2000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        setup(folder)
        from django.contrib.auth import get_user_model
        from rest_framework.test import APIClient

        from kb.services import articles, matching

        items = generated(args.articles)
        articles.articles_import(items=items)
        started = time.perf_counter()
        matching.index_reset()
        index = matching._holder.current()
        build_s = time.perf_counter() - started
        print(f"articles {len(items)}, phrasings {sum(len(i['phrases']) for i in items)}")
        print(f"index built in {build_s:.2f} s ({len(index.doc_text)} documents)")
        print(f"semantic part: {'on' if index.semantic is not None else 'off'}")
        rebuild(articles, matching)
        asked = questions(items, args.questions)
        timed(matching.match, asked[:100])  # warm the caches of lemmas
        report("matcher alone (match)", timed(matching.match, asked))
        client = APIClient()
        client.force_authenticate(get_user_model().objects.create_superuser("bench", "", "x"))

        def over_api(text: str) -> None:
            response = client.post("/api/v1/kb/match/", {"text": text}, format="json")
            assert response.status_code == 200, response.content

        timed(over_api, asked[:100])
        report("POST kb/match/ (in process)", timed(over_api, asked))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
