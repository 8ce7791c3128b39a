"""web3's async HTTP provider with one aiohttp session per event loop and no thread lock around it.

web3 (8.0) hands out its cached sessions under a process-wide ``threading.Lock`` that it acquires in
a thread pool. A request cancelled while it waits for that lock leaks the lock, and from then on
every request of every client in the process hangs: CI hung on it after a test cancelled its tasks
(``tests/unit/test_chain_client_session.py`` reproduces it). A ``ChainClient`` lives on one event
loop, so it needs neither the cache nor the lock. Imported lazily with web3 itself.
"""

from __future__ import annotations

import asyncio
from typing import Any, cast

from aiohttp import ClientConnectionError, ClientSession, ClientTimeout, TCPConnector
from web3 import AsyncHTTPProvider
from web3._utils.http_session_manager import HTTPSessionManager
from web3.types import RPCResponse

from app import safe_json


class LoopSessionManager(HTTPSessionManager):
    """The session for the running loop, made on first use; no cache, no lock, no thread pool work."""

    def __init__(self) -> None:
        super().__init__(cache_size=1, session_pool_max_workers=1)
        self.session: ClientSession | None = None
        self.loop: asyncio.AbstractEventLoop | None = None
        self.closed = False

    async def async_cache_and_return_session(self, *args: Any, **kwargs: Any) -> ClientSession:
        if self.closed:  # a request still under way at close: fail it, don't open a session nobody closes
            raise ClientConnectionError("the chain client was closed")
        loop = asyncio.get_running_loop()
        if self.session is None or self.session.closed or self.loop is not loop:
            # A session made on another (now gone) loop can't be closed from here; web3 drops those too.
            connector = TCPConnector(force_close=True, enable_cleanup_closed=True)
            self.session, self.loop = ClientSession(raise_for_status=True, connector=connector), loop
        return self.session

    async def aclose(self) -> None:
        self.closed = True
        if self.session is not None and self.loop is asyncio.get_running_loop():
            await self.session.close()
        self.session = self.loop = None
        self.session_pool.shutdown(wait=False)  # never started a thread, but web3 made the pool


class LoopSessionProvider(AsyncHTTPProvider):
    def __init__(self, rpc_url: str, timeout: float) -> None:
        super().__init__(rpc_url, request_kwargs={"timeout": ClientTimeout(total=timeout)})
        self._request_session_manager = self.sessions = LoopSessionManager()

    async def disconnect(self) -> None:
        await self.sessions.aclose()

    @staticmethod
    def decode_rpc_response(raw_response: bytes) -> RPCResponse:
        """The node's answer, parsed with a nesting limit: a hostile RPC endpoint cannot crash the app."""
        return cast(RPCResponse, safe_json.loads(raw_response))
