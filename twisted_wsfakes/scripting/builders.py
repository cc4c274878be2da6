"""
The functions a test writes a script with, one per kind of step, each named
as the step reads: ``expectJSON(...)``, ``sendText(...)``, ``close()``...
They build the values of `.steps`, `.expects` and `.blocks`; every argument
is checked there.

It may import `twisted_wsfakes.deprecate`, `.blocks`, `.expects`,
`.message` and `.steps`.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping

from ..deprecate import warnRenamed
from .blocks import InAnyOrder, Repeat
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
from .message import Message
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


def expectHandshake(
    path: object = None,
    subprotocol: str | None = None,
    headers: Mapping[str, object] | None = None,
    query: Mapping[str, object] | None = None,
) -> ExpectHandshake:
    """
    Check the opening handshake; only valid as a script's first step.

    For a server peer it checks the client's request; for a client peer the
    server's response, which has no path or query (`Script.checkRole`
    refuses them there).  Header and query values may be matchers::

        expectHandshake(
            path="/v1/stream",
            subprotocol="graphql-transport-ws",
            headers={"Authorization": regex("^Bearer "), "Cookie": None},
            query={"token": ANY},
        )

    :param path: the request path (``str`` or matcher), without the query.
    :param subprotocol: the subprotocol to offer/select.
    :param headers: header name to pattern; ``None`` means absent.
    :param query: parameter name to pattern; see `ExpectHandshake`.
    :raises ScriptError: if an argument has the wrong type, ``path`` does not
        start with ``/``, a header name is not an HTTP token or appears twice.
    """
    return ExpectHandshake(path, subprotocol, headers, query)


def expectText(pattern: object) -> ExpectText:
    """
    Expect a text message::

        expectText("hello")
        expectText(regex(r"^HELLO \\d+$"))

    :param pattern: the exact text, or a matcher for it.
    :raises ScriptError: if ``pattern`` is neither.
    """
    return ExpectText(pattern)


def expectBinary(pattern: object) -> ExpectBinary:
    """
    Expect a binary message::

        expectBinary(b"\\x00\\x01")
        expectBinary(predicate(lambda data: data.startswith(b"\\x89PNG")))

    :param pattern: the exact payload (``bytes``), or a matcher for it.
    :raises ScriptError: if ``pattern`` is neither.
    """
    return ExpectBinary(pattern)


def expectJSON(pattern: object) -> ExpectJSON:
    """
    Expect a text message holding JSON that matches ``pattern``::

        expectJSON({"method": "subscribe", "id": ANY, "params": ["ticker"]})

    Dicts in the pattern allow extra keys (see ``matchers.strict``).

    :param pattern: a JSON value, with matchers anywhere in it.
    :raises ScriptError: naming the path of a part that is not JSON or a
        matcher, or if ``pattern`` is ``bytes``.
    """
    return ExpectJSON(pattern)


def expectMessage(pattern: object) -> ExpectMessage:
    """
    Expect one message of either kind::

        expectMessage(ANY)  # any one message

    :param pattern: matched against the JSON of a text message that parses,
        else its text; against the payload of a binary message.
    :raises ScriptError: if ``pattern`` is not a valid pattern.
    """
    return ExpectMessage(pattern)


def sendText(text: str) -> SendText:
    """
    Send a text message::

        sendText("hello")

    :param text: the text.
    :raises ScriptError: if ``text`` is not a ``str`` or cannot be encoded as
        UTF-8 (a lone surrogate).
    """
    return SendText(text)


def sendBinary(data: bytes | bytearray | memoryview) -> SendBinary:
    """
    Send a binary message::

        sendBinary(b"\\x00\\x01")

    :param data: the payload (``bytes``, ``bytearray`` or ``memoryview``).
    :raises ScriptError: if ``data`` is not bytes-like.
    """
    return SendBinary(data)


def sendJSON(value: object) -> SendJSON:
    """
    Send a JSON text message::

        sendJSON({"jsonrpc": "2.0", "method": "tick", "params": [1, 2.5, None]})

    :param value: a JSON value: ``dict`` with ``str`` keys, ``list``,
        ``tuple``, ``str``, ``int``, finite ``float``, ``bool`` or ``None``.
    :raises ScriptError: naming the path (``$.params[1]``) of the first part
        JSON cannot carry: a set, bytes, a matcher, NaN or infinity, a
        non-``str`` key.
    """
    return SendJSON(value)


def reply(fn: Callable[[Message], object], expect: object = None) -> Reply:
    """
    Take the next message and answer it with what ``fn`` returns::

        reply(lambda m: {"id": m.json()["id"], "result": "ok"},
              expect={"method": "ping", "id": ANY})

    ``fn`` gets a `~twisted_wsfakes.script.Message` and returns ``str``
    (sent as text), ``bytes`` (binary), a ``dict``/``list``/number/``bool``
    (JSON text) or ``None`` (nothing); or a Deferred or coroutine giving one
    of those later, which the script waits for before its next step::

        async def quote(message):
            price = await prices.get(message.json()["symbol"])  # a DeferredMock, say
            return {"price": price}

        reply(quote, expect={"op": "quote", "symbol": ANY})

    :param fn: the function.
    :param expect: what the message must match first: an expect step, or a
        bare pattern read by type: ``str`` as `expectText`, ``bytes`` as
        `expectBinary`, a matcher as `expectMessage`, anything else as
        `expectJSON`.  ``None`` accepts any message.
    :raises ScriptError: if ``fn`` is not callable or ``expect`` is not a
        valid pattern.
    """
    return Reply(fn, expect)


def wait(seconds: float) -> Wait:
    """
    Let ``seconds`` pass on the fake clock before the next step::

        repeat(sendJSON({"type": "heartbeat"}), wait(30), times=3)

    :param seconds: how long; 0 is allowed.
    :raises ScriptError: if ``seconds`` is not a number, negative, NaN or
        infinite.
    """
    return Wait(seconds)


def ping(payload: bytes | bytearray = b"") -> Ping:
    """
    Send a ping, and wait for the matching pong before the next step::

        ping(b"are you there")

    :param payload: up to 125 bytes.
    :raises ScriptError: if ``payload`` is not bytes or too long.
    """
    return Ping(payload)


def close(code: int | None = 1000, reason: str = "") -> CloseStep:
    """
    Start the closing handshake::

        close(1001, "server restarting")

    Only `expectClose` (to check the other side's close frame) or
    `closeTCP` may follow it.

    :param code: 1000-1003, 1007-1014 or 3000-4999, or ``None`` for a close
        frame with no code.
    :param reason: up to 123 bytes in UTF-8; only with a code.
    :raises ScriptError: if the code may not be sent (1004-1006, 1015,
        below 1000, 1016-2999, 5000 and up), the reason is too long or not
        a ``str``.
    """
    return CloseStep(code, reason)


def expectClose(code: int | None = None, reason: object = None) -> ExpectClose:
    """
    Expect a close frame from the other side next::

        expectClose(1000)
        expectClose(4001, reason=regex("token"))

    After `close`, it checks the other side's answering close frame.

    :param code: the code wanted; ``None`` for any, 1005 for a frame with no
        code.
    :param reason: the reason wanted (``str`` or matcher); ``None`` for any.
    :raises ScriptError: if no close frame can carry ``code``.
    """
    return ExpectClose(code, reason)


def closeTCP() -> CloseTCP:
    """
    End the connection as a crashing server would: what was sent before
    arrives, then TCP closes with no websocket close frame::

        Script(wait(5), sendJSON({"type": "ticker"}), closeTCP())

    Nothing may follow it.  Unlike ``Connection.drop()``, which cuts the
    line and loses what is in flight, this is an orderly TCP close (a FIN).
    """
    return CloseTCP()


def goSilent() -> GoSilent:
    """
    Stop reading and answering, keeping the connection open: what a client's
    heartbeat or timeout logic is there to detect::

        Script(expectJSON({"op": "hello"}), goSilent())

    Nothing may follow it.  Only this peer goes quiet; ``Connection.stall()``
    stops the bytes in both directions on the line itself.
    """
    return GoSilent()


def drop() -> CloseTCP:
    """
    Deprecated name of `closeTCP`, which says what it does: close TCP
    without a close frame (``Connection.drop()`` is something else: it cuts
    the line).

    :deprecated: use `closeTCP`.
    """
    warnRenamed("drop()", "closeTCP()")
    return CloseTCP()


def stall() -> GoSilent:
    """
    Deprecated name of `goSilent` (``Connection.stall()`` is something else:
    it stops the line itself).

    :deprecated: use `goSilent`.
    """
    warnRenamed("stall()", "goSilent()")
    return GoSilent()


def reject(
    status: int, reason: str = "", headers: Mapping[str, str] | None = None
) -> Reject:
    """
    Refuse the opening handshake: a server peer's first step, or its second
    after `expectHandshake`::

        reject(401, "Unauthorized")
        reject(503, headers={"Retry-After": "30"})

    Nothing may follow it.

    :param status: an HTTP status from 300 to 599.
    :param reason: the reason phrase.
    :param headers: extra response headers.
    :raises ScriptError: if the status is not 300-599, or the reason or a
        header holds a control character (CR, LF) or a header name is not a
        token.
    """
    return Reject(status, reason, headers)


def inAnyOrder(*expectations: Groupable) -> InAnyOrder:
    """
    Expect several messages in any order::

        inAnyOrder(
            expectJSON({"subscribe": "trades"}),
            expectJSON({"subscribe": "book"}),
        )

    :param expectations: `expectText`, `expectBinary`, `expectJSON`,
        `expectMessage` or `reply` steps.
    :raises ScriptError: if there are none, or one is another kind of step.
    """
    return InAnyOrder(expectations)


def repeat(*steps: Step, times: int) -> Repeat:
    """
    Play a block of steps ``times`` times::

        repeat(expectJSON({"op": "ping"}), sendJSON({"op": "pong"}), times=3)

    In reports the block is one step of its script; the round and the step
    inside are added: "step 3 of 5 (repeat, round 2 of 3, step 1 of 2:
    expectJSON)".

    :param steps: the block; no handshake or closing steps, no nested
        repeat.
    :param times: the number of rounds, at least 1.
    :raises ScriptError: if ``times`` is less than 1 or the block is empty
        or holds a step that cannot repeat.
    """
    return Repeat(steps, times)
