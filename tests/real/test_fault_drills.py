"""Fault drills: during a live chat between a visitor and an operator, Redis is killed for
10 s, a Daphne process is killed, and PostgreSQL is restarted with ``-m immediate``.

The drill owns every server it breaks: its own PostgreSQL and Redis (``scripts/services.py``),
two Daphne processes, a Celery worker and beat, all on loopback, all stopped at the end.
The two clients behave as the contract asks of real ones: they resend what was not
acknowledged (same ``client_id``), reconnect, and catch up on ``welcome``/``hello`` and on
``resync`` (the visitor with ``sync``, the operator over REST).

Asserted: every message stored exactly once, every acknowledged message stored, every
message delivered to the other side (live or by automatic catch-up), the worker and beat
alive afterwards, and delivery within 2 s of Redis coming back. The figures are printed
(``DRILL {...}``) and written to ``artifacts/drills/fault_drills.json``; see
``docs/reliability.md``.
"""

from __future__ import annotations

import asyncio
import contextlib
import importlib.util
import json
import os
import secrets
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
import websockets

from tests.real.support import ROOT, Process, free_port

pytestmark = [pytest.mark.real]

# Each side: 3 messages a second, resends included well under the sockets' rate limits
# (the widget allows 5 events a second).
SEND_EVERY_S = 0.33
RESEND_AFTER_S = 3.0  # an unacknowledged message is sent again (same client_id)
RESEND_UNAVAILABLE_S = 1.0  # after an ``unavailable`` error frame, as the clients do
REDIS_DOWN_S = 10.0
RECOVERY_LIMIT_S = 2.0  # every message of the Redis outage delivered within this of its return
STEADY_S = 3.0
SETTLE_LIMIT_S = 20.0

SETUP = """
from django.contrib.auth import get_user_model
from rest_framework.authtoken.models import Token
from crm.models import ChannelType
from inbox.models import Channel
from routing.models import Group, GroupMembership, Operator
user = get_user_model().objects.create_user("drill-operator", password="drill-9x-passphrase")
operator = Operator.objects.create(user=user, display_name="Drill", status="online")
group = Group.objects.create(name="Drill")
GroupMembership.objects.create(group=group, operator=operator, position=0)
channel = Channel.objects.create(type=ChannelType.WIDGET, name="Drill", default_group=group)
print("DRILL", channel.key, Token.objects.create(user=user).key)
"""
# Tasks queued just before Redis dies, so that the worker holds unacknowledged ones when it
# goes (acks_late): the case that used to end the worker for good.
FLOOD = """
from contactcenter.celery import app
with app.producer_or_acquire() as producer:
    for _ in range(3000):
        app.send_task("contactcenter.ping", producer=producer)
"""


