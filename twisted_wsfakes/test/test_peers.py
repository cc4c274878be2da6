"""
Tests for :mod:`twisted_wsfakes.peers`: ScriptedServer and ScriptedClient
play Scripts on real Autobahn protocols over a FakeReactor, report what did
not match with the transcript so far, and fail the test that never checks.

The code under test here is always a real Autobahn protocol (the recording
ones of ``_autobahn``) or, for frames Autobahn would never send, a plain
Twisted protocol writing bytes by hand.
"""

from __future__ import annotations

import ast
import base64
import hashlib
import json
import re
import struct
from collections.abc import Callable
from pathlib import Path
from typing import Any, cast

from autobahn.twisted.websocket import connectWS, listenWS
from hypothesis import given, settings
from hypothesis import strategies as st
from twisted.internet.defer import Deferred, fail
from twisted.internet.endpoints import TCP4ClientEndpoint
from twisted.internet.error import ConnectionRefusedError
from twisted.internet.protocol import ClientFactory, Factory, Protocol
from twisted.python.failure import Failure
from twisted.trial.reporter import TestResult
from twisted.trial.unittest import SynchronousTestCase

from .. import (
    ANY,
    DeferredMock,
    FakeReactor,
    Script,
    ScriptedClient,
    ScriptedServer,
    ScriptError,
    ScriptMismatch,
    approx,
    close,
    closeTCP,
    expectBinary,
    expectClose,
    expectHandshake,
    expectJSON,
    expectMessage,
    expectText,
    goSilent,
    inAnyOrder,
    peers,
    ping,
    regex,
    reject,
    repeat,
    reply,
    sendBinary,
    sendJSON,
    sendText,
    strict,
    useFakeReactor,
    wait,
)
from ..matchers import Difference, Matcher
from ..script import Message, Step
from ..websocket import bindTxaio
from ._autobahn import (
    URL,
    Closed,
    RecordingClientProtocol,
    RecordingServerProtocol,
    clientFactory,
    connectionOf,
    serverFactory,
)
from ._protocols import useEndingReactor

#: The URL of the issue's example report; TLS is not simulated, so any
#: object does as the context factory.
FEED = "wss://feed.example.com/v1"
_NO_TLS = object()

#: The opening of Autobahn's reason for a connection lost without a close.
_UNCLEAN = "connection was closed uncleanly"

#: The GUID that RFC 6455 appends to the client's key for the accept header.
_GUID = b"258EAFA5-E914-47DA-95CA-C5AB0DC85B11"


# Builders -------------------------------------------------------------------


def _connect(
    reactor: FakeReactor,
    url: str = URL,
    protocol: type[RecordingClientProtocol] = RecordingClientProtocol,
    **options: Any,
) -> RecordingClientProtocol:
    """
    Connect a fresh recording Autobahn client to ``url`` and flush.

    :param options: for ``clientFactory``: ``protocols``, ``headers`` and
        protocol options such as ``autoPingInterval``.
    :returns: the client's protocol.
    """
    factory = clientFactory(reactor, url, protocol=protocol, **options)
    connectWS(factory, _NO_TLS if factory.isSecure else None)
    reactor.flush()
    [client] = factory.built
    return client


def _send(reactor: FakeReactor, client: Any, *messages: str | bytes) -> None:
    """
    Send each message from ``client`` (``bytes`` as binary) and flush.
    """
    for message in messages:
        if isinstance(message, bytes):
            client.sendMessage(message, isBinary=True)
        else:
            client.sendMessage(message.encode("utf-8"))
    reactor.flush()


def _report(
    testCase: SynchronousTestCase, peer: ScriptedServer | ScriptedClient
) -> str:
    """
    ``peer.assertDone()`` must raise :class:`ScriptMismatch`; its report.
    """
    return str(testCase.assertRaises(ScriptMismatch, peer.assertDone))


def _lines(text: str) -> list[str]:
    return text.splitlines()


def _messages(protocol: Any) -> list[str | bytes]:
    """
    What a recording protocol received: text as ``str``, binary as ``bytes``.
    """
    return [
        payload if isBinary else payload.decode("utf-8")
        for payload, isBinary in protocol.messages
    ]


def _run(case: SynchronousTestCase) -> list[Failure]:
    """
    Run an inner test case; every error and failure it reported.
    """
    result = TestResult()
    case.run(result)
    # trial's TestResult keeps each one as a Failure.
    return [cast(Failure, failure) for _, failure in result.errors + result.failures]


class _Deaf(RecordingClientProtocol):
    """
    A client that records pings and never answers them.
    """

    def sendPong(self, payload: bytes | None = None) -> None:
        pass


class _WrongPong(RecordingClientProtocol):
    """
    A client that answers every ping with a pong of another payload.
    """

    def sendPong(self, payload: bytes | None = None) -> None:
        super().sendPong(b"something else")


class _Echo(RecordingServerProtocol):
    """
    A server under test that sends every message back, and closes with 4000
    when told ``"bye"``.
    """

    def onMessage(self, payload: bytes, isBinary: bool) -> None:
        super().onMessage(payload, isBinary)
        if payload == b"bye":
            self.sendClose(4000, "as asked")
        else:
            self.sendMessage(payload, isBinary)


def _serveEcho(reactor: FakeReactor, **options: Any) -> Any:
    """
    Serve :class:`_Echo` on ``URL`` with ``listenWS``: the user's own server.

    :param options: for ``serverFactory``: ``protocols`` and protocol options.
    :returns: its factory.
    """
    factory = serverFactory(reactor, URL, protocol=_Echo, **options)
    listenWS(factory)
    return factory


def _frame(opcode: int, payload: bytes, masked: bool = True) -> bytes:
    """
    One final websocket frame of up to 125 bytes, written by hand.

    A masked frame gets the all-zero mask key, which leaves the payload as
    it is.
    """
    if masked:
        return bytes([0x80 | opcode, 0x80 | len(payload)]) + b"\0\0\0\0" + payload
    return bytes([0x80 | opcode, len(payload)]) + payload


class _RawClient(Protocol):
    """
    A websocket client written by hand: it sends the opening handshake and
    ``frames`` at once, then reads nothing.
    """

    def __init__(self, frames: bytes) -> None:
        self.frames = frames

    def connectionMade(self) -> None:
        assert self.transport is not None
        self.transport.write(
            b"GET /v1 HTTP/1.1\r\n"
            b"Host: feed.example.com:9000\r\n"
            b"Upgrade: websocket\r\n"
            b"Connection: Upgrade\r\n"
            b"Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
            b"Sec-WebSocket-Version: 13\r\n\r\n" + self.frames
        )


class _RawServer(Protocol):
    """
    A websocket server written by hand: it accepts the opening handshake and
    sends ``frames`` with its answer.
    """

    def __init__(self, frames: bytes) -> None:
        self.frames = frames
        self.received = b""

    def dataReceived(self, data: bytes) -> None:
        assert self.transport is not None
        self.received += data
        found = re.search(
            rb"Sec-WebSocket-Key: *(\S+)\r\n", self.received, re.IGNORECASE
        )
        if b"\r\n\r\n" not in self.received or found is None:
            return
        accept = base64.b64encode(hashlib.sha1(found.group(1) + _GUID).digest())
        self.transport.write(
            b"HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n"
            b"Connection: Upgrade\r\nSec-WebSocket-Accept: "
            + accept
            + b"\r\n\r\n"
            + self.frames
        )
        self.received = b""
        self.frames = b""


def _rawFactory(build: Callable[[], Protocol]) -> ClientFactory:
    factory = ClientFactory()
    factory.buildProtocol = lambda addr: build()  # type: ignore[method-assign]
    return factory


class _PeerTestCase(SynchronousTestCase):
    """
    A test case with a fresh FakeReactor: its cleanup checks every scripted
    peer, so a test that leaves a problem unchecked fails.
    """

    def setUp(self) -> None:
        self.reactor = useEndingReactor(self)

    def serve(self, *scripts: Script, **options: Any) -> ScriptedServer:
        return self.reactor.serveWebSocket(URL, *scripts, **options)

    def closedOf(self, protocol: Any) -> Closed:
        """
        How a recording protocol's connection closed; it must have.
        """
        closed: Closed = self.successResultOf(protocol.closed)
        return closed


# Steps that work ------------------------------------------------------------


