"""
Tests for `twisted_wsfakes.transcript.mermaid`.
"""

from __future__ import annotations

from twisted.trial.unittest import SynchronousTestCase

from ..transcript import ConnectionEnd, TextMessage, Transcript, renderMermaid


class RenderMermaidTests(SynchronousTestCase):
    """
    A transcript as a Mermaid sequence diagram.
    """

    def test_diagram(self) -> None:
        """
        Frames are arrows between the participants, ends are notes, and
        characters Mermaid reads as syntax are written as entity codes.
        """
        transcript = Transcript(
            [
                TextMessage(0, "client", "a;b#c"),
                TextMessage(1.5, "server", "ok"),
                ConnectionEnd(2, None, "dropped"),
            ]
        )
        self.assertEqual(
            renderMermaid(transcript).splitlines(),
            [
                "sequenceDiagram",
                "    participant client",
                "    participant server",
                "    client->>server: 0.000 text a#59;b#35;c",
                "    server->>client: 1.500 text ok",
                "    Note over client,server: 2.000 connection dropped",
            ],
        )
