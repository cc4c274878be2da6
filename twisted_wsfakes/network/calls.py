"""
Calling application code as a reactor does: whatever a protocol, a timer or
thread work raises is logged (so trial reports it), never propagated into
the reactor.  The connection, the reactor (its clock, the protocols it
builds) and the thread calls all call through here.  It imports
``address`` (for a type) from the layer.
"""

from __future__ import annotations

from collections.abc import Callable

from twisted.internet.interfaces import IProtocol
from twisted.logger import Logger, LogLevel
from twisted.python.failure import Failure

from .address import Address

_log = Logger()


def callLogged(
    what: str, method: Callable[..., object], *args: object, **fields: object
) -> Failure | None:
    """
    Call ``method`` as a reactor calls into application code: whatever it
    raises is logged (so trial reports it) instead of propagated.

    :returns: the failure, if it raised.
    """
    try:
        method(*args)
    except BaseException:  # noqa: BLE001 - a reactor survives any callback
        return logFailure(what, **fields)
    return None


def logFailure(what: str, **fields: object) -> Failure:
    """
    Log the exception being handled, as :func:`callLogged` does.

    Call it only from an ``except`` block.

    :returns: the failure logged.
    """
    failure = Failure()
    _log.failure(what, failure, LogLevel.critical, **fields)
    return failure


def buildLogged(
    build: Callable[[Address], IProtocol | None], address: Address
) -> IProtocol | None | Failure:
    """
    ``build(address)`` (a ``buildProtocol``), or the logged failure if it
    raised.
    """
    built: list[IProtocol | None] = []
    failure = callLogged(
        "Error building a protocol with {build!r}",
        lambda: built.append(build(address)),
        build=build,
    )
    return failure if failure is not None else built[0]