class HandshakeTests(_PeerTestCase):
    """
    ``expectHandshake`` checks the client's request, and the server answers
    it.
    """

    def test_requestMatches(self) -> None:
        """
        Path, subprotocol, headers (a matcher, ``ANY``, ``None`` for absent)
        and query parameters (one value, ``ANY``, every value of a repeated
        one) all match: the handshake completes with the subprotocol named.
        """
        server = self.serve(
            Script(
                expectHandshake(
                    path="/v1",
                    subprotocol="feed.v2",
                    headers={
                        "Authorization": regex("^Bearer "),
                        "X-Trace": ANY,
                        "Cookie": None,
                    },
                    query={"room": "7", "token": ANY, "tag": ["a", "b"]},
                )
            )
        )
        client = _connect(
            self.reactor,
            URL + "?room=7&token=xyz&tag=a&tag=b",
            protocols=["feed.v1", "feed.v2"],
            headers={"Authorization": "Bearer t0k3n", "X-Trace": "1"},
        )
        server.assertDone()
        [(_, response), opened] = client.events
        self.assertEqual((response.protocol, opened), ("feed.v2", ("open",)))

    def test_blankQueryValue(self) -> None:
        """
        A query parameter with an empty value (``?flag=``) matches an
        expected empty string.
        """
        server = self.serve(Script(expectHandshake(query={"flag": "", "room": "7"})))
        _connect(self.reactor, URL + "?flag=&room=7")
        server.assertDone()

    def test_noSubprotocolUnlessNamed(self) -> None:
        """
        A server whose script names no subprotocol selects none, whatever
        the client offers.
        """
        self.serve(Script(sendText("hi")))
        client = _connect(self.reactor, protocols=["feed.v1"])
        [(_, response), _, _] = client.events
        self.assertIsNone(response.protocol)
        self.assertEqual(_messages(client), ["hi"])

    def test_serverHeaders(self) -> None:
        """
        ``headers=`` adds headers to the server's 101 response.
        """
        server = self.serve(Script(), headers={"X-Region": "eu-1"})
        client = _connect(self.reactor)
        [(_, response), _] = client.events
        self.assertEqual(response.headers["x-region"], "eu-1")
        self.assertEqual(server.transcripts[0][1].header("X-Region"), "eu-1")

    def test_reject(self) -> None:
        """
        ``reject(401, ...)`` answers the handshake with a 401: the client
        never opens, and its ``onClose`` says the upgrade failed.
        """
        server = self.serve(Script(reject(401, "Unauthorized")))
        client = _connect(self.reactor)
        self.assertEqual(
            client.events,
            [
                (
                    "close",
                    False,
                    1006,
                    (
                        f'{_UNCLEAN} ("WebSocket connection upgrade failed [401]: '
                        f'Unauthorized")'
                    ),
                )
            ],
        )
        self.assertEqual(server.transcripts[0][1].status, 401)
        server.assertDone()

    def test_rejectThroughEndpoint(self) -> None:
        """
        Through an endpoint, a rejected handshake is no connect failure: the
        TCP connection succeeded, so the endpoint's Deferred fires with the
        protocol, whose ``is_open`` never fires; ``onClose`` reports it.
        """
        self.serve(Script(reject(403, "Forbidden")))
        endpoint = TCP4ClientEndpoint(self.reactor, "feed.example.com", 9000)
        connecting = endpoint.connect(clientFactory(self.reactor))
        self.reactor.flush()
        client: Any = self.successResultOf(connecting)
        self.assertNoResult(client.is_open)
        self.assertFalse(self.closedOf(client).wasClean)

    def test_rejectWithHeaders(self) -> None:
        """
        ``reject(headers=...)`` sends its headers with the refusal, after a
        passing ``expectHandshake``.
        """
        server = self.serve(
            Script(
                expectHandshake(path="/v1"),
                reject(503, "Busy", headers={"Retry-After": "30"}),
            )
        )
        _connect(self.reactor)
        response = server.transcripts[0][1]
        self.assertEqual(
            (response.status, response.reason, response.header("Retry-After")),
            (503, "Busy", "30"),
        )
        server.assertDone()


class MessageStepTests(_PeerTestCase):
    """
    Expecting and sending messages.
    """

    def test_expectEachKind(self) -> None:
        """
        ``expectText``, ``expectBinary``, ``expectJSON`` and
        ``expectMessage`` (text and binary) each take one matching message.
        """
        server = self.serve(
            Script(
                expectText("hello"),
                expectBinary(b"\x00\x01"),
                expectJSON({"op": "hi"}),
                expectMessage(ANY),
                expectMessage(b"\xff"),
            )
        )
        client = _connect(self.reactor)
        _send(self.reactor, client, "hello", b"\x00\x01", '{"op":"hi","x":1}')
        _send(self.reactor, client, "not JSON", b"\xff")
        server.assertDone()

    def test_matchersAtDepth(self) -> None:
        """
        Matchers anywhere in a JSON pattern: inside lists and dicts, with
        ``strict`` refusing extra keys only where it is.
        """
        server = self.serve(
            Script(
                expectJSON(
                    {
                        "method": "trade",
                        "params": [
                            {"id": regex(r"^T\d+$"), "price": approx(10.0, abs=0.01)},
                            strict({"side": ANY}),
                        ],
                    }
                )
            )
        )
        client = _connect(self.reactor)
        trade = {
            "method": "trade",
            "extra": True,
            "params": [{"id": "T42", "price": 10.005, "qty": 3}, {"side": "buy"}],
        }
        _send(self.reactor, client, json.dumps(trade))
        server.assertDone()

    def test_sends(self) -> None:
        """
        ``sendText``, ``sendBinary`` and ``sendJSON`` reach the client in
        order: text, binary, and JSON text as ``json.dumps`` writes it.
        """
        self.serve(
            Script(
                sendText("héllo"),
                sendBinary(b"\x00\xff"),
                sendJSON({"op": "tick", "price": [1, 2.5, None]}),
            )
        )
        client = _connect(self.reactor)
        self.assertEqual(
            _messages(client),
            ["héllo", b"\x00\xff", '{"op": "tick", "price": [1, 2.5, null]}'],
        )

    def test_replyEchoesId(self) -> None:
        """
        ``reply`` answers a JSON-RPC request with the id it carried.
        """
        server = self.serve(
            Script(
                repeat(
                    reply(
                        lambda m: {"jsonrpc": "2.0", "id": m.json()["id"], "result": 0},
                        expect={"method": "ping", "id": ANY},
                    ),
                    times=2,
                )
            )
        )
        client = _connect(self.reactor)
        _send(
            self.reactor,
            client,
            '{"jsonrpc":"2.0","method":"ping","id":17}',
            '{"jsonrpc":"2.0","method":"ping","id":"abc"}',
        )
        self.assertEqual(
            [json.loads(m) for m in _messages(client)],
            [
                {"jsonrpc": "2.0", "id": 17, "result": 0},
                {"jsonrpc": "2.0", "id": "abc", "result": 0},
            ],
        )
        server.assertDone()

    def test_replyKinds(self) -> None:
        """
        A reply function's ``str`` is sent as text, ``bytes`` as binary,
        ``None`` as nothing.
        """
        answers = iter(["text", b"\x01", None])
        server = self.serve(Script(repeat(reply(lambda m: next(answers)), times=3)))
        client = _connect(self.reactor)
        _send(self.reactor, client, "a", "b", "c")
        self.assertEqual(_messages(client), ["text", b"\x01"])
        server.assertDone()

    def test_inAnyOrder(self) -> None:
        """
        An ``inAnyOrder`` group takes its messages in any order, and a reply
        in it answers at once.
        """
        server = self.serve(
            Script(
                inAnyOrder(
                    expectJSON({"subscribe": "trades"}),
                    reply(lambda m: {"ok": "book"}, expect={"subscribe": "book"}),
                ),
                sendText("both"),
            )
        )
        client = _connect(self.reactor)
        _send(self.reactor, client, '{"subscribe":"book"}', '{"subscribe":"trades"}')
        self.assertEqual(_messages(client), ['{"ok": "book"}', "both"])
        server.assertDone()

    def test_repeat(self) -> None:
        """
        ``repeat`` plays its block the given number of times.
        """
        server = self.serve(
            Script(repeat(expectText("ping"), sendText("pong"), times=3))
        )
        client = _connect(self.reactor)
        _send(self.reactor, client, "ping", "ping")
        self.assertEqual(_messages(client), ["pong", "pong"])
        self.assertRaises(ScriptMismatch, server.assertDone)
        _send(self.reactor, client, "ping")
        self.assertEqual(_messages(client), ["pong"] * 3)
        server.assertDone()


