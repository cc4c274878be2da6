"""
Tests for `twisted_wsfakes.cli`: the ``twisted-wsfakes`` command, run
in-process on trial's reactor (and once as ``python -m``).
"""

from __future__ import annotations

import io
import os
import sys

from twisted.internet import reactor
from twisted.internet.defer import Deferred, inlineCallbacks
from twisted.internet.protocol import Factory, Protocol
from twisted.internet.utils import getProcessOutputAndValue
from twisted.trial.unittest import TestCase

from .. import Script, Transcript, serveScript
from ..cli import run
from ..script import reject, sendText
from ..transcript import Close, ConnectionEnd, Request, Response, TextMessage
from ._realnet import runPeer, startEchoServer

#: What ``serve tests.test_cli:SCRIPTS`` plays: two scripts, in turn.
SCRIPTS = [Script(sendText("first")), Script(sendText("second"))]

_CHAT = Transcript(
    [
        Request(0.0, "client", "GET", "/chat"),
        Response(0.0, "server", 101, "Switching Protocols"),
        TextMessage(0.01, "client", "hello"),
        TextMessage(0.02, "server", "there"),
        TextMessage(0.03, "client", "general"),
        TextMessage(0.04, "server", "kenobi"),
        Close(0.05, "client", 1000),
        Close(0.05, "server", 1000),
        ConnectionEnd(0.06, "server", "closed"),
    ]
)


class _Run:
    """
    One in-process run of the command, with what it wrote.
    """

    def __init__(self, *argv: str, err: io.StringIO | None = None) -> None:
        self.out = io.StringIO()
        self.err = err or io.StringIO()
        self.code: Deferred[int] = run(reactor, argv, self.out, self.err)

    def port(self) -> str:
        """
        The port ``serve`` said it listens on.
        """
        return self.out.getvalue().split("\n")[0].split(":")[-1].split(";")[0]


class _Refuser(Protocol):
    """
    Answers any request with a 403 whose reason phrase holds an escape
    sequence (which Autobahn, and reject(), would never send), then closes.
    """

    def dataReceived(self, data: bytes) -> None:
        assert self.transport is not None
        self.transport.write(b"HTTP/1.1 403 No\x1b[2J\r\nContent-Length: 0\r\n\r\n")
        self.transport.loseConnection()


