"""
The real-network edge: recording live websocket exchanges (``record``,
``proxy``), serving Scripts on a real port (``serve``), and the pieces they
share (``addresses``, ``capture``, ``redact``); ``demo`` runs the loop on
loopback.  Only the command line and the package's lazy names import it;
it builds on the transcript, script and peer layers, never the other way.
"""