class TimingTests(_PeerTestCase):
    """
    ``wait`` and ``ping`` on the fake clock.
    """

    def test_headlineExample(self) -> None:
        """
        The script at the top of script.py and docs/scripts.rst plays to its
        end against a client that subscribes once.
        """
        server = self.reactor.serveWebSocket(
            "ws://feed.example.com:9000/rpc",
            Script(
                expectHandshake(
                    path="/rpc", headers={"Authorization": regex("^Bearer ")}
                ),
                reply(
                    lambda m: {"id": m.json()["id"], "result": "ok"},
                    expect={"method": "subscribe", "id": ANY},
                ),
                repeat(sendJSON({"op": "tick"}), wait(1), times=3),
                close(1001, "bye"),
            ),
        )
        client = _connect(
            self.reactor,
            "ws://feed.example.com:9000/rpc",
            headers={"Authorization": "Bearer t0ken"},
        )
        _send(self.reactor, client, '{"method": "subscribe", "id": 7}')
        self.reactor.advance(5)
        self.assertEqual(
            _messages(client), ['{"id": 7, "result": "ok"}'] + ['{"op": "tick"}'] * 3
        )
        self.assertEqual(self.closedOf(client).code, 1001)
        server.assertDone()

    def test_groupTriesExpectationsInWrittenOrder(self) -> None:
        """
        A message two members of ``inAnyOrder`` accept goes to the one
        written first: ``ANY`` written last takes only what is left.
        """
        answers: list[str] = []

        def answer(name: str) -> Callable[[Message], str]:
            def record(message: Message) -> str:
                answers.append(name)
                return name

            return record

        server = self.serve(
            Script(
                inAnyOrder(
                    reply(answer("specific"), expect="x"),
                    reply(answer("any"), expect=ANY),
                )
            )
        )
        client = _connect(self.reactor)
        _send(self.reactor, client, "x", "y")
        self.assertEqual(answers, ["specific", "any"])
        server.assertDone()

    def test_waitZeroGoesOnAtOnce(self) -> None:
        """
        ``wait(0)`` does not wait for the next advance: what follows it is
        played in the same flush.
        """
        server = self.serve(Script(sendText("a"), wait(0), sendText("b")))
        client = _connect(self.reactor)
        self.assertEqual(_messages(client), ["a", "b"])
        self.assertEqual(self.reactor.getDelayedCalls(), [])
        server.assertDone()

    def test_waitAtExactTimes(self) -> None:
        """
        Sends separated by ``wait`` arrive at exactly the waited times.
        """
        self.serve(
            Script(sendText("a"), wait(2.5), sendText("b"), wait(1), sendText("c"))
        )
        client = _connect(self.reactor)
        self.reactor.advance(2.4)
        self.assertEqual(_messages(client), ["a"])
        self.reactor.advance(10)
        self.assertEqual(client.timesOf("message"), [0.0, 2.5, 3.5])

    def test_messageDuringWaitIsKept(self) -> None:
        """
        A message that arrives during a ``wait`` waits for the next
        expecting step.
        """
        server = self.serve(Script(wait(5), expectText("early"), sendText("seen")))
        client = _connect(self.reactor)
        _send(self.reactor, client, "early")
        self.assertEqual(_messages(client), [])
        self.reactor.advance(5)
        self.assertEqual(client.timeline[-1], (5.0, ("message", b"seen", False)))
        server.assertDone()

    def test_pingWaitsForPong(self) -> None:
        """
        ``ping`` sends its payload and the next step runs once the pong
        with it came back.
        """
        server = self.serve(Script(ping(b"are you there"), sendText("after")))
        client = _connect(self.reactor)
        self.assertEqual(
            client.events[2:],
            [("ping", b"are you there"), ("message", b"after", False)],
        )
        server.assertDone()

    def test_pongWithOtherPayloadIgnored(self) -> None:
        """
        A pong that does not carry the ping's payload does not answer it:
        the script waits on.
        """
        server = self.serve(Script(ping(b"are you there"), sendText("after")))
        client = _connect(self.reactor, protocol=_WrongPong)
        self.reactor.advance(30)
        self.assertEqual(_messages(client), [])
        self.assertIn("stopped at step 1 of 2 (ping)", _report(self, server))

    def test_pongNeverComes(self) -> None:
        """
        A ``ping`` that gets no pong holds the script there, and the steps
        still waiting are listed.
        """
        server = self.serve(Script(ping(b"hi"), sendText("after")))
        client = _connect(self.reactor, protocol=_Deaf)
        self.reactor.advance(30)
        self.assertEqual(_messages(client), [])
        report = _lines(_report(self, server))
        self.assertEqual(
            report[:3],
            [
                (
                    f"{URL}, connection 1: the script stopped at step 1 of 2 (ping); "
                    "the connection is still open. Steps still waiting:"
                ),
                "    step 1 of 2 (ping): ping(b'hi')",
                '    step 2 of 2 (sendText): sendText("after")',
            ],
        )


class ClosingTests(_PeerTestCase):
    """
    ``close``, ``expectClose``, ``closeTCP`` and ``goSilent``, as the client sees
    them.
    """

    def test_close(self) -> None:
        """
        ``close(code, reason)`` reaches the client's ``onClose`` as a clean
        close with that code and reason.
        """
        server = self.serve(Script(sendText("bye"), close(4001, "go away")))
        client = _connect(self.reactor)
        self.assertEqual(self.closedOf(client), Closed(True, 4001, "go away", 0.0))
        server.assertDone()

    def test_closeThenExpectClose(self) -> None:
        """
        ``expectClose`` after ``close`` checks the client's answer: Autobahn
        answers a close frame with 1000, whatever code it got.
        """
        server = self.serve(Script(close(1001), expectClose(1000)))
        _connect(self.reactor)
        server.assertDone()

    def test_expectClose(self) -> None:
        """
        ``expectClose(code, reason)`` is met by the client's close frame.
        """
        server = self.serve(Script(expectText("done"), expectClose(4000, "bye")))
        client = _connect(self.reactor)
        _send(self.reactor, client, "done")
        client.sendClose(4000, "bye")
        self.reactor.flush()
        self.assertTrue(self.closedOf(client).wasClean)
        server.assertDone()

    def test_drop(self) -> None:
        """
        ``closeTCP()`` closes TCP with no close frame: the client sees an unclean
        close with 1006, and the transcript who closed it.
        """
        server = self.serve(Script(expectText("go"), closeTCP()))
        client = _connect(self.reactor)
        _send(self.reactor, client, "go")
        closed = self.closedOf(client)
        self.assertEqual((closed.wasClean, closed.code), (False, 1006))
        self.assertEqual(
            _lines(server.transcripts[0].render())[-1],
            "  0.000  connection closed by server",
        )
        server.assertDone()

    def test_dropDeliversWhatWasSentFirst(self) -> None:
        """
        ``closeTCP()`` ends TCP after what earlier steps sent has arrived, with
        no websocket closing handshake: the client gets the message, then an
        unclean close.
        """
        server = self.serve(Script(sendText("last words"), closeTCP()))
        client = _connect(self.reactor)
        self.assertEqual(_messages(client), ["last words"])
        closed = self.closedOf(client)
        self.assertEqual((closed.wasClean, closed.code), (False, 1006))
        server.assertDone()

    def test_stallAndAutoPing(self) -> None:
        """
        After ``goSilent()`` the server answers nothing: the client's auto-ping
        goes at 5 s, gets no pong, and the client gives up at 5 + 2 s.
        """
        server = self.serve(Script(sendText("hi"), goSilent()))
        client = _connect(self.reactor, autoPingInterval=5, autoPingTimeout=2)
        self.reactor.advance(60)
        self.assertEqual(client.timesOf("sendPing"), [5.0])
        closed = self.closedOf(client)
        self.assertEqual(
            (closed.wasClean, closed.code, closed.time), (False, 1006, 7.0)
        )
        self.assertIn("ping timeout", closed.reason or "")
        server.assertDone()

    def test_messagesAfterCloseIgnored(self) -> None:
        """
        Data messages that cross the server's close frame are ignored, as
        a closing peer would.
        """

        class Chatty(RecordingClientProtocol):
            def onOpen(self) -> None:
                super().onOpen()
                self.sendMessage(b"one more thing")

        server = self.serve(Script(close()))
        client = _connect(self.reactor, protocol=Chatty)
        self.assertTrue(self.closedOf(client).wasClean)
        self.assertEqual(server.transcripts[0].messages("client"), ("one more thing",))
        server.assertDone()


# Steps that fail, and their reports -----------------------------------------


class _Broken(Matcher):
    """
    A matcher of the test's own that raises when used.
    """

    def describe(self) -> str:
        return "broken()"

    def match(self, value: object, path: str = "$") -> list[Difference]:
        raise ZeroDivisionError("the matcher broke")


