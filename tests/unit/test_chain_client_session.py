"""The chain client's HTTP sessions over a real local JSON-RPC server and real aiohttp.

web3's own session manager leaks a process-wide lock when a request is cancelled while it waits for
it, and then every later request hangs (CI hung on it). These tests cancel requests mid-flight the
way task cancellation in the app does, and check that the client still answers afterwards.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import random
import threading
import time
from collections.abc import Iterator

import pytest
from local_http import Handler, serving

from app.chain.client import ChainClient, ChainUnavailable


class _Handler(Handler):
    """Answers every call with block 0x2a after a short pause, so requests overlap."""

    def do_POST(self) -> None:
        body = json.loads(self.request_body())
        time.sleep(0.01)
        out = json.dumps({"jsonrpc": "2.0", "id": body["id"], "result": "0x2a"}).encode()
        with contextlib.suppress(OSError):  # the client cancelled and hung up: expected here
            self.answer(200, out)


@pytest.fixture
def rpc_url() -> Iterator[str]:
    with serving(_Handler) as url:
        yield url


def test_cancelled_requests_leave_the_client_answering(rpc_url: str) -> None:
    async def scenario() -> int:
        client = ChainClient(rpc_url)
        rng = random.Random(1)
        try:
            for _ in range(30):
                tasks = [asyncio.ensure_future(client.block_number()) for _ in range(8)]
                await asyncio.sleep(rng.random() * 0.01)
                for task in tasks[::2]:
                    task.cancel()
                async with asyncio.timeout(10):  # web3's own manager hangs here in the first round
                    results = await asyncio.gather(*tasks, return_exceptions=True)
                assert all(r == 42 for r in results[1::2])
            async with asyncio.timeout(10):
                return await client.block_number()
        finally:
            await client.close()

    assert asyncio.run(scenario()) == 42


def test_close_closes_the_session_and_starts_no_threads(rpc_url: str) -> None:
    before = set(threading.enumerate())

    async def scenario() -> None:
        client = ChainClient(rpc_url)
        assert await client.block_number() == 42
        session = client.w3.provider.sessions.session
        await client.close()
        assert session.closed

    asyncio.run(scenario())
    assert [t for t in threading.enumerate() if t not in before and t.is_alive() and not t.daemon] == []


def test_one_client_works_across_event_loops(rpc_url: str) -> None:
    """A client made before the loop (the runtime's) keeps working when a new loop takes over."""
    client = ChainClient(rpc_url)
    assert asyncio.run(client.block_number()) == 42
    assert asyncio.run(client.block_number()) == 42
    asyncio.run(client.close())


def test_a_request_after_close_fails_as_unavailable_instead_of_opening_a_session(rpc_url: str) -> None:
    async def scenario() -> None:
        client = ChainClient(rpc_url)
        w3 = client.w3  # what a task still holds when the client closes under it
        assert await client.block_number() == 42
        await client.close()
        with pytest.raises(ChainUnavailable, match="closed"):
            await client.ask(w3.eth.block_number)
        assert w3.provider.sessions.session is None

    asyncio.run(scenario())
