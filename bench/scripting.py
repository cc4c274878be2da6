"""
Benchmark: building script steps, matching messages and replaying a
transcript, before and after issue 9's split of script.py.

Run from the repository root::

    python bench/scripting.py                 # against the code before issue 9
    python bench/scripting.py --base main~5   # against another commit

Each measurement runs twice, in fresh subprocesses: once on the code of
``--base`` (extracted with ``git archive`` into a temporary directory) and
once on this checkout; the table shows both and their ratio.

(a) 20,000 times ``expectJSON(pattern)`` of a pattern with matchers and
    nested dicts and lists (checked and frozen).
(b) 20,000 times ``sendJSON(value)`` of a nested JSON value.
(c) 20,000 times ``ExpectJSON.check`` of a matching message (parsed, then
    matched).
(d) ``Script.fromTranscript`` of a transcript of 20,000 JSON messages from
    the client, with ``ignoreFields={"id"}`` (every one becomes an
    ``expectJSON`` step, its ``id`` loosened).

Timed with ``time.perf_counter``, best of three; each run checks its result.
It exits 1 if any figure is more than 1.5 times slower than before.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from typing import Any

from _compare import HERE, answer, extract, measureIn, row

#: The commit before issue 9's changes: the "before" of the figures.
DEFAULT_BASE = "88a1e09a477ad27ad05fb3b63b25619b90605b5a"
TIMES = 20_000
VALUE = {"op": "tick", "id": 7, "data": {"price": 100.5, "tags": ["a", "b", {"x": 1}]}}


def _best(run: Callable[[], object]) -> float:
    timings = []
    for _ in range(3):
        start = time.perf_counter()
        run()
        timings.append(time.perf_counter() - start)
    return min(timings)


def measureBuild(kind: str) -> dict[str, Any]:
    """
    Time building ``TIMES`` ``expectJSON`` or ``sendJSON`` steps.
    """
    from twisted_wsfakes import ANY, approx, expectJSON, sendJSON

    if kind == "expect":
        pattern = {"op": "tick", "id": ANY, "data": {"price": approx(100, abs=1)}}

        def run() -> object:
            return [expectJSON(pattern) for _ in range(TIMES)]

    else:

        def run() -> object:
            return [sendJSON(VALUE) for _ in range(TIMES)]

    assert len(run()) == TIMES  # type: ignore[arg-type]
    return {"seconds": _best(run)}


def measureCheck() -> dict[str, Any]:
    """
    Time ``TIMES`` checks of a matching message against an ``expectJSON``.
    """
    from twisted_wsfakes import ANY, approx, expectJSON
    from twisted_wsfakes.script import Message

    step = expectJSON({"op": "tick", "id": ANY, "data": {"price": approx(100, 1)}})
    message = Message.fromText(json.dumps(VALUE))
    assert step.check(message) == []

    def run() -> object:
        return [step.check(message) for _ in range(TIMES)]

    return {"seconds": _best(run)}


def measureReplay() -> dict[str, Any]:
    """
    Time ``Script.fromTranscript`` of ``TIMES`` client JSON messages.
    """
    from twisted_wsfakes import Script, Transcript
    from twisted_wsfakes.transcript import TextMessage

    transcript = Transcript(
        [
            TextMessage(index / 10, "client", json.dumps({**VALUE, "id": index}))
            for index in range(TIMES)
        ]
    )

    def run() -> object:
        return Script.fromTranscript(transcript, ignoreFields={"id"})

    script = run()
    assert len(script) == TIMES, len(script)  # type: ignore[arg-type]
    return {"seconds": _best(run)}


def _measure(what: str, argument: str) -> dict[str, Any]:
    if what == "build":
        return measureBuild(argument)
    if what == "check":
        return measureCheck()
    return measureReplay()


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--base", default=DEFAULT_BASE, help="commit to compare to")
    parser.add_argument("--measure", nargs=2, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.measure:
        return answer(_measure(*args.measure))

    ok = True
    with tempfile.TemporaryDirectory() as scratch:
        extract(args.base, scratch)
        print(f"before: {args.base[:12]}   after: this checkout")
        print(f"  {'':<40} {'before':>14} {'after':>14} {'ratio':>9}")
        for label, what, argument in [
            (f"(a) expectJSON(pattern) x {TIMES:,}", "build", "expect"),
            (f"(b) sendJSON(value) x {TIMES:,}", "build", "send"),
            (f"(c) ExpectJSON.check x {TIMES:,}", "check", "-"),
            (f"(d) Script.fromTranscript, {TIMES:,} msgs", "replay", "-"),
        ]:
            before = measureIn(scratch, __file__, what, argument)["seconds"]
            after = measureIn(HERE, __file__, what, argument)["seconds"]
            print(row(label, before, after, "s"), flush=True)
            ok &= after < 1.5 * before
    print("PASS" if ok else "FAIL")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
