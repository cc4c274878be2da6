"""
The global reactor during a test: the fake in its place, and a tripwire on
the real one.

While a fake reactor is installed, ``twisted.internet.reactor`` (the
attribute of the ``twisted.internet`` package and the ``sys.modules`` entry)
is the fake, so code that imports the reactor inside its functions runs on
it unchanged.  Module-level names bound to the real reactor in the modules
given as ``patch`` are pointed at the fake too.  The real reactor's time,
network, thread and process methods become a tripwire for the installing
thread: a call is refused with :class:`RealReactorUsed` (so nothing is
scheduled, bound or sent), recorded, and reported again when the fake is
uninstalled, so code that swallowed the exception still fails its test.

Calls that trial's own machinery makes on the real reactor (an asynchronous
``TestCase`` schedules its timeouts there and runs it to wait for the
Deferreds a test returns), calls the reactor makes on itself while it runs,
and calls from other threads go through.

Installs nest, last in first out, as when a test runs another test case
inside itself: the innermost fake is the global one, and the tripwire
guards the reactor that was global before the outermost install.
"""

from __future__ import annotations

import importlib
import sys
import threading
from collections.abc import Callable, Iterable, Sequence
from types import FrameType, ModuleType
from typing import Any

import twisted.internet
from twisted.internet.interfaces import (
    IAddress,
    IHostnameResolver,
    IHostResolution,
    IResolutionReceiver,
)
from zope.interface import implementer

from .errors import FakeReactorInUse, PatchTargetError, RealReactorUsed

#: What ``patch=`` takes: modules, or their dotted names.
PatchTarget = ModuleType | str

_REACTOR_MODULE = "twisted.internet.reactor"

#: The real reactor's methods the tripwire guards: time, network, threads,
#: processes, and running it.  Reading the time (``seconds``) stays free:
#: it reaches nothing, and the reactor's own delayed calls keep it.
_GUARDED = (
    "callLater",
    "listenTCP",
    "connectTCP",
    "listenSSL",
    "connectSSL",
    "listenUNIX",
    "connectUNIX",
    "listenUDP",
    "listenMulticast",
    "listenUNIXDatagram",
    "connectUNIXDatagram",
    "adoptStreamPort",
    "adoptStreamConnection",
    "adoptDatagramPort",
    "addReader",
    "addWriter",
    "resolve",
    "installResolver",
    "installNameResolver",
    "callInThread",
    "callFromThread",
    "getThreadPool",
    "suggestThreadPoolSize",
    "spawnProcess",
    "run",
    "callWhenRunning",
    "addSystemEventTrigger",
)

#: Frames of these packages are passed over when naming the caller: the
#: caller is the application code that got there through them.
_LIBRARIES = ("twisted.", "autobahn.", "txaio", __name__)

#: Installs in force, outermost first.
_installed: list[Installation] = []


def installGlobalReactor(
    fake: object, patch: Iterable[PatchTarget] = ()
) -> Installation:
    """
    Make ``fake`` the global reactor until :meth:`Installation.uninstall`.

    A later install (a second fake in one test, or a test run inside
    another) takes over until it is uninstalled in turn.

    :param fake: the reactor that becomes ``twisted.internet.reactor``.
    :param patch: modules (or dotted module names) whose module-level names
        bound to the global reactor (the real one, or a fake installed
        before) follow the fake.  Each is imported before the fake is
        installed, so its own ``from twisted.internet import reactor`` binds
        the real one.
    :raises PatchTargetError: if ``patch`` holds something that cannot be
        patched; nothing is installed then.
    """
    return _install(fake, _resolvePatchTargets(patch))


def _install(fake: object, modules: list[ModuleType]) -> Installation:
    real = _installed[0].real if _installed else sys.modules.get(_REACTOR_MODULE)
    replaced = {id(real)} | {id(each.fake) for each in _installed}
    bindings = [_bindingsIn(module, replaced) for module in modules]
    installation = Installation(fake, real, modules)
    installation._install([b for found in bindings for b in found])
    return installation


