"""
Tests for twisted_wsfakes.transcript.files: transcripts in JSON Lines files.
"""

from __future__ import annotations

import json
import os
import stat
import warnings
from typing import ClassVar

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from twisted.trial.unittest import SynchronousTestCase

from twisted_wsfakes.errors import (
    IncompleteTranscriptWarning,
    TranscriptError,
    TranscriptExists,
    WsFakesError,
)
from twisted_wsfakes.transcript import (
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
    Transcript,
    TranscriptWriter,
    files,
)

from .test_matchers import _json
from .test_wire import _ACCEPT, _UPGRADE


def _allKinds() -> Transcript:
    return Transcript(
        [
            Request(0, "client", "GET", "/v1?x=1", _UPGRADE),
            Response(0, "server", 101, "Switching Protocols", _ACCEPT),
            TextMessage(0.1, "client", "héllo ✓"),
            TextMessage(0.2, "server", b"\xff\xfe"),
            TextMessage(0.2, "server", b"\x78\x9c", compressed=True),
            BinaryMessage(0.3, "server", bytes(range(256))),
            BinaryMessage(0.3, "client", b"\x01", compressed=True),
            Ping(1 / 3, "server", b"p"),
            Pong(1 / 3, "client", b"p"),
            Close(2, "client", 1000, "bye"),
            Close(2, "server", 4000, b"\xc3"),
            Close(2, "server"),
            RawData(3, "client", b"\x00trailing"),
            ConnectionEnd(4, "server", "closed"),
            ConnectionEnd(4, "client", "aborted"),
            ConnectionEnd(4, None, "dropped"),
        ],
        metadata={"url": "wss://feed.example/v1", "note": "ünïcode"},
    )


