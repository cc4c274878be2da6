"""
Tests for `twisted_wsfakes.realnet.record`: recording a live exchange with
a ``websockets`` server on loopback.
"""

from __future__ import annotations

import json
import os
import signal
import sys
from typing import Any

from twisted.internet import reactor
from twisted.internet.defer import Deferred, inlineCallbacks
from twisted.internet.protocol import ProcessProtocol
from twisted.internet.task import LoopingCall
from twisted.python.failure import Failure
from twisted.trial.unittest import TestCase

from .. import ANY, RealNetworkError, Script, Transcript, record
from ..realnet.serve import serveScript
from ..script import expectJSON, expectText, sendText, wait
from ..transcript import BinaryMessage, ConnectionEnd, Request, TextMessage
from ._realnet import startEchoServer


class RecordTests(TestCase):
    """
    `record` captures every event of a real exchange, to a file that loads.
    """

    timeout = 30

    @inlineCallbacks
    def test_echoExchange(self):  # type: ignore[no-untyped-def]
        """
        Sends go out once open; the echo comes back; the file written as
        events happened loads to the same transcript.
        """
        port = yield startEchoServer(self)
        path = self.mktemp()
        transcript = yield record(
            f"ws://127.0.0.1:{port}/echo",
            ["hello", b"\x00\x01"],
            duration=0.2,
            output=path,
        )
        self.assertEqual(
            transcript.messages(), ("hello", b"\x00\x01", "hello", b"\x00\x01")
        )
        self.assertEqual([type(event) for event in transcript][-1:], [ConnectionEnd])
        loaded = Transcript.load(path)
        self.assertEqual(loaded, transcript)
        self.assertEqual(loaded.metadata["url"], f"ws://127.0.0.1:{port}/echo")

    @inlineCallbacks
    def test_secretsRedactedByDefault(self):  # type: ignore[no-untyped-def]
        """
        Credential headers and named JSON fields never reach the file; the
        header says what was redacted, and a replay lets them match anything.
        """
        port = yield startEchoServer(self)
        path = self.mktemp()
        yield record(
            f"ws://127.0.0.1:{port}/",
            ['{"op":"login","token":"s3cret-token"}'],
            headers={"Authorization": "Bearer s3cret-header", "Cookie": "id=s3cret"},
            redactJSON=["$.token"],
            duration=0.2,
            output=path,
        )
        with open(path, "rb") as file:
            content = file.read()
        self.assertNotIn(b"s3cret", content)
        loaded = Transcript.load(path)
        request = loaded[0]
        assert isinstance(request, Request)
        self.assertEqual(request.header("Authorization"), "[redacted]")
        self.assertEqual(json.loads(loaded.metadata["redactedJSON"]), ["$.token"])
        replay = Script.fromTranscript(loaded)
        self.assertIn(expectJSON({"op": "login", "token": ANY}), replay.steps)

    @inlineCallbacks
    def test_noRedact(self):  # type: ignore[no-untyped-def]
        """
        With ``redact=False`` every value is kept as it was.
        """
        port = yield startEchoServer(self)
        transcript = yield record(
            f"ws://127.0.0.1:{port}/",
            headers={"Authorization": "Bearer kept"},
            duration=0.1,
            redact=False,
        )
        self.assertEqual(transcript[0].header("Authorization"), "Bearer kept")

    def test_refused(self):  # type: ignore[no-untyped-def]
        """
        A port nobody listens on fails the Deferred with a line saying so.
        """
        server = serveScript(reactor, 0, Script(expectText("x")))
        port = server.getHost().port  # type: ignore[attr-defined]
        stopping = server.stopListening()

        def tryIt(_: object) -> Deferred[Transcript]:
            return record(f"ws://127.0.0.1:{port}/", duration=0.1)

        d = stopping.addCallback(tryIt) if stopping else tryIt(None)
        d = self.assertFailure(d, RealNetworkError)
        d.addCallback(
            lambda e: self.assertIn("cannot connect to ws://127.0.0.1", str(e))
        )
        return d

    def test_existingOutput(self) -> None:
        """
        An output file that exists is refused before connecting, unless
        ``overwrite`` is given.
        """
        path = self.mktemp()
        with open(path, "w") as file:
            file.write("keep me")
        error = self.assertRaises(
            RealNetworkError, record, "ws://127.0.0.1:1/", output=path
        )
        self.assertIn("already exists", str(error))
        with open(path) as file:
            self.assertEqual(file.read(), "keep me")


class _Ended(ProcessProtocol):
    def __init__(self) -> None:
        self.ended: Deferred[Any] = Deferred()

    def processEnded(self, reason: Failure) -> None:
        # The error itself: a Failure would make the Deferred fail.
        self.ended.callback(reason.value)


class KilledRecorderTests(TestCase):
    """
    A recorder killed half way leaves a file that loads.
    """

    timeout = 30

    @inlineCallbacks
    def recordUntil(self, signalNumber: int):  # type: ignore[no-untyped-def]
        """
        Run ``twisted-wsfakes record`` against a server that sends three
        messages and waits; once the file holds them, send ``signalNumber``;
        return the process's end and the file, loaded.
        """
        server = serveScript(
            reactor,
            0,
            Script(sendText("one"), sendText("two"), sendText("three"), wait(60)),
        )
        self.addCleanup(server.stopListening)
        port = server.getHost().port  # type: ignore[attr-defined]
        path = self.mktemp()
        protocol = _Ended()
        process = reactor.spawnProcess(
            protocol,
            sys.executable,
            [
                sys.executable,
                "-m",
                "twisted_wsfakes",
                "record",
                f"ws://127.0.0.1:{port}/",
                "--until-close",
                "-o",
                path,
            ],
            env=dict(os.environ),
        )
        written: Deferred[None] = Deferred()

        def check() -> None:
            if os.path.exists(path):
                with open(path, "rb") as file:
                    if file.read().count(b'"kind": "text"') == 3:
                        poll.stop()
                        written.callback(None)

        poll = LoopingCall(check)
        poll.start(0.02)
        yield written
        process.signalProcess(signalNumber)
        end = yield protocol.ended
        loaded = Transcript.load(path)
        texts = [event.data for event in loaded if isinstance(event, TextMessage)]
        self.assertEqual(texts, ["one", "two", "three"])
        return end, loaded

    @inlineCallbacks
    def test_sigkill(self):  # type: ignore[no-untyped-def]
        """
        SIGKILL of the ``twisted-wsfakes record`` process, after three
        messages came, leaves a file with all three that loads.
        """
        end, loaded = yield self.recordUntil(signal.SIGKILL)
        self.assertEqual(end.signal, signal.SIGKILL)
        self.assertFalse(any(isinstance(event, BinaryMessage) for event in loaded))

    @inlineCallbacks
    def test_ctrlC(self):  # type: ignore[no-untyped-def]
        """
        Ctrl-C (SIGINT) closes the websocket properly first: the file ends
        with the closing handshake and the end of the connection.
        """
        end, loaded = yield self.recordUntil(signal.SIGINT)
        self.assertEqual(end.exitCode, 0)
        self.assertEqual(
            [(e.kind, e.sender) for e in loaded][-3:],
            [("close", "client"), ("close", "server"), ("closed", "server")],
        )
