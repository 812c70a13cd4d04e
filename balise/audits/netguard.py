"""SSRF guard for the audit fetcher.

Design: the guard lives at the socket layer. ``GuardedBackend`` is an httpcore network
backend whose ``connect_tcp(host, port)`` first resolves ``host`` itself, refuses the
connection if ANY resolved address is not public, and then opens the TCP connection to
the vetted IP address it just checked (the address is "pinned": there is no second DNS
lookup that a rebinding DNS server could answer differently). Because httpcore calls
``connect_tcp`` for every new connection, every redirect hop (and the HTTP->HTTPS probe)
is checked, without the fetcher having to remember to. The URL keeps its host name, so
the ``Host`` header, the TLS SNI and the certificate check use the real name.

Loopback and private addresses are allowed only when the environment variable
``BALISE_AUDIT_ALLOW_PRIVATE=1`` is set; it is read at each call, never cached.
For tests, ``NetGuard`` takes an injectable ``resolver`` and an ``allow`` predicate.
"""

from __future__ import annotations

import asyncio
import ipaddress
import os
import socket
from collections.abc import Awaitable, Callable, Iterable

import httpcore

ENV_ALLOW_PRIVATE = "BALISE_AUDIT_ALLOW_PRIVATE"

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
Resolver = Callable[[str, int], Awaitable[list[str]]]

_NAT64 = ipaddress.ip_network("64:ff9b::/96")


class GuardError(Exception):
    """Base class: the connection was not attempted."""

    code = "refused_address"


class RefusedAddress(GuardError):
    code = "refused_address"

    def __init__(self, host: str, address: str):
        super().__init__(f"{host} -> {address}")
        self.host = host
        self.address = address


class ResolutionError(GuardError):
    code = "dns"

    def __init__(self, host: str, reason: str = ""):
        super().__init__(f"{host}: {reason}")
        self.host = host


def allow_private_from_env() -> bool:
    return os.environ.get(ENV_ALLOW_PRIVATE, "").strip() == "1"


def _parse(address: str) -> IPAddress | None:
    try:
        return ipaddress.ip_address(address.split("%", 1)[0])  # drop IPv6 scope id
    except ValueError:
        return None


def _embedded(ip: IPAddress) -> list[IPAddress]:
    """IPv4 addresses hidden in an IPv6 address (mapped, 6to4, Teredo, NAT64, compatible)."""
    if not isinstance(ip, ipaddress.IPv6Address):
        return []
    out: list[IPAddress] = []
    if ip.ipv4_mapped:
        out.append(ip.ipv4_mapped)
    if ip.sixtofour:
        out.append(ip.sixtofour)
    if ip.teredo:
        out.extend(ip.teredo)
    if ip in _NAT64:
        out.append(ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF))
    packed = ip.packed
    if packed[:12] == bytes(12) and int(ip) > 1:  # deprecated IPv4-compatible ::a.b.c.d
        out.append(ipaddress.IPv4Address(packed[12:]))
    return out


def is_public(ip: IPAddress) -> bool:
    """True only for globally routable unicast addresses (and embedded forms of them)."""
    if (
        not ip.is_global
        or ip.is_private
        or ip.is_loopback
        or ip.is_link_local
        or ip.is_multicast
        or ip.is_reserved
        or ip.is_unspecified
    ):
        return False
    if isinstance(ip, ipaddress.IPv4Address) and ip in ipaddress.ip_network("100.64.0.0/10"):
        return False  # carrier-grade NAT (already not global, kept explicit)
    return all(is_public(inner) for inner in _embedded(ip))


async def system_resolver(host: str, port: int) -> list[str]:
    loop = asyncio.get_running_loop()
    try:
        infos = await loop.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError) as exc:
        raise ResolutionError(host, str(exc)) from exc
    seen: list[str] = []
    for _family, _type, _proto, _canon, sockaddr in infos:
        if sockaddr[0] not in seen:
            seen.append(sockaddr[0])
    return seen


class NetGuard:
    """Resolve a host and return the addresses it is safe to connect to.

    ``resolver`` (host, port) -> list of IP strings; ``allow`` (host, ip) -> bool overrides
    the public-address rule (tests use it to let one fake host through); ``allow_private``
    None means "read BALISE_AUDIT_ALLOW_PRIVATE now".
    """

    def __init__(
        self,
        resolver: Resolver | None = None,
        allow: Callable[[str, IPAddress], bool] | None = None,
        allow_private: bool | None = None,
    ):
        self.resolver = resolver or system_resolver
        self.allow = allow
        self.allow_private = allow_private

    def _permitted(self, host: str, ip: IPAddress) -> bool:
        if self.allow is not None and self.allow(host, ip):
            return True
        if is_public(ip):
            return True
        allow_private = (
            allow_private_from_env() if self.allow_private is None else self.allow_private
        )
        # Even with the switch on, multicast / unspecified are never useful targets.
        return allow_private and not (ip.is_multicast or ip.is_unspecified)

    async def vet(self, host: str, port: int) -> list[str]:
        host = host.strip("[]")
        literal = _parse(host)
        if literal is not None:
            addresses = [str(literal)]
        else:
            try:
                addresses = await self.resolver(host, port)
            except GuardError:
                raise
            except (OSError, UnicodeError) as exc:
                raise ResolutionError(host, str(exc)) from exc
            if not addresses:
                raise ResolutionError(host, "no address")
        for address in addresses:
            ip = _parse(address)
            if ip is None or not self._permitted(host, ip):
                raise RefusedAddress(host, address)
        return addresses


class GuardedBackend(httpcore.AsyncNetworkBackend):
    """httpcore backend: vet the host with the guard, then connect to a vetted IP only."""

    def __init__(self, guard: NetGuard, inner: httpcore.AsyncNetworkBackend | None = None):
        self.guard = guard
        self.inner = inner or httpcore.AnyIOBackend()

    async def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,
        local_address: str | None = None,
        socket_options: Iterable | None = None,
    ) -> httpcore.AsyncNetworkStream:
        async with asyncio.timeout(timeout):
            addresses = await self.guard.vet(host, port)
        last: Exception | None = None
        for address in addresses:  # all vetted; try each (no new DNS lookup)
            try:
                return await self.inner.connect_tcp(
                    address, port, timeout, local_address, socket_options
                )
            except (httpcore.ConnectError, httpcore.ConnectTimeout) as exc:
                last = exc
        assert last is not None
        raise last

    async def connect_unix_socket(self, *args, **kwargs):  # pragma: no cover
        raise RefusedAddress("unix socket", "")

    async def sleep(self, seconds: float) -> None:
        await self.inner.sleep(seconds)
