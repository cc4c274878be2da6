"""
A client for a JSON market-data feed over websocket: the realistic
application that :mod:`examples.test_marketfeed` tests.

The feed speaks JSON text messages.  The client authenticates with a bearer
token in the opening handshake, then subscribes to one ticker channel per
symbol::

    client → {"op": "subscribe", "channels": ["ticker:BTC-USD"]}
    server → {"type": "subscribed", "channels": ["ticker:BTC-USD"]}
    server → {"type": "ticker", "symbol": "BTC-USD", "price": 64123.5}
    server → {"type": "ping", "id": 7}
    client → {"type": "pong", "id": 7}
    server → {"type": "error", "message": "unknown channel"}

Besides answering the server's application-level pings, the client sends
websocket pings of its own (Autobahn's auto-ping) and drops a connection
whose server stops answering them.  A lost connection is retried by
``ClientService`` with an exponential backoff, and every new connection
subscribes again.

Run it for real with ``python -m examples.marketfeed URL TOKEN SYMBOL...``.
"""

from __future__ import annotations

import json
import random
import sys
from collections.abc import Callable, Sequence
from decimal import Decimal
from typing import Any, cast

import attrs
from autobahn.twisted.websocket import WebSocketClientFactory, WebSocketClientProtocol
from autobahn.websocket.util import parse_url
from twisted.application.internet import ClientService, backoffPolicy
from twisted.application.service import Service
from twisted.internet.defer import CancelledError, Deferred, succeed
from twisted.internet.endpoints import clientFromString
from twisted.internet.interfaces import IReactorTime
from twisted.logger import Logger
from twisted.python.failure import Failure

#: The close code of a deliberate shutdown.
CLOSE_NORMAL = 1000
#: The close code with which the client leaves after the server reported an
#: error (``{"type": "error", ...}``).
CLOSE_SERVER_ERROR = 4000
#: The close code with which the client leaves after a message it cannot
#: read: binary, not JSON, or a known type with missing or ill-typed fields.
CLOSE_BAD_MESSAGE = 4001

_log = Logger()


@attrs.frozen
class Tick:
    """
    One price update.

    :ivar symbol: the instrument, as the server names it (``"BTC-USD"``).
    :ivar price: the last price, exact as sent (JSON numbers are read as
        ``Decimal``, never rounded through ``float``).
    """

    symbol: str
    price: Decimal


@attrs.frozen
class BadReply:
    """
    A message that made the client close the connection.

    :ivar closeCode: the close code the client sent: ``CLOSE_SERVER_ERROR``
        or ``CLOSE_BAD_MESSAGE``.
    :ivar reason: what was wrong, as sent in the close frame.
    :ivar payload: the message as received.
    """

    closeCode: int
    reason: str
    payload: bytes


def channelFor(symbol: str) -> str:
    """
    Name the ticker channel of ``symbol``: ``"ticker:BTC-USD"``.
    """
    return f"ticker:{symbol}"


