"""
trial's ``successResultOf``, ``failureResultOf`` and ``assertNoResult`` as
plain functions: what a Deferred holds now, read from tests that are not
trial test cases (pytest's, say), with trial's own messages.  It imports
nothing from this package.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import ParamSpec, TypeVar

from twisted.internet.defer import Deferred
from twisted.python.failure import Failure
from twisted.trial.unittest import FailTest, SynchronousTestCase

_T = TypeVar("_T")
_P = ParamSpec("_P")

# trial's own assertions, so the messages are the ones trial users know;
# they raise trial's FailTest, an AssertionError that pytest reports as a
# failure.
_TRIAL = SynchronousTestCase()


def _asserting(method: Callable[_P, _T], *args: _P.args, **kwargs: _P.kwargs) -> _T:
    """
    Call one of trial's assertions; raise its failure again from here, so
    pytest's report shows the test's line and the message, not trial's
    insides (pytest hides frames marked ``__tracebackhide__``).
    """
    __tracebackhide__ = True
    try:
        return method(*args, **kwargs)
    except FailTest as e:
        raise FailTest(str(e)) from None


def successResultOf(deferred: Deferred[_T]) -> _T:
    """
    The result ``deferred`` already has, as trial's method of that name::

        assert successResultOf(client.get("/price")) == 100.5

    :raises AssertionError: if it has no result yet, or failed.
    """
    __tracebackhide__ = True
    return _asserting(_TRIAL.successResultOf, deferred)


def failureResultOf(
    deferred: Deferred[object], *expectedExceptionTypes: type[BaseException]
) -> Failure:
    """
    The ``Failure`` ``deferred`` already failed with, as trial's method of
    that name::

        failureResultOf(connecting, ConnectionRefusedError)

    :param expectedExceptionTypes: if given, the failure must be one of
        these.
    :raises AssertionError: if it has no result yet, succeeded, or failed
        with another type.
    """
    __tracebackhide__ = True
    failure: Failure = _asserting(
        _TRIAL.failureResultOf, deferred, *expectedExceptionTypes
    )
    return failure


def assertNoResult(deferred: Deferred[object]) -> None:
    """
    Check that ``deferred`` has no result yet, as trial's method of that
    name.

    :raises AssertionError: if it has one.
    """
    __tracebackhide__ = True
    _asserting(_TRIAL.assertNoResult, deferred)
