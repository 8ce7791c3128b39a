"""Checks for a network the user adds: plain Python, no Qt, shared by the GUI and tests.

``validate`` checks the typed fields (name unique, an http(s) URL, a positive chain id) and says
what is wrong in words; ``probe`` asks the RPC for its chain id off the event loop, so the caller
can refuse a URL that does not answer or that is a different chain from the one typed. Private and
loopback addresses are allowed on purpose: users run their own local nodes.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterable
from urllib.parse import urlsplit

from app.chain.jsonrpc import RpcError, rpc_call
from app.settings import NetworkConfig

MAX_NAME = 64
PROBE_TIMEOUT_S = 5.0


class NetworkCheckError(ValueError):
    """A field is invalid, or the RPC could not be used; the message is for the user."""


class ProbeError(NetworkCheckError):
    """The RPC did not answer eth_chainId with a chain id."""


class ChainMismatch(NetworkCheckError):
    """The RPC answered, but with another chain id than the one typed."""

    def __init__(self, url: str, expected: int, actual: int) -> None:
        super().__init__(f"{url} is chain {actual}, not chain {expected}.")
        self.url, self.expected, self.actual = url, expected, actual


def validate_name(name: str, existing: Iterable[str] = ()) -> str:
    """The trimmed name; refuses empty, over-long or already used names (case-insensitive)."""
    name = name.strip()
    if not name:
        raise NetworkCheckError("Give the network a name.")
    if len(name) > MAX_NAME:
        raise NetworkCheckError(f"The name is too long (at most {MAX_NAME} characters).")
    if name.casefold() in {other.casefold() for other in existing}:
        raise NetworkCheckError(f"A network named '{name}' already exists.")
    return name


def validate_url(url: str, what: str = "RPC URL", example: str = "http://127.0.0.1:8545") -> str:
    """The trimmed URL; only http:// and https:// with a host are accepted (``what`` names it)."""
    url = url.strip()
    if not url:
        raise NetworkCheckError(f"Enter the {what}, e.g. {example}.")
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018  # raises ValueError for a port that is not a number
    except ValueError as exc:
        raise NetworkCheckError(f"'{url}' is not a valid URL ({exc}).") from exc
    if parts.scheme.lower() not in ("http", "https"):
        raise NetworkCheckError(f"The {what} must start with http:// or https://.")
    if not parts.hostname:
        raise NetworkCheckError(f"The {what} has no host.")
    return url


def validate_chain_id(chain_id: str | int) -> int:
    """A positive integer chain id, from a number or its decimal text."""
    if isinstance(chain_id, str):
        text = chain_id.strip()
        if not text.isdigit():
            raise NetworkCheckError("The chain id must be a whole number, e.g. 1 or 11155111.")
        chain_id = int(text)
    if isinstance(chain_id, bool) or chain_id <= 0:
        raise NetworkCheckError("The chain id must be a positive number.")
    return chain_id


def validate(name: str, url: str, chain_id: str | int, existing: Iterable[str] = ()) -> NetworkConfig:
    """All three fields checked, as a ``NetworkConfig``; raises ``NetworkCheckError`` on the first problem."""
    return NetworkConfig(
        name=validate_name(name, existing),
        rpc_url=validate_url(url),
        chain_id=validate_chain_id(chain_id),
    )


def _chain_id(url: str, timeout: float) -> int:
    try:
        answer = rpc_call(url, "eth_chainId", timeout=timeout)
    except RpcError as exc:
        raise ProbeError(f"{url} could not be reached: {exc}") from exc
    try:
        return int(answer, 16)
    except (TypeError, ValueError) as exc:
        raise ProbeError(f"{url} answered eth_chainId with {answer!r}, not a chain id.") from exc


async def probe(url: str, timeout: float = PROBE_TIMEOUT_S) -> int:
    """The chain id the RPC at ``url`` reports (in a worker thread); ``ProbeError`` if it cannot say."""
    return await asyncio.to_thread(_chain_id, validate_url(url), timeout)


async def check(config: NetworkConfig, timeout: float = PROBE_TIMEOUT_S) -> None:
    """Probe ``config``'s RPC; ``ChainMismatch`` if it is another chain than the configured one."""
    assert config.rpc_url is not None, "the devnet has no RPC to check"
    actual = await probe(config.rpc_url, timeout)
    if actual != config.chain_id:
        raise ChainMismatch(config.rpc_url, config.chain_id, actual)
