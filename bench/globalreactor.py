"""
Benchmark: what making the fake the global reactor adds to a test.

Run from the repository root::

    python bench/globalreactor.py          # 2,000 rounds per case
    python bench/globalreactor.py 10000    # more

All cases run in one interpreter, taking turns round after round (so a
machine busy with something else slows them alike), and each reports the
best of five timings, as ``timeit`` does.  The cases:

  test on a FakeReactor       a trial test whose only line is
                              ``useFakeReactor(self)``, run with its
                              cleanups: what every test pays.
  global reactor only         installing a FakeReactor as the global
                              reactor, tripwire armed, and putting the
                              real one back: the part of the above this
                              feature adds.
  with patch= of a module     the same, patching one module's ``reactor``.
  a refused call              one call to the real reactor's ``callLater``
                              refused by the tripwire, message built.

Exits 1 if the global reactor costs more than half of a whole test.
"""

from __future__ import annotations

import sys
import time
import types
from collections.abc import Callable

from twisted.internet import reactor as realReactor
from twisted.trial.reporter import TestResult
from twisted.trial.unittest import SynchronousTestCase

from twisted_wsfakes import FakeReactor, RealReactorUsed, useFakeReactor
from twisted_wsfakes.globalreactor import installGlobalReactor

#: A module that imported the reactor at its top, for patch=.
_holder = types.ModuleType("_benchholder")
_holder.reactor = realReactor  # type: ignore[attr-defined]
sys.modules[_holder.__name__] = _holder


class _Inner(SynchronousTestCase):
    def test_x(self) -> None:
        useFakeReactor(self)


def wholeTest() -> None:
    _Inner("test_x").run(TestResult())


def globalOnly() -> None:
    installGlobalReactor(FakeReactor()).uninstall()


def withPatch() -> None:
    installGlobalReactor(FakeReactor(), patch=[_holder]).uninstall()


def refusedCall() -> None:
    installation = installGlobalReactor(FakeReactor())
    try:
        realReactor.callLater(1, print)  # type: ignore[attr-defined]
    except RealReactorUsed:
        pass
    try:
        installation.uninstall()
    except RealReactorUsed:
        pass


CASES: dict[str, Callable[[], None]] = {
    "test on a FakeReactor": wholeTest,
    "global reactor only": globalOnly,
    "with patch= of a module": withPatch,
    "a refused call (+ install)": refusedCall,
}


def timeOnce(case: Callable[[], None], rounds: int) -> float:
    start = time.perf_counter()
    for _ in range(rounds):
        case()
    return (time.perf_counter() - start) / rounds


def main(rounds: int) -> int:
    best = {name: float("inf") for name in CASES}
    for _ in range(5):
        for name, case in CASES.items():
            best[name] = min(best[name], timeOnce(case, rounds))
    whole = best["test on a FakeReactor"]
    print(f"best of 5 runs of {rounds} rounds each, per round:")
    for name, seconds in best.items():
        print(f"  {name:<30} {seconds * 1e6:9.1f} µs  {seconds / whole:6.1%} of a test")
    return 0 if best["global reactor only"] < whole / 2 else 1


if __name__ == "__main__":
    sys.exit(main(int(sys.argv[1]) if len(sys.argv) > 1 else 2000))