class ReportTests(_PeerTestCase):
    """
    Each kind of step failing, with the report it gives.
    """

    def test_matcherRaisesInMessage(self) -> None:
        """
        A matcher that raises while checking a message is a mismatch with
        its traceback, not an error in the reactor.
        """
        server = self.serve(Script(expectJSON({"n": _Broken()})))
        client = _connect(self.reactor)
        _send(self.reactor, client, '{"n": 1}')
        report = _report(self, server)
        self.assertIn("step 1 of 1 (expectJSON)", report)
        self.assertIn("checking it raised ZeroDivisionError: the matcher broke", report)
        self.assertEqual(self.flushLoggedErrors(), [])

    def test_replyRaisesInsideGroup(self) -> None:
        """
        A reply that raises inside ``inAnyOrder`` is reported with which
        expectation of the group it was.
        """

        def broken(message: Message) -> object:
            raise KeyError("id")

        server = self.serve(
            Script(inAnyOrder(expectText("a"), reply(broken, expect=regex("^b"))))
        )
        client = _connect(self.reactor)
        _send(self.reactor, client, "b")
        report = _report(self, server)
        self.assertIn("step 1 of 1 (inAnyOrder, expectation 2 of 2: reply):", report)
        self.assertIn("the reply function raised KeyError", report)

    def test_matcherRaisesInHandshake(self) -> None:
        """
        A header matcher that raises is a mismatch: the client is refused
        with 400 and the report says what came.
        """
        server = self.serve(Script(expectHandshake(headers={"X-Token": _Broken()})))
        _connect(self.reactor, headers={"X-Token": "abc"})
        report = _report(self, server)
        self.assertIn("got      request GET /v1", report)
        self.assertIn("checking it raised ZeroDivisionError", report)
        self.assertEqual(self.flushLoggedErrors(), [])

    def test_issueExample(self) -> None:
        """
        The report of the issue, word for word: where, expected, got, the
        path of the difference, and the transcript with the bad message
        marked.
        """
        server = self.reactor.serveWebSocket(
            FEED,
            Script(
                expectHandshake(path="/v1"),
                expectJSON({"op": "subscribe", "channel": "BTC-USD"}),
                sendJSON({"op": "subscribed"}),
                wait(1),
                sendJSON({"op": "tick"}),
                close(),
            ),
        )
        client = _connect(self.reactor, FEED, protocols=["feed.v1"])
        _send(self.reactor, client, '{"op":"subscribe","channel":"ETH-USD"}')
        error = self.assertRaises(ScriptMismatch, server.assertDone)
        self.assertEqual(
            f"{type(error).__name__}: {error}",
            """\
ScriptMismatch: wss://feed.example.com/v1, connection 1, step 2 of 6 (expectJSON):
  expected {"op": "subscribe", "channel": "BTC-USD"}
  got      {"op": "subscribe", "channel": "ETH-USD"}
  differs at $.channel: "BTC-USD" != "ETH-USD"
transcript so far:
  0.000  client → server  request GET /v1 (subprotocols: feed.v1)
  0.000  server → client  response 101 Switching Protocols
  0.000  client → server  text {"op":"subscribe","channel":"ETH-USD"}    ✗ step 2""",
        )

    def test_mismatchClosesWith1011(self) -> None:
        """
        By default a mismatch closes the connection with 1011 and the
        script's remaining steps are not played.
        """
        server = self.serve(Script(expectText("a"), sendText("never")))
        client = _connect(self.reactor)
        _send(self.reactor, client, "b")
        self.assertEqual(
            self.closedOf(client), Closed(True, 1011, "script mismatch", 0.0)
        )
        self.assertEqual(_messages(client), [])
        _report(self, server)

    def test_mismatchDrops(self) -> None:
        """
        With ``onMismatch="drop"`` a mismatch cuts the connection instead.
        """
        server = self.serve(Script(expectText("a")), onMismatch="drop")
        client = _connect(self.reactor)
        _send(self.reactor, client, "b")
        closed = self.closedOf(client)
        self.assertEqual((closed.wasClean, closed.code), (False, 1006))
        self.assertIn("connection 1, step 1 of 1 (expectText)", _report(self, server))

    def test_expectText(self) -> None:
        """
        ``expectText`` meeting other text shows both texts.
        """
        server = self.serve(Script(expectText("hello")))
        _send(self.reactor, _connect(self.reactor), "goodbye")
        self.assertEqual(
            _lines(_report(self, server))[:4],
            [
                f"{URL}, connection 1, step 1 of 1 (expectText):",
                '  expected "hello"',
                '  got      text "goodbye"',
                '  differs at $: "hello" != "goodbye"',
            ],
        )

    def test_expectTextGotBinary(self) -> None:
        """
        ``expectText`` meeting a binary message says the kind differs.
        """
        server = self.serve(Script(expectText("hello")))
        _send(self.reactor, _connect(self.reactor), b"\x01\x02")
        report = _lines(_report(self, server))
        self.assertEqual(report[2], "  got      binary 0102 (2 bytes)")
        self.assertIn("expected a text message, got a binary one", report[3])

    def test_expectBinary(self) -> None:
        """
        ``expectBinary`` meeting other bytes shows both.
        """
        server = self.serve(Script(sendText("go"), expectBinary(b"\x00\x01")))
        _send(self.reactor, _connect(self.reactor), b"\x00\x02")
        report = _lines(_report(self, server))
        self.assertEqual(
            report[:3],
            [
                f"{URL}, connection 1, step 2 of 2 (expectBinary):",
                "  expected b'\\x00\\x01'",
                "  got      binary 0002 (2 bytes)",
            ],
        )
        self.assertEqual(
            report[-1], "  0.000  client → server  binary 0002    ✗ step 2"
        )

    def test_expectJSONNotJSON(self) -> None:
        """
        ``expectJSON`` meeting text that is not JSON says so.
        """
        server = self.serve(Script(expectJSON({"op": ANY})))
        _send(self.reactor, _connect(self.reactor), "{oops")
        report = _report(self, server)
        self.assertIn('  got      text "{oops"', report)
        self.assertIn("differs at $: this text message is not JSON", report)

    def test_matcherAtDepth(self) -> None:
        """
        A matcher deep in a pattern that fails is named by its path.
        """
        server = self.serve(
            Script(
                expectJSON(
                    {"params": [{"price": approx(10.0, abs=0.01)}, {"id": regex("^T")}]}
                )
            )
        )
        _send(
            self.reactor,
            _connect(self.reactor),
            '{"params":[{"price":10.5},{"id":"X1"}]}',
        )
        report = _lines(_report(self, server))
        self.assertEqual(
            report[3:5],
            [
                "  differs at $.params[0].price: approx(10.0 ± 0.01) != 10.5",
                '  differs at $.params[1].id: regex("^T") != "X1"',
            ],
        )

    def test_strictExtraKey(self) -> None:
        """
        ``strict`` names the key it does not allow.
        """
        server = self.serve(Script(expectJSON(strict({"op": "hi"}))))
        _send(self.reactor, _connect(self.reactor), '{"op":"hi","debug":true}')
        self.assertIn("differs at $.debug: ", _report(self, server))

    def test_expectMessage(self) -> None:
        """
        ``expectMessage`` meeting something else shows the difference.
        """
        server = self.serve(Script(expectMessage({"n": 1})))
        _send(self.reactor, _connect(self.reactor), '{"n":2}')
        self.assertIn("  differs at $.n: 1 != 2", _report(self, server))

    def test_inAnyOrder(self) -> None:
        """
        A message no waiting expectation of a group accepts is reported with
        its differences against each one.
        """
        server = self.serve(
            Script(
                inAnyOrder(expectJSON({"sub": "a"}), expectJSON({"sub": "b"})),
            )
        )
        _send(self.reactor, _connect(self.reactor), '{"sub":"b"}', '{"sub":"c"}')
        report = _lines(_report(self, server))
        self.assertEqual(
            report[:4],
            [
                f"{URL}, connection 1, step 1 of 1 (inAnyOrder):",
                '  got      {"sub": "c"}',
                "  no expectation still waiting in the group accepts it:",
                '    expectJSON({"sub": "a"}): $.sub: "a" != "c"',
            ],
        )
        self.assertEqual(
            report[-1], '  0.000  client → server  text {"sub":"c"}    ✗ step 1'
        )

    def test_inRepeat(self) -> None:
        """
        A step inside a ``repeat`` is named by its round and place.
        """
        server = self.serve(
            Script(repeat(expectText("ping"), sendText("pong"), times=3))
        )
        _send(self.reactor, _connect(self.reactor), "ping", "pong")
        self.assertEqual(
            _lines(_report(self, server))[0],
            f"{URL}, connection 1, step 1 of 1 (repeat, round 2 of 3, step 1 of 2: "
            "expectText):",
        )

    def test_replyExpectation(self) -> None:
        """
        A reply whose ``expect`` is not met is a mismatch, and its function
        is not called.
        """
        called: list[Message] = []
        server = self.serve(Script(reply(called.append, expect={"id": ANY})))
        _send(self.reactor, _connect(self.reactor), '{"no":"id"}')
        self.assertEqual(called, [])
        self.assertIn("  differs at $.id: missing", _report(self, server))

    def test_replyRaises(self) -> None:
        """
        A reply function that raises is reported with its traceback, never
        raised into the reactor; the connection closes with 1011.
        """

        def explode(message: Message) -> object:
            raise ValueError("no id in " + str(message.text))

        server = self.serve(Script(reply(explode)))
        client = _connect(self.reactor)
        _send(self.reactor, client, "hello")
        self.assertEqual(self.closedOf(client).code, 1011)
        report = _report(self, server)
        self.assertIn(
            "  the reply function raised ValueError: no id in hello\n"
            "    Traceback (most recent call last):",
            report,
        )
        self.assertIn('raise ValueError("no id in " + str(message.text))', report)
        self.assertEqual(self.flushLoggedErrors(), [])

    def test_replyReturnsWhatCannotBeSent(self) -> None:
        """
        A reply function returning something that cannot be sent is
        reported naming what it returned.
        """
        server = self.serve(Script(reply(lambda m: {1, 2})))
        _send(self.reactor, _connect(self.reactor), "hello")
        self.assertIn("the function returned set {1, 2}", _report(self, server))

    def test_unexpectedMessageAfterLastStep(self) -> None:
        """
        A message after the script's last step is a mismatch, marked in the
        transcript.
        """
        server = self.serve(Script(expectText("only")))
        _send(self.reactor, _connect(self.reactor), "only", "extra")
        report = _lines(_report(self, server))
        self.assertEqual(
            report[:3],
            [
                f"{URL}, connection 1, after step 1:",
                '  got      text "extra"',
                "  unexpected message after the last step",
            ],
        )
        self.assertEqual(
            report[-2:],
            [
                "  0.000  client → server  text only",
                "  0.000  client → server  text extra    ✗ after the last step",
            ],
        )

    def test_expectCloseCode(self) -> None:
        """
        ``expectClose(4000)`` meeting a close frame with 1000 names the
        code.
        """
        server = self.serve(Script(expectClose(4000)))
        client = _connect(self.reactor)
        client.sendClose(1000)
        self.reactor.flush()
        report = _lines(_report(self, server))
        self.assertEqual(
            report[:4],
            [
                f"{URL}, connection 1, step 1 of 1 (expectClose):",
                "  expected expectClose(4000)",
                "  got      close 1000",
                "  differs at code: 4000 != 1000",
            ],
        )

    def test_expectCloseGotMessage(self) -> None:
        """
        A message where ``expectClose`` waits for a close frame is a
        mismatch.
        """
        server = self.serve(Script(expectClose()))
        _send(self.reactor, _connect(self.reactor), "still here")
        report = _lines(_report(self, server))
        self.assertEqual(
            report[1:3],
            [
                '  got      text "still here"',
                "  a message came before the close frame expectClose() waits for",
            ],
        )

    def test_expectCloseGotDrop(self) -> None:
        """
        A connection lost where ``expectClose`` waits is a mismatch saying
        how it was lost.
        """
        server = self.serve(Script(expectClose()))
        client = _connect(self.reactor)
        connectionOf(self.reactor, client).drop()
        self.reactor.flush()
        report = _lines(_report(self, server))
        self.assertEqual(report[0], f"{URL}, connection 1, step 1 of 1 (expectClose):")
        self.assertTrue(report[1].startswith("  got the connection was lost"), report)

    def test_closeNeverAnswered(self) -> None:
        """
        A ``close()`` whose close frame no close frame answers (the
        connection is lost instead) is a mismatch.
        """
        server = self.serve(Script(wait(1), close()))
        client = _connect(self.reactor)
        connection = connectionOf(self.reactor, client)
        connection.stall()
        self.reactor.advance(1)
        connection.drop()
        self.reactor.flush()
        report = _lines(_report(self, server))
        self.assertEqual(report[0], f"{URL}, connection 1, step 2 of 2 (close):")
        self.assertTrue(
            report[1].startswith("  no close frame answered ours: the connection was")
        )
        # Autobahn leaves its closing handshake timeout scheduled when the
        # connection is lost (as on a real reactor): let it run out.
        self.reactor.advance(1)

    def test_handshake(self) -> None:
        """
        A request that ``expectHandshake`` does not accept is refused with
        400, and each difference is named: path, header, query, subprotocol.
        """
        server = self.serve(
            Script(
                expectHandshake(
                    path="/v2",
                    subprotocol="feed.v2",
                    headers={"Authorization": ANY},
                    query={"room": "7"},
                ),
                sendText("never"),
            )
        )
        client = _connect(self.reactor, URL + "?room=8", protocols=["feed.v1"])
        self.assertEqual(
            client.events,
            [
                (
                    "close",
                    False,
                    1006,
                    (
                        f'{_UNCLEAN} ("WebSocket connection upgrade failed [400]: '
                        f'script mismatch")'
                    ),
                )
            ],
        )
        self.assertEqual(
            _lines(_report(self, server))[:8],
            [
                f"{URL}, connection 1, step 1 of 2 (expectHandshake):",
                (
                    '  expected expectHandshake(path="/v2", subprotocol="feed.v2", '
                    'headers={"Authorization": ANY}, query={"room": "7"})'
                ),
                "  got      request GET /v1?room=8 (subprotocols: feed.v1)",
                '  differs at path: "/v2" != "/v1"',
                '  differs at query.room: "7" != "8"',
                "  differs at headers.Authorization: missing",
                (
                    '  differs at subprotocol: the client did not offer "feed.v2"; it '
                    'offered ["feed.v1"]'
                ),
                "transcript so far:",
            ],
        )

    def test_handshakeMismatchDrops(self) -> None:
        """
        With ``onMismatch="drop"`` a refused handshake is a dropped
        connection, not a 400.
        """
        server = self.serve(Script(expectHandshake(path="/v2")), onMismatch="drop")
        client = _connect(self.reactor)
        self.assertIn(
            "peer dropped the TCP connection", self.closedOf(client).reason or ""
        )
        _report(self, server)


