"""
The errors twisted_wsfakes raises.

Errors that mean "the code under test did something else than the test
expected" derive from trial's ``FailTest`` (itself an ``AssertionError``), so
trial and pytest report them as test failures, not as crashes.  Errors that
mean "the test itself is written wrong" derive from ``ValueError`` or
``RuntimeError``.

It imports ``printable`` from this package.
"""

from __future__ import annotations

from twisted.internet.error import CannotListenError
from twisted.trial.unittest import FailTest

from .printable import printable


class WsFakesError(Exception):
    """
    Base class of every error twisted_wsfakes raises on purpose.
    """


class NeverSettles(WsFakesError, RuntimeError):
    """
    Something would keep going forever without the clock moving.

    ``FakeReactor.flush`` raises it when bytes still move after its
    ``flushLimit`` rounds (two peers keep answering each other), and
    ``Clock.advance`` when ``sameInstantLimit`` delayed calls run in a row
    at one instant (a call that reschedules itself with ``callLater(0)``),
    or one advance runs more than ``advanceCallLimit`` calls (a loop with a
    tiny interval).
    The message names what keeps going.
    """


class UnsupportedByFake(WsFakesError, NotImplementedError):
    """
    The code under test used a feature the fake does not simulate (TCP
    half-close, for one); the message says which and what to use instead.
    """


class LeftoverError(WsFakesError, FailTest):
    """
    A hygiene check at the end of a test found something left behind: a
    delayed call still pending or a connection still open.
    """


class ProtocolReleased(WsFakesError, AttributeError):
    """
    A closed connection no longer holds its protocols: the reactor keeps
    those of its most recently closed connections only
    (``FakeReactor.keepClosedProtocols``), so that a long test does not keep
    every protocol it ever built.  The message names the connection.
    """


class PatternError(WsFakesError, ValueError):
    """
    A pattern for matching messages is written wrong: it holds something that
    is not JSON (such as a set, or a dict key that is not a string), a NaN, or
    a matcher built with bad arguments.  The message names the path of the
    bad part.
    """


class TranscriptError(WsFakesError, ValueError):
    """
    A transcript file could not be read: it is not JSON Lines, lacks its
    header, has an unsupported version, or an event line has an unknown
    kind, a missing or ill-typed field, bad base64, or a time earlier than
    the event before it.

    :ivar path: the file, as given to ``Transcript.load``.
    :ivar line: the 1-based line number of the bad line.
    :ivar field: the JSON field at fault, or ``None`` when the whole line is.
    :ivar problem: what was wrong, without the location.
    """

    def __init__(self, path: str, line: int, field: str | None, problem: str) -> None:
        where = f"{path}, line {line}"
        if field is not None:
            where += f', field "{field}"'
        # The field and the problem may quote anything the file holds.
        super().__init__(printable(f"{where}: {problem}"))
        self.path = path
        self.line = line
        self.field = field
        self.problem = problem


class TranscriptExists(WsFakesError, FileExistsError):
    """
    A `TranscriptWriter` was asked to write to a file that already exists,
    without ``overwrite=True``: a recording is never emptied by accident.

    :ivar path: the file, as given.
    """

    def __init__(self, path: str) -> None:
        super().__init__(
            f"{path} already exists: a TranscriptWriter does not replace a file "
            "unless given overwrite=True"
        )
        self.path = path


class IncompleteTranscriptWarning(UserWarning):
    """
    ``Transcript.load`` read a file whose last line was cut off (a recorder
    stopped while writing it): every line before it was loaded, and the cut
    line's bytes are kept in the transcript's ``incomplete`` attribute.
    """


class ScriptError(WsFakesError, ValueError):
    """
    A script is written wrong: a step got a bad argument (a close code that
    may not be sent, a negative wait, ``bytes`` given to ``sendText``), steps
    are in an order that cannot happen (anything after ``closeTCP()``, a
    ``reject()`` that is not first), or the script does not suit its role
    (``reject()`` in a client's script).  The message names the step and what
    was wrong.
    """


class NotJSONError(WsFakesError, ValueError):
    """
    ``Message.json()`` was called on a message that is not JSON: a binary
    message, or text that does not parse.  The message says which and shows
    the start of the text.
    """


class NoSuchAttempt(WsFakesError, IndexError):
    """
    A test asked a ``FakeEndpoint`` for an attempt index it does not have.
    The message says how many ``connect()`` calls there have been.
    """


