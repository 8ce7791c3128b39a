"""Turn a finished campaign into a dataset asset that pays its labelers: register it and offer licenses.

The dataset is the campaign's aggregated answers exported (COCO with images for image tasks, JSONL
for text) and zipped, then published through the market (``app.market.publishing``: encrypted to
the requester, metadata the catalogue indexes, the registration and the offer through the outbox).
The labelers become the asset's contributors, each weighted by the items of theirs the requester
accepted, so royalties reach them in proportion to accepted work without listing them on chain:

- a **settled** campaign (``ILabelingRecord.isSettled``: closed, every submission settled) backs the
  asset itself: the vault reads each labeler's accepted items from the board, no tree to trust or
  lose, and labelers claim with no proof;
- otherwise the board's accepted counts of the moment (``acceptedItems``) go into a Merkle tree
  (OZ "standard-v1") stored as its own file, whose CID goes on chain with the root: that file is
  where each labeler finds its proof, and where anyone checks that its leaves add up to the total.

The requester who publishes it keeps an owner share of its royalties (``owner_share_bps``, 10 % unless
it says otherwise), paid to whoever owns the dataset when claiming; the labelers share the rest.
The metadata names the campaign it came from and where the contributors are.
"""

from __future__ import annotations

import asyncio
import tempfile
import zipfile
from pathlib import Path
from typing import TYPE_CHECKING

from eth_utils import to_checksum_address

from app.market.context import MarketContext
from app.market.publishing import (
    DEFAULT_OWNER_SHARE_BPS,
    Contributors,
    Progress,
    Published,
    PublishRequest,
    publish,
)
from app.market.terms import OfferTerms

if TYPE_CHECKING:
    from app.labeling.service import LabelingService

DERIVATIVE_ROYALTY_BPS = 1_000  # what each derivative owes the dataset itself (10 %)


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


def _card(
    title: str, task: str, classes: list[str], items: int, fmt: str, campaign_id: int, owner_bps: int
) -> str:
    """The dataset's card: what it is, how it was made and by whom, in Markdown."""
    split = (
        f"Its owner keeps {owner_bps / 100:g} % of this dataset's royalties; the labelers whose work was "
        f"accepted share the other {(10_000 - owner_bps) / 100:g} % by their accepted items."
        if owner_bps
        else "The labelers whose work was accepted share this dataset's royalties by their accepted items."
    )
    return (
        f"# {title}\n\n{items:,} items labeled for *{task.replace('_', ' ')}* in labeling campaign "
        f"{campaign_id}, reviewed by its requester.\n\n**Classes:** {', '.join(classes)}\n\n"
        f"**Format:** {fmt}\n\n{split}\n"
    )


async def publish_dataset(
    service: LabelingService,
    campaign_id: int,
    *,
    price: int,
    offers: tuple[OfferTerms, ...] | None = None,
    progress: Progress | None = None,
) -> int:
    """Register the campaign's dataset and offer licenses (default: perpetual, unlimited, commercial,
    derivatives allowed, at ``price``); the asset id."""
    return (
        await publish_campaign(service, campaign_id, price=price, offers=offers, progress=progress)
    ).asset_id


async def publish_campaign(
    service: LabelingService,
    campaign_id: int,
    *,
    price: int,
    offers: tuple[OfferTerms, ...] | None = None,
    progress: Progress | None = None,
    owner_share_bps: int = DEFAULT_OWNER_SHARE_BPS,
) -> Published:
    """``publish_dataset`` with everything the market returns (offers, CIDs); the requester keeps
    ``owner_share_bps`` of the dataset's royalties, its labelers share the rest."""
    manifest = await service.manifest(campaign_id)
    board = service.deployment.address("TaskBoard")
    settled = await campaign_settled(service, campaign_id)
    weights = {} if settled else await contributor_weights(service, campaign_id)
    modality = manifest.task_type.modality
    fmt = "coco" if modality == "image" else "jsonl"
    extra = {
        "title": manifest.title,
        "classes": manifest.label_set.names,
        "items": len(manifest.items),
        "format": f"{fmt} (zip)",
        "campaign": {
            "chain_id": service.chain_id, "board": board, "campaign_id": campaign_id,
            "manifest_cid": await service.manifest_cid(campaign_id),
        },
    }  # fmt: skip
    contributors = (
        Contributors(campaign=(board, campaign_id), owner_share_bps=owner_share_bps)
        if settled
        else Contributors(weights=weights or None, owner_share_bps=owner_share_bps if weights else None)
    )
    ctx = MarketContext(service.client, service.outbox, service.deployment, service.store, service.wallet)
    with tempfile.TemporaryDirectory(prefix="sahara-dataset-") as tmp:
        folder = Path(tmp) / "dataset"
        await service.export(campaign_id, fmt, folder)
        archive = await asyncio.to_thread(_zip, folder, Path(tmp) / "dataset.zip")
        request = PublishRequest(
            kind="dataset", name=manifest.title, files=(archive,), task_type=manifest.task_type.value,
            card=_card(manifest.title, manifest.task_type.value, manifest.label_set.names,
                       len(manifest.items), f"{fmt} (zip)", campaign_id, contributors.owner_share()),
            tags=("labeled", modality, *[n for n in manifest.label_set.names if 0 < len(n) <= 64][:8]),
            derivative_royalty_bps=DERIVATIVE_ROYALTY_BPS,
            offers=offers if offers is not None else (OfferTerms(price),),
            contributors=contributors, extra=extra,
        )  # fmt: skip
        return await publish(ctx, request, progress=progress)
