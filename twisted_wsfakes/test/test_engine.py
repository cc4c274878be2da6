"""
Tests for :mod:`twisted_wsfakes.engine`: the sans-IO script engine, driven
input by input, with no reactor, no connection and no Autobahn.
"""

from __future__ import annotations

import gc
import subprocess
import sys
from collections.abc import Callable
from typing import Any

from twisted.internet.defer import Deferred
from twisted.trial.unittest import SynchronousTestCase

from ..engine import (
    Accept,
    Action,
    AwaitAnswer,
    CancelTimer,
    Deny,
    Ending,
    Fail,
    HangUp,
    Mismatch,
    Request,
    RunState,
    ScriptRun,
    Send,
    SendClose,
    SendPing,
    StartTimer,
    StopReading,
)
from ..matchers import ANY, Difference, Matcher
from ..script import (
    Message,
    Script,
    close,
    closeTCP,
    expectBinary,
    expectClose,
    expectHandshake,
    expectJSON,
    expectMessage,
    expectText,
    goSilent,
    inAnyOrder,
    ping,
    reject,
    repeat,
    reply,
    sendBinary,
    sendJSON,
    sendText,
    wait,
)

_REQUEST = Request("/v1", {}, {})
_CLEAN = Ending(True, 1000, None, "the other side closed with 1000")
_LOST = Ending(False, None, None, "the connection was lost (gone)")


def _opened(*steps: Any, onMismatch: Any = "close") -> tuple[ScriptRun, list[Action]]:
    """
    A server run of ``steps`` whose handshake was accepted, and what it
    did on opening.
    """
    run = ScriptRun(Script(*steps), onMismatch)
    [accepted] = run.request(_REQUEST)
    assert isinstance(accepted, Accept)
    return run, run.opened()


def _text(text: str) -> Send:
    return Send(text.encode("utf-8"), isBinary=False)


def _mismatch(actions: list[Action]) -> Mismatch:
    """
    The mismatch of the one ``Fail`` among ``actions``.
    """
    [failed] = [a for a in actions if isinstance(a, Fail)]
    return failed.mismatch


class SendingTests(SynchronousTestCase):
    """
    Sending steps are played at once, in order, as ``Send`` actions.
    """

    def test_sendsEveryKind(self) -> None:
        """
        ``sendText``, ``sendBinary`` and ``sendJSON`` each give a ``Send``
        with its payload and kind, all on opening; then the run is done.
        """
        run, actions = _opened(sendText("hi"), sendBinary(b"\x00"), sendJSON([1]))
        self.assertEqual(
            actions,
            [_text("hi"), Send(b"\x00", isBinary=True), _text("[1]")],
        )
        self.assertIs(run.state, RunState.DONE)

    def test_nothingBeforeOpening(self) -> None:
        """
        A run plays nothing until the connection is open, and starts in
        ``OPENING``.
        """
        run = ScriptRun(Script(sendText("hi")))
        self.assertIs(run.state, RunState.OPENING)
        self.assertEqual(run.request(_REQUEST), [Accept(None)])
        self.assertIs(run.state, RunState.PLAYING)
        self.assertEqual(run.opened(), [_text("hi")])


class ExpectingTests(SynchronousTestCase):
    """
    Expecting steps take the other side's messages from the inbox.
    """

    def test_expectsEveryKind(self) -> None:
        """
        ``expectText``, ``expectBinary``, ``expectJSON`` and
        ``expectMessage`` each take one matching message.
        """
        run, actions = _opened(
            expectText("a"),
            expectBinary(b"b"),
            expectJSON({"c": ANY}),
            expectMessage("d"),
            sendText("ok"),
        )
        self.assertEqual(actions, [])
        self.assertEqual(run.message(b"a", False), [])
        self.assertEqual(run.message(b"b", True), [])
        self.assertEqual(run.message(b'{"c": 3}', False), [])
        self.assertEqual(run.message(b"d", False), [_text("ok")])
        self.assertIs(run.state, RunState.DONE)

    def test_mismatchFailsAtItsPosition(self) -> None:
        """
        A message an expectation rejects gives a ``Fail`` whose mismatch
        names the step, what came, the differences and the message's number;
        nothing more is played.
        """
        run, _ = _opened(expectText("a"), expectJSON({"n": 1}), sendText("never"))
        run.message(b"a", False)
        actions = run.message(b'{"n": 2}', False)
        mismatch = _mismatch(actions)
        self.assertEqual(actions, [Fail(mismatch, abort=False)])
        assert mismatch.position is not None
        self.assertEqual(mismatch.position.description, "step 2 of 3 (expectJSON)")
        self.assertEqual((mismatch.got, mismatch.sequence), ('{"n": 2}', 2))
        self.assertEqual([d.path for d in mismatch.differences], ["$.n"])
        self.assertIs(run.state, RunState.MISMATCHED)
        self.assertEqual(run.message(b"more", False), [])

    def test_dropOnMismatch(self) -> None:
        """
        With ``onMismatch="drop"`` the ``Fail`` asks for an abort.
        """
        run, _ = _opened(expectText("a"), onMismatch="drop")
        [failed] = run.message(b"b", False)
        self.assertEqual(failed, Fail(run.mismatch, abort=True))  # type: ignore[arg-type]

    def test_unexpectedAfterLastStep(self) -> None:
        """
        A message after the last step is a mismatch with no position.
        """
        run, _ = _opened(sendText("hi"))
        mismatch = _mismatch(run.message(b"extra", False))
        self.assertEqual(
            (mismatch.position, mismatch.problem, mismatch.sequence),
            (None, "unexpected message after the last step", 1),
        )

    def test_matcherThatRaises(self) -> None:
        """
        A matcher of the test's own that raises is a mismatch reporting the
        error, not an error raised to the caller.
        """
        run, _ = _opened(expectText(_Raising()))
        mismatch = _mismatch(run.message(b"hi", False))
        self.assertEqual(mismatch.got, 'text "hi"')
        self.assertIn("checking it raised RuntimeError: broken", str(mismatch.problem))


