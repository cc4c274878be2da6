"""
Tests for twisted_wsfakes.printable: wire text made safe to print.
"""

from __future__ import annotations

from twisted.trial.unittest import SynchronousTestCase

from twisted_wsfakes.printable import escapeChar, printable


class PrintableTests(SynchronousTestCase):
    """
    `printable` escapes what a terminal would act on and keeps the rest.
    """

    def test_keepsPrintableText(self) -> None:
        """
        Printable text, non-ASCII and spaces included, comes back as is.
        """
        for text in ("", "hello world", "héllo ✓ 日本", 'a\\nb "q"'):
            self.assertEqual(printable(text), text)

    def test_escapesLineBreaks(self) -> None:
        """
        Newlines, carriage returns, tabs and Unicode line separators are
        escaped, so wire text cannot start a new line of a report.
        """
        self.assertEqual(
            printable("bye\n✗ step 1\r\t\u2028\u0085"),
            "bye\\n✗ step 1\\r\\t\\u2028\\x85",
        )

    def test_escapesTerminalControls(self) -> None:
        """
        Escape sequences (ESC, the one-byte CSI), DEL, bidirectional
        overrides and lone surrogates are escaped.
        """
        self.assertEqual(
            printable("\x1b[2J\x9b31m\x7f\u202eevil\ud800\U000e0001"),
            "\\x1b[2J\\x9b31m\\x7f\\u202eevil\\ud800\\U000e0001",
        )

    def test_escapeCharKeepsSpace(self) -> None:
        """
        A plain space is kept; a no-break space, invisible, is escaped.
        """
        self.assertEqual(escapeChar(" "), " ")
        self.assertEqual(escapeChar("\xa0"), "\\xa0")
