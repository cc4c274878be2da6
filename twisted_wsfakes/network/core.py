"""
A fake reactor's life: running, stopping, crashing, and its system event
triggers, as ``IReactorCore`` has them, in `ReactorCore`, the base the
`FakeReactor` builds on.  It imports nothing from the layer, and
``errors`` from below it.
"""

from __future__ import annotations

import enum
from collections.abc import Callable
from typing import Any

from twisted.internet import defer, error
from twisted.logger import Logger
from twisted.python.failure import Failure

from ..errors import NetworkUsageError

_log = Logger()

_PHASES = ("before", "during", "after")

_Trigger = tuple[Callable[..., Any], tuple[object, ...], dict[str, object]]


class RunState(enum.Enum):
    """
    Where a fake reactor is in its life.
    """

    #: Built, and driven by the test: it counts as running, as the global
    #: reactor does inside a trial test.
    DRIVEN = "driven"
    #: ``run()`` was called and returned.
    RAN = "ran"
    #: ``stop()`` was called.
    STOPPED = "stopped"
    #: ``crash()`` was called.
    CRASHED = "crashed"


class ReactorCore:
    """
    The ``IReactorCore`` half of a fake reactor: ``run``, ``stop``,
    ``crash``, ``callWhenRunning`` and system event triggers.

    A subclass provides ``iterate()`` (one turn of the reactor: run what
    is due now and deliver what is pending), which ``run()`` calls once the
    startup triggers have fired.
    """

    def __init__(self) -> None:
        self._state = RunState.DRIVEN
        self._been: set[RunState] = {RunState.DRIVEN}
        # Trigger id -> (phase, event type, trigger), in the order added.
        self._triggers: dict[int, tuple[str, str, _Trigger]] = {}
        self._nextTriggerID = 0

    def iterate(self, delay: float = 0) -> None:
        raise NotImplementedError(f"{type(self).__name__} must provide iterate()")

    @property
    def running(self) -> bool:
        """
        Whether the reactor is running: from when it is built (the test
        drives it) until ``stop()`` or ``crash()``, and again once ``run()``
        after a crash.
        """
        return self._state in (RunState.DRIVEN, RunState.RAN)

    @property
    def hasRun(self) -> bool:
        """
        Whether ``run()`` was ever called, as on ``MemoryReactor``.
        """
        return RunState.RAN in self._been

    @property
    def hasStopped(self) -> bool:
        """
        Whether ``stop()`` was ever called, as on ``MemoryReactor``.
        """
        return RunState.STOPPED in self._been

    @property
    def hasCrashed(self) -> bool:
        """
        Whether ``crash()`` was ever called, as on ``MemoryReactor``.
        """
        return RunState.CRASHED in self._been

    def _enter(self, state: RunState) -> None:
        self._state = state
        self._been.add(state)

    def run(self, installSignalHandlers: bool = True) -> None:
        """
        Do what a real reactor's ``run()`` does first, then return instead
        of looping: fire the ``startup`` triggers, then run the calls due now
        and deliver every byte.  Code whose entry point ends in
        ``reactor.run()`` can be called from a test, which then goes on
        driving the reactor with ``advance()`` and ``flush()``.

        :param installSignalHandlers: accepted, as real reactors accept it
            (code that runs the reactor in a thread passes ``False``); a fake
            reactor installs no signal handler either way.

        :raises ReactorAlreadyRunning: if ``run()`` was already called and
            the reactor has not stopped or crashed since: a real reactor
            would still be inside that first ``run()``.
        :raises ReactorNotRestartable: after ``stop()``, as a real reactor.
        """
        if self._state is RunState.STOPPED:
            raise error.ReactorNotRestartable(
                "FakeReactor.run() after stop(): a stopped reactor cannot be restarted"
            )
        if self._state is RunState.RAN:
            raise error.ReactorAlreadyRunning(
                "FakeReactor.run() was already called: a real reactor would "
                "still be running the first run() (stop() or crash() it first)"
            )
        self._enter(RunState.RAN)
        self.fireSystemEvent("startup")
        self.iterate()

    def stop(self) -> None:
        """
        Stop: the reactor stops running and fires its ``shutdown``
        triggers (``before``, ``during``, then ``after``; a ``before``
        trigger's Deferred holds back the rest).  Connections stay as they
        are and the clock still moves when the test advances it, so the test
        can look at what stopping did.

        :raises ReactorNotRunning: if it was already stopped or crashed.
        """
        if not self.running:
            raise error.ReactorNotRunning("Can't stop reactor that isn't running.")
        self._enter(RunState.STOPPED)
        self.fireSystemEvent("shutdown")

    def crash(self) -> None:
        """
        Stop running at once, without firing the ``shutdown`` triggers; as
        on a real reactor, ``run()`` may be called again afterwards.
        """
        self._enter(RunState.CRASHED)

    def callWhenRunning(
        self, callable: Callable[..., Any], *args: object, **kwargs: object
    ) -> int | None:
        """
        Call now if the reactor is running (it is, from when it is built);
        otherwise once ``run()`` fires the ``startup`` triggers.
        """
        if self.running:
            callable(*args, **kwargs)
            return None
        return self.addSystemEventTrigger("after", "startup", callable, *args, **kwargs)

    def addSystemEventTrigger(
        self,
        phase: str,
        eventType: str,
        callable: Callable[..., Any],
        *args: object,
        **kwargs: object,
    ) -> int:
        if phase not in _PHASES:
            raise KeyError(f"invalid phase {phase!r}")
        self._nextTriggerID += 1
        self._triggers[self._nextTriggerID] = (
            phase,
            eventType,
            (callable, args, kwargs),
        )
        return self._nextTriggerID

    def removeSystemEventTrigger(self, triggerID: int) -> None:
        try:
            del self._triggers[triggerID]
        except KeyError:
            raise NetworkUsageError(
                f"removeSystemEventTrigger(): no system event trigger {triggerID!r}"
            ) from None

    @property
    def triggers(self) -> dict[str, dict[str, list[_Trigger]]]:
        """
        The triggers waiting for their event, as ``MemoryReactor`` shows
        them: ``triggers[phase][eventType]`` is a list of
        ``(callable, args, kwargs)``.  A new dict each time.
        """
        shown: dict[str, dict[str, list[_Trigger]]] = {}
        for phase, eventType, trigger in self._triggers.values():
            shown.setdefault(phase, {}).setdefault(eventType, []).append(trigger)
        return shown

    def fireSystemEvent(self, eventType: str) -> None:
        """
        Run the triggers for ``eventType``, ``before`` then ``during`` then
        ``after``; a ``before`` trigger's Deferred holds back the rest.  As
        on a real reactor, each trigger runs once: firing takes them off.
        """
        before = [
            defer.maybeDeferred(f, *args, **kwargs)
            for f, args, kwargs in self._takeTriggers("before", eventType)
        ]

        def rest(_: object) -> None:
            for phase in ("during", "after"):
                for f, args, kwargs in self._takeTriggers(phase, eventType):
                    defer.maybeDeferred(f, *args, **kwargs).addErrback(_logTriggerError)

        # As on a real reactor, the rest wait for every before-trigger, and
        # one that failed is logged (as itself) without holding them back.
        for result in before:
            result.addErrback(_logTriggerError)
        defer.DeferredList(before).addCallback(rest)

    def _takeTriggers(self, phase: str, eventType: str) -> list[_Trigger]:
        taken = [
            triggerID
            for triggerID, (p, e, _) in self._triggers.items()
            if (p, e) == (phase, eventType)
        ]
        return [self._triggers.pop(triggerID)[2] for triggerID in taken]


def _logTriggerError(failure: Failure) -> None:
    _log.failure("Error in a system event trigger", failure)
