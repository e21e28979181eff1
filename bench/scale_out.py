"""Scale-out: the messaging path with ONE Daphne process per role (visitor-facing,
operator-facing), then TWO per role, on the same PostgreSQL and Redis, each role behind
a loopback round-robin balancer (``bench/tcp_balancer.py``, started here). The knee of
each (the highest rate with p99 under ``--p99``, nothing lost or doubled, in order,
every row stored) and their ratio.

    eval "$(python3 scripts/services.py up)"
    .venv/bin/python bench/scale_out.py                                  # 3 reps
    .venv/bin/python bench/scale_out.py --reps 1 --seconds 15 --warmup 3  # quick
    .venv/bin/python bench/scale_out.py --pin-daphnes                     # a core each
    .venv/bin/python bench/scale_out.py --cpu-cap 0.3 --scale-rates \
        --rates 250,275,300,325,350,375,400,425,450                       # small cores
    python3 scripts/services.py down

Needs DATABASE_URL (PostgreSQL) and REDIS_URL, like ``bench/messaging_bench.py``, whose
preparation, step (open-loop paced visitors -> operators, latency, loss, duplicates,
order, acks, rows) and process handling it reuses; its own database is
``<name>_messaging_bench``, dropped at the end.

Besides the servers' own CPU, each step measures the balancer's, Redis's and
PostgreSQL's (every backend and background process), and the load generator's, so that
a knee is explained by who used the two cores.

Then the order check on two processes per role: every visitor holds TWO sockets, which
the balancer puts on different processes, and sends over them in turn, each message
after the previous one's ack; every dialog must be stored (ids) and shown to its
operator in the order sent.

``--cpu-cap F`` runs each Daphne in a cgroup of its own with a CPU quota of F of one
core (cgroup v1's cpu controller or v2's cpu.max; needs root): on a machine with fewer
cores than the layouts need, each Daphne then stands for a process with a core of its
own, only F as fast, and the rest of the machine (PostgreSQL, Redis, the balancer, the
load generator) has the cores the Daphnes leave. Each step also reports how often the
kernel held each Daphne back (throttled periods), which shows the cap was what bound
it. ``--scale-rates`` gives the layout of N per role the rates times N.

Loopback only; every step is bounded in time; what it starts it stops.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from collections import defaultdict
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench import messaging_bench as mb  # noqa: E402
from bench.common import collector_paused, servers_from_env  # noqa: E402

BALANCER = ROOT / "bench" / "tcp_balancer.py"


class Balancer:
    """``bench/tcp_balancer.py`` in a process of its own, one port per group."""

    def __init__(self, groups: list[list[int]], map_path: Path) -> None:
        command = [sys.executable, str(BALANCER), "--map", str(map_path)]
        for ports in groups:
            command += ["--group", ",".join(f"127.0.0.1:{p}" for p in ports)]
        self.popen = subprocess.Popen(command, stdout=subprocess.PIPE, text=True)
        assert self.popen.stdout is not None
        line = self.popen.stdout.readline().split()
        if len(line) != len(groups):
            self.stop()
            raise RuntimeError("the balancer did not start")
        self.ports = [int(p) for p in line]

    def stop(self) -> None:
        if self.popen.poll() is None:
            self.popen.terminate()
            self.popen.wait(timeout=10)


def service_pids(database_url: str, redis_url: str) -> dict[str, int]:
    """PostgreSQL's backends and background processes, and Redis's server process."""
    import psycopg
    import redis

    with psycopg.connect(mb.psycopg_url(database_url)) as conn:
        rows = conn.execute(
            "SELECT pid FROM pg_stat_activity WHERE pid <> pg_backend_pid()"
        ).fetchall()
    pids = {f"pg_{pid}": int(pid) for (pid,) in rows}
    client = redis.Redis.from_url(redis_url)
    try:
        pids["redis"] = int(client.info("server")["process_id"])
    finally:
        client.close()
    return pids


def pin(pid: int, core: int | None) -> None:
    if core is not None:
        os.sched_setaffinity(pid, {core % (os.cpu_count() or 1)})


class CpuCap:
    """A cgroup of its own for one process, with a CPU quota of ``fraction`` of one core
    over periods of ``period_us`` (short periods: a throttled process waits at most the
    rest of one). Removed by ``remove`` once the process has ended."""

    V1 = Path("/sys/fs/cgroup/cpu")
    V2 = Path("/sys/fs/cgroup")

    def __init__(self, pid: int, fraction: float, period_us: int) -> None:
        quota = max(1000, round(fraction * period_us))
        name = f"scale-out-{os.getpid()}-{pid}"
        if (self.V1 / "cpu.cfs_quota_us").exists():
            self.path = self.V1 / name
            self.path.mkdir()
            (self.path / "cpu.cfs_period_us").write_text(str(period_us))
            (self.path / "cpu.cfs_quota_us").write_text(str(quota))
        elif "cpu" in (self.V2 / "cgroup.controllers").read_text().split():
            self.path = self.V2 / name
            self.path.mkdir()
            (self.path / "cpu.max").write_text(f"{quota} {period_us}")
        else:
            raise SystemExit("--cpu-cap needs cgroup's cpu controller, writable (root)")
        (self.path / "cgroup.procs").write_text(str(pid))
        self.start = self.stat()

    def stat(self) -> dict[str, int]:
        pairs = (line.split() for line in (self.path / "cpu.stat").read_text().splitlines())
        return {k: int(v) for k, v in pairs}

    def throttled(self) -> dict[str, float]:
        """Since the cap was set: periods, the share of them the kernel held the process
        back in, and for how long in all (v1 counts ns, v2 us)."""
        now = self.stat()
        periods = now["nr_periods"] - self.start["nr_periods"]
        held = now["nr_throttled"] - self.start["nr_throttled"]
        if "throttled_time" in now:
            seconds = (now["throttled_time"] - self.start["throttled_time"]) / 1e9
        else:
            seconds = (now["throttled_usec"] - self.start["throttled_usec"]) / 1e6
        return {
            "periods": periods,
            "throttled_share": round(held / periods, 3) if periods else 0.0,
            "throttled_s": round(seconds, 2),
        }

    def remove(self) -> None:
        for _ in range(50):
            try:
                self.path.rmdir()
                return
            except FileNotFoundError:
                return
            except OSError:  # the process's last thread still leaving it
                time.sleep(0.1)


class Servers:
    """``per_role`` Daphnes for visitors and as many for operators, behind a balancer."""

    def __init__(self, env: dict[str, str], log_dir: Path, per_role: int, args: Any) -> None:
        self.daphnes: list[mb.Daphne] = []
        self.caps: list[CpuCap] = []
        self.balancer: Balancer | None = None
        try:
            for k in range(2 * per_role):
                daphne = mb.Daphne(env, log_dir, f"{'vo'[k % 2]}{k // 2}")
                self.daphnes.append(daphne)
                pin(daphne.pid, k if args.pin_daphnes else None)
                if args.cpu_cap:
                    self.caps.append(CpuCap(daphne.pid, args.cpu_cap, args.cap_period_us))
            visitors = [d.port for d in self.daphnes[0::2]]
            operators = [d.port for d in self.daphnes[1::2]]
            self.map_path = log_dir / f"balancer-{time.monotonic_ns()}.map"
            self.balancer = Balancer([visitors, operators], self.map_path)
        except Exception:
            self.stop()
            raise

    @property
    def ports(self) -> tuple[int, int]:
        assert self.balancer is not None
        return self.balancer.ports[0], self.balancer.ports[1]

    @staticmethod
    def role(k: int) -> str:
        """The k-th Daphne's name: they alternate, visitors' first."""
        return f"{'visitors' if k % 2 == 0 else 'operators'}_{k // 2}"

    def pids(self) -> dict[str, int]:
        pids = {f"daphne_{self.role(k)}": d.pid for k, d in enumerate(self.daphnes)}
        if self.balancer is not None:
            pids["balancer"] = self.balancer.popen.pid
        return pids

    def throttled(self) -> dict[str, dict[str, float]]:
        return {self.role(k): cap.throttled() for k, cap in enumerate(self.caps)}

    def stop(self) -> None:
        if self.balancer is not None:
            self.balancer.stop()
        for daphne in self.daphnes:
            daphne.stop()
        for cap in self.caps:
            cap.remove()


def shares(processes: dict[str, dict[str, float]]) -> dict[str, float]:
    """CPU % per role: Daphnes, the balancer, Redis, PostgreSQL (all its processes)."""
    out: dict[str, float] = defaultdict(float)
    for name, stats in processes.items():
        role = "postgres" if name.startswith("pg_") else name
        out[role] += stats["cpu_pct"]
    return {k: round(v, 1) for k, v in sorted(out.items())}


def per_message(summary: dict[str, Any], seconds: float) -> dict[str, float]:
    """CPU milliseconds per message sent, by kind of process: what noise from other work
    on the machine hardly changes, unlike latency."""
    sent = max(1, summary["sent"])
    kinds: dict[str, float] = defaultdict(float)
    for name, pct_ in summary["cpu_pct"].items():
        kinds["daphnes" if name.startswith("daphne") else name] += pct_
    kinds["client"] = summary["client_cpu_pct"]
    servers = kinds["daphnes"] + kinds["postgres"] + kinds["redis"]
    out = {k: round(v / 100 * seconds * 1000 / sent, 3) for k, v in sorted(kinds.items())}
    out["product_total"] = round(servers / 100 * seconds * 1000 / sent, 3)
    return out


def run_step(
    prep: mb.Prepared, env: dict[str, str], log_dir: Path, per_role: int, rate: int, args: Any
) -> dict[str, Any]:
    busy = mb.wait_for_quiet(args.quiet_below, args.quiet_wait)
    servers = Servers(env, log_dir, per_role, args)
    shown: dict[int, list[int]] = defaultdict(list)

    def hook(message: dict[str, Any]) -> None:
        shown[int(message["dialog"])].append(int(message["id"]))

    mb.ports_pids.clear()
    mb.ports_pids.update(servers.pids())
    mb.extra_pids[:] = [lambda: service_pids(env["DATABASE_URL"], env["REDIS_URL"])]
    mb.operator_frame_hooks[:] = [hook]
    throttled: dict[str, dict[str, float]] = {}
    try:
        with collector_paused():
            step, client_ids = asyncio.run(
                asyncio.wait_for(
                    mb.messaging_step(prep, servers.ports, rate, args.warmup, args.seconds),
                    timeout=args.warmup + args.seconds + 180,
                )
            )
        throttled = servers.throttled()
    finally:
        mb.operator_frame_hooks.clear()
        mb.extra_pids.clear()
        servers.stop()
    step.rows = mb.rows_with_client_ids(env["DATABASE_URL"], client_ids)
    step.busy_before_pct = busy
    unordered = sum(1 for ids in shown.values() if ids != sorted(ids))
    summary = step.summary()
    # PostgreSQL's processes in the step: a backend per connection, and ~5 of its own
    summary["postgres_processes"] = sum(1 for n in summary["processes"] if n.startswith("pg_"))
    summary["cpu_pct"] = shares(summary.pop("processes"))
    summary["cpu_ms_per_msg"] = per_message(summary, args.seconds)
    summary["dialogs_shown_out_of_id_order"] = unordered
    if throttled:  # over the whole step: warm-up, measured phase and the drain after it
        summary["cpu_cap_throttled"] = throttled
    summary["ok"] = step.ok and unordered == 0
    return summary


# --- the order check --------------------------------------------------------------------


async def order_check(
    prep: mb.Prepared, ports: tuple[int, int], visitors: int, per_visitor: int
) -> dict:
    """Each visitor: two sockets, the balancer alternating processes; messages sent over
    them in turn, each after the previous one's ack."""
    tokens = prep.visitor_tokens[:visitors]
    urls = [f"ws://127.0.0.1:{ports[0]}/ws/widget/{prep.key}/?token={t}" for t in tokens]
    twice = [u for u in urls for _ in range(2)]
    widgets = []
    for i in range(0, len(twice), 2):  # in order: the balancer's turns alternate per pair
        widgets += await mb.connect_all(twice[i : i + 2], None, "welcome")
    operators = await mb.connect_all(
        [f"ws://127.0.0.1:{ports[1]}/ws/operator/"] * len(prep.operator_tokens),
        [
            {"Authorization": f"Token {t}", "Origin": "http://127.0.0.1"}
            for t in prep.operator_tokens
        ],
        "hello",
    )
    shown: dict[int, list[tuple[int, str]]] = defaultdict(list)
    acks: dict[str, asyncio.Future[None]] = {}

    async def read_operator(ws: Any) -> None:
        async for raw in ws:
            frame = json.loads(raw)
            message = frame.get("message") or {}
            if frame.get("type") == "message.created" and message.get("sender_type") == "contact":
                shown[int(message["dialog"])].append((int(message["id"]), message["client_id"]))

    async def read_widget(ws: Any) -> None:
        async for raw in ws:
            frame = json.loads(raw)
            future = acks.get(frame.get("client_id") or "")
            if frame.get("type") == "ack" and future is not None and not future.done():
                future.set_result(None)

    readers = [asyncio.create_task(read_operator(ws)) for ws in operators]
    readers += [asyncio.create_task(read_widget(ws)) for ws in widgets]
    sent: dict[int, list[str]] = {}

    async def visitor(v: int) -> None:
        order = sent.setdefault(prep.visitor_dialogs[v], [])
        for n in range(per_visitor):
            client_id = str(uuid.uuid4())
            acks[client_id] = asyncio.get_running_loop().create_future()
            order.append(client_id)
            frame = {"type": "message", "text": f"order check {n}", "client_id": client_id}
            await widgets[2 * v + n % 2].send(json.dumps(frame))
            await asyncio.wait_for(acks[client_id], 20)

    await asyncio.gather(*(visitor(v) for v in range(len(tokens))))
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline and sum(map(len, shown.values())) < len(acks):
        await asyncio.sleep(0.1)
    for task in readers:
        task.cancel()
    await asyncio.gather(*readers, return_exceptions=True)
    await asyncio.gather(*(ws.close() for ws in widgets + operators), return_exceptions=True)
    return {"sent": sent, "shown": shown, "local_ports": [ws.local_address[1] for ws in widgets]}


