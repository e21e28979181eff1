#!/usr/bin/env python3
"""The test command: ``python3 scripts/test.py``. CI runs exactly this (``.ci/run``).

Stages, each timed and summarised at the end:

1. gates: ruff (lint and format), import-linter (the layers), mypy with django-stubs
   and djangorestframework-stubs, no missing migrations, and ``check --deploy`` with
   production-like settings;
2. the front end's tests (``tests/**/*.test.js``) under Node's test runner (Debian's
   ``nodejs`` is installed as root when there is no ``node``); then the fast tier: pytest
   with the in-process stand-ins (SQLite, in-memory channel layer and cache, eager
   Celery), tests marked ``real`` and ``e2e`` left out;
3. the real tier: a throwaway PostgreSQL and Redis (``scripts/services.py``), and the
   whole suite but e2e against them;
4. e2e: tests marked ``e2e`` (headless Chromium), against the same servers; skipped when
   there are none. Debian's ``chromium`` and ``libatomic1`` (Playwright's driver needs
   it) are installed with apt-get (as root) when e2e tests are selected and the browser
   cannot start; not root, the stage is skipped with one line saying what to install;
5. the bench guard (``bench/guard.py``): quick runs of the messaging, routing, idle
   sockets, scale-out and features benchmarks, each judged against its floor measured
   in the same run, failing on a large slowdown (with the real tier, when no tests were
   selected).

Options: ``--fast`` or ``--real`` for one tier, ``--no-gates``, ``--no-guard``,
``-k EXPR``, ``-j N`` (pytest-xdist workers); anything else goes to pytest as is
(``-x``, ``--lf``, paths).
Exits non-zero when any stage failed. Servers are always stopped, Ctrl-C included.
"""

from __future__ import annotations

import argparse
import os
import re
import secrets
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import services as test_services
from bootstrap import BIN, ROOT, ensure_venv, say

# Variables the project reads: removed from the inherited environment, so that each
# stage sees only what it sets (a developer's shell exports must not leak into a tier).
PROJECT_VARS = (
    "DATABASE_URL",
    "REDIS_URL",
    "SECRET_KEY",
    "DEBUG",
    "ALLOWED_HOSTS",
    "CSRF_TRUSTED_ORIGINS",
    "HTTPS",
    "CELERY_TASK_ALWAYS_EAGER",
    "CHANNEL_LAYER_PREFIX",
    "SECURE_HSTS_SECONDS",
    "DJANGO_SETTINGS_MODULE",
    "EMBEDDED_REDIS_PORT",
    "STATIC_MANIFEST",
    "CONN_MAX_AGE",
)

PYTEST_SUMMARY = re.compile(r"=+ (.+?) in [\d.]+s")
ANSI = re.compile(r"\x1b\[[0-9;]*m")

NO_TESTS_COLLECTED = 5

RUN_SECRET_KEY = secrets.token_urlsafe(64)


@dataclass
class Result:
    name: str
    status: str  # "ok", "FAILED", "skipped"
    seconds: float
    detail: str = ""

    @property
    def failed(self) -> bool:
        return self.status == "FAILED"


class Runner:
    def __init__(self) -> None:
        self.results: list[Result] = []
        self.current: subprocess.Popen[str] | None = None

    def run(
        self, name: str, cmd: Sequence[str], env: dict[str, str], *, capture_summary: bool = False
    ) -> tuple[int, str, float]:
        """Run ``cmd`` with its output streamed; return (exit code, pytest summary, seconds)."""
        say(name)
        started = time.monotonic()
        summary = ""
        self.current = subprocess.Popen(
            list(cmd),
            cwd=ROOT,
            env=env,
            stdout=subprocess.PIPE if capture_summary else None,
            stderr=subprocess.STDOUT if capture_summary else None,
            text=True,
        )
        try:
            if capture_summary:
                assert self.current.stdout is not None
                for line in self.current.stdout:
                    sys.stdout.write(line)
                    sys.stdout.flush()
                    match = PYTEST_SUMMARY.search(ANSI.sub("", line))
                    if match:
                        summary = match.group(1)
            code = self.current.wait()
        finally:
            self.stop_current()
        return code, summary, time.monotonic() - started

    def stop_current(self) -> None:
        process, self.current = self.current, None
        if process is None or process.poll() is not None:
            return
        process.terminate()
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()

    def record(self, result: Result) -> None:
        self.results.append(result)

    def gate(self, name: str, cmd: Sequence[str], env: dict[str, str]) -> None:
        code, _, seconds = self.run(name, cmd, env)
        self.record(Result(name, "ok" if code == 0 else "FAILED", seconds, f"exit {code}"))

    def pytest(
        self,
        name: str,
        args: Sequence[str],
        env: dict[str, str],
        *,
        none_is_ok: bool,
        none_detail: str = "no tests collected",
    ) -> None:
        color = ["--color=yes"] if sys.stdout.isatty() else []
        code, summary, seconds = self.run(
            name, [str(BIN / "pytest"), *color, *args], env, capture_summary=True
        )
        if code == 0:
            self.record(Result(name, "ok", seconds, summary))
        elif code == NO_TESTS_COLLECTED and none_is_ok:
            self.record(Result(name, "skipped", seconds, none_detail))
        elif code == NO_TESTS_COLLECTED:
            self.record(Result(name, "FAILED", seconds, "no tests collected"))
        else:
            self.record(Result(name, "FAILED", seconds, summary or f"pytest exit {code}"))

    def summary(self, total: float) -> int:
        print(flush=True)
        say(f"summary ({total:.0f} s)")
        width = max((len(r.name) for r in self.results), default=10)
        for r in self.results:
            print(f"    {r.name:<{width}}  {r.status:<7}  {r.seconds:6.1f} s  {r.detail}")
        failed = [r.name for r in self.results if r.failed]
        if failed:
            print(f"\nFAILED: {', '.join(failed)}", flush=True)
            return 1
        print("\nall stages passed", flush=True)
        return 0


