"""
Tests for ``twisted_wsfakes.script``.
"""

from __future__ import annotations

import copy
import json
import pickle
from collections.abc import Callable
from typing import Any, cast

import attrs
from hypothesis import given, settings
from hypothesis import strategies as st
from twisted.trial.unittest import SynchronousTestCase

import twisted_wsfakes
from twisted_wsfakes import script
from twisted_wsfakes.errors import NotJSONError, ScriptError, WsFakesError
from twisted_wsfakes.matchers import ANY, Difference, predicate, regex, strict
from twisted_wsfakes.script import (
    CloseStep,
    CloseTCP,
    ExpectBinary,
    ExpectClose,
    ExpectHandshake,
    ExpectJSON,
    ExpectMessage,
    ExpectText,
    GoSilent,
    InAnyOrder,
    Message,
    Ping,
    Reject,
    Repeat,
    Reply,
    Script,
    ScriptPosition,
    SendBinary,
    SendJSON,
    SendText,
    Step,
    Wait,
    close,
    closeTCP,
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
    wait,
)

_settings = settings(deadline=None, derandomize=True, max_examples=150)

_json = st.recursive(
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(st.characters(codec="utf-8"), max_size=8),
    lambda children: (
        st.lists(children, max_size=4)
        | st.dictionaries(
            st.text(st.characters(codec="utf-8"), max_size=6),
            children,
            max_size=4,
        )
    ),
    max_leaves=20,
)


def echoId(message: Message) -> object:
    """
    A reply function with a name, for reprs.
    """
    return {"id": message.json()["id"], "result": "ok"}


def _error(function: Callable[..., object], *args: Any, **kwargs: Any) -> str:
    """
    Call ``function`` and return the message of the `ScriptError` it raises.
    """
    try:
        function(*args, **kwargs)
    except ScriptError as e:
        return str(e)
    raise AssertionError(f"{function!r} raised no ScriptError")


_ALLOWED = "use 1000-1003, 1007-1014 or 3000-4999, or None for a frame without a code"
_RECEIVABLE = (
    "use 1000-1003, 1007-1014 or 3000-4999, or 1005 for a frame without a code"
)


def _everyStep() -> list[Step]:
    """
    One step of every kind, with arguments.
    """
    return [
        expectHandshake(path="/ws", headers={"X-Token": regex("^t")}),
        expectText("hello"),
        expectBinary(b"\x00"),
        expectJSON({"id": ANY, "tags": ["a"]}),
        expectMessage(ANY),
        sendText("hi"),
        sendBinary(b"\x01"),
        sendJSON({"a": [1, 2]}),
        reply(echoId, expect={"id": ANY}),
        wait(1.5),
        ping(b"p"),
        close(1001, "bye"),
        expectClose(1000),
        closeTCP(),
        goSilent(),
        reject(503, "busy", headers={"Retry-After": "5"}),
        inAnyOrder(expectText("a"), expectText("b")),
        repeat(sendText("x"), wait(1), times=2),
    ]


class StepReprTests(SynchronousTestCase):
    """
    Every step builds, and its ``repr`` reads as the call that built it.
    """

    def test_expectHandshake(self) -> None:
        """
        ``expectHandshake`` shows only the arguments given, as keywords, with
        header and query patterns rendered as JSON with matchers.
        """
        self.assertEqual(repr(expectHandshake()), "expectHandshake()")
        self.assertEqual(
            repr(
                expectHandshake(
                    path="/ws",
                    subprotocol="graphql-ws",
                    headers={"Authorization": regex("^Bearer "), "Cookie": None},
                    query={"token": ANY, "tag": ["a", "b"]},
                )
            ),
            'expectHandshake(path="/ws", subprotocol="graphql-ws", '
            'headers={"Authorization": regex("^Bearer "), "Cookie": null}, '
            'query={"token": ANY, "tag": ["a", "b"]})',
        )
        self.assertEqual(
            repr(expectHandshake(path=regex("^/v1/"))),
            'expectHandshake(path=regex("^/v1/"))',
        )

    def test_expectText(self) -> None:
        """
        ``expectText`` shows its text in double quotes, or in single quotes
        when the text holds double quotes; a matcher shows as itself.
        """
        self.assertEqual(repr(expectText("hello")), 'expectText("hello")')
        self.assertEqual(repr(expectText('{"a": 1}')), """expectText('{"a": 1}')""")
        self.assertEqual(repr(expectText(regex("^h"))), 'expectText(regex("^h"))')

    def test_expectBinary(self) -> None:
        """
        ``expectBinary`` shows bytes as Python writes them, and keeps a
        ``bytearray`` as immutable ``bytes``.
        """
        self.assertEqual(repr(expectBinary(b"\x00ab")), "expectBinary(b'\\x00ab')")
        step = expectBinary(bytearray(b"ab"))
        self.assertEqual(step.pattern, b"ab")
        self.assertIs(type(step.pattern), bytes)

    def test_expectJSON(self) -> None:
        """
        ``expectJSON`` shows its pattern as one line of JSON with matchers.
        """
        self.assertEqual(
            repr(expectJSON({"id": ANY, "ok": True, "x": [None, 1.5]})),
            'expectJSON({"id": ANY, "ok": true, "x": [null, 1.5]})',
        )
        self.assertEqual(repr(expectJSON(3)), "expectJSON(3)")

    def test_expectMessage(self) -> None:
        """
        ``expectMessage`` shows its pattern.
        """
        self.assertEqual(repr(expectMessage(ANY)), "expectMessage(ANY)")

    def test_sends(self) -> None:
        """
        ``sendText``, ``sendBinary`` and ``sendJSON`` show what they send.
        """
        self.assertEqual(repr(sendText("hé")), 'sendText("hé")')
        self.assertEqual(repr(sendText('say "hi"')), """sendText('say "hi"')""")
        self.assertEqual(repr(sendBinary(b"\x01")), "sendBinary(b'\\x01')")
        self.assertEqual(repr(sendJSON({"a": (1, None)})), 'sendJSON({"a": [1, null]})')

    def test_reply(self) -> None:
        """
        ``reply`` shows a named function by name, a lambda by where it was
        written, and ``expect`` as it was given: a bare pattern bare, a step
        as a step.
        """
        self.assertEqual(repr(reply(echoId)), "reply(echoId)")
        self.assertEqual(
            repr(reply(echoId, expect={"id": ANY})), 'reply(echoId, expect={"id": ANY})'
        )
        self.assertEqual(
            repr(reply(echoId, expect=expectText("x"))),
            'reply(echoId, expect=expectText("x"))',
        )
        line = _lineOf(lambda: None) + 1
        step = reply(lambda m: None)
        self.assertEqual(repr(step), f"reply(<lambda at test_script.py:{line}>)")

    def test_timingAndControl(self) -> None:
        """
        ``wait``, ``ping``, ``close``, ``expectClose``, ``closeTCP`` and ``goSilent``
        show only the arguments that differ from the defaults.
        """
        self.assertEqual(
            [
                repr(s)
                for s in [
                    wait(2),
                    wait(0.5),
                    ping(),
                    ping(b"x"),
                    close(),
                    close(1001),
                    close(1000, "bye"),
                    close(None),
                    expectClose(),
                    expectClose(4000),
                    expectClose(reason=regex("x")),
                    expectClose(1000, reason="done"),
                    closeTCP(),
                    goSilent(),
                ]
            ],
            [
                "wait(2)",
                "wait(0.5)",
                "ping()",
                "ping(b'x')",
                "close()",
                "close(1001)",
                'close(1000, "bye")',
                "close(None)",
                "expectClose()",
                "expectClose(4000)",
                'expectClose(reason=regex("x"))',
                'expectClose(1000, reason="done")',
                "closeTCP()",
                "goSilent()",
            ],
        )

    def test_reject(self) -> None:
        """
        ``reject`` shows its status, then the reason and headers if given.
        """
        self.assertEqual(repr(reject(403)), "reject(403)")
        self.assertEqual(repr(reject(403, "Forbidden")), 'reject(403, "Forbidden")')
        self.assertEqual(
            repr(reject(302, headers={"Location": "/elsewhere"})),
            'reject(302, headers={"Location": "/elsewhere"})',
        )

    def test_groups(self) -> None:
        """
        ``inAnyOrder`` and ``repeat`` show their steps, and ``times``.
        """
        self.assertEqual(
            repr(inAnyOrder(expectText("a"), reply(echoId))),
            'inAnyOrder(expectText("a"), reply(echoId))',
        )
        self.assertEqual(
            repr(repeat(expectJSON({"op": "ping"}), sendJSON({"op": "pong"}), times=3)),
            'repeat(expectJSON({"op": "ping"}), sendJSON({"op": "pong"}), times=3)',
        )

    def test_script(self) -> None:
        """
        A ``Script`` shows as the call that builds it.
        """
        self.assertEqual(
            repr(Script(expectJSON({"a": 1}), sendJSON({"b": 2}), close())),
            'Script(expectJSON({"a": 1}), sendJSON({"b": 2}), close())',
        )
        self.assertEqual(repr(Script()), "Script()")

    def test_names(self) -> None:
        """
        Each kind of step names the function that builds it.
        """
        self.assertEqual(
            [s.name for s in _everyStep()],
            [
                "expectHandshake",
                "expectText",
                "expectBinary",
                "expectJSON",
                "expectMessage",
                "sendText",
                "sendBinary",
                "sendJSON",
                "reply",
                "wait",
                "ping",
                "close",
                "expectClose",
                "closeTCP",
                "goSilent",
                "reject",
                "inAnyOrder",
                "repeat",
            ],
        )

    def test_fields(self) -> None:
        """
        The functions return the step classes with their fields as given,
        so a runner can dispatch on the type.
        """
        steps = _everyStep()
        self.assertEqual(
            [type(s) for s in steps],
            [
                ExpectHandshake,
                ExpectText,
                ExpectBinary,
                ExpectJSON,
                ExpectMessage,
                SendText,
                SendBinary,
                SendJSON,
                Reply,
                Wait,
                Ping,
                CloseStep,
                ExpectClose,
                CloseTCP,
                GoSilent,
                Reject,
                InAnyOrder,
                Repeat,
            ],
        )
        self.assertEqual((steps[11].code, steps[11].reason), (1001, "bye"))  # type: ignore[attr-defined]
        self.assertEqual(steps[17].times, 2)  # type: ignore[attr-defined]
        self.assertEqual(steps[17].steps, (sendText("x"), wait(1)))  # type: ignore[attr-defined]


