"""
Transcripts in files, as JSON Lines: `TranscriptWriter`, and the ``save``
and ``load`` that `Transcript.save` and `Transcript.load` call.  It imports
``events`` from the layer (never ``transcript``, which calls it), and
``errors`` from below it.

A file opens with a header line (``format``, ``version`` and the
transcript's metadata), then holds one event a line, binary payloads in
base64.  `TranscriptWriter` flushes each line as it is written, so a
recording that dies half way keeps every event so far.
"""

from __future__ import annotations

import base64
import binascii
import codecs
import contextlib
import json
import math
import os
import secrets
import stat
import sys
import warnings
from collections.abc import Iterable, Mapping
from types import TracebackType
from typing import (
    Any,
    NoReturn,
    Self,
)

import attrs

from ..errors import IncompleteTranscriptWarning, TranscriptError, TranscriptExists
from .events import (
    ENDS,
    KINDS,
    SENDERS,
    BinaryMessage,
    Close,
    ConnectionEnd,
    Event,
    IncompleteLine,
    Ping,
    Pong,
    RawData,
    Request,
    Response,
    TextMessage,
    toMetadata,
)

FORMAT = "twisted_wsfakes transcript"
"""
The ``format`` value in the header line of every transcript file.
"""

VERSION = 1
"""
The transcript file version this module writes and reads.
"""

# -- Files.


class TranscriptWriter:
    """
    Write a transcript file one event at a time, flushing every line.

    A recording that stops half way (the process killed, the test failing)
    leaves a file that loads with every event written so far::

        with TranscriptWriter("session.jsonl", {"url": url}) as writer:
            for event in events:
                writer.write(event)

    The file is JSON Lines in UTF-8.  The first line is the header,
    ``{"format": "twisted_wsfakes transcript", "version": 1}``, with a
    ``"metadata"`` object when there is metadata.  Then one event a line:
    ``time``, ``sender``, ``kind``, and the fields of that kind — bytes as
    ``"base64"``, text as ``"text"`` (``"base64"`` when it is not valid
    UTF-8), a close's ``"code"`` and ``"reason"`` (``"reasonBase64"`` when
    not valid UTF-8), ``"compressed": true`` when set, and a handshake's
    ``"method"``, ``"path"``, ``"status"``, ``"reason"`` and ``"headers"``
    (a list of ``[name, value]`` pairs)::

        {"time": 0.0, "sender": "client", "kind": "text", "text": "hello"}
        {"time": 0.5, "sender": "server", "kind": "binary", "base64": "AAE="}

    :param path: the file to create.
    :param metadata: strings for the header, such as ``{"url": ...}``.
    :param overwrite: replace ``path`` if it exists; by default an existing
        file is left alone and `TranscriptExists` raised, so a recording is
        never emptied by accident.
    :raises TranscriptExists: if ``path`` exists and ``overwrite`` is false.
    """

    def __init__(
        self,
        path: str | os.PathLike[str],
        metadata: Mapping[str, str] | None = None,
        *,
        overwrite: bool = False,
    ) -> None:
        header: dict[str, object] = {"format": FORMAT, "version": VERSION}
        if metadata:
            header["metadata"] = dict(toMetadata(metadata))
        self.path = os.fspath(path)
        try:
            # Open for the writer's whole life, not one block: it is the point.
            self._file = open(self.path, "wb" if overwrite else "xb")  # noqa: SIM115
        except FileExistsError:
            raise TranscriptExists(self.path) from None
        self._lastTime = -math.inf
        self._writeLine(header)

    def write(self, event: Event) -> None:
        """
        Append ``event`` and flush it to the file.

        :raises ValueError: if ``event`` is earlier than the one before it.
        """
        if not isinstance(event, Event):
            raise TypeError(f"not a transcript Event: {event!r}")
        if event.time < self._lastTime:
            raise ValueError(
                f"event at time {event.time!r} comes before the previous event's "
                f"time {self._lastTime!r}; events must be written in time order"
            )
        self._lastTime = event.time
        self._writeLine(_eventToJSON(event))

    def close(self) -> None:
        """
        Close the file.
        """
        self._file.close()

    def sync(self) -> None:
        """
        Make sure what was written is on the disk, not only in the
        operating system's cache.
        """
        os.fsync(self._file.fileno())

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self,
        excType: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.close()

    def _writeLine(self, value: Mapping[str, object]) -> None:
        line = json.dumps(value, ensure_ascii=False, allow_nan=False)
        self._file.write(line.encode("utf-8") + b"\n")
        self._file.flush()


@attrs.frozen
class FileContents:
    """
    What a transcript file holds, as `load` read it.

    :ivar events: the events, in file order.
    :ivar metadata: the header line's metadata.
    :ivar incomplete: the last line, if it was cut off.
    """

    events: tuple[Event, ...]
    metadata: Mapping[str, str]
    incomplete: IncompleteLine | None


