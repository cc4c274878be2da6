"""
Benchmark: what ``from twisted_wsfakes import Clock, FakeReactor`` costs,
against importing the names that need Autobahn too.

Run from the repository root::

    python bench/imports.py           # 15 fresh interpreters per case
    python bench/imports.py 40        # more

Each case runs in fresh interpreters (so nothing is cached in
``sys.modules``) and times its import statement alone with
``time.perf_counter``.  The cases take turns, run after run, so a machine
busy with something else slows them alike; the figure is the best run, as
``timeit`` reports, the one least disturbed by that.  The cases:

  clock and reactor       ``from twisted_wsfakes import Clock, FakeReactor``:
                          what a test of plain Twisted code imports; Autobahn
                          stays out.
  every public name       the same plus ``ScriptedServer``, which loads
                          Autobahn: the cost every import paid before the
                          names that need Autobahn were made lazy.
  Autobahn alone          ``import autobahn.twisted.websocket``, for scale.

Exits 1 if the first case imports Autobahn, or is not faster than the
second.
"""

from __future__ import annotations

import os
import subprocess
import sys

CASES = {
    "clock and reactor": "from twisted_wsfakes import Clock, FakeReactor",
    "every public name": (
        "from twisted_wsfakes import Clock, FakeReactor, ScriptedServer"
    ),
    "Autobahn alone": "import autobahn.twisted.websocket",
}

_PROGRAM = """
import sys, time
start = time.perf_counter()
{statement}
elapsed = time.perf_counter() - start
print(elapsed, "autobahn" in sys.modules)
"""


def _timeOnce(statement: str) -> tuple[float, bool]:
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    env = dict(os.environ, PYTHONPATH=root, PYTHONDONTWRITEBYTECODE="")
    out = subprocess.run(
        [sys.executable, "-c", _PROGRAM.format(statement=statement)],
        check=True,
        capture_output=True,
        text=True,
        env=env,
    ).stdout.split()
    return float(out[0]), out[1] == "True"


def main(runs: int) -> int:
    times: dict[str, list[float]] = {name: [] for name in CASES}
    autobahn: dict[str, bool] = {}
    for _ in range(runs):
        for name, statement in CASES.items():
            elapsed, autobahn[name] = _timeOnce(statement)
            times[name].append(elapsed)
    best = {name: min(each) for name, each in times.items()}
    print(f"import time, best of {runs} fresh interpreters per case")
    for name in CASES:
        loaded = "yes" if autobahn[name] else "no"
        print(f"  {name:<20} {best[name] * 1000:7.1f} ms   Autobahn: {loaded}")
    lazy, eager = best["clock and reactor"], best["every public name"]
    print(
        f"clock and reactor take {lazy / eager:.2f}x the time of every public name"
        f" ({(eager - lazy) * 1000:.1f} ms saved per process)"
    )
    ok = not autobahn["clock and reactor"] and lazy < eager
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main(int(sys.argv[1]) if len(sys.argv) > 1 else 15))