def _lineOf(function: Callable[[], None]) -> int:
    """
    The line a function was written on.
    """
    return function.__code__.co_firstlineno


class ImmutabilityTests(SynchronousTestCase):
    """
    Steps and scripts are frozen values, equal when built alike.
    """

    def test_assignmentFails(self) -> None:
        """
        Assigning to any field of any step (or any attribute of a step
        without fields), or of a script, raises attrs' ``FrozenInstanceError``.
        """
        for step in _everyStep():
            names = [field.name for field in attrs.fields(cast(Any, type(step)))]
            for name in names or ["name"]:
                self.assertRaises(
                    attrs.exceptions.FrozenInstanceError, setattr, step, name, None
                )
        script = Script(sendText("a"))
        self.assertRaises(
            attrs.exceptions.FrozenInstanceError, setattr, script, "steps", ()
        )

    def test_equalWhenBuiltAlike(self) -> None:
        """
        Every step, and a script of them, equals the same built again; a
        step of plain scalars hashes alike too.
        """
        for first, second in zip(_everyStep(), _everyStep()):
            self.assertEqual(first, second)
        self.assertEqual(Script(*_everyStep()[:5]), Script(*_everyStep()[:5]))
        self.assertEqual(hash(close(1001, "bye")), hash(close(1001, "bye")))

    def test_matchersCompareByKind(self) -> None:
        """
        A step whose pattern holds a matcher equals a step holding an equal
        matcher, and not one holding a value the matcher would accept,
        although the matcher ``==`` that value.
        """
        first = expectJSON({"a": strict({"b": 1})})
        self.assertEqual(first, expectJSON({"a": strict({"b": 1})}))
        self.assertNotEqual(first, expectJSON({"a": strict({"b": 2})}))
        self.assertEqual(ANY, 5)
        self.assertNotEqual(expectJSON({"id": ANY}), expectJSON({"id": 5}))
        self.assertNotEqual(expectJSON({"id": 5}), expectJSON({"id": ANY}))
        self.assertNotEqual(expectText(regex("a")), expectText("a"))

    def test_unequal(self) -> None:
        """
        Steps that differ in any field are not equal.
        """
        self.assertNotEqual(expectJSON({"a": 1}), expectJSON({"a": 2}))
        self.assertNotEqual(expectJSON([1, 2]), expectJSON([2, 1]))
        self.assertNotEqual(close(1000), close(1001))
        self.assertNotEqual(sendText("a"), expectText("a"))
        self.assertEqual(expectJSON({"a": 1, "b": 2}), expectJSON({"b": 2, "a": 1}))

    def test_patternCannotChange(self) -> None:
        """
        Dicts and lists inside a step cannot be changed through the step.
        """
        step = expectJSON({"a": [1, {"b": 2}]})
        pattern: Any = step.pattern
        self.assertRaises(TypeError, pattern.__setitem__, "c", 3)
        self.assertRaises(TypeError, pattern.update, {"c": 3})
        self.assertRaises(TypeError, pattern.pop, "a")
        self.assertRaises(TypeError, pattern["a"].append, 3)
        self.assertRaises(TypeError, pattern["a"][1].setdefault, "c", 3)
        self.assertEqual(step, expectJSON({"a": [1, {"b": 2}]}))

    def test_frozenPatternShared(self) -> None:
        """
        A pattern already frozen (another step's) is shared, not copied: it
        cannot change either.
        """
        step = expectJSON({"a": [1, {"b": 2}]})
        again = expectJSON(step.pattern)
        self.assertIs(again.pattern, step.pattern)
        self.assertEqual(again, step)

    def test_patternIsCopied(self) -> None:
        """
        Changing the dict a step was built from does not change the step.
        """
        value: dict[str, Any] = {"a": [1]}
        step = sendJSON(value)
        value["a"].append(2)
        value["b"] = 3
        self.assertEqual(step.text, '{"a": [1]}')

    def test_frozenContainersAreStillDictsAndLists(self) -> None:
        """
        The frozen containers are ``dict`` and ``list`` to the matchers and to
        ``json``, and copy into plain, changeable ones.
        """
        step = expectJSON({"a": [1, 2]})
        pattern: Any = step.pattern
        self.assertIsInstance(pattern, dict)
        self.assertIsInstance(pattern["a"], list)
        self.assertEqual(json.dumps(pattern), '{"a": [1, 2]}')
        plain = dict(pattern)
        plain["b"] = 1
        self.assertEqual(plain, {"a": [1, 2], "b": 1})

    def test_copyAndPickle(self) -> None:
        """
        Steps survive ``copy.deepcopy`` and a pickle round trip unchanged.
        """
        steps = [expectJSON({"a": [1, {"b": None}]}), sendJSON([{"x": 1}]), close()]
        for step in steps:
            self.assertEqual(copy.deepcopy(step), step)
            self.assertEqual(pickle.loads(pickle.dumps(step)), step)


