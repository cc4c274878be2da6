"""
Tests for :mod:`twisted_wsfakes.network.connection`: delivery, closing, faults and
producers on an in-memory connection between plain Twisted protocols.
"""

from __future__ import annotations

import gc
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st
from twisted.internet import error
from twisted.internet.interfaces import IConnector, IPullProducer, IPushProducer
from twisted.internet.protocol import Factory
from twisted.python.failure import Failure
from twisted.trial.unittest import SynchronousTestCase
from zope.interface import implementer

from ..errors import (
    NetworkUsageError,
    ProtocolReleased,
    ScriptMismatch,
    UnsupportedByFake,
)
from ..network import FakeReactor
from ..network.connection import Connection
from ..script import Script, close, expectText
from ._autobahn import URL, clientFactory
from ._protocols import (
    Echo,
    Greeter,
    Recorder,
    RecorderFactory,
    connectPair,
    transportOf,
)


class _Failing(Recorder):
    """
    Divides by zero on every byte it receives.
    """

    def onData(self, data: bytes) -> None:
        raise ZeroDivisionError("failing on purpose")


class _FailingAtStart(Recorder):
    """
    Divides by zero as soon as it is connected.
    """

    def connectionMade(self) -> None:
        super().connectionMade()
        raise ZeroDivisionError("failing on purpose")


class _NotAProtocol:
    """
    What a misconfigured factory builds: no protocol methods at all.
    """


class _NotAProtocolFactory(Factory):
    def buildProtocol(self, addr: object) -> Any:
        return _NotAProtocol()


class _LossRecordingFactory(RecorderFactory):
    """
    Records the reasons its connections were lost.
    """

    def __init__(self, protocol: type[Recorder]) -> None:
        super().__init__(protocol)
        self.lostReasons: list[Failure] = []

    def clientConnectionLost(self, connector: IConnector, reason: Failure) -> None:
        self.lostReasons.append(reason)


@implementer(IPushProducer)
class _PushProducer:
    """
    A streaming producer that records what it was told.
    """

    def __init__(self) -> None:
        self.calls: list[str] = []

    def pauseProducing(self) -> None:
        self.calls.append("pause")

    def resumeProducing(self) -> None:
        self.calls.append("resume")

    def stopProducing(self) -> None:
        self.calls.append("stop")


@implementer(IPullProducer)
class _PullProducer:
    """
    A pull producer that writes ``pieces`` one per ``resumeProducing``,
    then unregisters, or writes nothing at all if ``pieces`` is empty.
    """

    def __init__(self, protocol: Recorder, pieces: list[bytes]) -> None:
        self.protocol = protocol
        self.pieces = pieces
        self.resumed = 0

    def resumeProducing(self) -> None:
        self.resumed += 1
        if self.pieces:
            self.protocol.write(self.pieces.pop(0))
            if not self.pieces:
                transportOf(self.protocol).unregisterProducer()

    def stopProducing(self) -> None:
        pass


