"""The one chain indexer: contract logs read with ``eth_getLogs`` into SQLite, for every feature.

A ``LogIndexer`` follows one *stream* (a set of contract addresses and event topics) from the
deployment block to the chain's head minus ``confirmations``, and hands each range of decoded logs to
a ``LogSink`` (the market catalogue, later the labeling cache), which writes its rows in the same
transaction that moves the stream's cursor. So:

- a kill -9 at any moment leaves either the rows and the cursor of a range, or neither: a restart
  resumes from the cursor with no duplicate and no missing row;
- a network it has never seen is backfilled from the deployment block, range by range;
- ranges adapt: a node that refuses one (too many results, a response too large, a timeout) gets
  half the span again, down to one block; a quiet stretch doubles it, up to half the refused span
  (so it does not bounce off the node's limit), and past that again after ``PROBE_AFTER`` ranges;
- reorganisations: the hash of every range's last block (and of every block with logs) is stored;
  before reading on, the newest stored hash is compared with the node's. A difference walks back to
  the newest block both agree on, the sink deletes what it stored from the orphaned blocks, and the
  cursor goes back there, so the new blocks are read again. A range is only kept when its last
  block's hash was the same before and after its logs were read (no reorg in between).

``sync`` reads each range while the one before is written (in a worker thread, so the node and
SQLite work at once; over a remote node the reads' latency is hidden). The range read ahead is only
kept if it starts at the cursor after the next reorganisation check, which comes after that read.

Raw JSON-RPC is used rather than web3's contract events: decoding is the sink's business (with the
shipped ABIs), and web3's log formatting costs more than reading the logs themselves.
"""

from __future__ import annotations

import asyncio
import logging
import re
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from operator import attrgetter
from typing import Any, Protocol

from sqlalchemy import delete, select
from sqlalchemy.orm import Session, sessionmaker

from app.chain.client import ChainClient, ChainUnavailable
from app.chain.cursor_store import CursorStore
from app.chain.raw_logs import RawLog, hex_hash, hex_int, parse_log
from app.db.models import ChainBlock

log = logging.getLogger(__name__)

MIN_SPAN, MAX_SPAN, FIRST_SPAN = 1, 100_000, 2_000
GROW_BELOW = 2_000  # a range with fewer logs than this doubles the span
PROBE_AFTER = 100  # ranges read after a refusal before the span may grow past it again
KEEP_HASHES = 1_024  # blocks below the newest stored one whose hashes are kept for reorg checks
# How nodes word "that range is too much" (geth, erigon, alchemy, infura, quicknode, anvil, ...).
REFUSED = re.compile(r"too many|limit|exceed|range|too large|timeout|timed out|response size|10000", re.I)

Rpc = Callable[[str, list[Any]], Awaitable[Any]]
_ORDER = attrgetter("block", "log_index")  # a range's logs are applied in chain order


class RpcFailed(RuntimeError):
    """The node answered a request with an error (its message)."""


class RangeRefused(RpcFailed):
    """The node refused a block range as too wide even at one block: nothing can be read past it."""


@dataclass(frozen=True)
class _Read:
    """One range's logs as the node sent them, with its last block's hash before and after."""

    low: int
    high: int
    before: str | None
    after: str | None
    logs: list[Any]


class LogSink(Protocol):
    """What a stream's rows go to; both calls run inside the indexer's transaction (no commit)."""

    def apply(self, session: Session, logs: Sequence[RawLog]) -> set[str]:
        """Store ``logs`` (oldest first); the names of what changed."""
        ...

    def rollback(self, session: Session, after_block: int) -> set[str]:
        """Delete what was stored from blocks above ``after_block``; the names of what changed."""
        ...


def client_rpc(client: ChainClient) -> Rpc:
    """JSON-RPC over the one chain client; a node's error answer raises ``RpcFailed``."""

    async def call(method: str, params: list[Any]) -> Any:
        reply = await client.ask(client.w3.provider.make_request(method, params))  # type: ignore[arg-type]
        if not isinstance(reply, dict):
            raise RpcFailed(f"{method}: a malformed answer")
        if reply.get("error"):
            error = reply["error"]
            raise RpcFailed(str(error.get("message", error) if isinstance(error, dict) else error))
        return reply.get("result")

    return call