class ArgumentValidationTests(SynchronousTestCase):
    """
    Bad step arguments raise `ScriptError` naming the step and the problem.
    """

    def test_scriptErrorIsAValueError(self) -> None:
        """
        ``ScriptError`` is one of the project's errors and a ``ValueError``.
        """
        self.assertTrue(issubclass(ScriptError, WsFakesError))
        self.assertTrue(issubclass(ScriptError, ValueError))

    def test_expectHandshakePath(self) -> None:
        """
        The path must be a str starting with ``/`` without a query, or a
        matcher.
        """
        self.assertEqual(
            _error(expectHandshake, path=5),
            "expectHandshake(): path must be a str or a matcher, got int 5",
        )
        self.assertEqual(
            _error(expectHandshake, path="ws"),
            "expectHandshake(): path 'ws' must start with '/' and hold no '?' or "
            "'#'; check query parameters with query=",
        )
        self.assertEqual(
            _error(expectHandshake, path="/ws?a=1"),
            "expectHandshake(): path '/ws?a=1' must start with '/' and hold no "
            "'?' or '#'; check query parameters with query=",
        )

    def test_expectHandshakeSubprotocol(self) -> None:
        """
        The subprotocol must be an HTTP token.
        """
        self.assertEqual(
            _error(expectHandshake, subprotocol="a b"),
            "expectHandshake(): subprotocol must be a non-empty HTTP token "
            "(letters, digits and !#$%&'*+-.^_`|~), got 'a b'",
        )

    def test_expectHandshakeHeaders(self) -> None:
        """
        Headers must be a dict of token names, unique ignoring case, to a
        str, a matcher or None.
        """
        self.assertEqual(
            _error(expectHandshake, headers=[("a", "b")]),
            "expectHandshake(): headers must be a dict, got list [('a', 'b')]",
        )
        self.assertEqual(
            _error(expectHandshake, headers={1: "b"}),
            "expectHandshake(): headers keys must be non-empty strings, got 1",
        )
        self.assertEqual(
            _error(expectHandshake, headers={"X": {1}}),
            "expectHandshake(): headers.X: a pattern holds JSON values and "
            "matchers, not a set ({1}); use a list",
        )
        self.assertEqual(
            _error(expectHandshake, headers={"X": 5}),
            "expectHandshake(): headers['X'] must be a str, a matcher or None, "
            "got int 5",
        )
        self.assertEqual(
            _error(expectHandshake, headers={"X-A": "1", "x-a": "2"}),
            "expectHandshake(): headers names 'X-A' and 'x-a', the same header "
            "(names ignore case)",
        )
        self.assertEqual(
            _error(expectHandshake, headers={"X A": "1"}),
            "expectHandshake(): a name in headers must be a non-empty HTTP token "
            "(letters, digits and !#$%&'*+-.^_`|~), got 'X A'",
        )

    def test_expectHandshakeQuery(self) -> None:
        """
        Query values must be a str, a matcher, a list of them or None.
        """
        self.assertEqual(
            _error(expectHandshake, query={"a": 5}),
            "expectHandshake(): query['a'] must be a str, a matcher, a list of "
            "them or None, got int 5",
        )

    def test_expectTextTypes(self) -> None:
        """
        ``expectText`` takes a str or a matcher, and points bytes to
        ``expectBinary`` and JSON values to ``expectJSON``.
        """
        self.assertEqual(
            _error(expectText, b"x"),
            "expectText(): the pattern must be a str or a matcher, got bytes "
            "b'x'; for a binary message use expectBinary()",
        )
        self.assertEqual(
            _error(expectText, {"a": 1}),
            "expectText(): the pattern must be a str or a matcher, got dict "
            "{'a': 1}; to match JSON use expectJSON()",
        )
        self.assertEqual(
            _error(expectText, object),
            "expectText(): the pattern must be a str or a matcher, got type "
            "<class 'object'>",
        )

    def test_expectBinaryTypes(self) -> None:
        """
        ``expectBinary`` takes bytes or a matcher, and points str to
        ``expectText``.
        """
        self.assertEqual(
            _error(expectBinary, "x"),
            "expectBinary(): the pattern must be bytes or a matcher, got str "
            "'x'; for a text message use expectText()",
        )

    def test_expectJSONPatterns(self) -> None:
        """
        ``expectJSON`` refuses bytes, and names the path of a part of the
        pattern the matchers cannot use.
        """
        self.assertEqual(
            _error(expectJSON, b"x"),
            "expectJSON(): the pattern is bytes b'x'; JSON is text, for a "
            "binary message use expectBinary()",
        )
        self.assertEqual(
            _error(expectJSON, {"a": [1, {2}]}),
            "expectJSON(): $.a[1]: a pattern holds JSON values and matchers, not "
            "a set ({2}); use a list",
        )
        self.assertEqual(
            _error(expectJSON, {"a": float("nan")}),
            "expectJSON(): $.a: NaN equals nothing, not even NaN; use "
            "predicate(math.isnan) to expect one",
        )
        self.assertEqual(
            _error(expectMessage, {1}),
            "expectMessage(): $: a pattern holds JSON values and matchers, not a "
            "set ({1}); use a list",
        )

    def test_sendTextTypes(self) -> None:
        """
        ``sendText`` takes a str that UTF-8 can carry.
        """
        self.assertEqual(
            _error(sendText, b"x"),
            "sendText(): the text must be a str, got bytes b'x'; for bytes use "
            "sendBinary()",
        )
        self.assertEqual(
            _error(sendText, "a\ud800"),
            "sendText(): the text, 'a\\ud800', cannot be sent as UTF-8 "
            "(surrogates not allowed at index 1)",
        )

    def test_sendBinaryTypes(self) -> None:
        """
        ``sendBinary`` takes bytes-like data and points str to ``sendText``.
        """
        self.assertEqual(
            _error(sendBinary, "x"),
            "sendBinary(): the data must be bytes, got str 'x'; for text use "
            "sendText(), or encode it",
        )
        self.assertEqual(sendBinary(memoryview(b"ab")).data, b"ab")

    def test_sendJSONValues(self) -> None:
        """
        ``sendJSON`` names the path of the first part JSON cannot carry.
        """
        self.assertEqual(
            [
                _error(sendJSON, {"params": [1, {2}]}),
                _error(sendJSON, {"a": float("nan")}),
                _error(sendJSON, [float("-inf")]),
                _error(sendJSON, {1: "a"}),
                _error(sendJSON, {"id": ANY}),
                _error(sendJSON, {"odd key": b"x"}),
                _error(sendJSON, {"\ud800": 1}),
                _error(sendJSON, {"a": ["\udc00"]}),
            ],
            [
                (
                    "sendJSON(): $.params[1] is a set ({2}), which JSON cannot "
                    "represent; use a list"
                ),
                (
                    "sendJSON(): $.a is nan, which JSON cannot represent (json.dumps "
                    "would write NaN, which no JSON parser accepts)"
                ),
                (
                    "sendJSON(): $[0] is -inf, which JSON cannot represent (json.dumps "
                    "would write -Infinity, which no JSON parser accepts)"
                ),
                "sendJSON(): $ has the key 1 (int); JSON object keys are strings",
                (
                    "sendJSON(): $.id is the matcher ANY; matchers say what to expect, "
                    "a sent message needs plain values"
                ),
                (
                    "sendJSON(): $[\"odd key\"] is a bytes (b'x'), which JSON cannot "
                    "represent"
                ),
                (
                    "sendJSON(): a key of $, '\\ud800', cannot be sent as UTF-8 "
                    "(surrogates not allowed at index 0)"
                ),
                (
                    "sendJSON(): the string at $.a[0], '\\udc00', cannot be sent as "
                    "UTF-8 (surrogates not allowed at index 0)"
                ),
            ],
        )

    def test_replyArguments(self) -> None:
        """
        ``reply`` needs a callable, and an ``expect`` that is a valid pattern
        or an expect step.
        """
        self.assertEqual(
            _error(reply, "f"), "reply(): the function must be callable, got str 'f'"
        )
        self.assertEqual(
            _error(reply, echoId, expect=sendText("x")),
            'reply(): expect must be a pattern or an expect step, got sendText("x")',
        )
        self.assertEqual(
            _error(reply, echoId, expect={"a": {1}}),
            "reply(): expect is read as expectJSON(): $.a: a pattern holds JSON "
            "values and matchers, not a set ({1}); use a list",
        )

    def test_waitSeconds(self) -> None:
        """
        ``wait`` takes a finite number of seconds, 0 or more.
        """
        self.assertEqual(
            [
                _error(wait, -1),
                _error(wait, float("nan")),
                _error(wait, float("inf")),
                _error(wait, "1"),
                _error(wait, True),
            ],
            [
                "wait(): seconds must be finite and >= 0, got -1",
                "wait(): seconds must be finite and >= 0, got nan",
                "wait(): seconds must be finite and >= 0, got inf",
                "wait(): seconds must be a number, got str '1'",
                "wait(): seconds must be a number, got bool True",
            ],
        )
        self.assertEqual(wait(0).seconds, 0)

    def test_pingPayload(self) -> None:
        """
        A ping's payload is bytes, at most 125 of them.
        """
        self.assertEqual(
            _error(ping, "x"),
            "ping(): the payload must be bytes, got str 'x'; encode text with "
            ".encode()",
        )
        self.assertEqual(
            _error(ping, b"x" * 126),
            "ping(): the payload is 126 bytes; a ping carries at most 125",
        )
        self.assertEqual(len(ping(b"x" * 125).payload), 125)

    def test_closeCodes(self) -> None:
        """
        ``close`` refuses the codes RFC 6455 forbids in a close frame, saying
        why and what to use.
        """
        self.assertEqual(
            [_error(close, code) for code in (1004, 1005, 1006, 1015, 999, 1016, 5000)],
            [
                f"close(): 1004 is reserved; {_ALLOWED}",
                (
                    "close(): 1005 stands for a close frame without a code and is "
                    f"never sent; {_ALLOWED}"
                ),
                (
                    "close(): 1006 is never in a close frame: it stands for a "
                    f"connection lost without one; {_ALLOWED}"
                ),
                (
                    "close(): 1015 is never in a close frame: it stands for a failed "
                    f"TLS handshake; {_ALLOWED}"
                ),
                f"close(): 999 is outside the close codes websocket allows; {_ALLOWED}",
                f"close(): 1016 is reserved for future websocket standards; {_ALLOWED}",
                (
                    f"close(): 5000 is outside the close codes websocket allows; "
                    f"{_ALLOWED}"
                ),
            ],
        )
        self.assertEqual(
            _error(close, True), "close(): the code must be an int, got bool True"
        )
        self.assertEqual(
            _error(close, "1000"), "close(): the code must be an int, got str '1000'"
        )

    def test_closeCodeRanges(self) -> None:
        """
        Exactly 1000-1003, 1007-1014 and 3000-4999 can be sent, and ``None``
        for a close frame without a code.
        """
        allowed = set(range(1000, 1004)) | set(range(1007, 1015))
        allowed |= set(range(3000, 5000))
        for code in range(-1, 5100):
            try:
                close(code)
            except ScriptError:
                self.assertNotIn(code, allowed)
            else:
                self.assertIn(code, allowed)
        self.assertIsNone(close(None).code)

    def test_closeReason(self) -> None:
        """
        The reason is a str of at most 123 bytes in UTF-8, and needs a code.
        """
        self.assertEqual(len(close(1000, "é" * 61 + "a").reason.encode()), 123)
        self.assertEqual(
            _error(close, 1000, "é" * 62),
            "close(): the reason is 124 bytes in UTF-8; a close frame carries at "
            "most 123",
        )
        self.assertEqual(
            _error(close, 1000, b"x"),
            "close(): the reason must be a str, got bytes b'x'",
        )
        self.assertEqual(
            _error(close, None, "x"),
            "close(): a close frame without a code cannot carry a reason; give a code",
        )
        self.assertEqual(
            _error(close, 1000, "\udc00"),
            "close(): the reason, '\\udc00', cannot be sent as UTF-8 (surrogates "
            "not allowed at index 0)",
        )

    def test_expectCloseCodes(self) -> None:
        """
        ``expectClose`` accepts the codes a close frame can carry, and 1005
        for a frame without one; 1006 and 1015 never arrive in a frame.
        """
        self.assertEqual(expectClose(1005).code, 1005)
        self.assertEqual(
            [_error(expectClose, code) for code in (1006, 1015, 2000)],
            [
                (
                    "expectClose(): 1006 is never in a close frame: it stands for a "
                    f"connection lost without one; {_RECEIVABLE}"
                ),
                (
                    "expectClose(): 1015 is never in a close frame: it stands for a "
                    f"failed TLS handshake; {_RECEIVABLE}"
                ),
                (
                    "expectClose(): 2000 is reserved for future websocket standards; "
                    f"{_RECEIVABLE}"
                ),
            ],
        )
        self.assertEqual(
            _error(expectClose, reason=5),
            "expectClose(): the reason must be a str, a matcher or None, got int 5",
        )

    def test_rejectStatus(self) -> None:
        """
        ``reject`` takes an int status from 300 to 599.
        """
        self.assertEqual(
            [_error(reject, status) for status in (200, 101, 299, 600)],
            [
                f"reject(): status {status} does not refuse a handshake; use a "
                f"3xx, 4xx or 5xx status (300-599)"
                for status in (200, 101, 299, 600)
            ],
        )
        self.assertEqual(
            _error(reject, True), "reject(): the status must be an int, got bool True"
        )
        self.assertEqual([reject(300).status, reject(599).status], [300, 599])

    def test_rejectReasonAndHeaders(self) -> None:
        """
        The reason and header values hold no control characters, header
        names are tokens.
        """
        self.assertEqual(
            [
                _error(reject, 400, "x\r\nSet-Cookie: a"),
                _error(reject, 400, 5),
                _error(reject, 400, headers=["a"]),
                _error(reject, 400, headers={"": "a"}),
                _error(reject, 400, headers={"Location": "a\nb"}),
                _error(reject, 400, headers={"Retry-After": 5}),
            ],
            [
                (
                    "reject(): the reason 'x\\r\\nSet-Cookie: a' holds a control "
                    "character (such as CR or LF), which would break the HTTP response"
                ),
                "reject(): the reason must be a str, got int 5",
                "reject(): headers must be a dict, got list ['a']",
                (
                    "reject(): a name in headers must be a non-empty HTTP token "
                    "(letters, digits and !#$%&'*+-.^_`|~), got ''"
                ),
                (
                    "reject(): the header Location 'a\\nb' holds a control character "
                    "(such as CR or LF), which would break the HTTP response"
                ),
                "reject(): the header Retry-After must be a str, got int 5",
            ],
        )