class AttemptAlreadyResolved(WsFakesError, RuntimeError):
    """
    A test tried to settle a ``FakeEndpoint`` attempt (``succeed()`` or
    ``fail()``) that had already connected, failed, or been cancelled by the
    code under test.
    """


class NothingToConnectTo(WsFakesError, ValueError):
    """
    ``succeed()`` on a ``FakeEndpoint`` attempt had no server end: none was
    given and the endpoint has no default, the listening port is down, or
    the target is not a listening port, a protocol factory or a protocol.
    """


class RetryMismatch(WsFakesError, FailTest):
    """
    Connection attempts were made at other times than the test expected.
    The message has a table of every attempt: time, outcome, delay, and the
    expected delay.
    """


class OutageError(WsFakesError, ValueError):
    """
    A :class:`~twisted_wsfakes.network.Listener` was used wrong: a change
    scheduled in the past or out of order, a port taken down that is
    already down (or up that is already up), or a count of attempts to
    refuse or hang that is not a whole number >= 1; a ``ListenerSwitch``
    was given a port of another reactor; or ``FakeReactor.unblackhole``
    named a host and port that were not blackholed.
    """


class NetworkUsageError(WsFakesError, ValueError):
    """
    The in-memory network was asked for something that makes no sense or
    that it does not hold: a negative tolerance, or an attempt with no end
    time, for the ``Attempts`` assertions; chunk sizes that are not whole
    numbers >= 1; more invented host names than the TEST-NET ranges have
    addresses; thread pool sizes out of order; a system event trigger that
    does not exist.  It is a ``ValueError``, as Twisted's reactors raise for
    the last.  The message names the method and the value.
    """


class ScriptMismatch(WsFakesError, FailTest):
    """
    A scripted peer met something its script did not expect, or its script
    was not played to the end.

    The message is the whole report: which server or client, which
    connection, which step, what was expected and what came, where they
    differ, and the transcript up to that point.
    """


class DominoesNotDone(WsFakesError, FailTest):
    """
    A `Dominoes` set did not fall as the test meant it to: some dominoes
    were never asked for, asked for but never reached, or asked for twice.
    The message lists each by index.
    """


class NoSuchDomino(WsFakesError, IndexError):
    """
    A test asked a `Dominoes` set for an index outside ``1..expected``.
    """


class CallAlreadySettled(WsFakesError, RuntimeError):
    """
    A test tried to settle (``succeed`` or ``fail``) a `DeferredMock` call
    whose Deferred already has a result.  The message names the call and
    how it was settled.
    """


class RealReactorUsed(WsFakesError, FailTest):
    """
    Code under test called the real global reactor's time, network, thread
    or process methods while the test ran on a fake reactor.

    The call is refused (nothing is scheduled, bound or sent) and the test
    fails at cleanup even if the code under test swallowed the exception.
    The message names the caller's module and line, and the ``patch=`` that
    points that module's ``reactor`` at the fake.
    """


class PatchTargetError(WsFakesError, ValueError):
    """
    ``useFakeReactor(patch=...)`` was given something it cannot patch: not a
    list, an entry that is neither a module nor an importable dotted module
    name, or a module that holds no module-level reference to the global
    reactor (most likely a typo for another module).  The message names the
    entry.
    """


class FakeReactorInUse(WsFakesError, RuntimeError):
    """
    A fake global reactor was put back while a fake installed after it was
    still in use: installs must be undone last in first out, as trial's
    cleanups undo them.
    """


class JSONPathError(WsFakesError, ValueError):
    """
    A JSON path (``$.token``, ``$.auth.*``, ``$.items[0].id``) is written
    wrong; the message shows the path and the part that could not be read.
    """


class RealNetworkError(WsFakesError, RuntimeError):
    """
    Recording, proxying or serving on the real network could not do what it
    was asked: a bad URL, a refused connection or handshake, a port already
    in use, an output file that already exists.  The message is one line
    that says what to do about it.
    """


class UsageError(WsFakesError, ValueError):
    """
    A ``twisted-wsfakes`` command was given arguments it cannot use; the
    message says which and what to write instead.
    """


class CannotServe(WsFakesError, CannotListenError):
    """
    ``serveWebSocket`` cannot serve that URL: a listener that is not a
    scripted server holds its host and port, or another scripted server
    already serves its path there.  It is a ``CannotListenError``, as a
    real reactor raises for a port in use; the message says which.
    """

    def __init__(self, host: str, port: int, why: str) -> None:
        CannotListenError.__init__(self, host, port, why)
