"""The generic log indexer against a node double: adaptive ranges, reorganisations, bad logs, resume.

The node here is an in-memory chain (blocks with hashes and logs) answering the three JSON-RPC calls
the indexer makes; it can refuse wide ranges like public endpoints do and be reorganised at will.
The sink records what it was given into a real SQLite table through the indexer's transaction.
"""

from __future__ import annotations

import asyncio
import hashlib
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import text
from sqlalchemy.orm import Session, sessionmaker

from app.chain.indexer import LogIndexer, RangeRefused, RpcFailed
from app.chain.raw_logs import RawLog
from app.db.engine import make_engine, session_factory
from app.db.migrate import upgrade

ADDRESS = "0x" + "ab" * 20
TOPIC = b"\x11" * 32


class Node:
    """A chain of blocks; ``fork`` rewrites blocks from a height with different hashes and logs."""

    def __init__(self, blocks: int, logs_per_block: int = 1, *, max_range: int | None = None) -> None:
        self.max_range = max_range
        self.calls: list[tuple[int, int]] = []
        self.blocks: list[tuple[str, int]] = []  # (hash, logs)
        self.extra: dict[int, list[dict[str, Any]]] = {}
        self.grow(blocks, logs_per_block, salt="a")

    def grow(self, count: int, logs_per_block: int, salt: str) -> None:
        for _ in range(count):
            number = len(self.blocks)
            self.blocks.append((_h(f"{salt}{number}"), logs_per_block))

    def fork(self, height: int, count: int, logs_per_block: int) -> None:
        del self.blocks[height:]
        self.grow(count, logs_per_block, salt="b")

    def log(self, number: int, index: int) -> dict[str, Any]:
        block_hash = self.blocks[number][0]
        return {
            "address": ADDRESS, "topics": ["0x" + TOPIC.hex()], "data": "0x" + f"{number:064x}",
            "blockNumber": hex(number), "blockHash": block_hash,
            "transactionHash": _h(f"tx{block_hash}{index}"), "logIndex": hex(index),
        }  # fmt: skip

    async def __call__(self, method: str, params: list[Any]) -> Any:
        await asyncio.sleep(0)
        if method == "eth_blockNumber":
            return hex(len(self.blocks) - 1)
        if method == "eth_getBlockByNumber":
            number = int(params[0], 16)
            return {"hash": self.blocks[number][0]} if number < len(self.blocks) else None
        low, high = int(params[0]["fromBlock"], 16), int(params[0]["toBlock"], 16)
        self.calls.append((low, high))
        if self.max_range is not None and high - low + 1 > self.max_range:
            raise RpcFailed("query returned more than 10000 results")
        found = [self.log(n, i) for n in range(low, high + 1) for i in range(self.blocks[n][1])]
        return found + [e for n in range(low, high + 1) for e in self.extra.get(n, [])]


def _h(seed: str) -> str:
    return "0x" + hashlib.sha256(seed.encode()).hexdigest()


class Sink:
    """Stores each log's (block, tx hash, log index) with a unique key, as a real sink would."""

    def __init__(self) -> None:
        self.rollbacks: list[int] = []

    def apply(self, session: Session, logs: Sequence[RawLog]) -> set[str]:
        for entry in logs:
            session.execute(
                text("INSERT INTO seen VALUES (:b, :t, :i)"),
                {"b": entry.block, "t": entry.tx_hash, "i": entry.log_index},
            )
        return {"rows"} if logs else set()

    def rollback(self, session: Session, after_block: int) -> set[str]:
        self.rollbacks.append(after_block)
        session.execute(text("DELETE FROM seen WHERE block > :b"), {"b": after_block})
        return {"rows"}


@pytest.fixture
def sessions(tmp_path: Path) -> sessionmaker[Session]:
    upgrade(tmp_path / "sahara.db")
    factory = session_factory(make_engine(tmp_path / "sahara.db"))
    with factory() as session:
        session.execute(text("CREATE TABLE seen (block INT, tx TEXT, idx INT, UNIQUE (tx, idx))"))
        session.commit()
    return factory


def indexer(node: Node, sessions: sessionmaker[Session], sink: Sink, **kw: Any) -> LogIndexer:
    return LogIndexer(
        node, sessions, chain_id=1, stream="test", addresses=[ADDRESS], topics=[TOPIC],
        start_block=kw.pop("start_block", 1), sink=sink, **kw,
    )  # fmt: skip


def rows(sessions: sessionmaker[Session]) -> list[tuple[int, str, int]]:
    with sessions() as session:
        return [
            tuple(r) for r in session.execute(text("SELECT block, tx, idx FROM seen ORDER BY block, idx"))
        ]


