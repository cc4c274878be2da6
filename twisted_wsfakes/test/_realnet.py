"""
Helpers for the real-network tests: ``websockets`` peers in subprocesses
(`twisted_wsfakes.test._wspeer`), started and stopped from trial.
"""

from __future__ import annotations

import json
import os
import sys
from typing import Any

from twisted.internet import reactor
from twisted.internet.defer import Deferred
from twisted.internet.protocol import ProcessProtocol
from twisted.internet.utils import getProcessOutputAndValue
from twisted.python.failure import Failure
from twisted.trial.unittest import TestCase

_PEER = ["-m", "twisted_wsfakes.test._wspeer"]


def runPeer(*arguments: str) -> Deferred[list[dict[str, Any]]]:
    """
    Run a ``_wspeer`` client to its end; fire with the JSON lines it said.
    """

    def parsed(result: tuple[bytes, bytes, int]) -> list[dict[str, Any]]:
        out, err, code = result
        if code != 0:
            raise AssertionError(f"peer {arguments} exited {code}:\n{err.decode()}")
        return [json.loads(line) for line in out.decode().splitlines()]

    output: Deferred[tuple[bytes, bytes, int]] = getProcessOutputAndValue(
        sys.executable, [*_PEER, *arguments], env=dict(os.environ)
    )
    return output.addCallback(parsed)


class _FirstLine(ProcessProtocol):
    def __init__(self) -> None:
        self.line: Deferred[dict[str, Any]] = Deferred()
        self.ended: Deferred[None] = Deferred()
        self.buffer = b""

    def outReceived(self, data: bytes) -> None:
        self.buffer += data
        if b"\n" in self.buffer and not self.line.called:
            self.line.callback(json.loads(self.buffer.split(b"\n")[0]))

    def processEnded(self, reason: Failure) -> None:
        if not self.line.called:
            self.line.errback(reason)
        self.ended.callback(None)


def startEchoServer(testCase: TestCase) -> Deferred[int]:
    """
    Start a ``websockets`` echo server for the test; fire with its port.
    It is killed at cleanup.
    """
    protocol = _FirstLine()
    process = reactor.spawnProcess(
        protocol, sys.executable, [sys.executable, *_PEER, "echo"], env=dict(os.environ)
    )

    def stop() -> Deferred[None]:
        if process.pid is not None:
            process.signalProcess("KILL")
        return protocol.ended

    testCase.addCleanup(stop)
    return protocol.line.addCallback(lambda line: int(line["port"]))


class Notes:
    """
    Collects the lines a proxy notes as connections end, and says when
    ``count`` have.
    """

    def __init__(self) -> None:
        self.lines: list[str] = []
        self._waiting: list[tuple[int, Deferred[list[str]]]] = []

    def note(self, line: str) -> None:
        self.lines.append(line)
        for count, d in list(self._waiting):
            if len(self.lines) >= count:
                self._waiting.remove((count, d))
                d.callback(self.lines)

    def waitFor(self, count: int) -> Deferred[list[str]]:
        d: Deferred[list[str]] = Deferred()
        self._waiting.append((count, d))
        if len(self.lines) >= count:
            self._waiting.remove((count, d))
            d.callback(self.lines)
        return d
