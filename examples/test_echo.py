"""
Tests for the echo server in :mod:`examples.echo`.

These drive the protocol's message callback directly and keep what it sends;
they will move onto the in-memory reactor, speaking real frames, once that
lands.
"""

from __future__ import annotations

from twisted.internet.address import IPv4Address
from twisted.internet.testing import MemoryReactorClock
from twisted.trial.unittest import SynchronousTestCase

from examples.echo import EchoServerProtocol, buildEchoFactory


class _RecordingEcho(EchoServerProtocol):
    """
    An echo protocol that keeps each message it sends instead of framing it.
    """

    def __init__(self) -> None:
        super().__init__()
        self.sent: list[tuple[bytes, bool]] = []

    def sendMessage(
        self,
        payload: bytes,
        isBinary: bool = False,
        fragmentSize: int | None = None,
        sync: bool = False,
        doNotCompress: bool = False,
    ) -> None:
        self.sent.append((payload, isBinary))


class EchoServerProtocolTests(SynchronousTestCase):
    """
    Tests for :class:`EchoServerProtocol`.
    """

    def test_textEchoedAsText(self) -> None:
        """
        A text message goes back to its sender unchanged, still marked text.
        """
        echo = _RecordingEcho()
        echo.onMessage("héllo".encode(), False)
        self.assertEqual(echo.sent, [("héllo".encode(), False)])

    def test_binaryEchoedAsBinary(self) -> None:
        """
        A binary message goes back to its sender unchanged, still marked
        binary.
        """
        echo = _RecordingEcho()
        echo.onMessage(b"\x00\xff", True)
        self.assertEqual(echo.sent, [(b"\x00\xff", True)])

    def test_messagesEchoedInOrder(self) -> None:
        """
        Each message is echoed once, in the order the messages arrived.
        """
        echo = _RecordingEcho()
        for payload in [b"one", b"two", b"three"]:
            echo.onMessage(payload, False)
        self.assertEqual(
            echo.sent, [(b"one", False), (b"two", False), (b"three", False)]
        )


class BuildEchoFactoryTests(SynchronousTestCase):
    """
    Tests for :func:`buildEchoFactory`.
    """

    def test_buildsEchoProtocols(self) -> None:
        """
        Each connection the factory accepts gets an :class:`EchoServerProtocol`
        that knows its factory.
        """
        factory = buildEchoFactory(reactor=MemoryReactorClock())
        protocol = factory.buildProtocol(IPv4Address("TCP", "192.0.2.7", 50000))
        if not isinstance(protocol, EchoServerProtocol):
            self.fail(f"built {protocol!r}, not an EchoServerProtocol")
        self.assertIs(protocol.factory, factory)

    def test_servesGivenURLOnGivenReactor(self) -> None:
        """
        The factory answers to the URL it was built for and schedules on the
        reactor it was given, not the global one.
        """
        reactor = MemoryReactorClock()
        factory = buildEchoFactory("ws://192.0.2.1:8123/echo", reactor=reactor)
        self.assertEqual(
            (factory.host, factory.port, factory.resource), ("192.0.2.1", 8123, "/echo")
        )
        self.assertIs(factory.reactor, reactor)