class MarketFeedProtocol(WebSocketClientProtocol):
    """
    One websocket connection to the feed: subscribes when it opens, answers
    pings, passes ticks to its :class:`MarketFeed`.
    """

    def __init__(self) -> None:
        super().__init__()
        self._isClosed = False
        self._closeWaiters: list[Deferred[None]] = []

    def whenClosed(self) -> Deferred[None]:
        """
        Fire with ``None`` once the connection is closed (at once if it is).
        """
        if self._isClosed:
            return succeed(None)
        waiter: Deferred[None] = Deferred()
        self._closeWaiters.append(waiter)
        return waiter

    @property
    def feed(self) -> MarketFeed:
        """
        The :class:`MarketFeed` this connection works for.
        """
        return cast(MarketFeedFactory, self.factory).feed

    def onOpen(self) -> None:
        self.feed._opened(self)
        self._sendJSON({"op": "subscribe", "channels": self.feed.channels})

    def onMessage(self, payload: bytes, isBinary: bool) -> None:
        """
        Handle one message from the server.

        :param payload: the message as Autobahn delivers it (bytes).
        :param isBinary: whether it came as a binary message.
        """
        if isBinary:
            self._leave(CLOSE_BAD_MESSAGE, "binary message", payload)
            return
        try:
            message = json.loads(payload.decode("utf-8"), parse_float=Decimal)
        except ValueError:  # UnicodeDecodeError is a ValueError too
            self._leave(CLOSE_BAD_MESSAGE, "message is not JSON", payload)
            return
        if not isinstance(message, dict):
            self._leave(CLOSE_BAD_MESSAGE, "message is not a JSON object", payload)
            return
        kind = message.get("type")
        if kind == "ticker":
            self._ticker(message, payload)
        elif kind == "ping":
            self._sendJSON({"type": "pong", "id": message.get("id")})
        elif kind == "subscribed":
            self.feed._subscribed(message.get("channels"))
        elif kind == "error":
            detail = message.get("message") or message.get("code") or "no details"
            self._leave(CLOSE_SERVER_ERROR, f"server error: {detail}", payload)
        else:
            # Newer servers may send types this client does not know yet.
            _log.debug("ignoring a {kind!r} message", kind=kind)

    def onClose(self, wasClean: bool, code: int | None, reason: str | None) -> None:
        self.feed._closed(self, wasClean, code, reason)
        self._isClosed = True
        waiters, self._closeWaiters = self._closeWaiters, []
        for waiter in waiters:
            waiter.callback(None)

    def _ticker(self, message: dict[str, Any], payload: bytes) -> None:
        symbol, price = message.get("symbol"), message.get("price")
        # bool is an int to Python, not a price.
        if (
            not isinstance(symbol, str)
            or not isinstance(price, int | Decimal)
            or isinstance(price, bool)
        ):
            self._leave(CLOSE_BAD_MESSAGE, "ticker without symbol or price", payload)
            return
        self.feed._tick(Tick(symbol, Decimal(price)))

    def _sendJSON(self, message: dict[str, Any]) -> None:
        data = json.dumps(message).encode("utf-8")
        self.sendMessage(data)  # type: ignore[no-untyped-call]

    def _leave(self, code: int, reason: str, payload: bytes) -> None:
        if self.state != self.STATE_OPEN:
            return
        self.feed._badReply(BadReply(code, reason, payload))
        self.sendClose(code, reason)