class GroupTests(SynchronousTestCase):
    """
    ``inAnyOrder`` and ``repeat``: their shapes and their checks.
    """

    def test_inAnyOrderShape(self) -> None:
        """
        ``inAnyOrder`` keeps its expectations in the order written.
        """
        group = inAnyOrder(expectText("a"), expectBinary(b"b"), reply(echoId))
        self.assertEqual(
            group.expectations, (expectText("a"), expectBinary(b"b"), reply(echoId))
        )

    def test_inAnyOrderChecks(self) -> None:
        """
        ``inAnyOrder`` needs at least one expectation, and only
        expectations: no sends, no nested groups, no bare patterns.
        """
        self.assertEqual(
            [
                _error(inAnyOrder),
                _error(inAnyOrder, sendText("x")),
                _error(inAnyOrder, inAnyOrder(expectText("x"))),
                _error(inAnyOrder, {"a": 1}),
            ],
            [
                "inAnyOrder(): give at least one expectation",
                (
                    'inAnyOrder(): item 1, sendText("x"), is not an expectation; only '
                    "expectText, expectBinary, expectJSON, expectMessage and reply "
                    "can be grouped"
                ),
                (
                    'inAnyOrder(): item 1, inAnyOrder(expectText("x")), is not an '
                    "expectation; only expectText, expectBinary, expectJSON, "
                    "expectMessage and reply can be grouped (write one group with "
                    "all of them)"
                ),
                (
                    "inAnyOrder(): item 1 is dict {'a': 1}, not a step; wrap a pattern "
                    "in expectJSON() or expectText()"
                ),
            ],
        )

    def test_repeatShape(self) -> None:
        """
        ``repeat`` keeps its block and its count.
        """
        block = repeat(expectJSON({"op": "ping"}), sendJSON({"op": "pong"}), times=3)
        self.assertEqual(
            (block.steps, block.times),
            ((expectJSON({"op": "ping"}), sendJSON({"op": "pong"})), 3),
        )
        self.assertEqual(repeat(inAnyOrder(expectText("a")), times=1).times, 1)

    def test_repeatChecks(self) -> None:
        """
        ``repeat`` needs an int ``times`` of at least 1 and a block of steps
        that can happen more than once.
        """
        self.assertEqual(
            [
                _error(repeat, sendText("x"), times=0),
                _error(repeat, sendText("x"), times=True),
                _error(repeat, sendText("x"), times=2.0),
                _error(repeat, times=2),
                _error(repeat, repeat(sendText("x"), times=2), times=2),
                _error(repeat, expectHandshake(), times=2),
                _error(repeat, reject(403), times=2),
                _error(repeat, sendText("x"), close(), times=2),
                _error(repeat, expectClose(), times=2),
                _error(repeat, closeTCP(), times=2),
                _error(repeat, goSilent(), times=2),
                _error(repeat, "x", times=2),
            ],
            [
                "repeat(): times must be at least 1, got 0",
                "repeat(): times must be an int, got bool True",
                "repeat(): times must be an int, got float 2.0",
                "repeat(): give at least one step to repeat",
                (
                    "repeat(): item 1 is another repeat(); repeats do not nest, write "
                    "the inner steps out"
                ),
                (
                    "repeat(): item 1, expectHandshake(), belongs to the handshake and "
                    "happens once, at the start"
                ),
                (
                    "repeat(): item 1, reject(403), belongs to the handshake and "
                    "happens once, at the start"
                ),
                (
                    "repeat(): item 2, close(), ends the connection, so it cannot be "
                    "repeated; put it after the repeat()"
                ),
                (
                    "repeat(): item 1, expectClose(), ends the connection, so it cannot "
                    "be repeated; put it after the repeat()"
                ),
                (
                    "repeat(): item 1, closeTCP(), ends the connection, so it cannot be "
                    "repeated; put it after the repeat()"
                ),
                (
                    "repeat(): item 1, goSilent(), ends the connection, so it cannot be "
                    "repeated; put it after the repeat()"
                ),
                "repeat(): item 1 is str 'x', not a step",
            ],
        )