class Installation:
    """
    One fake reactor installed as the global reactor.

    :ivar fake: the installed reactor.
    :ivar real: the reactor the tripwire guards, or ``None`` when no reactor
        was installed before (nothing to guard).
    :ivar trips: the calls to the real reactor refused while this install was
        the innermost one.
    """

    def __init__(self, fake: object, real: object, modules: list[ModuleType]) -> None:
        self.fake = fake
        self._modules = modules
        self.real = real
        self.trips: list[RealReactorUsed] = []
        self._previous: object = _MISSING
        self._bindings: list[tuple[ModuleType, str, object]] = []
        self._tripwire: _Tripwire | None = None
        self._package: _PackageAttribute | None = None

    def _install(self, bindings: list[tuple[ModuleType, str, object]]) -> None:
        self._previous = sys.modules.get(_REACTOR_MODULE, _MISSING)
        if not _installed:
            self._package = _PackageAttribute(self.real)
            if self.real is not None:
                self._tripwire = _Tripwire(self.real)
                self._tripwire.arm()
        _installed.append(self)
        sys.modules[_REACTOR_MODULE] = self.fake  # type: ignore[assignment]
        self._bindings = bindings
        for module, name, _ in bindings:
            setattr(module, name, self.fake)

    def again(self) -> Installation:
        """
        Install the same fake, patching the same modules, once more: for
        code that runs after :meth:`uninstall` but still belongs to the test.
        """
        return _install(self.fake, self._modules)

    def uninstall(self) -> None:
        """
        Put back the global reactor and the patched names as they were, and
        disarm the tripwire of the outermost install.

        :raises RealReactorUsed: after restoring everything, if the real
            reactor was called while this install was the innermost one and
            trial has not already reported that call as the test's failure.
        :raises FakeReactorInUse: if a later install is still in force.
        """
        if not _installed or _installed[-1] is not self:
            raise FakeReactorInUse(
                "fake global reactors must be uninstalled last in first out: "
                f"{self.fake!r} is not the innermost one"
            )
        _installed.pop()
        for module, name, value in self._bindings:
            setattr(module, name, value)
        if self._previous is _MISSING:
            sys.modules.pop(_REACTOR_MODULE, None)
        else:
            sys.modules[_REACTOR_MODULE] = self._previous  # type: ignore[assignment]
        if self._package is not None:
            self._package.restore()
        if self._tripwire is not None:
            self._tripwire.disarm()
        unreported = [trip for trip in self.trips if not _reportedByTrial(trip)]
        if unreported:
            raise RealReactorUsed(_tripReport(unreported))


class _PackageAttribute:
    """
    ``twisted.internet.reactor``, the attribute, answered by the package's
    ``__getattr__`` while fakes are installed: the innermost fake, except
    for trial's own code, which gets the real reactor.

    An asynchronous ``TestCase`` looks the reactor up after ``setUp`` and
    the test method have run (to wait for the Deferred they returned, and to
    time them out): it must keep running the real one.
    """

    def __init__(self, real: object) -> None:
        self._real = real
        package = vars(twisted.internet)
        self._saved = package.pop("reactor", _MISSING)
        package["__getattr__"] = self._lookUp

    def _lookUp(self, name: str) -> object:
        if name != "reactor":
            raise AttributeError(f"module 'twisted.internet' has no attribute {name!r}")
        if self._real is not None and _inTrial(sys._getframe(1)):
            return self._real
        return _installed[-1].fake

    def restore(self) -> None:
        package = vars(twisted.internet)
        del package["__getattr__"]
        if self._saved is not _MISSING:
            package["reactor"] = self._saved


def _reportedByTrial(trip: RealReactorUsed) -> bool:
    """
    Whether ``trip`` rose out of the test method into trial, which reported
    it: an exception's traceback holds every frame it went through, from
    the one that caught it.  A synchronous test case's ``_run`` catches it
    itself; an asynchronous one's hands the test method to
    ``maybeDeferred``, which catches it one frame below ``_run``.
    """
    tb = trip.__traceback__
    while tb is not None:
        if _isTrialRun(tb.tb_frame) or _isTrialRun(tb.tb_frame.f_back):
            return True
        tb = tb.tb_next
    return False


