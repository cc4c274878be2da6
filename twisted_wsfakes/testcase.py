"""
One call that gives a trial test a FakeReactor, and the checks after it.

It imports ``deferreds.running``, ``errors``, ``globalreactor``,
``network`` and ``websocket`` from this package.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from typing import Any

from twisted.internet.defer import Deferred
from twisted.internet.interfaces import IDelayedCall
from twisted.trial.unittest import SynchronousTestCase

from .deferreds.running import RunningTest, enterTest
from .errors import LeftoverError, ScriptMismatch
from .globalreactor import Installation, PatchTarget, installGlobalReactor
from .network import FakeReactor
from .websocket import bindTxaio


def useFakeReactor(
    testCase: SynchronousTestCase,
    *,
    patch: Iterable[PatchTarget] = (),
    checkPendingCalls: bool = True,
    checkOpenConnections: bool = True,
) -> FakeReactor:
    """
    Build a :class:`FakeReactor` for one test, make it the global reactor
    and put Autobahn's timers on its clock for the length of the test::

        class FeedTests(SynchronousTestCase):
            def test_connects(self):
                reactor = useFakeReactor(self, patch=["myapp.feed"])
                ...

    Until the test's cleanups end (and during ``tearDown``),
    ``twisted.internet.reactor`` is the fake (code that imports the reactor
    inside a function runs on it), and the modules in ``patch`` have their
    module-level ``reactor`` (any name bound to the global reactor) pointed
    at it.  A call to the real reactor's time, network, thread or process
    methods from the test's thread is refused with
    :class:`~twisted_wsfakes.RealReactorUsed` and fails the test, at cleanup
    if the code under test caught the error.  See :doc:`/wild`.

    At cleanup, every scripted server and client must have played its
    scripts to the end without a mismatch (the test fails with the report
    otherwise), and txaio's loop is put back as it was, even when the test
    fails.
    Two checks, on by default as trial's own for the real reactor, fail a
    test that left things behind (after delivering what the test's own
    cleanups started): a delayed call still pending, or a connection still
    open.  A leftover Autobahn timer is named by what scheduled it and why
    (``Autobahn auto-ping timeout of MyClientProtocol``).  Each check is
    read at cleanup time from the test case's attribute of the same name
    when that is ``True`` or ``False``, so a class or a single test can
    switch it off, best with the reason why::

        class ReconnectTests(WebSocketTestCase):
            # The service keeps retrying after each test, on purpose.
            checkPendingCalls = False

        def test_leavesItOpen(self):
            self.checkOpenConnections = False  # the point of this test
            ...

    When the attribute is missing or ``None``, the keyword decides:

    :param patch: modules, or dotted module names, that hold the global
        reactor at module level (``from twisted.internet import reactor`` at
        their top).
    :param checkPendingCalls: fail if a delayed call is still pending
        (default: yes).
    :param checkOpenConnections: fail if a connection is still open
        (default: yes).
    :raises PatchTargetError: if an entry of ``patch`` cannot be imported or
        holds no reference to the global reactor.
    """
    reactor = FakeReactor()
    installation = installGlobalReactor(reactor, patch)
    # Registered first so that it runs last, after every other cleanup has
    # had the fake as its global reactor.
    testCase.addCleanup(installation.uninstall)
    _TearDownOnFake.wrap(testCase, reactor, installation)
    testCase.addCleanup(bindTxaio(reactor))

    def checkScripts() -> None:
        problems = []
        for peer in reactor.scriptedPeers:
            try:
                peer.assertDone()
            except ScriptMismatch as e:
                problems.append(str(e))
        if problems:
            raise ScriptMismatch("\n\n".join(problems))

    def checkLeftovers() -> None:
        # Deliver what the test's own cleanups started (a close, say) first,
        # and let stalled scripts hear how their connections ended.
        for peer in reactor.scriptedPeers:
            peer.releaseStalled()
        reactor.flush()
        problems = []
        if _switch(testCase, "checkPendingCalls", checkPendingCalls):
            problems += _describePendingCalls(reactor)
        if _switch(testCase, "checkOpenConnections", checkOpenConnections):
            problems += _describeOpenConnections(reactor)
        if problems:
            raise LeftoverError("\n".join(problems))

    testCase.addCleanup(checkLeftovers)
    testCase.addCleanup(checkScripts)
    # Dominoes and DeferredMocks made during the test find the reactor and
    # register their checks here; theirs run before the ones above.
    testCase.addCleanup(enterTest(RunningTest(testCase.addCleanup, reactor)))
    return reactor


class _TearDownOnFake:
    """
    A test case's ``tearDown``, run with the test's fake as the global
    reactor again (and Autobahn's timers on it): trial runs ``tearDown``
    after the cleanups, which put the real reactor back.
    """

    def __init__(
        self,
        tearDown: Callable[[], object],
        reactor: FakeReactor,
        installation: Installation,
    ) -> None:
        self._tearDown = tearDown
        self.reactor = reactor
        self.installation = installation

    @classmethod
    def wrap(
        cls,
        testCase: SynchronousTestCase,
        reactor: FakeReactor,
        installation: Installation,
    ) -> None:
        """
        Give ``testCase``'s ``tearDown`` the fake ``reactor``, installed by
        ``installation``: the latest one, when a test makes several.
        """
        current = vars(testCase).get("tearDown")
        if isinstance(current, cls):
            current.reactor, current.installation = reactor, installation
        elif callable(getattr(testCase, "tearDown", None)):
            testCase.tearDown = cls(testCase.tearDown, reactor, installation)  # type: ignore[method-assign,assignment]

    def __call__(self) -> object:
        restoreTxaio = bindTxaio(self.reactor)
        try:
            installation = self.installation.again()
        except BaseException:
            restoreTxaio()
            raise

        def undo(outcome: object = None) -> object:
            try:
                installation.uninstall()
            finally:
                restoreTxaio()
            return outcome

        try:
            result = self._tearDown()
        except BaseException:
            undo()
            raise
        if isinstance(result, Deferred):
            # An asynchronous TestCase's tearDown may go on after it returns.
            return result.addBoth(undo)
        undo()
        return result


def _switch(testCase: SynchronousTestCase, name: str, default: bool) -> bool:
    value = getattr(testCase, name, None)
    return default if value is None else bool(value)


def _describePendingCalls(reactor: FakeReactor) -> list[str]:
    calls = reactor.getDelayedCalls()
    if not calls:
        return []
    now = reactor.seconds()
    lines = [f"{len(calls)} delayed call(s) still pending at {now:.3f}:"]
    lines += [
        f"  due at {call.getTime():.3f} (in {call.getTime() - now:.3f} s): "
        f"{_callName(call)}"
        for call in calls
    ]
    return lines


def _callName(call: IDelayedCall) -> str:
    """
    Say what a delayed call will do: for txaio's batched timers (which
    Autobahn schedules its timeouts through), each call the bucket holds.
    """
    func: Any = getattr(call, "func", None)
    owner = getattr(func, "__self__", None)
    if getattr(func, "__name__", "") == "_notify_bucket" and owner is not None:
        # txaio's _BatchedTimer keeps {due ms: (delayed call, [calls])};
        # each _BatchedCall wraps ``lambda: func(*args, **kwargs)``.
        bucket = getattr(owner, "_buckets", {}).get(*getattr(call, "args", ()))
        if bucket is not None:
            return "; ".join(_purpose(_wrapped(each)) for each in bucket[1])
    return _purpose(func)


def _wrapped(batchedCall: object) -> object:
    """
    The function a txaio ``_BatchedCall`` will call.
    """
    closure: Any = getattr(batchedCall, "_call", None)
    code = getattr(closure, "__code__", None)
    if code is None or not closure.__closure__:
        return closure
    cells = dict(zip(code.co_freevars, closure.__closure__, strict=True))
    return cells["func"].cell_contents if "func" in cells else closure


#: What Autobahn's timer callbacks are for, by method name.
_AUTOBAHN_TIMERS = {
    "onOpenHandshakeTimeout": "opening handshake timeout",
    "onCloseHandshakeTimeout": "closing handshake timeout",
    "onAutoPingTimeout": "auto-ping timeout",
    "_sendAutoPing": "auto-ping",
    "onServerConnectionDropTimeout": "server connection drop timeout",
    "_send": "queued write",
}


def _purpose(func: object) -> str:
    """
    Name a timer's function; an Autobahn protocol's by its purpose and the
    protocol and factory it belongs to.
    """
    name = getattr(func, "__name__", "")
    owner = getattr(func, "__self__", None)
    if owner is not None and name in _AUTOBAHN_TIMERS and hasattr(owner, "factory"):
        factory = owner.factory
        url = getattr(factory, "url", None)
        return (
            f"Autobahn {_AUTOBAHN_TIMERS[name]} of {type(owner).__qualname__} "
            f"(factory {type(factory).__qualname__}"
            + (f" for {url}" if url else "")
            + ")"
        )
    return getattr(func, "__qualname__", None) or repr(func)


def _describeOpenConnections(reactor: FakeReactor) -> list[str]:
    still = [c for c in reactor.connections if c.open]
    if not still:
        return []
    lines = [f"{len(still)} connection(s) still open:"]
    lines += [
        f"  {c!r}: client {type(c.client).__name__}, server {type(c.server).__name__}"
        for c in still
    ]
    return lines


class WebSocketTestCase(SynchronousTestCase):
    """
    A ``SynchronousTestCase`` whose ``self.reactor`` is a fresh
    :class:`FakeReactor` for every test.

    Tests that leave delayed calls or connections behind fail, as with
    :func:`useFakeReactor`; set ``checkPendingCalls`` or
    ``checkOpenConnections`` to ``False`` on a subclass, or on ``self``
    inside one test, where leaving them is the point.  List in ``patchReactorIn`` the
    modules whose module-level ``reactor`` must follow the fake (the
    ``patch=`` of :func:`useFakeReactor`).
    """

    checkPendingCalls: bool | None = None
    checkOpenConnections: bool | None = None
    patchReactorIn: Sequence[PatchTarget] = ()

    def setUp(self) -> None:
        super().setUp()
        self.reactor = useFakeReactor(self, patch=self.patchReactorIn)
