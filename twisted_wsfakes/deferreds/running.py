"""
The test running now, as far as the Deferred tools need to know it: how to
add a cleanup to it, and the fake reactor it uses, if any.
``useFakeReactor`` and the pytest plugin's fixtures enter a test here, so a
`Dominoes` or a `DeferredMock` made during the test finds the reactor to
flush and registers its end-of-test check without being told.  It imports
nothing from this package.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Protocol

import attrs


class Flushable(Protocol):
    """
    Something that runs what is ready to run, such as a ``FakeReactor``.
    """

    def flush(self) -> None:
        """
        Deliver everything ready, until nothing moves.
        """


@attrs.frozen
class RunningTest:
    """
    What the deferred tools know of the running test.

    :ivar addCleanup: registers a function to call when the test ends; a
        failure it raises fails the test.
    :ivar reactor: the test's fake reactor, or ``None`` when it has none.
    """

    addCleanup: Callable[[Callable[[], object]], object]
    reactor: Flushable | None = None


_running: list[RunningTest] = []


def enterTest(test: RunningTest) -> Callable[[], None]:
    """
    Make ``test`` the running test until the returned function is called.

    Tests entered while another is running (a fixture inside a test case)
    stack; leaving one makes the one before it current again.
    """
    _running.append(test)

    def leave() -> None:
        _running.remove(test)

    return leave


def runningTest() -> RunningTest | None:
    """
    The test entered last and not yet left, or ``None``.
    """
    return _running[-1] if _running else None


def runningReactor() -> Flushable | None:
    """
    The fake reactor of the innermost running test that has one.
    """
    for test in reversed(_running):
        if test.reactor is not None:
            return test.reactor
    return None
