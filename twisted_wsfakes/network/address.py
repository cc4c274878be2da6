"""
Addresses on the fake network: building them, and the keys and words the
network and its listeners use for them.

It imports nothing from this package.
"""

from __future__ import annotations

import os

from twisted.internet.abstract import isIPv6Address
from twisted.internet.address import IPv4Address, IPv6Address, UNIXAddress

#: An address on the fake network: a host and port, or a UNIX socket path.
Address = IPv4Address | IPv6Address | UNIXAddress


#: The interfaces that mean every IPv4 host.
IPV4_WILDCARDS = ("", "0.0.0.0")

#: Where a port sits on the network: a UNIX path, or a host and port.
RouteKey = tuple[str, str | int]


def routeKey(address: Address) -> RouteKey:
    """
    Where ``address`` sits on the fake network: a UNIX path, or a host and
    port.
    """
    if isinstance(address, UNIXAddress):
        return ("unix", socketPath(address))
    return (address.host, address.port)


def hostAndPort(address: Address) -> tuple[str, int]:
    """
    The host and port of ``address`` as a :class:`ConnectionAttempt`
    records them: for a UNIX socket, its path and port 0.
    """
    if isinstance(address, UNIXAddress):
        return (socketPath(address), 0)
    return (address.host, address.port)


def describeAddress(address: Address) -> str:
    if isinstance(address, UNIXAddress):
        return socketPath(address)
    return f"{address.host}:{address.port}"


def socketPath(address: UNIXAddress) -> str:
    return "" if address.name is None else os.fsdecode(address.name)


def tcpAddress(host: str, port: int) -> Address:
    if isIPv6Address(host):
        return IPv6Address("TCP", host, port)
    return IPv4Address("TCP", host, port)