class DeliveryTests(SynchronousTestCase):
    """
    Written bytes reach the peer at the next flush, in order, never inside
    the writer's call.
    """

    def test_notBeforeFlush(self) -> None:
        """
        A write is not delivered until the reactor flushes.
        """
        reactor = FakeReactor()
        _, client, server = connectPair(reactor)
        client.write(b"hi")
        self.assertEqual(server.received, [])
        reactor.flush()
        self.assertEqual(server.received, [b"hi"])

    def test_noReentry(self) -> None:
        """
        A reply written inside dataReceived reaches the peer after that
        dataReceived returns, not inside it.
        """
        reactor = FakeReactor()
        _, client, _server = connectPair(reactor, server=Echo)
        client.write(b"ping")
        reactor.flush()
        self.assertEqual(client.data, b"ping")
        self.assertFalse(client.reentered)

    def test_orderPreserved(self) -> None:
        """
        Many writes arrive in the order they were made, in both directions.
        """
        reactor = FakeReactor()
        _, client, server = connectPair(reactor)
        for n in range(50):
            client.write(b"c%d," % n)
            server.write(b"s%d," % n)
        reactor.flush()
        self.assertEqual(server.data, b"".join(b"c%d," % n for n in range(50)))
        self.assertEqual(client.data, b"".join(b"s%d," % n for n in range(50)))

    def test_writeSequence(self) -> None:
        """
        writeSequence delivers the pieces joined.
        """
        reactor = FakeReactor()
        _, client, server = connectPair(reactor)
        transportOf(client).writeSequence([b"a", b"b", b"c"])
        reactor.flush()
        self.assertEqual(server.data, b"abc")

    def test_writeStr(self) -> None:
        """
        Writing a str raises TypeError, as a real transport does.
        """
        _, client, _ = connectPair(FakeReactor())
        self.assertRaises(TypeError, transportOf(client).write, "text")

    def test_writeAfterClose(self) -> None:
        """
        Writes after the connection closed are ignored.
        """
        reactor = FakeReactor()
        _, client, server = connectPair(reactor)
        transportOf(client).loseConnection()
        reactor.flush()
        client.write(b"late")
        reactor.flush()
        self.assertEqual(server.received, [])
        self.assertNotIn(
            b"late",
            [getattr(e, "data", None) for e in reactor.connections[0].transcript],
        )

    def test_connectionMadeWrite(self) -> None:
        """
        Bytes written in connectionMade arrive in the connecting flush.
        """
        _, _client, server = connectPair(FakeReactor(), client=Greeter)
        self.assertEqual(server.data, b"hello")

    @given(
        blocks=st.lists(st.binary(min_size=1, max_size=40), max_size=10),
        sizes=st.lists(st.integers(1, 9), min_size=1, max_size=5),
    )
    @settings(deadline=None, derandomize=True, max_examples=150)
    def test_chunkedDeliveryIsLossless(
        self, blocks: list[bytes], sizes: list[int]
    ) -> None:
        """
        Whatever the writes and the chunk sizes, the receiver gets exactly
        the bytes written, in order.
        """
        reactor = FakeReactor()
        connection, client, server = connectPair(reactor)
        connection.chunk(*sizes)
        for block in blocks:
            client.write(block)
        reactor.flush()
        self.assertEqual(server.data, b"".join(blocks))


class CloseTests(SynchronousTestCase):
    """
    Closing, aborting and dropping end both sides as a real network does.
    """

    def test_loseConnectionDeliversFirst(self) -> None:
        """
        loseConnection sends what was written and completes once it has
        left: the closer gets ConnectionDone, then the peer reads the bytes
        and gets ConnectionDone, as on real TCP.
        """
        reactor = FakeReactor()
        connection, client, server = connectPair(reactor)
        client.write(b"bye")
        transportOf(client).loseConnection()
        reactor.flush()
        self.assertEqual(
            client.log[2:],
            [("client", "lost"), ("server", b"bye"), ("server", "lost")],
        )
        client.lost[0].trap(error.ConnectionDone)
        server.lost[0].trap(error.ConnectionDone)
        self.assertFalse(connection.open)

    def test_peerBytesNotDeliveredToCloser(self) -> None:
        """
        Bytes the peer sent that had not reached the closer when it closed
        are never delivered to it.
        """
        reactor = FakeReactor()
        _, client, server = connectPair(reactor)
        server.write(b"late")
        transportOf(client).loseConnection()
        reactor.flush()
        self.assertEqual(client.received, [])
        self.assertEqual(len(client.lost), 1)

    def test_abortConnection(self) -> None:
        """
        abortConnection throws away buffered bytes: the aborter gets
        ConnectionAborted and the peer ConnectionLost.
        """
        reactor = FakeReactor()
        _, client, server = connectPair(reactor)
        client.write(b"never")
        transportOf(client).abortConnection()
        reactor.flush()
        self.assertEqual(server.received, [])
        client.lost[0].trap(error.ConnectionAborted)
        server.lost[0].trap(error.ConnectionLost)

    def test_drop(self) -> None:
        """
        drop() loses bytes in flight both ways and both sides get
        ConnectionLost at the next flush.
        """
        reactor = FakeReactor()
        connection, client, server = connectPair(reactor)
        client.write(b"up")
        server.write(b"down")
        connection.drop()
        reactor.flush()
        self.assertEqual((client.received, server.received), ([], []))
        client.lost[0].trap(error.ConnectionLost)
        server.lost[0].trap(error.ConnectionLost)
        self.assertFalse(connection.open)

    def test_lostOnce(self) -> None:
        """
        Closing a closed connection again does nothing more.
        """
        reactor = FakeReactor()
        connection, client, server = connectPair(reactor)
        transportOf(client).loseConnection()
        reactor.flush()
        transportOf(server).abortConnection()
        connection.drop()
        reactor.flush()
        self.assertEqual((len(client.lost), len(server.lost)), (1, 1))


