"""The TaskBoard's events through the generic chain indexer, against a node double: decoded as web3
would, filtered by indexed arguments in SQL, malformed logs refused, "campaigns" told to listeners
whoever's read brought them in, and a reorganisation's orphaned campaigns rolled back.

The indexer's own guarantees (kill -9 resume, adaptive ranges, reorg walk-back) are its own tests'
(``test_chain_indexer.py``); here the node is a list of blocks with TaskBoard logs in them."""

from __future__ import annotations

import asyncio
import hashlib
from pathlib import Path
from typing import Any

import pytest
from eth_abi import encode
from sqlalchemy.orm import Session, sessionmaker

from app.chain.contracts import Deployment
from app.db.engine import make_engine, session_factory
from app.db.migrate import upgrade
from app.labeling.board_abi import board_abi, canonical
from app.labeling.board_scan import BoardScan
from app.labeling.catalog import Board

BOARD = "0x5FbDB2315678afecb367f032d93F642f64180aa3"
ALICE = "0x70997970C51812dc3A010C7d01b50e0d17dc79C8"
BOB = "0x3C44CdDdB6a900fa2b585dd299e03d12FA4293BC"
ABI = board_abi()


def _h(seed: str) -> str:
    return "0x" + hashlib.sha256(seed.encode()).hexdigest()


def word(value: int | str) -> str:
    number = int(value, 16) if isinstance(value, str) else value
    return "0x" + number.to_bytes(32, "big").hex()


def created(campaign_id: int, requester: str, cid: str) -> tuple[list[str], bytes]:
    params = ABI.events["CampaignCreated"]["inputs"][2]
    data = encode([canonical(params)], [(cid, 20, 10**17, 1, 10, 3600, 86400, 0, b"\1" * 32)])
    return ["0x" + ABI.topics["CampaignCreated"].hex(), word(campaign_id), word(requester)], data


def withdrawn(labeler: str, amount: int) -> tuple[list[str], bytes]:
    return ["0x" + ABI.topics["Withdrawn"].hex(), word(labeler)], encode(["uint256"], [amount])


class Node:
    """Blocks of TaskBoard logs; ``fork`` replaces the blocks from a height with other ones."""

    def __init__(self) -> None:
        self.blocks: list[tuple[str, list[tuple[list[str], bytes]]]] = [(_h("genesis"), [])]

    def mine(self, *logs: tuple[list[str], bytes], salt: str = "a") -> None:
        self.blocks.append((_h(f"{salt}{len(self.blocks)}"), list(logs)))

    def fork(self, height: int) -> None:
        del self.blocks[height:]

    async def __call__(self, method: str, params: list[Any]) -> Any:
        await asyncio.sleep(0)
        if method == "eth_blockNumber":
            return hex(len(self.blocks) - 1)
        if method == "eth_getBlockByNumber":
            number = int(params[0], 16)
            return {"hash": self.blocks[number][0]} if number < len(self.blocks) else None
        assert method == "eth_getLogs", method
        low, high = int(params[0]["fromBlock"], 16), int(params[0]["toBlock"], 16)
        return [
            {
                "address": BOARD.lower(),
                "topics": topics,
                "data": "0x" + data.hex(),
                "blockNumber": hex(n),
                "blockHash": self.blocks[n][0],
                "transactionHash": _h(f"tx{self.blocks[n][0]}{i}"),
                "logIndex": hex(i),
            }
            for n in range(low, min(high, len(self.blocks) - 1) + 1)
            for i, (topics, data) in enumerate(self.blocks[n][1])
        ]


@pytest.fixture
def sessions(tmp_path: Path) -> sessionmaker[Session]:
    upgrade(tmp_path / "sahara.db")
    return session_factory(make_engine(tmp_path / "sahara.db"))


def board_on(node: Node, sessions: sessionmaker[Session]) -> Board:
    return Board.indexed(node, Deployment("devnet", 31337, 1, "x", {"TaskBoard": BOARD}), sessions)


def test_events_decode_like_web3_and_filter_by_indexed_arguments(sessions: sessionmaker[Session]) -> None:
    node = Node()
    node.mine(created(0, ALICE, "bafy-one"), withdrawn(BOB, 5))
    node.mine(created(1, BOB, "bafy-two"))
    board = board_on(node, sessions)

    async def body() -> None:
        every = await board.events("CampaignCreated")
        assert [int(e.args["campaignId"]) for e in every] == [0, 1]
        first = every[0]
        assert first.args["requester"] == ALICE  # checksummed, as web3 gives it
        assert first.args["params"]["manifestCid"] == "bafy-one"  # a struct as a dict of its fields
        assert first.args["params"]["goldSetHash"] == b"\1" * 32 and first.block == 1
        assert [e.args["requester"] for e in await board.events("CampaignCreated", None, BOB)] == [BOB]
        assert [int(e.args["campaignId"]) for e in await board.events("CampaignCreated", 1)] == [1]
        assert await board.events("CampaignCreated", from_block=2) == every[1:]
        assert [e.args["amount"] for e in await board.events("Withdrawn", BOB)] == [5]

    asyncio.run(body())


