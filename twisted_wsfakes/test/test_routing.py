"""
Tests for :mod:`twisted_wsfakes.routing`: scripted servers on several paths
of one host and port.
"""

from __future__ import annotations

from twisted.internet.error import CannotListenError
from twisted.internet.interfaces import IProtocolFactory
from twisted.internet.protocol import ClientFactory, Factory, Protocol
from twisted.trial.unittest import SynchronousTestCase
from zope.interface.verify import verifyObject

from .. import (
    CannotServe,
    Script,
    ScriptedClient,
    ScriptMismatch,
    expectText,
    sendText,
    useFakeReactor,
)
from ..network import FakeReactor
from ..peers import ScriptedServer
from ..transcript import Handshake
from ._protocols import useEndingReactor

A = "ws://api.example.com:9000/a"
B = "ws://api.example.com:9000/b"


def _echoOnce(word: str) -> Script:
    """
    A server script: expect ``word``, answer it in capitals.
    """
    return Script(expectText(word), sendText(word.upper()))


def _ask(reactor: FakeReactor, url: str, word: str) -> ScriptedClient:
    """
    A scripted client that sends ``word`` to ``url`` and expects it back in
    capitals.
    """
    return reactor.connectWebSocket(
        url, Script(sendText(word), expectText(word.upper()))
    )


def _twoPaths(reactor: FakeReactor) -> tuple[ScriptedServer, ScriptedServer]:
    return (
        reactor.serveWebSocket(A, _echoOnce("a")),
        reactor.serveWebSocket(B, _echoOnce("b")),
    )


class RoutingTests(SynchronousTestCase):
    """
    Scripted servers on different paths of one host and port share one
    listener, and each connection reaches the server of its path.
    """

    def test_twoPathsOnePort(self) -> None:
        """
        Two paths served on one port each get their own client, through one
        listener.
        """
        reactor = useEndingReactor(self)
        a, b = _twoPaths(reactor)
        clients = [_ask(reactor, B, "b"), _ask(reactor, A, "a")]
        reactor.flush()
        for peer in [a, b, *clients]:
            peer.assertDone()
        self.assertEqual((len(a.connections), len(b.connections)), (1, 1))
        self.assertIs(a.listener, b.listener)
        self.assertTrue(verifyObject(IProtocolFactory, a.listener.factory))
        self.assertEqual(
            [c.transcript.events[0].path for c in reactor.connections],  # type: ignore[attr-defined]
            ["/b", "/a"],
        )

    def test_queryAndChunks(self) -> None:
        """
        The path is routed without its query, however the request line is
        cut up on the way.
        """
        reactor = useEndingReactor(self)
        reactor.onNewConnection(lambda connection: connection.chunk(1))
        servers = _twoPaths(reactor)
        clients = [_ask(reactor, A + "?token=secret", "a"), _ask(reactor, B, "b")]
        reactor.flush()
        for peer in [*servers, *clients]:
            peer.assertDone()

    def test_unknownPath(self) -> None:
        """
        A path no server serves is answered 404: the client sees its
        handshake refused, and a server whose script was never played says
        where the request went.
        """
        reactor = useEndingReactor(self)
        a, b = _twoPaths(reactor)
        client = _ask(reactor, "ws://api.example.com:9000/c", "c")
        reactor.flush()
        self.assertEqual(reactor.attempts[0].handshake, Handshake("refused", 404, 0))
        lost = self.assertRaises(ScriptMismatch, client.assertDone)
        self.assertIn("404", str(lost))
        unused = self.assertRaises(ScriptMismatch, a.assertDone)
        self.assertEqual(
            str(unused),
            "ws://api.example.com:9000/a: script 1 of 1 was never played: only 0"
            " connection(s) were made; requests for paths no scripted server"
            " serves on this port were answered 404: /c",
        )
        self.assertRaises(ScriptMismatch, b.assertDone)

    def test_404NamesServedPaths(self) -> None:
        """
        The 404's body names the paths that are served.
        """
        reactor = useEndingReactor(self)
        servers = _twoPaths(reactor)
        reactor.connectTCP("api.example.com", 9000, _AskerFactory())
        reactor.flush()
        [connection] = reactor.connections
        response = connection.transcript.events[1]
        self.assertEqual(response.status, 404)  # type: ignore[attr-defined]
        raw = connection.transcript.events[2]
        self.assertEqual(
            raw.data,  # type: ignore[attr-defined]
            b"no scripted server serves /nowhere (served: /a, /b)",
        )
        for server in servers:
            self.assertRaises(ScriptMismatch, server.assertDone)

    def test_oneServerServesEveryPath(self) -> None:
        """
        A server alone on its port gets every connection, whatever its path,
        as before any path was shared.
        """
        reactor = useEndingReactor(self)
        a = reactor.serveWebSocket(A, _echoOnce("a"))
        client = _ask(reactor, "ws://api.example.com:9000/elsewhere", "a")
        reactor.flush()
        a.assertDone()
        client.assertDone()


