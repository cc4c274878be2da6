"""
Text from the wire made safe to print.

What a peer sent (a message, a close reason, an HTTP reason phrase, a
request path, a header) or a file held reaches reports, renderings and
error messages through `printable`, so a peer can neither forge a report's
lines (a close reason of ``"\\n✗ step 1"``) nor send the terminal escape
sequences (``"\\x1b[2J"``) that would clear or rewrite the screen.

It imports nothing from this package.
"""

from __future__ import annotations

_NAMED_ESCAPES = {"\n": "\\n", "\r": "\\r", "\t": "\\t"}


def escapeChar(char: str) -> str:
    """
    Return ``char`` itself if it prints as one visible character or a
    space, else an escape for it as Python spells it: ``\\n``, ``\\x1b``,
    ``\\u202e``.
    """
    if char.isprintable():
        return char
    if char in _NAMED_ESCAPES:
        return _NAMED_ESCAPES[char]
    code = ord(char)
    if code < 0x100:
        return f"\\x{code:02x}"
    if code < 0x10000:
        return f"\\u{code:04x}"
    return f"\\U{code:08x}"


def printable(text: str) -> str:
    """
    Escape every character of ``text`` that is not printable (see
    `escapeChar`): control characters and newlines, Unicode format
    characters such as right-to-left overrides, lone surrogates.  Other
    text, non-ASCII included, is kept as it is::

        >>> printable("bye\\n✗ step 1\\x1b[2J")
        'bye\\\\n✗ step 1\\\\x1b[2J'
    """
    if text.isprintable():
        return text
    return "".join(map(escapeChar, text))