def order_verdict(result: dict, map_path: Path, database_url: str) -> dict[str, Any]:
    import psycopg

    sent, shown = result["sent"], result["shown"]
    with psycopg.connect(mb.psycopg_url(database_url)) as conn:
        rows = conn.execute(
            "SELECT dialog_id, client_id FROM inbox_message WHERE dialog_id = ANY(%s) "
            "AND sender_type = 'contact' ORDER BY dialog_id, id",
            [list(sent)],
        ).fetchall()
    stored: dict[int, list[str]] = defaultdict(list)
    for dialog, client_id in rows:
        stored[dialog].append(client_id)
    backend: dict[int, int] = {}
    for line in map_path.read_text().splitlines():
        port, group, chosen = (int(x) for x in line.split())
        if group == 0:
            backend[port] = chosen
    ports = result["local_ports"]
    spread = sum(
        1
        for v in range(len(ports) // 2)
        if backend.get(ports[2 * v]) is not None
        and backend.get(ports[2 * v]) != backend.get(ports[2 * v + 1])
    )
    mine = {d: [c for c in stored[d] if c in set(ids)] for d, ids in sent.items()}
    return {
        "visitors": len(sent),
        "visitors_on_two_processes": spread,
        "messages": sum(map(len, sent.values())),
        "stored_in_send_order": sum(1 for d, ids in sent.items() if mine[d] == ids),
        "shown_in_send_order": sum(
            1 for d, ids in sent.items() if [c for _i, c in shown.get(d, [])] == ids
        ),
    }


def run_order_check(prep: mb.Prepared, env: dict[str, str], log_dir: Path, args: Any) -> dict:
    servers = Servers(env, log_dir, 2, args)
    try:
        result = asyncio.run(
            asyncio.wait_for(
                order_check(prep, servers.ports, args.order_visitors, args.order_messages), 300
            )
        )
    finally:
        servers.stop()
    verdict = order_verdict(result, servers.map_path, env["DATABASE_URL"])
    n = verdict["visitors"]
    verdict["ok"] = verdict["stored_in_send_order"] == n and verdict["shown_in_send_order"] == n
    return verdict


# --- main -------------------------------------------------------------------------------


def knee(steps: list[dict[str, Any]]) -> int:
    best = 0
    for step in sorted(steps, key=lambda s: s["rate"]):
        if not step["ok"]:
            break
        best = step["rate"]
    return best


def parse() -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawTextHelpFormatter
    )
    parser.add_argument("--rates", default="500,1000,1500,2000,2500")
    parser.add_argument("--per-role", default="1,2", help="Daphne processes per role, per run")
    parser.add_argument("--warmup", type=float, default=5)
    parser.add_argument("--seconds", type=float, default=30)
    parser.add_argument("--reps", type=int, default=3)
    parser.add_argument("--visitors", type=int, default=1000)
    parser.add_argument("--operators", type=int, default=50)
    parser.add_argument("--p99", type=float, default=mb.TARGET_P99_MS, help="the knee's bound")
    parser.add_argument("--pin-daphnes", action="store_true", help="each Daphne on a core")
    parser.add_argument("--pin-client", type=int, help="the load generator on this core")
    parser.add_argument(
        "--cpu-cap", type=float, help="each Daphne at most this share of one core (cgroup)"
    )
    parser.add_argument("--cap-period-us", type=int, default=10_000)
    parser.add_argument("--scale-rates", action="store_true", help="N per role: the rates times N")
    parser.add_argument("--order-messages", type=int, default=6, help="0 skips the check")
    parser.add_argument("--order-visitors", type=int, default=200)
    parser.add_argument("--quiet-below", type=float, default=25)
    parser.add_argument("--quiet-wait", type=float, default=30)
    parser.add_argument("--out", help="also write the results as JSON here")
    return parser.parse_args()


