"""The campaign list: every campaign on the board with its manifest's title and task and its
requester's record, newest first, as labelers and requesters browse it.

Which campaigns exist and their manifests come from the board's ``CampaignCreated`` events; the
terms that change (open items, escrow, status) and each requester's record are read from the
board's views, concurrently. A campaign whose manifest cannot be used is left out (logged).
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass
from typing import TYPE_CHECKING, Protocol

from app.labeling.catalog import STATUS_OPEN, BoardCampaign
from app.labeling.task_type import TaskType
from app.storage.errors import StorageError

if TYPE_CHECKING:
    from app.labeling.catalog import Board

log = logging.getLogger(__name__)


class ManifestHead(Protocol):
    """What the list shows of a manifest (``schema.Manifest`` has it)."""

    @property
    def title(self) -> str: ...

    @property
    def task_type(self) -> TaskType: ...


class ManifestReader(Protocol):
    """Where the list reads manifests: ``Manifests`` in the app; in ``sahara label campaigns`` a
    reader that answers a manifest validated by an earlier run without importing pydantic."""

    def remember(self, campaign_id: int, cid: str) -> None: ...

    async def load(self, cid: str) -> ManifestHead:
        """The valid manifest under ``cid``: ``ValueError`` if it is not one, ``StorageError`` if
        it cannot be read now."""
        ...


@dataclass(frozen=True)
class CampaignInfo:
    """One on-chain campaign with its manifest's title and task, and its requester's record."""

    campaign_id: int
    requester: str
    manifest_cid: str
    title: str
    task_type: TaskType
    item_count: int
    reward_per_item: int
    redundancy: int
    batch_size: int
    batches_available: int
    open: bool
    escrow: int
    review_window_s: int
    claim_ttl_s: int
    min_reputation: int
    requester_reviewed: int  # items the requester accepted or rejected (on chain, its record)
    requester_accept_rate: float | None
    requester_disputes_lost: int = 0
    requester_auto_accepted: int = 0  # items accepted because the requester did not review in time


async def campaigns(board: Board, manifests: ManifestReader) -> list[CampaignInfo]:
    """Every campaign on the board with a readable manifest, newest first."""
    created = await board.events("CampaignCreated")
    ids = [int(event.args["campaignId"]) for event in created]
    cids = {i: str(event.args["params"]["manifestCid"]) for i, event in zip(ids, created, strict=True)}
    for campaign_id, cid in cids.items():
        manifests.remember(campaign_id, cid)
    read = await asyncio.gather(*(board.campaign(i) for i in ids))
    terms: dict[int, BoardCampaign] = dict(zip(ids, read, strict=True))
    available = dict(zip(ids, await asyncio.gather(*(board.batches_available(i) for i in ids)), strict=True))
    requesters = sorted({c.requester for c in terms.values()})
    read_records = await asyncio.gather(*(board.requester_record(r) for r in requesters))
    records = dict(zip(requesters, read_records, strict=True))
    found: list[CampaignInfo] = []
    for campaign_id in reversed(ids):
        cid = cids[campaign_id]
        try:
            manifest = await manifests.load(cid)
        except (StorageError, ValueError) as exc:
            log.info("skipping campaign %s: its manifest %s is unusable: %s", campaign_id, cid, exc)
            continue
        c = terms[campaign_id]
        record = records[c.requester]
        found.append(
            CampaignInfo(
                campaign_id=campaign_id, requester=c.requester, manifest_cid=cid, title=manifest.title,
                task_type=manifest.task_type, item_count=c.item_count, reward_per_item=c.reward_per_item,
                redundancy=c.redundancy, batch_size=c.batch_size, batches_available=available[campaign_id],
                open=c.status == STATUS_OPEN, escrow=c.escrow, review_window_s=c.review_window,
                claim_ttl_s=c.claim_ttl, min_reputation=c.min_reputation,
                requester_reviewed=record.decided, requester_accept_rate=record.accept_rate,
                requester_disputes_lost=record.disputes_lost,
                requester_auto_accepted=record.auto_accepted_items,
            )
        )  # fmt: skip
    return found