class _AbortsOnData(Recorder):
    """
    Aborts its connection as soon as it receives anything.
    """

    def onData(self, data: bytes) -> None:
        transportOf(self).abortConnection()


class _WritesThenAborts(Recorder):
    """
    Answers what it receives, then aborts in the same call.
    """

    def onData(self, data: bytes) -> None:
        self.write(b"doomed")
        transportOf(self).abortConnection()


class _WritesThenFails(Recorder):
    """
    Answers what it receives, then raises in the same call.
    """

    def onData(self, data: bytes) -> None:
        self.write(b"doomed")
        raise ZeroDivisionError("failing on purpose")


class RealTCPTests(SynchronousTestCase):
    """
    Closes and aborts end each side as they do on real TCP (measured over
    loopback on a real reactor): a close completes when the bytes leave, a
    paused reader hears nothing until it resumes, and bytes written in the
    call that aborts or raises never reach the wire.
    """

    def test_closerDoneWhenPeerAbortsOnReading(self) -> None:
        """
        A side that writes and calls loseConnection() gets ConnectionDone
        even though its peer aborts on reading those bytes: its close
        completed when the bytes left.
        """
        reactor = FakeReactor()
        connection, client, server = connectPair(reactor, server=_AbortsOnData)
        client.write(b"bye")
        transportOf(client).loseConnection()
        reactor.flush()
        client.lost[0].trap(error.ConnectionDone)
        server.lost[0].trap(error.ConnectionAborted)
        self.assertEqual(server.data, b"bye")
        self.assertFalse(connection.open)

    def test_pausedReaderHearsOfAbortAfterResume(self) -> None:
        """
        A reader that paused its transport hears nothing of its peer's
        abort until it resumes; then it gets the bytes the peer wrote before
        aborting, then ConnectionLost.
        """
        reactor = FakeReactor()
        connection, client, server = connectPair(reactor)
        transportOf(server).pauseProducing()
        client.write(b"last words")
        reactor.flush()
        transportOf(client).abortConnection()
        reactor.advance(10)
        self.assertEqual((server.received, server.lost), ([], []))
        client.lost[0].trap(error.ConnectionAborted)
        self.assertTrue(connection.open)
        transportOf(server).resumeProducing()
        reactor.flush()
        self.assertEqual(
            server.log[-2:], [("server", b"last words"), ("server", "lost")]
        )
        server.lost[0].trap(error.ConnectionLost)
        self.assertFalse(connection.open)

    def test_pausedReaderHearsOfCloseAfterResume(self) -> None:
        """
        A peer's orderly close completes at once for the closer, while the
        paused reader hears of it, after the bytes, only once it resumes.
        """
        reactor = FakeReactor()
        _, client, server = connectPair(reactor)
        transportOf(server).pauseProducing()
        client.write(b"bye")
        transportOf(client).loseConnection()
        reactor.flush()
        client.lost[0].trap(error.ConnectionDone)
        self.assertEqual(server.lost, [])
        transportOf(server).resumeProducing()
        reactor.flush()
        self.assertEqual(server.log[-2:], [("server", b"bye"), ("server", "lost")])
        server.lost[0].trap(error.ConnectionDone)

    def test_writesBeforeAbortNeverLeave(self) -> None:
        """
        Bytes written in the same call that aborts never reach the peer,
        and the transcript does not show them.
        """
        reactor = FakeReactor()
        connection, client, _ = connectPair(reactor, server=_WritesThenAborts)
        client.write(b"hi")
        reactor.flush()
        self.assertEqual(client.received, [])
        client.lost[0].trap(error.ConnectionLost)
        sent = [(e.sender, e.data) for e in connection.transcript if e.kind == "data"]  # type: ignore[attr-defined]
        self.assertEqual(sent, [("client", b"hi")])

    def test_writesBeforeRaisingNeverLeave(self) -> None:
        """
        Bytes written in a call that then raises never leave: the reactor
        drops the connection, logging the error; the peer gets
        ConnectionDone and the transcript does not show the bytes.
        """
        reactor = FakeReactor()
        connection, client, server = connectPair(reactor, server=_WritesThenFails)
        client.write(b"hi")
        reactor.flush()
        self.assertEqual(len(self.flushLoggedErrors(ZeroDivisionError)), 1)
        self.assertEqual(client.received, [])
        client.lost[0].trap(error.ConnectionDone)
        server.lost[0].trap(ZeroDivisionError)
        sent = [(e.sender, e.data) for e in connection.transcript if e.kind == "data"]  # type: ignore[attr-defined]
        self.assertEqual(sent, [("client", b"hi")])

    def test_writesOfOneTurnReadTogether(self) -> None:
        """
        Several writes made in one turn reach the peer in one dataReceived,
        as a real read returns whatever has arrived; so a peer that aborts
        on the first piece has still been handed the rest (Autobahn then
        goes on parsing the frames in its buffer, as over real TCP).
        """
        reactor = FakeReactor()
        _, client, server = connectPair(reactor, server=_AbortsOnData)
        client.write(b"one")
        client.write(b"two")
        client.write(b"three")
        reactor.flush()
        self.assertEqual(server.received, [b"onetwothree"])

    def test_writesOfSeparateTurnsReadApart(self) -> None:
        """
        Writes delivered in separate flushes arrive in separate calls.
        """
        reactor = FakeReactor()
        _, client, server = connectPair(reactor)
        client.write(b"one")
        reactor.flush()
        client.write(b"two")
        reactor.flush()
        self.assertEqual(server.received, [b"one", b"two"])

    def test_peerWritesAfterCloseGoOnTheWire(self) -> None:
        """
        A peer that answers bytes whose sender has already closed writes to
        the wire all the same (it does not know yet): the transcript shows
        the answer after the close, and no one receives it.
        """
        reactor = FakeReactor()
        connection, client, _ = connectPair(reactor, server=Echo)
        client.write(b"echo me")
        transportOf(client).loseConnection()
        reactor.flush()
        self.assertEqual(client.received, [])
        events = [(e.sender, e.kind) for e in connection.transcript]
        self.assertEqual(
            events, [("client", "data"), ("client", "closed"), ("server", "data")]
        )


