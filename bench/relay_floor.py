"""The floor: a bare relay with no Django. Client A -> websocket -> Redis PUBLISH ->
websocket -> client B, with A and B on two different server processes (as two Daphnes
would be). What the product does on the same path is compared against this.

    python bench/relay_floor.py --redis redis://127.0.0.1:6379/0 --rates 200,500,1000

Only loopback; each step is bounded in time.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import Receiver, Step, free_port, paced, padded_payload


async def serve(port: int, redis_url: str) -> None:
    import redis.asyncio as aioredis
    from websockets.asyncio.server import serve as ws_serve

    publisher = aioredis.from_url(redis_url)
    subscriber = aioredis.from_url(redis_url)
    pubsub = subscriber.pubsub()
    local: dict[str, object] = {}

    async def pump() -> None:
        while True:
            if not pubsub.subscribed:
                await asyncio.sleep(0.01)
                continue
            message = await pubsub.get_message(ignore_subscribe_messages=True, timeout=1.0)
            if message is None:
                continue
            ws = local.get(message["channel"].decode())
            if ws is not None:
                with contextlib.suppress(Exception):
                    await ws.send(message["data"].decode())  # type: ignore[attr-defined]

    async def handler(ws) -> None:  # type: ignore[no-untyped-def]
        _, _, pair, role = ws.request.path.split("/")
        channel = f"pair.{pair}"
        if role == "b":
            local[channel] = ws
            await pubsub.subscribe(channel)
            await ws.send("ready")
            await ws.wait_closed()
            local.pop(channel, None)
            return
        async for frame in ws:
            await publisher.publish(channel, frame)

    pump_task = asyncio.create_task(pump())
    async with ws_serve(handler, "127.0.0.1", port, max_size=2**16):
        print("ready", flush=True)
        await asyncio.Future()
    pump_task.cancel()


async def run_step(ports: tuple[int, int], pairs: int, rate: int, warmup: float, seconds: float):
    from websockets.asyncio.client import connect

    step = Step(rate=rate, seconds=seconds)
    receiver = Receiver(step)
    senders, readers = [], []
    for pair in range(pairs):
        b = await connect(f"ws://127.0.0.1:{ports[1]}/pair/{pair}/b")
        assert await b.recv() == "ready"
        a = await connect(f"ws://127.0.0.1:{ports[0]}/pair/{pair}/a")
        senders.append(a)
        readers.append(b)

    async def read(ws) -> None:  # type: ignore[no-untyped-def]
        async for frame in ws:
            receiver.record(frame)

    tasks = [asyncio.create_task(read(b)) for b in readers]

    async def send(pair: int, seq: int) -> None:
        await senders[pair].send(padded_payload(seq, pair))

    receiver.measuring = False
    await paced(rate, warmup, pairs, send)
    await asyncio.sleep(0.5)
    receiver.measuring = True
    step.latencies_ms.clear()
    receiver.seen.clear()
    receiver.last_seq.clear()
    step.duplicates = step.out_of_order = 0
    step.sent = await paced(rate, seconds, pairs, send)
    await asyncio.sleep(2.0)  # drain
    for ws in senders + readers:
        await ws.close()
    for t in tasks:
        t.cancel()
    return step


def start_servers(redis_url: str) -> tuple[list[subprocess.Popen], tuple[int, int]]:
    ports = (free_port(), free_port())
    procs = []
    for port in ports:
        proc = subprocess.Popen(
            [sys.executable, __file__, "serve", "--port", str(port), "--redis", redis_url],
            stdout=subprocess.PIPE,
            text=True,
        )
        assert proc.stdout is not None
        if proc.stdout.readline().strip() != "ready":
            raise RuntimeError("relay server did not start")
        procs.append(proc)
    return procs, ports


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("mode", nargs="?", default="run", choices=["run", "serve"])
    parser.add_argument("--port", type=int)
    parser.add_argument("--redis", required=True)
    parser.add_argument("--rates", default="200,500,1000")
    parser.add_argument("--pairs", type=int, default=100)
    parser.add_argument("--warmup", type=float, default=10)
    parser.add_argument("--seconds", type=float, default=60)
    args = parser.parse_args()
    if args.mode == "serve":
        asyncio.run(serve(args.port, args.redis))
        return
    for rate in [int(r) for r in args.rates.split(",")]:
        procs, ports = start_servers(args.redis)  # fresh servers per step: no backlog leaks
        try:
            step = asyncio.run(run_step(ports, args.pairs, rate, args.warmup, args.seconds))
            print(json.dumps({"floor": step.summary(), "at": time.time()}), flush=True)
        finally:
            for proc in procs:
                proc.terminate()
                proc.wait(timeout=10)


if __name__ == "__main__":
    main()
