"""How soon an article's change reaches every process: several Daphne processes of the
product on one PostgreSQL and one Redis, 1,000 generated articles (those of
``bench/kb_match.py``); an article's answer is edited through the API
(``PATCH /api/v1/kb/articles/{id}/``, on each process in turn), and each process's
``POST /api/v1/kb/match/`` is asked that article's question over and over (a client
thread per process, keep-alive) until it answers with the new text. The time from
sending the edit to each process's first new answer is one sample; p50, p95, p99 and
the maximum over all edits and processes are printed, and per process.

With the semantic extra, the edited answer's new wording is encoded too, so the same
question may now rank another article first (or none): that also shows the change has
arrived, since before the edit every process answered this article for it. Such a sample
counts from the first answer that is no longer the old one, and the bench says how many
samples arrived that way ("moved") and how many never arrived at all ("lost").

    eval "$(python3 scripts/services.py up)"       # throwaway PostgreSQL and Redis
    .venv/bin/python bench/kb_propagation.py       # 2 processes, 1,000 articles, 30 edits
    .venv/bin/python bench/kb_propagation.py --processes 3 --edits 60
    python3 scripts/services.py down

Needs ``DATABASE_URL`` (PostgreSQL; the bench migrates it and writes its articles there)
and ``REDIS_URL``; loopback only.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import random
import secrets
import socket
import statistics
import subprocess
import sys
import threading
import time
import urllib.request
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from kb_match import generated  # noqa: E402

TARGET_S = 1.0
GIVE_UP_S = 15.0
Sample = tuple[float, str]  # (seconds, how it arrived)


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def setup() -> dict[str, str]:
    database, redis = os.environ.get("DATABASE_URL", ""), os.environ.get("REDIS_URL", "")
    if not database.startswith(("postgres://", "postgresql://")) or not redis.startswith(
        "redis://"
    ):
        raise SystemExit("needs DATABASE_URL (postgres://) and REDIS_URL (redis://)")
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "contactcenter.settings",
        "SECRET_KEY": os.environ.get("SECRET_KEY") or secrets.token_urlsafe(50),
        "DEBUG": "false",
        "HTTPS": "false",
        "CHANNEL_LAYER_PREFIX": f"kbp{secrets.token_hex(3)}",
        "PYTHONUNBUFFERED": "1",
    }
    env.pop("ALLOWED_HOSTS", None)  # the default admits 127.0.0.1
    os.environ.update(env)
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    return env


class Server:
    def __init__(self, env: dict[str, str]) -> None:
        self.port = free_port()
        args = [sys.executable, "-m", "daphne", "-b", "127.0.0.1", "-p", str(self.port)]
        self.popen = subprocess.Popen(
            [*args, "contactcenter.asgi:application"],
            cwd=ROOT,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )

    def wait_up(self, timeout: float = 90) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.popen.poll() is not None:
                raise SystemExit(f"daphne on {self.port} exited ({self.popen.returncode})")
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{self.port}/healthz", timeout=2):
                    return
            except OSError:
                time.sleep(0.2)
        raise SystemExit(f"daphne on {self.port} did not come up")

    def stop(self) -> None:
        if self.popen.poll() is None:
            self.popen.terminate()
            try:
                self.popen.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.popen.kill()
                self.popen.wait(timeout=15)


class Client:
    """One keep-alive connection to one process, with the bench's token."""

    def __init__(self, port: int, token: str) -> None:
        self.connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        self.headers = {"Authorization": f"Token {token}", "Content-Type": "application/json"}

    def call(self, method: str, path: str, body: dict[str, Any]) -> dict[str, Any]:
        self.connection.request(method, path, json.dumps(body), self.headers)
        response = self.connection.getresponse()
        data = response.read()
        if response.status != 200:
            raise RuntimeError(f"{method} {path}: {response.status} {data[:300]!r}")
        return dict(json.loads(data))

    def answer(self, question: str) -> str | None:
        return self.answered(question)[1]

    def answered(self, question: str) -> tuple[int | None, str | None]:
        """(the answering article's id, its answer's text), or (None, None)."""
        found = self.call("POST", "/api/v1/kb/match/", {"text": question, "language": "ru"})
        if not found["answer"]:
            return None, None
        return int(found["answer"]["article"]), found["answer"]["text"]


# how a sample arrived: the new text itself, or another answer than the old one
NEW_TEXT, MOVED = "new text", "moved"


def watch(
    client: Client, edit: tuple[int, str, str, str], started: float, out: list[Sample]
) -> None:
    """Asks until the process no longer answers the old text: the seconds since
    ``started``, and whether it answered the new text or moved (see the module's doc)."""
    article, question, old, new = edit
    while time.perf_counter() - started < GIVE_UP_S:
        answering, text = client.answered(question)
        if answering == article and text == new:
            out.append((time.perf_counter() - started, NEW_TEXT))
            return
        if answering != article or text != old:
            out.append((time.perf_counter() - started, MOVED))
            return
        time.sleep(0.005)
    out.append((float("inf"), "lost"))


