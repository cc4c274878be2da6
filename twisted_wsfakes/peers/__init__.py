"""
Scripted websocket peers: real Autobahn protocols that play Scripts.

The layer, bottom up: `seam` (what the peers need of the in-memory
network), `routing` (servers on several paths of one port), `report` (each
connection's run and its reports), `adapters` (the Autobahn protocols,
which feed the sans-IO `twisted_wsfakes.engine` and carry out what it
says), and `scripted` (the servers and clients a test makes).  This module
only gathers their public names; importing it imports Autobahn.
"""

from ..engine import OnMismatch
from .report import Transcribed
from .scripted import (
    AfterLast,
    ScriptedClient,
    ScriptedServer,
    ServerScripts,
)

__all__ = [
    "AfterLast",
    "OnMismatch",
    "ScriptedClient",
    "ScriptedServer",
    "ServerScripts",
    "Transcribed",
]