def save(path: str, events: Iterable[Event], metadata: Mapping[str, str]) -> None:
    """
    Write ``events`` under a header holding ``metadata`` to ``path`` all at
    once: to a new file in the same directory, renamed over ``path`` when
    complete (see `Transcript.save`).
    """
    # Through a symbolic link, replace the file it points to, not the link.
    target = os.path.realpath(path)
    directory, name = os.path.split(target)
    temporary = os.path.join(directory, f".{name}.{secrets.token_hex(6)}.tmp")
    writer = TranscriptWriter(temporary, metadata)
    try:
        with writer:
            for event in events:
                writer.write(event)
            writer.sync()
        _keepMode(target, temporary)
        os.replace(temporary, target)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.remove(temporary)
        raise


def _keepMode(original: str, replacement: str) -> None:
    """
    Give ``replacement`` the permissions of ``original``, if it exists.
    """
    try:
        mode = os.stat(original).st_mode
    except FileNotFoundError:
        return
    os.chmod(replacement, stat.S_IMODE(mode))


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def _eventToJSON(event: Event) -> dict[str, object]:
    line: dict[str, object] = {
        "time": event.time,
        "sender": event.sender,
        "kind": event.kind,
    }
    if isinstance(event, Request):
        line.update(method=event.method, path=event.path)
        line["headers"] = [list(pair) for pair in event.headers]
    elif isinstance(event, Response):
        line.update(status=event.status, reason=event.reason)
        line["headers"] = [list(pair) for pair in event.headers]
    elif isinstance(event, (TextMessage, BinaryMessage)):
        if isinstance(event.data, str):
            line["text"] = event.data
        else:
            line["base64"] = _b64(event.data)
        if event.compressed:
            line["compressed"] = True
    elif isinstance(event, (Ping, Pong, RawData)):
        line["base64"] = _b64(event.data)
    elif isinstance(event, Close):
        line["code"] = event.code
        if isinstance(event.reason, str):
            line["reason"] = event.reason
        else:
            line["reasonBase64"] = _b64(event.reason)
    return line


def _typeName(value: object) -> str:
    """
    Describe a JSON value for an error message: scalars as JSON, containers
    by their type.
    """
    if isinstance(value, list):
        return "a list"
    if isinstance(value, dict):
        return "an object"
    return json.dumps(value, ensure_ascii=False)


class _Line:
    """
    One JSON object from a transcript file, read field by field.

    Every field read is checked off, so fields nobody reads are reported
    instead of silently dropped.
    """

    def __init__(self, path: str, number: int, value: dict[str, Any]) -> None:
        self.path = path
        self.number = number
        self.value = value
        self._unread = set(value)

    def fail(self, field: str | None, problem: str) -> NoReturn:
        raise TranscriptError(self.path, self.number, field, problem)

    def has(self, field: str) -> bool:
        return field in self.value

    def get(self, field: str, expected: str, types: tuple[type, ...]) -> Any:
        if field not in self.value:
            self.fail(field, "missing")
        self._unread.discard(field)
        value = self.value[field]
        # JSON true is a Python int too; it is not a number here.
        if (isinstance(value, bool) and bool not in types) or not isinstance(
            value, types
        ):
            self.fail(field, f"expected {expected}, got {_typeName(value)}")
        return value

    def string(self, field: str) -> str:
        value: str = self.get(field, "a string", (str,))
        self.unicode(field, value)
        return value

    def unicode(self, field: str, text: str) -> None:
        """
        Refuse text that UTF-8 cannot encode, so what loads can be saved:
        JSON's ``\\ud800`` escapes can spell half a surrogate pair.
        """
        if text.isascii():
            return
        try:
            text.encode("utf-8")
        except UnicodeEncodeError as e:
            self.fail(
                field,
                f"not valid Unicode: a lone surrogate U+{ord(text[e.start]):04X} "
                f"at character {e.start + 1}",
            )

    def integer(self, field: str, low: int, high: int) -> int:
        value: int = self.get(field, "an integer", (int,))
        if not low <= value <= high:
            self.fail(field, f"{value} is out of range ({low} to {high})")
        return value

    def binary(self, field: str) -> bytes:
        text = self.string(field)
        try:
            return base64.b64decode(text, validate=True)
        except (binascii.Error, ValueError) as e:
            self.fail(field, f"not valid base64 ({e})")

    def textOrBytes(self, textField: str, bytesField: str) -> str | bytes:
        if self.has(textField) == self.has(bytesField):
            self.fail(
                textField,
                f'needs exactly one of "{textField}" (text) or "{bytesField}" '
                "(base64 bytes)",
            )
        if self.has(textField):
            return self.string(textField)
        return self.binary(bytesField)

    def headers(self, field: str) -> tuple[tuple[str, str], ...]:
        pairs: list[Any] = self.get(field, "a list of [name, value] pairs", (list,))
        for index, pair in enumerate(pairs):
            if not (
                isinstance(pair, list)
                and len(pair) == 2
                and all(isinstance(part, str) for part in pair)
            ):
                self.fail(
                    f"{field}[{index}]",
                    f"expected a [name, value] pair of strings, got {_typeName(pair)}",
                )
            for part in pair:
                self.unicode(f"{field}[{index}]", part)
        return tuple((name, value) for name, value in pairs)

    def done(self) -> None:
        for field in sorted(self._unread):
            self.fail(field, "unexpected field")