def base_env() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in PROJECT_VARS}
    # Without it every test process would read (or, in a fresh clone, race to create)
    # the development key under var/.
    env["SECRET_KEY"] = RUN_SECRET_KEY
    env["PYTHONUNBUFFERED"] = "1"
    env["PATH"] = f"{BIN}{os.pathsep}{env.get('PATH', '')}"
    return env


def production_env(urls: dict[str, str]) -> dict[str, str]:
    return {
        **base_env(),
        **urls,
        "SECRET_KEY": secrets.token_urlsafe(64),
        "DEBUG": "false",
        "ALLOWED_HOSTS": "example.com",
        "HTTPS": "true",
    }


def run_gates(runner: Runner, urls: dict[str, str] | None, tmp: Path) -> None:
    env = base_env()
    runner.gate("ruff check", [str(BIN / "ruff"), "check", "."], env)
    runner.gate("ruff format", [str(BIN / "ruff"), "format", "--check", "."], env)
    runner.gate("import layers", [str(BIN / "lint-imports")], env)
    # type checks of the product's code (settings in pyproject.toml, [tool.mypy])
    runner.gate("mypy", [str(BIN / "mypy")], env)
    manage = [str(BIN / "python"), "manage.py"]
    if urls is None:
        # Without the real tier no server runs: check --deploy does not connect, and the
        # migration check compares against a scratch SQLite file instead.
        placeholder = {
            "DATABASE_URL": f"postgres://contactcenter@127.0.0.1:{test_services.free_port()}/cc",
            "REDIS_URL": f"redis://127.0.0.1:{test_services.free_port()}/0",
        }
        migrations_env = {**env, "DATABASE_URL": f"sqlite:///{tmp / 'gate.sqlite3'}"}
        deploy_env = production_env(placeholder)
    else:
        migrations_env = production_env(urls)
        deploy_env = production_env(urls)
    runner.gate(
        "migrations",
        [*manage, "makemigrations", "--check", "--dry-run"],
        migrations_env,
    )
    runner.gate(
        "check --deploy", [*manage, "check", "--deploy", "--fail-level", "WARNING"], deploy_env
    )


