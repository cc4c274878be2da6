"""
Matching what arrives against what a step expects: a message against a
text, binary, JSON or any-kind pattern, a handshake against expected
path, query, headers and subprotocol, a close frame against an expected
code and reason.  Each returns the `Difference` values found, empty when
it matches; the steps' ``check`` methods are these.

It may import `twisted_wsfakes.differences`, `twisted_wsfakes.errors`,
`twisted_wsfakes.matchers`, `.message` and `.render`.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from ..differences import Difference, childPath, renderJSON
from ..errors import NotJSONError
from ..matchers import matchValue
from .message import Message
from .render import preview


def textMessage(pattern: object, message: Message) -> list[Difference]:
    """
    A text message whose text matches ``pattern``.
    """
    if message.text is None:
        return _wrongKind("text", message)
    return matchValue(pattern, message.text)


def binaryMessage(pattern: object, message: Message) -> list[Difference]:
    """
    A binary message whose payload matches ``pattern``.
    """
    if message.kind != "binary":
        return _wrongKind("binary", message)
    return matchValue(pattern, message.data)


def jsonMessage(pattern: object, message: Message) -> list[Difference]:
    """
    A text message holding JSON that matches ``pattern``.
    """
    if message.text is None:
        return _wrongKind("text", message)
    try:
        value = message.json()
    except NotJSONError as e:
        return [Difference("$", renderJSON(pattern), preview(message.text), str(e))]
    return matchValue(pattern, value)


def anyMessage(pattern: object, message: Message) -> list[Difference]:
    """
    A message of either kind: the JSON of a text message that parses, else
    its text, or the payload of a binary one, matches ``pattern``.
    """
    if message.text is None:
        return matchValue(pattern, message.data)
    try:
        value = message.json()
    except NotJSONError:
        return matchValue(pattern, message.text)
    differences = matchValue(pattern, value)
    # Text that happens to be JSON ("1", "true") still matches as text.
    if differences and not matchValue(pattern, message.text):
        return []
    return differences


def closeFrame(
    wantedCode: int | None, reasonPattern: object, code: int | None, reason: str | None
) -> list[Difference]:
    """
    A received close frame (``code`` ``None`` or 1005 when it had none,
    ``reason`` ``None`` read as ``""``) against the code wanted (``None``
    for any) and a pattern for the reason (``None`` for any).
    """
    differences = []
    received = 1005 if code is None else code
    if wantedCode is not None and received != wantedCode:
        differences.append(Difference("code", str(wantedCode), str(received)))
    if reasonPattern is not None:
        differences += matchValue(reasonPattern, reason or "", "reason")
    return differences


def query(
    patterns: Mapping[str, object] | None, query: Mapping[str, Sequence[str]]
) -> list[Difference]:
    """
    Query parameters against their patterns: a list of patterns for every
    value of a repeated parameter, else one that must appear once (or be
    absent, for ``None``).
    """
    differences: list[Difference] = []
    for key, pattern in (patterns or {}).items():
        where = childPath("query", key)
        values = list(query.get(key, []))
        if isinstance(pattern, list):
            differences += matchValue(pattern, values, where)
        else:
            differences += _once(pattern, values, where, "parameter")
    return differences


def headers(
    patterns: Mapping[str, object] | None, headers: Mapping[str, str]
) -> list[Difference]:
    """
    Headers, names in any case, against patterns for those that must
    appear once (or be absent, for ``None``).
    """
    byName = {name.lower(): value for name, value in headers.items()}
    differences: list[Difference] = []
    for name, pattern in (patterns or {}).items():
        values = [byName[name.lower()]] if name.lower() in byName else []
        differences += _once(pattern, values, childPath("headers", name), "header")
    return differences


def offered(subprotocol: str | None, subprotocols: Sequence[str]) -> list[Difference]:
    """
    The subprotocol a server selects among those the client offered.
    """
    offered = list(subprotocols)
    if subprotocol is None or subprotocol in offered:
        return []
    return [
        Difference(
            "subprotocol",
            renderJSON(subprotocol),
            renderJSON(offered),
            f"the client did not offer {renderJSON(subprotocol)}; "
            f"it offered {renderJSON(offered)}",
        )
    ]


def _once(
    pattern: object, values: list[str], where: str, what: str
) -> list[Difference]:
    """
    Check a header or query parameter that must be absent (``pattern`` is
    ``None``) or appear exactly once with a matching value.
    """
    if pattern is None:
        if not values:
            return []
        return [
            Difference(
                where, "absent", renderJSON(values), f"the {what} must be absent"
            )
        ]
    if len(values) != 1:
        got = renderJSON(values) if values else "missing"
        why = "missing" if not values else f"appears {len(values)} times"
        return [Difference(where, renderJSON(pattern), got, why)]
    return matchValue(pattern, values[0], where)


def _wrongKind(wanted: str, message: Message) -> list[Difference]:
    got = message.text if message.text is not None else message.data
    return [
        Difference(
            "$",
            f"a {wanted} message",
            f"a {message.kind} message",
            f"expected a {wanted} message, got a {message.kind} one: {preview(got)}",
        )
    ]