def _readEvent(line: _Line, previousTime: float) -> Event:
    kind = line.string("kind")
    if kind not in KINDS:
        line.fail(
            "kind",
            f"unknown event kind {kind!r} (expected one of "
            f"{', '.join(repr(known) for known in KINDS)})",
        )
    raw = line.get("time", "a number", (int, float))
    try:
        time = float(raw)
    except OverflowError:
        line.fail("time", "expected a finite number, got an integer too large for one")
    if not math.isfinite(time):
        line.fail("time", f"expected a finite number, got {time!r}")
    if time < previousTime:
        line.fail(
            "time",
            f"time {time!r} is earlier than the previous event's time {previousTime!r}",
        )
    sender = line.get("sender", '"client", "server" or null', (str, type(None)))
    if sender not in SENDERS and not (sender is None and kind in ENDS):
        line.fail(
            "sender",
            f'expected "client" or "server"{" or null" if kind in ENDS else ""}, '
            f"got {_typeName(sender)}",
        )
    if kind in ("text", "binary") and line.has("compressed"):
        compressed: bool = line.get("compressed", "true or false", (bool,))
    else:
        compressed = False
    event: Event
    if kind == "request":
        event = Request(
            time,
            sender,
            line.string("method"),
            line.string("path"),
            line.headers("headers"),
        )
    elif kind == "response":
        event = Response(
            time,
            sender,
            line.integer("status", 100, 999),
            line.string("reason"),
            line.headers("headers"),
        )
    elif kind == "text":
        data = line.textOrBytes("text", "base64")
        if compressed and isinstance(data, str):
            line.fail("compressed", 'a compressed text message needs "base64"')
        event = TextMessage(time, sender, data, compressed)
    elif kind == "binary":
        event = BinaryMessage(time, sender, line.binary("base64"), compressed)
    elif kind == "ping":
        event = Ping(time, sender, line.binary("base64"))
    elif kind == "pong":
        event = Pong(time, sender, line.binary("base64"))
    elif kind == "data":
        event = RawData(time, sender, line.binary("base64"))
    elif kind == "close":
        code = None
        if line.get("code", "an integer or null", (int, type(None))) is not None:
            code = line.integer("code", 0, 0xFFFF)
        reason = line.textOrBytes("reason", "reasonBase64")
        if code is None and reason:
            line.fail("reason", "a close without a code cannot have a reason")
        event = Close(time, sender, code, reason)
    else:
        if kind == "dropped" and sender is not None:
            line.fail("sender", f"a dropped connection has no sender, got {sender!r}")
        event = ConnectionEnd(time, sender, kind)
    line.done()
    return event


def _readHeader(line: _Line) -> Mapping[str, str]:
    if line.value.get("format") != FORMAT:
        if "format" in line.value:
            line.fail(
                "format",
                f"not a twisted_wsfakes transcript: expected {json.dumps(FORMAT)}, got "
                f"{_typeName(line.value['format'])}",
            )
        line.fail(
            None,
            "missing header: a transcript file starts with the line "
            f'{{"format": "{FORMAT}", "version": {VERSION}}}',
        )
    line.string("format")
    version = line.get("version", "an integer", (int,))
    if version != VERSION:
        line.fail(
            "version",
            f"unsupported version {version} (this twisted_wsfakes reads version "
            f"{VERSION})",
        )
    metadata: dict[str, str] = {}
    if line.has("metadata"):
        values = line.get("metadata", "an object", (dict,))
        for key, value in values.items():
            if not isinstance(value, str):
                line.fail(
                    f"metadata.{key}", f"expected a string, got {_typeName(value)}"
                )
            line.unicode(f"metadata.{key}", key)
            line.unicode(f"metadata.{key}", value)
            metadata[key] = value
    line.done()
    return metadata


