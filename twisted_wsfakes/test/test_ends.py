"""
Tests for :mod:`twisted_wsfakes.network.ends`: one direction of an
in-memory connection and its lifecycle, without a connection around it.
"""

from __future__ import annotations

from twisted.internet import error
from twisted.python.failure import Failure
from twisted.trial.unittest import SynchronousTestCase

from ..network.ends import READ_SIZE, End, Phase


class LifecycleTests(SynchronousTestCase):
    """
    An end goes open, closing, ending, gone, and reads its phase off one
    set of rules.
    """

    def test_opensLiveAndReading(self) -> None:
        """
        A new end is open: live, reading, listening, not decided.
        """
        end = End("client")
        self.assertIs(end.phase, Phase.OPEN)
        self.assertEqual(
            (end.live, end.reading, end.listening, end.decided, end.closing),
            (True, True, True, False, False),
        )

    def test_requestCloseOnce(self) -> None:
        """
        ``requestClose`` moves an open end to closing and says so; asked
        again, it changes nothing.  A closing end still listens for its
        peer's news but reads no more bytes.
        """
        end = End("client")
        self.assertTrue(end.requestClose())
        self.assertFalse(end.requestClose())
        self.assertIs(end.phase, Phase.CLOSING)
        self.assertEqual((end.reading, end.listening, end.live), (False, True, True))

    def test_decidedThenTold(self) -> None:
        """
        A decided end is no longer live; telling it hands back its fate
        and leaves it gone.
        """
        end = End("server")
        fate = Failure(error.ConnectionDone())
        end.decide(fate)
        self.assertEqual((end.decided, end.live, end.listening), (True, False, False))
        self.assertIs(end.tell(), fate)
        self.assertIs(end.phase, Phase.GONE)
        self.assertTrue(end.decided)

    def test_pausedHearsNothing(self) -> None:
        """
        A paused end neither reads nor listens, though it is live.
        """
        end = End("client")
        end.paused = True
        self.assertEqual((end.live, end.reading, end.listening), (True, False, False))

    def test_releaseKeepsNothing(self) -> None:
        """
        A released end forgets its fate and chunking, and what is appended
        to its inbound queue is not kept.
        """
        end = End("client")
        end.decide(Failure(error.ConnectionDone()))
        end.chunks = iter([1])
        end.release()
        end.inbound.append((0.0, b"late"))
        self.assertEqual((list(end.inbound), end.chunks, end.fate), ([], None, None))


class ReadMoreTests(SynchronousTestCase):
    """
    ``readMore`` joins what has arrived into one read, as a real read does.
    """

    def test_joinsDueBytes(self) -> None:
        """
        Bytes due by now join the read; bytes due later stay queued.
        """
        end = End("server")
        end.inbound.extend([(1.0, b"b"), (1.0, b"c"), (2.0, b"later")])
        self.assertEqual(end.readMore(b"a", 1.0), b"abc")
        self.assertEqual(list(end.inbound), [(2.0, b"later")])
        self.assertEqual(end.inboundBytes(), 5)

    def test_stopsAtNews(self) -> None:
        """
        A close or reset behind the bytes is not read with them.
        """
        end = End("server")
        news = Failure(error.ConnectionDone())
        end.inbound.extend([(0.0, b"b"), (0.0, news)])
        self.assertEqual(end.readMore(b"a", 0.0), b"ab")
        self.assertEqual(list(end.inbound), [(0.0, news)])

    def test_oneReadAtMost(self) -> None:
        """
        A read takes no more once it holds a read's size.
        """
        end = End("server")
        end.inbound.append((0.0, b"rest"))
        big = b"x" * READ_SIZE
        self.assertIs(end.readMore(big, 0.0), big)
        self.assertEqual(len(end.inbound), 1)
