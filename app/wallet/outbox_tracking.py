"""The outbox's second half: following what was sent until it is settled.

``ReceiptTracking`` is the part of ``Outbox`` that broadcasts what is only signed, asks for
receipts and settles rows (mined, failed, or replaced by a sibling with the same nonce). It holds
no state of its own: the rows are in the database, so a crash between two passes loses nothing and
the next pass (``resume`` at start) takes up where the last one stopped.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from app.chain.client import ChainClient, ChainUnavailable
from app.db.models import OutboxTx

log = logging.getLogger(__name__)

PENDING = ("signed", "broadcast")
FIRST_POLL_S = 0.004  # the first receipt query after a broadcast; the wait doubles from there


class ReceiptTracking:
    """The tracking half of ``Outbox``, mixed into it: it uses the outbox's rows (``get``,
    ``pending``, ``_update``) and ``broadcast``, and the attributes declared here."""

    sessions: sessionmaker[Session]
    client: ChainClient
    chain_id: int
    reconciled: bool
    online: bool

    # -- tracking --------------------------------------------------------------------------------

    async def track_once(self) -> None:
        """One pass: broadcast what is only signed, settle what has a receipt."""
        try:
            await self._reconcile_once()
        except ChainUnavailable:
            self.online = False
            return
        for row in self.pending():
            try:
                if row.status == "signed":
                    await self.broadcast(row.id)
                    continue
                receipt = await self._receipt(row.tx_hash)
                self.online = True
                if receipt is not None:
                    self._settle(row, receipt)
            except ChainUnavailable:
                self.online = False
                return

    async def resume(self) -> None:
        """At start: reconcile with the node (it may have lost transactions), then one pass."""
        self.reconciled = False
        await self.track_once()

    async def _reconcile_once(self) -> None:
        if not self.reconciled:
            from app.wallet.outbox_reconcile import reconcile

            await reconcile(self)
            self.reconciled = True

    async def run(self, interval: float = 1.0) -> None:
        """The service loop (a task in the GUI and in ``sahara serve``); cancel it to stop."""
        await self.resume()
        while True:
            await asyncio.sleep(interval)
            await self.track_once()

    async def wait(
        self, tx_id: int, timeout: float = 60.0, interval: float = 0.2, first: float = FIRST_POLL_S
    ) -> OutboxTx:
        """Track until ``tx_id`` is settled (mined, failed, replaced or rejected).

        The receipt is asked for after ``first`` seconds, then twice as long each time up to
        ``interval``: an instant-mining devnet answers within milliseconds, and a labeler's next
        batch should not wait a fixed 0.2 s for it; a 12 s block chain still sees one query per
        ``interval`` once the transaction has waited a while."""
        delay = min(first, interval)
        async with asyncio.timeout(timeout):
            while (row := self.get(tx_id)).status in PENDING:
                await self.track_once()
                if self.get(tx_id).status in PENDING:
                    await asyncio.sleep(delay)
                    delay = min(interval, delay * 2)
            return row

    async def _safe_receipt(self, row: OutboxTx) -> Any:
        try:
            return await self._receipt(row.tx_hash)
        except ChainUnavailable:
            return None

    async def _receipt(self, tx_hash: str) -> Any:
        from web3.exceptions import TransactionNotFound

        try:
            return await self.client.ask(self.client.w3.eth.get_transaction_receipt(tx_hash))
        except TransactionNotFound:
            return None

    def _settle(self, row: OutboxTx, receipt: Any) -> OutboxTx:
        ok = int(receipt["status"]) == 1
        settled = self._update(
            row.id,
            status="mined" if ok else "failed",
            block_number=int(receipt["blockNumber"]),
            gas_used=int(receipt["gasUsed"]),
            error=None if ok else "The transaction reverted on chain.",
        )
        with self.sessions() as session:  # siblings with the same nonce lost the race
            siblings = session.scalars(
                select(OutboxTx).where(
                    OutboxTx.chain_id == row.chain_id, OutboxTx.sender == row.sender,
                    OutboxTx.nonce == row.nonce, OutboxTx.id != row.id, OutboxTx.status.in_(PENDING),
                )
            ).all()  # fmt: skip
        for sibling in siblings:
            self._update(sibling.id, status="replaced", error=f"Replaced by {row.tx_hash}")
        return settled
