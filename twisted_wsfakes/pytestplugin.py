"""
The pytest plugin: twisted_wsfakes's fixtures for pytest tests, and trial's
``todo`` read as ``xfail``.

pytest loads it through the ``pytest11`` entry point once twisted_wsfakes
is installed.  Fixtures:

``fake_reactor``
    the `FakeReactor` ``useFakeReactor`` builds, with the same cleanup
    checks, failing the test with the same text.  A test using it runs
    synchronously, here rather than through pytest-twisted; an ``async
    def`` one must be done when it returns control.
``deferred_mock``
    the `DeferredMock` class: mocks made with it are checked for unsettled
    Deferreds when the test ends.
``dominoes``
    the `Dominoes` class: a set made with it flushes ``fake_reactor`` (when
    the test uses it) and is checked when the test ends.

Switch the leftover checks per test with the ``wsfakes`` marker
(``@pytest.mark.wsfakes(checkPendingCalls=False)``) or with class
attributes of that name on a test class; the marker's ``patch=`` is
``useFakeReactor``'s.

It imports ``deferreds`` (``running`` among them), ``network`` and
``testcase`` from this package.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable, Coroutine, Iterator
from functools import partial
from typing import Any

import pytest
from twisted.internet.defer import Deferred
from twisted.python.failure import Failure
from twisted.trial.unittest import SynchronousTestCase, makeTodo
from twisted.trial.util import acquireAttribute

from .deferreds import DeferredMock, Dominoes
from .deferreds.running import RunningTest, enterTest
from .network import FakeReactor
from .testcase import useFakeReactor

_CASE = pytest.StashKey["_PytestCase"]()


class _PytestCase(SynchronousTestCase):
    """
    What ``useFakeReactor`` needs of a trial test case, for a pytest test:
    ``addCleanup``, and the check switches, read from the test's
    ``wsfakes`` marker, then from its class.
    """

    def __init__(self, item: pytest.Item) -> None:
        super().__init__()  # type: ignore[no-untyped-call]
        self._item = item
        self._pending: list[Callable[[], object]] = []

    def addCleanup(  # type: ignore[override]
        self, f: Callable[..., object], *args: Any, **kwargs: Any
    ) -> None:
        self._pending.append(partial(f, *args, **kwargs))

    def __getattr__(self, name: str) -> Any:
        marker = self._item.get_closest_marker("wsfakes")
        if marker is not None and name in marker.kwargs:
            return marker.kwargs[name]
        instance = getattr(self._item, "instance", None)
        if instance is not None and not name.startswith("_"):
            return getattr(instance, name)
        raise AttributeError(name)

    def runCleanups(self) -> None:
        """
        Run the cleanups registered so far, last first, each even when one
        before it failed; raise the first failure, with the others' text as
        notes.
        """
        __tracebackhide__ = True
        errors: list[BaseException] = []
        while self._pending:
            try:
                self._pending.pop()()
            except Exception as e:  # noqa: BLE001 - every check gets its say
                errors.append(e)
        if errors:
            first, *others = errors
            for other in others:
                first.add_note(f"also: {type(other).__name__}: {other}")
            raise first


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers",
        "wsfakes(patch=(), **switches): useFakeReactor's patch= and cleanup "
        "check switches for a test, e.g. wsfakes(checkPendingCalls=False)",
    )


@pytest.fixture
def _wsfakes_case(request: pytest.FixtureRequest) -> Iterator[_PytestCase]:
    case = _PytestCase(request.node)
    case.addCleanup(enterTest(RunningTest(case.addCleanup)))
    request.node.stash[_CASE] = case
    yield case
    # Normally run at the end of the call phase (see pytest_runtest_call);
    # here when the test never ran, so txaio is put back all the same.
    case.runCleanups()


@pytest.fixture
def fake_reactor(
    request: pytest.FixtureRequest, _wsfakes_case: _PytestCase
) -> FakeReactor:
    """
    A fresh `FakeReactor` for the test, as ``useFakeReactor`` makes it; the
    ``wsfakes`` marker's ``patch=`` is passed on.
    """
    marker = request.node.get_closest_marker("wsfakes")
    patch = () if marker is None else marker.kwargs.get("patch", ())
    return useFakeReactor(_wsfakes_case, patch=patch)


@pytest.fixture
def deferred_mock(_wsfakes_case: _PytestCase) -> type[DeferredMock]:
    """
    `DeferredMock`, checked for unsettled Deferreds when the test ends.
    """
    return DeferredMock


@pytest.fixture
def dominoes(_wsfakes_case: _PytestCase) -> type[Dominoes]:
    """
    `Dominoes`, checked when the test ends.
    """
    return Dominoes


@pytest.hookimpl(wrapper=True)
def pytest_runtest_call(item: pytest.Item) -> Iterator[None]:
    # The checks run in the call phase, so what they find is a failure of
    # the test, as under trial, not an error in a fixture's teardown.
    instance = getattr(item, "instance", None)
    if isinstance(instance, SynchronousTestCase) and _todoOf(item) is not None:
        # pytest's xfail marker (added at collection) judges the outcome;
        # trial's own handling of todo does not fit pytest's result object.
        instance.getTodo = lambda: None  # type: ignore[method-assign]
    __tracebackhide__ = True
    try:
        return (yield)
    finally:
        case = item.stash.get(_CASE, None)
        if case is not None:
            case.runCleanups()


@pytest.hookimpl(tryfirst=True)
def pytest_pyfunc_call(pyfuncitem: pytest.Function) -> bool | None:
    """
    Run a test that uses ``fake_reactor`` here, synchronously: an ``async
    def`` test (or one returning a Deferred) must have finished by the time
    it returns control, since only the test moves the fake clock.  This
    comes before pytest-twisted's own call, which would hand the test to
    the real reactor the fake stands in for.
    """
    if "fake_reactor" not in pyfuncitem.fixturenames:
        return None
    __tracebackhide__ = True
    function = pyfuncitem.obj
    names = inspect.signature(function).parameters
    funcargs = pyfuncitem.funcargs
    result = function(**{name: funcargs[name] for name in names if name in funcargs})
    if isinstance(result, Coroutine):
        result = Deferred.fromCoroutine(result)
    if isinstance(result, Deferred):
        _finished(pyfuncitem.name, result)
    return True


def _finished(name: str, deferred: Deferred[object]) -> None:
    """
    Raise what ``deferred`` (a test's outcome) failed with, or fail the
    test if it has no result yet.
    """
    __tracebackhide__ = True
    outcome: list[object] = []
    deferred.addBoth(outcome.append)
    if not outcome:
        pytest.fail(
            f"{name} is still waiting on a Deferred that has not fired: a test "
            f"on fake_reactor must move the fake clock (flush(), advance()) "
            f"until what it awaits has fired; no real reactor runs it",
            pytrace=False,
        )
    [result] = outcome
    if isinstance(result, Failure):
        result.raiseException()


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        todo = _todoOf(item)
        if todo is not None:
            item.add_marker(
                pytest.mark.xfail(
                    reason=f"todo: {todo.reason}",
                    raises=tuple(todo.errors) if todo.errors else None,
                    strict=True,
                )
            )


def _todoOf(item: pytest.Item) -> Any:
    """
    The trial ``Todo`` of ``item``: a ``todo`` attribute on its function,
    its class or its module, as trial looks for it; or ``None``.
    """
    holders = [getattr(item, name, None) for name in ("obj", "cls", "module")]
    value = acquireAttribute([h for h in holders if h is not None], "todo", None)
    return None if value is None else makeTodo(value)
