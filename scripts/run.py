#!/usr/bin/env python3
"""The first command: install what the product needs and start all of it with demo data.

    python3 scripts/run.py [--port 8080] [--host 0.0.0.0] [--no-demo] [--quiet]

Needs only Python 3.11+. It creates .venv with the project installed (once, and again when
pyproject.toml changes), then becomes ``manage.py serve`` with the same arguments: SQLite
under var/, the embedded Redis, the web server, a Celery worker and Celery beat.
Works from any directory.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from bootstrap import ROOT, ensure_venv, say


def main(argv: list[str]) -> int:
    python = ensure_venv()
    command = [str(python), str(ROOT / "manage.py"), "serve", *argv]
    os.chdir(ROOT)
    say("starting: manage.py serve " + " ".join(argv))
    if os.name == "nt":  # no exec there: wait for the child instead
        return subprocess.call(command)
    os.execv(python, command)  # the same process, so Ctrl-C and SIGTERM reach serve directly
    return 0  # not reached


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
