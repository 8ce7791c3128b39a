"""What the TaskBoard says: its views as typed records, and its events read from logs.

The board keeps no per-item history in storage (only ranges, 16 claim slots and a reusable pool of
submissions awaiting review per labeler, plus running counts: accepted items per campaign and
labeler, each requester's record), so everything historical (who created which campaign with which
manifest, what a labeler submitted, how it was reviewed) is read from its events. Logs are fetched
in bounded block ranges from the deployment's block, as public RPC endpoints refuse wide
``eth_getLogs`` queries, and remembered so that the next read fetches only the new blocks.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from eth_utils import to_checksum_address

from app.chain.bindings import bind
from app.chain.client import ChainClient
from app.chain.contracts import Deployment

CHUNK_BLOCKS = 50_000
REORG_DEPTH = 12  # blocks read again on each call; deeper reorganisations are not expected
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


@dataclass(frozen=True)
class Event:
    """One decoded log: its name, fields, and where it happened."""

    name: str
    args: dict[str, Any]
    block: int
    tx_hash: str
    log_index: int


def topic(value: int | str) -> str:
    """An indexed argument as a topic: a number, or an address left-padded to 32 bytes."""
    if isinstance(value, str):
        return "0x" + to_checksum_address(value)[2:].lower().rjust(64, "0")
    return "0x" + value.to_bytes(32, "big").hex()


class Board:
    """Typed reads of one deployment's TaskBoard."""

    def __init__(self, client: ChainClient, deployment: Deployment) -> None:
        self.client = client
        self.deployment = deployment
        self.contract = bind(client.w3, "TaskBoard", deployment.address("TaskBoard"))
        self._seen: dict[tuple[str, tuple[Any, ...]], tuple[int, list[Event]]] = {}

    async def _call(self, function: str, *args: Any) -> Any:
        return await self.client.ask(getattr(self.contract.functions, function)(*args).call())

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

    async def events(
        self, name: str, *indexed: int | str | None, from_block: int | None = None
    ) -> list[Event]:
        """Every ``name`` event, oldest first; ``indexed`` filters the indexed arguments in order
        (None matches anything).

        Without ``from_block`` the answer is remembered per query, and the next call fetches only
        the blocks since, plus the last ``REORG_DEPTH`` again in case the chain reorganised them:
        the Label page asks for the same events on every refresh, and a long chain would otherwise
        be read from the deployment block each time.
        """
        event = getattr(self.contract.events, name)()
        topics: list[Any] = [event.topic, *(None if v is None else topic(v) for v in indexed)]
        while topics and topics[-1] is None:
            topics.pop()
        high = await self.client.block_number()
        if from_block is not None:
            return await self._fetch(event, name, topics, from_block, high)
        key = (name, tuple(topics))
        scanned, cached = self._seen.get(key, (self.deployment.block - 1, []))
        if scanned > high:  # the chain went back (a reset devnet): what was seen is gone
            scanned, cached = self.deployment.block - 1, []
        start = max(self.deployment.block, scanned + 1 - REORG_DEPTH)
        found = [e for e in cached if e.block < start] + await self._fetch(event, name, topics, start, high)
        self._seen[key] = (high, found)
        return list(found)

    async def _fetch(self, event: Any, name: str, topics: list[Any], low: int, high: int) -> list[Event]:
        found: list[Event] = []
        while low <= high:
            top = min(high, low + CHUNK_BLOCKS - 1)
            query = {"address": self.contract.address, "topics": topics, "fromBlock": low, "toBlock": top}
            for raw in await self.client.ask(self.client.w3.eth.get_logs(query)):  # type: ignore[arg-type]
                if raw.get("removed"):
                    continue
                decoded = event.process_log(raw)
                found.append(
                    Event(
                        name,
                        dict(decoded["args"]),
                        int(raw["blockNumber"]),
                        "0x" + bytes(raw["transactionHash"]).hex(),
                        int(raw["logIndex"]),
                    )
                )
            low = top + 1
        return found