def roll_back(session: Session, sink: LogSink, chain_id: int, stream: str, agreed: int) -> set[str]:
    """Undo what a reorganisation orphaned above block ``agreed``: the sink's rows and the stored
    block hashes of ``stream`` (the caller moves its cursor back in the same transaction)."""
    changed = sink.rollback(session, agreed)
    session.execute(
        delete(ChainBlock).where(
            ChainBlock.chain_id == chain_id, ChainBlock.stream == stream, ChainBlock.number > agreed
        )
    )
    return changed


class LogIndexer:
    """Reads one stream's logs into its sink; ``step`` reads one range, ``sync`` up to the head."""

    def __init__(
        self,
        rpc: Rpc,
        sessions: sessionmaker[Session],
        *,
        chain_id: int,
        stream: str,
        addresses: Sequence[str],
        topics: Sequence[bytes],
        start_block: int,
        sink: LogSink,
        confirmations: int = 0,
        span: int = FIRST_SPAN,
        max_span: int = MAX_SPAN,
    ) -> None:
        self.rpc = rpc
        self.sessions = sessions
        self.chain_id, self.stream = chain_id, stream
        self.addresses = [a.lower() for a in addresses]
        self.topics = ["0x" + t.hex() for t in topics]
        self.start_block = start_block
        self.sink = sink
        self.confirmations = confirmations
        self.span, self.max_span = max(MIN_SPAN, min(span, max_span)), max_span
        self._ceiling, self._good = max_span, 0  # the span grows up to what the node last refused / 2
        self.skipped = 0  # malformed logs left out (each logged with why)
        self.cursors = CursorStore(sessions, chain_id, stream, start_block)

    # -- the cursor ------------------------------------------------------------------------------

    def cursor(self) -> int:
        """The first block not read yet (the deployment block for a stream never seen)."""
        return self.cursors.next_block()

    def _save(self, session: Session, next_block: int, hashes: dict[int, str]) -> None:
        self.cursors.save(session, next_block, hashes)
        self.cursors.forget_below(session, next_block - KEEP_HASHES)

    # -- reading ---------------------------------------------------------------------------------

    async def _block_hash(self, number: int) -> str | None:
        block = await self.rpc("eth_getBlockByNumber", [hex(number), False])
        return None if block is None else hex_hash(block.get("hash"))

    async def _logs(self, low: int, high: int) -> list[Any]:
        query = {
            "address": self.addresses,
            "topics": [self.topics],
            "fromBlock": hex(low),
            "toBlock": hex(high),
        }
        result = await self.rpc("eth_getLogs", [query])
        if not isinstance(result, list):
            raise RpcFailed("eth_getLogs: the answer is not a list")
        return result

    async def _read(self, low: int, safe: int) -> tuple[int, str | None, list[Any]]:
        """The logs of ``low``..some block ≤ ``safe``, shrinking the span while the node refuses;
        with the last block's hash as it was before the logs were read."""
        while True:
            high = min(safe, low + self.span - 1)
            before = await self._block_hash(high)
            try:
                found = await self._logs(low, high)
            except (RpcFailed, ChainUnavailable, TimeoutError) as exc:
                refused = isinstance(exc, (ChainUnavailable, TimeoutError)) or bool(REFUSED.search(str(exc)))
                if not refused or high == low:
                    if refused:
                        raise RangeRefused(f"the node refuses even block {low} alone: {exc}") from exc
                    raise
                self.span = self._ceiling = max(MIN_SPAN, (high - low + 1) // 2)
                self._good = 0
                log.info("%s: blocks %d-%d refused (%s); span now %d", self.stream, low, high, exc, self.span)
                continue
            self._good += 1
            if self._good >= PROBE_AFTER:  # what was refused long ago may be fine now
                self._ceiling, self._good = self.max_span, 0
            if len(found) < GROW_BELOW and high - low + 1 == self.span:
                self.span = min(self._ceiling, self.span * 2)
            return high, before, found

    async def _check_reorg(self) -> set[str]:
        """Compare the newest stored hash with the node's; on a difference roll back to agreement."""
        with self.sessions() as session:
            stored = session.execute(
                select(ChainBlock.number, ChainBlock.hash)
                .where(ChainBlock.chain_id == self.chain_id, ChainBlock.stream == self.stream)
                .order_by(ChainBlock.number.desc())
            ).all()
        if not stored or await self._block_hash(stored[0][0]) == stored[0][1]:
            return set()
        agreed = self.start_block - 1
        for number, block_hash in stored[1:]:
            if await self._block_hash(number) == block_hash:
                agreed = number
                break
        with self.sessions() as session:
            changed = roll_back(session, self.sink, self.chain_id, self.stream, agreed)
            self._save(session, agreed + 1, {})
            session.commit()
        log.warning(
            "%s: chain reorganised above block %d; rows from later blocks re-read", self.stream, agreed
        )
        return changed | {"reorg"}

    async def _fetch(self, low: int, safe: int) -> _Read:
        high, before, found = await self._read(low, safe)
        return _Read(low, high, before, await self._block_hash(high), found)

    def _checked(self, read: _Read) -> tuple[list[RawLog], dict[int, str]]:
        """The range's well-formed logs of the query, oldest first, and the hashes of its blocks."""
        logs: list[RawLog] = []
        hashes = {read.high: str(read.after)}
        for raw in read.logs:
            try:
                entry = parse_log(raw)
            except ValueError as exc:
                self.skipped += 1
                log.warning("%s: a malformed log skipped: %s", self.stream, exc)
                continue
            if (
                raw.get("removed")
                or not read.low <= entry.block <= read.high
                or entry.address not in self.addresses
            ):
                self.skipped += 1
                log.warning(
                    "%s: a log outside the query skipped (block %d, %s)",
                    self.stream,
                    entry.block,
                    entry.address,
                )
                continue
            logs.append(entry)
            hashes[entry.block] = entry.block_hash
        logs.sort(key=_ORDER)
        return logs, hashes

    def _write(self, logs: list[RawLog], high: int, hashes: dict[int, str]) -> set[str]:
        """The sink's rows and the cursor past ``high``, in one transaction."""
        with self.sessions() as session:
            changed = self.sink.apply(session, logs)
            self._save(session, high + 1, hashes)
            session.commit()
        return changed

    async def step(self) -> tuple[set[str], bool]:
        """Check for a reorganisation, then read one range; (what changed, caught up with the head)."""
        changed, done, _ = await self._step(None, read_ahead=False)
        return changed, done

    async def _step(
        self, ahead: asyncio.Task[_Read] | None, *, read_ahead: bool
    ) -> tuple[set[str], bool, asyncio.Task[_Read] | None]:
        """``step``, taking the range ``ahead`` read while the last one was written if it is the one
        due; with ``read_ahead``, the next range is read while this one is written (a task returned).

        The reorganisation check comes after the read ahead finished: a reorganisation before the
        check rolls back, and the range read ahead (no longer at the cursor) is read again; one after
        it changed the hash of the range's last block, which the next step's check compares."""
        read = await ahead if ahead is not None else None
        changed, head = await asyncio.gather(self._check_reorg(), self.rpc("eth_blockNumber", []))
        safe = hex_int(head) - self.confirmations
        low = self.cursor()
        if low > safe:
            return changed, True, None
        if read is None or read.low != low or read.high > safe:
            read = await self._fetch(low, safe)
        if read.after is None or read.before != read.after:
            return changed, False, None  # the chain moved under the read: the next step reads it again
        logs, hashes = self._checked(read)
        if not read_ahead or read.high >= safe:
            return changed | self._write(logs, read.high, hashes), read.high >= safe, None
        ahead = asyncio.create_task(self._fetch(read.high + 1, safe))
        writing = asyncio.ensure_future(asyncio.to_thread(self._write, logs, read.high, hashes))
        try:  # the node answers the next range while SQLite takes this one
            changed |= await asyncio.shield(writing)
        except BaseException:
            ahead.cancel()
            await asyncio.wait([writing])  # cancelled: no second writer while this one commits
            raise
        return changed, False, ahead

    async def sync(self, *, on_change: Callable[[set[str]], None] | None = None) -> int:
        """Read until caught up with the head, each range read while the one before is written; the
        number of ranges read."""
        ranges, ahead = 0, None
        try:
            while True:
                changed, done, ahead = await self._step(ahead, read_ahead=True)
                ranges += 1
                if changed and on_change is not None:
                    on_change(changed)
                if done:
                    return ranges
                await asyncio.sleep(0)
        finally:  # a read ahead not taken (an error, a cancel) is stopped and its outcome collected
            if ahead is not None:
                ahead.cancel()
                await asyncio.gather(ahead, return_exceptions=True)