class _Asker(Protocol):
    """
    Sends an upgrade request for a path nobody serves.
    """

    def connectionMade(self) -> None:
        assert self.transport is not None
        self.transport.write(
            b"GET /nowhere HTTP/1.1\r\nHost: api.example.com\r\n"
            b"Upgrade: websocket\r\nConnection: Upgrade\r\n\r\n"
        )


class _AskerFactory(ClientFactory):
    protocol = _Asker


class SharingErrorTests(SynchronousTestCase):
    """
    A port is shared only between scripted servers, each on its own path.
    """

    def test_samePathTwice(self) -> None:
        """
        Serving a path that is already served fails, naming it.
        """
        reactor = useFakeReactor(self)
        first = reactor.serveWebSocket(A, _echoOnce("a"))
        error = self.assertRaises(CannotServe, reactor.serveWebSocket, A, Script())
        self.assertEqual(
            str(error),
            "Couldn't listen on api.example.com:9000: "
            "a scripted server already serves /a there.",
        )
        self.assertRaises(ScriptMismatch, first.assertDone)

    def test_notScriptedListener(self) -> None:
        """
        A port held by a listener that is not a scripted server cannot be
        shared; the error is a CannotListenError naming the holder.
        """
        reactor = useFakeReactor(self)
        reactor.listenTCP(
            9000, Factory.forProtocol(Protocol), interface="api.example.com"
        )
        error = self.assertRaises(
            CannotListenError, reactor.serveWebSocket, A, Script()
        )
        self.assertIsInstance(error, CannotServe)
        self.assertEqual(
            str(error),
            "Couldn't listen on api.example.com:9000: <in-memory listener on"
            " 192.0.2.1:9000> is not a scripted server's: scripted servers share"
            " a host and port only with each other.",
        )


class SharedPortFaultTests(SynchronousTestCase):
    """
    Faults on a port that several paths share: TCP faults act on the port,
    a hang on the path.
    """

    def test_refuseNextActsOnThePort(self) -> None:
        """
        ``refuseNext`` on one path's server refuses the port's next attempt,
        whatever path it was for.
        """
        reactor = useEndingReactor(self)
        a, b = _twoPaths(reactor)
        a.refuseNext()
        refused = _ask(reactor, B, "b")
        reactor.flush()
        self.assertEqual(reactor.attempts[0].outcome, "refused")
        self.assertRaises(ScriptMismatch, refused.assertDone)
        _ask(reactor, B, "b")
        _ask(reactor, A, "a")
        reactor.flush()
        a.assertDone()
        b.assertDone()

    def test_hangNextActsOnThePath(self) -> None:
        """
        ``hangNext`` hangs the next connection for its own path only: its
        request is never answered, while the other path is served.
        """
        reactor = useEndingReactor(self)
        a, b = _twoPaths(reactor)
        a.hangNext()
        hung = _ask(reactor, A, "a")
        _ask(reactor, B, "b")
        reactor.flush()
        b.assertDone()
        self.assertEqual(reactor.attempts[0].handshake, Handshake("waiting"))
        self.assertEqual(a.connections, [reactor.connections[0]])
        reactor.connections[0].drop()
        reactor.flush()
        self.assertRaises(ScriptMismatch, hung.assertDone)
        self.assertRaises(ScriptMismatch, a.assertDone)

    def test_downTakesThePortDown(self) -> None:
        """
        ``down`` on one path's server refuses every path and cuts every
        path's connections; ``up`` brings them all back.
        """
        reactor = useEndingReactor(self)
        a = reactor.serveWebSocket(A, _echoOnce("a"))
        b = reactor.serveWebSocket(B, Script(expectText("b")), _echoOnce("b"))
        reactor.connectWebSocket(B, Script(sendText("b")))
        reactor.flush()
        a.down()
        self.assertFalse(reactor.connections[0].open)
        refused = _ask(reactor, B, "b")
        reactor.flush()
        self.assertEqual(reactor.attempts[1].outcome, "refused")
        self.assertRaises(ScriptMismatch, refused.assertDone)
        b.up()
        clients = [_ask(reactor, B, "b"), _ask(reactor, A, "a")]
        reactor.flush()
        for peer in [a, b, *clients]:
            peer.assertDone()

    def test_exhaustedPathAnswers503(self) -> None:
        """
        With ``afterLast="refuse"``, a path whose scripts are all used is
        answered 503 while another path is still served; once every path
        refuses, the port refuses at TCP.
        """
        reactor = useEndingReactor(self)
        a = reactor.serveWebSocket(A, _echoOnce("a"), afterLast="refuse")
        b = reactor.serveWebSocket(B, _echoOnce("b"), afterLast="refuse")
        _ask(reactor, A, "a")
        reactor.flush()
        late = _ask(reactor, A, "a")
        reactor.flush()
        self.assertEqual(reactor.attempts[1].handshake, Handshake("refused", 503, 0))
        self.assertRaises(ScriptMismatch, late.assertDone)
        _ask(reactor, B, "b")
        reactor.flush()
        tooLate = _ask(reactor, B, "b")
        reactor.flush()
        self.assertEqual(reactor.attempts[3].outcome, "refused")
        self.assertRaises(ScriptMismatch, tooLate.assertDone)
        a.assertDone()
        b.assertDone()
