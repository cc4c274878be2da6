"""
The in-memory network: a reactor for tests whose connections live in memory.

The layer's map, bottom up (each module imports only those above it in this
list, plus the top-level ``clock``, ``errors``, ``events``, ``transcript``,
``wire``, ``deprecate`` and ``printable`` below the layer):

- `address`: the addresses of the fake network, and their keys and words.
- `names`: host names, what each resolves to, and the resolver.
- `core`: a fake reactor's life: run, stop, crash, system event triggers.
- `transport`: the transport each end's protocol writes to.
- `connection`: an in-memory connection between two protocols, with faults.
- `threads`: thread work, run in the test's own thread.
- `attempts`: the connection attempt value, and the `Attempts` view over them.
- `connectors`: outgoing attempts, waiting for the reactor to complete them.
- `listener`: listening ports, and their faults (down, up, refuse, hang).
- `reactor`: `FakeReactor`, which assembles them (and loads the scripted
  peers, which sit below it, on first use).

Users import from `twisted_wsfakes`; this package re-exports `FakeReactor`
only, for ``from twisted_wsfakes.network import FakeReactor``.
"""

from .reactor import FakeReactor

__all__ = ["FakeReactor"]