class FileTests(SynchronousTestCase):
    """
    Transcripts save and load as JSON Lines.
    """

    def test_roundTrip(self) -> None:
        """
        Every kind of event, and the metadata, load back equal.
        """
        path = self.mktemp()
        transcript = _allKinds()
        transcript.save(path)
        self.assertEqual(Transcript.load(path), transcript)

    def test_format(self) -> None:
        """
        The file is a header line, then one JSON object per event, bytes as
        base64 and text as text.
        """
        path = self.mktemp()
        Transcript(
            [
                TextMessage(0, "client", "hi"),
                BinaryMessage(0.5, "server", b"\x00\x01"),
                ConnectionEnd(1, None, "dropped"),
            ],
            metadata={"url": "ws://x/"},
        ).save(path)
        with open(path, encoding="utf-8") as file:
            lines = [json.loads(line) for line in file]
        self.assertEqual(
            lines,
            [
                {
                    "format": "twisted_wsfakes transcript",
                    "version": 1,
                    "metadata": {"url": "ws://x/"},
                },
                {"time": 0.0, "sender": "client", "kind": "text", "text": "hi"},
                {"time": 0.5, "sender": "server", "kind": "binary", "base64": "AAE="},
                {"time": 1.0, "sender": None, "kind": "dropped"},
            ],
        )

    def test_writerStoppedHalfWay(self) -> None:
        """
        A writer that stops after some events, never closed, leaves a file
        that loads with those events.
        """
        path = self.mktemp()
        writer = TranscriptWriter(path, {"url": "ws://x/"})
        self.addCleanup(writer.close)
        events = _allKinds().events
        for event in events[:5]:
            writer.write(event)
        self.assertEqual(
            Transcript.load(path),
            Transcript(events[:5], metadata={"url": "ws://x/"}),
        )

    def test_writerTimeOrder(self) -> None:
        """
        The writer refuses an event earlier than the one before it.
        """
        with TranscriptWriter(self.mktemp()) as writer:
            writer.write(Ping(2, "client"))
            self.assertRaises(ValueError, writer.write, Ping(1, "client"))

    def _load(
        self, *lines: str | dict[str, object], end: str = "\n"
    ) -> TranscriptError:
        """
        Load a file of ``lines`` (objects are dumped as JSON) and return the
        error it raises.
        """
        path = self.mktemp()
        text = "\n".join(
            line if isinstance(line, str) else json.dumps(line) for line in lines
        )
        with open(path, "w", encoding="utf-8") as file:
            file.write(text + end if lines else "")
        error: TranscriptError = self.assertRaises(
            TranscriptError, Transcript.load, path
        )
        self.assertEqual(error.path, path)
        self.assertIsInstance(error, WsFakesError)
        self.assertIsInstance(error, ValueError)
        return error

    def _loadBytes(self, after: bytes) -> TranscriptError:
        """
        Load a file of a header line then ``after``, and return the error it
        raises.
        """
        path = self.mktemp()
        with open(path, "wb") as file:
            file.write(json.dumps(self._HEADER).encode() + b"\n" + after)
        error: TranscriptError = self.assertRaises(
            TranscriptError, Transcript.load, path
        )
        return error

    _HEADER: ClassVar[dict[str, object]] = {
        "format": "twisted_wsfakes transcript",
        "version": 1,
    }
    _PING: ClassVar[dict[str, object]] = {
        "time": 1.0,
        "sender": "client",
        "kind": "ping",
        "base64": "",
    }

    def _assertError(
        self, error: TranscriptError, line: int, field: str | None, message: str
    ) -> None:
        self.assertEqual((error.line, error.field), (line, field))
        where = f"{error.path}, line {line}"
        if field is not None:
            where += f', field "{field}"'
        self.assertEqual(str(error), where + message)

    def test_badJSON(self) -> None:
        """
        A line that is not JSON is reported with its line.
        """
        error = self._load(self._HEADER, self._PING, '{"time": 1,')
        self._assertError(
            error,
            3,
            None,
            ": not valid JSON (Expecting property name enclosed in double quotes, "
            "column 12)",
        )

    def test_headerCutShort(self) -> None:
        """
        A file cut off in the middle of its header line has nothing to load,
        and says what probably happened.
        """
        error = self._load('{"format": "twisted_wsf', end="")
        self._assertError(
            error,
            1,
            None,
            ": not valid JSON (Unterminated string starting at, column 12); the "
            "file ends in the middle of its header line, as if the recording "
            "stopped while writing it: it holds no events",
        )

    def test_damageAfterWholeLastLine(self) -> None:
        """
        A last line without a newline that holds a whole object and more is
        damaged, not cut off: it is refused.
        """
        error = self._load(self._HEADER, json.dumps(self._PING) + "x", end="")
        self.assertEqual((error.line, error.field), (2, None))
        self.assertIn("Extra data", error.problem)
        error = self._loadBytes(json.dumps(self._PING).encode() + b"\xe2\x9c")
        column = len(json.dumps(self._PING)) + 1
        self.assertEqual(
            (error.line, error.problem),
            (2, f"not UTF-8 text (byte 0xe2 at column {column})"),
        )

    def test_badByteInCutLine(self) -> None:
        """
        A cut-off last line with a byte that is not UTF-8 before the cut is
        damaged, and refused.
        """
        error = self._loadBytes(b'{"kind": "\xff')
        self.assertEqual(
            str(error), f"{error.path}, line 2: not UTF-8 text (byte 0xff at column 11)"
        )

    def test_lastLineWithoutNewline(self) -> None:
        """
        A whole last line without a newline after it (as an editor may save
        it) loads, with no warning; damage in it is still reported.
        """
        path = self.mktemp()
        with open(path, "w", encoding="utf-8") as file:
            file.write(json.dumps(self._HEADER) + "\n" + json.dumps(self._PING))
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            transcript = Transcript.load(path)
        self.assertEqual(caught, [])
        self.assertEqual(transcript, Transcript([Ping(1, "client")]))
        self.assertIsNone(transcript.incomplete)
        self._assertError(
            self._load(self._HEADER, {**self._PING, "colour": "red"}, end=""),
            2,
            "colour",
            ": unexpected field",
        )

    def test_empty(self) -> None:
        """
        An empty file has no header.
        """
        self._assertError(self._load(), 1, None, ": missing header: the file is empty")

    def test_missingHeader(self) -> None:
        """
        A file that starts with an event has no header.
        """
        self._assertError(
            self._load(self._PING),
            1,
            None,
            ": missing header: a transcript file starts with the line "
            '{"format": "twisted_wsfakes transcript", "version": 1}',
        )

    def test_wrongFormat(self) -> None:
        """
        A header for another format is refused.
        """
        self._assertError(
            self._load({"format": "har", "version": 1}),
            1,
            "format",
            ': not a twisted_wsfakes transcript: expected "twisted_wsfakes '
            'transcript", got "har"',
        )

    def test_wrongVersion(self) -> None:
        """
        A version this code does not read is refused.
        """
        self._assertError(
            self._load({**self._HEADER, "version": 2}),
            1,
            "version",
            ": unsupported version 2 (this twisted_wsfakes reads version 1)",
        )

    def test_badMetadata(self) -> None:
        """
        Metadata values must be strings.
        """
        self._assertError(
            self._load({**self._HEADER, "metadata": {"port": 80}}),
            1,
            "metadata.port",
            ": expected a string, got 80",
        )

    def test_unknownKind(self) -> None:
        """
        An unknown kind is named, with the known ones.
        """
        self._assertError(
            self._load(self._HEADER, self._PING, {**self._PING, "kind": "txt"}),
            3,
            "kind",
            ": unknown event kind 'txt' (expected one of 'request', 'response', "
            "'text', 'binary', 'ping', 'pong', 'close', 'closed', 'aborted', "
            "'dropped', 'data')",
        )

    def test_missingField(self) -> None:
        """
        A missing field is named.
        """
        self._assertError(
            self._load(self._HEADER, {"time": 1, "sender": "server", "kind": "binary"}),
            2,
            "base64",
            ": missing",
        )

    def test_illTyped(self) -> None:
        """
        A field of the wrong type is named, with what it held; ``true`` is
        not a number.
        """
        self._assertError(
            self._load(self._HEADER, {**self._PING, "time": "soon"}),
            2,
            "time",
            ': expected a number, got "soon"',
        )
        self._assertError(
            self._load(self._HEADER, {**self._PING, "time": True}),
            2,
            "time",
            ": expected a number, got true",
        )
        self._assertError(
            self._load(
                self._HEADER, '{"time": NaN, "sender": "client", "kind": "ping"}'
            ),
            2,
            "time",
            ": expected a finite number, got nan",
        )
        self._assertError(
            self._load(
                self._HEADER,
                {
                    "time": 0,
                    "sender": "client",
                    "kind": "text",
                    "text": "x",
                    "compressed": True,
                },
            ),
            2,
            "compressed",
            ': a compressed text message needs "base64"',
        )
        self._assertError(
            self._load(
                self._HEADER,
                {
                    "time": 0,
                    "sender": "client",
                    "kind": "text",
                    "text": "x",
                    "compressed": 1,
                },
            ),
            2,
            "compressed",
            ": expected true or false, got 1",
        )
        self._assertError(
            self._load(
                self._HEADER,
                {
                    "time": 0,
                    "sender": "client",
                    "kind": "request",
                    "method": "GET",
                    "path": "/",
                    "headers": [["Host"]],
                },
            ),
            2,
            "headers[0]",
            ": expected a [name, value] pair of strings, got a list",
        )

    def test_badSender(self) -> None:
        """
        Only a connection end may have no sender, and a drop must not have
        one.
        """
        self._assertError(
            self._load(self._HEADER, {**self._PING, "sender": None}),
            2,
            "sender",
            ': expected "client" or "server", got null',
        )
        self._assertError(
            self._load(
                self._HEADER, {"time": 0, "sender": "client", "kind": "dropped"}
            ),
            2,
            "sender",
            ": a dropped connection has no sender, got 'client'",
        )

    def test_badBase64(self) -> None:
        """
        Base64 that does not decode is refused.
        """
        error = self._load(self._HEADER, {**self._PING, "base64": "a!"})
        self.assertEqual((error.line, error.field), (2, "base64"))
        self.assertTrue(
            str(error).startswith(
                f'{error.path}, line 2, field "base64": not valid base64 ('
            )
        )

    def test_timeBackwards(self) -> None:
        """
        An event earlier than the one before it is refused.
        """
        self._assertError(
            self._load(self._HEADER, self._PING, {**self._PING, "time": 0.5}),
            3,
            "time",
            ": time 0.5 is earlier than the previous event's time 1.0",
        )

    def test_hugeTime(self) -> None:
        """
        A time too large for a float is a TranscriptError, not an
        OverflowError.
        """
        self._assertError(
            self._load(self._HEADER, {**self._PING, "time": 10**400}),
            2,
            "time",
            ": expected a finite number, got an integer too large for one",
        )

    def test_unsavableStatusRefused(self) -> None:
        """
        A Response whose status no file could hold is refused when built,
        so everything that saves also loads.
        """
        self.assertRaises(ValueError, Response, 0, "server", 1000)
        self.assertRaises(TypeError, Response, 0, "server", True)

    def test_unsavableTextRefused(self) -> None:
        """
        Text UTF-8 cannot encode (a lone surrogate) is refused when an event
        or a transcript is built, wherever it is, so what exists can be
        saved.
        """
        bad = "\ud800"
        self.assertRaises(ValueError, Request, 0, "client", "GET", "/" + bad)
        self.assertRaises(ValueError, Request, 0, "client", bad, "/")
        self.assertRaises(ValueError, Request, 0, "client", "GET", "/", [("X", bad)])
        self.assertRaises(ValueError, Response, 0, "server", 400, bad)
        self.assertRaises(ValueError, TextMessage, 0, "server", bad)
        self.assertRaises(ValueError, Close, 0, "server", 1000, bad)
        self.assertRaises(ValueError, Transcript, [], metadata={"url": bad})
        self.assertRaises(ValueError, Transcript, [], metadata={bad: "x"})

    def test_unexpectedField(self) -> None:
        """
        A field this kind does not have is reported, not dropped.
        """
        self._assertError(
            self._load(self._HEADER, {**self._PING, "colour": "red"}),
            2,
            "colour",
            ": unexpected field",
        )

    def test_messagesEscaped(self) -> None:
        """
        What an error quotes from the file (a field's name, a value) shows
        with control characters escaped: a file cannot write escape
        sequences or extra lines to the terminal through an error.
        """
        error = self._load(self._HEADER, {**self._PING, "a\n✗ \x1b[2J": 1})
        self.assertEqual(error.field, "a\n✗ \x1b[2J")
        self.assertEqual(
            str(error),
            f'{error.path}, line 2, field "a\\n✗ \\x1b[2J": unexpected field',
        )
        error = self._load(self._HEADER, {**self._PING, "sender": "\x1b[2J\u202e"})
        self.assertEqual(
            str(error),
            f'{error.path}, line 2, field "sender": expected "client" or "server", '
            'got "\\u001b[2J\\u202e"',
        )

    def test_loadedPathRendersEscaped(self) -> None:
        """
        A request path read from a file, holding a newline and an escape
        sequence, renders escaped.
        """
        path = self.mktemp()
        with open(path, "w", encoding="utf-8") as file:
            file.write(json.dumps(self._HEADER) + "\n")
            request = {
                "time": 0,
                "sender": "client",
                "kind": "request",
                "method": "GET",
                "path": "/x\n✗ step 1\x1b[2J",
                "headers": [],
            }
            file.write(json.dumps(request) + "\n")
        self.assertEqual(
            Transcript.load(path).render(),
            "  0.000  client → server  request GET /x\\n✗ step 1\\x1b[2J",
        )

    def test_duplicateField(self) -> None:
        """
        A field given twice is reported, not silently overwritten.
        """
        self._assertError(
            self._load(self._HEADER, '{"time": 1, "time": 2}'),
            2,
            "time",
            ": appears twice",
        )

    def test_textAndBytes(self) -> None:
        """
        A text event has its text, or its bytes, not both and not neither.
        """
        self._assertError(
            self._load(
                self._HEADER,
                {
                    "time": 0,
                    "sender": "client",
                    "kind": "text",
                    "text": "a",
                    "base64": "",
                },
            ),
            2,
            "text",
            ': needs exactly one of "text" (text) or "base64" (base64 bytes)',
        )

    def test_closeReasonWithoutCode(self) -> None:
        """
        A close with no code has no reason.
        """
        self._assertError(
            self._load(
                self._HEADER,
                {
                    "time": 0,
                    "sender": "client",
                    "kind": "close",
                    "code": None,
                    "reason": "x",
                },
            ),
            2,
            "reason",
            ": a close without a code cannot have a reason",
        )

    def test_notAnObject(self) -> None:
        """
        Each line is a JSON object.
        """
        self._assertError(
            self._load(self._HEADER, "[1, 2]"),
            2,
            None,
            ": expected a JSON object, got a list",
        )

    def test_notUTF8(self) -> None:
        """
        A line that is not UTF-8 is reported with the bad byte.
        """
        error = self._loadBytes(b'{"\xff"}\n')
        self.assertEqual(
            str(error), f"{error.path}, line 2: not UTF-8 text (byte 0xff at column 3)"
        )

    def test_blankLines(self) -> None:
        """
        Blank lines hold nothing and are skipped.
        """
        path = self.mktemp()
        with open(path, "w", encoding="utf-8") as file:
            file.write(
                "\n".join(
                    ["", json.dumps(self._HEADER), "", json.dumps(self._PING), "", ""]
                )
            )
        self.assertEqual(Transcript.load(path), Transcript([Ping(1, "client")]))