class ScriptTests(SynchronousTestCase):
    """
    ``Script`` as a sequence, its step descriptions and its walk.
    """

    def setUp(self) -> None:
        self.script = Script(
            expectHandshake(path="/ws"),
            expectJSON({"op": "hello"}),
            repeat(expectJSON({"op": "ping"}), sendJSON({"op": "pong"}), times=3),
            inAnyOrder(expectText("a"), expectText("b"), reply(echoId)),
            repeat(sendText("tick"), times=2),
            close(),
        )

    def test_sequence(self) -> None:
        """
        A script has a length, iterates over its steps, and indexes like a
        tuple, negative indexes included.
        """
        self.assertEqual(len(self.script), 6)
        self.assertEqual(list(self.script), list(self.script.steps))
        self.assertEqual(self.script[1], expectJSON({"op": "hello"}))
        self.assertEqual(self.script[-1], close())
        self.assertIn(close(), self.script)
        self.assertEqual(self.script.index(close()), 5)
        self.assertRaises(IndexError, lambda: self.script[6])

    def test_slice(self) -> None:
        """
        A slice of a script is a script, checked as any other.
        """
        self.assertEqual(self.script[1:2], Script(expectJSON({"op": "hello"})))
        self.assertIsInstance(self.script[4:], Script)
        self.assertRaises(ScriptError, lambda: Script(closeTCP(), closeTCP())[1:])

    def test_empty(self) -> None:
        """
        An empty script is allowed: a peer that only connects.
        """
        self.assertEqual(len(Script()), 0)

    def test_equality(self) -> None:
        """
        Scripts with equal steps are equal.
        """
        self.assertEqual(Script(*self.script), self.script)
        self.assertNotEqual(Script(sendText("a")), Script(sendText("b")))

    def test_describeStep(self) -> None:
        """
        ``describeStep`` counts from 1 for humans and names the step.
        """
        self.assertEqual(self.script.describeStep(0), "step 1 of 6 (expectHandshake)")
        self.assertEqual(self.script.describeStep(1), "step 2 of 6 (expectJSON)")
        self.assertEqual(self.script.describeStep(-1), "step 6 of 6 (close)")
        self.assertEqual(self.script.describeStep(2), "step 3 of 6 (repeat)")

    def test_describeRepeat(self) -> None:
        """
        Inside a repeat, ``describeStep`` adds the round and, for a block of
        more than one step, the step within it.
        """
        self.assertEqual(
            self.script.describeStep(2, round=1, inner=0),
            "step 3 of 6 (repeat, round 2 of 3, step 1 of 2: expectJSON)",
        )
        self.assertEqual(
            self.script.describeStep(4, round=1, inner=0),
            "step 5 of 6 (repeat, round 2 of 2: sendText)",
        )
        self.assertEqual(
            self.script.describeStep(2, round=2),
            "step 3 of 6 (repeat, round 3 of 3)",
        )

    def test_describeInAnyOrder(self) -> None:
        """
        For a group, ``describeStep`` adds which expectation is meant, also
        inside a repeat.
        """
        self.assertEqual(
            self.script.describeStep(3, member=2),
            "step 4 of 6 (inAnyOrder, expectation 3 of 3: reply)",
        )
        script = Script(repeat(inAnyOrder(expectText("a"), reply(echoId)), times=2))
        self.assertEqual(
            script.describeStep(0, round=0, inner=0, member=1),
            "step 1 of 1 (repeat, round 1 of 2: inAnyOrder, expectation 2 of 2: reply)",
        )

    def test_describeStepOutOfRange(self) -> None:
        """
        Indexes out of range raise ``IndexError``; a round, inner step or
        member asked of a step that has none raises ``ValueError``.
        """
        self.assertRaises(IndexError, self.script.describeStep, 6)
        self.assertRaises(IndexError, self.script.describeStep, -7)
        self.assertRaises(IndexError, self.script.describeStep, 2, round=3)
        self.assertRaises(IndexError, self.script.describeStep, 2, round=0, inner=2)
        self.assertRaises(IndexError, self.script.describeStep, 3, member=3)
        self.assertRaises(ValueError, self.script.describeStep, 1, round=0)
        self.assertRaises(ValueError, self.script.describeStep, 1, member=0)
        self.assertRaises(ValueError, self.script.describeStep, 2, member=0)
        self.assertRaises(IndexError, Script().describeStep, 0)

    def test_walk(self) -> None:
        """
        ``walk`` yields every step in playing order, repeats unrolled with
        their round and inner index, groups whole.
        """
        positions = list(self.script.walk())
        self.assertEqual(
            [(p.index, p.round, p.inner) for p in positions],
            [
                (0, None, None),
                (1, None, None),
                (2, 0, 0),
                (2, 0, 1),
                (2, 1, 0),
                (2, 1, 1),
                (2, 2, 0),
                (2, 2, 1),
                (3, None, None),
                (4, 0, 0),
                (4, 1, 0),
                (5, None, None),
            ],
        )
        self.assertEqual(
            positions[5], ScriptPosition(2, 1, 1, sendJSON({"op": "pong"}), self.script)
        )
        self.assertEqual(
            positions[5].description,
            "step 3 of 6 (repeat, round 2 of 3, step 2 of 2: sendJSON)",
        )
        self.assertIsInstance(positions[8].step, InAnyOrder)
        self.assertFalse(any(isinstance(p.step, Repeat) for p in positions))