class FaultTests(SynchronousTestCase):
    """
    Stalls, chunking and latency change how bytes arrive.
    """

    def test_stallAndResume(self) -> None:
        """
        While stalled nothing is delivered; after resume it all arrives.
        """
        reactor = FakeReactor()
        connection, client, server = connectPair(reactor)
        connection.stall()
        client.write(b"wait")
        reactor.advance(60)
        self.assertEqual(server.received, [])
        connection.resume()
        reactor.flush()
        self.assertEqual(server.data, b"wait")

    def test_transcriptKeepsWhatWentOnTheWire(self) -> None:
        """
        The connection's transcript has every write that left, with its
        time, and none made after an abort.
        """
        reactor = FakeReactor()
        connection, client, server = connectPair(reactor)
        reactor.advance(1.5)
        client.write(b"ping")
        server.write(b"pong")
        reactor.flush()
        transportOf(server).abortConnection()
        server.write(b"after the abort")
        reactor.flush()
        events = list(connection.transcript)
        self.assertEqual(
            sorted((e.time, e.sender, e.data) for e in events[:2]),  # type: ignore[attr-defined]
            [(1.5, "client", b"ping"), (1.5, "server", b"pong")],
        )
        self.assertEqual(
            [(e.time, e.sender, e.kind) for e in events[2:]],
            [(1.5, "server", "aborted")],
        )

    def test_bothCloseAtOnce(self) -> None:
        """
        Both sides writing and closing in the same turn close the
        connection: neither waits for a peer that reads no more.
        """
        reactor = FakeReactor()
        connection, client, server = connectPair(reactor)
        for end in (client, server):
            end.write(b"bye")
            transportOf(end).loseConnection()
        reactor.flush()
        self.assertFalse(connection.open)
        client.lost[0].trap(error.ConnectionDone)
        server.lost[0].trap(error.ConnectionDone)

    def test_latencyTimersEndWithTheConnection(self) -> None:
        """
        The timers that deliver delayed bytes are cancelled when the
        connection ends, so they are not left pending.
        """
        reactor = FakeReactor()
        connection, client, _ = connectPair(reactor)
        connection.latency = 5
        client.write(b"slow")
        connection.drop()
        reactor.flush()
        self.assertEqual(reactor.getDelayedCalls(), [])

    def test_halfCloseUnsupported(self) -> None:
        """
        loseWriteConnection raises UnsupportedByFake saying what to use
        instead, rather than half-closing wrongly.
        """
        _, client, _ = connectPair(FakeReactor())
        error = self.assertRaises(
            UnsupportedByFake, transportOf(client).loseWriteConnection
        )
        self.assertIn("use loseConnection()", str(error))

    def test_stalledPeerHearsOfAbortOnlyAfterResume(self) -> None:
        """
        A side that aborts a stalled connection is told at once; its peer,
        behind the dead network, only once the connection resumes.
        """
        reactor = FakeReactor()
        connection, client, server = connectPair(reactor)
        connection.stall()
        connection.clientTransport.abortConnection()
        reactor.advance(60)
        client.lost[0].trap(error.ConnectionAborted)
        self.assertEqual(server.lost, [])
        self.assertTrue(connection.open)
        connection.resume()
        reactor.flush()
        server.lost[0].trap(error.ConnectionLost)
        self.assertFalse(connection.open)

    def test_dropWhileStalledTellsBoth(self) -> None:
        """
        drop() is the test cutting the connection: both sides hear of it
        even while stalled.
        """
        reactor = FakeReactor()
        connection, client, server = connectPair(reactor)
        connection.stall()
        connection.drop()
        reactor.flush()
        self.assertEqual((len(client.lost), len(server.lost)), (1, 1))
        self.assertFalse(connection.open)

    def test_chunkOne(self) -> None:
        """
        chunk(1) feeds one byte per dataReceived.
        """
        reactor = FakeReactor()
        connection, client, server = connectPair(reactor)
        connection.chunk(1)
        client.write(b"abc")
        reactor.flush()
        self.assertEqual(server.received, [b"a", b"b", b"c"])

    def test_chunkCycles(self) -> None:
        """
        chunk(3, 5) cuts pieces of 3 and 5 bytes in turn.
        """
        reactor = FakeReactor()
        connection, client, server = connectPair(reactor)
        connection.chunk(3, 5)
        client.write(b"x" * 20)
        reactor.flush()
        self.assertEqual([len(p) for p in server.received], [3, 5, 3, 5, 3, 1])

    def test_chunkRejectsBadSizes(self) -> None:
        """
        A chunk size below 1, or not a whole number, raises
        NetworkUsageError naming ``chunk()`` and the size, and changes
        nothing.
        """
        reactor = FakeReactor()
        connection, client, server = connectPair(reactor)
        for bad in (0, 1.5):
            e = self.assertRaises(NetworkUsageError, connection.chunk, 2, bad)
            self.assertEqual(
                str(e),
                f"chunk(): chunk sizes must be positive integers, got {bad!r}",
            )
        client.write(b"abc")
        reactor.flush()
        self.assertEqual(server.received, [b"abc"])

    def test_latency(self) -> None:
        """
        With latency, bytes arrive exactly that many seconds after the
        write, and not before.
        """
        reactor = FakeReactor()
        connection, client, server = connectPair(reactor)
        connection.latency = 0.25
        arrived: list[float] = []
        server.onData = lambda data: arrived.append(reactor.seconds())  # type: ignore[method-assign]
        reactor.advance(1)
        client.write(b"late")
        reactor.advance(0.2)
        self.assertEqual(arrived, [])
        reactor.advance(1)
        self.assertEqual(arrived, [1.25])


