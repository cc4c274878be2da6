"""
Tests for the market-data feed client in :mod:`examples.marketfeed`, written
as a user of twisted_wsfakes would write them: the real client, its real
``ClientService`` and Autobahn protocol, against a scripted feed server on
the fake network and clock.
"""

from __future__ import annotations

import json
from decimal import Decimal
from typing import Any

from twisted.internet.defer import CancelledError

from examples.marketfeed import (
    CLOSE_BAD_MESSAGE,
    CLOSE_SERVER_ERROR,
    BadReply,
    MarketFeed,
    Tick,
)
from twisted_wsfakes import (
    Script,
    WebSocketTestCase,
    expectClose,
    expectHandshake,
    expectJSON,
    goSilent,
    sendJSON,
    sendText,
    strict,
)

URL = "ws://feed.example.com/v1/stream"
TOKEN = "s3cret-token"
SYMBOLS = ["BTC-USD", "ETH-USD"]
CHANNELS = ["ticker:BTC-USD", "ticker:ETH-USD"]

#: What the feed server sees and says on every connection before any tick:
#: the client's credentials, then its subscription, which it confirms.
SUBSCRIBE = Script(
    expectHandshake(path="/v1/stream", headers={"Authorization": f"Bearer {TOKEN}"}),
    expectJSON(strict({"op": "subscribe", "channels": CHANNELS})),
    sendJSON({"type": "subscribed", "channels": CHANNELS}),
)

#: Seconds the client waits after each failure in a row: 1.5 times the wait
#: before, from 1.5 s, capped at one minute.
BACKOFF = [1.5, 2.25, 3.375, 5.0625, 7.59375, 11.390625, 17.0859375]
BACKOFF += [25.62890625, 38.443359375, 57.6650390625, 60.0]


def ticker(symbol: str, price: float) -> dict[str, Any]:
    """
    A tick message as the feed sends it.
    """
    return {"type": "ticker", "symbol": symbol, "price": price}


