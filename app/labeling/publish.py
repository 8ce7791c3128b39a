"""Turn a finished campaign into a dataset asset that pays its labelers: register it and offer licenses.

The dataset is the campaign's aggregated answers exported (COCO with images for image tasks, JSONL
for text) and zipped, stored encrypted to the requester (app/market/publish.py: the owner being a
reader is what lets key delivery serve buyers later). The labelers become the asset's contributors,
each weighted by the items of theirs the requester accepted, so royalties reach them in proportion to
accepted work without listing them on chain:

- a **settled** campaign (``ILabelingRecord.isSettled``: closed, every submission settled) backs the
  asset itself: the vault reads each labeler's accepted items from the board, no tree to trust or
  lose, and labelers claim with no proof;
- otherwise the board's accepted counts of the moment (``acceptedItems``) go into a Merkle tree
  (OZ "standard-v1") stored as its own file, whose CID goes on chain with the root: that file is
  where each labeler finds its proof, and where anyone checks that its leaves add up to the total.

The metadata (plain JSON) names the campaign it came from and where the contributors are.
"""

from __future__ import annotations

import asyncio
import json
import tempfile
import zipfile
from pathlib import Path
from typing import TYPE_CHECKING

from eth_utils import to_checksum_address

from app.chain.merkle import build_tree
from app.market.publish import encrypt_and_store

if TYPE_CHECKING:
    from app.labeling.service import LabelingService

DATASET_KIND = 0  # AssetRegistry.Kind.Dataset
METADATA_VERSION = 2
DERIVATIVE_ROYALTY_BPS = 1_000  # what each derivative owes the dataset itself (10 %)
ZERO_ADDRESS = "0x" + "00" * 20


async def campaign_settled(service: LabelingService, campaign_id: int) -> bool:
    """Whether the campaign's accepted counts are final on chain, so it can back the asset."""
    return await service.board.is_settled(campaign_id)


async def contributor_weights(service: LabelingService, campaign_id: int) -> dict[str, int]:
    """Accepted items per labeler of the campaign, as the board counts them on chain (reviews,
    auto-acceptance and won disputes; the requester's own work never counts). Labelers with none
    are not contributors."""
    submitted = await service.board.events("BatchSubmitted", campaign_id)
    labelers = {to_checksum_address(e.args["labeler"]) for e in submitted}
    weights: dict[str, int] = {}
    for labeler in sorted(labelers):
        accepted = await service.board.accepted_items(campaign_id, labeler)
        if accepted:
            weights[labeler] = accepted
    return weights


def _zip(folder: Path, dest: Path) -> Path:
    with zipfile.ZipFile(dest, "w", zipfile.ZIP_DEFLATED) as archive:
        for path in sorted(p for p in folder.rglob("*") if p.is_file()):
            archive.write(path, path.relative_to(folder).as_posix())
    return dest


async def publish_dataset(service: LabelingService, campaign_id: int, *, price: int) -> int:
    """Register the campaign's dataset and offer perpetual licenses at ``price``; the asset id."""
    manifest = await service.manifest(campaign_id)
    board = service.deployment.address("TaskBoard")
    settled = await campaign_settled(service, campaign_id)
    weights = {} if settled else await contributor_weights(service, campaign_id)
    tree = build_tree(weights) if weights else None
    tree_cid = ""
    if tree is not None:
        encoded_tree = json.dumps(tree.dump(), sort_keys=True, separators=(",", ":")).encode()
        tree_cid = str(await asyncio.to_thread(service.store.put, [encoded_tree]))
    owner_key = service.wallet.encryption_key().public_key
    fmt = "coco" if manifest.task_type.modality == "image" else "jsonl"
    with tempfile.TemporaryDirectory(prefix="sahara-dataset-") as tmp:
        folder = Path(tmp) / "dataset"
        await service.export(campaign_id, fmt, folder)
        archive = await asyncio.to_thread(_zip, folder, Path(tmp) / "dataset.zip")
        content_cid = str(await asyncio.to_thread(encrypt_and_store, service.store, archive, owner_key))
    if settled:
        contributors: dict | None = {"campaign": {"board": board, "campaign_id": campaign_id}}
    else:
        contributors = {"tree_cid": tree_cid} if tree else None
    metadata = {
        "version": METADATA_VERSION,
        "kind": "dataset",
        "title": manifest.title,
        "task_type": manifest.task_type.value,
        "classes": manifest.label_set.names,
        "items": len(manifest.items),
        "format": f"{fmt} (zip)",
        "campaign": {
            "chain_id": service.chain_id,
            "board": board,
            "campaign_id": campaign_id,
            "manifest_cid": await service.manifest_cid(campaign_id),
        },
        "contributors": contributors,
    }
    encoded = json.dumps(metadata, sort_keys=True, separators=(",", ":")).encode()
    metadata_cid = str(await asyncio.to_thread(service.store.put, [encoded]))
    registration = (
        DATASET_KIND, content_cid, metadata_cid, [], 0, DERIVATIVE_ROYALTY_BPS,
        tree.root if tree else b"\0" * 32, tree.total_weight if tree else 0, tree_cid,
        board if settled else ZERO_ADDRESS, campaign_id if settled else 0,
    )  # fmt: skip
    receipt = await service.send(
        "AssetRegistry", "register", registration,
        intent=f"publish-dataset:{campaign_id}:{metadata_cid}",
        description=f"Publish the dataset of campaign {campaign_id}",
    )  # fmt: skip
    (registered,) = service.receipt_events("AssetRegistry", "AssetRegistered", receipt)
    asset_id = int(registered["assetId"])
    terms = (asset_id, price, 0, 0, True, True, False)  # perpetual, unlimited, commercial, derivatives
    await service.send(
        "LicenseMarket", "createOffer", terms,
        intent=f"dataset-offer:{asset_id}", description=f"Offer licenses of dataset #{asset_id}",
    )  # fmt: skip
    return asset_id
