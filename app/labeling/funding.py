"""Funding a campaign with a permit, safe against a second creation from the same account.

A permit spends the owner's token nonce. Two creations from one account signed at the same moment
carry the same nonce: the first to be mined spends it, the second's permit then fails on chain and
its escrow pull reverts with a bare ``ERC20InsufficientAllowance``. In one process a lock per
account keeps "sign the permit, send, wait until mined" one at a time; against another process (a
second ``sahara label create``), a failure after the nonce moved is retried with a permit signed
at the new nonce, and otherwise reported in words.
"""

from __future__ import annotations

import asyncio
import logging
from typing import TYPE_CHECKING, Any

from eth_utils import to_checksum_address

from app.wallet.outbox import OutboxError

if TYPE_CHECKING:
    from app.labeling.service import LabelingService

log = logging.getLogger(__name__)

PERMIT_TRIES = 3
_locks: dict[str, asyncio.Lock] = {}  # per chain and account


class PermitRace(OutboxError):
    """Other transactions of the account kept spending the permit's nonce; nothing was paid."""


async def fund_campaign(
    service: LabelingService, signer: Any, params: tuple[Any, ...], escrow: int, title: str
) -> Any:
    """``createCampaignWithPermit(params, permit)`` from ``signer``; the receipt. ``params[0]`` is
    the manifest CID, which names the transaction's intent (a retry after a crash finds it)."""
    from app.chain.permit import signed_permit
    from app.wallet.calls import CallFailed
    from app.wallet.outbox import TxReverted

    token = service.deployment.address("SaharaToken")
    board = service.deployment.address("TaskBoard")
    lock = _locks.setdefault(f"{service.chain_id}:{signer.address.lower()}", asyncio.Lock())
    async with lock:
        for _ in range(PERMIT_TRIES):
            permit = await signed_permit(service.client, token, signer, board, escrow)
            try:
                return await service.send(
                    "TaskBoard", "createCampaignWithPermit", params, *permit.args,
                    intent=f"campaign:{params[0]}", description=f"Create campaign “{title}”",
                )  # fmt: skip
            except (TxReverted, CallFailed) as exc:
                if await permit_nonce(service, token, signer.address) == permit.nonce:
                    raise  # the permit was not the problem: the chain's reason stands
                log.info("permit nonce %s spent elsewhere (%s); signing again", permit.nonce, exc)
    raise PermitRace(
        "Other transactions from this account kept using its token permit at the same moment, so the "
        "campaign was not funded and nothing was paid. Try again once they have finished."
    )


async def permit_nonce(service: LabelingService, token: str, owner: str) -> int:
    """The owner's current EIP-2612 nonce on the token."""
    from app.chain.bindings import bind

    contract = bind(service.client.w3, "SaharaToken", token)
    return int(await service.client.ask(contract.functions.nonces(to_checksum_address(owner)).call()))