class UserErrorTests(TestCase):
    """
    Each error a user can cause prints one line and exits 2.
    """

    timeout = 20

    @inlineCallbacks
    def assertUserError(self, *argv: str):  # type: ignore[no-untyped-def]
        command = _Run(*argv)
        code = yield command.code
        self.assertEqual(code, 2)
        lines = command.err.getvalue().splitlines()
        self.assertEqual(len(lines), 1, lines)
        self.assertTrue(lines[0].startswith("twisted-wsfakes"), lines[0])
        return lines[0]

    @inlineCallbacks
    def test_missingFile(self):  # type: ignore[no-untyped-def]
        """
        ``show`` of a file that is not there.
        """
        line = yield self.assertUserError("show", "nowhere.jsonl")
        self.assertIn("nowhere.jsonl: No such file or directory", line)

    @inlineCallbacks
    def test_invalidFile(self):  # type: ignore[no-untyped-def]
        """
        ``serve`` of a file that is not a transcript names the line.
        """
        path = self.mktemp()
        with open(path, "w") as file:
            file.write("not json\n")
        line = yield self.assertUserError("serve", path, "--port", "0")
        self.assertIn(f"{path}, line 1: not valid JSON", line)

    @inlineCallbacks
    def test_refused(self):  # type: ignore[no-untyped-def]
        """
        ``record`` to a port nobody listens on.
        """
        listening = reactor.listenTCP(0, Factory.forProtocol(Protocol))  # type: ignore[arg-type]
        port = listening.getHost().port  # type: ignore[attr-defined]
        yield listening.stopListening()
        line = yield self.assertUserError(
            "record", f"ws://127.0.0.1:{port}/", "-o", self.mktemp()
        )
        self.assertIn("cannot connect", line)

    @inlineCallbacks
    def test_handshakeRefused(self):  # type: ignore[no-untyped-def]
        """
        ``record`` from a server that refuses the handshake.
        """
        server = serveScript(reactor, 0, Script(reject(403, "Forbidden")))
        self.addCleanup(server.stopListening)
        port = server.getHost().port  # type: ignore[attr-defined]
        line = yield self.assertUserError(
            "record", f"ws://127.0.0.1:{port}/", "-o", self.mktemp()
        )
        self.assertIn("refused the websocket handshake with 403 Forbidden", line)

    @inlineCallbacks
    def test_handshakeRefusedEscaped(self):  # type: ignore[no-untyped-def]
        """
        ``record`` shows a refusing server's reason phrase with escape
        sequences escaped: a server cannot drive the user's terminal.
        """
        server = reactor.listenTCP(0, Factory.forProtocol(_Refuser))  # type: ignore[arg-type]
        self.addCleanup(server.stopListening)
        port = server.getHost().port  # type: ignore[attr-defined]
        line = yield self.assertUserError(
            "record", f"ws://127.0.0.1:{port}/", "-o", self.mktemp()
        )
        self.assertNotIn("\x1b", line)
        self.assertIn("refused the websocket handshake with 403 No\\x1b[2J", line)

    @inlineCallbacks
    def test_portInUse(self):  # type: ignore[no-untyped-def]
        """
        ``serve`` and ``proxy`` on a port already taken.
        """
        server = serveScript(reactor, 0, Script(sendText("x")))
        self.addCleanup(server.stopListening)
        port = str(server.getHost().port)  # type: ignore[attr-defined]
        path = self.mktemp()
        _CHAT.save(path)
        line = yield self.assertUserError("serve", path, "--port", port)
        self.assertIn(f"cannot listen on 127.0.0.1:{port}", line)
        line = yield self.assertUserError(
            "proxy",
            "--listen",
            port,
            "--target",
            "ws://127.0.0.1:1",
            "-o",
            self.mktemp(),
        )
        self.assertIn("choose another port", line)

    @inlineCallbacks
    def test_badURL(self):  # type: ignore[no-untyped-def]
        """
        ``record`` of something that is not a websocket URL.
        """
        line = yield self.assertUserError("record", "http://example.com/", "-o", "x")
        self.assertIn("bad URL 'http://example.com/'", line)

    @inlineCallbacks
    def test_outputExists(self):  # type: ignore[no-untyped-def]
        """
        ``record`` never replaces a file without ``--force``.
        """
        path = self.mktemp()
        with open(path, "w") as file:
            file.write("precious")
        line = yield self.assertUserError("record", "ws://127.0.0.1:1/", "-o", path)
        self.assertIn("--force", line)
        with open(path) as file:
            self.assertEqual(file.read(), "precious")

    @inlineCallbacks
    def test_badArguments(self):  # type: ignore[no-untyped-def]
        """
        Arguments argparse refuses, and a module:attr that is not there.
        """
        line = yield self.assertUserError("serve", "x.jsonl")
        self.assertIn("--port", line)
        line = yield self.assertUserError("serve", "nosuchmodule:x", "--port", "0")
        self.assertIn("cannot import nosuchmodule", line)

    def test_asScript(self) -> Deferred[None]:
        """
        ``python -m twisted_wsfakes`` prints the one line, no traceback.
        """
        d: Deferred[tuple[bytes, bytes, int]] = getProcessOutputAndValue(
            sys.executable,
            ["-m", "twisted_wsfakes", "show", "nowhere.jsonl"],
            env=dict(os.environ),
        )

        def check(result: tuple[bytes, bytes, int]) -> None:
            out, err, code = result
            self.assertEqual((out, code), (b"", 2))
            self.assertEqual(len(err.splitlines()), 1, err)

        return d.addCallback(check)


