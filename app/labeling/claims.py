"""The labeler's side of the board: claiming batches, the open claims, and submitting answers.

Answers are sealed (encrypted to the requester and the labeler), stored, and submitted with their
Merkle root; ``submit_and_claim`` submits and claims the next batch in one transaction, the flow
``bench/gas.py`` measures. Every transaction carries an intent, so a retry after a crash finds the
first one instead of sending a second; a batch's drafts are deleted once its submission is mined.
"""

from __future__ import annotations

import asyncio
import logging
import uuid
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from pydantic import ValidationError

from app.labeling.catalog import SLOT_CLAIMED
from app.labeling.results import ordered_answers, result_root, seal
from app.labeling.schema import Annotation, BatchResult, Item, Manifest
from app.storage.errors import StorageError
from app.storage.keywrap import parse_public_key

if TYPE_CHECKING:
    from app.labeling.service import LabelingService

log = logging.getLogger(__name__)

NO_NEXT_BATCH = ("NoBatchAvailable", "CampaignNotOpen", "ReputationTooLow")  # submitAndClaim's claim refused
SLOTS = 16  # TaskBoard's claim slots per labeler


@dataclass(frozen=True)
class ClaimedBatch:
    campaign_id: int
    slot: int
    batch: int
    first_item: int
    items: list[Item]
    expires_at: int


async def claim(service: LabelingService, campaign_id: int) -> ClaimedBatch:
    """Claim the next batch of ``campaign_id`` for the active account."""
    manifest = await service.manifest(campaign_id)
    receipt = await service.send_board(
        "claimBatch", campaign_id,
        intent=f"claim:{campaign_id}:{uuid.uuid4().hex}",
        description=f"Claim a batch of campaign {campaign_id}",
    )  # fmt: skip
    (claimed,) = service.board_events("BatchClaimed", receipt)
    return await _claimed(service, manifest, claimed)


async def _claimed(service: LabelingService, manifest: Manifest, claimed: Any) -> ClaimedBatch:
    """The claim a ``BatchClaimed`` event describes, with its items from the manifest."""
    campaign_id, batch = int(claimed["campaignId"]), int(claimed["batch"])
    first, count = await service.board.batch_range(campaign_id, batch)
    return ClaimedBatch(
        campaign_id, int(claimed["slot"]), batch, first, manifest.items[first : first + count],
        int(claimed["expiresAt"]),
    )  # fmt: skip


async def open_claims(service: LabelingService) -> list[ClaimedBatch]:
    """The active account's claimed, unsubmitted batches (from its 16 slots on the board)."""
    account = service.address
    if account is None:
        return []
    board = service.board
    mask = (await board.labeler(account)).open_mask
    claims: list[ClaimedBatch] = []
    for index in range(SLOTS):
        if not mask & (1 << index):
            continue
        slot = await board.slot(account, index)
        if slot.status != SLOT_CLAIMED:
            continue
        try:
            manifest = await service.manifest(slot.campaign_id)
        except (KeyError, StorageError, ValidationError, ValueError) as exc:
            log.info("claim in slot %s: campaign %s unusable: %s", index, slot.campaign_id, exc)
            continue
        terms = await board.campaign(slot.campaign_id)
        first, count = await board.batch_range(slot.campaign_id, slot.batch)
        claims.append(
            ClaimedBatch(
                slot.campaign_id, index, slot.batch, first, manifest.items[first : first + count],
                slot.time + terms.claim_ttl,
            )
        )  # fmt: skip
    return claims


async def submit(service: LabelingService, claim: ClaimedBatch, annotations: list[Annotation]) -> str:
    """Encrypt the answers to the requester (and to the labeler), store them and submit the
    batch with its Merkle root; the batch's drafts are deleted once the transaction is mined.
    Submitting frees the claim slot: the submission waits for review outside the 16 slots."""
    cid, root = await _sealed(service, claim, annotations)
    receipt = await service.send_board(
        "submitBatch", claim.slot, cid, root, intent=_submit_intent(claim),
        description=f"Submit batch {claim.batch} of campaign {claim.campaign_id}",
    )  # fmt: skip
    await asyncio.to_thread(service.drafts(claim.campaign_id).delete, [item.id for item in claim.items])
    return service.tx_hash(receipt)


async def submit_and_claim(
    service: LabelingService, claim: ClaimedBatch, annotations: list[Annotation]
) -> tuple[str, ClaimedBatch | None]:
    """Submit ``claim`` and claim the campaign's next batch in one transaction
    (``submitAndClaim``): one transaction per batch boundary. The next batch is None when the
    campaign has none left for this account; the submission is then sent alone."""
    from app.wallet.outbox import TxReverted

    manifest = await service.manifest(claim.campaign_id)
    cid, root = await _sealed(service, claim, annotations)
    try:
        receipt = await service.send_board(
            "submitAndClaim", claim.slot, cid, root, intent=_submit_intent(claim) + ":next",
            description=f"Submit batch {claim.batch} of campaign {claim.campaign_id} and claim the next",
        )  # fmt: skip
    except TxReverted as exc:  # nothing signed: no next batch (or closed); submit alone
        if not any(name in str(exc) for name in NO_NEXT_BATCH):
            raise
        return await submit(service, claim, annotations), None
    await asyncio.to_thread(service.drafts(claim.campaign_id).delete, [item.id for item in claim.items])
    (claimed,) = service.board_events("BatchClaimed", receipt)
    return service.tx_hash(receipt), await _claimed(service, manifest, claimed)


def _submit_intent(claim: ClaimedBatch) -> str:
    return f"submit:{claim.campaign_id}:{claim.batch}:{claim.slot}:{claim.expires_at}"


async def _sealed(
    service: LabelingService, claim: ClaimedBatch, annotations: list[Annotation]
) -> tuple[str, bytes]:
    """The answers as a stored result (encrypted to the requester and the labeler): its CID and
    Merkle root. The same answers give the same CID, so a retry stores nothing new."""
    account = service.require_account()
    manifest = await service.manifest(claim.campaign_id)
    answers = ordered_answers(claim.items, annotations)
    result = BatchResult(
        campaign_id=claim.campaign_id, batch=claim.batch, labeler=account, annotations=answers
    )
    recipients = [parse_public_key(manifest.requester_pubkey), service.wallet.encryption_key().public_key]
    blob = await asyncio.to_thread(seal, result, recipients)
    cid = str(await asyncio.to_thread(service.store.put, [blob]))
    return cid, result_root(claim.first_item, answers)
