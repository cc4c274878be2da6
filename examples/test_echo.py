"""
Tests for the echo server in :mod:`examples.echo`: the smallest use of
twisted_wsfakes for a server under test.

The real server factory listens on the fake network; a scripted client
connects to it, sends real websocket frames and checks the answers.
"""

from __future__ import annotations

from examples.echo import buildEchoFactory
from twisted_wsfakes import (
    Script,
    WebSocketTestCase,
    close,
    expectBinary,
    expectClose,
    expectText,
    sendBinary,
    sendText,
)

URL = "ws://127.0.0.1:9000"


class EchoServerTests(WebSocketTestCase):
    """
    Tests for :class:`examples.echo.EchoServerProtocol`, through
    :func:`examples.echo.buildEchoFactory`.
    """

    checkOpenConnections = True

    def setUp(self) -> None:
        super().setUp()
        self.reactor.listenTCP(9000, buildEchoFactory(URL, reactor=self.reactor))

    def echo(self, script: Script) -> None:
        """
        Play ``script`` as a client of the echo server, then close with 1000,
        and fail unless every step met what it expected.
        """
        client = self.reactor.connectWebSocket(
            URL, Script(*script, close(), expectClose(1000))
        )
        self.reactor.flush()
        client.assertDone()

    def test_textEchoedAsText(self) -> None:
        """
        A text message goes back to its sender unchanged, still text.
        """
        self.echo(Script(sendText("héllo"), expectText("héllo")))

    def test_binaryEchoedAsBinary(self) -> None:
        """
        A binary message goes back to its sender unchanged, still binary.
        """
        self.echo(Script(sendBinary(b"\x00\xff"), expectBinary(b"\x00\xff")))

    def test_messagesEchoedInOrder(self) -> None:
        """
        Each message is echoed once, in the order the messages arrived.
        """
        self.echo(
            Script(
                sendText("one"),
                sendText("two"),
                sendText("three"),
                expectText("one"),
                expectText("two"),
                expectText("three"),
            )
        )
