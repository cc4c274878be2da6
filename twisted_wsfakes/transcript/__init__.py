"""
Transcripts: what was said on a websocket connection, as events with the
clock's time, read off the bytes on the wire, kept in files and drawn.

The layer's map, bottom up: each module imports only modules listed before
it, and, from below the layer, ``printable`` and ``errors``.

- `events`: the event values (`Request`, `TextMessage`, `Close`,
  `ConnectionEnd`...), `Side`, `IncompleteLine`, and how each event reads.
- `files`: transcripts in JSON Lines files, and `TranscriptWriter`.
- `transcript`: `Transcript`, the time-ordered sequence of events.
- `wire`: from the bytes each side wrote to events, and the opening
  `Handshake` they tell.
- `mermaid`: a transcript as a Mermaid sequence diagram (`renderMermaid`).

The network, the scripts and the real-network tools sit above it.  This
package re-exports what a test builds, compares or receives from the layer,
the names the API reference documents under ``twisted_wsfakes.transcript``::

    from twisted_wsfakes.transcript import ConnectionEnd, TextMessage
"""

from .events import (
    BinaryMessage,
    Close,
    ConnectionEnd,
    Event,
    IncompleteLine,
    Ping,
    Pong,
    RawData,
    Request,
    Response,
    Side,
    TextMessage,
)
from .files import TranscriptWriter
from .mermaid import renderMermaid
from .transcript import Transcript
from .wire import Handshake

__all__ = [
    "BinaryMessage",
    "Close",
    "ConnectionEnd",
    "Event",
    "Handshake",
    "IncompleteLine",
    "Ping",
    "Pong",
    "RawData",
    "Request",
    "Response",
    "Side",
    "TextMessage",
    "Transcript",
    "TranscriptWriter",
    "renderMermaid",
]