def expected(node: Node, start: int = 1) -> list[tuple[int, str, int]]:
    out = []
    for n in range(start, len(node.blocks)):
        for i in range(node.blocks[n][1]):
            entry = node.log(n, i)
            out.append((n, entry["transactionHash"], i))
    return out


def test_a_network_never_seen_is_backfilled_from_the_deployment_block(
    sessions: sessionmaker[Session],
) -> None:
    node = Node(300)
    run = indexer(node, sessions, Sink(), start_block=50, span=64)
    asyncio.run(run.sync())
    assert rows(sessions) == expected(node, start=50)
    assert run.cursor() == 300
    assert node.calls[0][0] == 50


def test_the_span_shrinks_when_the_node_refuses_and_grows_when_quiet(sessions: sessionmaker[Session]) -> None:
    node = Node(2_000, max_range=100)
    run = indexer(node, sessions, Sink(), span=1_000)
    asyncio.run(run.sync())
    assert rows(sessions) == expected(node)  # nothing lost to the refusals
    assert node.calls[:4] == [(1, 1000), (1, 500), (1, 250), (1, 125)]  # halved on each refusal
    assert all(high - low < 100 for low, high in node.calls[4:-1] if (low, high) not in node.calls[:4])
    quiet = Node(5_000, logs_per_block=0)
    run = indexer(quiet, sessions, Sink(), span=10, max_span=640)
    asyncio.run(run.sync())
    assert run.span == 640  # doubled on every quiet range, up to the cap


def test_a_node_that_refuses_one_block_stops_with_a_reason(sessions: sessionmaker[Session]) -> None:
    node = Node(10, logs_per_block=1, max_range=0)
    with pytest.raises(RangeRefused, match="refuses even block 1"):
        asyncio.run(indexer(node, sessions, Sink(), span=8).sync())
    assert rows(sessions) == []


def test_other_node_errors_are_not_mistaken_for_a_refused_range(sessions: sessionmaker[Session]) -> None:
    async def broken(method: str, params: list[Any]) -> Any:
        if method == "eth_getLogs":
            raise RpcFailed("method not found")
        return await Node(10)(method, params)

    run = indexer(Node(10), sessions, Sink(), span=8)
    run.rpc = broken
    with pytest.raises(RpcFailed, match="method not found"):
        asyncio.run(run.sync())
    assert run.span == 8


def test_a_reorganisation_rolls_back_to_the_fork_and_reads_the_new_blocks(
    sessions: sessionmaker[Session],
) -> None:
    node, sink = Node(100), Sink()
    run = indexer(node, sessions, sink, span=16)
    asyncio.run(run.sync())
    old = rows(sessions)
    node.fork(90, 15, logs_per_block=2)  # blocks 90.. replaced, and the chain is longer
    asyncio.run(run.sync())
    assert sink.rollbacks and 80 <= sink.rollbacks[0] < 90  # back to a block both chains agree on
    assert rows(sessions) == expected(node)
    assert [r for r in old if r[0] >= 90] != [r for r in rows(sessions) if r[0] >= 90]


def test_a_shorter_chain_after_a_reorganisation_is_followed(sessions: sessionmaker[Session]) -> None:
    node, sink = Node(100), Sink()
    run = indexer(node, sessions, sink, span=16)
    asyncio.run(run.sync())
    node.fork(60, 5, logs_per_block=1)  # the new head is below the cursor
    asyncio.run(run.sync())
    assert rows(sessions) == expected(node)
    assert run.cursor() == 65


def test_malformed_and_foreign_logs_are_skipped_with_a_reason(
    sessions: sessionmaker[Session], caplog: pytest.LogCaptureFixture
) -> None:
    node = Node(20)
    bad = node.log(5, 7)
    node.extra[5] = [
        {**bad, "blockHash": "0x1234"},  # not a hash
        {**node.log(5, 8), "address": "0x" + "cd" * 20},  # not an address asked for
        {**node.log(5, 9), "topics": []},  # no topic
        {**node.log(5, 10), "blockNumber": hex(999)},  # outside the range asked for
        {**node.log(5, 11), "data": "0x00 11 22"},  # whitespace that bytes.fromhex would skip
        {**node.log(5, 12), "data": "0x0"},  # half a byte
        {**node.log(5, 13), "topics": ["0x" + "1_" * 32]},  # digits int() would read
        {**node.log(5, 14), "logIndex": "0x_1"},
        {**node.log(5, 15), "transactionHash": " 0x" + "ab" * 31 + "a"},
    ]
    run = indexer(node, sessions, Sink(), span=64)
    asyncio.run(run.sync())
    assert rows(sessions) == expected(node)
    assert run.skipped == 9
    assert "malformed log skipped" in caplog.text and "outside the query" in caplog.text