def xdist_args(jobs: int) -> list[str]:
    return ["-n", str(jobs)] if jobs > 1 else ["-p", "no:xdist"]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description="Run the gates and the test tiers.",
        epilog="Arguments not listed here go to pytest.",
    )
    tier = parser.add_mutually_exclusive_group()
    tier.add_argument("--fast", action="store_true", help="the fast tier only")
    tier.add_argument("--real", action="store_true", help="the real tier only (and e2e)")
    parser.add_argument("--no-gates", action="store_true", help="skip lint and checks")
    parser.add_argument(
        "--no-guard", action="store_true", help="skip the quick benchmarks (bench/guard.py)"
    )
    parser.add_argument("-k", dest="keyword", help="pytest -k expression, for every tier")
    parser.add_argument(
        "-j",
        "--jobs",
        type=int,
        default=min(2, os.cpu_count() or 1),
        help="pytest-xdist workers per tier (1 = no xdist; default: up to 2)",
    )
    args, pytest_extra = parser.parse_known_args(argv)
    if pytest_extra[:1] == ["--"]:
        pytest_extra = pytest_extra[1:]

    started = time.monotonic()
    ensure_venv(("test",))
    venv_seconds = time.monotonic() - started
    os.chdir(ROOT)

    # SIGTERM (CI cancelling, a parent killing us) unwinds like Ctrl-C: servers stop.
    def on_term(signum: int, frame: object) -> None:
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, on_term)

    runner = Runner()
    runner.record(Result("venv", "ok", venv_seconds, f"{BIN.parent} ready"))
    want_fast = not args.real
    want_real = not args.fast
    selection = [*(["-k", args.keyword] if args.keyword else []), *pytest_extra]
    # With a selection of the user's, a tier may rightly select nothing.
    none_ok = bool(selection)
    common = [*xdist_args(args.jobs), *selection]

    interrupted = False
    services: test_services.Services | None = None
    try:
        with tempfile.TemporaryDirectory(prefix="contactcenter-test-") as tmp_name:
            tmp = Path(tmp_name)
            if want_real:
                services = start_services(runner)
            urls = services.env() if services else None
            if not args.no_gates:
                run_gates(runner, urls, tmp)
            if want_fast and not selection:
                run_js_tests(runner, base_env())
            if want_fast:
                runner.pytest(
                    "fast tier",
                    ["-m", "not real and not e2e", *common],
                    base_env(),
                    none_is_ok=none_ok,
                    none_detail="nothing selected",
                )
            if urls is not None:
                # tasks run eagerly here as in the fast tier; tests/real starts a real
                # worker (and Daphnes) without it
                real_env = {
                    **base_env(),
                    **urls,
                    "HTTPS": "false",
                    "CELERY_TASK_ALWAYS_EAGER": "true",
                }
                runner.pytest(
                    "real tier",
                    ["-m", "not e2e", *common],
                    real_env,
                    none_is_ok=none_ok,
                    none_detail="nothing selected",
                )
                run_e2e(runner, selection, real_env)
                if not selection and not args.no_guard:
                    run_guard(runner, {**base_env(), **urls, "HTTPS": "false"})
    except KeyboardInterrupt:
        interrupted = True
        runner.stop_current()
        runner.record(Result("interrupted", "FAILED", 0.0, "Ctrl-C or SIGTERM"))
    finally:
        if services is not None:
            down = time.monotonic()
            services.stop()
            runner.record(Result("servers down", "ok", time.monotonic() - down))
    code = runner.summary(time.monotonic() - started)
    return 130 if interrupted else code


def run_guard(runner: Runner, env: dict[str, str]) -> None:
    """The regression guard: quick benchmarks of the hot paths against their floors in
    the same run (``bench/guard.py``), with the product's real Celery settings."""
    env = {k: v for k, v in env.items() if k != "CELERY_TASK_ALWAYS_EAGER"}
    runner.gate("bench guard", [str(BIN / "python"), "bench/guard.py"], env)


def has_e2e_tests() -> bool:
    """Whether any test may carry the e2e mark: collecting the suite only to find none
    costs seconds, so a plain look at the files comes first."""
    tests = ROOT / "tests"
    if any((tests / "e2e").glob("**/test_*.py")):
        return True
    return any("mark.e2e" in path.read_text(errors="replace") for path in tests.rglob("*.py"))


CHROMIUM = Path("/usr/bin/chromium")
# What the e2e tier needs from Debian besides Python packages: the browser, and the C
# library that Playwright's bundled Node.js driver links against (the chromium package
# does not pull it in).
E2E_PACKAGES = ("chromium", "libatomic1")

# Runs in the venv: starts Playwright's driver binary the way Playwright does and prints
# why it cannot start, if it cannot (nothing when it can).
DRIVER_CHECK = """
import subprocess
from playwright._impl._driver import compute_driver_executable
node = compute_driver_executable()[0]
try:
    proc = subprocess.run([node, "--version"], capture_output=True, text=True, timeout=60)
except OSError as error:
    print(error)
else:
    if proc.returncode != 0:
        lines = [line for line in (proc.stderr or proc.stdout).splitlines() if line.strip()]
        print(lines[0] if lines else f"exit {proc.returncode}")
"""


def e2e_tests_selected(selection: list[str], env: dict[str, str]) -> bool:
    """Whether pytest collects any e2e test with this selection (exit 5: none)."""
    proc = subprocess.run(
        [str(BIN / "pytest"), "--collect-only", "-q", "-p", "no:xdist", "-m", "e2e", *selection],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        check=False,
    )
    return proc.returncode != NO_TESTS_COLLECTED


