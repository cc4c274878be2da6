"""
The errors twisted_wsfakes raises.

Errors that mean "the code under test did something else than the test
expected" derive from trial's ``FailTest`` (itself an ``AssertionError``), so
trial and pytest report them as test failures, not as crashes.  Errors that
mean "the test itself is written wrong" derive from ``ValueError`` or
``RuntimeError``.
"""

from __future__ import annotations

from twisted.trial.unittest import FailTest


class WsFakesError(Exception):
    """
    Base class of every error twisted_wsfakes raises on purpose.
    """


class NeverSettles(WsFakesError, RuntimeError):
    """
    ``FakeReactor.flush`` went round its limit and bytes were still moving:
    two peers keep answering each other without the clock moving.
    """


class LeftoverError(WsFakesError, FailTest):
    """
    A hygiene check at the end of a test found something left behind: a
    delayed call still pending or a connection still open.
    """


class PatternError(WsFakesError, ValueError):
    """
    A pattern for matching messages is written wrong: it holds something that
    is not JSON (such as a set, or a dict key that is not a string), a NaN, or
    a matcher built with bad arguments.  The message names the path of the
    bad part.
    """