class ProducerTests(SynchronousTestCase):
    """
    Transports are producers and consumers as real TCP transports are.
    """

    def test_pauseProducing(self) -> None:
        """
        A paused transport receives nothing until resumed; the other
        direction still flows.
        """
        reactor = FakeReactor()
        _, client, server = connectPair(reactor)
        transportOf(server).pauseProducing()
        client.write(b"held")
        server.write(b"free")
        reactor.flush()
        self.assertEqual((server.received, client.data), ([], b"free"))
        transportOf(server).resumeProducing()
        reactor.flush()
        self.assertEqual(server.data, b"held")

    def test_registerProducerTwice(self) -> None:
        """
        Registering a second producer raises RuntimeError.
        """
        connection, _, _ = connectPair(FakeReactor())
        connection.clientTransport.registerProducer(_PushProducer(), True)
        self.assertRaises(
            RuntimeError,
            connection.clientTransport.registerProducer,
            _PushProducer(),
            True,
        )

    def test_unregisterWithoutProducer(self) -> None:
        """
        unregisterProducer with no producer registered does nothing.
        """
        connection, _, _ = connectPair(FakeReactor())
        connection.clientTransport.unregisterProducer()
        self.assertIsNone(connection.clientTransport.producer)

    def test_streamingProducerStopped(self) -> None:
        """
        A streaming producer is stopped when the connection is lost.
        """
        reactor = FakeReactor()
        connection, _, _ = connectPair(reactor)
        producer = _PushProducer()
        connection.serverTransport.registerProducer(producer, True)
        connection.drop()
        reactor.flush()
        self.assertEqual(producer.calls, ["stop"])

    def test_registerProducerWhenClosed(self) -> None:
        """
        A producer registered on a closed transport is stopped at once and
        not kept, as on a real transport.
        """
        reactor = FakeReactor()
        connection, _, _ = connectPair(reactor)
        connection.drop()
        reactor.flush()
        producer = _PushProducer()
        connection.clientTransport.registerProducer(producer, True)
        self.assertEqual(producer.calls, ["stop"])
        self.assertIsNone(connection.clientTransport.producer)

    def test_pullProducerResumed(self) -> None:
        """
        A pull producer is asked for more each time what it wrote has been
        delivered.
        """
        reactor = FakeReactor()
        connection, client, server = connectPair(reactor)
        producer = _PullProducer(client, [b"a", b"b", b"c"])
        connection.clientTransport.registerProducer(producer, False)
        reactor.flush()
        self.assertEqual(server.received, [b"a", b"b", b"c"])
        self.assertEqual(producer.resumed, 3)

    def test_streamingProducerHeldBackByFullBuffer(self) -> None:
        """
        A streaming producer is paused once more than ``bufferSize`` bytes
        wait undelivered (behind a stalled connection, say), and resumed
        once they have all been delivered.
        """
        reactor = FakeReactor()
        connection, client, server = connectPair(reactor)
        transport = transportOf(client)
        transport.bufferSize = 10
        producer = _PushProducer()
        transport.registerProducer(producer, True)
        connection.stall()
        client.write(b"0123456789")
        self.assertEqual(producer.calls, [])
        client.write(b"!")
        self.assertEqual(producer.calls, ["pause"])
        connection.resume()
        reactor.flush()
        self.assertEqual(producer.calls, ["pause", "resume"])
        self.assertEqual(server.data, b"0123456789!")

    def test_pullProducerAskedOnRegistration(self) -> None:
        """
        As on Twisted's own transports, registering a pull producer asks it
        for data at once.
        """
        _, client, _ = connectPair(FakeReactor())
        producer = _PullProducer(client, [b"a", b"b"])
        transportOf(client).registerProducer(producer, False)
        self.assertEqual(producer.resumed, 1)

    def test_closeWaitsForPullProducer(self) -> None:
        """
        loseConnection() with a pull producer registered closes only once
        the producer is done and its data delivered.
        """
        reactor = FakeReactor()
        _, client, server = connectPair(reactor)
        producer = _PullProducer(client, [b"a", b"b", b"c"])
        transportOf(client).registerProducer(producer, False)
        transportOf(client).loseConnection()
        reactor.flush()
        self.assertEqual(server.received, [b"a", b"b", b"c"])
        self.assertEqual((len(client.lost), len(server.lost)), (1, 1))

    def test_idlePullProducer(self) -> None:
        """
        A pull producer that writes nothing when asked is not asked again,
        so the reactor settles.
        """
        reactor = FakeReactor()
        connection, client, _ = connectPair(reactor)
        producer = _PullProducer(client, [])
        connection.clientTransport.registerProducer(producer, False)
        reactor.flush()
        self.assertEqual(producer.resumed, 1)