class _Raising(Matcher):
    """
    A matcher that raises on everything.
    """

    def match(self, value: object, path: str = "$") -> list[Difference]:
        raise RuntimeError("broken")

    def describe(self) -> str:
        return "raising()"


class ReplyTests(SynchronousTestCase):
    """
    ``reply`` answers with what its function returns, now or later.
    """

    def test_answersAtOnce(self) -> None:
        """
        A function returning a value has it sent at once.
        """
        run, _ = _opened(reply(lambda m: {"echo": m.json()}), sendText("after"))
        self.assertEqual(
            run.message(b"1", False), [_text('{"echo": 1}'), _text("after")]
        )

    def test_answersLater(self) -> None:
        """
        A function returning a Deferred holds the run (``ANSWERING``) until
        its answer comes; messages meanwhile wait in the inbox for the next
        expecting step.
        """
        later: Deferred[object] = Deferred()
        run, _ = _opened(reply(lambda m: later), expectText("next"), sendText("end"))
        [awaiting] = run.message(b"first", False)
        self.assertEqual(awaiting, AwaitAnswer(later))
        self.assertIs(run.state, RunState.ANSWERING)
        self.assertEqual(run.message(b"next", False), [])
        self.assertEqual(run.answered("done"), [_text("done"), _text("end")])
        self.assertIs(run.state, RunState.DONE)

    def test_answerFails(self) -> None:
        """
        A later answer that fails is a mismatch at the reply's step.
        """
        run, _ = _opened(reply(lambda m: Deferred()))
        run.message(b"x", False)
        mismatch = _mismatch(run.answerFailed(ValueError("no")))
        self.assertIn(
            "returned a Deferred that failed with ValueError: no", str(mismatch.problem)
        )

    def test_functionRaises(self) -> None:
        """
        A function that raises is a mismatch naming the error.
        """

        def boom(message: Message) -> object:
            raise KeyError("id")

        run, _ = _opened(reply(boom))
        mismatch = _mismatch(run.message(b"x", False))
        self.assertIn("the reply function raised KeyError", str(mismatch.problem))

    def test_answerAfterTheEnd(self) -> None:
        """
        An answer coming after the connection ended is not sent, and the
        step stays unconsumed.
        """
        run, _ = _opened(reply(lambda m: Deferred()))
        run.message(b"x", False)
        run.closed(_LOST)
        self.assertEqual(run.answered("late"), [])
        self.assertEqual((run.state, run.cursor), (RunState.ENDED, 0))


class GroupTests(SynchronousTestCase):
    """
    ``inAnyOrder`` takes its messages in any order, greedily.
    """

    def test_anyOrder(self) -> None:
        """
        Each message goes to the first unmet expectation that accepts it; a
        reply in the group answers at once.
        """
        run, _ = _opened(
            inAnyOrder(expectText("a"), reply(lambda m: "got b", expect="b")),
            sendText("both"),
        )
        self.assertEqual(run.message(b"b", False), [_text("got b")])
        self.assertEqual(run.message(b"a", False), [_text("both")])

    def test_noneAccepts(self) -> None:
        """
        A message no unmet expectation accepts is a mismatch listing each.
        """
        run, _ = _opened(inAnyOrder(expectText("a"), expectText("b")))
        run.message(b"a", False)
        mismatch = _mismatch(run.message(b"c", False))
        self.assertIn(
            "no expectation still waiting in the group", str(mismatch.problem)
        )
        self.assertIn('expectText("b")', str(mismatch.problem))
        self.assertNotIn('expectText("a")', str(mismatch.problem))