class MarketFeedTests(WebSocketTestCase):
    """
    Tests for :class:`MarketFeed` against a scripted feed server.

    Every test must leave no timer pending and no connection open once the
    feed is stopped (at cleanup, unless the test stopped it).
    """

    checkPendingCalls = True
    checkOpenConnections = True

    def startFeed(self, **options: Any) -> MarketFeed:
        """
        Start a feed for ``SYMBOLS`` at ``URL``, without jitter, keeping its
        ticks in ``self.ticks`` and bad replies in ``self.badReplies``, and
        let it connect.  Cleanup stops it and checks that the stop finished.
        """
        self.ticks: list[Tick] = []
        self.badReplies: list[BadReply] = []
        feed = MarketFeed(
            self.reactor,
            URL,
            TOKEN,
            SYMBOLS,
            onTick=self.ticks.append,
            onBadReply=self.badReplies.append,
            jitter=lambda: 0,
            **options,
        )

        def stop() -> None:
            if feed.running:
                stopped = feed.stopService()
                self.reactor.flush()
                self.successResultOf(stopped)

        self.addCleanup(stop)
        feed.startService()
        self.reactor.flush()
        return feed

    def test_subscribesAndDeliversTicks(self) -> None:
        """
        The client authenticates with its token, subscribes to a ticker
        channel per symbol, delivers each tick with its exact price, and
        answers the server's application-level ping with a pong carrying
        the ping's id.
        """
        server = self.reactor.serveWebSocket(
            URL,
            Script(
                *SUBSCRIBE,
                sendJSON(ticker("BTC-USD", 64123.45)),
                sendJSON({"type": "ping", "id": 7}),
                expectJSON(strict({"type": "pong", "id": 7})),
                sendJSON(ticker("ETH-USD", 3050)),
            ),
        )
        feed = self.startFeed()

        server.assertDone()
        self.assertEqual(self.successResultOf(feed.whenSubscribed()), CHANNELS)
        self.assertEqual(
            self.ticks,
            [Tick("BTC-USD", Decimal("64123.45")), Tick("ETH-USD", Decimal(3050))],
        )
        self.assertEqual(self.badReplies, [])
        self.assertEqual(len(self.reactor.attempts), 1)

    def test_serverErrorClosesAndRetries(self) -> None:
        """
        An error reply makes the client report it and close with
        ``CLOSE_SERVER_ERROR`` and the server's message; it connects again
        after the first backoff delay and subscribes again.
        """
        error = {"type": "error", "message": "subscriptions are unavailable"}
        server = self.reactor.serveWebSocket(
            URL,
            Script(
                *SUBSCRIBE[:2],
                sendJSON(error),
                expectClose(
                    CLOSE_SERVER_ERROR, "server error: subscriptions are unavailable"
                ),
            ),
            Script(*SUBSCRIBE, sendJSON(ticker("BTC-USD", 64000))),
        )
        feed = self.startFeed()

        [bad] = self.badReplies
        self.assertEqual(
            (bad.closeCode, bad.reason, json.loads(bad.payload)),
            (CLOSE_SERVER_ERROR, "server error: subscriptions are unavailable", error),
        )
        subscribed = feed.whenSubscribed()
        self.assertNoResult(subscribed)

        self.reactor.advance(1.5)
        server.assertDone()
        self.assertEqual(self.successResultOf(subscribed), CHANNELS)
        self.assertEqual(self.ticks, [Tick("BTC-USD", Decimal(64000))])
        self.reactor.attempts.assertDelays([1.5])

    def test_unreadableReplyCloses(self) -> None:
        """
        A message that is not JSON makes the client report it and close
        with ``CLOSE_BAD_MESSAGE``.
        """
        page = "<html><body>502 Bad Gateway</body></html>"
        self.reactor.serveWebSocket(
            URL,
            Script(*SUBSCRIBE, sendText(page), expectClose(CLOSE_BAD_MESSAGE)),
        )
        self.startFeed()

        self.assertEqual(
            self.badReplies,
            [BadReply(CLOSE_BAD_MESSAGE, "message is not JSON", page.encode())],
        )

    def test_tickerWithoutPriceCloses(self) -> None:
        """
        A tick whose price is not a number is not delivered: the client
        closes with ``CLOSE_BAD_MESSAGE``.
        """
        self.reactor.serveWebSocket(
            URL,
            Script(
                *SUBSCRIBE,
                sendJSON(ticker("BTC-USD", True)),
                expectClose(CLOSE_BAD_MESSAGE, "ticker without symbol or price"),
            ),
        )
        self.startFeed()

        self.assertEqual(self.ticks, [])
        self.assertEqual(
            [bad.closeCode for bad in self.badReplies], [CLOSE_BAD_MESSAGE]
        )

    def test_silentFeedDroppedAndResubscribed(self) -> None:
        """
        When the server falls silent, the client's auto-ping finds out: the
        ping goes at ``pingInterval`` after the connection opened, the
        client drops the connection ``pingTimeout`` later, and it connects
        again and subscribes again after the first backoff delay.

        The connection opens at 0, so Autobahn's rounding of its timers down
        to whole seconds changes nothing here.
        """
        server = self.reactor.serveWebSocket(
            URL,
            Script(*SUBSCRIBE, goSilent()),
            Script(*SUBSCRIBE, sendJSON(ticker("ETH-USD", 3001.25))),
        )
        self.startFeed(pingInterval=15, pingTimeout=5)
        self.reactor.advance(19)
        [silent] = server.connections
        self.assertTrue(silent.open)

        self.reactor.advance(1)
        # The stalled server reads nothing, so it has not heard of the
        # abort yet, as on a real reactor.
        self.assertEqual(silent.lostAt, {"client": 20.0})
        events = [(e.time, e.kind, e.sender) for e in silent.transcript]
        self.assertEqual(
            events[-2:], [(15.0, "ping", "client"), (20.0, "aborted", "client")]
        )

        self.reactor.advance(1.5)
        server.assertDone()
        self.assertEqual([a.time for a in self.reactor.attempts], [0.0, 21.5])
        self.assertEqual(self.ticks, [Tick("ETH-USD", Decimal("3001.25"))])

    def test_sixHourOutage(self) -> None:
        """
        Through a six-hour outage the client retries at exactly the times
        its backoff policy gives (1.5 times longer each time, never more
        than a minute apart), then reconnects at the first retry after the
        server is back and subscribes again.
        """
        server = self.reactor.serveWebSocket(
            URL,
            Script(*SUBSCRIBE),
            Script(*SUBSCRIBE, sendJSON(ticker("BTC-USD", 58000))),
        )
        feed = self.startFeed()
        self.reactor.advance(100)
        server.down()
        self.reactor.advance(6 * 3600)
        resubscribed = feed.whenSubscribed()
        self.assertNoResult(resubscribed)
        server.up()
        # The ramp from 1.5 s reaches the one-minute cap 169.995 s after the
        # drop; the 358th one-minute retry, at 21749.995, is the first after
        # the outage ends.
        self.reactor.advance(49.99)
        self.assertNoResult(resubscribed)
        self.reactor.advance(0.01)

        attempts = self.reactor.attempts
        attempts.assertFollowsPolicy(feed.retryPolicy)
        # The same, spelled out: the first retry 1.5 s after the drop at 100,
        # then each start to start 1.5 times longer than the last, up to 60.
        self.assertEqual(attempts[1].time, 101.5)
        attempts[1:].assertDelays(BACKOFF[1:] + [60.0] * 357)
        self.assertEqual(attempts[-1].time, 21749.9951171875)
        self.assertEqual(
            [a.outcome for a in attempts],
            ["connected"] + ["refused"] * 367 + ["connected"],
        )
        self.assertEqual(self.successResultOf(resubscribed), CHANNELS)
        self.assertEqual(self.ticks, [Tick("BTC-USD", Decimal(58000))])
        server.assertDone()

    def test_stopClosesCleanly(self) -> None:
        """
        Stopping the feed closes its connection with code 1000 and ends the
        closing handshake; the Deferred fires then, and no further attempt
        is made however long the test waits.
        """
        server = self.reactor.serveWebSocket(
            URL, Script(*SUBSCRIBE, expectClose(1000, "client shutting down"))
        )
        feed = self.startFeed()

        stopped = feed.stopService()
        self.assertNoResult(stopped)
        self.reactor.flush()
        self.successResultOf(stopped)
        server.assertDone()
        [transcript] = server.transcripts
        self.assertEqual(
            [(event.kind, event.sender) for event in transcript][-3:],
            [("close", "client"), ("close", "server"), ("closed", "server")],
        )
        self.reactor.advance(24 * 3600)
        self.assertEqual(len(self.reactor.attempts), 1)

    def test_stopWhileWaitingToRetry(self) -> None:
        """
        Stopping the feed between retries cancels the retry and fails a
        waiting ``whenSubscribed`` with ``CancelledError``.
        """
        feed = self.startFeed()  # nothing listens: refused at once
        subscribed = feed.whenSubscribed()

        self.successResultOf(feed.stopService())
        self.failureResultOf(subscribed, CancelledError)
        self.reactor.advance(3600)
        self.assertEqual([a.outcome for a in self.reactor.attempts], ["refused"])