class CutShortTests(SynchronousTestCase):
    """
    A file whose last line was cut off loads every line before the cut.
    """

    def _loadCut(
        self, content: bytes, path: str | None = None
    ) -> tuple[Transcript, list[warnings.WarningMessage]]:
        """
        Write ``content`` to a file and load it, catching every warning.
        """
        path = path or self.mktemp()
        with open(path, "wb") as file:
            file.write(content)
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            transcript = Transcript.load(path)
        return transcript, caught

    def test_cutLineKept(self) -> None:
        """
        The events before the cut load, the cut line's bytes and number are
        kept in ``incomplete``, and one warning names the file and line.
        """
        path = self.mktemp()
        transcript = _allKinds()
        transcript.save(path)
        with open(path, "rb") as file:
            content = file.read()
        # In the middle of the three bytes of "✓".
        cut = content[: content.index("✓".encode()) + 1]
        cutLine = cut.split(b"\n")[-1]
        loaded, caught = self._loadCut(cut, path)
        self.assertEqual(
            loaded, Transcript(transcript.events[:2], metadata=transcript.metadata)
        )
        self.assertEqual(loaded.incomplete, IncompleteLine(4, cutLine))
        message = (
            f"{path}, line 4: the file ends in the middle of this line, as if the "
            "recording stopped while writing it; loaded the 2 events before it "
            f"(the cut line's {len(cutLine)} bytes are in the transcript's "
            "incomplete attribute)"
        )
        self.assertEqual(
            [(w.category, str(w.message)) for w in caught],
            [(IncompleteTranscriptWarning, message)],
        )

    def test_everyCutPoint(self) -> None:
        """
        Cut anywhere after the header, byte by byte (inside multibyte
        characters too), a file loads every whole line before the cut and
        warns once when a line was cut; cut inside the header it is refused.
        """
        path = self.mktemp()
        transcript = _allKinds()
        transcript.save(path)
        with open(path, "rb") as file:
            content = file.read()
        headerEnd = content.index(b"\n")
        for size in range(len(content) + 1):
            cut = content[:size]
            if size < headerEnd:
                self.assertRaises(TranscriptError, self._loadCut, cut, path)
                continue
            loaded, caught = self._loadCut(cut, path)
            whole = cut.count(b"\n") - 1
            lineEnds = size == len(content) or content[size] == 10
            if lineEnds and not cut.endswith(b"\n"):
                whole += 1
            self.assertEqual(loaded.events, transcript.events[:whole], size)
            self.assertEqual(loaded.metadata, transcript.metadata)
            cutOff = not lineEnds and not cut.endswith(b"\n")
            self.assertEqual(len(caught), int(cutOff), size)
            self.assertEqual(loaded.incomplete is not None, cutOff, size)