def test_a_log_that_is_not_a_board_event_is_refused_and_the_rest_kept(
    sessions: sessionmaker[Session],
) -> None:
    node = Node()
    topics, _data = created(0, ALICE, "bafy-one")
    node.mine((topics, b"\xff" * 7), created(1, ALICE, "bafy-two"))  # data that does not decode
    node.mine((topics[:2], b""))  # a CampaignCreated with its requester topic missing
    board = board_on(node, sessions)
    found = asyncio.run(board.events("CampaignCreated"))
    assert [int(e.args["campaignId"]) for e in found] == [1]


def test_new_campaigns_are_told_whoever_reads_them_in(sessions: sessionmaker[Session]) -> None:
    node = Node()
    board = board_on(node, sessions)
    heard: list[str] = []

    async def body() -> None:
        board.logs.events.connect("campaigns", lambda: heard.append("campaigns"))
        board.logs.events.connect("board", lambda: heard.append("board"))
        await board.events("Withdrawn")
        assert heard == []
        node.mine(withdrawn(BOB, 1))
        await board.events("BatchSubmitted")  # another caller's read brings the withdrawal in
        assert heard == ["board"]
        node.mine(created(0, ALICE, "bafy-one"))
        await board.logs.sync()
        await asyncio.sleep(0)
        assert heard == ["board", "campaigns"]
        await board.logs.sync()  # nothing new: nothing said
        assert heard == ["board", "campaigns"]

    asyncio.run(body())


def test_a_reorganisation_removes_the_orphaned_campaign_and_says_so(sessions: sessionmaker[Session]) -> None:
    node = Node()
    node.mine(created(0, ALICE, "bafy-one"))
    node.mine(created(1, ALICE, "bafy-orphan"))
    board = board_on(node, sessions)
    heard: list[str] = []

    async def body() -> None:
        assert len(await board.events("CampaignCreated")) == 2
        board.logs.events.connect("campaigns", lambda: heard.append("campaigns"))
        node.fork(2)
        node.mine(withdrawn(BOB, 1), salt="b")
        node.mine(salt="b")
        after = await board.events("CampaignCreated")
        assert [e.args["params"]["manifestCid"] for e in after] == ["bafy-one"]
        assert "campaigns" in heard

    asyncio.run(body())


def test_the_index_survives_a_restart_without_reading_old_blocks_again(
    sessions: sessionmaker[Session],
) -> None:
    node = Node()
    node.mine(created(0, ALICE, "bafy-one"))
    asyncio.run(board_on(node, sessions).events("CampaignCreated"))
    asked: list[int] = []
    real = node.__call__

    async def spy(method: str, params: list[Any]) -> Any:
        if method == "eth_getLogs":
            asked.append(int(params[0]["fromBlock"], 16))
        return await real(method, params)

    node.mine(created(1, BOB, "bafy-two"))
    again = Board.indexed(
        spy, Deployment("devnet", 31337, 1, "x", {"TaskBoard": BOARD}), sessions
    )  # a new process
    found = asyncio.run(again.events("CampaignCreated"))
    assert [int(e.args["campaignId"]) for e in found] == [0, 1] and asked == [2]


def test_a_one_shot_commands_scan_reads_what_the_index_reads(sessions: sessionmaker[Session]) -> None:
    """``sahara label campaigns`` reads the node directly (no database, no web3): same events, same
    shapes, a log that is not a board event skipped there too, and so are the logs a careless node
    sends outside the query (this double ignores the topic filter)."""
    node = Node()
    topics, _data = created(0, ALICE, "bafy-bad")
    node.mine(created(0, ALICE, "bafy-one"), (topics, b"\xff" * 7), withdrawn(BOB, 5))
    node.mine(created(1, BOB, "bafy-two"))
    deployment = Deployment("devnet", 31337, 1, "x", {"TaskBoard": BOARD})
    scanned = Board(node, deployment, BoardScan(node, BOARD, deployment.block))
    indexed = Board.indexed(node, deployment, sessions)

    async def body() -> None:
        for query in [("CampaignCreated",), ("CampaignCreated", None, BOB), ("Withdrawn", BOB)]:
            assert await scanned.events(*query) == await indexed.events(*query)
        assert [e.args["params"]["manifestCid"] for e in await scanned.events("CampaignCreated")] == [
            "bafy-one", "bafy-two",
        ]  # fmt: skip

    asyncio.run(body())