class ProtocolErrorTests(_PeerTestCase):
    """
    Frames from the code under test that break the websocket protocol are
    reported as the protocol errors they are.
    """

    def rawClient(self, frames: bytes) -> None:
        self.reactor.connectTCP(
            "feed.example.com", 9000, _rawFactory(lambda: _RawClient(frames))
        )
        self.reactor.flush()

    def test_unmaskedClientFrame(self) -> None:
        """
        A client frame without a mask is a protocol error.
        """
        server = self.serve(Script(expectText("hi")))
        self.rawClient(_frame(0x1, b"hi", masked=False))
        report = _lines(_report(self, server))
        self.assertEqual(report[0], f"{URL}, connection 1, step 1 of 1 (expectText):")
        self.assertTrue(report[1].startswith("  protocol error from the other side: "))
        self.assertIn("unmasked client-to-server frame", report[1])
        self.assertTrue(
            report[1].endswith(
                "(the scripted peer dropped the connection without a close frame, "
                "as Autobahn does by default (failByDrop); its close code would "
                "be 1002)"
            ),
            report[1],
        )
        sent = [(e.sender, e.kind) for e in self.reactor.connections[0].transcript]
        self.assertNotIn(("server", "close"), sent)

    def test_failByDropOff(self) -> None:
        """
        A scripted peer told not to fail by drop sends the close frame, and
        the report says it failed the connection with that code.
        """
        server = self.serve(
            Script(expectText("hi")), protocolOptions={"failByDrop": False}
        )
        self.rawClient(_frame(0x1, b"hi", masked=False))
        # The raw client never answers the close: the closing handshake
        # times out.
        self.reactor.advance(5)
        sent = [(e.sender, e.kind) for e in self.reactor.connections[0].transcript]
        self.assertIn(("server", "close"), sent)
        report = _lines(_report(self, server))
        self.assertTrue(
            report[1].endswith(
                "(the scripted peer failed the connection with close code 1002)"
            ),
            report[1],
        )

    def test_invalidUTF8(self) -> None:
        """
        A text frame that is not UTF-8 is an invalid payload.
        """
        server = self.serve(Script(expectText("hi")))
        self.rawClient(_frame(0x1, b"\xff\xfe"))
        report = _lines(_report(self, server))
        self.assertTrue(report[1].startswith("  invalid payload from the other side: "))
        self.assertTrue(report[1].endswith("would be 1007)"), report[1])

    def test_badCloseCode(self) -> None:
        """
        A close frame with a code no peer may send is a protocol error, even
        where ``expectClose`` waits for a close frame.
        """
        server = self.serve(Script(expectClose()))
        self.rawClient(_frame(0x8, struct.pack("!H", 999)))
        report = _lines(_report(self, server))
        self.assertEqual(report[0], f"{URL}, connection 1, step 1 of 1 (expectClose):")
        self.assertIn("protocol error from the other side: ", report[1])

    def test_afterTheLastStep(self) -> None:
        """
        A protocol error after the script is done is still reported.
        """
        server = self.serve(Script(expectText("hi")))
        self.rawClient(_frame(0x1, b"hi") + _frame(0x1, b"\xff"))
        report = _lines(_report(self, server))
        self.assertEqual(report[0], f"{URL}, connection 1, after step 1:")
        self.assertIn("invalid payload from the other side", report[1])

    def test_fromAServer(self) -> None:
        """
        A scripted client reports invalid UTF-8 from the server under test.
        """
        self.reactor.listenTCP(
            9000, Factory.forProtocol(lambda: _RawServer(_frame(0x1, b"\xc3", False)))
        )
        client = self.reactor.connectWebSocket(URL, Script(expectText("hi")))
        self.reactor.flush()
        self.assertIn("invalid payload from the other side", _report(self, client))


