"""The TaskBoard's events, indexed into SQLite by the chain indexer (``app/chain/indexer.py``).

Everything historical about campaigns (who created which, with which manifest), submissions,
reviews, disputes and withdrawals is in the board's events. ``BoardIndex`` follows them with one
``LogIndexer`` stream per board: read once, kept in ``label_log`` across restarts, reorganisations
rolled back by the indexer, and a kill at any moment resumes from the cursor with nothing lost or
doubled. Each read first brings the index up to the chain's head (no confirmations: a reorg rolls
back what it orphaned), so what a caller reads includes what it just sent.

``events`` tells listeners, whoever's read brought them in (a page's refresh, auto-review, the
composition root's follow loop): ``campaigns`` () when campaigns appeared (or a reorganisation
removed some), ``board`` () for any other board event.

Logs are checked when they arrive (a log that does not decode as a TaskBoard event is skipped with
why) and decoded again when read, into the same shapes web3 gives (``board_abi``).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Sequence

from sqlalchemy import delete, select
from sqlalchemy.orm import Session, sessionmaker

from app.chain.indexer import LogIndexer, Rpc
from app.chain.raw_logs import RawLog
from app.db.models import LabelLog
from app.events import Events
from app.labeling.board_abi import Event, board_abi

log = logging.getLogger(__name__)

CAMPAIGNS, BOARD = "campaigns", "board"  # what changed: a CampaignCreated arrived (or went), anything else


def _hex(value: bytes) -> str:
    return "0x" + value.hex()


class BoardSink:
    """Stores a board's logs as they came, inside the indexer's transaction."""

    def __init__(self, chain_id: int, board: str) -> None:
        self.chain_id, self.board = chain_id, board.lower()
        self.abi = board_abi()
        self._created = self.abi.topics["CampaignCreated"]

    def apply(self, session: Session, logs: Sequence[RawLog]) -> set[str]:
        changed: set[str] = set()
        for entry in logs:
            try:
                self.abi.decode(entry.topics, entry.data)
            except ValueError as exc:
                log.warning("TaskBoard log %s:%d skipped: %s", entry.tx_hash, entry.log_index, exc)
                continue
            topics = [_hex(t) for t in entry.topics] + [None] * (4 - len(entry.topics))
            session.merge(
                LabelLog(
                    chain_id=self.chain_id, board=self.board, block=entry.block, log_index=entry.log_index,
                    tx_hash=entry.tx_hash, topic0=topics[0], topic1=topics[1], topic2=topics[2],
                    topic3=topics[3], data=entry.data,
                )
            )  # fmt: skip
            changed.add(CAMPAIGNS if entry.topics[0] == self._created else BOARD)
        return changed

    def rollback(self, session: Session, after_block: int) -> set[str]:
        removed = session.execute(
            delete(LabelLog).where(
                LabelLog.chain_id == self.chain_id, LabelLog.board == self.board, LabelLog.block > after_block
            )
        )
        return {CAMPAIGNS, BOARD} if getattr(removed, "rowcount", 0) else set()


class BoardIndex:
    """One board's events in SQLite, brought up to the head before each read."""

    def __init__(
        self, rpc: Rpc, sessions: sessionmaker[Session], *, chain_id: int, board: str, start_block: int
    ) -> None:
        self.sessions = sessions
        self.chain_id, self.board = chain_id, board.lower()
        self.abi = board_abi()
        self.sink = BoardSink(chain_id, board)
        self.indexer = LogIndexer(
            rpc, sessions, chain_id=chain_id, stream=f"labeling:{self.board}", addresses=[board],
            topics=list(self.abi.topics.values()), start_block=start_block, sink=self.sink,
        )  # fmt: skip
        self._lock = asyncio.Lock()
        self.events = Events(CAMPAIGNS, BOARD)

    def _tell(self, changed: set[str]) -> None:
        for name in sorted(changed & {CAMPAIGNS, BOARD}):
            self.events.emit(name)

    async def sync(self) -> None:
        """Read the board's new logs up to the head (one reader at a time); listeners hear what came."""
        async with self._lock:
            await self.indexer.sync(on_change=self._tell)

    async def read(self, name: str, *topics: str | None, from_block: int | None = None) -> list[Event]:
        """Every ``name`` event, oldest first, after a sync; ``topics`` are the indexed arguments
        as 32-byte hex (None matches anything)."""
        await self.sync()
        return await asyncio.to_thread(self.stored, name, *topics, from_block=from_block)

    def stored(self, name: str, *topics: str | None, from_block: int | None = None) -> list[Event]:
        """The ``name`` events already indexed (no chain read; sync)."""
        columns = (LabelLog.topic1, LabelLog.topic2, LabelLog.topic3)
        query = select(LabelLog).where(
            LabelLog.chain_id == self.chain_id,
            LabelLog.board == self.board,
            LabelLog.topic0 == _hex(self.abi.topics[name]),
        )
        for column, value in zip(columns, topics, strict=False):
            if value is not None:
                query = query.where(column == value.lower())
        if from_block is not None:
            query = query.where(LabelLog.block >= from_block)
        found: list[Event] = []
        with self.sessions() as session:
            for row in session.scalars(query.order_by(LabelLog.block, LabelLog.log_index)):
                raw = [row.topic0, row.topic1, row.topic2, row.topic3]
                topic_bytes = [bytes.fromhex(t[2:]) for t in raw if t is not None]
                _, args = self.abi.decode(topic_bytes, row.data)
                found.append(Event(name, args, row.block, row.tx_hash, row.log_index))
        return found
