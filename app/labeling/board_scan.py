"""The TaskBoard's events read straight from the node, for a one-shot command that keeps no index.

``sahara label campaigns`` answers in well under a second only without SQLAlchemy, migrations and
web3; it reads the few events it needs (``CampaignCreated``) up to the head in wide ranges and
decodes them with the shipped ABI (``board_abi``). A node that refuses such ranges raises, and the
command takes the indexed path instead (``board_index.py``: adaptive ranges, kept across runs).
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any

from app.labeling.board_abi import Event, board_abi

if TYPE_CHECKING:
    from app.chain.indexer import Rpc

log = logging.getLogger(__name__)

CHUNK_BLOCKS = 50_000


def _int(value: Any) -> int:
    if not isinstance(value, str) or not value.startswith("0x"):
        raise ValueError(f"not a hex quantity: {value!r}")
    return int(value, 16)


class BoardScan:
    """Reads a board's events from its deployment block to the head on every call."""

    def __init__(self, rpc: Rpc, board: str, start_block: int) -> None:
        self.rpc, self.board, self.start_block = rpc, board.lower(), start_block
        self.abi = board_abi()

    async def read(self, name: str, *topics: str | None, from_block: int | None = None) -> list[Event]:
        """Every ``name`` event, oldest first; ``topics`` filter the indexed arguments (32-byte hex)."""
        wanted: list[str | None] = ["0x" + self.abi.topics[name].hex(), *(t and t.lower() for t in topics)]
        while wanted[-1] is None:
            wanted.pop()
        head = _int(await self.rpc("eth_blockNumber", []))
        low = max(self.start_block, from_block or 0)
        found: list[Event] = []
        while low <= head:
            high = min(head, low + CHUNK_BLOCKS - 1)
            query = {"address": self.board, "topics": wanted, "fromBlock": hex(low), "toBlock": hex(high)}
            logs = await self.rpc("eth_getLogs", [query])
            if not isinstance(logs, list):
                raise ValueError("eth_getLogs: the answer is not a list")
            for raw in logs:
                try:
                    found.append(self._event(raw, wanted))
                except (ValueError, TypeError, KeyError, AttributeError) as exc:
                    log.warning("a TaskBoard log skipped: %s", exc)
            low = high + 1
        found.sort(key=lambda e: (e.block, e.log_index))
        return found

    def _event(self, raw: Any, wanted: list[str | None]) -> Event:
        """The log as an event; ``ValueError`` for one the query did not ask for (a node may send
        anything) or that does not decode."""
        given = [str(t).lower() for t in raw["topics"]]
        asked = all(w is None or (i < len(given) and given[i] == w) for i, w in enumerate(wanted))
        if raw.get("removed") or str(raw["address"]).lower() != self.board or not asked:
            raise ValueError("a log outside the query")
        topics = [bytes.fromhex(t[2:]) for t in given]
        data = bytes.fromhex(str(raw.get("data", "0x"))[2:])
        name, args = self.abi.decode(topics, data)
        return Event(name, args, _int(raw["blockNumber"]), str(raw["transactionHash"]), _int(raw["logIndex"]))