class WriterOverwriteTests(SynchronousTestCase):
    """
    A TranscriptWriter never empties an existing file unless told to.
    """

    def test_refusesExistingFile(self) -> None:
        """
        Writing to an existing file raises TranscriptExists naming it, and
        leaves the file as it was.
        """
        path = self.mktemp()
        with open(path, "wb") as file:
            file.write(b"recorded")
        error = self.assertRaises(TranscriptExists, TranscriptWriter, path)
        self.assertIsInstance(error, WsFakesError)
        self.assertIsInstance(error, FileExistsError)
        self.assertEqual(error.path, path)
        self.assertEqual(
            str(error),
            f"{path} already exists: a TranscriptWriter does not replace a file "
            "unless given overwrite=True",
        )
        with open(path, "rb") as file:
            self.assertEqual(file.read(), b"recorded")

    def test_overwriteReplaces(self) -> None:
        """
        With ``overwrite=True`` the writer replaces an existing file.
        """
        path = self.mktemp()
        with open(path, "wb") as file:
            file.write(b"recorded")
        with TranscriptWriter(path, overwrite=True) as writer:
            writer.write(Ping(1, "client"))
        self.assertEqual(Transcript.load(path), Transcript([Ping(1, "client")]))


class AtomicSaveTests(SynchronousTestCase):
    """
    Transcript.save replaces a file whole, or not at all.
    """

    def test_saveOverLoadedFile(self) -> None:
        """
        A transcript saved over the file it was loaded from, with another
        event, loads back with it.
        """
        path = self.mktemp()
        transcript = _allKinds()
        transcript.save(path)
        loaded = Transcript.load(path)
        longer = Transcript(
            [*loaded.events, Ping(5, "client")], metadata=loaded.metadata
        )
        longer.save(path)
        self.assertEqual(Transcript.load(path), longer)
        self.assertEqual(
            os.listdir(os.path.dirname(os.path.abspath(path))), [os.path.basename(path)]
        )

    def test_failurePartWayKeepsOriginal(self) -> None:
        """
        A save that fails part-way (here the third event cannot be written)
        raises, leaves the file it was replacing byte for byte as it was,
        and leaves no temporary file behind.
        """
        directory = self.mktemp()
        os.mkdir(directory)
        path = os.path.join(directory, "feed.jsonl")
        _allKinds().save(path)
        with open(path, "rb") as file:
            original = file.read()
        toJSON = files._eventToJSON
        written = []

        def failing(event: Event) -> dict[str, object]:
            written.append(event)
            if len(written) == 3:
                raise OSError(28, "No space left on device")
            return toJSON(event)

        self.patch(files, "_eventToJSON", failing)
        loaded = Transcript.load(path)
        self.assertRaises(OSError, loaded.save, path)
        self.assertEqual(len(written), 3)
        with open(path, "rb") as file:
            self.assertEqual(file.read(), original)
        self.assertEqual(os.listdir(directory), ["feed.jsonl"])

    def test_keepsPermissions(self) -> None:
        """
        Saving over a file keeps its permissions.
        """
        path = self.mktemp()
        Transcript([]).save(path)
        os.chmod(path, 0o640)
        _allKinds().save(path)
        self.assertEqual(stat.S_IMODE(os.stat(path).st_mode), 0o640)

    def test_throughSymbolicLink(self) -> None:
        """
        Saving through a symbolic link replaces the file it points to and
        keeps the link.
        """
        target = os.path.abspath(self.mktemp())
        link = self.mktemp()
        Transcript([]).save(target)
        os.symlink(target, link)
        _allKinds().save(link)
        self.assertTrue(os.path.islink(link))
        self.assertEqual(Transcript.load(target), _allKinds())


