"""
DeferredMock: a ``unittest.mock.Mock`` whose calls return Deferreds the
test settles, one `DeferredCall` each.  It imports ``running`` from the
layer, and ``errors`` from below it.
"""

from __future__ import annotations

import enum
import inspect
import re
import typing
from collections.abc import Callable, Coroutine
from typing import Any, Final
from unittest.mock import DEFAULT, Mock, create_autospec

import attrs
from twisted.internet.defer import Deferred, fail, succeed
from twisted.python.failure import Failure

from ..errors import CallAlreadySettled, LeftoverError
from .running import runningTest


class _Pending:
    def __repr__(self) -> str:
        return "PENDING"


PENDING: Final[Any] = _Pending()
"""
A `DeferredMock`'s ``return_value`` by default: each call returns a Deferred
that stays pending until the test settles it through ``mock.calls[i]``.
"""


class CallState(enum.Enum):
    """
    Where the Deferred of one `DeferredCall` is.
    """

    PENDING = "pending"
    SUCCEEDED = "succeeded"
    FAILED = "failed"
    CANCELLED = "cancelled"


@attrs.define(eq=False)
class DeferredCall:
    """
    One call of a `DeferredMock`: its arguments and the Deferred it
    returned, which the test settles with `succeed` or `fail`.

    :ivar args: the positional arguments.
    :ivar kwargs: the keyword arguments.
    :ivar deferred: the Deferred the call returned.
    :ivar state: whether that Deferred has a result yet, and which kind.
    :ivar outcome: what ``return_value`` or ``side_effect`` gave for the
        call, or `~twisted_wsfakes.PENDING`.
    """

    name: str
    args: tuple[Any, ...]
    kwargs: dict[str, Any]
    deferred: Deferred[Any] = attrs.field(init=False)
    state: CallState = attrs.field(init=False, default=CallState.PENDING)
    outcome: object = attrs.field(default=PENDING, repr=False)

    def __attrs_post_init__(self) -> None:
        if isinstance(self.outcome, Deferred):
            self.deferred = self.outcome
        else:
            self.deferred = Deferred(self._cancelled)
            if self.outcome is not PENDING:
                _outcomeDeferred(self.outcome).chainDeferred(self.deferred)
        self.deferred.addBoth(self._settled)

    def _cancelled(self, deferred: Deferred[Any]) -> None:
        self.state = CallState.CANCELLED

    def _settled(self, result: object) -> object:
        if self.state is CallState.PENDING:
            failed = isinstance(result, Failure)
            self.state = CallState.FAILED if failed else CallState.SUCCEEDED
        return result

    def succeed(self, value: object = None) -> None:
        """
        Fire the call's Deferred with ``value``.

        :raises CallAlreadySettled: if it already has a result.
        """
        self._checkPending()
        self.deferred.callback(value)

    def fail(self, reason: BaseException | type[BaseException] | Failure) -> None:
        """
        Fail the call's Deferred with ``reason``: an exception, an exception
        class (called with no arguments) or a ``Failure``.

        :raises CallAlreadySettled: if it already has a result.
        """
        self._checkPending()
        self.deferred.errback(_asFailure(reason))

    def _checkPending(self) -> None:
        if self.state is not CallState.PENDING:
            raise CallAlreadySettled(f"{self!r} is already {self.state.value}")

    def __repr__(self) -> str:
        arguments = [repr(a) for a in self.args]
        arguments += [f"{key}={value!r}" for key, value in self.kwargs.items()]
        return f"<call {self.name}({', '.join(arguments)}), {self.state.value}>"


def _asFailure(reason: object) -> Failure:
    if isinstance(reason, Failure):
        return reason
    if isinstance(reason, type) and issubclass(reason, BaseException):
        reason = reason()
    if not isinstance(reason, BaseException):
        raise TypeError(
            f"fail() needs an exception, an exception class or a Failure, got {reason!r}"
        )
    return Failure(reason)


def _isException(value: object) -> bool:
    return isinstance(value, BaseException | Failure) or (
        isinstance(value, type) and issubclass(value, BaseException)
    )


def _outcomeDeferred(outcome: object) -> Deferred[Any]:
    """
    A Deferred for what a side effect or return value gave: a Deferred is
    followed, a coroutine run, an exception (class or instance) or Failure
    fails it, anything else is the result.
    """
    if isinstance(outcome, Deferred):
        return outcome
    if isinstance(outcome, Coroutine):
        return Deferred.fromCoroutine(outcome)
    if _isException(outcome):
        return fail(_asFailure(outcome))
    return succeed(outcome)