class RepeatTests(SynchronousTestCase):
    """
    ``repeat`` plays its block round after round.
    """

    def test_rounds(self) -> None:
        """
        Each round plays the block, and a mismatch names its round.
        """
        run, _ = _opened(repeat(expectText("tick"), sendText("tock"), times=3))
        self.assertEqual(run.message(b"tick", False), [_text("tock")])
        mismatch = _mismatch(run.message(b"tack", False))
        assert mismatch.position is not None
        self.assertEqual(
            mismatch.position.description,
            "step 1 of 1 (repeat, round 2 of 3, step 1 of 2: expectText)",
        )


class WaitingTests(SynchronousTestCase):
    """
    ``wait`` asks for a timer and ``ping`` for a pong.
    """

    def test_wait(self) -> None:
        """
        ``wait`` starts a timer and goes on when it fires; ``wait(0)`` goes
        on at once.
        """
        run, actions = _opened(wait(0), sendText("a"), wait(5), sendText("b"))
        self.assertEqual(actions, [_text("a"), StartTimer(5)])
        self.assertIs(run.state, RunState.TIMING)
        self.assertEqual(run.timerFired(), [_text("b")])

    def test_timerCancelledWhenClosed(self) -> None:
        """
        A connection ending during a ``wait`` cancels its timer; the script
        is left unfinished.
        """
        run, _ = _opened(wait(5), sendText("b"))
        self.assertEqual(run.closed(_LOST), [CancelTimer()])
        self.assertEqual(
            (run.state, run.ending), (RunState.ENDED, "the connection was lost (gone)")
        )
        self.assertEqual(run.timerFired(), [])

    def test_ping(self) -> None:
        """
        ``ping`` sends a ping and waits for the pong with its payload; other
        pongs are ignored.
        """
        run, actions = _opened(ping(b"p1"), sendText("after"))
        self.assertEqual(actions, [SendPing(b"p1")])
        self.assertEqual(run.pong(b"other"), [])
        self.assertIs(run.state, RunState.PINGING)
        self.assertEqual(run.pong(b"p1"), [_text("after")])


class ClosingTests(SynchronousTestCase):
    """
    ``close``, ``expectClose``, ``closeTCP`` and ``goSilent`` end the script.
    """

    def test_closeAnswered(self) -> None:
        """
        ``close`` sends a close frame and ignores data after it; a clean
        close finishes the run.
        """
        run, actions = _opened(close(1001, "bye"))
        self.assertEqual(actions, [SendClose(1001, "bye")])
        self.assertIs(run.state, RunState.CLOSING)
        self.assertEqual(run.message(b"late", False), [])
        self.assertEqual(run.closed(_CLEAN), [])
        self.assertIs(run.state, RunState.DONE)

    def test_closeNotAnswered(self) -> None:
        """
        Losing the connection instead of a close frame answering ours is a
        mismatch at the close step.
        """
        run, _ = _opened(sendText("x"), close())
        mismatch = _mismatch(run.closed(_LOST))
        assert mismatch.position is not None
        self.assertEqual(mismatch.position.index, 1)
        self.assertIn("no close frame answered ours", str(mismatch.problem))

    def test_expectClose(self) -> None:
        """
        ``expectClose`` checks the other side's close code.
        """
        run, _ = _opened(expectClose(1000))
        self.assertEqual(run.closed(_CLEAN), [])
        self.assertIs(run.state, RunState.DONE)
        other, _ = _opened(expectClose(4000))
        mismatch = _mismatch(other.closed(_CLEAN))
        self.assertEqual(mismatch.got, "close 1000")

    def test_messageBeforeExpectedClose(self) -> None:
        """
        A message where a close frame is expected is a mismatch.
        """
        run, _ = _opened(expectClose())
        mismatch = _mismatch(run.message(b"hi", False))
        self.assertIn("a message came before the close frame", str(mismatch.problem))

    def test_protocolError(self) -> None:
        """
        A protocol error from the other side is a mismatch at the current
        step, with what the adapter said of it.
        """
        run, _ = _opened(expectText("a"))
        broken = Ending(False, None, None, "lost", protocolError="invalid payload")
        mismatch = _mismatch(run.closed(broken))
        self.assertEqual(mismatch.problem, "invalid payload")

    def test_closeTCPAndGoSilent(self) -> None:
        """
        ``closeTCP`` hangs up, ``goSilent`` stops reading; each ends the script.
        """
        dropped, actions = _opened(sendText("x"), closeTCP())
        self.assertEqual(
            (actions, dropped.state), ([_text("x"), HangUp()], RunState.DONE)
        )
        stalled, actions = _opened(goSilent())
        self.assertEqual((actions, stalled.state), ([StopReading()], RunState.DONE))

    def test_endedEarly(self) -> None:
        """
        The connection ending before the script is done leaves it in
        ``ENDED`` at the step it stopped at.
        """
        run, _ = _opened(expectText("a"), expectText("b"))
        run.message(b"a", False)
        self.assertEqual(run.closed(_CLEAN), [])
        self.assertEqual((run.state, run.cursor), (RunState.ENDED, 1))


