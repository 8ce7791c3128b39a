"""A labeler's earnings: each submitted batch with its review (and dispute ruling), totals in wei.

Everything historical comes from the board's events (``BatchSubmitted``, ``BatchReviewed``,
``DisputeResolved``, ``Withdrawn``); the credited balance and the dispute window from its views.
A rejection's reasons are in the requester's review report, named by the review transaction's
``ReviewNote``; it is only an explanation, so one that cannot be read leaves the reason empty.
"""

from __future__ import annotations

import asyncio
import logging
import uuid
from dataclasses import dataclass
from typing import TYPE_CHECKING

from app import safe_json
from app.labeling.catalog import SUBMISSION_REVIEWED, BoardCampaign
from app.storage import read_limited
from app.storage.cid import Cid
from app.storage.errors import StorageError
from app.words import format_sahara

if TYPE_CHECKING:
    from app.labeling.service import LabelingService

log = logging.getLogger(__name__)

MAX_REPORT_BYTES = 8 * 1024 * 1024


@dataclass(frozen=True)
class EarningRow:
    campaign_id: int
    batch: int
    items: int
    status: str  # claimed | pending | accepted | rejected | partly accepted
    accepted: int
    paid: int
    reason: str
    disputable: bool = False  # rejected items the labeler may still dispute (within the window)


@dataclass(frozen=True)
class Earnings:
    """Amounts in wei: ``pending`` awaits review, ``accepted``/``rejected`` were decided, ``paid``
    was withdrawn, ``withdrawable`` is credited on the board now."""

    pending: int
    accepted: int
    paid: int
    rejected: int
    withdrawable: int
    rows: list[EarningRow]


async def earnings(service: LabelingService) -> Earnings:
    """The active account's submissions and their reviews, with totals in wei."""
    account = service.require_account()
    board = service.board
    submitted = await board.events("BatchSubmitted", None, account)
    reviewed = {
        (int(e.args["campaignId"]), int(e.args["batch"])): e
        for e in await board.events("BatchReviewed", None, account)
    }
    disputes = {
        (int(e.args["campaignId"]), int(e.args["batch"])): e
        for e in await board.events("DisputeResolved", None, account)
    }
    withdrawn = await board.events("Withdrawn", account)
    terms: dict[int, BoardCampaign] = {}
    rows: list[EarningRow] = []
    totals = {"pending": 0, "accepted": 0, "rejected": 0}
    for event in submitted:
        campaign_id, batch = int(event.args["campaignId"]), int(event.args["batch"])
        if campaign_id not in terms:
            terms[campaign_id] = await board.campaign(campaign_id)
        c = terms[campaign_id]
        items = c.batch_items(batch)
        review = reviewed.get((campaign_id, batch))
        if review is None or review.block < event.block:
            rows.append(EarningRow(campaign_id, batch, items, "pending", 0, 0, ""))
            totals["pending"] += items * c.reward_per_item
            continue
        accepted, paid = int(review.args["accepted"]), int(review.args["paid"])
        reason = (
            "accepted automatically after the review window"
            if review.args["auto_"]
            else await _review_reason(service, review.tx_hash, campaign_id, batch, account)
        )
        ruling = disputes.get((campaign_id, batch))
        if ruling is not None and ruling.block >= review.block:  # a dispute decided the rejected part
            awarded = int(ruling.args["awarded"])
            accepted, paid = accepted + awarded, paid + int(ruling.args["paid"])
            reason = f"dispute: {awarded} more item(s) paid" + (
                " (the arbiter did not rule in time)" if ruling.args["byDeadline"] else ""
            )
        status = "accepted" if accepted == items else "rejected" if accepted == 0 else "partly accepted"
        disputable = accepted < items and ruling is None and not review.args["auto_"]
        if disputable:
            index = int(event.args["submission"])
            disputable = await _disputable(service, account, index, campaign_id, batch)
        rows.append(EarningRow(campaign_id, batch, items, status, accepted, paid, reason, disputable))
        totals["accepted"] += paid
        totals["rejected"] += (items - accepted) * c.reward_per_item
    for claim in await service.open_claims():
        rows.append(EarningRow(claim.campaign_id, claim.batch, len(claim.items), "claimed", 0, 0, ""))
    rows.reverse()
    return Earnings(
        pending=totals["pending"],
        accepted=totals["accepted"],
        paid=sum(int(e.args["amount"]) for e in withdrawn),
        rejected=totals["rejected"],
        withdrawable=(await board.labeler(account)).earnings,
        rows=rows,
    )


async def _disputable(
    service: LabelingService, account: str, index: int, campaign_id: int, batch: int
) -> bool:
    """Whether the reviewed submission's rejection is still open to dispute on chain."""
    entry = await service.board.submission(account, index)
    if (entry.status, entry.campaign_id, entry.batch) != (SUBMISSION_REVIEWED, campaign_id, batch):
        return False
    latest = await service.client.ask(service.client.w3.eth.get_block("latest"))
    return int(latest["timestamp"]) <= entry.time + await service.board.dispute_window()


async def _review_reason(
    service: LabelingService, tx_hash: str, campaign_id: int, batch: int, labeler: str
) -> str:
    """The reasons the review report of ``tx_hash`` (its ``ReviewNote``) gives for this batch;
    empty when the requester left no report or it cannot be read (it is only an explanation)."""
    notes = service.review_notes
    if tx_hash not in notes:
        receipt = await service.client.ask(service.client.w3.eth.get_transaction_receipt(tx_hash))
        found = service.board_events("ReviewNote", receipt)
        notes[tx_hash] = str(found[0]["reasonCid"]) if found else ""
    cid = notes[tx_hash]
    if not cid:
        return ""
    try:
        Cid.parse(cid)
        report = safe_json.loads(await asyncio.to_thread(read_limited, service.store, cid, MAX_REPORT_BYTES))
        reasons = next(
            r["reasons"]
            for r in report["reviews"]
            if (int(r["campaign_id"]), int(r["batch"])) == (campaign_id, batch)
            and str(r["labeler"]).lower() == labeler.lower()
        )
        return "; ".join(str(reason) for reason in reasons)
    except (StorageError, ValueError, KeyError, TypeError, StopIteration) as exc:
        log.info("review report %s unreadable: %s", cid, exc)
        return ""


async def withdraw(service: LabelingService) -> str:
    """Pay out everything credited to the active account."""
    labeler = await service.board.labeler(service.require_account())
    receipt = await service.send_board(
        "withdraw",
        intent=f"withdraw:{uuid.uuid4().hex}",
        description=f"Withdraw {format_sahara(labeler.earnings)} of earnings",
    )
    return service.tx_hash(receipt)
