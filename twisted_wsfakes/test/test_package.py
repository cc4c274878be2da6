"""
Tests for the package itself: its public names, and what importing it
costs.
"""

from __future__ import annotations

import os
import subprocess
import sys

from twisted.trial.unittest import SkipTest, SynchronousTestCase

import twisted_wsfakes

from .. import errors, peers, reconnect

#: The API reference, beside the package in a source checkout.
_API_DOCS = os.path.join(
    os.path.dirname(os.path.dirname(twisted_wsfakes.__file__)), "docs", "api.rst"
)

_WITHOUT_AUTOBAHN = (
    "import twisted_wsfakes, sys; "
    "from twisted_wsfakes import Clock, FakeReactor; "
    "print('autobahn' in sys.modules)"
)


class PublicNamesTests(SynchronousTestCase):
    """
    Every name of ``__all__`` can be imported from the package, those that
    need Autobahn included, which load on first use.
    """

    def test_everyNameResolves(self) -> None:
        """
        Each name of ``__all__`` is an attribute of the package.
        """
        missing = [
            n for n in twisted_wsfakes.__all__ if not hasattr(twisted_wsfakes, n)
        ]
        self.assertEqual(missing, [])

    def test_lazyNamesAreTheModulesOwn(self) -> None:
        """
        A name loaded on first use is the very object its module defines.
        """
        self.assertIs(twisted_wsfakes.ScriptedServer, peers.ScriptedServer)
        self.assertIs(twisted_wsfakes.describeAttempts, reconnect.describeAttempts)

    def test_unknownName(self) -> None:
        """
        A name the package does not have raises AttributeError naming it.
        """
        error = self.assertRaises(
            AttributeError, getattr, twisted_wsfakes, "ScriptedSever"
        )
        self.assertEqual(
            str(error), "module 'twisted_wsfakes' has no attribute 'ScriptedSever'"
        )

    def test_everyErrorExportedAndDocumented(self) -> None:
        """
        Every error and warning class of ``twisted_wsfakes.errors`` is in
        ``__all__`` and has an entry in the API reference.
        """
        classes = [
            name
            for name, value in vars(errors).items()
            if isinstance(value, type)
            and issubclass(value, (Exception, Warning))
            and value.__module__ == errors.__name__
        ]
        self.assertIn("OutageError", classes)
        if not os.path.exists(_API_DOCS):
            raise SkipTest("the API reference is not beside this copy")
        with open(_API_DOCS, encoding="utf-8") as docs:
            api = docs.read()
        self.assertEqual([n for n in classes if n not in twisted_wsfakes.__all__], [])
        self.assertEqual(
            [n for n in classes if f"autoexception:: {n}\n" not in api], []
        )

    def test_dirListsPublicNames(self) -> None:
        """
        ``dir()`` of the package lists every public name, loaded or not.
        """
        self.assertEqual(
            set(twisted_wsfakes.__all__) - set(dir(twisted_wsfakes)), set()
        )


class ImportCostTests(SynchronousTestCase):
    """
    Importing what plain Twisted tests need does not import Autobahn.
    """

    def test_clockAndReactorWithoutAutobahn(self) -> None:
        """
        In a fresh interpreter, importing the package, ``Clock`` and
        ``FakeReactor`` leaves Autobahn unimported.
        """
        # The copy of the package under test, whatever the working directory.
        root = os.path.dirname(os.path.dirname(twisted_wsfakes.__file__))
        out = subprocess.run(
            [sys.executable, "-c", _WITHOUT_AUTOBAHN],
            check=True,
            capture_output=True,
            text=True,
            env=dict(os.environ, PYTHONPATH=root),
        ).stdout
        self.assertEqual(out, "False\n")