class HandshakeTests(SynchronousTestCase):
    """
    ``expectHandshake`` and ``reject`` are played by the handshake input.
    """

    def test_requestChecked(self) -> None:
        """
        A server accepts a request its ``expectHandshake`` accepts, with its
        subprotocol.
        """
        run = ScriptRun(Script(expectHandshake(path="/v1", subprotocol="v2")))
        request = Request("/v1", {}, {}, ("v1", "v2"))
        self.assertEqual(run.request(request), [Accept("v2")])
        self.assertTrue(run.finished)

    def test_requestMismatch(self) -> None:
        """
        A request its ``expectHandshake`` rejects is a mismatch, and the
        handshake is refused with 400.
        """
        run = ScriptRun(Script(expectHandshake(path="/v2")))
        request = Request("/v1", {"room": ["7", ""]}, {})
        actions = run.request(request)
        self.assertEqual(actions[-1], Deny(400, "script mismatch"))
        self.assertEqual(_mismatch(actions).got, "request GET /v1?room=7&room=")

    def test_reject(self) -> None:
        """
        ``reject`` refuses the handshake with its status and headers.
        """
        run = ScriptRun(Script(reject(503, "busy", headers={"Retry-After": "5"})))
        self.assertEqual(
            run.request(_REQUEST), [Deny(503, "busy", {"Retry-After": "5"})]
        )
        self.assertIs(run.state, RunState.DONE)

    def test_response(self) -> None:
        """
        A client checks the server's response: the subprotocol it chose.
        """
        run = ScriptRun(Script(expectHandshake(subprotocol="v2")))
        mismatch = _mismatch(run.response({}, None))
        self.assertEqual(mismatch.got, "response 101 (no subprotocol)")


class IndependenceTests(SynchronousTestCase):
    """
    The engine stands alone.
    """

    def test_importsNoAutobahnNoReactor(self) -> None:
        """
        Importing the engine imports neither Autobahn nor a reactor.
        """
        out = subprocess.run(
            [
                sys.executable,
                "-c",
                (
                    "import sys, twisted_wsfakes.engine; "
                    "print('autobahn' in sys.modules, "
                    "'twisted.internet.reactor' in sys.modules)"
                ),
            ],
            capture_output=True,
            text=True,
            check=True,
        )
        self.assertEqual(out.stdout.strip(), "False False")


class GarbageTests(SynchronousTestCase):
    """
    Scripts and their runs leave nothing in reference cycles: reference
    counting frees them as soon as they are dropped, and a suite that plays
    thousands of scripts gives the garbage collector no work for them.
    """

    def test_buildAndPlayLeaveNoCycles(self) -> None:
        """
        A script with JSON steps, a ``repeat`` and an ``expectClose``, built
        (every argument check run) and played to the end by a `ScriptRun`,
        leaves no object that only the garbage collector can free.
        """

        def buildAndPlay() -> None:
            run = ScriptRun(
                Script(
                    expectJSON({"op": "hello", "id": ANY}),
                    sendJSON({"ok": True, "seen": [1, 2]}),
                    repeat(expectText("ping"), sendText("pong"), times=3),
                    expectClose(1000),
                )
            )
            run.request(_REQUEST)
            run.opened()
            run.message(b'{"op": "hello", "id": 7}', isBinary=False)
            for _ in range(3):
                run.message(b"ping", isBinary=False)
            run.closed(_CLEAN)
            self.assertIs(run.state, RunState.DONE)
            self.assertIsNone(run.mismatch)

        self.assertEqual(_leftInCycles(buildAndPlay), [])


def _leftInCycles(f: Callable[[], None]) -> list[str]:
    """
    The type names of the objects that calling ``f`` leaves in reference
    cycles: what a garbage collection right after it finds unreachable.
    """
    gc.collect()
    saved = len(gc.garbage)
    flags = gc.get_debug()
    gc.set_debug(gc.DEBUG_SAVEALL)
    try:
        f()
        gc.collect()
    finally:
        gc.set_debug(flags)
    left = gc.garbage[saved:]
    del gc.garbage[saved:]
    return sorted(type(o).__qualname__ for o in left)
