"""
Host name lookups handed to threads, answered from the fake network's names
instead of real DNS.  Twisted's ``TCP6ClientEndpoint``, and code that calls
``deferToThread(socket.getaddrinfo, host, port)`` itself, resolve names in a
thread; on a test reactor that work runs in the test's thread, where the
real ``socket`` functions would ask the machine's DNS about a production
host.  `answeredLocally` swaps them for versions that look the name up in
the reactor's names (the address its resolver gives) and let the real
function turn only that numeric address into its result.  It imports
nothing from the layer, and ``errors`` from below it.
"""

from __future__ import annotations

import socket
from collections.abc import Callable
from functools import partial
from typing import Any

from twisted.internet.abstract import isIPAddress, isIPv6Address

from ..errors import UnsupportedByFake

AddressOf = Callable[[str], str]
"""
What a host name resolves to on the fake network (`Names.addressOf`).
"""


def answeredLocally(
    func: Callable[..., Any], addressOf: AddressOf
) -> Callable[..., Any]:
    """
    Return what thread work should call instead of ``func``: ``func`` itself,
    unless it is one of the ``socket`` functions that look names up.
    """
    if func is socket.getaddrinfo:
        return partial(_getaddrinfo, addressOf)
    if func is socket.gethostbyname:
        return partial(_gethostbyname, addressOf)
    return func


def _getaddrinfo(
    addressOf: AddressOf,
    host: str | bytes | None,
    port: str | int | None,
    family: int = 0,
    type: int = 0,
    proto: int = 0,
    flags: int = 0,
) -> list[Any]:
    if isinstance(host, bytes):
        host = host.decode("idna")
    if host is not None:
        host = _resolve(addressOf, host, family)
    # A numeric host with AI_NUMERICHOST: the real function never asks DNS.
    return socket.getaddrinfo(
        host, port, family, type, proto, flags | socket.AI_NUMERICHOST
    )


def _gethostbyname(addressOf: AddressOf, host: str) -> str:
    return _resolve(addressOf, host, socket.AF_INET)


def _resolve(addressOf: AddressOf, host: str, family: int) -> str:
    if isIPAddress(host) or isIPv6Address(host):
        return host
    address = addressOf(host)
    if family == socket.AF_INET6 and not isIPv6Address(address):
        raise UnsupportedByFake(
            f"an IPv6 lookup of {host!r} in thread work (as TCP6ClientEndpoint "
            f"makes): host names on the fake network resolve to IPv4 addresses "
            f"only ({host!r} is {address}), and a real lookup would ask the "
            "machine's DNS.  Give TCP6ClientEndpoint an IPv6 address, such as "
            "'::1', or use HostnameEndpoint."
        )
    return address
