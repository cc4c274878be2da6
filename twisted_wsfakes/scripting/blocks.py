"""
Script steps made of steps, ``inAnyOrder`` and ``repeat``, and `AnyStep`,
the closed union of every kind of step that a script engine matches on.
They sit above every other kind because they must know each one: a group
holds only expectations, and a repeat refuses the steps that happen once.

It may import `twisted_wsfakes.errors`, `.checks`, `.expects`, `.render`
and `.steps`.
"""

from __future__ import annotations

from typing import Any, ClassVar, TypeAlias

import attrs

from ..errors import ScriptError
from .checks import repeatTimes, toTuple
from .expects import (
    ExpectBinary,
    ExpectClose,
    ExpectHandshake,
    ExpectJSON,
    ExpectMessage,
    ExpectText,
    Groupable,
    Reply,
)
from .render import call, typeName
from .steps import (
    CloseStep,
    CloseTCP,
    GoSilent,
    Ping,
    Reject,
    SendBinary,
    SendJSON,
    SendText,
    Step,
    Wait,
)


@attrs.frozen(repr=False)
class InAnyOrder(Step):
    """
    Several expectations met in any order.  Build it with `inAnyOrder`.

    :ivar expectations: the expectations, in the order written.
    """

    name: ClassVar[str] = "inAnyOrder"

    expectations: tuple[Groupable, ...] = attrs.field(converter=toTuple)

    @expectations.validator
    def _checkExpectations(
        self, attribute: attrs.Attribute[Any], value: tuple[Any, ...]
    ) -> None:
        if not value:
            raise ScriptError(f"{self.name}(): give at least one expectation")
        for number, step in enumerate(value, 1):
            if isinstance(step, Groupable):
                continue
            if isinstance(step, Step):
                raise ScriptError(
                    f"{self.name}(): item {number}, {step!r}, is not an "
                    f"expectation; only expectText, expectBinary, expectJSON, "
                    f"expectMessage and reply can be grouped"
                    + (
                        " (write one group with all of them)"
                        if isinstance(step, InAnyOrder)
                        else ""
                    )
                )
            raise ScriptError(
                f"{self.name}(): item {number} is {typeName(step)} {step!r}, not "
                f"a step; wrap a pattern in expectJSON() or expectText()"
            )

    def __repr__(self) -> str:
        return call(self.name, *map(repr, self.expectations))


@attrs.frozen(repr=False)
class Repeat(Step):
    """
    A block of steps played several times.  Build it with `repeat`.

    :ivar steps: the block: sends, expectations, replies, waits, pings and
        groups.
    :ivar times: how many rounds, at least 1.
    """

    name: ClassVar[str] = "repeat"

    steps: tuple[Step, ...] = attrs.field(converter=toTuple)
    times: int = attrs.field(validator=repeatTimes)

    @steps.validator
    def _checkSteps(
        self, attribute: attrs.Attribute[Any], value: tuple[Any, ...]
    ) -> None:
        if not value:
            raise ScriptError(f"{self.name}(): give at least one step to repeat")
        for number, step in enumerate(value, 1):
            if not isinstance(step, Step):
                raise ScriptError(
                    f"{self.name}(): item {number} is {typeName(step)} {step!r}, "
                    f"not a step"
                )
            if isinstance(step, Repeat):
                raise ScriptError(
                    f"{self.name}(): item {number} is another repeat(); "
                    f"repeats do not nest, write the inner steps out"
                )
            if isinstance(step, ExpectHandshake | Reject):
                raise ScriptError(
                    f"{self.name}(): item {number}, {step!r}, belongs to the "
                    f"handshake and happens once, at the start"
                )
            if isinstance(step, CloseStep | ExpectClose | CloseTCP | GoSilent):
                raise ScriptError(
                    f"{self.name}(): item {number}, {step!r}, ends the "
                    f"connection, so it cannot be repeated; put it after the "
                    f"repeat()"
                )

    def __repr__(self) -> str:
        return call(self.name, *map(repr, self.steps), times=str(self.times))


AnyStep: TypeAlias = (
    ExpectHandshake
    | Reject
    | ExpectText
    | ExpectBinary
    | ExpectJSON
    | ExpectMessage
    | SendText
    | SendBinary
    | SendJSON
    | Reply
    | InAnyOrder
    | Repeat
    | Wait
    | Ping
    | CloseStep
    | ExpectClose
    | CloseTCP
    | GoSilent
)
"""
Every kind of step: the closed union a script engine matches on.
"""