class ProtocolErrorTests(SynchronousTestCase):
    """
    An exception from a protocol is logged and closes its connection.
    """

    def test_errorInDataReceived(self) -> None:
        """
        An exception in dataReceived is logged; the failing side's
        connectionLost gets it and the peer gets ConnectionDone.
        """
        reactor = FakeReactor()
        connection, client, server = connectPair(reactor, server=_Failing)
        client.write(b"boom")
        reactor.flush()
        self.assertEqual(len(self.flushLoggedErrors(ZeroDivisionError)), 1)
        server.lost[0].trap(ZeroDivisionError)
        client.lost[0].trap(error.ConnectionDone)
        self.assertFalse(connection.open)

    def test_errorInServerConnectionMade(self) -> None:
        """
        An exception in the server's connectionMade is logged and, as with
        Twisted's Port.doRead, leaves the connection open: the client is
        connected and its bytes still reach the server protocol.
        """
        reactor = FakeReactor()
        connection, client, server = connectPair(reactor, server=_FailingAtStart)
        self.assertEqual(len(self.flushLoggedErrors(ZeroDivisionError)), 1)
        self.assertTrue(client.made)
        self.assertTrue(connection.open)
        client.write(b"still there?")
        reactor.flush()
        self.assertEqual(server.data, b"still there?")
        self.assertEqual((client.lost, server.lost), ([], []))

    def test_errorInClientConnectionMade(self) -> None:
        """
        An exception in the client's connectionMade is logged and closes the
        connection, as Twisted's reactor closes a transport whose connect
        callback raised: the client protocol and its factory get the error,
        the server ConnectionDone.
        """
        reactor = FakeReactor()
        reactor.listenTCP(80, RecorderFactory())
        factory = _LossRecordingFactory(_FailingAtStart)
        reactor.connectTCP("example.com", 80, factory)
        reactor.flush()
        self.assertEqual(len(self.flushLoggedErrors(ZeroDivisionError)), 1)
        connection = reactor.connections[0]
        self.assertFalse(connection.open)
        factory.built[0].lost[0].trap(ZeroDivisionError)
        factory.lostReasons[0].trap(ZeroDivisionError)
        connection.server.lost[0].trap(error.ConnectionDone)  # type: ignore[attr-defined]

    def test_serverWithoutMakeConnection(self) -> None:
        """
        A server factory that builds something that is not a protocol has
        the error logged and the connection left open, as on a real reactor;
        the client's first bytes then fail it too, which closes the
        connection: the client sees ConnectionDone and flush() raises
        nothing.
        """
        reactor = FakeReactor()
        reactor.listenTCP(80, _NotAProtocolFactory())
        client = RecorderFactory()
        reactor.connectTCP("example.com", 80, client)
        reactor.flush()
        self.assertEqual(len(self.flushLoggedErrors(AttributeError)), 1)
        connection = reactor.connections[0]
        self.assertTrue(connection.open)
        client.built[0].write(b"hello?")
        reactor.flush()
        # dataReceived, then connectionLost, are missing too.
        self.assertEqual(len(self.flushLoggedErrors(AttributeError)), 2)
        self.assertFalse(connection.open)
        client.built[0].lost[0].trap(error.ConnectionDone)

    def test_clientWithoutMakeConnection(self) -> None:
        """
        A client factory that builds something that is not a protocol has
        the error logged and the connection closed: the server sees
        ConnectionDone, and (the missing connectionLost failing too, as in
        Twisted's tcp.Client) the factory is not told of the loss.
        """
        reactor = FakeReactor()
        server = RecorderFactory()
        reactor.listenTCP(80, server)
        factory = _LossRecordingFactory(Recorder)
        factory.buildProtocol = lambda addr: _NotAProtocol()  # type: ignore[assignment,method-assign,return-value]
        reactor.connectTCP("example.com", 80, factory)
        reactor.flush()
        self.assertEqual(len(self.flushLoggedErrors(AttributeError)), 2)
        self.assertFalse(reactor.connections[0].open)
        server.built[0].lost[0].trap(error.ConnectionDone)
        self.assertEqual(factory.lostReasons, [])