# Text that JSON can spell but UTF-8 cannot encode: lone surrogates.
_SURROGATE_TEXT = st.lists(
    st.sampled_from(["a", "é", "\ud800", "\udfff", "\n", "\x1b"]), max_size=6
).map("".join)
_FIELDS = [
    *("time", "sender", "kind", "text", "base64", "code", "reason"),
    *("reasonBase64", "compressed", "method", "path", "status", "headers"),
    *("format", "version", "metadata"),
]
# Stands for an integer of 5,000 digits, spliced in after json.dumps:
# hypothesis itself cannot print one.
_HUGE = "<huge integer>"


_TEXT = st.text(max_size=6) | _SURROGATE_TEXT
_HEADERS = st.lists(st.lists(_TEXT, min_size=2, max_size=2), max_size=2)
_BASE64 = st.sampled_from(["", "AAE=", "a!", "AA"])
_KIND_FIELDS: dict[str, dict[str, st.SearchStrategy[object]]] = {
    "request": {"method": _TEXT, "path": _TEXT, "headers": _HEADERS},
    "response": {
        "status": st.integers(0, 1000),
        "reason": _TEXT,
        "headers": _HEADERS,
    },
    "text": {"text": _TEXT},
    "binary": {"base64": _BASE64},
    "close": {"code": st.none() | st.integers(-1, 70000), "reason": _TEXT},
    "pong": {"base64": _BASE64},
    "dropped": {},
}


