"""Call a deployed contract through the outbox and wait for the result: what every page does.

Publishing an asset, buying a license, claiming a batch or royalties are all "call function Y of
contract X as this account, wait until it is mined, read what happened from the receipt". Doing
that here, once, keeps the rules in one place:

- the transaction goes through the one ``Outbox`` (persisted before broadcast, nonce-managed,
  never signed twice for the same ``intent``), so pages never build transactions themselves;
- a call that would revert is refused before signing (the outbox decodes the contract's own error,
  ``CoolingDown(account=…, availableAt=…)`` instead of an opaque selector), so the UI can say why;
- a transaction that was sent but did not succeed raises ``CallFailed`` rather than returning a
  receipt the caller might forget to check;
- events are read from the receipt with the contract's ABI, only from that contract's address
  (ERC-20 and ERC-721 ``Transfer`` share a topic; other contracts' logs must not be misread).

It lives in the wallet layer, beside the outbox it sends through: the chain layer below knows
contracts and the node, never who signs (docs/architecture.md).
"""

from __future__ import annotations

from typing import Any

from eth_utils import to_checksum_address

from app.chain.bindings import bind, encode_call
from app.chain.contracts import Deployment
from app.wallet.outbox import Outbox, OutboxError, Signer, TxRequest


class CallFailed(OutboxError):
    """The transaction was signed and sent but did not succeed (reverted, rejected or replaced)."""


async def transact(
    outbox: Outbox,
    signer: Signer,
    deployment: Deployment,
    contract: str,
    function: str,
    *args: Any,
    intent: str,
    description: str = "",
    value: int = 0,
    timeout: float = 120.0,
) -> Any:
    """Send ``contract.function(*args)`` from ``signer`` and return its receipt once mined.

    ``intent`` names what the user asked for (e.g. ``"claim-batch:7"``); asking again with the
    same intent returns the first transaction's receipt instead of sending a second one, unless
    that one ended without effect (reverted, refused, cancelled): then it is a new try
    (``Outbox.next_attempt``). If the user speeds the transaction up meanwhile, the receipt is the
    replacement's.
    Raises the outbox's ``TxReverted`` (nothing signed) with the decoded contract error, ``CallFailed`` when
    the sent transaction did not succeed, and the outbox's other errors as they are.
    """
    request = TxRequest(
        outbox.next_attempt(signer.address, intent),
        to_checksum_address(deployment.address(contract)),
        data=encode_call(contract, function, *args),
        value=value,
        description=description or f"{contract}.{function}",
    )
    row = await outbox.submit(request, signer)
    row = await outbox.wait(row.id, timeout=timeout)
    tx_hash = row.tx_hash
    if row.status == "replaced" and (row.error or "").startswith("Replaced by "):
        tx_hash = (row.error or "").removeprefix("Replaced by ")  # the user sped it up, or cancelled it
    elif row.status != "mined":
        raise CallFailed(f"{request.description} {row.status}: {row.error or 'no reason given'}")
    receipt = await outbox.client.ask(outbox.client.w3.eth.get_transaction_receipt(tx_hash))
    if to_checksum_address(receipt["to"] or signer.address) != request.to:  # a cancel pays the sender
        raise CallFailed(f"{request.description} was cancelled.")
    if int(receipt["status"]) != 1:
        raise CallFailed(f"{request.description} reverted on chain.")
    return receipt


def events(outbox: Outbox, deployment: Deployment, contract: str, event: str, receipt: Any) -> list[Any]:
    """The ``event`` logs ``contract`` emitted in ``receipt``, decoded (``.args`` holds the fields)."""
    from web3.logs import DISCARD

    bound = bind(outbox.client.w3, contract, deployment.address(contract))
    decoded = getattr(bound.events, event)().process_receipt(receipt, errors=DISCARD)
    return [log for log in decoded if log["address"] == bound.address]
