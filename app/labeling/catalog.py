"""What the TaskBoard says: its views as typed records, and its events read from logs.

The board keeps no per-item history in storage (only ranges, 16 claim slots and a reusable pool of
submissions awaiting review per labeler, plus running counts: accepted items per campaign and
labeler, each requester's record), so everything historical (who created which campaign with which
manifest, what a labeler submitted, how it was reviewed) is read from its events, which the chain
indexer keeps in SQLite (``board_index.py``): read once, only the new blocks after that.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Protocol

from app.labeling.abi_words import checksum as to_checksum_address
from app.labeling.board_abi import Event, board_abi

if TYPE_CHECKING:
    from sqlalchemy.orm import Session, sessionmaker

    from app.chain.contracts import Deployment
    from app.chain.indexer import Rpc

SLOT_CLAIMED = 1
# TaskBoard.SubmissionStatus: awaiting review, reviewed with rejections (disputable), disputed
SUBMISSION_SUBMITTED, SUBMISSION_REVIEWED, SUBMISSION_DISPUTED = 1, 2, 3
STATUS_OPEN = 1


@dataclass(frozen=True)
class BoardCampaign:
    """``TaskBoard.getCampaign`` (the struct, field for field)."""

    escrow: int
    cursor: int
    open_items: int
    reward_per_item: int
    status: int
    item_count: int
    batch_count: int
    batch_size: int
    redundancy: int
    claim_ttl: int
    review_window: int
    min_reputation: int
    requester: str
    gold_set_hash: bytes
    accepted_items: int  # by labelers other than the requester

    def batch_items(self, batch: int) -> int:
        """How many items ``batch`` holds (the last batch may be shorter), as ``batchRange`` says."""
        return max(0, min(self.batch_size, self.item_count - batch * self.batch_size))


@dataclass(frozen=True)
class BoardSlot:
    campaign_id: int
    batch: int
    time: int
    status: int
    items: int


@dataclass(frozen=True)
class BoardSubmission:
    """One entry of a labeler's submission pool (``TaskBoard.getSubmission``); reused once settled,
    so a reader checks campaign and batch before trusting it."""

    campaign_id: int
    batch: int
    time: int  # submitted at, then reviewed at, then disputed at
    items: int
    accepted: int
    status: int
    next_free: int


@dataclass(frozen=True)
class BoardLabeler:
    earnings: int
    accepted_items: int  # reputation: accepted items of other requesters' campaigns that count
    rejected_items: int
    open_mask: int  # claim slots holding a claim
    free_head: int
    pool_size: int


@dataclass(frozen=True)
class RequesterRecord:
    """``TaskBoard.requesterRecord``: what a requester did with other labelers' work, in items."""

    accepted_items: int
    rejected_items: int
    auto_accepted_items: int
    disputes_lost: int
    disputes_won: int

    @property
    def decided(self) -> int:
        """Items the requester accepted or rejected itself (or the arbiter for it)."""
        return self.accepted_items + self.rejected_items

    @property
    def accept_rate(self) -> float | None:
        """Share of decided items accepted; None before any decision."""
        return self.accepted_items / self.decided if self.decided else None


def topic(value: int | str) -> str:
    """An indexed argument as a topic: a number, or an address left-padded to 32 bytes."""
    if isinstance(value, str):
        return "0x" + to_checksum_address(value)[2:].lower().rjust(64, "0")
    return "0x" + value.to_bytes(32, "big").hex()


class BoardLogs(Protocol):
    """Where a board's events are read: its SQLite index (``board_index.BoardIndex``, the app's) or
    the node directly (``board_scan.BoardScan``, a one-shot command's)."""

    async def read(self, name: str, *topics: str | None, from_block: int | None = None) -> list[Event]: ...


