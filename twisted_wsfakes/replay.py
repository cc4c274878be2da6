"""
Replay a recorded Transcript as a Script: the public home of
`scriptFromTranscript` and `REDACTED_JSON`.  The rules live in
``twisted_wsfakes.scripting.replay``.

It may import `twisted_wsfakes.scripting` and `twisted_wsfakes.transcript`.
"""

from __future__ import annotations

from collections.abc import Iterable

from .scripting.replay import REDACTED_JSON
from .scripting.script import Script
from .transcript import Side, Transcript

__all__ = ["REDACTED_JSON", "scriptFromTranscript"]


def scriptFromTranscript(
    transcript: Transcript,
    *,
    role: Side = "server",
    ignoreFields: Iterable[str] = (),
) -> Script:
    """
    The same as `Script.fromTranscript`, which says what the script does.
    """
    return Script.fromTranscript(transcript, role=role, ignoreFields=ignoreFields)