class ServeCommandTests(TestCase):
    """
    ``serve`` plays a recording to real clients and exits by its verdict.
    """

    timeout = 20

    @inlineCallbacks
    def test_follows(self):  # type: ignore[no-untyped-def]
        """
        A client that follows the recording: exit 0.
        """
        path = self.mktemp()
        _CHAT.save(path)
        command = _Run("serve", path, "--port", "0", "--once")
        said = yield runPeer("converse", command.port(), "/chat", "hello", "general")
        self.assertEqual(said, [{"got": "there"}, {"got": "kenobi"}])
        code = yield command.code
        self.assertEqual(code, 0)
        self.assertIn("connection 1: ok", command.out.getvalue())

    @inlineCallbacks
    def test_deviates(self):  # type: ignore[no-untyped-def]
        """
        A client that deviates: exit 1, the report names the step and the
        unexpected message.
        """
        path = self.mktemp()
        _CHAT.save(path)
        command = _Run("serve", path, "--port", "0", "--once")
        yield runPeer("converse", command.port(), "/chat", "hello", "admiral")
        code = yield command.code
        self.assertEqual(code, 1)
        out = command.out.getvalue()
        self.assertIn("connection 1: FAILED", out)
        self.assertIn("step 5 of 8 (expectText)", out)
        self.assertIn('got      text "admiral"', out)

    @inlineCallbacks
    def test_moduleScripts(self):  # type: ignore[no-untyped-def]
        """
        ``module:attr`` names a list of Scripts, played in turn.
        """
        command = _Run("serve", f"{__name__}:SCRIPTS", "--port", "0", "--once")
        said = yield runPeer("converse", command.port(), "/", "ignored")
        self.assertEqual(said[0], {"got": "first"})
        code = yield command.code
        self.assertEqual(code, 1)  # the script ended before the client's message


class RecordCommandTests(TestCase):
    """
    ``record`` writes a file that ``show`` draws.
    """

    timeout = 20

    @inlineCallbacks
    def test_recordAndShow(self):  # type: ignore[no-untyped-def]
        """
        ``--send`` text and ``@FILE`` binary, recorded for a duration, quiet
        when not on a terminal; ``show`` draws it as text or Mermaid.
        """
        port = yield startEchoServer(self)
        binary = self.mktemp()
        with open(binary, "wb") as file:
            file.write(b"\xff\x00")
        path = self.mktemp()
        command = _Run(
            "record",
            f"ws://127.0.0.1:{port}/",
            "--send",
            "hi",
            "--send",
            f"@{binary}",
            "--duration",
            "0.2",
            "-o",
            path,
        )
        code = yield command.code
        self.assertEqual(
            (code, command.out.getvalue(), command.err.getvalue()), (0, "", "")
        )
        self.assertEqual(Transcript.load(path).messages("server"), ("hi", b"\xff\x00"))
        shown = _Run("show", path)
        self.assertEqual((yield shown.code), 0)
        self.assertIn("server → client  binary ff00", shown.out.getvalue())
        mermaid = _Run("show", path, "--format", "mermaid")
        self.assertEqual((yield mermaid.code), 0)
        self.assertIn("server->>client: ", mermaid.out.getvalue())

    @inlineCallbacks
    def test_progressOnTerminal(self):  # type: ignore[no-untyped-def]
        """
        On a terminal, one progress line is rewritten as frames pass, then
        a last line says what was written.
        """
        port = yield startEchoServer(self)
        path = self.mktemp()
        command = _Run(
            "record",
            f"ws://127.0.0.1:{port}/",
            "--send",
            "hi",
            "--duration",
            "0.1",
            "-o",
            path,
            err=_Terminal(),
        )
        self.assertEqual((yield command.code), 0)
        err = command.err.getvalue()
        self.assertIn("\r", err)
        self.assertIn("sent 2 frames", err)
        self.assertIn("received 2 frames", err)
        self.assertTrue(err.endswith(f"events to {path}\n"), err)


class _Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


class DemoTests(TestCase):
    """
    ``demo`` runs the whole loop on loopback.
    """

    timeout = 20

    @inlineCallbacks
    def test_demo(self):  # type: ignore[no-untyped-def]
        """
        It records through the proxy, replays in memory, and passes.
        """
        command = _Run("demo")
        code = yield command.code
        out = command.out.getvalue()
        self.assertEqual(code, 0, out)
        self.assertIn("PASS: the client followed the recording", out)
        self.assertIn('client → server  close 1000 "done"', out)
