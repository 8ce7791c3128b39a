"""Creating a campaign: check the funding, upload the images, manifest and encrypted gold set,
then fund it on the board in one transaction; and reading the gold set back.

Nothing is uploaded before the funding is known to be possible, and the upload stops between images
when cancelled (``CANCELLABLE_STAGES``: before the manifest, cancelling keeps nothing). The gold
set's CID is remembered per manifest (``LabelCampaign``), so a retry after a crash reuses the one
whose hash may already be on chain.
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Callable
from typing import TYPE_CHECKING

from eth_utils import keccak
from sqlalchemy import select

from app.db.models import LabelCampaign
from app.labeling.campaign_spec import CampaignError, CampaignSpec, check_spec
from app.labeling.funding import fund_campaign
from app.labeling.funding_check import FundingError, check_funding
from app.labeling.schema import GoldSet, Item, Manifest
from app.labeling.upload import upload_images
from app.storage import envelope

if TYPE_CHECKING:
    from app.labeling.formats import ImportProblem
    from app.labeling.service import LabelingService

Progress = Callable[[str, float], None]
CHECKING, UPLOADING = "Checking the account's SAHARA", "Uploading images"
CANCELLABLE_STAGES = frozenset({CHECKING, UPLOADING})  # before the manifest: cancelling keeps nothing


async def create_campaign(
    service: LabelingService, spec: CampaignSpec, *, progress: Progress | None = None
) -> tuple[int, list[ImportProblem]]:
    """Upload the images, manifest and (encrypted) gold set, then fund the campaign in one
    transaction (``createCampaignWithPermit``). Returns the campaign id and the images skipped."""
    check_spec(spec)
    report = progress or (lambda stage, fraction: None)
    signer = service.wallet.signer()
    own_key = service.wallet.encryption_key()
    report(CHECKING, 0.0)
    try:
        await check_funding(
            service.client, service.deployment.address("SaharaToken"), service.require_account(),
            len(spec.items) * spec.redundancy * spec.reward_per_item, service.chain_id,
        )  # fmt: skip
    except FundingError as exc:  # before any upload: nothing is stored for a campaign never funded
        raise CampaignError(str(exc)) from exc
    items, problems = await _upload_items(service, spec, report)
    if not items:
        raise CampaignError(
            "None of the items could be uploaded: " + "; ".join(p.message for p in problems[:3])
        )
    report("Uploading the manifest", 0.8)
    manifest = Manifest(
        title=spec.title,
        task_type=spec.task_type,
        label_set=spec.label_set,
        instructions=spec.instructions,
        items=items,
        requester_pubkey=own_key.public_key.hex(),
        min_gold_accuracy=spec.min_gold_accuracy,
        prelabels={k: a for k, a in spec.prelabels.items() if k in {item.id for item in items}},
    )
    manifest_cid = str(await asyncio.to_thread(service.store.put, [manifest.to_json()]))
    kept = {item.id for item in items}
    gold = GoldSet(answers={k: a for k, a in spec.gold.items() if k in kept})
    gold_cid = await _gold_cid(service, manifest_cid, gold, own_key.public_key)
    report("Funding the campaign", 0.9)
    board = service.deployment.address("TaskBoard")
    params = (
        manifest_cid, len(items), spec.reward_per_item, spec.redundancy, spec.batch_size,
        spec.claim_ttl_s, spec.review_window_s, spec.min_reputation,
        keccak(gold_cid.encode()) if gold_cid else b"\0" * 32,
    )  # fmt: skip
    escrow = len(items) * spec.redundancy * spec.reward_per_item
    receipt = await fund_campaign(service, signer, params, escrow, spec.title)
    (created,) = service.board_events("CampaignCreated", receipt)
    campaign_id = int(created["campaignId"])
    with service.sessions.begin() as session:
        row = session.get(LabelCampaign, (service.chain_id, board, manifest_cid))
        if row is not None:
            row.campaign_id = campaign_id
    service.manifests.remember(campaign_id, manifest_cid, manifest)
    report("Done", 1.0)
    return campaign_id, problems


async def _upload_items(
    service: LabelingService, spec: CampaignSpec, report: Progress
) -> tuple[list[Item], list[ImportProblem]]:
    """Image items with their image stored and named by CID (local paths stay private), in
    parallel and durable in one batch (``upload.upload_images``); unreadable or corrupt images
    are skipped with a problem each. Text items only lose their local source. Cancelling the
    task stops the upload between images and keeps nothing of it."""
    if spec.task_type.modality != "image":
        return [item.model_copy(update={"source": ""}) for item in spec.items], []
    loop = asyncio.get_running_loop()
    stop = threading.Event()
    shown = [-1]

    def tick(done: int, total: int) -> None:  # on a pool thread: hand it to the loop, a step a percent
        percent = 100 * done // total
        if percent != shown[0] and not stop.is_set():
            shown[0] = percent
            loop.call_soon_threadsafe(report, UPLOADING, 0.8 * done / total)

    report(UPLOADING, 0.0)
    try:
        return await asyncio.to_thread(upload_images, spec.items, service.store, tick=tick, stop=stop)
    except asyncio.CancelledError:
        stop.set()
        raise


async def _gold_cid(
    service: LabelingService, manifest_cid: str, gold: GoldSet, requester_key: bytes
) -> str | None:
    """The encrypted gold set's CID for this manifest, uploaded once: a retry after a crash
    reuses the first one, whose hash may already be on chain."""
    board = service.deployment.address("TaskBoard")
    with service.sessions() as session:
        row = session.get(LabelCampaign, (service.chain_id, board, manifest_cid))
        if row is not None:
            return row.gold_cid
    gold_cid = None
    if gold.answers:
        sealed = envelope.encrypt([gold.model_dump_json().encode()], [requester_key])
        gold_cid = str(await asyncio.to_thread(service.store.put, sealed))
    with service.sessions.begin() as session:
        session.add(
            LabelCampaign(
                chain_id=service.chain_id, board=board, manifest_cid=manifest_cid,
                requester=service.require_account(), gold_cid=gold_cid,
            )
        )  # fmt: skip
    return gold_cid


def gold_set(service: LabelingService, campaign_id: int) -> GoldSet | None:
    """The requester's private gold set of a campaign created here (sync; call in a thread)."""
    with service.sessions() as session:
        gold_cid = session.scalar(
            select(LabelCampaign.gold_cid).filter_by(
                chain_id=service.chain_id,
                board=service.deployment.address("TaskBoard"),
                campaign_id=campaign_id,
            )
        )
    if not gold_cid:
        return None
    blob = b"".join(service.store.get(gold_cid))
    plain = b"".join(envelope.decrypt([blob], service.wallet.encryption_key().private_key))
    return GoldSet.model_validate_json(plain)
