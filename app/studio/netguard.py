"""Where an HTTP tool may connect: the guard against server-side request forgery.

An agent from the marketplace must not turn the user's machine into a door to their router, their
LAN or a cloud metadata service. So by default only public addresses are reachable: every address a
host name resolves to is checked (one bad address blocks the host), the connection goes to exactly
the checked addresses (no second lookup to rebind), and each redirect is checked again. A node
may name a host allowlist, and the networks it may reach although they are not public.
"""

from __future__ import annotations

import ipaddress
import socket
from dataclasses import dataclass, field
from typing import Any

from aiohttp.abc import AbstractResolver, ResolveResult
from aiohttp.resolver import ThreadedResolver
from yarl import URL

from app.studio.registry import NodeError

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network


class BlockedTarget(NodeError):
    """A request the policy refuses; the message says which host or address and why."""


def why_blocked(ip: IPAddress) -> str | None:
    """Why ``ip`` is not a public unicast address, or None if it is one."""
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    for attribute, reason in (
        ("is_loopback", "a loopback address"),
        ("is_link_local", "a link-local address"),
        ("is_multicast", "a multicast address"),
        ("is_unspecified", "an unspecified address"),
        ("is_private", "a private-network address"),
        ("is_reserved", "a reserved address"),
    ):
        if getattr(ip, attribute):
            return reason
    return None if ip.is_global else "not a public address"


@dataclass(frozen=True)
class NetPolicy:
    """``allowed_hosts``: names (``api.example.com``, ``*.example.com``) a request may go to; empty
    means any host. ``allowed_networks``: non-public networks that may be reached anyway."""

    allowed_hosts: tuple[str, ...] = ()
    allowed_networks: tuple[IPNetwork, ...] = field(default_factory=tuple)

    @classmethod
    def build(cls, hosts: list[str], networks: list[str]) -> NetPolicy:
        return cls(
            tuple(h.lower().rstrip(".") for h in hosts),
            tuple(ipaddress.ip_network(n, strict=False) for n in networks),
        )

    def check_url(self, url: URL) -> None:
        """Scheme and host allowlist, and the address itself when the host is an IP literal."""
        if url.scheme not in ("http", "https"):
            raise BlockedTarget(f"only http and https URLs are allowed, not {url.scheme or 'none'!r}")
        host = (url.host or "").lower().rstrip(".")
        if not host:
            raise BlockedTarget(f"no host in {url}")
        if self.allowed_hosts and not any(
            host == h or (h.startswith("*.") and host.endswith(h[1:])) for h in self.allowed_hosts
        ):
            raise BlockedTarget(f"host {host} is not in this node's allowed hosts")
        try:
            literal = ipaddress.ip_address(host.strip("[]"))
        except ValueError:
            return  # a name: its addresses are checked when it is resolved
        self.check_address(host, literal)

    def check_address(self, host: str, ip: IPAddress) -> None:
        reason = why_blocked(ip)
        if reason is not None and not any(ip in net for net in self.allowed_networks):
            shown = host if host == str(ip) else f"{host} ({ip})"
            raise BlockedTarget(f"{shown} is blocked: {reason}; allow its network in the node to reach it")


class GuardedResolver(AbstractResolver):
    """aiohttp resolver that refuses a host if any of its addresses is refused by the policy."""

    def __init__(self, policy: NetPolicy) -> None:
        self._policy = policy
        self._inner = ThreadedResolver()

    async def resolve(
        self, host: str, port: int = 0, family: socket.AddressFamily = socket.AF_INET
    ) -> list[ResolveResult]:
        results = await self._inner.resolve(host, port, family)
        for result in results:
            self._policy.check_address(host, ipaddress.ip_address(result["host"]))
        return results

    async def close(self) -> None:
        await self._inner.close()


def connector_for(policy: NetPolicy) -> Any:
    """A fresh connector that resolves through the guard (no shared DNS cache between policies)."""
    from aiohttp import TCPConnector

    return TCPConnector(resolver=GuardedResolver(policy), use_dns_cache=False, force_close=True)