class ReplacedProtocolTests(SynchronousTestCase):
    """
    A transport's protocol can be read and replaced, as on Twisted's own
    transports, and delivery follows the replacement.
    """

    def test_protocolIsWhatItDeliversTo(self) -> None:
        """
        Each transport's protocol is its side's protocol.
        """
        connection, client, server = connectPair(FakeReactor())
        self.assertIs(connection.clientTransport.protocol, client)
        self.assertIs(connection.serverTransport.protocol, server)

    def test_replacedProtocolGetsLaterBytes(self) -> None:
        """
        Bytes delivered after the replacement go to the new protocol only,
        and the connection lists it as that side's protocol.
        """
        reactor = FakeReactor()
        connection, client, server = connectPair(reactor)
        client.write(b"before")
        reactor.flush()
        successor = Recorder()
        connection.serverTransport.protocol = successor
        client.write(b"after")
        reactor.flush()
        self.assertEqual((server.data, successor.data), (b"before", b"after"))
        self.assertIs(connection.server, successor)

    def test_replacedProtocolGetsConnectionLost(self) -> None:
        """
        The end of the connection is told to the new protocol, not the old.
        """
        reactor = FakeReactor()
        connection, client, server = connectPair(reactor)
        successor = Recorder()
        connection.clientTransport.protocol = successor
        connection.drop()
        reactor.flush()
        self.assertEqual(client.lost, [])
        successor.lost[0].trap(error.ConnectionLost)
        server.lost[0].trap(error.ConnectionLost)

    def test_replacedInsideDataReceived(self) -> None:
        """
        A protocol that hands the connection over inside dataReceived, as
        twisted.web does on an upgrade, gets no more bytes: with one-byte
        chunks, the next byte already goes to its successor.
        """
        reactor = FakeReactor()
        connection, client, server = connectPair(reactor)
        connection.chunk(1)
        successor = Recorder()

        def handOver(data: bytes) -> None:
            connection.serverTransport.protocol = successor

        server.onData = handOver  # type: ignore[method-assign]
        client.write(b"abc")
        reactor.flush()
        self.assertEqual((server.data, successor.data), (b"a", b"bc"))