def _returnsDeferred(function: object) -> bool:
    """
    Say whether ``function`` (from a spec) gives its result later: it is an
    ``async def``, or its return annotation names ``Deferred`` (as
    ``-> Deferred[bytes]`` or the string ``"Deferred[bytes]"``).
    """
    if inspect.iscoroutinefunction(function):
        return True
    if not callable(function) or isinstance(function, type):
        return False
    try:
        annotation = inspect.get_annotations(function).get("return")
    except TypeError:
        return False
    if isinstance(annotation, str):
        return _NAMES_DEFERRED.search(annotation) is not None
    origin = typing.get_origin(annotation) or annotation
    return isinstance(origin, type) and issubclass(origin, Deferred)


# The string of ``-> "Deferred[str]"`` under ``from __future__ import
# annotations`` keeps its quotes.
_NAMES_DEFERRED: Final = re.compile(r"""^\s*['"]?(?:[\w.]*\.)?Deferred\b""")


class DeferredMock(Mock):
    """
    A ``Mock`` whose calls return Deferreds, for code that calls an API
    returning Deferreds (or coroutines) and waits on them.

    Each call returns a new pending Deferred and is recorded in `calls`;
    the test settles it when it chooses::

        client = DeferredMock(spec=FeedClient)
        fetching = fetchPrice(client, "BTC-USD")       # code under test
        client.get.assertCalledOnceWith("/price/BTC-USD")
        self.assertNoResult(fetching)
        client.get.calls[0].succeed({"price": 100.5})
        self.assertEqual(self.successResultOf(fetching), 100.5)

    Set ``return_value`` or ``side_effect`` to settle calls at once, as
    ``Mock`` would return or raise.  What they give becomes the Deferred's
    outcome: a value is the result; an exception (instance or class) or a
    ``Failure`` fails it; a Deferred is returned as it is; a coroutine is
    run with ``Deferred.fromCoroutine``; ``PENDING`` leaves it to the test.
    ``side_effect`` may also be an iterable of those (one per call), or a
    function (an ``async def`` too) whose result (or exception) is the
    outcome.

    With a ``spec`` (or ``spec_set``), methods that are ``async def`` or
    whose return annotation names ``Deferred`` become ``DeferredMock``;
    the others stay plain ``Mock``, returning plain values.  Without a spec
    every attribute is a ``DeferredMock``.  ``autospec=True`` also checks
    each call against the method's signature, as ``create_autospec`` does.

    Mock's assertions have camelCase aliases (`assertCalledOnceWith` and
    friends).  When made during a test using ``useFakeReactor`` (or the
    pytest fixtures), `assertSettled` runs at cleanup: a Deferred left
    pending fails the test.  (A mock made before ``useFakeReactor`` was
    called, or in a test without it, is checked only when you call
    `assertSettled`.)

    :param checkSettled: ``False`` to skip that check, for this mock and
        its attributes.
    :param autospec: check call signatures against ``spec``.
    """

    def __init__(
        self,
        spec: object = None,
        *args: Any,
        checkSettled: bool = True,
        autospec: bool = False,
        **kwargs: Any,
    ) -> None:
        if kwargs.get("wraps") is None and "return_value" not in kwargs:
            kwargs["return_value"] = PENDING
        super().__init__(spec, *args, **kwargs)
        # Through __dict__: Mock would refuse names outside a spec_set.
        self.__dict__["checkSettled"] = checkSettled
        self.__dict__["_mock_deferredSpec"] = spec or kwargs.get("spec_set")
        self.__dict__["_mock_autospec"] = autospec
        self.__dict__["_mock_signature"] = None
        self.__dict__["calls"] = []
        test = runningTest()
        if test is not None:
            test.addCleanup(self._checkAtCleanup)

    calls: list[DeferredCall]
    """
    Every call so far, in order, each with the Deferred it returned.
    """

    checkSettled: bool
    """
    Whether the cleanup check runs; set it to ``False`` to opt out.
    """

    def __call__(self, /, *args: Any, **kwargs: Any) -> Any:
        signature = self.__dict__["_mock_signature"]
        if signature is not None:
            signature.bind(*args, **kwargs)
        return super().__call__(*args, **kwargs)

    def _execute_mock_call(self, /, *args: Any, **kwargs: Any) -> Deferred[Any]:
        try:
            outcome = super()._execute_mock_call(*args, **kwargs)
        except StopIteration:
            # An exhausted side_effect is the test's mistake; Mock raises.
            raise
        except BaseException:  # noqa: BLE001 - what side_effect raises is the outcome
            outcome = Failure()
        call = DeferredCall(self._extract_mock_name(), args, kwargs, outcome)
        self.calls.append(call)
        return call.deferred

    def _get_child_mock(self, /, **kw: Any) -> Mock:
        name = kw.get("_new_name", "")
        spec = self.__dict__["_mock_deferredSpec"]
        if name == "()" or self._mock_sealed:
            return super()._get_child_mock(**kw)
        if spec is None:
            return DeferredMock(checkSettled=self.checkSettled, **kw)
        member = getattr(spec, name, None)
        if not _returnsDeferred(member):
            if self.__dict__["_mock_autospec"] and callable(member):
                return create_autospec(member, _name=name)  # type: ignore[no-any-return]
            return Mock(**kw)
        child = DeferredMock(checkSettled=self.checkSettled, **kw)
        if self.__dict__["_mock_autospec"]:
            child.__dict__["_mock_signature"] = _callSignature(spec, name)
        return child

    def reset_mock(self, *args: Any, **kwargs: Any) -> None:
        """
        As ``Mock.reset_mock``; also forgets `calls`.
        """
        super().reset_mock(*args, **kwargs)
        self.calls.clear()

    def unsettled(self) -> list[DeferredCall]:
        """
        The calls whose Deferred is still pending, this mock's and its
        attributes'.
        """
        pending = [call for call in self.calls if call.state is CallState.PENDING]
        for child in self._mock_children.values():
            if isinstance(child, DeferredMock):
                pending += child.unsettled()
        return pending

    def assertSettled(self) -> None:
        """
        Fail if a call (of this mock or its attributes) returned a Deferred
        that is still pending.

        :raises LeftoverError: listing those calls.
        """
        __tracebackhide__ = True  # pytest shows the report, not this frame
        pending = self.unsettled()
        if pending:
            raise LeftoverError(
                f"{len(pending)} Deferred(s) returned by {self._extract_mock_name()} "
                f"never settled:\n" + "\n".join(f"  {call!r}" for call in pending)
            )

    def _checkAtCleanup(self) -> None:
        __tracebackhide__ = True
        # A child is checked through its root, once.
        if self.checkSettled and self._mock_new_parent is None:
            self.assertSettled()

    def assertCalled(self) -> None:
        """``assert_called``."""
        self.assert_called()

    def assertCalledOnce(self) -> None:
        """``assert_called_once``."""
        self.assert_called_once()

    def assertCalledWith(self, /, *args: Any, **kwargs: Any) -> None:
        """``assert_called_with``."""
        self.assert_called_with(*args, **kwargs)

    def assertCalledOnceWith(self, /, *args: Any, **kwargs: Any) -> None:
        """``assert_called_once_with``."""
        self.assert_called_once_with(*args, **kwargs)

    def assertAnyCall(self, /, *args: Any, **kwargs: Any) -> None:
        """``assert_any_call``."""
        self.assert_any_call(*args, **kwargs)

    def assertHasCalls(self, calls: Any, anyOrder: bool = False) -> None:
        """``assert_has_calls``."""
        self.assert_has_calls(calls, any_order=anyOrder)

    def assertNotCalled(self) -> None:
        """``assert_not_called``."""
        self.assert_not_called()


