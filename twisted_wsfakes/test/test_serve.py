"""
Tests for `twisted_wsfakes.realnet.serve`: Scripts played on a real port to
``websockets`` clients.
"""

from __future__ import annotations

from twisted.internet import reactor
from twisted.internet.defer import Deferred, inlineCallbacks
from twisted.internet.interfaces import IListeningPort
from twisted.trial.unittest import TestCase
from zope.interface.verify import verifyObject

from .. import Script, ScriptMismatch, regex, serveScript
from ..script import expectText, sendText
from ._realnet import runPeer


class _Ends:
    """
    Collects ``onEnd`` calls and says when ``count`` connections ended.
    """

    def __init__(self, count: int) -> None:
        self.count = count
        self.reports: dict[int, str | None] = {}
        self.all: Deferred[dict[int, str | None]] = Deferred()

    def __call__(self, number: int, report: str | None) -> None:
        self.reports[number] = report
        if len(self.reports) == self.count:
            self.all.callback(self.reports)


class ServeScriptTests(TestCase):
    """
    Each connection gets its own run of the Script, with the in-memory
    engine's reports.
    """

    timeout = 30

    def test_isListeningPort(self) -> None:
        """
        The server is the listening port, on loopback unless told.
        """
        server = serveScript(reactor, 0, Script(sendText("hi")))
        self.addCleanup(server.stopListening)
        self.assertTrue(verifyObject(IListeningPort, server))
        self.assertEqual(server.getHost().host, "127.0.0.1")  # type: ignore[attr-defined]

    @inlineCallbacks
    def test_deviationReport(self):  # type: ignore[no-untyped-def]
        """
        A client that sends something else is closed with 1011 and its
        report names the step, what was expected and what came.
        """
        ends = _Ends(1)
        server = serveScript(
            reactor,
            0,
            Script(expectText("hello"), sendText("there"), expectText("general")),
            onEnd=ends,
        )
        self.addCleanup(server.stopListening)
        port = str(server.getHost().port)  # type: ignore[attr-defined]
        said = yield runPeer("converse", port, "/", "hello", "admiral")
        self.assertEqual(
            said, [{"got": "there"}, {"closed": 1011, "reason": "script mismatch"}]
        )
        reports = yield ends.all
        self.assertIn("connection 1, step 3 of 3 (expectText)", reports[1])
        self.assertIn('got      text "admiral"', reports[1])
        error = self.assertRaises(ScriptMismatch, server.assertDone)
        self.assertIn('expected "general"', str(error))

    @inlineCallbacks
    def test_twoHundredClients(self):  # type: ignore[no-untyped-def]
        """
        200 clients at once each play their own run to the end; none is
        lost.
        """
        ends = _Ends(200)
        server = serveScript(
            reactor,
            0,
            Script(
                sendText("welcome"), expectText(regex(r"client \d+")), sendText("bye")
            ),
            onEnd=ends,
        )
        self.addCleanup(server.stopListening)
        port = str(server.getHost().port)  # type: ignore[attr-defined]
        said = yield runPeer("many", port, "200")
        self.assertEqual(said, [{"finished": 200, "errors": []}])
        reports = yield ends.all
        self.assertEqual(set(reports.values()), {None})
        names = {t.messages("client")[0] for t in server.transcripts}
        self.assertEqual(names, {f"client {n}" for n in range(200)})
        server.assertDone()