def _services_module() -> Any:
    spec = importlib.util.spec_from_file_location("cc_services", ROOT / "scripts" / "services.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


services_module = _services_module()
if not services_module._postgres_bindirs():
    pytestmark.append(pytest.mark.skip(reason="needs PostgreSQL's binaries (Debian's package)"))


# --- the servers -----------------------------------------------------------------------------


@dataclass
class Product:
    services: Any
    env: dict[str, str]
    webs: dict[str, tuple[Process, int]] = field(default_factory=dict)
    killed: list[Process] = field(default_factory=list)
    worker: Process | None = None
    beat: Process | None = None

    def url(self, name: str) -> str:
        return f"127.0.0.1:{self.webs[name][1]}"

    def start_web(self, name: str) -> None:
        port = free_port()
        server = Process(
            [sys.executable, "-m", "daphne", "-b", "127.0.0.1", "-p", str(port),
             "contactcenter.asgi:application"],
            env=self.env,
        )  # fmt: skip
        self.webs[name] = (server, port)
        deadline = time.monotonic() + 60
        while _http("GET", f"http://127.0.0.1:{port}/healthz")[0] != 200:
            assert server.popen.poll() is None and time.monotonic() < deadline, server.output()
            time.sleep(0.2)

    def kill_web(self, name: str) -> None:
        server, _ = self.webs.pop(name)
        self.killed.append(server)
        server.popen.send_signal(signal.SIGKILL)
        server.popen.wait(timeout=10)
        server.stop()

    def problems(self) -> str:
        """The warnings and errors the product processes logged, for a failure message."""
        named = (
            [(n, s) for n, (s, _) in self.webs.items()]
            + [("killed", s) for s in self.killed]
            + [("worker", self.worker), ("beat", self.beat)]
        )
        return "\n".join(
            f"{name}: {line}"
            for name, process in named
            if process is not None
            for line in process.matching(r"WARNING|ERROR|CRITICAL|Error|Traceback")[-40:]
        )

    def save_logs(self, directory: Path) -> None:
        named = (
            [(f"web-{n}", s) for n, (s, _) in self.webs.items()]
            + [(f"web-killed-{i}", s) for i, s in enumerate(self.killed)]
            + [("worker", self.worker), ("beat", self.beat)]
        )
        for name, process in named:
            if process is not None:
                (directory / f"{name}.log").write_text("\n".join(process.lines))

    def stop(self) -> None:
        for process in [*(s for s, _ in self.webs.values()), self.worker, self.beat]:
            if process is not None:
                process.stop()


def _manage(env: dict[str, str], *args: str) -> str:
    done = subprocess.run(
        [sys.executable, "manage.py", *args], cwd=ROOT, env=env, capture_output=True,
        text=True, timeout=300, check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stdout + done.stderr
    return done.stdout


@pytest.fixture(scope="module")
def product() -> Iterator[Product]:
    services = services_module.Services(durable_commits=True).start()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTEST_", "COV_"))}
    for name in ("ALLOWED_HOSTS", "CELERY_TASK_ALWAYS_EAGER"):
        env.pop(name, None)
    env.update(
        services.env(),
        SECRET_KEY=secrets.token_urlsafe(64),
        HTTPS="false",
        DEBUG="false",
        DJANGO_SETTINGS_MODULE="contactcenter.settings",
        PYTHONUNBUFFERED="1",
        CHANNEL_LAYER_PREFIX=f"drill{secrets.token_hex(3)}",
        CONN_MAX_AGE="60",
    )
    drill = Product(services=services, env=env)
    try:
        _manage(env, "migrate", "--verbosity", "0")
        celery = [sys.executable, "-m", "celery", "-A", "contactcenter"]
        # The worker as production runs it by default (prefork, gossip and mingle on).
        drill.worker = Process([*celery, "worker", "--concurrency", "2", "-l", "INFO"], env=env)
        drill.beat = Process(
            [*celery, "beat", "-l", "INFO", "--scheduler",
             "django_celery_beat.schedulers:DatabaseScheduler"],
            env=env,
        )  # fmt: skip
        drill.start_web("a")
        drill.start_web("b")
        drill.worker.wait_for(r"\bready\.", timeout=90)
        yield drill
    finally:
        drill.stop()
        services.stop()


def _http(
    method: str, url: str, body: Any = None, token: str | None = None, timeout: float = 5
) -> tuple[int, Any]:
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(url, data=data, method=method)
    request.add_header("Content-Type", "application/json")
    if token:
        request.add_header("Authorization", f"Token {token}")
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            return response.status, json.loads(response.read() or b"null")
    except urllib.error.HTTPError as error:
        return error.code, None
    except OSError:
        return 0, None


# --- the two clients -------------------------------------------------------------------------


@dataclass
class Peer:
    """One side of the chat, behaving as the contract asks of a client."""

    name: str
    prefix: str  # of its client_ids
    other: str  # the other side's prefix
    product: Product
    webs: list[str]  # the Daphne processes it may use, first choice first
    sent: dict[str, float] = field(default_factory=dict)
    last_try: dict[str, float] = field(default_factory=dict)
    acked: dict[str, int] = field(default_factory=dict)
    acked_at: dict[str, float] = field(default_factory=dict)
    got: dict[str, tuple[float, str]] = field(default_factory=dict)  # cid: (when, how)
    last_id: int = 0
    reconnects: int = 0
    resyncs: int = 0
    closes: list[str] = field(default_factory=list)
    welcomed: list[float] = field(default_factory=list)  # when welcome/hello came
    unavailable: int = 0
    ws: Any = None
    ready: bool = False
    catch_up_until: float = 0.0

    async def run(self, stop: asyncio.Event) -> None:
        first = True
        while not stop.is_set():
            name = next((n for n in self.webs if n in self.product.webs), None)
            if name is None:
                await asyncio.sleep(0.1)
                continue
            try:
                async with self.connect(self.product.url(name)) as ws:
                    self.ws = ws
                    self.reconnects += 0 if first else 1
                    first = False
                    async for text in ws:
                        await self.on_frame(json.loads(text))
                    self.closes.append(f"{time.strftime('%X')} closed {ws.close_code}")
            except (OSError, TimeoutError, websockets.WebSocketException) as error:
                self.closes.append(f"{time.strftime('%X')} {error!r}"[:160])
            self.ws, self.ready = None, False
            await asyncio.sleep(0.2)

    async def send(self, frame: dict[str, Any]) -> None:
        ws = self.ws
        if ws is not None and self.ready:
            with contextlib.suppress(websockets.ConnectionClosed):
                await ws.send(json.dumps(frame))

    async def talk(self, stop: asyncio.Event, sending: asyncio.Event) -> None:
        """A new message every SEND_EVERY_S while ``sending``; unacknowledged ones again
        after RESEND_AFTER_S, and all of them at once after a reconnect (``flush``)."""
        n = 0
        while not stop.is_set():
            now = time.monotonic()
            if sending.is_set() and self.can_send():
                n += 1
                cid = f"{self.prefix}-{n}"
                self.sent[cid] = now
                await self.send_message(cid)
            for cid in [c for c in self.sent if c not in self.acked]:
                if now - self.last_try.get(cid, 0) > RESEND_AFTER_S:
                    await self.send_message(cid)
            await asyncio.sleep(SEND_EVERY_S)

    async def flush(self) -> None:
        for cid in [c for c in self.sent if c not in self.acked]:
            await self.send_message(cid)

    async def send_message(self, cid: str) -> None:
        self.last_try[cid] = time.monotonic()
        await self.send(self.message_frame(cid))

    def received(self, message: dict[str, Any]) -> None:
        self.last_id = max(self.last_id, int(message["id"]))
        cid = message.get("client_id") or ""
        if cid.startswith(self.other + "-") and cid not in self.got:
            how = "catch-up" if time.monotonic() < self.catch_up_until else "live"
            self.got[cid] = (time.monotonic(), how)

    def refused(self, frame: dict[str, Any]) -> None:
        """As the widget and the inbox do: ``unavailable`` (the database restarting) is
        sent again a second later, anything else would be a failure of the drill."""
        cid = frame.get("client_id")
        assert frame.get("code") == "unavailable" and cid, frame
        self.unavailable += 1
        self.last_try[cid] = time.monotonic() - RESEND_AFTER_S + RESEND_UNAVAILABLE_S

    # overridden
    def connect(self, host: str) -> Any:
        raise NotImplementedError

    async def on_frame(self, frame: dict[str, Any]) -> None:
        raise NotImplementedError

    def message_frame(self, cid: str) -> dict[str, Any]:
        raise NotImplementedError

    def can_send(self) -> bool:
        return True


@dataclass
class Visitor(Peer):
    channel_key: str = ""
    token: str = ""

    def connect(self, host: str) -> Any:
        url = f"ws://{host}/ws/widget/{self.channel_key}/?token={self.token}"
        return websockets.connect(url, open_timeout=5)

    async def sync(self) -> None:
        self.catch_up_until = time.monotonic() + 1.0
        await self.send({"type": "sync", "after": self.last_id})

    async def on_frame(self, frame: dict[str, Any]) -> None:
        kind = frame["type"]
        if kind == "welcome":
            self.ready = True
            self.welcomed.append(time.monotonic())
            await self.sync()
            await self.flush()
        elif kind == "resync":
            self.resyncs += 1
            await self.sync()
        elif kind == "message":
            self.received(frame["message"])
        elif kind == "ack":
            self.acked[frame["client_id"]] = frame["id"]
            self.acked_at.setdefault(frame["client_id"], time.monotonic())
        elif kind == "error":
            self.refused(frame)

    def message_frame(self, cid: str) -> dict[str, Any]:
        return {"type": "message", "text": f"visitor says {cid}", "client_id": cid}


@dataclass
class Operator(Peer):
    api_token: str = ""
    session: int | None = None
    dialog: int | None = None
    fetching: asyncio.Lock = field(default_factory=asyncio.Lock)

    def connect(self, host: str) -> Any:
        headers = {"Authorization": f"Token {self.api_token}", "Origin": f"http://{host}"}
        return websockets.connect(f"ws://{host}/ws/operator/", additional_headers=headers)

    def can_send(self) -> bool:
        return self.session is not None

    async def refetch(self) -> None:
        """The inbox's catch-up: the dialog's messages after the last id, over REST,
        again until it answers (the database may be restarting)."""
        if self.dialog is None:
            return
        async with self.fetching:
            while True:
                name = next((n for n in self.webs if n in self.product.webs), None)
                url = (
                    f"http://{self.product.url(name)}/api/v1/dialogs/{self.dialog}/messages/"
                    f"?after={self.last_id}&page_size=500"
                )
                status, body = await asyncio.to_thread(_http, "GET", url, None, self.api_token)
                if status == 200:
                    self.catch_up_until = time.monotonic() + 0.01
                    for message in body["results"] if isinstance(body, dict) else body:
                        self.received(message)
                    return
                await asyncio.sleep(0.25)

    async def on_frame(self, frame: dict[str, Any]) -> None:
        kind = frame["type"]
        if kind == "hello":
            self.ready = True
            self.welcomed.append(time.monotonic())
            await self.refetch()
            await self.flush()
        elif kind == "resync":
            self.resyncs += 1
            await self.refetch()
        elif kind == "session.assigned":
            self.session, self.dialog = frame["session"]["id"], frame["session"]["dialog"]
        elif kind == "message.created":
            self.received(frame["message"])
        elif kind == "ack":
            self.acked[frame["client_id"]] = frame["id"]
            self.acked_at.setdefault(frame["client_id"], time.monotonic())
        elif kind == "error":
            self.refused(frame)

    def message_frame(self, cid: str) -> dict[str, Any]:
        return {
            "type": "message",
            "session": self.session,
            "text": f"operator says {cid}",
            "client_id": cid,
        }


# --- the drill -------------------------------------------------------------------------------


def _stored(env: dict[str, str]) -> dict[str, int]:
    import psycopg

    with psycopg.connect(env["DATABASE_URL"]) as connection:
        rows = connection.execute(
            "SELECT client_id, count(*) FROM inbox_message "
            "WHERE client_id LIKE 'v-%' OR client_id LIKE 'o-%' GROUP BY client_id"
        ).fetchall()
    return {cid: count for cid, count in rows}


async def _until(condition: Any, limit: float) -> float:
    """Seconds until ``condition()`` holds (polling), or ``inf`` past ``limit``."""
    start = time.monotonic()
    while time.monotonic() - start < limit:
        if condition():
            return time.monotonic() - start
        await asyncio.sleep(0.02)
    return float("inf")


def _delivered(visitor: Visitor, operator: Operator, cids: list[str]) -> bool:
    return all(
        (cid in operator.got) if cid.startswith("v-") else (cid in visitor.got) for cid in cids
    )


def _slowest(visitor: Visitor, operator: Operator, cids: list[str], back: float) -> list[str]:
    """The five messages delivered last, relative to ``back``: sent, acked, got, how."""
    rows = []
    for cid in cids:
        sender, receiver = (visitor, operator) if cid.startswith("v-") else (operator, visitor)
        got, how = receiver.got.get(cid, (float("inf"), "never"))
        ack = sender.acked_at.get(cid, float("inf"))
        rows.append((got - back, f"{cid} sent {sender.sent[cid] - back:+.2f} "
                     f"acked {ack - back:+.2f} got {got - back:+.2f} {how}"))  # fmt: skip
    return [text for _, text in sorted(rows)[-5:]]


def _settled_after(visitor: Visitor, operator: Operator, cids: list[str], since: float) -> float:
    """Seconds from ``since`` until the last of ``cids`` was both acknowledged to its
    sender and received by the other side (0 if all were before)."""
    last = since
    for cid in cids:
        sender, receiver = (visitor, operator) if cid.startswith("v-") else (operator, visitor)
        last = max(last, sender.acked_at[cid], receiver.got[cid][0])
    return round(last - since, 2)


def _worst_latency(visitor: Visitor, operator: Operator, cids: list[str]) -> float | None:
    """The longest time from a message's first send to its delivery to the other side."""
    worst = 0.0
    for cid in cids:
        sender, receiver = (visitor, operator) if cid.startswith("v-") else (operator, visitor)
        if cid not in receiver.got:
            return None
        worst = max(worst, receiver.got[cid][0] - sender.sent[cid])
    return round(worst, 2)


def _sent_between(visitor: Visitor, operator: Operator, start: float, end: float) -> list[str]:
    return [
        cid for peer in (visitor, operator) for cid, at in peer.sent.items() if start <= at <= end
    ]


async def _drill(product: Product, key: str, token: str, figures: dict[str, Any]) -> None:
    status, body = await asyncio.to_thread(
        _http, "POST", f"http://{product.url('a')}/widget/api/{key}/visitors/", {}
    )
    assert status == 201, status
    visitor = Visitor(
        name="visitor", prefix="v", other="o", product=product, webs=["a", "b", "a2"],
        channel_key=key, token=body["visitor_token"],
    )  # fmt: skip
    operator = Operator(
        name="operator", prefix="o", other="v", product=product, webs=["b", "a", "a2"],
        api_token=token,
    )  # fmt: skip
    stop, sending = asyncio.Event(), asyncio.Event()
    tasks = [asyncio.create_task(peer.run(stop)) for peer in (operator, visitor)] + [
        asyncio.create_task(peer.talk(stop, sending)) for peer in (operator, visitor)
    ]
    try:
        sending.set()
        assert await _until(lambda: operator.session is not None, 30) < 30, "no session"
        await asyncio.sleep(STEADY_S)

        # Redis killed for 10 s, while the worker is busy
        await asyncio.to_thread(_manage, product.env, "shell", "-c", FLOOD)
        await asyncio.sleep(0.3)
        started = time.monotonic()
        await asyncio.to_thread(product.services.redis.kill)
        await asyncio.sleep(REDIS_DOWN_S)
        await asyncio.to_thread(product.services.redis.start_again)
        back = time.monotonic()
        during = _sent_between(visitor, operator, started, back)
        recovered = await _until(lambda: _delivered(visitor, operator, during), SETTLE_LIMIT_S)
        figures["redis"] = {
            "worst_latency_s": _worst_latency(visitor, operator, during),
            "down_s": REDIS_DOWN_S,
            "sent_during": len(during),
            "recovered_s": round(recovered, 2),
            "slowest": _slowest(visitor, operator, during, back),
        }
        await asyncio.sleep(STEADY_S)

        # the visitor's Daphne killed (SIGKILL); a new one started in its place
        started = time.monotonic()
        await asyncio.to_thread(product.kill_web, "a")
        window_end = started + 1.0
        await asyncio.sleep(1.0)
        during = _sent_between(visitor, operator, started, window_end)
        recovered = await _until(lambda: _delivered(visitor, operator, during), SETTLE_LIMIT_S)
        figures["daphne"] = {
            "worst_latency_s": _worst_latency(visitor, operator, during),
            "visitor_back_s": round(min(t for t in visitor.welcomed if t > started) - started, 2),
            "sent_during": len(during),
            "recovered_s": round(time.monotonic() - started, 2) if recovered < 1e9 else None,
        }
        await asyncio.to_thread(product.start_web, "a2")
        await asyncio.sleep(STEADY_S)

        # PostgreSQL restarted with -m immediate
        started = time.monotonic()
        await asyncio.to_thread(product.services.postgres.restart_immediately)
        back = time.monotonic()
        await asyncio.sleep(2.0)
        during = _sent_between(visitor, operator, started, back + 2.0)
        recovered = await _until(
            lambda: (
                _delivered(visitor, operator, during)
                and all(cid in visitor.acked or cid in operator.acked for cid in during)
            ),
            SETTLE_LIMIT_S,
        )
        figures["postgres"] = {
            "worst_latency_s": _worst_latency(visitor, operator, during),
            "restart_s": round(back - started, 2),
            "sent_during": len(during),
            # from the server accepting connections again to the last of them acked and delivered
            "recovered_s": _settled_after(visitor, operator, during, back)
            if recovered < 1e9
            else None,
            "unavailable_answers": visitor.unavailable + operator.unavailable,
        }
        await asyncio.sleep(STEADY_S)

        # the end: no new messages; everything acknowledged and delivered
        sending.clear()
        everything = [*visitor.sent, *operator.sent]
        await _until(
            lambda: (
                all(c in visitor.acked for c in visitor.sent)
                and all(c in operator.acked for c in operator.sent)
                and _delivered(visitor, operator, everything)
            ),
            SETTLE_LIMIT_S,
        )
    finally:
        stop.set()
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
    figures["peers"] = {
        peer.name: {
            "sent": len(peer.sent),
            "acked": len(peer.acked),
            "received": len(peer.got),
            "by_catch_up": sum(1 for _, how in peer.got.values() if how == "catch-up"),
            "reconnects": peer.reconnects,
            "resyncs": peer.resyncs,
            "closes": peer.closes[:12],
        }
        for peer in (visitor, operator)
    }
    figures["_clients"] = (visitor, operator)


def test_a_live_chat_survives_redis_daphne_and_postgres_failing(product: Product) -> None:
    # given a visitor and an operator in a live chat on two Daphne processes
    out = _manage(product.env, "shell", "-c", SETUP)
    key, token = next(line for line in out.splitlines() if line.startswith("DRILL")).split()[1:]
    figures: dict[str, Any] = {}
    # when Redis dies for 10 s, a Daphne is killed and PostgreSQL restarts, mid-chat
    asyncio.run(_drill(product, key, token, figures))
    visitor, operator = figures.pop("_clients")
    stored = _stored(product.env)
    sent = [*visitor.sent, *operator.sent]
    acked = [*visitor.acked, *operator.acked]
    delivered = [*operator.got, *visitor.got]
    figures["totals"] = {
        "sent": len(sent),
        "stored": len(stored),
        "acked": len(acked),
        "delivered": len(delivered),
        "lost": len([c for c in sent if c not in stored]),
        "duplicated": len([c for c, n in stored.items() if n > 1]),
        "undelivered": len([c for c in stored if c not in delivered]),
    }
    report = json.dumps(figures, sort_keys=True) + "\n" + product.problems()
    print(f"DRILL {json.dumps(figures, sort_keys=True)}")
    artifacts = ROOT / "artifacts" / "drills"
    artifacts.mkdir(parents=True, exist_ok=True)
    product.save_logs(artifacts)
    (artifacts / "fault_drills.json").write_text(json.dumps(figures, indent=2, sort_keys=True))

    # then every message is stored exactly once, every acked one among them, and every one
    # reached the other side, live or by the automatic catch-up
    assert figures["totals"]["duplicated"] == 0, report
    assert set(acked) <= set(stored), report
    assert set(sent) == set(stored), report
    assert set(stored) <= set(delivered), report
    # within 2 s of Redis coming back
    assert figures["redis"]["sent_during"] > 0, report
    assert figures["redis"]["recovered_s"] <= RECOVERY_LIMIT_S, report
    # and the worker and beat are alive, and the worker still answers
    assert product.worker is not None and product.worker.popen.poll() is None, (
        product.worker.output()
    )
    assert product.beat is not None and product.beat.popen.poll() is None, product.beat.output()
    assert not product.worker.matching(r"Unrecoverable error"), product.worker.output()
    # a reply and a customer's message never deadlock (each costs a second when they do)
    assert "deadlock detected" not in product.problems(), report
    ping = subprocess.run(
        [sys.executable, "-m", "celery", "-A", "contactcenter", "inspect", "ping",
         "--timeout", "5"],
        cwd=ROOT, env=product.env, capture_output=True, text=True, timeout=60, check=False,
    )  # fmt: skip
    assert "pong" in ping.stdout, ping.stdout + ping.stderr
