"""
Tests for `twisted_wsfakes.realnet.redact`, and replays of redacted
transcripts.
"""

from __future__ import annotations

import json

from twisted.trial.unittest import SynchronousTestCase

from .. import ANY, Script, ScriptError, Transcript
from ..realnet.redact import NO_REDACTION, REDACTED, Redaction
from ..script import expectJSON, expectText
from ..transcript import BinaryMessage, Request, Response, TextMessage


class RedactionTests(SynchronousTestCase):
    """
    What a redaction names is replaced; everything else is kept as it was.
    """

    def test_defaultHeaders(self) -> None:
        """
        Credential headers are redacted by default, in any case; others stay.
        """
        request = Request(
            0,
            "client",
            "GET",
            "/",
            (("authorization", "Bearer x"), ("Cookie", "c"), ("Host", "h")),
        )
        redacted = Redaction().event(request)
        self.assertEqual(
            redacted.headers,  # type: ignore[attr-defined]
            (("authorization", REDACTED), ("Cookie", REDACTED), ("Host", "h")),
        )
        response = Response(0, "server", 101, "", (("Set-Cookie", "s"),))
        self.assertEqual(
            Redaction().event(response).headers,  # type: ignore[attr-defined]
            (("Set-Cookie", REDACTED),),
        )
        self.assertIs(NO_REDACTION.event(request), request)

    def test_namedHeadersAndJSON(self) -> None:
        """
        More headers and JSON fields can be named; text that is not JSON,
        binary, and JSON without the field are left alone.
        """
        redaction = Redaction.of(headers=["X-Api-Key"], jsonPaths=["$.auth.*"])
        request = Request(0, "client", "GET", "/", (("X-Api-Key", "k"),))
        self.assertEqual(redaction.event(request).headers, (("X-Api-Key", REDACTED),))  # type: ignore[attr-defined]
        message = TextMessage(0, "client", '{"auth": {"token": "t"}, "op": 1}')
        self.assertEqual(
            redaction.event(message).data,  # type: ignore[attr-defined]
            '{"auth":{"token":"[redacted]"},"op":1}',
        )
        for kept in (
            TextMessage(0, "client", "auth token t"),
            TextMessage(0, "client", '{"op": 1}'),
            BinaryMessage(0, "client", b'{"auth": {"token": "t"}}'),
        ):
            self.assertIs(redaction.event(kept), kept)

    def test_metadata(self) -> None:
        """
        The header of the file lists what was redacted.
        """
        metadata = Redaction.of(["X-Key"], ["$.token"], defaults=False).metadata
        self.assertEqual(json.loads(metadata["redactedHeaders"]), ["x-key"])
        self.assertEqual(json.loads(metadata["redactedJSON"]), ["$.token"])
        self.assertEqual(NO_REDACTION.metadata, {})


class ReplayOfRedactedTests(SynchronousTestCase):
    """
    ``Script.fromTranscript`` lets redacted fields match anything.
    """

    def test_redactedFieldsMatchAnything(self) -> None:
        """
        Fields named in ``redactedJSON`` become ``ANY`` in expectations.
        """
        transcript = Transcript(
            [TextMessage(0, "client", '{"token": "[redacted]", "op": "login"}')],
            metadata={"redactedJSON": '["$.token"]'},
        )
        self.assertEqual(
            Script.fromTranscript(transcript).steps,
            (expectJSON({"token": ANY, "op": "login"}),),
        )

    def test_withoutRedaction(self) -> None:
        """
        Without the metadata, the recorded value is expected as it was.
        """
        transcript = Transcript([TextMessage(0, "client", "[redacted]x")])
        self.assertEqual(
            Script.fromTranscript(transcript).steps, (expectText("[redacted]x"),)
        )

    def test_badMetadata(self) -> None:
        """
        ``redactedJSON`` that is not a list of paths is a ScriptError.
        """
        transcript = Transcript([], metadata={"redactedJSON": '"$.token"'})
        error = self.assertRaises(ScriptError, Script.fromTranscript, transcript)
        self.assertIn("must be a JSON list of JSON paths", str(error))
