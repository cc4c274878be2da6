"""
Benchmark: parsing HTTP heads and loading transcript files, before and after.

Run from the repository root::

    python bench/parsing.py                 # against the code before issue 8
    python bench/parsing.py --base main~5   # against another commit

Each measurement runs twice, in fresh subprocesses: once on the code of
``--base`` (extracted with ``git archive`` into a temporary directory) and
once on this checkout; the table shows both and their ratio.

(a) ``transcriptFromWire`` over one client write: an upgrade request whose
    ``X-Pad`` header value is ``a``, then 16,000, 32,000 or 64,000 spaces,
    then ``b``.  The base's header regex backtracked over the padding.
(b) ``Transcript.load`` of a file of 100,000 small events (text, binary,
    ping and pong lines in turn).
(c) ``Transcript.load`` of a 50 MB file of large messages (4,000-character
    texts and 3,000-byte binaries in turn).

The files are written once, as JSON Lines, by this script (not by either
version's writer) into a temporary directory.  Timed with
``time.perf_counter``; each run checks the result (the header's value, the
number of events).  Exits 1 if (a) at 64,000 is not faster now.
"""

from __future__ import annotations

import argparse
import base64
import json
import os
import sys
import tempfile
import time
from collections.abc import Iterator, Sequence
from typing import Any

from _compare import HERE, answer, extract, measureIn, row

#: The commit before issue 8's changes: the "before" of the figures.
DEFAULT_BASE = "40b9920f1e182dac93864fcac7d1a6dc078d7073"
PADDING = (16_000, 32_000, 64_000)
MANY_EVENTS = 100_000
BIG_FILE = 50 * 1000 * 1000


def measureHead(padding: int) -> dict[str, Any]:
    """
    Time reading one request head with ``padding`` spaces in a header value.
    """
    from twisted_wsfakes.transcript.wire import WireData, transcriptFromWire

    head = b"GET /v1 HTTP/1.1\r\nHost: x\r\nX-Pad: a" + b" " * padding + b"b\r\n\r\n"
    start = time.perf_counter()
    (request,) = transcriptFromWire([WireData(0, "client", head)]).events
    seconds = time.perf_counter() - start
    assert len(request.header("X-Pad")) == padding + 2, request
    return {"seconds": seconds}


def measureLoad(path: str) -> dict[str, Any]:
    """
    Time ``Transcript.load(path)``.
    """
    from twisted_wsfakes import Transcript

    start = time.perf_counter()
    transcript = Transcript.load(path)
    return {"seconds": time.perf_counter() - start, "events": len(transcript)}


def _smallEvents() -> Iterator[dict[str, object]]:
    for index in range(MANY_EVENTS):
        sender = ("client", "server")[index % 2]
        kind = ("text", "binary", "ping", "pong")[index % 4]
        line: dict[str, object] = {"time": index / 100, "sender": sender, "kind": kind}
        if kind == "text":
            line["text"] = json.dumps({"op": "tick", "seq": index, "price": 100.5})
        else:
            line["base64"] = base64.b64encode(index.to_bytes(4, "big")).decode()
        yield line


def _bigEvents() -> Iterator[dict[str, object]]:
    text = ("héllo, wörld ✓ " * 300)[:4000]
    data = base64.b64encode(bytes(range(256)) * 12)[:4000].decode()
    index = 0
    while True:
        line: dict[str, object] = {"time": index / 100, "sender": "server"}
        if index % 2:
            line.update(kind="binary", base64=data)
        else:
            line.update(kind="text", text=text)
        yield line
        index += 1


def _write(path: str, events: Iterator[dict[str, object]], size: int | None) -> int:
    """
    Write a transcript file of ``events`` (until it holds ``size`` bytes, if
    given); return the number of events.
    """
    header = {"format": "twisted_wsfakes transcript", "version": 1}
    count = 0
    with open(path, "wb") as file:
        file.write(json.dumps(header).encode() + b"\n")
        for event in events:
            file.write(json.dumps(event, ensure_ascii=False).encode() + b"\n")
            count += 1
            if size is not None and file.tell() >= size:
                break
    return count


def _measure(what: str, argument: str) -> dict[str, Any]:
    if what == "head":
        return measureHead(int(argument))
    return measureLoad(argument)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--base", default=DEFAULT_BASE, help="commit to compare to")
    parser.add_argument("--measure", nargs=2, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.measure:
        return answer(_measure(*args.measure))

    with tempfile.TemporaryDirectory() as scratch:
        baseRoot = os.path.join(scratch, "base")
        os.mkdir(baseRoot)
        extract(args.base, baseRoot)
        print(f"before: {args.base[:12]}   after: this checkout")
        print(f"  {'':<40} {'before':>14} {'after':>14} {'ratio':>9}")

        def compare(label: str, what: str, argument: str) -> tuple[float, float]:
            before = measureIn(baseRoot, __file__, what, argument)
            after = measureIn(HERE, __file__, what, argument)
            assert before.get("events") == after.get("events"), (before, after)
            print(row(label, before["seconds"], after["seconds"], "s"), flush=True)
            return before["seconds"], after["seconds"]

        heads = {}
        for padding in PADDING:
            label = f"(a) head, value padded with {padding:,} spaces"
            heads[padding] = compare(label, "head", str(padding))
        many = os.path.join(scratch, "many.jsonl")
        count = _write(many, _smallEvents(), None)
        compare(f"(b) load, {count:,} events", "load", many)
        big = os.path.join(scratch, "big.jsonl")
        count = _write(big, _bigEvents(), BIG_FILE)
        megabytes = os.path.getsize(big) / 1e6
        compare(f"(c) load, {megabytes:.0f} MB ({count:,} events)", "load", big)
    before, after = heads[PADDING[-1]]
    ok = after < before
    print("PASS" if ok else "FAIL")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