def _callSignature(spec: object, name: str) -> inspect.Signature:
    """
    The signature calls of ``spec.name`` must fit, without ``self`` when
    ``spec`` is a class and ``name`` a plain method.
    """
    signature = inspect.signature(getattr(spec, name))
    static = inspect.getattr_static(spec, name)
    if isinstance(spec, type) and not isinstance(static, staticmethod | classmethod):
        parameters = list(signature.parameters.values())[1:]
        signature = signature.replace(parameters=parameters)
    return signature


def returnOnce(value: object, then: object = DEFAULT) -> Callable[..., object]:
    """
    A ``side_effect`` giving ``value`` on the first call and ``then`` on
    every later one::

        client.connect.side_effect = returnOnce(ConnectionRefusedError(), then=protocol)

    With a `DeferredMock` each is an outcome as ``side_effect`` reads it (an
    exception fails the Deferred).  With a plain ``Mock`` an exception is
    raised.

    :param value: the first call's outcome.
    :param then: the later calls' outcome; by default the mock's
        ``return_value`` (for a `DeferredMock`, a pending Deferred).
    """
    calls = 0

    def effect(*args: Any, **kwargs: Any) -> object:
        nonlocal calls
        calls += 1
        outcome = value if calls == 1 else then
        if isinstance(outcome, BaseException):
            raise outcome
        if isinstance(outcome, type) and issubclass(outcome, BaseException):
            raise outcome()
        return outcome

    return effect
