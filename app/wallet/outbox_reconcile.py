"""Make the outbox agree with the chain it talks to now, before anything new is signed.

Why this exists: a local chain can lose its last moments (anvil killed between two state
snapshots; see ``app.chain.devnet_state``). The outbox then holds rows marked "mined" whose
transactions the chain no longer has, and a transaction signed after them would wait behind a
nonce gap forever. The signed raw bytes of those rows are still valid (same chain, same nonce), so
they go back to pending and are broadcast again, oldest first, and mine exactly once more: the
chain's nonce makes a second copy impossible.

Rows of a different chain under the same id (a devnet reset) are never replayed: ``adopt_chain``
starts them over first. A row counts as lost only when the chain says so twice: its sender's nonce
on chain has not passed the row's nonce (so no transaction with that nonce is in the chain), and
there is no receipt for its hash. A lagging node behind a load balancer fails the second test, so
nothing is sent twice.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from sqlalchemy import select, update

from app.chain.identity import adopt_chain
from app.db.models import OutboxTx
from app.logs import short_hash

if TYPE_CHECKING:
    from app.wallet.outbox import Outbox

log = logging.getLogger(__name__)

SETTLED = ("mined", "failed")  # statuses that say "the chain has it"


async def reconcile(outbox: Outbox) -> int:
    """Put every settled row the chain lost back to "signed" and rebroadcast what is pending,
    oldest first (a funding transfer before the spending it paid for). Returns how many were lost."""
    await adopt_chain(outbox.sessions, outbox.client, outbox.chain_id)  # a new chain: no rows to replay
    lost = 0
    with outbox.sessions() as session:
        senders = session.scalars(
            select(OutboxTx.sender)
            .where(OutboxTx.chain_id == outbox.chain_id, OutboxTx.status.in_(SETTLED))
            .distinct()
        ).all()
    w3 = outbox.client.w3
    for sender in senders:
        on_chain = int(await outbox.client.ask(w3.eth.get_transaction_count(sender, "latest")))
        with outbox.sessions() as session:
            candidates = session.scalars(
                select(OutboxTx).where(
                    OutboxTx.chain_id == outbox.chain_id, OutboxTx.sender == sender,
                    OutboxTx.status.in_(SETTLED), OutboxTx.nonce >= on_chain,
                )
            ).all()  # fmt: skip
        for row in candidates:
            if await outbox._receipt(row.tx_hash) is not None:
                continue
            log.warning(
                "outbox: the chain lost %s (nonce %d, was %s); sending it again",
                short_hash(row.tx_hash), row.nonce, row.status,
            )  # fmt: skip
            with outbox.sessions() as session:
                session.execute(
                    update(OutboxTx)
                    .where(OutboxTx.id == row.id)
                    .values(status="signed", block_number=None, gas_used=None, error=None)
                )
                session.commit()
            lost += 1
    for row in sorted(outbox.pending(), key=lambda r: r.id):
        if row.status == "broadcast" and await outbox._safe_receipt(row) is None:
            outbox._update(row.id, status="signed")  # a restarted node has an empty pool
        if outbox.get(row.id).status == "signed":
            await outbox.broadcast(row.id)
    return lost
