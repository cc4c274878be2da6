"""
The in-memory network: a reactor for tests whose connections live in memory.

The layer's map, bottom up: each module imports at run time only modules
listed before it (``transport`` and ``delivery`` name ``connection`` in
type hints only), and, from below the layer, ``clock``, ``errors``,
``transcript`` (the transcript layer), ``deprecate`` and ``printable``.

- `address`: addresses, the keys the network routes by, and how they read.
- `names`: host names, the address each resolves to, and the resolver.
- `core`: a fake reactor's life: run, stop, crash, system event triggers.
- `records`: the call lists of Twisted's ``MemoryReactor`` (``tcpClients``...).
- `calls`: calling application code as a reactor does, logging what it raises.
- `ends`: one direction of a connection, and its lifecycle (`Phase`).
- `transport`: the transport each end's protocol writes to.
- `connection`: an in-memory connection between two protocols, with faults.
- `delivery`: which connections a flush pumps, and in what order.
- `lookups`: host name lookups in thread work, answered from the names.
- `threads`: thread work, run in the test's own thread.
- `attempts`: the connection attempt value, and the `Attempts` view over them.
- `connectors`: outgoing attempts, waiting for a flush to complete them.
- `listener`: listening ports, and their faults (down, up, refuse, hang).
- `reactor`: `FakeReactor`, which assembles them (and loads the scripted
  peers, which sit below it, on first use).

Users import from `twisted_wsfakes`.  This package re-exports `FakeReactor`,
and the two objects a reactor gives a test, so that their documented paths
name no module inside the layer: the `Listener` a ``listenTCP`` returns,
and the `FakeThreadPool` of ``getThreadPool()``.
"""

from .listener import Listener
from .reactor import FakeReactor
from .threads import FakeThreadPool

__all__ = ["FakeReactor", "FakeThreadPool", "Listener"]