def main() -> None:
    args = parse()
    database_url, redis_url = servers_from_env()
    pin(0, args.pin_client)
    mb.TARGET_P99_MS = args.p99
    rates = [int(r) for r in args.rates.split(",")]
    layouts = [int(n) for n in args.per_role.split(",")]
    admin_url, bench_url, name = mb.bench_database_url(database_url)
    env = mb.product_env(bench_url, redis_url)
    log_dir = Path(tempfile.mkdtemp(prefix="scale-out-"))
    results: dict[str, Any] = {"args": vars(args), "steps": [], "knees": {}}
    mb.database_create(admin_url, name)
    try:
        prep = mb.prepare(env, args.visitors, args.operators, 0)
        print(f"# prepared; logs in {log_dir}", flush=True)
        for rep in range(args.reps):
            for per_role in layouts:
                steps = []
                for rate in [r * per_role for r in rates] if args.scale_rates else rates:
                    step = run_step(prep, env, log_dir, per_role, rate, args)
                    step.update(per_role=per_role, rep=rep)
                    steps.append(step)
                    print(json.dumps(step), flush=True)
                    if not step["ok"]:
                        break  # past the knee: higher rates only pile up
                results["steps"] += steps
                results["knees"].setdefault(per_role, []).append(knee(steps))
        if args.order_messages:
            results["order_check"] = run_order_check(prep, env, log_dir, args)
            print(json.dumps({"order_check": results["order_check"]}), flush=True)
    finally:
        from django.db import connections

        connections.close_all()
        mb.database_drop(admin_url, name)
    report(results, layouts)
    if args.out:
        Path(args.out).write_text(json.dumps(results, indent=1))


