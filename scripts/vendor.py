#!/usr/bin/env python3
"""Copies the front-end libraries of ``package.json`` into the product's static files.

The pages never fetch a library at run time: the copies are committed, so a fresh
machine needs only Python. To change a version, edit ``package.json`` (an exact
version), then::

    npm install --ignore-scripts --no-audit --no-fund
    python3 scripts/vendor.py

and commit what changed under ``reports/static/reports/vendor/``. ``node_modules/`` is
not committed. ``--check`` compares the copies with ``node_modules`` instead and fails
when they differ (the version in ``package.json`` and in the copy must agree).
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

# package name -> (files to copy, relative to the package, target folder)
LIBRARIES = {
    "chart.js": (
        ["dist/chart.umd.js", "LICENSE.md"],
        ROOT / "reports" / "static" / "reports" / "vendor" / "chartjs",
    ),
}


def pinned_version(name: str) -> str:
    manifest = json.loads((ROOT / "package.json").read_text(encoding="utf-8"))
    version = manifest["dependencies"][name]
    if not version[:1].isdigit():
        raise SystemExit(f"{name}: pin an exact version in package.json, not {version!r}")
    return version


def installed_version(name: str) -> str:
    package = ROOT / "node_modules" / name / "package.json"
    if not package.exists():
        raise SystemExit(f"{name} is not installed: run `npm install --ignore-scripts` first")
    return json.loads(package.read_text(encoding="utf-8"))["version"]


def _without_source_map(content: bytes) -> bytes:
    """The source map is not shipped: its reference would make the hashed static
    storage look for it (``collectstatic`` fails on a missing one)."""
    return re.sub(rb"\n//# sourceMappingURL=\S+\s*$", b"\n", content)


def vendor(name: str, *, check: bool) -> bool:
    files, target = LIBRARIES[name]
    version = pinned_version(name)
    if installed_version(name) != version:
        raise SystemExit(f"{name}: node_modules has another version than {version}: npm install")
    same = (target / "VERSION").exists() and (target / "VERSION").read_text().strip() == version
    target.mkdir(parents=True, exist_ok=True)
    for relative in files:
        source = ROOT / "node_modules" / name / relative
        copy = target / Path(relative).name
        content = _without_source_map(source.read_bytes())
        if check:
            same = same and copy.exists() and copy.read_bytes() == content
        else:
            copy.write_bytes(content)
    if not check:
        (target / "VERSION").write_text(version + "\n", encoding="utf-8")
        print(f"{name} {version} -> {target.relative_to(ROOT)}")
    return same


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="only compare, copy nothing")
    args = parser.parse_args()
    stale = [name for name in LIBRARIES if not vendor(name, check=args.check)]
    if args.check and stale:
        print("out of date: " + ", ".join(stale) + " (run scripts/vendor.py)", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