# Connections, scripts and cleanup -------------------------------------------


class ConnectionsTests(_PeerTestCase):
    """
    Several connections to one scripted server.
    """

    def test_eachConnectionItsScript(self) -> None:
        """
        The n-th connection plays the n-th script, each transcript is its
        own, and ``connections`` lists them in order.
        """
        server = self.serve(
            Script(sendText("one")), Script(sendText("two")), Script(sendText("three"))
        )
        clients = [_connect(self.reactor) for _ in range(3)]
        self.assertEqual([_messages(c) for c in clients], [["one"], ["two"], ["three"]])
        self.assertEqual(server.connections, self.reactor.connections)
        self.assertEqual(
            [t.messages("server") for t in server.transcripts],
            [("one",), ("two",), ("three",)],
        )
        server.assertDone()

    def test_mismatchNamesConnection(self) -> None:
        """
        A report names the connection whose script failed, and shows only
        its transcript.
        """
        server = self.serve(Script(expectText("a")), Script(expectText("b")))
        _send(self.reactor, _connect(self.reactor), "a")
        _send(self.reactor, _connect(self.reactor), "a")
        report = _lines(_report(self, server))
        self.assertEqual(report[0], f"{URL}, connection 2, step 1 of 1 (expectText):")
        self.assertEqual(len([line for line in report if "text a" in line]), 1)

    def test_afterLastRepeats(self) -> None:
        """
        By default, connections after the last script play it again.
        """
        self.serve(Script(sendText("one")), Script(sendText("again")))
        clients = [_connect(self.reactor) for _ in range(3)]
        self.assertEqual(
            [_messages(c) for c in clients], [["one"], ["again"], ["again"]]
        )

    def test_afterLastRefuses(self) -> None:
        """
        With ``afterLast="refuse"``, a connection after the last script is
        refused.
        """
        self.serve(Script(sendText("one")), afterLast="refuse")
        _connect(self.reactor)
        factory = clientFactory(self.reactor)
        connectWS(factory)
        self.reactor.flush()
        factory.failed[0].trap(ConnectionRefusedError)
        self.assertEqual(
            [a.outcome for a in self.reactor.attempts], ["connected", "refused"]
        )

    def test_refuseNext(self) -> None:
        """
        ``refuseNext(2)`` refuses two attempts; the third gets the first
        script.
        """
        server = self.serve(Script(sendText("one")))
        server.refuseNext(2)
        for _ in range(3):
            connectWS(clientFactory(self.reactor))
            self.reactor.flush()
        self.assertEqual(
            [a.outcome for a in self.reactor.attempts],
            ["refused", "refused", "connected"],
        )
        self.assertEqual(server.transcripts[0].messages("server"), ("one",))
        server.assertDone()

    def test_hangNext(self) -> None:
        """
        A hung connection accepts TCP and never answers: the client's
        ``openHandshakeTimeout`` gives up at its time.  The next connection
        gets the first script.
        """
        server = self.serve(Script(sendText("one")))
        server.hangNext()
        hung = _connect(self.reactor, openHandshakeTimeout=3)
        self.reactor.advance(10)
        closed = self.closedOf(hung)
        self.assertEqual((closed.wasClean, closed.time), (False, 3.0))
        self.assertIn("opening handshake timeout", closed.reason or "")
        self.assertEqual(_messages(_connect(self.reactor)), ["one"])
        self.assertEqual(len(server.connections), 2)
        server.assertDone()

    def test_reportsNumberConnectionsAsListed(self) -> None:
        """
        After a hung connection, a report's "connection 2" is
        ``server.connections[1]``, whose transcript it shows.
        """
        server = self.serve(Script(expectText("hi")))
        server.hangNext()
        _connect(self.reactor)
        client = _connect(self.reactor)
        _send(self.reactor, client, "bye")
        report = _report(self, server)
        self.assertIn(", connection 2, step 1 of 1 (expectText):", report)
        self.assertIn(server.connections[1].transcript.render().splitlines()[0], report)

    def test_downAndUp(self) -> None:
        """
        ``down()`` drops open connections and refuses new ones; ``up()``
        serves again, with the next script.
        """
        server = self.serve(Script(), Script(sendText("two")))
        first = _connect(self.reactor)
        server.down()
        self.reactor.flush()
        self.assertFalse(self.closedOf(first).wasClean)
        connectWS(clientFactory(self.reactor))
        self.reactor.flush()
        server.up()
        self.assertEqual(_messages(_connect(self.reactor)), ["two"])
        self.assertEqual(
            [a.outcome for a in self.reactor.attempts],
            ["connected", "refused", "connected"],
        )
        server.assertDone()

    def test_unusedScripts(self) -> None:
        """
        Scripts no connection played are reported.
        """
        server = self.serve(Script(), Script(), Script())
        _connect(self.reactor)
        self.assertEqual(
            _lines(_report(self, server)),
            [
                (
                    f"{URL}: script 2 of 3 was never played: only 1 connection(s) were "
                    "made"
                ),
                "",
                (
                    f"{URL}: script 3 of 3 was never played: only 1 connection(s) were "
                    "made"
                ),
            ],
        )

    def test_unfinished(self) -> None:
        """
        A script stopped half way is reported with the steps still waiting
        and how the connection ended.
        """
        server = self.serve(
            Script(expectText("a"), repeat(expectText("b"), times=2), sendText("c"))
        )
        client = _connect(self.reactor)
        _send(self.reactor, client, "a", "b")
        client.sendClose(1000)
        self.reactor.flush()
        report = _lines(_report(self, server))
        self.assertEqual(
            report[:4],
            [
                (
                    f"{URL}, connection 1: the script stopped at step 2 of 3 (repeat, "
                    "round 2 of 2: expectText); the other side closed with 1000. Steps "
                    "still waiting:"
                ),
                '    step 2 of 3 (repeat): repeat(expectText("b"), times=2)',
                '    step 3 of 3 (sendText): sendText("c")',
                "transcript:",
            ],
        )

    def test_eachProblemReportedOnce(self) -> None:
        """
        ``assertDone`` reports each problem once, and problems found after
        an ``assertDone`` are reported by the next one.
        """
        server = self.serve(Script(expectText("a")), Script(expectText("b")))
        self.assertIn("script 1 of 2 was never played", _report(self, server))
        _send(self.reactor, _connect(self.reactor), "x")
        self.assertIn("connection 1, step 1", _report(self, server))
        _send(self.reactor, _connect(self.reactor), "y")
        self.assertIn("connection 2, step 1", _report(self, server))
        server.assertDone()


def _scriptsOnly(testCase: SynchronousTestCase) -> FakeReactor:
    """
    ``useFakeReactor`` with the leftover checks off, for inner tests that
    check the script report alone.
    """
    return useFakeReactor(testCase, checkPendingCalls=False, checkOpenConnections=False)