class Board:
    """Typed reads of one deployment's TaskBoard: views by ``eth_call``, events from ``logs``.

    Built on a plain JSON-RPC callable (``app.chain.indexer.Rpc``), not web3, so the CLI can read
    campaigns without importing web3; the app passes the chain client's (``client_rpc``)."""

    def __init__(self, rpc: Rpc, deployment: Deployment, logs: BoardLogs) -> None:
        self.rpc = rpc
        self.deployment = deployment
        self.address = deployment.address("TaskBoard")
        self.abi = board_abi()
        self.logs = logs

    @classmethod
    def indexed(cls, rpc: Rpc, deployment: Deployment, sessions: sessionmaker[Session]) -> Board:
        """A board whose events come from its index in the app's database (the app's way)."""
        from app.labeling.board_index import BoardIndex

        address = deployment.address("TaskBoard")
        index = BoardIndex(
            rpc, sessions, chain_id=deployment.chain_id, board=address, start_block=deployment.block
        )
        return cls(rpc, deployment, index)

    async def _call(self, function: str, *args: Any) -> Any:
        data = self.abi.call_data(function, *args)
        answer = await self.rpc("eth_call", [{"to": self.address, "data": data}, "latest"])
        if not isinstance(answer, str) or not answer.startswith("0x"):
            raise ValueError(f"eth_call {function}: a malformed answer")
        return self.abi.result(function, bytes.fromhex(answer[2:]))

    async def campaign_count(self) -> int:
        return int(await self._call("campaignCount"))

    async def campaign(self, campaign_id: int) -> BoardCampaign:
        raw = list(await self._call("getCampaign", campaign_id))
        *numbers, requester, gold, accepted = raw
        return BoardCampaign(
            *(int(n) for n in numbers), to_checksum_address(requester), bytes(gold), int(accepted)
        )

    async def batches_available(self, campaign_id: int) -> int:
        return int(await self._call("batchesAvailable", campaign_id))

    async def batch_range(self, campaign_id: int, batch: int) -> tuple[int, int]:
        first, items = await self._call("batchRange", campaign_id, batch)
        return int(first), int(items)

    async def labeler(self, account: str) -> BoardLabeler:
        raw = await self._call("getLabeler", to_checksum_address(account))
        return BoardLabeler(*(int(n) for n in raw))

    async def slot(self, account: str, slot: int) -> BoardSlot:
        raw = await self._call("getSlot", to_checksum_address(account), slot)
        return BoardSlot(*(int(n) for n in raw))

    async def submission(self, account: str, index: int) -> BoardSubmission:
        raw = await self._call("getSubmission", to_checksum_address(account), index)
        return BoardSubmission(*(int(n) for n in raw))

    async def requester_record(self, requester: str) -> RequesterRecord:
        raw = await self._call("requesterRecord", to_checksum_address(requester))
        return RequesterRecord(*(int(n) for n in raw))

    async def dispute_window(self) -> int:
        """Seconds after a review during which its rejection may be disputed."""
        return int(await self._call("disputeWindow"))

    async def dispute_bond(self, campaign_id: int, rejected: int) -> int:
        """The bond, in wei, a dispute of ``rejected`` items of ``campaign_id`` costs."""
        return int(await self._call("disputeBond", campaign_id, rejected))

    async def accepted_items(self, campaign_id: int, labeler: str) -> int:
        """Items of ``campaign_id`` by ``labeler`` accepted on chain (self-labeled never count)."""
        return int(await self._call("acceptedItems", campaign_id, to_checksum_address(labeler)))

    async def is_settled(self, campaign_id: int) -> bool:
        """Whether the campaign's accepted counts are final on chain."""
        return bool(await self._call("isSettled", campaign_id))

    async def events(
        self, name: str, *indexed: int | str | None, from_block: int | None = None
    ) -> list[Event]:
        """Every ``name`` event, oldest first, up to the chain's head; ``indexed`` filters the
        indexed arguments in order (None matches anything)."""
        topics = [None if v is None else topic(v) for v in indexed]
        return await self.logs.read(name, *topics, from_block=from_block)
