"""The regression guard: quick runs of the hot paths' benchmarks, each judged against its
floor measured in the same run, so that a large slowdown fails CI whatever the machine's
speed that day.

    eval "$(python3 scripts/services.py up)"
    .venv/bin/python bench/guard.py                 # about six minutes
    python3 scripts/services.py down

What it runs (loopback only, each bounded in count and time, each stopping by itself):

* messaging (``bench/messaging_bench.py``): visitors' widget sockets → Daphne → PostgreSQL
  + Redis → Daphne → operators' sockets at ``--rate`` messages a second for a few
  seconds, beside the bare websocket relay (``bench/relay_floor.py``) at the same rate.
  Fails when a message is lost or duplicated, or when the p99 exceeds ``--messaging-x``
  times the relay's p99 (with ``--messaging-min-ms`` as the least bound: a floor of a
  fraction of a millisecond would make the ratio all noise), or when the two Daphnes
  spend more than ``--messaging-cpu-s`` CPU seconds per 1,000 messages.
* sockets (``bench/idle_sockets.py --quick``): 1,000 idle widget sockets on one Daphne
  process; fails above ``--sockets-kb`` KB a socket or when one does not answer ``sync``
  after the hold.
* routing (``bench/routing_bench.py``): a burst of queued sessions assigned by the
  product's dispatcher in several processes beside the same work in raw SQL. Fails when
  an operator goes over their limit, an assignment is lost, or the product reaches less
  than ``--routing-ratio`` of the floor's assignments a second.
* scale-out (``bench/scale_out.py``): the messaging path with one and with two Daphne
  processes per role behind a loopback balancer, a few seconds each at ``--scale-rate``
  messages a second a process (one per role at the rate, two at twice it: a message's
  CPU falls as a process's rate rises, its batches growing), then the order check (each
  visitor's two sockets on two processes). Fails when a message is lost, doubled,
  unstored or shown out of order in either layout, when a dialog spread over two
  processes loses its order, or when two processes per role spend more than
  ``--scale-x`` times one's CPU per message (the product's processes: the Daphnes,
  PostgreSQL, Redis): work that every process repeats for every message, or a round
  trip they all share, would show there.
* features (``bench/feature_cost.py``): the same chat plain and with a bot, the prompter
  and translation on, side by side; fails when a message is lost or when the chat with
  everything on costs more than ``--features-x`` times the plain chat's CPU per message
  (the product's processes: both Daphnes and the worker), the knowledge base's lexical
  matcher alone (``KB_SEMANTIC=off``).

The bounds are deliberately loose (the targets are in ``docs/benchmarks.md``): this
catches a path that got several times slower, not a few per cent. Exit 0 when every
check holds, 1 when one fails (each printed with its figures), 2 when it cannot run.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
# features: the chat with everything on against the plain chat, CPU per message
FEATURES_X = 2.0


@dataclass
class Check:
    name: str
    ok: bool
    detail: str


def _run(cmd: list[str], timeout: float, env: dict[str, str] | None = None) -> int:
    print("$ " + " ".join(cmd), flush=True)
    try:
        return subprocess.run(cmd, timeout=timeout, check=False, env=env).returncode
    except subprocess.TimeoutExpired:
        print(f"# timed out after {timeout:.0f} s", flush=True)
        return 124


def _bench(
    script: str, options: list[str], out: Path, env: dict[str, str] | None = None
) -> tuple[int, Any]:
    """Runs ``bench/<script>`` (bounded to five minutes); its exit code and the JSON it
    wrote to ``out`` (None when it wrote none)."""
    code = _run([sys.executable, str(HERE / script), *options], timeout=300, env=env)
    return code, json.loads(out.read_text()) if out.exists() else None


def messaging(args: argparse.Namespace, out: Path) -> list[Check]:
    code, results = _bench(
        "messaging_bench.py",
        [
            f"--rates={args.rate}",
            "--warmup=2",
            f"--seconds={args.seconds}",
            "--reps=1",
            "--visitors=300",
            "--operators=20",
            "--sockets=0",
            "--floor-pairs=50",
            "--quiet-below=100",
            "--quiet-wait=0",
            f"--out={out}",
        ],
        out,
    )
    if code != 0 or results is None:
        return [Check("messaging", False, f"the benchmark exited {code}")]
    return messaging_checks(results, args)


def messaging_checks(results: dict[str, Any], args: argparse.Namespace) -> list[Check]:
    rate = str(results["rates"][0])
    ours, floor = results["ours"][rate][0], results["floor"][rate][0]
    lost = int(ours["lost"])
    dup = int(ours["duplicates"]) + int(ours["out_of_order"])
    rows, sent_total = (int(n) for n in str(ours["rows_of_all_sent"]).split("/"))
    lost += sent_total - rows
    bound = max(args.messaging_x * float(floor["p99_ms"]), args.messaging_min_ms)
    p99 = float(ours["p99_ms"])
    return [
        Check(
            "messaging: every message stored and delivered once, in order",
            lost == 0 and dup == 0,
            f"lost or not stored {lost}, doubled or out of order {dup} at {rate}/s",
        ),
        Check(
            "messaging: p99 within bound",
            p99 <= bound,
            f"p99 {p99:.1f} ms; relay floor p99 {float(floor['p99_ms']):.2f} ms; bound "
            f"{bound:.1f} ms (x{args.messaging_x:g}, at least {args.messaging_min_ms:g} ms)",
        ),
        *_messaging_cpu_check(ours, getattr(args, "messaging_cpu_s", None)),
    ]


def _messaging_cpu_check(ours: dict[str, Any], bound: float | None) -> list[Check]:
    """The two Daphnes' CPU seconds per 1,000 messages (what another developer's work on
    the machine hardly changes, unlike the latency): a per-message cost that comes back
    (a transaction or a query per message) shows here first."""
    per_1k = [p.get("cpu_s_per_1k") for p in ours.get("processes", {}).values()]
    if bound is None or not per_1k or None in per_1k:
        return []  # results of a bench that did not report it
    total = sum(float(x) for x in per_1k)
    return [
        Check(
            "messaging: CPU per message within bound",
            total <= bound,
            f"both Daphnes {total:.3f} CPU s per 1,000 messages; bound {bound:g}",
        )
    ]


def routing(args: argparse.Namespace, out: Path) -> list[Check]:
    code, results = _bench(
        "routing_bench.py",
        [
            "--groups=5",
            "--operators=100",
            "--sessions=1000",
            "--workers=4",
            "--closes=20",
            "--repeat=1",
            "--max-seconds=30",
            f"--json={out}",
        ],
        out,
    )
    if results is None:
        return [Check("routing", False, f"the benchmark exited {code}")]
    checks = routing_checks(results, args)
    if code != 0:
        checks.append(Check("routing: limits and assignments", False, f"exit {code}"))
    return checks


def routing_checks(runs: list[dict[str, Any]], args: argparse.Namespace) -> list[Check]:
    run = runs[0]
    ours, floor = run["ours"], run["floor"]
    over = sum(int(run[k]["over_limit_operators"]) for k in run)
    ratio = float(ours["per_s"]) / max(float(floor["per_s"]), 1e-9)
    return [
        Check("routing: nobody over their limit", over == 0, f"{over} operators over"),
        Check(
            "routing: assignments a second against the floor",
            ratio >= args.routing_ratio,
            f"ours {float(ours['per_s']):.0f}/s, floor {float(floor['per_s']):.0f}/s, ratio "
            f"{ratio:.2f} (bound {args.routing_ratio:g})",
        ),
    ]


def features(args: argparse.Namespace, out: Path) -> list[Check]:
    code, results = _bench(
        "feature_cost.py",
        [
            "--rate=100",
            "--warmup=2",
            "--seconds=6",
            "--reps=1",
            "--visitors=100",
            "--quiet-below=100",
            "--quiet-wait=0",
            f"--out={out}",
        ],
        out,
        # the lexical matcher alone, as on an installation without the semantic extra:
        # the same bound wherever the guard runs
        env={**os.environ, "KB_SEMANTIC": "off"},
    )
    if code != 0 or results is None:
        return [Check("features", False, f"the benchmark exited {code}")]
    return features_checks(results, args)


def features_checks(results: dict[str, Any], args: argparse.Namespace) -> list[Check]:
    runs = results["runs"]
    lost = sum(int(r["lost"]) for r in runs)
    cpu = {r["mode"]: float(r["cpu_ms_per_msg"]["product"]) for r in runs}
    ratio = cpu.get("full", float("inf")) / max(cpu.get("plain", 0.0), 1e-9)
    return [
        Check("features: every message delivered", lost == 0, f"{lost} lost"),
        Check(
            "features: CPU per message with everything on against a plain chat",
            ratio <= args.features_x,
            f"full {cpu.get('full', float('nan')):.2f} ms, plain "
            f"{cpu.get('plain', float('nan')):.2f} ms a message: x{ratio:.2f} "
            f"(bound x{args.features_x:g})",
        ),
    ]


def scale_out(args: argparse.Namespace, out: Path) -> list[Check]:
    code, results = _bench(
        "scale_out.py",
        [
            f"--rates={args.scale_rate}",
            "--per-role=1,2",
            "--scale-rates",  # two per role at twice the rate: the same load a process
            "--warmup=2",
            f"--seconds={args.seconds}",
            "--reps=1",
            "--visitors=300",
            "--operators=20",
            "--p99=1000",  # the latency is the messaging check's; this one is about order
            "--order-visitors=50",
            "--order-messages=4",
            "--quiet-below=100",
            "--quiet-wait=0",
            f"--out={out}",
        ],
        out,
    )
    if code != 0 or results is None:
        return [Check("scale-out", False, f"the benchmark exited {code}")]
    return scale_out_checks(results, args)


def scale_out_checks(results: dict[str, Any], args: argparse.Namespace) -> list[Check]:
    steps = {int(s["per_role"]): s for s in results["steps"]}
    wrong = []
    for per_role, step in sorted(steps.items()):
        rows, sent_total = (int(n) for n in str(step["rows_of_all_sent"]).split("/"))
        bad = (
            int(step["lost"])
            + int(step["duplicates"])
            + int(step["out_of_order"])
            + int(step["dialogs_shown_out_of_id_order"])
            + sent_total
            - rows
        )
        if bad:
            wrong.append(f"{per_role} per role: {bad}")
    order = results.get("order_check") or {}
    cpu = {n: float(s["cpu_ms_per_msg"]["product_total"]) for n, s in steps.items()}
    ratio = cpu.get(2, float("inf")) / max(cpu.get(1, 0.0), 1e-9)
    return [
        Check(
            "scale-out: every message stored and delivered once, in order, on 1 and 2 per role",
            sorted(steps) == [1, 2] and not wrong,
            "; ".join(wrong) or f"layouts run: {sorted(steps)}",
        ),
        Check(
            "scale-out: a visitor's sockets on two processes keep its dialog's order",
            bool(order.get("ok"))
            and order.get("visitors_on_two_processes") == order.get("visitors"),
            json.dumps(order) if order else "no order check ran",
        ),
        Check(
            "scale-out: CPU per message on two processes per role against one",
            ratio <= args.scale_x,
            f"two {cpu.get(2, float('nan')):.2f} ms, one {cpu.get(1, float('nan')):.2f} ms "
            f"a message: x{ratio:.2f} (bound x{args.scale_x:g})",
        ),
    ]


def sockets(args: argparse.Namespace, out: Path) -> list[Check]:
    code, results = _bench(
        "idle_sockets.py", ["--quick", f"--bound={args.sockets_kb}", f"--out={out}"], out
    )
    if results is None:
        return [Check("sockets", False, f"the benchmark exited {code}")]
    return sockets_checks(results, args)


def sockets_checks(results: list[dict[str, Any]], args: argparse.Namespace) -> list[Check]:
    step = results[0]
    answered = int(step["answered_sync"])
    count = int(step["sockets"])
    kb = float(step["kb_per_socket"])
    return [
        Check(
            "sockets: every idle socket answers after the hold",
            answered == count == int(step["still_open_after_hold"]),
            f"{answered} of {count} answered sync",
        ),
        Check(
            "sockets: memory a socket",
            kb <= args.sockets_kb,
            f"{kb:.1f} KB a socket (bound {args.sockets_kb:g} KB)",
        ),
    ]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rate", type=int, default=500, help="messages a second")
    parser.add_argument("--seconds", type=float, default=5)
    parser.add_argument("--messaging-x", type=float, default=40.0)
    parser.add_argument("--messaging-min-ms", type=float, default=40.0)
    # 2026-12-02: about 0.5-0.6 s (both Daphnes) at 500/s on a busy 2-core machine
    parser.add_argument("--messaging-cpu-s", type=float, default=2.0, help="per 1,000 msgs")
    parser.add_argument("--routing-ratio", type=float, default=0.5)
    parser.add_argument("--sockets-kb", type=float, default=45.0)
    parser.add_argument("--features-x", type=float, default=FEATURES_X)
    parser.add_argument("--scale-rate", type=int, default=250, help="a second, a process")
    parser.add_argument("--scale-x", type=float, default=1.5)
    parser.add_argument(
        "--only", choices=("messaging", "routing", "sockets", "scale-out", "features")
    )
    args = parser.parse_args(argv)
    if not os.environ.get("DATABASE_URL", "").startswith(("postgres://", "postgresql://")):
        print('DATABASE_URL must point at PostgreSQL: eval "$(python3 scripts/services.py up)"')
        return 2
    checks: list[Check] = []
    with tempfile.TemporaryDirectory(prefix="bench-guard-") as tmp:
        if args.only in (None, "messaging"):
            checks += messaging(args, Path(tmp) / "messaging.json")
        if args.only in (None, "routing"):
            checks += routing(args, Path(tmp) / "routing.json")
        if args.only in (None, "sockets"):
            checks += sockets(args, Path(tmp) / "sockets.json")
        if args.only in (None, "scale-out"):
            checks += scale_out(args, Path(tmp) / "scale-out.json")
        if args.only in (None, "features"):
            checks += features(args, Path(tmp) / "features.json")
    print("\n## guard")
    for check in checks:
        print(f"{'ok    ' if check.ok else 'FAILED'} {check.name}: {check.detail}")
    failed = [c for c in checks if not c.ok]
    print(f"# {len(checks) - len(failed)} of {len(checks)} checks hold")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
