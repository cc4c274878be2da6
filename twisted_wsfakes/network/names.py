"""
Host names on the fake network: which address each name resolves to (its
own TEST-NET address, the same every time), and the `Resolver` that answers
``IHostnameResolver`` queries with it.  It imports ``address`` from the
layer, and ``errors`` from below it.
"""

from __future__ import annotations

from collections.abc import Sequence

import attrs
from twisted.internet.abstract import isIPAddress, isIPv6Address
from twisted.internet.interfaces import (
    IAddress,
    IHostnameResolver,
    IHostResolution,
    IResolutionReceiver,
)
from zope.interface import implementer

from ..errors import NetworkUsageError
from .address import tcpAddress

#: Where invented host names resolve: TEST-NET-1, -2 and -3 (RFC 5737),
#: which no real host uses.
_TEST_NETS = ("192.0.2.", "198.51.100.", "203.0.113.")


class Names:
    """
    The addresses of host names on one fake network: ``localhost`` is
    127.0.0.1, an address is itself, and any other name gets its own address
    in the TEST-NET ranges (192.0.2.1, 192.0.2.2, ...), the same one every
    time it is asked.
    """

    def __init__(self) -> None:
        self._names: dict[str, str] = {"localhost": "127.0.0.1"}

    def addressOf(self, host: str) -> str:
        """
        Return the address ``host`` resolves to on this fake network.
        """
        known = self._names.get(host)
        if known is not None:
            # A name asked for again as it is kept (lower case, no final
            # dot), as every connect and listen asks: no address is ever
            # kept as a name, so the checks below would give the same.
            return known
        if isIPAddress(host) or isIPv6Address(host):
            return host
        # DNS names are case-insensitive, and a final dot changes nothing.
        host = host.lower().removesuffix(".")
        if host not in self._names:
            # Every name but localhost was invented here.
            invented = len(self._names) - 1
            net, number = divmod(invented, 253)
            if net >= len(_TEST_NETS):
                raise NetworkUsageError(
                    f"FakeReactor ran out of TEST-NET addresses: {invented} "
                    f"invented host names have one each, and {host!r} would be "
                    "one more (use addresses, such as 192.0.2.10, for some hosts)"
                )
            self._names[host] = f"{_TEST_NETS[net]}{number + 1}"
        return self._names[host]


@implementer(IHostResolution)
@attrs.define
class _Resolution:
    name: str

    def cancel(self) -> None:
        """
        Resolution is synchronous: there is never anything to cancel.
        """


@implementer(IHostnameResolver)
class Resolver:
    """
    Resolves every name at once, to its address on the fake network.
    """

    def __init__(self, names: Names) -> None:
        self._names = names

    def resolveHostName(
        self,
        resolutionReceiver: IResolutionReceiver,
        hostName: str,
        portNumber: int = 0,
        addressTypes: Sequence[type[IAddress]] | None = None,
        transportSemantics: str = "TCP",
    ) -> IHostResolution:
        resolution = _Resolution(hostName)
        resolutionReceiver.resolutionBegan(resolution)
        address = tcpAddress(self._names.addressOf(hostName), portNumber)
        if addressTypes is None or type(address) in addressTypes:
            resolutionReceiver.addressResolved(address)
        resolutionReceiver.resolutionComplete()
        return resolution
