"""
Test reconnecting clients: an endpoint whose every attempt the test answers
(:mod:`~twisted_wsfakes.reconnect.endpoint`), and the deprecated outage
helpers (:mod:`~twisted_wsfakes.reconnect.outages`; a
:class:`~twisted_wsfakes.network.Listener` takes a port down and back
itself).  The assertions on retry timing live with the attempts they read,
in :mod:`twisted_wsfakes.network.attempts`, and are re-exported here for the
old import path.  Its modules import the scripted peers, so Autobahn.
"""

from __future__ import annotations

from ..network.attempts import (
    assertFollowsPolicy,
    assertRetryDelays,
    attemptTimes,
    describeAttempts,
    retryDelays,
)
from .endpoint import ConnectTarget, EndpointAttempt, FakeEndpoint
from .outages import ListenerSwitch, outage

__all__ = [
    "ConnectTarget",
    "EndpointAttempt",
    "FakeEndpoint",
    "ListenerSwitch",
    "assertFollowsPolicy",
    "assertRetryDelays",
    "attemptTimes",
    "describeAttempts",
    "outage",
    "retryDelays",
]