class ScriptOrderTests(SynchronousTestCase):
    """
    ``Script`` refuses non-steps and orders of steps that cannot happen.
    """

    def test_notAStep(self) -> None:
        """
        An argument that is not a step is named, with a hint for the usual
        mistakes.
        """
        self.assertEqual(
            [
                _error(Script, sendText("a"), "x"),
                _error(Script, [sendText("a")]),
                _error(Script, Script()),
                _error(Script, closeTCP),
                _error(Script, 5),
            ],
            [
                (
                    "Script(): step 2 of 2 is str 'x', not a step; to send it write "
                    'sendText("x")'
                ),
                (
                    'Script(): step 1 of 1 is list [sendText("a")], not a step; pass '
                    "steps as separate arguments: Script(*steps)"
                ),
                (
                    "Script(): step 1 of 1 is Script Script(), not a step; splice "
                    "scripts with Script(*first, *second)"
                ),
                (
                    "Script(): step 1 of 1 is the function closeTCP, not a step; did you "
                    "mean closeTCP()?"
                ),
                "Script(): step 1 of 1 is int 5, not a step",
            ],
        )

    def test_handshakeFirst(self) -> None:
        """
        ``expectHandshake`` can only be first; ``reject`` first or right after
        it.
        """
        self.assertEqual(
            [
                _error(Script, sendText("a"), expectHandshake()),
                _error(Script, sendText("a"), reject(403)),
                _error(Script, expectHandshake(), sendText("a"), reject(403)),
            ],
            [
                (
                    "step 2 of 2 (expectHandshake): the handshake happens before "
                    "anything else, so expectHandshake() can only be the first step"
                ),
                (
                    "step 2 of 2 (reject): reject() refuses the handshake, so it must "
                    "be the first step, or come right after expectHandshake()"
                ),
                (
                    "step 3 of 3 (reject): reject() refuses the handshake, so it must "
                    "be the first step, or come right after expectHandshake()"
                ),
            ],
        )
        self.assertEqual(len(Script(expectHandshake(), reject(403))), 2)

    def test_nothingAfterTheEnd(self) -> None:
        """
        Nothing can follow ``closeTCP``, ``goSilent``, ``reject`` or ``expectClose``.
        """
        self.assertEqual(
            [
                _error(Script, closeTCP(), sendText("a")),
                _error(Script, goSilent(), wait(1)),
                _error(Script, reject(403), sendText("a")),
                _error(Script, expectClose(), sendText("a")),
                _error(Script, close(), expectClose(), closeTCP()),
            ],
            [
                (
                    "step 2 of 2 (sendText): nothing can follow step 1, closeTCP(), which "
                    "ends the connection"
                ),
                (
                    "step 2 of 2 (wait): nothing can follow step 1, goSilent(), after "
                    "which the peer does nothing"
                ),
                (
                    "step 2 of 2 (sendText): nothing can follow step 1, reject(403), "
                    "which ends the connection"
                ),
                (
                    "step 2 of 2 (sendText): nothing can follow step 1, expectClose(), "
                    "which ends the connection"
                ),
                (
                    "step 3 of 3 (closeTCP): nothing can follow step 2, expectClose(), "
                    "which ends the connection"
                ),
            ],
        )

    def test_afterClose(self) -> None:
        """
        After ``close`` only ``expectClose`` or ``closeTCP`` can follow.
        """
        self.assertEqual(
            [
                _error(Script, close(), sendText("a")),
                _error(Script, close(), close()),
            ],
            [
                (
                    "step 2 of 2 (sendText): after step 1, close(), the peer only "
                    "waits for the other side's close frame; only expectClose() or "
                    "closeTCP() can follow it"
                ),
                (
                    "step 2 of 2 (close): after step 1, close(), the peer only waits "
                    "for the other side's close frame; only expectClose() or closeTCP() "
                    "can follow it"
                ),
            ],
        )
        self.assertEqual(len(Script(close(4000), expectClose(4000))), 2)
        self.assertEqual(len(Script(close(), closeTCP())), 2)

    def test_checkRoleClient(self) -> None:
        """
        A client's script cannot reject, nor check a path or query in the
        server's response; headers and subprotocol are fine.
        """
        self.assertEqual(
            [
                _error(Script(reject(403)).checkRole, "client"),
                _error(Script(expectHandshake(path="/x")).checkRole, "client"),
                _error(Script(expectHandshake(query={"a": "1"})).checkRole, "client"),
            ],
            [
                (
                    "step 1 of 1 (reject): reject(403) refuses a client's handshake; "
                    "only a server peer can, and this script runs as a client"
                ),
                (
                    "step 1 of 1 (expectHandshake): a client peer checks the server's "
                    'response, which has no path; drop path= from expectHandshake(path="/x")'
                ),
                (
                    "step 1 of 1 (expectHandshake): a client peer checks the server's "
                    "response, which has no query; drop query= from "
                    'expectHandshake(query={"a": "1"})'
                ),
            ],
        )
        Script(
            expectHandshake(subprotocol="v1", headers={"X": ANY}), sendText("a")
        ).checkRole("client")

    def test_checkRoleServer(self) -> None:
        """
        A server's script may do all of it; an unknown role is refused.
        """
        Script(expectHandshake(path="/x", query={"a": "1"}), reject(403)).checkRole(
            "server"
        )
        self.assertEqual(
            _error(Script().checkRole, "peer"),
            'a script runs as "server" or "client", not \'peer\'',
        )


