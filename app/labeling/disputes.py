"""A labeler disputes a rejection: the only answer to a requester that accepts nothing and keeps
the labels.

Within the board's dispute window after a review that rejected items, the labeler bonds a share of
the rejected reward (``TaskBoard.disputeBond``) and the arbiter decides how many rejected items are
paid. If the arbiter does not rule within its window, anyone settles the dispute for the labeler
(``resolve_expired``): every disputed item paid, bond back. A dispute the arbiter rejects entirely
loses the bond to the requester. The outcome shows in the labeler's earnings (``DisputeResolved``).
A rejection nobody disputed in time is made final by ``settle_rejections`` (before the requester
closes the campaign), which returns its reward to the refundable escrow.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from app.labeling.catalog import SUBMISSION_DISPUTED, SUBMISSION_REVIEWED, BoardSubmission

if TYPE_CHECKING:
    from app.labeling.service import LabelingService


class NotDisputable(ValueError):
    """The batch has no rejection open to dispute (or no dispute to settle); the message says why."""


async def _entry(
    service: LabelingService, labeler: str, campaign_id: int, batch: int
) -> tuple[int, BoardSubmission]:
    """The pool index and entry of ``labeler``'s submission of ``batch`` (from its event, then
    checked on chain: an entry is reused once settled)."""
    events = await service.board.events("BatchSubmitted", campaign_id, labeler, batch)
    if not events:
        raise NotDisputable(f"You did not submit batch {batch} of campaign {campaign_id}.")
    index = int(events[-1].args["submission"])
    entry = await service.board.submission(labeler, index)
    if (entry.campaign_id, entry.batch) != (campaign_id, batch):
        raise NotDisputable(f"Batch {batch} of campaign {campaign_id} is settled: nothing is open any more.")
    return index, entry


async def dispute(service: LabelingService, campaign_id: int, batch: int) -> str:
    """Dispute the rejected items of the active account's batch: approve the bond, then dispute.
    Returns the dispute's transaction hash."""
    labeler = service.address
    if labeler is None:
        raise RuntimeError("Create or unlock a wallet first.")
    index, entry = await _entry(service, labeler, campaign_id, batch)
    if entry.status != SUBMISSION_REVIEWED:
        raise NotDisputable("Only a review that rejected items can be disputed, once, within the window.")
    window = await service.board.dispute_window()
    latest = await service.client.ask(service.client.w3.eth.get_block("latest"))
    if int(latest["timestamp"]) > entry.time + window:
        raise NotDisputable("The time to dispute this review is over: the rejection is final.")
    rejected = entry.items - entry.accepted
    bond = await service.board.dispute_bond(campaign_id, rejected)
    name = f"{campaign_id}:{batch}:{entry.time}"
    board = service.deployment.address("TaskBoard")
    await service.send(
        "SaharaToken", "approve", board, bond, intent=f"dispute-bond:{name}",
        description=f"Allow the board to take the dispute bond for batch {batch}",
    )  # fmt: skip
    receipt = await service.send(
        "TaskBoard", "dispute", index, campaign_id, batch, intent=f"dispute:{name}",
        description=f"Dispute the {rejected} rejected item(s) of batch {batch} of campaign {campaign_id}",
    )  # fmt: skip
    return "0x" + bytes(receipt["transactionHash"]).hex()


async def resolve_expired(service: LabelingService, labeler: str, campaign_id: int, batch: int) -> str:
    """Settle a dispute the arbiter left unruled past its deadline, for the labeler (anyone may)."""
    index, entry = await _entry(service, labeler, campaign_id, batch)
    if entry.status != SUBMISSION_DISPUTED:
        raise NotDisputable(f"Batch {batch} of campaign {campaign_id} has no dispute waiting.")
    receipt = await service.send(
        "TaskBoard", "resolveExpired", labeler, index, campaign_id, batch,
        intent=f"resolve:{campaign_id}:{labeler.lower()}:{batch}",
        description=f"Settle the unruled dispute of batch {batch} of campaign {campaign_id}",
    )  # fmt: skip
    return "0x" + bytes(receipt["transactionHash"]).hex()


async def settle_rejections(service: LabelingService, campaign_id: int) -> int:
    """``settleReview`` every rejection of the campaign whose dispute window is over with no
    dispute, so its reward can be refunded to the requester; how many were settled."""
    window = await service.board.dispute_window()
    latest = await service.client.ask(service.client.w3.eth.get_block("latest"))
    now, settled = int(latest["timestamp"]), 0
    for event in await service.board.events("BatchReviewed", campaign_id):
        labeler, batch = str(event.args["labeler"]), int(event.args["batch"])
        index = int(event.args["submission"])
        entry = await service.board.submission(labeler, index)
        if (entry.status, entry.campaign_id, entry.batch) != (SUBMISSION_REVIEWED, campaign_id, batch):
            continue  # accepted in full, disputed, or settled already
        if now <= entry.time + window:
            continue  # the labeler may still dispute it
        await service.send(
            "TaskBoard", "settleReview", labeler, index, campaign_id, batch,
            intent=f"settle:{campaign_id}:{labeler.lower()}:{batch}",
            description=f"Make final the rejection of batch {batch} of campaign {campaign_id}",
        )  # fmt: skip
        settled += 1
    return settled
