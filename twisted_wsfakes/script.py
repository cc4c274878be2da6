"""
Scripts: what a fake websocket peer does and expects, in order.

A `Script` is an immutable sequence of steps.  Each step is a frozen value
built by a function named as it is written in a test::

    script = Script(
        expectHandshake(path="/rpc", headers={"Authorization": regex("^Bearer ")}),
        reply(
            lambda m: {"id": m.json()["id"], "result": "ok"},
            expect={"method": "subscribe", "id": ANY},
        ),
        repeat(sendJSON({"op": "tick"}), wait(1), times=3),
        close(1001, "bye"),
    )

Every argument is checked when the step is built and the order of the steps
when the script is built, so a mistake raises `ScriptError` at the line that
made it rather than half way through a test.  Nothing here touches the
network: a runner (a real Autobahn protocol) plays the script.

This module gathers the public names of the script layer, which lives in
`twisted_wsfakes.scripting`; import from here (or from `twisted_wsfakes`).
The deprecated step classes ``Close``, ``Drop`` and ``Stall`` still resolve,
with a warning naming ``CloseStep``, ``CloseTCP`` and ``GoSilent``.

It may import `twisted_wsfakes.deprecate` and `twisted_wsfakes.scripting`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from .deprecate import renamedAttributes
from .scripting.blocks import AnyStep, InAnyOrder, Repeat
from .scripting.builders import (
    close,
    closeTCP,
    drop,
    expectBinary,
    expectClose,
    expectHandshake,
    expectJSON,
    expectMessage,
    expectText,
    goSilent,
    inAnyOrder,
    ping,
    reject,
    repeat,
    reply,
    sendBinary,
    sendJSON,
    sendText,
    stall,
    wait,
)
from .scripting.expects import (
    Expectation,
    ExpectBinary,
    ExpectClose,
    ExpectHandshake,
    ExpectJSON,
    ExpectMessage,
    ExpectText,
    Groupable,
    Reply,
)
from .scripting.message import Message
from .scripting.script import Script, ScriptPosition
from .scripting.steps import (
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

if not TYPE_CHECKING:
    # Hidden from type checkers, which would otherwise accept any name.
    __getattr__ = renamedAttributes(
        __name__,
        {
            "Close": ("CloseStep", CloseStep),
            "Drop": ("CloseTCP", CloseTCP),
            "Stall": ("GoSilent", GoSilent),
        },
    )

__all__ = [
    "AnyStep",
    "CloseStep",
    "CloseTCP",
    "ExpectBinary",
    "ExpectClose",
    "ExpectHandshake",
    "ExpectJSON",
    "ExpectMessage",
    "ExpectText",
    "Expectation",
    "GoSilent",
    "Groupable",
    "InAnyOrder",
    "Message",
    "Ping",
    "Reject",
    "Repeat",
    "Reply",
    "Script",
    "ScriptPosition",
    "SendBinary",
    "SendJSON",
    "SendText",
    "Step",
    "Wait",
    "close",
    "closeTCP",
    "drop",
    "expectBinary",
    "expectClose",
    "expectHandshake",
    "expectJSON",
    "expectMessage",
    "expectText",
    "goSilent",
    "inAnyOrder",
    "ping",
    "reject",
    "repeat",
    "reply",
    "sendBinary",
    "sendJSON",
    "sendText",
    "stall",
    "wait",
]