class CleanupTests(SynchronousTestCase):
    """
    A test that never calls ``assertDone`` still fails, through
    ``useFakeReactor``'s cleanup.

    The inner tests leave their connections open: the script check alone
    is under test, so the leftover checks are off for them.
    """

    def assertFailsWith(self, body: Callable[[FakeReactor], object]) -> str:
        """
        Run ``body`` as an inner test; it must fail with one ScriptMismatch.

        :returns: the report.
        """

        class Inner(SynchronousTestCase):
            def test_x(self) -> None:
                body(_scriptsOnly(self))

        [failure] = _run(Inner("test_x"))
        failure.trap(ScriptMismatch)
        return str(failure.value)

    def test_mismatch(self) -> None:
        """
        A mismatch nobody checked fails the test with its report.
        """

        def body(reactor: FakeReactor) -> None:
            reactor.serveWebSocket(URL, Script(expectText("a")))
            _send(reactor, _connect(reactor), "b")

        report = self.assertFailsWith(body)
        self.assertIn("connection 1, step 1 of 1 (expectText)", report)

    def test_unconsumed(self) -> None:
        """
        Steps never reached fail the test, listed.
        """

        def body(reactor: FakeReactor) -> None:
            reactor.serveWebSocket(URL, Script(expectText("a"), sendText("b")))
            _connect(reactor)

        report = self.assertFailsWith(body)
        self.assertIn('    step 1 of 2 (expectText): expectText("a")', report)
        self.assertIn('    step 2 of 2 (sendText): sendText("b")', report)

    def test_neverConnected(self) -> None:
        """
        A server nobody connected to fails the test.
        """
        report = self.assertFailsWith(
            lambda reactor: reactor.serveWebSocket(URL, Script(sendText("hi")))
        )
        self.assertIn("script 1 of 1 was never played", report)

    def test_clientRefused(self) -> None:
        """
        A scripted client whose connection was refused fails the test.
        """

        def body(reactor: FakeReactor) -> None:
            reactor.connectWebSocket(URL, Script(sendText("hi")))
            reactor.flush()

        report = self.assertFailsWith(body)
        self.assertEqual(
            report,
            f"{URL}: the script was never played: the connection attempt was refused",
        )

    def test_checkedIsNotReportedAgain(self) -> None:
        """
        A mismatch the test checked with ``assertDone`` does not fail it
        again at cleanup.
        """

        class Inner(SynchronousTestCase):
            def test_x(self) -> None:
                reactor = _scriptsOnly(self)
                server = reactor.serveWebSocket(URL, Script(expectText("a")))
                _send(reactor, _connect(reactor), "b")
                self.assertRaises(ScriptMismatch, server.assertDone)

        self.assertEqual(_run(Inner("test_x")), [])

    def test_passing(self) -> None:
        """
        Scripts played to the end let the test pass.
        """

        class Inner(SynchronousTestCase):
            def test_x(self) -> None:
                reactor = _scriptsOnly(self)
                reactor.serveWebSocket(URL, Script(expectText("a"), sendText("b")))
                _send(reactor, _connect(reactor), "a")

        self.assertEqual(_run(Inner("test_x")), [])

    def test_badArgumentsLeaveNoPeer(self) -> None:
        """
        A scripted peer refused for its arguments is not checked at
        cleanup: the test fails only where it went wrong.
        """

        class Inner(SynchronousTestCase):
            def test_x(self) -> None:
                reactor = _scriptsOnly(self)
                self.assertRaises(ValueError, reactor.serveWebSocket, URL)
                self.assertRaises(
                    ValueError, reactor.serveWebSocket, URL, Script(), afterLast="no"
                )

        self.assertEqual(_run(Inner("test_x")), [])


# The scripted client ----------------------------------------------------------


class ScriptedClientTests(_PeerTestCase):
    """
    ``connectWebSocket`` drives the user's own Autobahn server.
    """

    def test_exchange(self) -> None:
        """
        A client script checks the server's response, sends, expects the
        echoes and closes; the server under test saw it all.
        """
        factory = _serveEcho(self.reactor, protocols=["chat"])
        client = self.reactor.connectWebSocket(
            URL,
            Script(
                expectHandshake(subprotocol="chat", headers={"Server": regex("^Auto")}),
                sendJSON({"say": "hi"}),
                expectJSON({"say": "hi"}),
                sendBinary(b"\x07"),
                expectBinary(b"\x07"),
                close(),
            ),
            subprotocols=["chat"],
            headers={"X-User": "ann"},
        )
        self.reactor.flush()
        client.assertDone()
        [server] = factory.built
        self.assertEqual(server.events[0][1].headers["x-user"], "ann")
        self.assertEqual(_messages(server), ['{"say": "hi"}', b"\x07"])
        self.assertEqual(self.closedOf(server), Closed(True, 1000, None, 0.0))
        self.assertEqual(client.connections, self.reactor.connections)

    def test_expectServerClose(self) -> None:
        """
        ``expectClose`` on a client checks the server's close frame.
        """
        _serveEcho(self.reactor)
        client = self.reactor.connectWebSocket(
            URL, Script(sendText("bye"), expectClose(4000, "as asked"))
        )
        self.reactor.flush()
        client.assertDone()

    def test_mismatch(self) -> None:
        """
        A wrong answer from the server is reported, and the client closes
        with 1011.
        """
        factory = _serveEcho(self.reactor)
        client = self.reactor.connectWebSocket(
            URL, Script(sendText("ping"), expectText("pong"))
        )
        self.reactor.flush()
        self.assertEqual(self.closedOf(factory.built[0]).code, 1011)
        self.assertEqual(
            _lines(_report(self, client))[:8],
            [
                f"{URL}, connection 1, step 2 of 2 (expectText):",
                '  expected "pong"',
                '  got      text "ping"',
                '  differs at $: "pong" != "ping"',
                "transcript so far:",
                "  0.000  client → server  request GET /v1",
                "  0.000  server → client  response 101 Switching Protocols",
                "  0.000  client → server  text ping",
            ],
        )

    def test_responseMismatch(self) -> None:
        """
        ``expectHandshake`` on a client checks the response: a server that
        selected no subprotocol is a mismatch.
        """
        _serveEcho(self.reactor)
        client = self.reactor.connectWebSocket(
            URL, Script(expectHandshake(subprotocol="chat")), subprotocols=["chat"]
        )
        self.reactor.flush()
        report = _lines(_report(self, client))
        self.assertEqual(
            report[:4],
            [
                f"{URL}, connection 1, step 1 of 1 (expectHandshake):",
                '  expected expectHandshake(subprotocol="chat")',
                "  got      response 101 (no subprotocol)",
                '  differs at subprotocol: "chat" != null',
            ],
        )

    def test_serverRejects(self) -> None:
        """
        A scripted client whose handshake the server under test refused is
        reported as stopped before its first step.
        """
        self.reactor.serveWebSocket(URL, Script(reject(401, "Unauthorized")))
        client = self.reactor.connectWebSocket(URL, Script(sendText("hi")))
        self.reactor.flush()
        report = _report(self, client)
        self.assertIn("connection 1: the script stopped at step 1 of 1", report)
        self.assertIn("WebSocket connection upgrade failed [401]", report)


# Arguments --------------------------------------------------------------------


class ArgumentTests(_PeerTestCase):
    """
    Mistakes in building a scripted peer raise at once, clearly.
    """

    def test_noScripts(self) -> None:
        """
        A server needs a script.
        """
        error = self.assertRaises(ValueError, self.reactor.serveWebSocket, URL)
        self.assertEqual(str(error), "serveWebSocket() needs at least one Script")

    def test_notAScript(self) -> None:
        """
        Steps must be wrapped in a Script.
        """
        error = self.assertRaises(
            TypeError, self.reactor.serveWebSocket, URL, Script(), sendText("x")
        )
        self.assertEqual(str(error), 'script 2 is sendText("x"), not a Script')
        error = self.assertRaises(
            TypeError, self.reactor.connectWebSocket, URL, [sendText("x")]
        )
        self.assertEqual(
            str(error), 'connectWebSocket() needs a Script, got [sendText("x")]'
        )

    def test_badOptions(self) -> None:
        """
        ``afterLast`` and ``onMismatch`` take only their named values.
        """
        error = self.assertRaises(ValueError, self.serve, Script(), afterLast="again")
        self.assertEqual(
            str(error), 'afterLast must be "repeat" or "refuse", not \'again\''
        )
        error = self.assertRaises(ValueError, self.serve, Script(), onMismatch="raise")
        self.assertEqual(
            str(error), 'onMismatch must be "close" or "drop", not \'raise\''
        )

    def test_clientCannotReject(self) -> None:
        """
        A client's script cannot hold server-only steps.
        """
        self.assertRaises(
            ScriptError, self.reactor.connectWebSocket, URL, Script(reject(401))
        )
        self.assertEqual(self.reactor.attempts, [])


# Nothing raises out of the pump -----------------------------------------------


def _echo(message: Message) -> object:
    return message.text if message.text is not None else message.data


def _explode(message: Message) -> object:
    raise RuntimeError("reply failed")


_BODY: list[Step] = [
    expectText("a"),
    expectJSON({"n": ANY}),
    expectBinary(b"\x00"),
    expectMessage(ANY),
    sendText("s"),
    sendJSON({"k": [1, None]}),
    sendBinary(b"\x01"),
    wait(0),
    wait(1),
    ping(b"p"),
    reply(_echo),
    reply(_explode),
    reply(lambda m: {1}),
    inAnyOrder(expectText("a"), expectJSON({"n": 1})),
    repeat(expectText("a"), sendText("s"), times=2),
]
_FIRST: list[tuple[Step, ...]] = [
    (),
    (expectHandshake(path="/v1"),),
    (expectHandshake(path="/nope"),),
]
_LAST: list[tuple[Step, ...]] = [
    (),
    (close(),),
    (close(4000, "x"), expectClose(1000)),
    (close(), closeTCP()),
    (expectClose(),),
    (expectClose(1000),),
    (closeTCP(),),
    (goSilent(),),
]
_scripts = st.one_of(
    st.just(Script(reject(403))),
    st.builds(
        lambda first, body, last: Script(*first, *body, *last),
        st.sampled_from(_FIRST),
        st.lists(st.sampled_from(_BODY), max_size=5),
        st.sampled_from(_LAST),
    ),
)
_ACTIONS = [
    "text a",
    'text {"n": 1}',
    "text {",
    "binary",
    "ping",
    "close",
    "bad frame",
    "drop",
    "advance",
]


