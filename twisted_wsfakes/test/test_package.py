"""
Tests for the package itself: its public names, the deprecated ones that
still import from it, and what importing it costs.
"""

from __future__ import annotations

import importlib
import os
import re
import subprocess
import sys
from collections.abc import Callable

from twisted.internet.protocol import Factory
from twisted.trial.unittest import SkipTest, SynchronousTestCase

import twisted_wsfakes

from .. import errors, peers
from ..network import FakeReactor

#: The API reference, beside the package in a source checkout.
_API_DOCS = os.path.join(
    os.path.dirname(os.path.dirname(twisted_wsfakes.__file__)), "docs", "api.rst"
)

_WITHOUT_AUTOBAHN = (
    "import twisted_wsfakes, sys; "
    "from twisted_wsfakes import Clock, FakeReactor; "
    "print('autobahn' in sys.modules)"
)

#: What a test imports from the package: what it constructs, calls,
#: subclasses or catches.  A name added here is a decision, not an accident.
_EXPECTED = [
    "ANY",
    "PENDING",
    "AttemptAlreadyResolved",
    "Attempts",
    "CallAlreadySettled",
    "CannotServe",
    "Clock",
    "Connection",
    "ConnectionAttempt",
    "DeferredMock",
    "Difference",
    "Dominoes",
    "DominoesNotDone",
    "FakeEndpoint",
    "FakeReactor",
    "FakeReactorInUse",
    "IncompleteTranscriptWarning",
    "JSONPathError",
    "LeftoverError",
    "Matcher",
    "NetworkUsageError",
    "NeverSettles",
    "NoSuchAttempt",
    "NoSuchDomino",
    "NotJSONError",
    "NothingToConnectTo",
    "OutageError",
    "PatchTargetError",
    "PatternError",
    "ProtocolReleased",
    "RealNetworkError",
    "RealReactorUsed",
    "RetryMismatch",
    "Script",
    "ScriptError",
    "ScriptMismatch",
    "ScriptedClient",
    "ScriptedServer",
    "Transcript",
    "TranscriptError",
    "TranscriptExists",
    "TranscriptWriter",
    "UnsupportedByFake",
    "UsageError",
    "WebSocketTestCase",
    "WsFakesError",
    "approx",
    "assertNoResult",
    "close",
    "closeTCP",
    "exactly",
    "expectBinary",
    "expectClose",
    "expectHandshake",
    "expectJSON",
    "expectMessage",
    "expectText",
    "failureResultOf",
    "goSilent",
    "inAnyOrder",
    "ping",
    "predicate",
    "proxy",
    "record",
    "regex",
    "reject",
    "repeat",
    "reply",
    "returnOnce",
    "sendBinary",
    "sendJSON",
    "sendText",
    "serveScript",
    "strict",
    "successResultOf",
    "useFakeReactor",
    "wait",
]


def _listening() -> tuple[FakeReactor, object]:
    reactor = FakeReactor()
    return reactor, reactor.listenTCP(80, Factory())


#: Each renamed function or class still importable from the package, a use
#: of it, and what its warning names instead.
_RENAMED: dict[str, tuple[Callable[[Callable[..., object]], object], str]] = {
    "drop": (lambda drop: drop(), "use closeTCP() instead"),
    "stall": (lambda stall: stall(), "use goSilent() instead"),
    "attemptTimes": (lambda f: f([]), "use attempts.times instead"),
    "retryDelays": (lambda f: f([]), "use attempts.delays instead"),
    "describeAttempts": (lambda f: f([]), "use attempts.table() instead"),
    "assertRetryDelays": (lambda f: f([], []), "use attempts.assertDelays("),
    "assertFollowsPolicy": (
        lambda f: f([], lambda n: 1.0),
        "use attempts.assertFollowsPolicy(",
    ),
    "ListenerSwitch": (lambda f: f(*_listening()), "use Listener.down(), up()"),
    "outage": (lambda f: f(*_listening(), 1.0, 2.0), "use Listener.schedule("),
}

#: Each type a test only receives, once importable from the package; the
#: warning on importing it from there names its new module.
_MOVED = [
    "CallState",
    "DeferredCall",
    "DominoState",
    "EndpointAttempt",
    "FakeThreadPool",
    "Handshake",
    "IncompleteLine",
    "Listener",
    "Message",
    "ScriptServer",
    "Side",
]


def _newPath(message: str) -> str:
    """
    The import path a moved name's warning names (``a.b.Name``).
    """
    found = re.fullmatch(
        r"twisted_wsfakes\.(\w+) is deprecated; use ([\w.]+) instead", message
    )
    assert found is not None, message
    return found.group(2)


def _apiReference() -> str:
    if not os.path.exists(_API_DOCS):
        raise SkipTest("the API reference is not beside this copy")
    with open(_API_DOCS, encoding="utf-8") as docs:
        return docs.read()


