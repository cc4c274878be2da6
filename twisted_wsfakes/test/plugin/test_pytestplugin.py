"""
Tests for ``twisted_wsfakes.pytestplugin``, run by pytest with ``-p
pytester``: each writes a small test module and runs pytest on it.
"""

from __future__ import annotations

# Imported here, out of the inner runs: pytester forgets the modules an
# inline run imported, twisted.python.modules refuses to be imported twice
# (it registers zope adapters), and importing Autobahn in every run is slow.
import autobahn.twisted.websocket  # noqa: F401
import hypothesis  # noqa: F401
import pytest
import twisted.python.modules  # noqa: F401

import twisted_wsfakes.peers
import twisted_wsfakes.pytestplugin  # noqa: F401

URL = "ws://feed.example.com/v1"


@pytest.fixture(autouse=True)
def _withoutPytestTwisted(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    """
    Keep pytest-twisted out of the inner runs but the one about it: each
    inline run would start and stop its real reactor in this process, and a
    reactor cannot start twice.  (After ``pytester``, which clears
    ``PYTEST_ADDOPTS``.)
    """
    monkeypatch.setenv("PYTEST_ADDOPTS", "-p no:twisted")


def test_fakeReactorIsUseFakeReactors(pytester: pytest.Pytester) -> None:
    """
    ``fake_reactor`` is a FakeReactor whose clock Autobahn's timers use for
    the test, and a scripted server on it works.
    """
    pytester.makepyfile(
        """
        import txaio
        from autobahn.twisted.websocket import (
            WebSocketClientFactory, WebSocketClientProtocol, connectWS)
        from twisted_wsfakes import FakeReactor, Script, close, expectText, sendText

        class Client(WebSocketClientProtocol):
            def onOpen(self):
                self.sendMessage(b"hello")

            def onMessage(self, payload, isBinary):
                self.factory.got.append(payload)

        def test_it(fake_reactor):
            assert isinstance(fake_reactor, FakeReactor)
            assert txaio.config.loop is fake_reactor
            server = fake_reactor.serveWebSocket(
                "ws://feed.example.com/v1",
                Script(expectText("hello"), sendText("hi"), close()),
            )
            factory = WebSocketClientFactory(
                "ws://feed.example.com/v1", reactor=fake_reactor)
            factory.protocol = Client
            factory.got = []
            connectWS(factory)
            fake_reactor.flush()
            assert factory.got == [b"hi"]
            server.assertDone()
        """
    )
    result = pytester.runpytest()
    result.assert_outcomes(passed=1)


def test_leftoverFailsWithTrialsText(pytester: pytest.Pytester) -> None:
    """
    A leftover check fails the test (a failure of the test, not an error
    in a fixture) with the text trial would show.
    """
    pytester.makepyfile(
        """
        import pytest

        @pytest.mark.wsfakes(checkPendingCalls=True)
        def test_leaves(fake_reactor):
            fake_reactor.callLater(5, print)
        """
    )
    result = pytester.runpytest()
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(
        [
            "*LeftoverError: 1 delayed call(s) still pending at 0.000:",
            "*due at 5.000 (in 5.000 s): print",
        ]
    )


def test_switchFromClassAttribute(pytester: pytest.Pytester) -> None:
    """
    A test class's ``checkPendingCalls`` switches the check as it does on
    a trial test case, and the marker switches it per test.
    """
    pytester.makepyfile(
        """
        import pytest

        class TestFeed:
            checkPendingCalls = True

            def test_leaves(self, fake_reactor):
                fake_reactor.callLater(5, print)

            @pytest.mark.wsfakes(checkPendingCalls=False)
            def test_allowed(self, fake_reactor):
                fake_reactor.callLater(5, print)
        """
    )
    result = pytester.runpytest("-v")
    result.assert_outcomes(passed=1, failed=1)
    result.stdout.fnmatch_lines(["*test_leaves FAILED*", "*test_allowed PASSED*"])


def test_scriptMismatchReport(pytester: pytest.Pytester) -> None:
    """
    A scripted peer's unfinished script fails the test with its report.
    """
    pytester.makepyfile(
        """
        from twisted_wsfakes import Script, expectText

        def test_never_connects(fake_reactor):
            fake_reactor.serveWebSocket(
                "ws://feed.example.com/v1", Script(expectText("hello")))
        """
    )
    result = pytester.runpytest()
    result.assert_outcomes(failed=1, errors=0)
    result.stdout.fnmatch_lines(["*ScriptMismatch*"])


def test_deferredMockFixture(pytester: pytest.Pytester) -> None:
    """
    ``deferred_mock`` makes DeferredMocks whose unsettled Deferreds fail
    the test at its end, naming the call; settled ones pass.
    """
    pytester.makepyfile(
        """
        from twisted_wsfakes import successResultOf

        def test_settled(deferred_mock):
            client = deferred_mock()
            d = client.get("/a")
            client.get.calls[0].succeed(3)
            assert successResultOf(d) == 3

        def test_unsettled(deferred_mock):
            client = deferred_mock(name="client")
            client.get("/a")
        """
    )
    result = pytester.runpytest()
    result.assert_outcomes(passed=1, failed=1)
    result.stdout.fnmatch_lines(
        [
            "*LeftoverError: 1 Deferred(s) returned by client never settled:",
            "*<call client.get('/a'), pending>",
        ]
    )


def test_dominoesFixture(pytester: pytest.Pytester) -> None:
    """
    ``dominoes`` makes Dominoes that flush ``fake_reactor`` and are checked
    at the test's end.
    """
    pytester.makepyfile(
        """
        from twisted.internet.defer import Deferred

        def test_order(dominoes, fake_reactor):
            row = dominoes(expected=2)
            assert row.reactor is fake_reactor
            called = []

            async def late():
                await row[2]
                called.append("second")

            async def early():
                await row[1]
                called.append("first")

            Deferred.fromCoroutine(late())
            Deferred.fromCoroutine(early())
            row.begin()
            assert called == ["first", "second"]

        def test_unfinished(dominoes):
            row = dominoes(expected=2)
            row.begin()
            row[2]
        """
    )
    result = pytester.runpytest()
    result.assert_outcomes(passed=1, failed=1)
    result.stdout.fnmatch_lines(
        ["*DominoesNotDone*", "*never asked for: 1", "*asked for but never reached: 2*"]
    )


def test_resultHelpers(pytester: pytest.Pytester) -> None:
    """
    ``successResultOf``, ``failureResultOf`` and ``assertNoResult`` work
    without trial, and fail with trial's messages.
    """
    pytester.makepyfile(
        """
        from twisted.internet.defer import Deferred, fail, succeed
        from twisted_wsfakes import assertNoResult, failureResultOf, successResultOf

        def test_ok():
            assert successResultOf(succeed(1)) == 1
            failureResultOf(fail(KeyError("k")), KeyError)
            assertNoResult(Deferred())

        def test_noResult():
            successResultOf(Deferred())
        """
    )
    result = pytester.runpytest()
    result.assert_outcomes(passed=1, failed=1)
    result.stdout.fnmatch_lines(
        ["E *FailTest: Success result expected on <Deferred at *>, found no result*"]
    )
    result.stdout.no_fnmatch_line("*_synctest.py*")


def test_todoIsXfail(pytester: pytest.Pytester) -> None:
    """
    trial's ``todo`` (on a function, a trial test method, or a class) is
    read as a strict ``xfail``: failing is expected, passing is a failure,
    as under trial.
    """
    pytester.makepyfile(
        """
        from twisted.trial.unittest import SynchronousTestCase

        def test_plain():
            assert False
        test_plain.todo = "not yet"

        def test_plainPasses():
            pass
        test_plainPasses.todo = "not yet"

        class FeedTests(SynchronousTestCase):
            def test_method(self):
                self.fail("no")
            test_method.todo = "not yet"

            def test_wrongError(self):
                raise KeyError("k")
            test_wrongError.todo = (ValueError, "only ValueError expected")

        class TodoTests(SynchronousTestCase):
            todo = "the whole class"

            def test_one(self):
                self.assertEqual(1, 2)
        """
    )
    result = pytester.runpytest("-rxX")
    result.assert_outcomes(xfailed=3, failed=2)
    result.stdout.fnmatch_lines(["*XFAIL*test_plain*todo: not yet*"])


def test_underXdist(pytester: pytest.Pytester) -> None:
    """
    The fixtures work in pytest-xdist workers (``-n 2``), failures
    included.
    """
    pytester.makepyfile(
        """
        import pytest

        @pytest.mark.parametrize("n", range(4))
        def test_clock(fake_reactor, n):
            fake_reactor.callLater(n, print)
            fake_reactor.advance(n)
            assert fake_reactor.seconds() == n

        @pytest.mark.wsfakes(checkPendingCalls=True)
        def test_leaves(fake_reactor):
            fake_reactor.callLater(1, print)
        """
    )
    result = pytester.runpytest_subprocess("-n", "2", "-p", "xdist")
    result.assert_outcomes(passed=4, failed=1)
    result.stdout.fnmatch_lines(["*LeftoverError: 1 delayed call(s) still pending*"])


def test_globalReactorAndPatch(pytester: pytest.Pytester) -> None:
    """
    While ``fake_reactor`` runs, the global reactor is the fake, and the
    marker's ``patch=`` points a module-level copy at it too.
    """
    pytester.makepyfile(
        feedmodule="""
        from twisted.internet import reactor

        def later(f):
            return reactor.callLater(1, f)
        """
    )
    pytester.makepyfile(
        """
        import pytest
        import feedmodule

        @pytest.mark.wsfakes(patch=["feedmodule"])
        def test_it(fake_reactor):
            from twisted.internet import reactor
            assert reactor is fake_reactor
            called = []
            feedmodule.later(lambda: called.append(1))
            fake_reactor.advance(1)
            assert called == [1]
        """
    )
    pytester.syspathinsert()
    result = pytester.runpytest()
    result.assert_outcomes(passed=1)


def test_asyncTestOnFakeReactor(pytester: pytest.Pytester) -> None:
    """
    An ``async def`` test using ``fake_reactor`` runs synchronously: it may
    await what the fake clock has already fired, and fails, saying why, if
    it awaits something that has not fired when it returns control.
    """
    pytester.makepyfile(
        """
        from twisted.internet import task

        async def test_awaitsFired(fake_reactor):
            d = task.deferLater(fake_reactor, 5, lambda: "done")
            fake_reactor.advance(5)
            assert await d == "done"

        async def test_awaitsFailure(fake_reactor):
            d = task.deferLater(fake_reactor, 5, lambda: 1 / 0)
            fake_reactor.advance(5)
            await d

        async def test_waitsForever(fake_reactor):
            await task.deferLater(fake_reactor, 5, lambda: None)
        """
    )
    result = pytester.runpytest()
    result.assert_outcomes(passed=1, failed=2)
    result.stdout.fnmatch_lines(
        [
            "*ZeroDivisionError*",
            "*test_waitsForever is still waiting on a Deferred that has not fired*",
        ]
    )


def test_alongsidePytestTwisted(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    """
    With pytest-twisted loaded, its real-reactor tests and fake_reactor
    tests run in one session, in any order: a fake_reactor test is not
    handed to the real reactor, and a test mixing the two fails saying why.
    """
    monkeypatch.delenv("PYTEST_ADDOPTS")
    pytester.makepyfile(
        """
        import pytest_twisted
        from twisted.internet import task

        from twisted_wsfakes import successResultOf

        @pytest_twisted.inlineCallbacks
        def test_realBefore():
            from twisted.internet import reactor
            yield task.deferLater(reactor, 0, lambda: None)

        def test_fake(fake_reactor):
            from twisted.internet import reactor
            assert reactor is fake_reactor
            d = task.deferLater(reactor, 30, lambda: "done")
            fake_reactor.advance(30)
            assert successResultOf(d) == "done"

        @pytest_twisted.ensureDeferred
        async def test_realAfter():
            from twisted.internet import reactor
            await task.deferLater(reactor, 0, lambda: None)

        @pytest_twisted.inlineCallbacks
        def test_mixed(fake_reactor):
            yield task.deferLater(fake_reactor, 1, lambda: None)
        """
    )
    result = pytester.runpytest_subprocess("-p", "twisted", "-v")
    result.assert_outcomes(passed=3, failed=1)
    result.stdout.fnmatch_lines(
        [
            "*test_realBefore PASSED*",
            "*test_fake PASSED*",
            "*test_realAfter PASSED*",
            "*test_mixed is still waiting on a Deferred that has not fired*",
        ]
    )