class DeprecatedNameTests(SynchronousTestCase):
    """
    The step names that were confused with ``Connection`` faults still work,
    warning with the new name.
    """

    def assertDeprecated(self, where: Callable[[], None], message: str) -> None:
        """
        Assert that one ``DeprecationWarning`` saying ``message`` was
        raised, pointing at the line in ``where`` that used the old name.
        """
        warnings = self.flushWarnings([where])
        self.assertEqual(
            [(w["category"], w["message"]) for w in warnings],
            [(DeprecationWarning, message)],
        )

    def test_dropIsCloseTCP(self) -> None:
        """
        ``drop()`` builds the ``closeTCP()`` step and warns that it is
        deprecated, naming ``closeTCP()``.
        """
        step = script.drop()
        self.assertEqual(step, closeTCP())
        self.assertDeprecated(
            self.test_dropIsCloseTCP, "drop() is deprecated; use closeTCP() instead"
        )

    def test_stallIsGoSilent(self) -> None:
        """
        ``stall()`` builds the ``goSilent()`` step and warns that it is
        deprecated, naming ``goSilent()``.
        """
        step = script.stall()
        self.assertEqual(step, goSilent())
        self.assertDeprecated(
            self.test_stallIsGoSilent, "stall() is deprecated; use goSilent() instead"
        )

    def test_oldClassNames(self) -> None:
        """
        ``Close``, ``Drop`` and ``Stall`` in ``twisted_wsfakes.script`` are
        ``CloseStep``, ``CloseTCP`` and ``GoSilent``, with a warning naming
        the new class.
        """
        for old, new in [
            ("Close", CloseStep),
            ("Drop", CloseTCP),
            ("Stall", GoSilent),
        ]:
            self.assertIs(getattr(script, old), new)
            self.assertDeprecated(
                self.test_oldClassNames,
                f"twisted_wsfakes.script.{old} is deprecated; use "
                f"twisted_wsfakes.script.{new.__name__} instead",
            )

    def test_unknownName(self) -> None:
        """
        Any other missing name of ``twisted_wsfakes.script`` is an
        ``AttributeError``, as usual.
        """
        self.assertRaises(AttributeError, getattr, script, "Nothing")

    def test_exported(self) -> None:
        """
        The deprecated functions still import from ``twisted_wsfakes``,
        outside its ``__all__``.
        """
        self.assertNotIn("drop", twisted_wsfakes.__all__)
        self.assertNotIn("stall", twisted_wsfakes.__all__)
        self.assertIs(twisted_wsfakes.drop, script.drop)
        self.assertIs(twisted_wsfakes.stall, script.stall)


class MessageTests(SynchronousTestCase):
    """
    ``Message``: what a reply function gets.
    """

    def test_text(self) -> None:
        """
        A text message has its text and its UTF-8 bytes.
        """
        message = Message.fromText("hé")
        self.assertEqual(
            (message.kind, message.text, message.data), ("text", "hé", b"h\xc3\xa9")
        )
        self.assertEqual(Message.fromFrame(b"h\xc3\xa9", False), message)
        self.assertEqual(repr(message), 'Message.fromText("hé")')

    def test_binary(self) -> None:
        """
        A binary message has its bytes and no text.
        """
        message = Message.fromBinary(b"\x00")
        self.assertEqual(
            (message.kind, message.text, message.data), ("binary", None, b"\x00")
        )
        self.assertEqual(Message.fromFrame(b"\x00", True), message)
        self.assertEqual(repr(message), "Message.fromBinary(b'\\x00')")

    def test_inconsistent(self) -> None:
        """
        Building a message whose fields disagree raises ``ValueError``.
        """
        self.assertRaises(ValueError, Message, "text", "a", b"b")
        self.assertRaises(ValueError, Message, "binary", "a", b"a")
        self.assertRaises(ValueError, Message, "ping", None, b"")

    def test_frozen(self) -> None:
        """
        A message cannot be changed.
        """
        message = Message.fromText("a")
        self.assertRaises(
            attrs.exceptions.FrozenInstanceError, setattr, message, "text", "b"
        )

    def test_json(self) -> None:
        """
        ``json()`` decodes the text.
        """
        self.assertEqual(Message.fromText('{"id": 7}').json(), {"id": 7})

    def test_jsonNotJSON(self) -> None:
        """
        ``json()`` on text that is not JSON raises ``NotJSONError`` saying
        why and showing the text.
        """
        error = self.assertRaises(NotJSONError, Message.fromText("hello").json)
        self.assertEqual(
            str(error),
            "this text message is not JSON (Expecting value: line 1 column 1 "
            '(char 0)): "hello"',
        )
        self.assertIsInstance(error, ValueError)

    def test_jsonStrict(self) -> None:
        """
        ``NaN`` and ``Infinity`` are not JSON, though Python's parser takes
        them.
        """
        error = self.assertRaises(NotJSONError, Message.fromText("[NaN]").json)
        self.assertEqual(
            str(error), 'this text message is not JSON (NaN is not JSON): "[NaN]"'
        )

    def test_jsonBinary(self) -> None:
        """
        ``json()`` on a binary message says to read ``data``.
        """
        error = self.assertRaises(NotJSONError, Message.fromBinary(b"{}").json)
        self.assertEqual(
            str(error),
            "this is a binary message (2 bytes), not JSON text; read message.data "
            "instead: b'{}'",
        )

    def test_jsonPreviewShortened(self) -> None:
        """
        A long text is shortened in the error.
        """
        error = self.assertRaises(NotJSONError, Message.fromText("x" * 500).json)
        self.assertTrue(str(error).endswith('"' + "x" * 199 + "..."))


