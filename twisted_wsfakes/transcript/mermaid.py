"""
Transcripts as Mermaid sequence diagrams, for docs and pull requests:
`renderMermaid`.  It imports ``events`` and ``transcript`` from the layer.
"""

from __future__ import annotations

from .events import ConnectionEnd
from .transcript import Transcript

# Characters Mermaid reads as syntax in a message, written as its entity codes.
_ESCAPES = str.maketrans({"#": "#35;", ";": "#59;", "\n": " ", "\r": " "})


def renderMermaid(transcript: Transcript, width: int = 80) -> str:
    """
    Draw ``transcript`` as a Mermaid ``sequenceDiagram``: one arrow per
    frame, labelled as `Transcript.render` describes it, with its time;
    connection ends as notes::

        sequenceDiagram
            participant client
            participant server
            client->>server: 0.000 text {"op":"subscribe"}
            Note over client,server: 5.000 connection closed by server

    :param width: the length payloads are cut to.
    """
    lines = ["sequenceDiagram", "    participant client", "    participant server"]
    for event in transcript:
        label = f"{event.time:.3f} {event.describe(width)}".translate(_ESCAPES)
        if isinstance(event, ConnectionEnd) or event.sender is None:
            lines.append(f"    Note over client,server: {label}")
        else:
            receiver = "client" if event.sender == "server" else "server"
            lines.append(f"    {event.sender}->>{receiver}: {label}")
    return "\n".join(lines)
