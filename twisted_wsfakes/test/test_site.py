"""
Websockets served inside a twisted.web ``Site``, as most production servers
serve them next to HTTP: Autobahn's ``WebSocketResource`` on the fake
network, driven by scripted clients and by twisted.web's HTTP client.
"""

from __future__ import annotations

from autobahn.twisted.resource import WebSocketResource
from twisted.trial.unittest import SynchronousTestCase
from twisted.web.resource import Resource
from twisted.web.server import Site
from twisted.web.static import Data

from .. import Script, close, expectClose, expectText, sendText
from ..network import FakeReactor
from ._autobahn import RecordingServerFactory, RecordingServerProtocol, serverFactory
from ._protocols import useEndingReactor
from ._web import httpGet

URL = "ws://www.example.com:8080/ws"


class _Echo(RecordingServerProtocol):
    """
    Records what it gets and sends every message back.
    """

    def onMessage(self, payload: bytes, isBinary: bool) -> None:
        super().onMessage(payload, isBinary)
        self.sendMessage(payload, isBinary)


def _serveSite(reactor: FakeReactor, withHTTP: bool) -> RecordingServerFactory:
    """
    Listen with a Site that serves an echoing ``WebSocketResource`` at
    ``/ws`` and, if ``withHTTP``, a page at ``/hello``.
    """
    factory = serverFactory(reactor, URL, protocol=_Echo)
    root = Resource()
    root.putChild(b"ws", WebSocketResource(factory))
    if withHTTP:
        root.putChild(b"hello", Data(b"hello, world", "text/plain"))
    reactor.listenTCP(8080, Site(root, reactor=reactor), interface="www.example.com")
    return factory


_ECHO_SCRIPT = Script(sendText("hi"), expectText("hi"), close(1000), expectClose())


class WebSocketResourceTests(SynchronousTestCase):
    """
    Autobahn's ``WebSocketResource`` takes over the connection twisted.web
    accepted, and the websocket runs on it as on a real reactor.
    """

    def test_scriptedClientThroughSite(self) -> None:
        """
        A scripted client upgrades through the Site and plays its whole
        script against the resource's protocol; the transcript shows the
        upgrade, then frames.
        """
        reactor = useEndingReactor(self)
        factory = _serveSite(reactor, withHTTP=False)
        client = reactor.connectWebSocket(URL, _ECHO_SCRIPT)
        reactor.flush()
        client.assertDone()
        self.assertEqual(factory.built[0].messages, [(b"hi", False)])
        kinds = [(e.sender, e.kind) for e in reactor.connections[0].transcript]
        self.assertEqual(
            kinds,
            [
                ("client", "request"),
                ("server", "response"),
                ("client", "text"),
                ("server", "text"),
                ("client", "close"),
                ("server", "close"),
                ("server", "closed"),
            ],
        )

    def test_websocketProtocolOwnsTheConnection(self) -> None:
        """
        Once upgraded, the connection's server end is the websocket
        protocol, and its end reaches that protocol's onClose.
        """
        reactor = useEndingReactor(self)
        factory = _serveSite(reactor, withHTTP=False)
        reactor.connectWebSocket(URL, _ECHO_SCRIPT)
        reactor.flush()
        protocol = factory.built[0]
        self.assertIs(reactor.connections[0].server, protocol)
        self.assertEqual(self.successResultOf(protocol.closed).code, 1000)

    def test_httpNextToWebSocket(self) -> None:
        """
        An ordinary HTTP resource next to the websocket one still answers a
        GET on the same host and port, before and after a websocket session.
        """
        reactor = useEndingReactor(self)
        _serveSite(reactor, withHTTP=True)
        self.assertEqual(
            httpGet(reactor, "http://www.example.com:8080/hello"),
            (200, b"hello, world"),
        )
        client = reactor.connectWebSocket(URL, _ECHO_SCRIPT)
        reactor.flush()
        client.assertDone()
        self.assertEqual(
            httpGet(reactor, "http://www.example.com:8080/hello"),
            (200, b"hello, world"),
        )
        self.assertEqual(httpGet(reactor, "http://www.example.com:8080/nope")[0], 404)
