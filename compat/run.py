"""
Compatibility check: Twisted's and Autobahn's own test suites, run with
twisted_wsfakes' fakes in place of Twisted's.

Run from the repository root (``tox -e compat`` does)::

    python compat/run.py            # every suite, swapped and unswapped
    python compat/run.py --verbose  # also list each failing test

Each suite is loaded from the installed packages and run twice, each time in
a fresh process: once as shipped, and once with the fakes swapped in before
the suite is imported, exactly as a project adopting the toolkit would do
with one import change:

  - ``twisted.internet.task.Clock`` -> ``twisted_wsfakes.Clock``
  - ``twisted.internet.testing.MemoryReactorClock`` and ``MemoryReactor``
    -> ``twisted_wsfakes.FakeReactor`` (and the same names re-exported by
    ``twisted.test.proto_helpers``)

It prints passed/failed per suite, side by side, then checks every failure
of the swapped run against ``compat/differences.csv``: the intended
differences, each with its reason (the documentation shows the same file).
It exits 1 if a test fails swapped that is not listed there, or if a listed
test no longer fails (the list must not rot).  A test that fails unswapped
too is Twisted's or Autobahn's own problem in this environment, and does not
count.
"""

from __future__ import annotations

import argparse
import csv
import io
import json
import os
import subprocess
import sys
import tempfile
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from twisted.internet import task, testing
from twisted.test import proto_helpers
from twisted.trial import reporter, runner

from twisted_wsfakes import Clock, FakeReactor

HERE = Path(__file__).resolve().parent

SUITES = (
    "twisted.test.test_task",
    "twisted.internet.test.test_endpoints",
    "twisted.application.test.test_internet",
    "autobahn.twisted.test",
    "autobahn.websocket.test",
)

DIFFERENCES = HERE / "differences.csv"


def swapFakes() -> None:
    """
    Put twisted_wsfakes' fakes where Twisted's are, before any suite loads.
    """
    task.Clock = Clock  # type: ignore[misc]
    for module in (testing, proto_helpers):
        module.MemoryReactor = FakeReactor  # type: ignore[misc]
        module.MemoryReactorClock = FakeReactor  # type: ignore[misc]


class _Recorder(reporter.Reporter):
    """
    A trial reporter that keeps each test's outcome by its id.
    """

    outcomes: dict[str, str]

    def _record(self, test: Any, outcome: str) -> None:
        self.outcomes[test.id()] = outcome

    def addSuccess(self, test: Any) -> None:
        super().addSuccess(test)
        self._record(test, "passed")

    def addFailure(self, test: Any, fail: Any) -> None:
        super().addFailure(test, fail)
        self._record(test, "failed")

    def addError(self, test: Any, error: Any) -> None:
        super().addError(test, error)
        self._record(test, "failed")

    def addUnexpectedSuccess(self, test: Any, todo: Any = None) -> None:
        super().addUnexpectedSuccess(test, todo)
        self._record(test, "failed")

    def addExpectedFailure(self, test: Any, error: Any, todo: Any = None) -> None:
        super().addExpectedFailure(test, error, todo)
        self._record(test, "passed")

    def addSkip(self, test: Any, reason: Any) -> None:
        super().addSkip(test, reason)
        self._record(test, "skipped")


def runSuite(name: str, swapped: bool) -> dict[str, str]:
    """
    Run one suite in this process; return each test's outcome by its id.
    """
    if swapped:
        swapFakes()
    outcomes: dict[str, str] = {}

    def makeReporter(
        stream: object, tbformat: str, realtime: bool, publisher: object
    ) -> _Recorder:
        recorder = _Recorder(io.StringIO(), tbformat, realtime, publisher)
        recorder.outcomes = outcomes
        return recorder

    suite = runner.TestLoader().loadByName(name, recurse=True)
    with tempfile.TemporaryDirectory() as work:
        trial = runner.TrialRunner(
            makeReporter,
            workingDirectory=os.path.join(work, "_trial_temp"),
            # Collect garbage around every test, so that a Deferred left
            # failing by one test is reported there, not in whichever test
            # happens to be running when it is collected.
            forceGarbageCollection=True,
        )
        trial.run(suite)
    return outcomes