def _isTrialRun(frame: FrameType | None) -> bool:
    return frame is not None and frame.f_code.co_name == "_run" and _inTrial(frame)


def _tripReport(trips: Sequence[RealReactorUsed]) -> str:
    messages = list(dict.fromkeys(str(trip) for trip in trips))
    header = (
        f"{len(trips)} call(s) to the real reactor were refused during this "
        "test, and the error was caught before it could fail the test"
    )
    return "\n\n".join([header + ":", *messages])


class _Missing:
    def __repr__(self) -> str:
        return "<missing>"


_MISSING: Any = _Missing()


def _resolvePatchTargets(patch: Iterable[PatchTarget]) -> list[ModuleType]:
    if isinstance(patch, (str, ModuleType)):
        raise PatchTargetError(
            f"patch= takes a list of modules or dotted module names, not one "
            f"{type(patch).__name__}: write patch=[{_show(patch)}]"
        )
    modules: list[ModuleType] = []
    for target in patch:
        module = _moduleFor(target)
        if module not in modules:
            modules.append(module)
    return modules


def _show(target: object) -> str:
    if isinstance(target, ModuleType):
        return target.__name__
    return repr(target)


def _moduleFor(target: object) -> ModuleType:
    if isinstance(target, ModuleType):
        return target
    if not isinstance(target, str):
        raise PatchTargetError(
            f"patch=[...] takes modules or dotted module names; got {target!r} "
            f"(a {type(target).__name__})"
        )
    if not all(part.isidentifier() for part in target.split(".")):
        raise PatchTargetError(
            f"patch=[{target!r}]: not a dotted module name such as 'myapp.feed'"
        )
    try:
        return importlib.import_module(target)
    except ModuleNotFoundError as e:
        # Only the target (or a package on its way) being absent is a bad
        # patch= entry; a module that fails its own imports is the user's bug.
        if e.name is None or not (target + ".").startswith(e.name + "."):
            raise
        raise PatchTargetError(
            f"patch=[{target!r}]: there is no module {e.name!r} to import"
        ) from None


def _bindingsIn(
    module: ModuleType, replaced: set[int]
) -> list[tuple[ModuleType, str, object]]:
    """
    The module-level names of ``module`` bound to a reactor whose ``id`` is
    in ``replaced``, with their values.
    """
    found = [
        (module, name, value)
        for name, value in list(vars(module).items())
        if id(value) in replaced
    ]
    if not found:
        raise PatchTargetError(
            f"patch=[{module.__name__!r}]: {module.__name__} ({module.__file__}) "
            "has no module-level name bound to the global reactor, so there is "
            "nothing to patch.  A typo for another module?  (Code that imports "
            "the reactor inside its functions needs no patch=.)"
        )
    return found


class _Tripwire:
    """
    The real reactor's guarded methods, replaced on the instance by calls
    that refuse and record when made from the installing thread.
    """

    def __init__(self, real: Any) -> None:
        self.real = real
        self.thread = threading.get_ident()
        self.armed = False
        self._saved: dict[str, object] = {}
        self._savedResolver: object = _MISSING

    def arm(self) -> None:
        self.armed = True
        for name in _GUARDED:
            original = getattr(self.real, name, None)
            if original is None:
                continue
            self._saved[name] = vars(self.real).get(name, _MISSING)
            setattr(self.real, name, self._guard(name, original))
        # The nameResolver property reads this attribute: guard it too, or
        # a HostnameEndpoint would look names up in a real thread.
        resolver = getattr(self.real, "_nameResolver", None)
        if IHostnameResolver.providedBy(resolver):
            self._savedResolver = vars(self.real).get("_nameResolver", _MISSING)
            self.real._nameResolver = _GuardedResolver(self, resolver)

    def disarm(self) -> None:
        self.armed = False
        saved = {**self._saved, "_nameResolver": self._savedResolver}
        for name, value in saved.items():
            if value is _MISSING:
                vars(self.real).pop(name, None)
            else:
                setattr(self.real, name, value)

    def _guard(self, name: str, original: Callable[..., Any]) -> Callable[..., Any]:
        def guarded(*args: object, **kwargs: object) -> Any:
            self.check(name, sys._getframe(1))
            return original(*args, **kwargs)

        guarded.__name__ = name
        guarded.__doc__ = original.__doc__
        return guarded

    def check(self, method: str, caller: FrameType) -> None:
        """
        Refuse and record a call of ``method`` from ``caller``, unless it is
        one that goes through.

        :raises RealReactorUsed: if refused.
        """
        if self._passes(caller):
            return
        trip = RealReactorUsed(_tripMessage(method, caller, self.real))
        _installed[-1].trips.append(trip)
        raise trip

    def _passes(self, caller: FrameType) -> bool:
        if not self.armed or threading.get_ident() != self.thread:
            return True
        if _inTrial(caller):
            return True
        # The reactor calling its own methods while it runs.
        return caller.f_locals.get("self") is self.real