def throttled_note(step: dict[str, Any]) -> str:
    caps = step.get("cpu_cap_throttled") or {}
    shares = ", ".join(f"{role} {c['throttled_share']:.0%}" for role, c in caps.items())
    return f"; periods throttled: {shares}" if shares else ""


def report(results: dict[str, Any], layouts: list[int]) -> None:
    print("\n| per role | rate | p50 ms | p99 ms | lost | rows | ok | CPU % by process |")
    print("|---|---|---|---|---|---|---|---|")
    for step in results["steps"]:
        print(
            f"| {step['per_role']} | {step['rate']} | {step['p50_ms']} | {step['p99_ms']} "
            f"| {step['lost']} | {step['rows_of_all_sent']} | {step['ok']} "
            f"| machine {step['machine_cpu_pct']}, client {step['client_cpu_pct']}, "
            f"{json.dumps(step['cpu_pct'])}; ms/msg {json.dumps(step['cpu_ms_per_msg'])}"
            + throttled_note(step)
            + " |"
        )
    if results["args"].get("cpu_cap"):
        print(f"each Daphne capped at {results['args']['cpu_cap']:g} of a core")
    knees = {n: results["knees"].get(n, []) for n in layouts}
    print(f"knees (p99 < {mb.TARGET_P99_MS:g} ms, nothing lost, in order, every row): {knees}")
    if len(layouts) >= 2 and knees[layouts[0]] and knees[layouts[-1]]:
        one = statistics.median(knees[layouts[0]])
        many = statistics.median(knees[layouts[-1]])
        ratio = many / one if one else float("nan")
        print(f"scale-out ratio (median knee {layouts[-1]} per role / {layouts[0]}): {ratio:.2f}")
    if "order_check" in results:
        print(f"order check: {json.dumps(results['order_check'])}")


if __name__ == "__main__":
    main()
