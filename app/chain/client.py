"""The one chain client: web3's async API behind a small, typed facade.

Pages and services ask this client for chain facts instead of touching web3 directly, so there is
one place that maps connection failures to ``ChainUnavailable`` (shown as "offline" in the UI) and
one place to add retries, caching and contract bindings later. web3 is imported lazily: it costs
hundreds of milliseconds and the window should paint first.
"""

from __future__ import annotations

from collections.abc import Awaitable
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from web3 import AsyncWeb3


class ChainUnavailable(ConnectionError):
    """The RPC endpoint did not answer; the message names it."""


class ChainClient:
    def __init__(self, rpc_url: str, timeout: float = 5.0) -> None:
        self.rpc_url = rpc_url
        self.timeout = timeout
        self._w3: AsyncWeb3 | None = None

    @property
    def w3(self) -> AsyncWeb3:
        if self._w3 is None:
            from web3 import AsyncWeb3

            from app.chain.http_provider import LoopSessionProvider

            self._w3 = AsyncWeb3(LoopSessionProvider(self.rpc_url, self.timeout))
        return self._w3

    async def ask(self, awaitable: Awaitable[Any]) -> Any:
        """Await a web3 call, turning connection failures into ``ChainUnavailable``."""
        from aiohttp import ClientError

        try:
            return await awaitable
        except (OSError, TimeoutError, ClientError) as exc:
            raise ChainUnavailable(f"{self.rpc_url} is unreachable: {exc}") from exc

    async def chain_id(self) -> int:
        return int(await self.ask(self.w3.eth.chain_id))

    async def block_number(self) -> int:
        return int(await self.ask(self.w3.eth.block_number))

    async def close(self) -> None:
        """Close the HTTP session; call before the event loop stops to avoid 'unclosed session' noise."""
        if self._w3 is not None:
            await self._w3.provider.disconnect()
            self._w3 = None