def e2e_problem() -> str:
    """Why the e2e tier cannot drive a browser here, in one line; empty when it can."""
    if not CHROMIUM.exists():
        return f"{CHROMIUM} is missing"
    proc = subprocess.run(
        [str(BIN / "python"), "-c", DRIVER_CHECK],
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
    )
    lines = (proc.stdout.strip() or proc.stderr.strip()).splitlines()
    return f"Playwright's driver does not start: {lines[-1]}" if lines else ""


def apt_install(packages: Sequence[str]) -> str:
    """apt-get install as root; returns the output's tail when it failed, else ''."""
    apt_env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    try:
        for cmd, timeout in (
            (["apt-get", "update"], 600),
            (["apt-get", "install", "-y", "--no-install-recommends", *packages], 900),
        ):
            proc = subprocess.run(
                cmd,
                env=apt_env,
                stdout=subprocess.PIPE,
                stderr=subprocess.STDOUT,
                text=True,
                timeout=timeout,
                check=False,
            )
            if proc.returncode != 0:
                return proc.stdout[-3000:]
    except (OSError, subprocess.TimeoutExpired) as error:
        return str(error)
    return ""


def ensure_e2e_prerequisites(runner: Runner) -> bool:
    """Debian's Chromium and libatomic1 for the e2e tests (Playwright drives the browser;
    it never downloads one). Installed with apt-get when missing and we are root; else the
    stage is skipped with one line that says what to install."""
    problem = e2e_problem()
    if not problem:
        return True
    hint = f"install them: `sudo apt-get install {' '.join(E2E_PACKAGES)}`"
    if os.geteuid() != 0:
        runner.record(Result("e2e", "skipped", 0.0, f"{problem}; {hint}"))
        return False
    say(f"installing {', '.join(E2E_PACKAGES)} from Debian's packages (for the e2e tests)")
    started = time.monotonic()
    output = apt_install(E2E_PACKAGES)
    seconds = time.monotonic() - started
    problem = e2e_problem()
    if problem:
        if output:
            print(output, flush=True)
        runner.record(Result("e2e setup", "FAILED", seconds, f"{problem}; {hint}"))
        return False
    runner.record(Result("e2e setup", "ok", seconds, "installed from Debian's packages"))
    return True


def run_e2e(runner: Runner, selection: list[str], env: dict[str, str]) -> None:
    if not has_e2e_tests():
        runner.record(Result("e2e", "skipped", 0.0, "no e2e tests yet"))
        return
    if not e2e_tests_selected(selection, env):
        runner.record(Result("e2e", "skipped", 0.0, "no e2e tests selected"))
        return
    if not ensure_e2e_prerequisites(runner):
        return
    # One browser at a time: two cores are not enough for parallel Chromium.
    runner.pytest(
        "e2e",
        ["-m", "e2e", *xdist_args(1), *selection],
        env,
        none_is_ok=True,
        none_detail="no e2e tests selected",
    )


def js_test_files() -> list[str]:
    return sorted(str(path.relative_to(ROOT)) for path in (ROOT / "tests").rglob("*.test.js"))


def run_js_tests(runner: Runner, env: dict[str, str]) -> None:
    """The front end's pure logic (inbox, board, widget) under Node's own test runner.
    Node comes from Debian's packages (as root) when the machine has none."""
    files = js_test_files()
    if not files:
        return
    node = shutil.which("node")
    if node is None and os.geteuid() == 0:
        say("installing Node.js from Debian's packages (for the front end's tests)")
        output = apt_install(("nodejs",))
        node = shutil.which("node")
        if node is None:
            print(output, flush=True)
    if node is None:
        runner.record(
            Result("js tests", "FAILED", 0.0, "node is missing: `sudo apt-get install nodejs`")
        )
        return
    code, _, seconds = runner.run("js tests", [node, "--test", "--test-reporter=dot", *files], env)
    runner.record(
        Result("js tests", "ok" if code == 0 else "FAILED", seconds, f"{len(files)} files")
    )


def start_services(runner: Runner) -> test_services.Services | None:
    say("starting PostgreSQL and Redis")
    up = time.monotonic()
    try:
        services = test_services.Services().start()
    except test_services.ServiceError as error:
        print(error, file=sys.stderr, flush=True)
        runner.record(Result("servers up", "FAILED", time.monotonic() - up, "could not start"))
        return None
    detail = " ".join(services.env().values())
    runner.record(Result("servers up", "ok", time.monotonic() - up, detail))
    return services


if __name__ == "__main__":
    sys.exit(main())