def targets(client: Client, count: int, seed: int) -> list[tuple[int, str, str]]:
    """``count`` articles, each with a Russian phrasing the matcher answers it for:
    (id, question, its answer now)."""
    from kb.models import Article

    rng = random.Random(seed)
    chosen: list[tuple[int, str, str]] = []
    pool = list(Article.objects.prefetch_related("phrases").order_by("pk"))
    rng.shuffle(pool)
    for article in pool:
        phrases = [p.text for p in article.phrases.all() if p.language == "ru"]
        if not phrases:
            continue
        question = rng.choice(phrases)
        if client.answer(question) == article.answer_ru:
            chosen.append((article.pk, question, article.answer_ru))
        if len(chosen) == count:
            break
    return chosen


def report(name: str, samples: list[float]) -> None:
    ordered = sorted(samples)
    p = lambda q: ordered[min(len(ordered) - 1, int(q * len(ordered)))]  # noqa: E731
    print(
        f"{name:<22} n={len(samples):<4} mean {statistics.fmean(ordered) * 1000:7.1f} ms  "
        f"p50 {p(0.5) * 1000:7.1f}  p95 {p(0.95) * 1000:7.1f}  p99 {p(0.99) * 1000:7.1f}  "
        f"max {ordered[-1] * 1000:7.1f}"
    )


def run(args: argparse.Namespace, servers: list[Server], token: str) -> dict[int, list[Sample]]:
    writers = [Client(s.port, token) for s in servers]
    readers = [Client(s.port, token) for s in servers]
    chosen = targets(readers[0], args.edits, args.seed)
    print(f"{len(chosen)} articles to edit, each answered for its own question")
    samples: dict[int, list[Sample]] = {i: [] for i in range(len(servers))}
    edits: list[float] = []
    for number, (article, question, answer) in enumerate(chosen):
        # a run of asterisks of its own per edit: punctuation is no term, so the edit
        # changes the text and not the ranking (the article stays the answer)
        text = f"{answer} {'*' * (number + 1)}"
        started = time.perf_counter()
        writers[number % len(writers)].call(
            "PATCH", f"/api/v1/kb/articles/{article}/", {"answers": {"ru": text}}
        )
        edits.append(time.perf_counter() - started)
        found: list[list[Sample]] = [[] for _ in readers]
        edit = (article, question, answer, text)
        threads = [
            threading.Thread(target=watch, args=(reader, edit, started, found[i]))
            for i, reader in enumerate(readers)
        ]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        for i, got in enumerate(found):
            samples[i].extend(got)
        time.sleep(args.pause)
    report("the edit (PATCH) itself", edits)
    return samples


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--processes", type=int, default=2)
    parser.add_argument("--articles", type=int, default=1000)
    parser.add_argument("--edits", type=int, default=30)
    parser.add_argument("--pause", type=float, default=0.3, help="seconds between edits")
    parser.add_argument("--seed", type=int, default=5)
    args = parser.parse_args()
    env = setup()
    from django.contrib.auth import get_user_model
    from rest_framework.authtoken.models import Token

    from kb.services import articles

    articles.articles_import(items=generated(args.articles))
    admin, _created = get_user_model().objects.get_or_create(
        username="kb-propagation-bench", defaults={"is_superuser": True, "is_staff": True}
    )
    token = Token.objects.get_or_create(user=admin)[0].key
    servers = [Server(env) for _ in range(args.processes)]
    try:
        for server in servers:
            server.wait_up()
        for server in servers:  # each builds its index once, at its first question
            started = time.perf_counter()
            Client(server.port, token).answer("сколько стоит доставка")
            print(f"process :{server.port}: first answer in {time.perf_counter() - started:.2f} s")
        samples = run(args, servers, token)
    finally:
        for server in servers:
            server.stop()
    everything = [seconds for got in samples.values() for seconds, _how in got]
    print(f"{args.processes} processes, {args.articles} articles; from sending the edit:")
    for i, got in samples.items():
        report(f"process {i + 1}", [seconds for seconds, _how in got])
    report("all processes", everything)
    hows = [how for got in samples.values() for _seconds, how in got]
    print(
        f"arrived as the new text: {hows.count(NEW_TEXT)}, as another answer (moved): "
        f"{hows.count(MOVED)}, never (lost): {hows.count('lost')}"
    )
    ordered = sorted(everything)
    met = ordered[min(len(ordered) - 1, int(0.99 * len(ordered)))] <= TARGET_S
    print(f"p99 within {TARGET_S} s: {'yes' if met else 'NO'}")
    return 0 if met else 1


if __name__ == "__main__":
    raise SystemExit(main())
