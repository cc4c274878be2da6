"""
Point Autobahn's timers at a fake clock.

Autobahn schedules its timers (opening and closing handshake timeouts,
auto-ping, the server's connection drop timeout) through
``txaio.call_later`` on ``txaio.config.loop``, not on the factory's
``reactor``: a test must point that loop at its fake clock, or those timers
go to the global reactor and never fire.

Autobahn's batched timers also round each due time down to a whole second
(a timeout of 2.5 s set at 0.7 fires at 3, not at 3.2), and a factory keeps
its timer buckets for its lifetime: build factories inside each test.

It imports nothing from this package.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from twisted.internet.interfaces import IReactorTime


def bindTxaio(clock: IReactorTime) -> Callable[[], None]:
    """
    Make txaio (and so Autobahn) schedule every timer on ``clock``.

    :returns: a function that puts back the loop txaio had before.

    ``useFakeReactor`` does this for a test and undoes it at cleanup; call
    it directly only outside trial::

        restore = bindTxaio(reactor)
        try:
            ...
        finally:
            restore()
    """
    # Importing autobahn.twisted runs txaio.use_twisted(), which replaces
    # txaio.config: import it first, or the loop would be set on a config
    # object that is thrown away.
    import autobahn.twisted  # noqa: F401
    from txaio import tx

    # The same object as txaio.config once use_twisted() ran, but typed.
    config: Any = tx.config
    previous = config.loop
    config.loop = clock

    def restore() -> None:
        config.loop = previous

    return restore