class MarketFeedFactory(WebSocketClientFactory):
    """
    Builds :class:`MarketFeedProtocol` connections for one :class:`MarketFeed`.
    """

    protocol = MarketFeedProtocol

    def __init__(self, feed: MarketFeed, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[no-untyped-call]
        self.feed = feed


class MarketFeed(Service):
    """
    Keep a subscription to a market-data feed, across reconnections.

    ::

        feed = MarketFeed(reactor, "wss://feed.example.com/v1/stream",
                          token, ["BTC-USD", "ETH-USD"], onTick=print)
        feed.startService()

    Each tick goes to ``onTick`` as a :class:`Tick`.  A message the client
    cannot accept makes it close the connection with ``CLOSE_SERVER_ERROR``
    or ``CLOSE_BAD_MESSAGE``, log a warning and pass a :class:`BadReply` to
    ``onBadReply``.  Any lost connection is retried after
    ``retryPolicy(failures)`` seconds (``backoffPolicy(initialDelay, maxDelay,
    factor, jitter)``), and every new connection subscribes again.

    :param reactor: the reactor to connect and keep time with.
    :param url: the feed's ``ws://`` or ``wss://`` URL.
    :param token: the bearer token sent in the ``Authorization`` header.
    :param symbols: the symbols to subscribe to.
    :param onTick: called with each :class:`Tick`.
    :param onBadReply: called with each :class:`BadReply`.
    :param endpoint: the client endpoint description to connect with;
        ``tcp:`` (``ws://``) or ``tls:`` (``wss://``) to the URL's host and
        port when ``None``.
    :param initialDelay: the backoff's base, in seconds: the first retry
        waits ``initialDelay * factor``.
    :param factor: how much each failed retry multiplies the wait by.
    :param maxDelay: the longest wait, in seconds, before jitter.
    :param jitter: returns the random seconds added to each wait.
    :param pingInterval: seconds between the client's websocket pings.
    :param pingTimeout: seconds to wait for the pong before dropping the
        connection.
    :ivar channels: the channels subscribed to.
    :ivar retryPolicy: the retry policy in use.
    """

    def __init__(
        self,
        reactor: IReactorTime,
        url: str,
        token: str,
        symbols: Sequence[str],
        onTick: Callable[[Tick], object],
        onBadReply: Callable[[BadReply], object] | None = None,
        *,
        endpoint: str | None = None,
        initialDelay: float = 1.0,
        factor: float = 1.5,
        maxDelay: float = 60.0,
        jitter: Callable[[], float] = random.random,
        pingInterval: float = 20.0,
        pingTimeout: float = 10.0,
    ) -> None:
        if not symbols:
            raise ValueError("MarketFeed needs at least one symbol")
        self.channels = [channelFor(symbol) for symbol in symbols]
        self.retryPolicy = backoffPolicy(initialDelay, maxDelay, factor, jitter)
        self._onTick = onTick
        self._onBadReply = onBadReply
        self._protocol: MarketFeedProtocol | None = None
        self._subscribedTo: list[str] | None = None
        self._waiting: list[Deferred[list[str]]] = []
        isSecure, host, port, _, _, _ = parse_url(url)
        if endpoint is None:
            endpoint = f"{'tls' if isSecure else 'tcp'}:host={host}:port={port}"
        factory = MarketFeedFactory(
            self,
            url,
            reactor=reactor,
            headers={"Authorization": f"Bearer {token}"},
        )
        factory.setProtocolOptions(  # type: ignore[no-untyped-call]
            autoPingInterval=pingInterval, autoPingTimeout=pingTimeout
        )
        self._service = ClientService(
            clientFromString(reactor, endpoint),
            factory,
            retryPolicy=self.retryPolicy,
            clock=reactor,
        )

    def startService(self) -> None:
        """
        Connect, and keep reconnecting until stopped.
        """
        super().startService()  # type: ignore[no-untyped-call]
        self._service.startService()

    def stopService(self) -> Deferred[None]:
        """
        Stop reconnecting and close the connection, if any, with code 1000.

        Waiting :meth:`whenSubscribed` Deferreds fail with
        ``CancelledError``.

        :returns: a Deferred that fires when the connection is closed.
        """
        super().stopService()  # type: ignore[no-untyped-call]
        waiting, self._waiting = self._waiting, []
        for each in waiting:
            each.errback(Failure(CancelledError("the feed was stopped")))
        protocol = self._protocol
        if protocol is None:
            return self._service.stopService()
        if protocol.state == protocol.STATE_OPEN:
            protocol.sendClose(CLOSE_NORMAL, "client shutting down")

        # The protocol hears of the close before ClientService does, which
        # then stops without scheduling another attempt.
        def stopped(_: None) -> Deferred[None]:
            return self._service.stopService()

        return protocol.whenClosed().addCallback(stopped)

    def whenSubscribed(self) -> Deferred[list[str]]:
        """
        Fire with the subscribed channels, as the server confirmed them:
        at once if subscribed now, else at the next confirmation.
        """
        if self._subscribedTo is not None:
            return succeed(list(self._subscribedTo))
        waiting: Deferred[list[str]] = Deferred()
        self._waiting.append(waiting)
        return waiting

    # What the current connection reports.

    def _opened(self, protocol: MarketFeedProtocol) -> None:
        self._protocol = protocol
        self._subscribedTo = None

    def _subscribed(self, channels: object) -> None:
        if not isinstance(channels, list):
            channels = self.channels
        self._subscribedTo = [str(channel) for channel in channels]
        _log.info("subscribed to {channels}", channels=self._subscribedTo)
        waiting, self._waiting = self._waiting, []
        for each in waiting:
            each.callback(list(self._subscribedTo))

    def _tick(self, tick: Tick) -> None:
        self._onTick(tick)

    def _badReply(self, bad: BadReply) -> None:
        _log.warn(
            "closing the feed connection with {code}: {reason}",
            code=bad.closeCode,
            reason=bad.reason,
        )
        if self._onBadReply is not None:
            self._onBadReply(bad)

    def _closed(
        self,
        protocol: MarketFeedProtocol,
        wasClean: bool,
        code: int | None,
        reason: str | None,
    ) -> None:
        if protocol is self._protocol:
            self._protocol = None
            self._subscribedTo = None
        _log.info(
            "feed connection closed (clean: {wasClean}, code {code}, {reason})",
            wasClean=wasClean,
            code=code,
            reason=reason,
        )


def main(argv: Sequence[str]) -> None:
    """
    Print the ticks of a real feed until interrupted.

    :param argv: the command line: URL, token, then one or more symbols.
    """
    from twisted.internet import reactor
    from twisted.logger import globalLogBeginner, textFileLogObserver

    if len(argv) < 4:
        sys.exit(f"usage: {argv[0]} URL TOKEN SYMBOL...")
    globalLogBeginner.beginLoggingTo([textFileLogObserver(sys.stderr)])
    feed = MarketFeed(
        reactor,
        argv[1],
        argv[2],
        argv[3:],
        onTick=lambda tick: print(tick.symbol, tick.price, flush=True),
    )
    feed.startService()
    reactor.addSystemEventTrigger("before", "shutdown", feed.stopService)
    reactor.run()


if __name__ == "__main__":
    main(sys.argv)