class ClosedConnectionTests(SynchronousTestCase):
    """
    A closed connection keeps its log and what a test looks at; only the
    reactor's most recently closed connections keep their protocols.
    """

    def _closeOne(self, reactor: FakeReactor) -> Connection:
        connection, client, _ = connectPair(reactor, port=80 + len(reactor.connections))
        client.write(b"said")
        transportOf(client).loseConnection()
        reactor.flush()
        return connection

    def test_recentlyClosedKeepProtocols(self) -> None:
        """
        The last ``keepClosedProtocols`` closed connections keep their
        protocols; an older one raises ProtocolReleased, naming it, and
        still has its transcript and ``lostAt``.
        """
        reactor = FakeReactor()
        reactor.keepClosedProtocols = 2
        first, second, third = (self._closeOne(reactor) for _ in range(3))
        self.assertIsInstance(second.client, Recorder)
        self.assertIsInstance(third.server, Recorder)
        raised = self.assertRaises(ProtocolReleased, getattr, first, "client")
        self.assertIn(repr(first), str(raised))
        self.assertEqual([e.kind for e in first.transcript], ["data", "closed"])
        self.assertEqual(sorted(first.lostAt), ["client", "server"])

    def test_keepAll(self) -> None:
        """
        With ``keepClosedProtocols`` set to None, every closed connection
        keeps its protocols.
        """
        reactor = FakeReactor()
        reactor.keepClosedProtocols = None
        connections = [self._closeOne(reactor) for _ in range(5)]
        self.assertTrue(all(isinstance(c.client, Recorder) for c in connections))

    def test_scriptedServerReportsAfterRelease(self) -> None:
        """
        A scripted server still reports on connections whose protocols were
        let go: its runs keep the connection, not the protocol.
        """
        reactor = FakeReactor()
        reactor.keepClosedProtocols = 0
        server = reactor.serveWebSocket(URL, Script(expectText("a"), close()))
        for text in ("a", "b"):
            factory = clientFactory(reactor, URL)
            reactor.connectTCP("feed.example.com", 9000, factory)
            reactor.flush()
            factory.built[-1].sendMessage(text.encode())
            reactor.flush()
        gc.collect()
        with self.assertRaises(ScriptMismatch) as raised:
            server.assertDone()
        self.assertIn("connection 2", str(raised.exception))
        self.assertIn('text "b"', str(raised.exception))
