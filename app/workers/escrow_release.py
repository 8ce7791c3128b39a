"""Collect a seller's revenue once a delivered license's escrow may be released.

``LicenseMarket`` holds a delivered license's price through the dispute window; after it (or after
an unruled dispute's deadline) anyone may ``release`` it: the fee goes to the treasury, the rest to
the asset's royalty vault. Nobody but the seller has a reason to, so key delivery does it for the
licenses it delivered. For each ``delivered`` ledger row of the served accounts, on chain time:

- still disputable, or disputed with the arbiter's time still running: wait;
- releasable: one ``release`` through the outbox under the intent ``release:<market>:<license>``
  (signed once whatever crashes), then the row is ``paid``;
- already settled (the buyer accepted early, someone else released, the arbiter ruled for the
  seller): ``paid``; refunded (the arbiter ruled for the buyer): ``closed``, saying so.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import TYPE_CHECKING

from app.chain.contracts import Deployment
from app.market import licenses
from app.market.licenses import LicenseStatus
from app.wallet.calls import CallFailed, transact
from app.wallet.keystore import AccountEntry
from app.wallet.outbox import OutboxError, TxReverted
from app.workers.delivery_ledger import CLOSED, PAID, DeliveryLedger

if TYPE_CHECKING:
    from app.wallet.outbox import Outbox, Signer

log = logging.getLogger(__name__)


def release_intent(market: str, license_id: int) -> str:
    return f"release:{market.lower()}:{license_id}"


async def release_matured(
    ledger: DeliveryLedger,
    outbox: Outbox,
    deployment: Deployment,
    sellers: Sequence[AccountEntry],
    signer: Signer,
    *,
    timeout_s: float,
) -> list[int]:
    """Release every served delivered license whose escrow may be released; the ids now paid.

    ``signer`` pays the gas (any account can release; the money goes where the contract says).
    """
    client = outbox.client
    paid: list[int] = []
    rows = ledger.delivered([entry.address for entry in sellers])
    if not rows:
        return paid
    now = await licenses.chain_time(client)
    for row in rows:
        record = await licenses.read_license(client, deployment, row.license_id)
        if record.status == LicenseStatus.REFUNDED:
            ledger.settle_delivered(row.id, CLOSED, "the buyer won a dispute: the price was refunded")
            continue
        if record.status == LicenseStatus.DELIVERED:
            until = record.deadline
        elif record.status == LicenseStatus.DISPUTED:
            until = await licenses.dispute_deadline(client, deployment, row.license_id)
        else:  # settled by someone else, or (NONE) reorganised away
            if record.status == LicenseStatus.SETTLED:
                ledger.settle_delivered(row.id, PAID, "the escrow was released")
                paid.append(row.license_id)
            continue
        if now <= until:
            continue
        try:
            await transact(
                outbox, signer, deployment, licenses.MARKET, "release", row.license_id,
                intent=release_intent(deployment.address(licenses.MARKET), row.license_id),
                description=f"Collect the payment of license {row.license_id} (asset {row.asset_id})",
                timeout=timeout_s,
            )  # fmt: skip
        except (CallFailed, TxReverted, OutboxError) as exc:  # e.g. released by someone else meanwhile
            log.warning("key delivery: license %d not released yet (%s); next pass", row.license_id, exc)
            continue
        log.info(
            "key delivery: license %d paid out to the royalty vault of asset %d", row.license_id, row.asset_id
        )
        ledger.settle_delivered(row.id, PAID, "the escrow was released")
        paid.append(row.license_id)
    return paid
