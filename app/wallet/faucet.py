"""The devnet faucet: new users get test ETH at once, with no set-up.

On the embedded devnet anvil funds ten well-known development accounts (the public "test … junk"
mnemonic). One of them acts as the devnet treasury and pays drips through the normal outbox, so a
drip is an ordinary, visible transaction in the user's history. These keys are public by design and
only ever used on a chain whose id is the devnet's; real networks have no faucet here.
"""

from __future__ import annotations

import time

from eth_account.signers.local import LocalAccount
from eth_utils import to_checksum_address

from app.chain.devnet import DEVNET_CHAIN_ID
from app.db.models import OutboxTx
from app.wallet.hd import signing_account
from app.wallet.outbox import Outbox, OutboxError, TxRequest

DEV_MNEMONIC = "test test test test test test test test test test test junk"
TREASURY_INDEX = 9
DRIP_WEI = 10 * 10**18
DRIP_WINDOW_S = 600  # one drip per address per ten minutes: the intent id repeats within a window


def treasury() -> LocalAccount:
    """The devnet treasury: admin of the devnet contracts and payer of faucet drips."""
    return signing_account(DEV_MNEMONIC, TREASURY_INDEX)


def _window(now: float | None) -> int:
    return int((time.time() if now is None else now) // DRIP_WINDOW_S)


async def drip_eth(outbox: Outbox, address: str, now: float | None = None) -> OutboxTx:
    """Send ``DRIP_WEI`` to ``address`` from the devnet treasury (idempotent within a window)."""
    if outbox.chain_id != DEVNET_CHAIN_ID:
        raise OutboxError("The faucet exists only on the local devnet.")
    request = TxRequest(
        f"faucet-eth:{address.lower()}:{_window(now)}",
        address,
        value=DRIP_WEI,
        description="Devnet faucet: 10 ETH",
    )
    return await outbox.submit(request, treasury())


async def drip_sahara(
    outbox: Outbox, faucet_address: str, address: str, now: float | None = None
) -> OutboxTx:
    """Ask the Faucet contract to mint its drip of SAHARA to ``address`` (it enforces a cooldown)."""
    from app.chain.bindings import encode_call

    if outbox.chain_id != DEVNET_CHAIN_ID:
        raise OutboxError("The faucet exists only on the local devnet.")
    address = to_checksum_address(address)  # ABI encoding takes only checksummed addresses
    request = TxRequest(
        f"faucet-sahara:{address.lower()}:{_window(now)}",
        faucet_address,
        data=encode_call("Faucet", "dripTo", address),
        description="Devnet faucet: SAHARA",
    )
    return await outbox.submit(request, treasury())