def _act(reactor: FakeReactor, client: RecordingClientProtocol, action: str) -> None:
    """
    Do one thing a client under test might do, then flush.
    """
    if action == "advance":
        reactor.advance(1)
        return
    if client.state != client.STATE_OPEN:
        return
    if action.startswith("text "):
        client.sendMessage(action[5:].encode("utf-8"))
    elif action == "binary":
        client.sendMessage(b"\x00", isBinary=True)
    elif action == "ping":
        client.sendPing(b"p")
    elif action == "close":
        client.sendClose(1000)
    elif action == "bad frame":
        assert client.transport is not None
        client.transport.write(_frame(0x1, b"\xff"))
    else:
        connectionOf(reactor, client).drop()
    reactor.flush()


class PumpPropertyTests(SynchronousTestCase):
    """
    Whatever the client does against whatever script, the pump never
    raises: problems only become reports.
    """

    @settings(deadline=None, derandomize=True, max_examples=50)
    @given(
        scripts=st.lists(_scripts, min_size=1, max_size=2),
        actions=st.lists(st.lists(st.sampled_from(_ACTIONS), max_size=6), max_size=2),
        onMismatch=st.sampled_from(["close", "drop"]),
    )
    def test_neverRaises(
        self, scripts: list[Script], actions: list[list[str]], onMismatch: str
    ) -> None:
        """
        ``flush`` and ``advance`` never raise and log no error; ``assertDone``
        passes or raises a ScriptMismatch naming the server.
        """
        reactor = FakeReactor()
        restore = bindTxaio(reactor)
        try:
            server = reactor.serveWebSocket(URL, *scripts, onMismatch=onMismatch)
            for each in actions:
                client = _connect(reactor)
                for action in each:
                    _act(reactor, client, action)
            reactor.advance(60)
            try:
                server.assertDone()
            except ScriptMismatch as e:
                self.assertTrue(str(e).startswith(URL), str(e))
        finally:
            restore()
        self.assertEqual(self.flushLoggedErrors(), [])


class LaterReplyTests(_PeerTestCase):
    """
    A reply function may answer later, through a Deferred or a coroutine.
    """

    def test_deferredHoldsScript(self) -> None:
        """
        A reply function's Deferred holds the script: the answer, and the
        steps after it, go out when it fires; messages arriving meanwhile
        wait for their step.
        """
        answer: Deferred[object] = Deferred()
        server = self.serve(
            Script(reply(lambda m: answer), sendText("after"), expectText("second"))
        )
        client = _connect(self.reactor)
        _send(self.reactor, client, "first", "second")
        self.assertEqual(_messages(client), [])
        answer.callback({"ok": True})
        self.reactor.flush()
        self.assertEqual(_messages(client), ['{"ok": true}', "after"])
        server.assertDone()

    def test_coroutine(self) -> None:
        """
        An ``async def`` reply function is run with
        ``Deferred.fromCoroutine`` and may wait on Deferreds, a
        ``DeferredMock``'s among them.
        """
        prices = DeferredMock()

        async def quote(message: Message) -> object:
            price = await prices(message.json()["symbol"])
            return {"symbol": message.json()["symbol"], "price": price}

        server = self.serve(Script(reply(quote, expect={"symbol": ANY})))
        client = _connect(self.reactor)
        _send(self.reactor, client, '{"symbol": "BTC"}')
        prices.assertCalledOnceWith("BTC")
        self.assertEqual(_messages(client), [])
        prices.calls[0].succeed(100.5)
        self.reactor.flush()
        self.assertEqual(
            [json.loads(m) for m in _messages(client)],
            [{"symbol": "BTC", "price": approx(100.5)}],
        )
        server.assertDone()

    def test_insideGroup(self) -> None:
        """
        A later reply inside ``inAnyOrder`` holds the group until it
        answers; the group then takes the rest.
        """
        answer: Deferred[object] = Deferred()
        server = self.serve(
            Script(inAnyOrder(reply(lambda m: answer, expect="a"), expectText("b")))
        )
        client = _connect(self.reactor)
        _send(self.reactor, client, "a", "b")
        answer.callback("A")
        self.reactor.flush()
        self.assertEqual(_messages(client), ["A"])
        server.assertDone()

    def test_failedDeferredReported(self) -> None:
        """
        A reply Deferred that fails is the step's failure, with what it
        failed with.
        """
        server = self.serve(Script(reply(lambda m: fail(KeyError("symbol")))))
        client = _connect(self.reactor)
        _send(self.reactor, client, "hello")
        self.assertEqual(self.closedOf(client).code, 1011)
        self.assertIn(
            "the reply function returned a Deferred that failed with "
            "KeyError: 'symbol'",
            _report(self, server),
        )

    def test_neverFiresIsUnfinished(self) -> None:
        """
        A reply Deferred that never fires leaves the script unfinished at
        that step.
        """
        server = self.serve(Script(reply(lambda m: Deferred())))
        _send(self.reactor, _connect(self.reactor), "hello")
        self.assertIn("the script stopped at step 1 of 1", _report(self, server))


class _Refuser(Protocol):
    """
    Answers the opening handshake with a 400 whose reason phrase and header
    hold terminal escape sequences, then closes.
    """

    def dataReceived(self, data: bytes) -> None:
        assert self.transport is not None
        self.transport.write(
            b"HTTP/1.1 400 Nope\x1b[2J\r\nX-Evil: a\x1b]0;pwned\x07\r\n\r\n"
        )
        self.transport.loseConnection()


class EscapingTests(_PeerTestCase):
    """
    Reports show what the other side sent with control characters and
    newlines escaped, so it can neither forge report lines nor drive the
    terminal.
    """

    def _assertSafe(self, report: str) -> None:
        self.assertNotIn("\x1b", report)
        self.assertNotIn("\x9b", report)
        self.assertNotIn("\n✗", report)

    def test_closeReason(self) -> None:
        """
        A close reason holding a newline, a forged mark and an escape
        sequence shows escaped, in the report's line and in its transcript.
        """
        reason = "bye\n✗ step 1\x1b[2J"
        self.serve(Script(close(4000, reason)))
        client = self.reactor.connectWebSocket(URL, Script(expectClose(1000)))
        self.reactor.flush()
        report = _report(self, client)
        self._assertSafe(report)
        escaped = 'close 4000 "bye\\n✗ step 1\\u001b[2J"'
        self.assertIn(f"  got      {escaped}", _lines(report))
        self.assertIn(f"  0.000  server → client  {escaped}", _lines(report))

    def test_responseReason(self) -> None:
        """
        A server's refusal with escape sequences in its reason phrase shows
        them escaped, in what happened and in the transcript.
        """
        factory = Factory.forProtocol(_Refuser)
        self.reactor.listenTCP(9000, factory)
        client = self.reactor.connectWebSocket(URL, Script(sendText("hi")))
        self.reactor.flush()
        report = _report(self, client)
        self._assertSafe(report)
        self.assertIn(
            "  0.000  server → client  response 400 Nope\\x1b[2J",
            _lines(report),
        )

    def test_textMessage(self) -> None:
        """
        A text message that does not match shows with its controls escaped.
        """
        self.serve(Script(sendText("\x1b[2J\u202e\n✗ step 1")))
        client = self.reactor.connectWebSocket(URL, Script(expectText("hello")))
        self.reactor.flush()
        report = _report(self, client)
        self._assertSafe(report)
        self.assertNotIn("\u202e", report)
        self.assertIn('  got      text "\\u001b[2J\\u202e\\n✗ step 1"', _lines(report))


class LayeringTests(SynchronousTestCase):
    """
    The scripted peers sit below the reactor: the network loads them, never
    the other way round.
    """

    def test_peersImportNoNetworkAtRunTime(self) -> None:
        """
        No module of :mod:`twisted_wsfakes.peers` imports the network module
        at run time (only for types, under ``TYPE_CHECKING``), and none
        imports inside a function: they reach the network through
        :mod:`twisted_wsfakes.peers.seam`.
        """
        found = []
        for path in sorted(Path(peers.__file__).parent.glob("*.py")):
            tree = ast.parse(path.read_text(encoding="utf-8"))
            for node in tree.body:
                if isinstance(node, ast.ImportFrom) and "network" in (
                    node.module or ""
                ):
                    found.append(f"{path.name}:{node.lineno}")
            for function in ast.walk(tree):
                if isinstance(function, ast.FunctionDef):
                    found += [
                        f"{path.name}:{inner.lineno} (in {function.name})"
                        for inner in ast.walk(function)
                        if isinstance(inner, ast.Import | ast.ImportFrom)
                    ]
        self.assertEqual(found, [])