def _eventLine(kind: str) -> st.SearchStrategy[dict[str, object]]:
    return st.fixed_dictionaries(
        {
            "time": st.floats(0, 10) | st.integers(0, 10),
            "sender": st.sampled_from(["client", "server", None]),
            "kind": st.just(kind),
            **_KIND_FIELDS[kind],
        }
    )


def _eventLines() -> st.SearchStrategy[dict[str, object]]:
    """
    Event lines near the valid ones: each kind with its fields, holding
    surrogate text here and there, and now and then one field replaced by
    any JSON, surrogate text or a huge integer.
    """
    odd = st.one_of(_json, _SURROGATE_TEXT, st.just(_HUGE))
    replaced = st.dictionaries(st.sampled_from(_FIELDS), odd, max_size=1)
    lines = st.sampled_from(sorted(_KIND_FIELDS)).flatmap(_eventLine)
    return st.tuples(lines, replaced).map(lambda both: {**both[0], **both[1]})


_fuzzSettings = settings(
    deadline=None,
    derandomize=True,
    max_examples=80,
    database=None,
    suppress_health_check=[HealthCheck.too_slow],
)


class LoadFuzzTests(SynchronousTestCase):
    """
    Whatever a file holds, ``Transcript.load`` either returns a transcript
    that saves and loads back equal, or raises `TranscriptError`.
    """

    def setUp(self) -> None:
        self.directory = self.mktemp()
        os.mkdir(self.directory)
        self.path = os.path.join(self.directory, "fuzz.jsonl")
        self.copy = os.path.join(self.directory, "copy.jsonl")
        _allKinds().save(self.path)
        with open(self.path, "rb") as file:
            self.valid = file.read()

    def _check(self, content: bytes) -> None:
        """
        Load ``content``: only TranscriptError may escape, and a transcript
        that loads must survive a save and a load unchanged.
        """
        with open(self.path, "wb") as file:
            file.write(content)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", IncompleteTranscriptWarning)
            try:
                transcript = Transcript.load(self.path)
            except TranscriptError as e:
                self.assertEqual(e.path, self.path)
                self.assertGreaterEqual(e.line, 1)
                self.assertTrue(str(e).isprintable(), str(e))
                return
        if os.path.exists(self.copy):
            os.remove(self.copy)
        transcript.save(self.copy)
        self.assertEqual(Transcript.load(self.copy), transcript)

    @_fuzzSettings
    @given(st.binary(max_size=300))
    def test_randomBytes(self, data: bytes) -> None:
        """
        Random bytes, alone or after a valid header line.
        """
        self._check(data)
        self._check(self.valid.split(b"\n")[0] + b"\n" + data)

    @_fuzzSettings
    @given(
        st.lists(
            st.tuples(
                st.sampled_from(["delete", "insert", "replace", "duplicate"]),
                st.integers(0, 2000),
                st.integers(0, 40),
                st.binary(min_size=1, max_size=8),
            ),
            min_size=1,
            max_size=4,
        )
    )
    def test_mutatedValidFile(
        self, mutations: list[tuple[str, int, int, bytes]]
    ) -> None:
        """
        A valid file with bytes deleted, inserted, replaced or repeated.
        """
        content = self.valid
        for how, start, length, data in mutations:
            start %= len(content) + 1
            end = start + length
            if how == "delete":
                content = content[:start] + content[end:]
            elif how == "insert":
                content = content[:start] + data + content[start:]
            elif how == "replace":
                content = content[:start] + data + content[start + len(data) :]
            else:
                content = content[:end] + content[start:end] + content[end:]
        self._check(content)

    @_fuzzSettings
    @given(st.lists(_eventLines(), max_size=4), _json)
    def test_eventLines(self, lines: list[dict[str, object]], metadata: object) -> None:
        """
        Event lines of real kinds with odd fields: wrong types, lone
        surrogates in text, reasons, paths and headers, huge integers.
        """
        header = {"format": "twisted_wsfakes transcript", "version": 1}
        for head in (header, {**header, "metadata": metadata}):
            text = "\n".join(json.dumps(line) for line in [head, *lines])
            text = text.replace(json.dumps(_HUGE), "9" * 5000)
            self._check(text.encode("utf-8") + b"\n")

    @_fuzzSettings
    @given(
        st.sampled_from(["[", '{"a": ', '[{"b": ']),
        st.integers(min_value=1, max_value=200_000),
        st.booleans(),
    )
    def test_deepNesting(self, opening: str, depth: int, cut: bool) -> None:
        """
        Lines nested up to 200,000 deep, whole or cut off.
        """
        line = (opening * depth).encode()
        self._check(self.valid + line + (b"" if cut else b"\n"))
        self._check(line + b"\n")

    def test_knownEscapes(self) -> None:
        """
        The inputs that once escaped as other errors are TranscriptErrors
        naming the line and the field.
        """
        header = json.dumps({"format": "twisted_wsfakes transcript", "version": 1})
        event = '{"time": 0, "sender": "client", '
        cases = [
            (header + "\n" + "[" * 100_000, 2, None, "JSON nested too deeply"),
            (
                header.replace("1}", "1" * 5000 + "}"),
                1,
                None,
                "an integer of more than 4,300 digits",
            ),
            (
                header + "\n" + event + '"kind": "text", "text": "\\ud800"}',
                2,
                "text",
                "lone surrogate U+D800",
            ),
            (
                header
                + "\n"
                + event
                + '"kind": "close", "code": 1000, "reason": "a\\ud800"}',
                2,
                "reason",
                "lone surrogate U+D800 at character 2",
            ),
            (
                header
                + "\n"
                + event
                + '"kind": "request", "method": "GET", "path": "/\\udfff", '
                '"headers": []}',
                2,
                "path",
                "lone surrogate U+DFFF",
            ),
        ]
        for text, line, field, problem in cases:
            with open(self.path, "w", encoding="utf-8") as file:
                file.write(text + "\n")
            error = self.assertRaises(TranscriptError, Transcript.load, self.path)
            self.assertEqual((error.line, error.field), (line, field))
            self.assertIn(problem, error.problem)
