"""
The Deferred tools: Deferreds a test makes fire in the order it chooses,
mocks whose calls return Deferreds the test settles, and the results a
Deferred holds, read without a trial test case.

The layer's map, bottom up: each module imports at run time only modules
listed before it, and, from below the layer, ``errors``; none knows the
reactor or Autobahn (a reactor is anything `Flushable`).

- `running`: the test running now, as far as the tools need to know it (its
  cleanups, its fake reactor); ``useFakeReactor`` and the pytest plugin
  enter tests here.
- `results`: trial's ``successResultOf``, ``failureResultOf`` and
  ``assertNoResult`` as plain functions, for pytest's tests.
- `dominoes`: `Dominoes`, Deferreds that fire strictly in index order, and
  their `DominoState`.
- `mock`: `DeferredMock`, whose calls return Deferreds; each call's
  `DeferredCall` and its `CallState`, `PENDING` and `returnOnce`.

Users import the tools from `twisted_wsfakes`; this package re-exports
them, and is where the types a test only receives (`DeferredCall`,
`CallState`, `DominoState`) are imported from.
"""

from .dominoes import Dominoes, DominoState
from .mock import PENDING, CallState, DeferredCall, DeferredMock, returnOnce
from .results import assertNoResult, failureResultOf, successResultOf

__all__ = [
    "PENDING",
    "CallState",
    "DeferredCall",
    "DeferredMock",
    "DominoState",
    "Dominoes",
    "assertNoResult",
    "failureResultOf",
    "returnOnce",
    "successResultOf",
]