def test_a_range_read_while_the_chain_moved_is_read_again(sessions: sessionmaker[Session]) -> None:
    node, sink = Node(50), Sink()
    run = indexer(node, sessions, sink, span=64)
    real = node.__call__
    forked = False

    async def moving(method: str, params: list[Any]) -> Any:
        nonlocal forked
        if method == "eth_getLogs" and not forked:
            answer = await real(method, params)
            node.fork(40, 10, logs_per_block=3)  # reorganised between the logs and the hash check
            forked = True
            return answer
        return await real(method, params)

    run.rpc = moving
    asyncio.run(run.sync())
    assert rows(sessions) == expected(node)


def test_each_range_is_read_while_the_one_before_is_written_in_order_and_once(
    sessions: sessionmaker[Session],
) -> None:
    node = Node(200, logs_per_block=3)
    overlapped: list[bool] = []

    class Watching(Sink):
        def apply(self, session: Session, logs: Sequence[RawLog]) -> set[str]:
            """Waits (in the writing thread) for the node to be asked for the next range."""
            if logs[-1].block < 199:
                following, deadline = logs[-1].block + 1, time.monotonic() + 5
                while following not in [low for low, _ in node.calls] and time.monotonic() < deadline:
                    time.sleep(0.001)
                overlapped.append(following in [low for low, _ in node.calls])
            return super().apply(session, logs)

    run = indexer(node, sessions, Watching(), span=16, max_span=16)
    asyncio.run(run.sync())
    assert rows(sessions) == expected(node)  # nothing reordered, doubled or missed
    assert node.calls == [(low, min(low + 15, 199)) for low in range(1, 200, 16)]  # each range read once
    assert len(overlapped) == len(node.calls) - 1 and all(overlapped), overlapped


def test_a_reorganisation_while_a_range_is_read_ahead_rolls_back_and_reads_again(
    sessions: sessionmaker[Session],
) -> None:
    """The chain forks below the range being written while the next one is read: the range read
    ahead comes from the new chain, the written one from the old; the next check rolls back."""
    node, sink = Node(100), Sink()
    run = indexer(node, sessions, sink, span=16, max_span=16)
    real = node.__call__
    reads = 0

    async def forking(method: str, params: list[Any]) -> Any:
        nonlocal reads
        if method == "eth_getLogs":
            reads += 1
            if reads == 3:  # range 33-48 read ahead while 17-32 is written
                node.fork(25, 80, logs_per_block=2)
        return await real(method, params)

    run.rpc = forking
    asyncio.run(run.sync())
    assert sink.rollbacks and sink.rollbacks[0] < 25
    assert rows(sessions) == expected(node)


def test_a_cancelled_sync_leaves_whole_ranges_and_their_cursor(sessions: sessionmaker[Session]) -> None:
    node = Node(300, logs_per_block=2)
    run = indexer(node, sessions, Sink(), span=16, max_span=16)

    async def cancel_midway() -> None:
        task = asyncio.create_task(run.sync())
        while len(node.calls) < 6:
            await asyncio.sleep(0)
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task

    asyncio.run(cancel_midway())
    cursor = run.cursor()
    assert 1 < cursor < 300 and rows(sessions) == [r for r in expected(node) if r[0] < cursor]
    asyncio.run(run.sync())  # resumed: the rest, nothing twice
    assert rows(sessions) == expected(node)


def test_a_read_ahead_that_fails_keeps_the_range_before_it(sessions: sessionmaker[Session]) -> None:
    node = Node(100)
    run = indexer(node, sessions, Sink(), span=16, max_span=16)
    real = node.__call__
    reads = 0

    async def failing(method: str, params: list[Any]) -> Any:
        nonlocal reads
        if method == "eth_getLogs":
            reads += 1
            if reads == 3:  # 33-48, read ahead while 17-32 is written
                raise RpcFailed("internal error")
        return await real(method, params)

    run.rpc = failing
    with pytest.raises(RpcFailed, match="internal error"):
        asyncio.run(run.sync())
    assert run.cursor() == 33 and rows(sessions) == [r for r in expected(node) if r[0] < 33]
    run.rpc = real
    asyncio.run(run.sync())
    assert rows(sessions) == expected(node)
