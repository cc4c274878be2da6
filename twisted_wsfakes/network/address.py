"""
Addresses on the fake network: building them (``tcpAddress``), the keys
the network routes by (``routeKey``), how an attempt records them
(``hostAndPort``), how a message shows them (``describeAddress``) and where
a connecting side appears to come from (``clientHostFor``).  It imports
nothing from this package.
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
    """
    ``address`` as a person reads it: ``host:port``, ``[host]:port`` for
    IPv6, or the UNIX socket's path (``unnamed`` for a client's).
    """
    if isinstance(address, UNIXAddress):
        return socketPath(address) or "unnamed"
    if isinstance(address, IPv6Address):
        return f"[{address.host}]:{address.port}"
    return f"{address.host}:{address.port}"


def socketPath(address: UNIXAddress) -> str:
    return "" if address.name is None else os.fsdecode(address.name)


def tcpAddress(host: str, port: int) -> Address:
    if isIPv6Address(host):
        return IPv6Address("TCP", host, port)
    return IPv4Address("TCP", host, port)


def clientHostFor(server: IPv4Address | IPv6Address) -> str:
    """
    The address the connecting side of a connection to ``server`` appears
    to come from: loopback to loopback, else a TEST-NET address.
    """
    if isinstance(server, IPv6Address):
        return "::1" if server.host == "::1" else "2001:db8::1"
    return "127.0.0.1" if server.host.startswith("127.") else "198.51.100.254"
