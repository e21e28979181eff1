"""Daphne with tracemalloc on, for ``bench/idle_sockets.py --trace``: where the memory of
idle sockets goes, measured inside the server.

    python bench/daphne_traced.py <daphne's arguments>

On SIGUSR1 it takes a snapshot; the first one is the baseline, and every later one
writes the allocations that grew since the baseline (top lines, and top tracebacks four
frames deep) to ``$TRACE_OUT`` (default ``/tmp/daphne-trace.txt``). tracemalloc makes
the server slower and larger (its own bookkeeping is not in the figures it prints): use
it to find where memory goes, never for the figures themselves.
"""

from __future__ import annotations

import os
import signal
import sys
import tracemalloc
from typing import Any

FRAMES = 4
TOP = 40

_baseline: list[tracemalloc.Snapshot] = []


def _filtered(snapshot: tracemalloc.Snapshot) -> tracemalloc.Snapshot:
    return snapshot.filter_traces(
        (
            tracemalloc.Filter(False, tracemalloc.__file__),
            tracemalloc.Filter(False, "<frozen importlib._bootstrap*>"),
        )
    )


def _dump(_signum: int, _frame: Any) -> None:
    snapshot = _filtered(tracemalloc.take_snapshot())
    if not _baseline:
        _baseline.append(snapshot)
        return
    out = os.environ.get("TRACE_OUT", "/tmp/daphne-trace.txt")
    with open(out, "w") as f:
        for key in ("lineno", "traceback"):
            stats = snapshot.compare_to(_baseline[0], key)
            total = sum(s.size_diff for s in stats)
            count = sum(s.count_diff for s in stats)
            f.write(f"# by {key}: {total / 1024:.0f} KiB in {count} blocks grew\n")
            for stat in stats[:TOP]:
                f.write(f"{stat.size_diff / 1024:10.1f} KiB {stat.count_diff:8d} blocks\n")
                lines = stat.traceback.format() if key == "traceback" else [str(stat.traceback)]
                for line in lines:
                    f.write(f"    {line}\n")
            f.write("\n")


def main() -> None:
    tracemalloc.start(FRAMES)
    signal.signal(signal.SIGUSR1, _dump)
    from daphne.cli import CommandLineInterface

    sys.argv[0] = "daphne"
    CommandLineInterface.entrypoint()


if __name__ == "__main__":
    main()