def _documented(api: str) -> set[str]:
    """
    The names the API reference has an entry for (``.. autoclass:: Name``,
    ``.. py:data:: Name``...), as written there.
    """
    entries = re.findall(r"^\s*\.\. (?:auto\w+|py:\w+):: ([\w.]+)", api, re.MULTILINE)
    return set(entries)


def _deprecatedSection(api: str) -> str:
    return api.split("\nDeprecated\n----------\n", 1)[-1]


class PublicNamesTests(SynchronousTestCase):
    """
    ``__all__`` is what a test imports, each name documented; every name of
    it can be imported from the package, those that need Autobahn included,
    which load on first use.
    """

    def test_exactlyWhatATestImports(self) -> None:
        """
        ``__all__`` is the expected list: a new public name is added there
        on purpose, never by a stray import.
        """
        self.assertEqual(sorted(twisted_wsfakes.__all__), sorted(_EXPECTED))
        self.assertEqual(len(twisted_wsfakes.__all__), len(_EXPECTED))

    def test_everyNameResolves(self) -> None:
        """
        Each name of ``__all__`` is an attribute of the package.
        """
        missing = [
            n for n in twisted_wsfakes.__all__ if not hasattr(twisted_wsfakes, n)
        ]
        self.assertEqual(missing, [])

    def test_everyNameDocumented(self) -> None:
        """
        Each name of ``__all__`` has an entry of its own in the API
        reference.
        """
        documented = _documented(_apiReference())
        self.assertEqual(
            [n for n in twisted_wsfakes.__all__ if n not in documented], []
        )

    def test_lazyNamesAreTheModulesOwn(self) -> None:
        """
        A name loaded on first use is the very object its module defines.
        """
        self.assertIs(twisted_wsfakes.ScriptedServer, peers.ScriptedServer)

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
        api = _apiReference()
        self.assertEqual([n for n in classes if n not in twisted_wsfakes.__all__], [])
        self.assertEqual(
            [n for n in classes if f"autoexception:: {n}\n" not in api], []
        )

    def test_dirListsPublicNames(self) -> None:
        """
        ``dir()`` of the package lists every public name, loaded or not, and
        none of the moved ones.
        """
        listed = set(dir(twisted_wsfakes))
        self.assertEqual(set(twisted_wsfakes.__all__) - listed, set())
        self.assertEqual(set(_MOVED) & listed, set())


class DeprecatedNamesTests(SynchronousTestCase):
    """
    The names that left ``__all__`` still import from the package for one
    release, each warning with what to use instead.
    """

    def test_renamedStillImportAndWarnWhenUsed(self) -> None:
        """
        Each renamed function or class imports from the package as the very
        object of its module, outside ``__all__``, and warns when used,
        naming its replacement and pointing at the line that used it.
        """
        for name, (use, replacement) in _RENAMED.items():
            value = getattr(twisted_wsfakes, name)
            self.assertNotIn(name, twisted_wsfakes.__all__)
            use(value)
            [warning] = self.flushWarnings([use])
            self.assertIs(warning["category"], DeprecationWarning, name)
            self.assertIn(replacement, warning["message"], name)

    def test_movedImportWithWarning(self) -> None:
        """
        Each type that moved to its own module still imports from the
        package, outside ``__all__``, with one warning naming its new import
        path, which holds the very same object under the same name.
        """
        for name in _MOVED:
            value = getattr(twisted_wsfakes, name)
            [warning] = self.flushWarnings([self.test_movedImportWithWarning])
            self.assertIs(warning["category"], DeprecationWarning, name)
            module, _, newName = _newPath(warning["message"]).rpartition(".")
            self.assertEqual(newName, name)
            self.assertIs(getattr(importlib.import_module(module), name), value)
            self.assertNotIn(name, twisted_wsfakes.__all__)

    def test_movedWarnEveryTime(self) -> None:
        """
        A moved name is not cached in the package: the second import warns
        too.
        """
        for name in ["Listener", "Listener"]:
            getattr(twisted_wsfakes, name)
        self.assertEqual(len(self.flushWarnings([self.test_movedWarnEveryTime])), 2)

    def test_documented(self) -> None:
        """
        The API reference documents each moved type under the path its
        warning names, and lists every deprecated and moved name, and each
        new path, in its Deprecated section.
        """
        api = _apiReference()
        for name in _MOVED:
            getattr(twisted_wsfakes, name)
        paths = [_newPath(w["message"]) for w in self.flushWarnings()]
        self.assertEqual(len(paths), len(_MOVED))
        self.assertEqual([p for p in paths if p not in _documented(api)], [])
        section = _deprecatedSection(api)
        listed = [f"``{n}" for n in _RENAMED]
        listed += [f"``twisted_wsfakes.{n}``" for n in _MOVED]
        listed += [f"``{p}``" for p in paths]
        self.assertEqual([n for n in listed if n not in section], [])


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
