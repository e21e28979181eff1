"""Shared first step of scripts/run.py and scripts/test.py: a virtual environment in
.venv with the project installed, using only the Python standard library.

It reinstalls only when pyproject.toml changed since last time, or when extras are asked
for that the venv does not have yet (so the run command after the test command installs
nothing).
"""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
import venv
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
VENV = ROOT / ".venv"
BIN = VENV / ("Scripts" if os.name == "nt" else "bin")
PYTHON = BIN / ("python.exe" if os.name == "nt" else "python")


def say(text: str) -> None:
    print(f"==> {text}", flush=True)


def _has_pip() -> bool:
    """A venv whose creation was interrupted has a python but no pip."""
    return any(VENV.glob("lib*/python3*/site-packages/pip")) or any(
        VENV.glob("Lib/site-packages/pip")
    )


def ensure_venv(extras: tuple[str, ...] = ()) -> Path:
    """Create .venv and install the project (with ``extras``); return its python."""
    if sys.version_info < (3, 11):  # noqa: UP036 (this runs under whatever python3 is)
        sys.exit("Python 3.11 or newer is needed; this is " + sys.version.split()[0])
    if not PYTHON.exists() or not _has_pip():
        say(f"creating the virtual environment in {VENV}")
        try:
            venv.EnvBuilder(with_pip=True, clear=False).create(VENV)
        except (OSError, subprocess.CalledProcessError) as error:
            sys.exit(
                f"Could not create {VENV} ({error}). This Python lacks venv or ensurepip; "
                "on Debian or Ubuntu install the python3-venv package, then run this again."
            )
    digest = hashlib.sha256((ROOT / "pyproject.toml").read_bytes()).hexdigest()
    stamp = VENV / ".installed"
    # One line per pyproject.toml digest, with the extras installed for it: a venv that
    # already has more extras than asked for (the test command's, before the run command)
    # serves as it is.
    installed: dict[str, set[str]] = {}
    if stamp.exists():
        for line in stamp.read_text().splitlines():
            key, _, names = line.partition(" ")
            installed[key] = set(filter(None, names.split(",")))
    have = installed.get(digest)
    if have is None or not set(extras) <= have:
        wanted = sorted(set(extras) | (have or set()))
        spec = f".[{','.join(wanted)}]" if wanted else "."
        say(f"installing the project and its dependencies ({spec})")
        pip = [str(PYTHON), "-m", "pip", "--disable-pip-version-check"]
        subprocess.run([*pip, "install", "-q", "--upgrade", "pip"], check=True)
        # setuptools' notes about how an editable install works are not for a newcomer
        quiet = {**os.environ, "PYTHONWARNINGS": "ignore"}
        subprocess.run([*pip, "install", "-q", "-e", spec], check=True, cwd=ROOT, env=quiet)
        stamp.write_text(f"{digest} {','.join(wanted)}\n")
    return PYTHON
