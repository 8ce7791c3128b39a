"""The requester's side of results: a campaign's submissions opened and checked, their aggregate,
the campaign monitor's figures and the export.

Each submission is decrypted with the requester's key and validated against the manifest and the
Merkle root the labeler committed on chain; one that fails carries the reason instead of answers.
Opened results are kept by CID (content under a CID never changes).
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING

from eth_utils import to_checksum_address

from app.labeling.monitor import MonitorStats, Submission, answers_by_item, monitor_stats
from app.labeling.results import ResultError, open_result
from app.storage.errors import BlobNotFound, StorageError

if TYPE_CHECKING:
    from app.labeling.quality import Consensus
    from app.labeling.schema import LabelSet
    from app.labeling.service import LabelingService

log = logging.getLogger(__name__)


async def submissions(
    service: LabelingService, campaign_id: int, *, from_block: int | None = None
) -> list[Submission]:
    """The campaign's submissions, each opened with the active account's key and validated
    (against the manifest and the committed root); one that fails carries the reason instead."""
    manifest = await service.manifest(campaign_id)
    terms = await service.board.campaign(campaign_id)
    key = service.wallet.encryption_key().private_key
    found = []
    for event in await service.board.events("BatchSubmitted", campaign_id, from_block=from_block):
        batch = int(event.args["batch"])
        first = batch * terms.batch_size
        items = manifest.items[first : first + terms.batch_items(batch)]
        sub = Submission(
            campaign_id, batch, to_checksum_address(event.args["labeler"]), int(event.args["submission"]),
            first, items, str(event.args["resultCid"]), bytes(event.args["resultRoot"]), event.block,
            event.tx_hash, event.log_index, None,
        )  # fmt: skip
        found.append(await asyncio.to_thread(_open, service, sub, key, manifest.label_set))
    return found


def _open(service: LabelingService, sub: Submission, key: bytes, label_set: LabelSet) -> Submission:
    opened = service.opened_results
    cached = opened.get(sub.result_cid)
    if cached is not None and cached.labeler == sub.labeler and cached.batch == sub.batch:
        return replace(sub, result=cached)
    try:
        blob = b"".join(service.store.get(sub.result_cid))
    except BlobNotFound as exc:
        return replace(sub, error=str(exc), missing=True)
    except StorageError as exc:
        return replace(sub, error=str(exc))
    try:
        result = open_result(
            blob, key, campaign_id=sub.campaign_id, batch=sub.batch, labeler=sub.labeler, items=sub.items,
            label_set=label_set, first_item=sub.first_item, expected_root=sub.root,
        )  # fmt: skip
    except ResultError as exc:
        log.info("result %s of batch %s by %s refused: %s", sub.result_cid, sub.batch, sub.labeler, exc)
        return replace(sub, error=str(exc))
    opened[sub.result_cid] = result
    return replace(sub, result=result)


async def results(service: LabelingService, campaign_id: int) -> dict[str, Consensus]:
    """The aggregated answer per labeled item (Dawid–Skene with ≥ 3 answers, else majority)."""
    from app.labeling.quality import aggregate

    manifest = await service.manifest(campaign_id)
    answers = answers_by_item(await submissions(service, campaign_id))
    return aggregate(manifest.task_type, answers, manifest.label_set.names)


async def monitor(service: LabelingService, campaign_id: int) -> MonitorStats:
    """Progress, cost, agreement, labelers and weak items of one of the active account's campaigns."""
    manifest = await service.manifest(campaign_id)
    found = await submissions(service, campaign_id)
    reviews = [e.args for e in await service.board.events("BatchReviewed", campaign_id)]
    gold = await asyncio.to_thread(service.gold_set, campaign_id)
    return monitor_stats(campaign_id, manifest, found, reviews, gold.answers if gold else {})


async def export(service: LabelingService, campaign_id: int, fmt: str, dest: Path) -> list[Path]:
    """Write the campaign's aggregated answers (and its images) in ``fmt`` under ``dest``."""
    from app.labeling.formats import export as write

    manifest = await service.manifest(campaign_id)
    consensus = await results(service, campaign_id)
    annotations = {item_id: c.answer for item_id, c in consensus.items()}
    shape = (manifest.task_type, manifest.label_set, manifest.items)
    images = service.item_bytes if manifest.task_type.modality == "image" else None
    return await asyncio.to_thread(write, fmt, dest, shape, annotations, images=images)
