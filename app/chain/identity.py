"""Which chain the database's records belong to, and starting them over when the chain is new.

Why: records are keyed by chain id, but a chain id does not name one chain. ``sahara devnet reset``
(or a deleted state file, or a redeployed test network) gives a fresh chain with the same id, and
the outbox's "mined" deploy transactions, the campaign records and the event cursors of the old
one then point at nothing (every command that needed contracts failed with TransactionNotFound).
So the genesis block hash is remembered per chain id; when it changes, every row of every table
with a ``chain_id`` column for that id is deleted, and the caller drops the deployment manifest.
(anvil's genesis changes at every start unless the state it loads holds just one genesis block:
``app.chain.devnet_state.keep_first_genesis`` sees to that before each start of the devnet.)

A database from before this check has no genesis stored: its records are trusted if the oldest
mined outbox transaction is still in its block, and started over otherwise.

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
    return f"genesis:{chain_id}"


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
    genesis = await client.ask(client.w3.eth.get_block(0))
    genesis_hash = "0x" + bytes(genesis["hash"]).hex()
    with sessions() as session:
        stored = session.get(AppState, _key(chain_id))
        known = stored.value if stored is not None else None
    fresh = known != genesis_hash and (
        known is not None or not await _records_fit(sessions, client, chain_id)
    )
    head = await client.block_number()  # read last: a worker's cursor may be moving past it
    with sessions() as session:
        removed = _start_over(session, chain_id) if fresh else 0
        _rewind_cursors(session, chain_id, head)
        session.merge(AppState(key=_key(chain_id), value=genesis_hash))
        session.commit()
    if fresh:
        log.warning(
            "chain %d is a new chain (genesis %s): %d old records removed", chain_id, genesis_hash, removed
        )
    return fresh
