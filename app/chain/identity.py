"""Which chain the database's records belong to, and starting them over when the chain is new.

Why: records are keyed by chain id, but a chain id does not name one chain. ``sahara devnet reset``
(or a deleted state file, or a redeployed test network) gives a fresh chain with the same id, and
the outbox's "mined" deploy transactions, the campaign records and the event cursors of the old
one then point at nothing (every command that needed contracts failed with TransactionNotFound).
So the hash of block 1 is remembered per chain id; when it changes, every row of every table with
a ``chain_id`` column for that id is deleted, and the caller drops the deployment manifest.

Block 1, not the genesis block: anvil adds a fresh genesis block (new timestamp, new hash) to its
state at every ``--load-state``, and which of them ``eth_getBlockByNumber(0)`` returns varies from
start to start, so the genesis hash called a restarted devnet a new chain about every other time
and removed its records. Block 1 is mined once and kept. A chain without a block 1 (head 0) where
one was remembered is a new chain.

A database from before this check has nothing stored: its records are trusted if the oldest mined
outbox transaction is still in its block, and started over otherwise.

Event cursors are also pulled back to the chain's head: a chain that lost its last blocks (a
devnet killed between snapshots) mines new blocks at those numbers, which must be scanned again.
"""

from __future__ import annotations

import logging

from sqlalchemy import delete, select, update
from sqlalchemy.orm import Session, sessionmaker

from app.chain.client import ChainClient
from app.db.models import AppState, Base, OutboxTx

log = logging.getLogger(__name__)


def _key(chain_id: int) -> str:
    return f"block1:{chain_id}"


async def _first_block_hash(client: ChainClient, head: int) -> str | None:
    """The hash of block 1, which names one chain (see the module docstring); None at head 0."""
    if head < 1:
        return None
    block = await client.ask(client.w3.eth.get_block(1))
    return "0x" + bytes(block["hash"]).hex()


async def _records_fit(sessions: sessionmaker[Session], client: ChainClient, chain_id: int) -> bool:
    """No genesis stored yet: do this chain's records belong to the chain the node serves?

    The oldest mined outbox transaction must be in the block it was mined in. The block is asked
    for, not the receipt: nodes that prune their transaction index forget old receipts by hash,
    and that must not wipe a real network's records.
    """
    with sessions() as session:
        oldest = session.execute(
            select(OutboxTx.tx_hash, OutboxTx.block_number)
            .where(
                OutboxTx.chain_id == chain_id,
                OutboxTx.status.in_(("mined", "failed")),
                OutboxTx.block_number.is_not(None),
            )
            .order_by(OutboxTx.id)
            .limit(1)
        ).first()
    if oldest is None:
        return True
    from web3.exceptions import BlockNotFound

    try:
        block = await client.ask(client.w3.eth.get_block(oldest.block_number))
    except BlockNotFound:
        return False
    mined = {"0x" + bytes(h).hex() for h in block["transactions"]}
    return oldest.tx_hash.lower() in mined


def _start_over(session: Session, chain_id: int) -> int:
    removed = 0
    for table in reversed(Base.metadata.sorted_tables):  # children before the rows they point at
        if "chain_id" in table.c:
            removed += session.execute(delete(table).where(table.c.chain_id == chain_id)).rowcount or 0
    return removed


def _rewind_cursors(session: Session, chain_id: int, head: int) -> None:
    for table in Base.metadata.sorted_tables:
        if "chain_id" in table.c and "next_block" in table.c:
            session.execute(
                update(table)
                .where(table.c.chain_id == chain_id, table.c.next_block > head + 1)
                .values(next_block=head + 1)
            )


async def adopt_chain(sessions: sessionmaker[Session], client: ChainClient, chain_id: int) -> bool:
    """Make the database's records for ``chain_id`` those of the chain ``client`` serves.

    Returns True when they were started over (a new chain under the same id): the caller then
    forgets the network's deployment manifest too.
    """
    head = await client.block_number()  # before the records are read: a worker's cursor may move on
    marker = await _first_block_hash(client, head)
    with sessions() as session:
        stored = session.get(AppState, _key(chain_id))
        known = stored.value if stored is not None else None
    fresh = not await _records_fit(sessions, client, chain_id) if known is None else known != marker
    with sessions() as session:
        removed = _start_over(session, chain_id) if fresh else 0
        _rewind_cursors(session, chain_id, head)
        if marker is None:
            if stored_row := session.get(AppState, _key(chain_id)):
                session.delete(stored_row)
        else:
            session.merge(AppState(key=_key(chain_id), value=marker))
        session.commit()
    if fresh:
        log.warning("chain %d is a new chain (block 1 %s): %d old records removed", chain_id, marker, removed)
    return fresh