class CheckTests(SynchronousTestCase):
    """
    The ``check`` methods a runner calls to compare what came with a step.
    """

    def test_expectText(self) -> None:
        """
        ``expectText`` matches the text and says when a binary message came.
        """
        step = expectText(regex("^he"))
        self.assertEqual(step.check(Message.fromText("hello")), [])
        self.assertEqual(
            step.check(Message.fromText("bye")),
            [Difference("$", 'regex("^he")', '"bye"')],
        )
        self.assertEqual(
            step.check(Message.fromBinary(b"hello")),
            [
                Difference(
                    "$",
                    "a text message",
                    "a binary message",
                    "expected a text message, got a binary one: b'hello'",
                )
            ],
        )

    def test_expectBinary(self) -> None:
        """
        ``expectBinary`` matches the payload and says when text came.
        """
        step = expectBinary(b"\x00")
        self.assertEqual(step.check(Message.fromBinary(b"\x00")), [])
        self.assertEqual(len(step.check(Message.fromBinary(b"\x01"))), 1)
        self.assertEqual(
            step.check(Message.fromText("a"))[0].why,
            'expected a binary message, got a text one: "a"',
        )

    def test_expectJSON(self) -> None:
        """
        ``expectJSON`` matches the decoded JSON field by field; text that is
        not JSON is one difference saying so.
        """
        step = expectJSON({"id": ANY, "op": "sub"})
        self.assertEqual(step.check(Message.fromText('{"id": 1, "op": "sub"}')), [])
        self.assertEqual(
            step.check(Message.fromText('{"op": "unsub"}')),
            [
                Difference("$.id", "ANY", "<missing>", "missing"),
                Difference("$.op", '"sub"', '"unsub"'),
            ],
        )
        self.assertEqual(
            step.check(Message.fromText("nope")),
            [
                Difference(
                    "$",
                    '{"id": ANY, "op": "sub"}',
                    '"nope"',
                    "this text message is not JSON (Expecting value: line 1 "
                    'column 1 (char 0)): "nope"',
                )
            ],
        )
        self.assertEqual(
            step.check(Message.fromBinary(b"{}"))[0].expected, "a text message"
        )

    def test_expectMessage(self) -> None:
        """
        ``expectMessage`` applies its pattern to decoded JSON, else the text,
        else the payload.
        """
        seen: list[object] = []

        def record(value: object) -> bool:
            seen.append(value)
            return True

        step = expectMessage(predicate(record))
        for message in [
            Message.fromText('{"a": 1}'),
            Message.fromText("plain"),
            Message.fromBinary(b"raw"),
        ]:
            self.assertEqual(step.check(message), [])
        self.assertEqual(seen, [{"a": 1}, "plain", b"raw"])

    def test_expectMessageTextThatIsJSON(self) -> None:
        """
        Text that happens to be JSON still matches a text pattern: "1"
        matches the message ``1``, and so does a regex for digits; a
        pattern that fits neither reading still differs.
        """
        one = Message.fromText("1")
        self.assertEqual(expectMessage("1").check(one), [])
        self.assertEqual(expectMessage(regex(r"^\d+$")).check(one), [])
        self.assertEqual(expectMessage(1).check(one), [])
        self.assertNotEqual(expectMessage("2").check(one), [])

    def test_reply(self) -> None:
        """
        ``reply`` without ``expect`` accepts anything; with one it checks as
        the matching expect step does, reading a bare pattern by its type.
        """
        self.assertEqual(reply(echoId).check(Message.fromBinary(b"x")), [])
        self.assertIsNone(reply(echoId).expectation)
        self.assertEqual(
            [
                reply(echoId, expect=e).expectation
                for e in ("a", b"a", ANY, {"a": 1}, 3)
            ],
            [
                expectText("a"),
                expectBinary(b"a"),
                expectMessage(ANY),
                expectJSON({"a": 1}),
                expectJSON(3),
            ],
        )
        step = reply(echoId, expect={"method": "ping"})
        self.assertEqual(step.check(Message.fromText('{"method": "ping"}')), [])
        self.assertEqual(len(step.check(Message.fromText('{"method": "pong"}'))), 1)
        self.assertEqual(
            reply(echoId, expect="a"), reply(echoId, expect=expectText("a"))
        )

    def test_replySendStep(self) -> None:
        """
        What a reply function returns becomes the step that sends it.
        """
        step = reply(echoId)
        self.assertEqual(
            [
                step.sendStepFor(r)
                for r in ("t", b"b", bytearray(b"c"), {"a": 1}, [1], 2, True, None)
            ],
            [
                sendText("t"),
                sendBinary(b"b"),
                sendBinary(b"c"),
                sendJSON({"a": 1}),
                sendJSON([1]),
                sendJSON(2),
                sendJSON(True),
                None,
            ],
        )
        self.assertEqual(
            step.sendStepFor(echoId(Message.fromText('{"id": 9}'))),
            sendJSON({"id": 9, "result": "ok"}),
        )

    def test_replySendStepErrors(self) -> None:
        """
        A result that cannot be sent raises ``ScriptError`` naming the reply.
        """
        step = reply(echoId)
        self.assertEqual(
            _error(step.sendStepFor, {1}),
            "reply(echoId): the function returned set {1}; return str (text), "
            "bytes (binary), a dict, list, number or bool (JSON), or None (send "
            "nothing)",
        )
        self.assertEqual(
            _error(step.sendStepFor, {"a": float("inf")}),
            "reply(echoId): the function's result cannot be sent: sendJSON(): "
            "$.a is inf, which JSON cannot represent (json.dumps would write "
            "Infinity, which no JSON parser accepts)",
        )

    def test_sendPayloads(self) -> None:
        """
        Send steps give the bytes to send and whether they go as binary.
        """
        self.assertEqual(
            [
                (s.payload, s.isBinary)
                for s in (sendText("é"), sendBinary(b"\x00"), sendJSON({"a": "é"}))
            ],
            [(b"\xc3\xa9", False), (b"\x00", True), (b'{"a": "\xc3\xa9"}', False)],
        )
        self.assertEqual(sendJSON(None).text, "null")

    def test_expectClose(self) -> None:
        """
        ``expectClose`` checks the code (1005 standing for none) and the
        reason.
        """
        self.assertEqual(expectClose().check(None, None), [])
        self.assertEqual(expectClose(1005).check(None, None), [])
        self.assertEqual(
            expectClose(1000).check(1001, "bye"), [Difference("code", "1000", "1001")]
        )
        self.assertEqual(
            expectClose(1000).check(None, None), [Difference("code", "1000", "1005")]
        )
        self.assertEqual(
            expectClose(reason=regex("^bye")).check(1000, "hi"),
            [Difference("reason", 'regex("^bye")', '"hi"')],
        )

    def test_checkRequest(self) -> None:
        """
        ``checkRequest`` checks the path, the query (once, repeated or
        absent), headers ignoring case, and the offered subprotocol.
        """
        step = expectHandshake(
            path="/ws",
            subprotocol="v2",
            headers={"Authorization": regex("^Bearer "), "Cookie": None},
            query={"token": ANY, "tag": ["a", "b"], "debug": None},
        )
        self.assertEqual(
            step.checkRequest(
                "/ws",
                {"token": ["t"], "tag": ["a", "b"]},
                {"authorization": "Bearer x"},
                ["v1", "v2"],
            ),
            [],
        )
        self.assertEqual(
            step.checkRequest(
                "/other",
                {"token": ["t", "u"], "tag": ["a"], "debug": ["1"]},
                {"AUTHORIZATION": "Basic x", "cookie": "c"},
                ["v1"],
            ),
            [
                Difference("path", '"/ws"', '"/other"'),
                Difference("query.token", "ANY", '["t", "u"]', "appears 2 times"),
                Difference(
                    "query.tag", '["a", "b"]', '["a"]', "expected 2 items, got 1"
                ),
                Difference(
                    "query.debug", "absent", '["1"]', "the parameter must be absent"
                ),
                Difference("headers.Authorization", 'regex("^Bearer ")', '"Basic x"'),
                Difference(
                    "headers.Cookie", "absent", '["c"]', "the header must be absent"
                ),
                Difference(
                    "subprotocol",
                    '"v2"',
                    '["v1"]',
                    'the client did not offer "v2"; it offered ["v1"]',
                ),
            ],
        )
        self.assertEqual(
            step.checkRequest(
                "/ws", {"tag": ["a", "b"]}, {"Authorization": "Bearer x"}, ["v2"]
            ),
            [Difference("query.token", "ANY", "missing", "missing")],
        )

    def test_checkResponse(self) -> None:
        """
        ``checkResponse`` checks headers and the selected subprotocol.
        """
        step = expectHandshake(subprotocol="v2", headers={"X-Server": "fake"})
        self.assertEqual(step.checkResponse({"x-server": "fake"}, "v2"), [])
        self.assertEqual(
            step.checkResponse({}, None),
            [
                Difference('headers["X-Server"]', '"fake"', "missing", "missing"),
                Difference("subprotocol", '"v2"', "null"),
            ],
        )


class PropertyTests(SynchronousTestCase):
    """
    Properties that hold for any JSON value.
    """

    @_settings
    @given(_json)
    def test_sentJSONMatchesItsOwnPattern(self, value: Any) -> None:
        """
        What ``sendJSON(v)`` sends decodes to ``v``, and ``expectJSON(v)``
        accepts it.
        """
        sent = sendJSON(value)
        message = Message.fromFrame(sent.payload, sent.isBinary)
        self.assertEqual(message.json(), value)
        self.assertEqual(expectJSON(value).check(message), [])

    @_settings
    @given(_json)
    def test_equalValuesEqualSteps(self, value: Any) -> None:
        """
        Two steps built from the same value are equal.
        """
        self.assertEqual(sendJSON(value), sendJSON(copy.deepcopy(value)))
        self.assertEqual(expectJSON(value), expectJSON(copy.deepcopy(value)))