def _noDuplicates(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    value = {}
    for key, item in pairs:
        if key in value:
            raise _DuplicateField(key)
        value[key] = item
    return value


class _DuplicateField(Exception):
    pass


# One decoder for every line: json.loads with a hook would build one a line.
_JSON = json.JSONDecoder(object_pairs_hook=_noDuplicates)


def _decode(path: str, number: int, raw: bytes, final: bool) -> str:
    """
    Decode one line as UTF-8; unless ``final``, a character cut off at its
    end is left out instead of refused.
    """
    try:
        if final:
            return raw.decode("utf-8")
        return codecs.getincrementaldecoder("utf-8")().decode(raw, final)
    except UnicodeDecodeError as e:
        raise TranscriptError(
            path,
            number,
            None,
            f"not UTF-8 text (byte {raw[e.start]:#04x} at column {e.start + 1})",
        ) from None


def _parse(path: str, number: int, text: str) -> dict[str, Any]:
    """
    Parse one line as a JSON object.

    :raises json.JSONDecodeError: if it is not JSON, for the caller to
        report, as it depends on where the line is.
    """
    try:
        value = _JSON.decode(text)
    except _DuplicateField as e:
        raise TranscriptError(path, number, str(e), "appears twice") from None
    except RecursionError:
        raise TranscriptError(
            path, number, None, "not readable: JSON nested too deeply"
        ) from None
    except json.JSONDecodeError:
        raise
    except ValueError:
        # Python refuses to read integers of thousands of digits.
        raise TranscriptError(
            path,
            number,
            None,
            "not readable: an integer of more than "
            f"{sys.get_int_max_str_digits():,} digits",
        ) from None
    if not isinstance(value, dict):
        raise TranscriptError(
            path, number, None, f"expected a JSON object, got {_typeName(value)}"
        )
    return value


def _notJSON(
    path: str, number: int, error: json.JSONDecodeError, why: str
) -> TranscriptError:
    return TranscriptError(
        path, number, None, f"not valid JSON ({error.msg}, column {error.colno}){why}"
    )


class _Reader:
    """
    Builds a transcript from a file's lines, header first.
    """

    def __init__(self, path: str) -> None:
        self.path = path
        self.metadata: Mapping[str, str] | None = None
        self.events: list[Event] = []
        self._previousTime = -math.inf

    def readLine(self, number: int, raw: bytes) -> None:
        text = _decode(self.path, number, raw, final=True)
        try:
            value = _parse(self.path, number, text)
        except json.JSONDecodeError as e:
            raise _notJSON(self.path, number, e, "") from None
        self._take(_Line(self.path, number, value))

    def readLastLine(self, number: int, raw: bytes) -> IncompleteLine | None:
        """
        Read the bytes after the file's last newline: a whole line loads as
        any other; a line cut off is given back, unless it is the header.
        """
        text = _decode(self.path, number, raw, final=False)
        try:
            value = _parse(self.path, number, text)
        except json.JSONDecodeError as e:
            # A whole object with more after it is damage, not a cut.
            if e.msg == "Extra data":
                raise _notJSON(self.path, number, e, "") from None
            if self.metadata is None:
                raise _notJSON(self.path, number, e, _CUT_HEADER) from None
            return IncompleteLine(number, raw)
        # A whole object followed by part of a character is damage too.
        _decode(self.path, number, raw, final=True)
        self._take(_Line(self.path, number, value))
        return None

    def _take(self, line: _Line) -> None:
        if self.metadata is None:
            self.metadata = _readHeader(line)
            return
        event = _readEvent(line, self._previousTime)
        self._previousTime = event.time
        self.events.append(event)


_CUT_HEADER = (
    "; the file ends in the middle of its header line, as if the recording "
    "stopped while writing it: it holds no events"
)


def load(path: str) -> FileContents:
    """
    Read the transcript file at ``path`` (see `Transcript.load`).
    """
    with open(path, "rb") as file:
        content = file.read()
    lines = content.split(b"\n")
    # After the last newline: nothing, unless the writer was cut off.
    last = lines.pop()
    reader = _Reader(path)
    for number, raw in enumerate(lines, 1):
        if raw.strip():
            reader.readLine(number, raw)
    incomplete = None
    if last.strip():
        incomplete = reader.readLastLine(len(lines) + 1, last)
    if reader.metadata is None:
        raise TranscriptError(path, 1, None, "missing header: the file is empty")
    if incomplete is not None:
        warnings.warn(
            IncompleteTranscriptWarning(
                f"{path}, line {incomplete.line}: the file ends in the middle of "
                "this line, as if the recording stopped while writing it; loaded "
                f"the {len(reader.events)} events before it (the cut line's "
                f"{len(incomplete.data)} bytes are in the transcript's "
                "incomplete attribute)"
            ),
            stacklevel=3,
        )
    return FileContents(tuple(reader.events), reader.metadata, incomplete)