def runAll(names: Sequence[str]) -> dict[tuple[str, bool], dict[str, str]]:
    """
    Run each suite as shipped and swapped, each in a fresh interpreter (so
    that no swap leaks between runs), all at once; return each run's
    outcomes by (suite, swapped).
    """
    # Autobahn's suites load their Twisted tests only when asked to.
    env = {**os.environ, "USE_TWISTED": "1"}
    with tempfile.TemporaryDirectory() as work:
        children = {}
        for index, (name, swapped) in enumerate(
            (name, swapped) for name in names for swapped in (False, True)
        ):
            # The suites print to stdout themselves: results go through a file.
            results = os.path.join(work, f"{index}.json")
            command = [sys.executable, __file__, "--child", name, "--results", results]
            if swapped:
                command.append("--swapped")
            log = open(os.path.join(work, f"{index}.log"), "w+")  # noqa: SIM115
            child = subprocess.Popen(command, stdout=log, stderr=log, env=env)
            children[name, swapped] = (child, results, log)
        outcomes = {}
        for key, (child, results, log) in children.items():
            with log:
                if child.wait() != 0:
                    log.seek(0)
                    sys.stderr.write(log.read())
                    raise SystemExit(f"compat: running {key[0]} failed")
            with open(results, encoding="utf-8") as f:
                outcomes[key] = json.load(f)
    return outcomes


def readDifferences(path: Path = DIFFERENCES) -> dict[str, str]:
    """
    The intended differences: test id -> reason.
    """
    with path.open(encoding="utf-8", newline="") as f:
        return {row["test"]: row["reason"] for row in csv.DictReader(f)}


def _count(outcomes: dict[str, str], outcome: str) -> int:
    return sum(1 for each in outcomes.values() if each == outcome)


def main(argv: Sequence[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--verbose", action="store_true")
    parser.add_argument("--child", help=argparse.SUPPRESS)
    parser.add_argument("--swapped", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--results", help=argparse.SUPPRESS)
    parser.add_argument("suites", nargs="*", default=SUITES)
    options = parser.parse_args(argv)
    if options.child:
        outcomes = runSuite(options.child, options.swapped)
        with open(options.results, "w", encoding="utf-8") as f:
            json.dump(outcomes, f)
        return 0

    differences = readDifferences()
    unexpected: list[str] = []
    intended: set[str] = set()
    header = (
        f"{'suite':42} {'tests':>5}  {'as shipped':>14}  {'our fakes':>14}  "
        f"{'intended':>8}"
    )
    print(header)
    print("-" * len(header))
    runs = runAll(options.suites)
    for name in options.suites:
        plain, ours = runs[name, False], runs[name, True]
        failing = sorted(
            test
            for test, outcome in ours.items()
            if outcome == "failed" and plain.get(test) != "failed"
        )
        listed = [test for test in failing if test in differences]
        intended.update(test for test in differences if test.startswith(name + "."))
        unexpected += [test for test in failing if test not in differences]
        print(
            f"{name:42} {len(plain):>5}  "
            f"{_count(plain, 'passed'):>5} pass {_count(plain, 'failed'):>3} fail  "
            f"{_count(ours, 'passed'):>5} pass {_count(ours, 'failed'):>3} fail  "
            f"{len(listed):>8}"
        )
        if options.verbose:
            for test in failing:
                print(f"    {'intended' if test in listed else 'FAILS'}: {test}")
        intended -= set(failing)
    problems = 0
    if unexpected:
        problems += 1
        print(f"\n{len(unexpected)} failure(s) not listed in {DIFFERENCES.name}:")
        for test in unexpected:
            print(f"  {test}")
    stale = sorted(
        test for test in intended if any(test.startswith(s) for s in options.suites)
    )
    if stale:
        problems += 1
        print(f"\n{len(stale)} listed difference(s) that no longer fail:")
        for test in stale:
            print(f"  {test}")
    print("\ncompat: " + ("FAIL" if problems else "PASS"))
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
