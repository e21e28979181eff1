"""Daphne with tracemalloc on, for ``bench/idle_sockets.py --trace``: where the memory of
idle sockets goes, measured inside the server.

    python bench/daphne_traced.py <daphne's arguments>

The first SIGUSR1 starts tracemalloc (the baseline: nothing allocated before is
traced, and startup runs at full speed); every later one writes the allocations made
since and still alive (top lines, and top tracebacks, ``$TRACE_FRAMES`` deep,
default 1) to ``$TRACE_OUT`` (default ``/tmp/daphne-trace.txt``). tracemalloc makes
the server slower and larger (its own bookkeeping is not in the figures it prints): use
it to find where memory goes, never for the figures themselves.
"""

from __future__ import annotations

import os
import signal
import sys
import tracemalloc
from typing import Any

FRAMES = int(os.environ.get("TRACE_FRAMES", "1"))  # more frames: much slower
TOP = 40


def _filtered(snapshot: tracemalloc.Snapshot) -> tracemalloc.Snapshot:
    return snapshot.filter_traces(
        (
            tracemalloc.Filter(False, tracemalloc.__file__),
            tracemalloc.Filter(False, "<frozen importlib._bootstrap*>"),
        )
    )


def _dump(_signum: int, _frame: Any) -> None:
    if not tracemalloc.is_tracing():
        tracemalloc.start(FRAMES)  # from now on: what was there before is not traced
        return
    snapshot = _filtered(tracemalloc.take_snapshot())
    out = os.environ.get("TRACE_OUT", "/tmp/daphne-trace.txt")
    with open(out, "w") as f:
        for key in ("lineno", "traceback"):
            stats = snapshot.statistics(key)
            total = sum(s.size for s in stats)
            count = sum(s.count for s in stats)
            f.write(f"# by {key}: {total / 1024:.0f} KiB in {count} blocks allocated since\n")
            for stat in stats[:TOP]:
                f.write(f"{stat.size / 1024:10.1f} KiB {stat.count:8d} blocks\n")
                lines = stat.traceback.format() if key == "traceback" else [str(stat.traceback)]
                for line in lines:
                    f.write(f"    {line}\n")
            f.write("\n")


def main() -> None:
    signal.signal(signal.SIGUSR1, _dump)
    from daphne.cli import CommandLineInterface

    sys.argv[0] = "daphne"
    CommandLineInterface.entrypoint()


if __name__ == "__main__":
    main()