@implementer(IHostnameResolver)
class _GuardedResolver:
    """
    The real reactor's name resolver behind the tripwire.
    """

    def __init__(self, tripwire: _Tripwire, resolver: IHostnameResolver) -> None:
        self._tripwire = tripwire
        self._resolver = resolver

    def resolveHostName(
        self,
        resolutionReceiver: IResolutionReceiver,
        hostName: str,
        portNumber: int = 0,
        addressTypes: Sequence[type[IAddress]] | None = None,
        transportSemantics: str = "TCP",
    ) -> IHostResolution:
        self._tripwire.check("nameResolver.resolveHostName", sys._getframe(1))
        return self._resolver.resolveHostName(
            resolutionReceiver, hostName, portNumber, addressTypes, transportSemantics
        )


def _tripMessage(method: str, caller: FrameType, real: object) -> str:
    frames = _testFrames(caller)
    user = next((f for f in frames if not _isLibrary(f)), caller)
    where = (
        f"{_moduleName(user)}, line {user.f_lineno} (in {user.f_code.co_name}, "
        f"{user.f_code.co_filename})"
    )
    lines = [
        (
            f"The real reactor's {method}() was called from {where} while "
            "this test runs on a fake reactor; the call was refused and "
            "nothing was done."
        )
    ]
    holders = _holders(frames, real)
    if holders:
        names = ", ".join(f"{module} (as {name})" for module, name in holders)
        patch = ", ".join(
            repr(module) for module in dict.fromkeys(m for m, _ in holders)
        )
        lines += [
            (
                f"The real reactor is held at module level by {names}.  Point "
                "it at the fake for the test with"
            ),
            f"    useFakeReactor(self, patch=[{patch}])",
            f"or, on a WebSocketTestCase, patchReactorIn = [{patch}].",
        ]
    else:
        lines.append(
            "No module on the way there holds the real reactor at module "
            "level: it came from an object made before the test (a factory, "
            "endpoint or service built at import time, or a reactor passed "
            "in).  Build that object inside the test, or give it the fake "
            "reactor."
        )
    return "\n".join(lines)


def _testFrames(caller: FrameType) -> list[FrameType]:
    """
    The frames from ``caller`` outward, up to the test runner: past trial's
    own frames lie only the runner's, which no ``patch=`` concerns.
    """
    frames = []
    frame: FrameType | None = caller
    while frame is not None and not _inTrial(frame):
        frames.append(frame)
        frame = frame.f_back
    return frames


def _moduleName(frame: FrameType) -> str:
    return str(frame.f_globals.get("__name__", "?"))


def _inTrial(frame: FrameType) -> bool:
    return _moduleName(frame).startswith("twisted.trial.")


def _isLibrary(frame: FrameType) -> bool:
    name = _moduleName(frame)
    return name in _LIBRARIES or name.startswith(_LIBRARIES)


def _holders(frames: Sequence[FrameType], real: object) -> list[tuple[str, str]]:
    """
    (module, name) for each module-level name bound to ``real`` in the
    modules of ``frames``, innermost first.
    """
    seen: set[str] = set()
    found = []
    for frame in frames:
        module = _moduleName(frame)
        if module in seen or module == __name__:
            continue
        seen.add(module)
        found += [
            (module, name) for name, value in frame.f_globals.items() if value is real
        ]
    return found
