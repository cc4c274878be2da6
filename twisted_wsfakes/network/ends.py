"""
One direction of an in-memory connection: an `End` holds what its peer sent
it and it has not yet read, and where it is in its life, a `Phase` (open,
closing, ending, gone).  The phase changes here only, through the `End`'s
methods, so the close, abort and stall rules of a `Connection` read off
them.  It imports ``transcript`` (for the side's name) from below the
layer.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Iterator
from enum import Enum

from twisted.python.failure import Failure

from ..transcript import Side

#: What the wire holds toward an end: (due time, bytes), then possibly the
#: peer's news (a ``Failure``).
Inbound = deque[tuple[float, bytes | Failure]]

#: How much one read takes at most, as Twisted's own transports read.
READ_SIZE = 65536


class Phase(Enum):
    """
    Where one end of a connection is in its life.
    """

    #: Reads and writes.
    OPEN = "open"
    #: Called ``loseConnection()``: reads no more, and closes once what it
    #: wrote has left (and its pull producer, if any, is done).
    CLOSING = "closing"
    #: Its end is decided (it closed, aborted, failed, was dropped, or heard
    #: its peer's close or reset): told at the next pump.
    ENDING = "ending"
    #: Told ``connectionLost``.
    GONE = "gone"


#: The phases of an end that is decided: read on every write and delivery,
#: so looked up once, here.
_DECIDED = (Phase.ENDING, Phase.GONE)


class End:
    """
    One end of a connection: what its peer sent it and it has not yet
    read, and where it is in its life.

    ``inbound`` holds (due time, bytes) for what reached the wire toward
    this end, then possibly the peer's news (a ``Failure``: the reason this
    end gets once it has read everything before it, as a FIN or a reset
    follows the data on real TCP).
    """

    __slots__ = ("askProducer", "chunks", "fate", "inbound", "paused", "phase", "side")

    def __init__(self, side: Side) -> None:
        self.side: Side = side
        self.phase = Phase.OPEN
        self.inbound: Inbound = deque()
        # The sizes to deliver inbound bytes in, if chunked.
        self.chunks: Iterator[int] | None = None
        # transport.pauseProducing() was called: nothing is delivered.
        self.paused = False
        # The reason it gets connectionLost with, once ENDING.
        self.fate: Failure | None = None
        # Its pull producer is due to be asked for more once what this end
        # wrote has been delivered, as a real transport asks when its buffer
        # drains: a producer that writes nothing is not asked again until
        # it writes.
        self.askProducer = False

    @property
    def closing(self) -> bool:
        """
        Whether it asked to close and waits for its bytes to leave.
        """
        return self.phase is Phase.CLOSING

    @property
    def decided(self) -> bool:
        """
        Whether its end is decided (it closed, aborted, failed, was dropped,
        or heard its peer's close or reset).
        """
        return self.phase in _DECIDED

    @property
    def live(self) -> bool:
        """
        Whether its end is still undecided: it may write, and be told.
        """
        return self.phase not in _DECIDED

    @property
    def reading(self) -> bool:
        """
        Whether bytes on the wire toward this end are delivered to it.
        """
        return self.phase is Phase.OPEN and not self.paused

    @property
    def listening(self) -> bool:
        """
        Whether anything on the wire reaches it: bytes if it reads, and a
        close or reset even while it waits to close.
        """
        return not self.paused and self.phase not in _DECIDED

    def requestClose(self) -> bool:
        """
        ``loseConnection()`` was called: an open end starts closing.

        :returns: whether it did (it was open).
        """
        if self.phase is not Phase.OPEN:
            return False
        self.phase = Phase.CLOSING
        return True

    def decide(self, fate: Failure) -> None:
        """
        Its end is decided (it closed, aborted, failed, was dropped, or
        read its peer's close or reset): it gets ``connectionLost(fate)``
        when told.
        """
        self.phase = Phase.ENDING
        self.fate = fate

    def tell(self) -> Failure:
        """
        It is being told: it is gone.

        :returns: the reason it gets ``connectionLost`` with.
        """
        fate = self.fate
        assert fate is not None, f"the {self.side} end was told before its end"
        self.phase = Phase.GONE
        return fate

    def release(self) -> None:
        """
        Let go of what only a live end needs, once the connection closed.
        """
        # A closed end is sent nothing more: one shared, always empty queue
        # saves each closed connection two of its own.
        self.inbound = _NOTHING_INBOUND
        self.chunks = None
        self.fate = None

    def inboundBytes(self) -> int:
        """
        How many bytes wait on the wire toward it.
        """
        return sum(len(item) for _, item in self.inbound if isinstance(item, bytes))

    def readMore(self, data: bytes, now: float) -> bytes:
        """
        ``data`` and the bytes that arrived after it and are due by ``now``
        too, up to one read's size: a real read returns whatever has
        arrived, so several writes of one turn reach ``dataReceived``
        together.
        """
        queue = self.inbound
        pieces = [data]
        size = len(data)
        while size < READ_SIZE and queue and queue[0][0] <= now:
            more = queue[0][1]
            if not isinstance(more, bytes):
                break
            queue.popleft()
            pieces.append(more)
            size += len(more)
        return data if len(pieces) == 1 else b"".join(pieces)


#: The inbound queue of every closed end: it keeps nothing appended to it.
_NOTHING_INBOUND: Inbound = deque(maxlen=0)
