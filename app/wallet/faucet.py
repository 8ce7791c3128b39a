"""The devnet faucet: new users get test ETH at once, with no set-up.

On the embedded devnet anvil funds ten well-known development accounts (the public "test … junk"
mnemonic). One of them acts as the devnet treasury and pays drips through the normal outbox, so a
drip is an ordinary, visible transaction in the user's history. These keys are public by design and
only ever used on a chain whose id is the devnet's; real networks have no faucet here.
"""

from __future__ import annotations

import time

from app.chain.devnet import DEVNET_CHAIN_ID
from app.db.models import OutboxTx
from app.wallet.hd import signing_account
from app.wallet.outbox import Outbox, OutboxError, TxRequest

DEV_MNEMONIC = "test test test test test test test test test test test junk"
TREASURY_INDEX = 9
DRIP_WEI = 10 * 10**18
DRIP_WINDOW_S = 600  # one drip per address per ten minutes: the intent id repeats within a window


async def drip_eth(outbox: Outbox, address: str, now: float | None = None) -> OutboxTx:
    """Send ``DRIP_WEI`` to ``address`` from the devnet treasury (idempotent within a window)."""
    if outbox.chain_id != DEVNET_CHAIN_ID:
        raise OutboxError("The faucet exists only on the local devnet.")
    window = int((time.time() if now is None else now) // DRIP_WINDOW_S)
    treasury = signing_account(DEV_MNEMONIC, TREASURY_INDEX)
    request = TxRequest(
        f"faucet-eth:{address.lower()}:{window}", address, value=DRIP_WEI, description="Devnet faucet: 10 ETH"
    )
    return await outbox.submit(request, treasury)
