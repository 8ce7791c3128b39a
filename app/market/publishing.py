"""Publish an asset: check everything, store the encrypted content and metadata, register, offer.

The order is the one that loses nothing on failure: every check that can be made before signing is
made first (terms, metadata, files, each parent's license, commercial use for paid offers); then
the content is encrypted to the owner and stored with its metadata (blobs only: a failure after
this leaves nothing on chain, and a retry stores the same bytes under the same CIDs); then the
parents' licenses are made usable where that needs a transaction; then ``register`` and one
``createOffer`` per offer, each through the outbox under an intent named by the metadata CID, so a
retry after a crash finds the transactions already sent instead of paying twice.

Several files are zipped (stable order and timestamps, so the same files give the same CID); one
file is stored as it is. The metadata records each file's hash and the plaintext's, which the buyer
checks after decrypting.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import tempfile
import zipfile
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from app.chain.merkle import build_tree
from app.market.asset_metadata import (
    KINDS,
    AssetMetadata,
    ContentInfo,
    FileEntry,
    check_metadata,
    store_metadata,
)
from app.market.context import MarketContext
from app.market.offers import send_offer
from app.market.parents import ParentCheck, check_parents
from app.market.publish import encrypt_and_store
from app.market.terms import OfferTerms
from app.storage.layout import compute_cid

Progress = Callable[[str, float], None]
ZERO_ADDRESS = "0x" + "00" * 20
MAX_PARENTS = 16
BPS = 10_000
# What a publisher keeps of a dataset's royalties when the labelers of its campaign are its
# contributors, unless it says otherwise: enough to make publishing worth it, little enough that the
# people whose work the dataset is still get nine tenths. Explicit weights are the publisher's own
# split (it may list itself), so they keep nothing by default.
DEFAULT_OWNER_SHARE_BPS = 1_000
ZIP_TIME = (1980, 1, 1, 0, 0, 0)


class PublishError(ValueError):
    """The asset cannot be published as asked; the message says why, and nothing was signed."""


@dataclass(frozen=True)
class Contributors:
    """Who shares the asset's own revenue: the owner (neither set), the labelers of a settled
    campaign (``campaign`` = (labeling record address, campaign id); only its requester may
    register it), or explicit weights (a Merkle tree stored as its own file). With contributors the
    asset's owner keeps ``owner_share_bps`` of that revenue (None: ``DEFAULT_OWNER_SHARE_BPS`` for a
    campaign, 0 for weights), paid to whoever owns the asset when claiming; the contributors share
    the rest by weight."""

    campaign: tuple[str, int] | None = None
    weights: Mapping[str, int] | None = None
    owner_share_bps: int | None = None

    @property
    def any(self) -> bool:
        return bool(self.campaign or self.weights)

    def owner_share(self) -> int:
        """The owner share to register: 0 without contributors (the owner takes everything)."""
        if not self.any:
            return 0
        if self.owner_share_bps is None:
            return DEFAULT_OWNER_SHARE_BPS if self.campaign else 0
        return self.owner_share_bps


@dataclass(frozen=True)
class PublishRequest:
    kind: str  # dataset | model | agent
    name: str
    files: tuple[Path, ...]
    card: str = ""
    tags: tuple[str, ...] = ()
    task_type: str = ""
    version: str = "1.0"
    parents: tuple[int, ...] = ()
    parent_royalty_bps: int | None = None  # None: the least the registry accepts
    derivative_royalty_bps: int = 1_000  # what each derivative of this asset owes it
    offers: tuple[OfferTerms, ...] = ()
    contributors: Contributors = Contributors()
    extra: dict[str, Any] = field(default_factory=dict)  # feature-specific metadata fields
    accept_deliveries: bool = True  # accept a parent license's delivery when that makes it usable


@dataclass(frozen=True)
class Published:
    asset_id: int
    offer_ids: tuple[int, ...]
    content_cid: str
    metadata_cid: str
    parents: tuple[ParentCheck, ...]


def _digests(path: Path) -> tuple[str, int, str]:
    """(SHA-256 hex, size, plaintext CID) of a file, in one read."""
    digest, size = hashlib.sha256(), [0]

    def pieces() -> Iterator[bytes]:
        with open(path, "rb") as fh:
            while piece := fh.read(1 << 20):
                digest.update(piece)
                size[0] += len(piece)
                yield piece

    cid = str(compute_cid(pieces()))
    return digest.hexdigest(), size[0], cid


def _zip(files: tuple[Path, ...], dest: Path) -> Path:
    with zipfile.ZipFile(dest, "w", zipfile.ZIP_DEFLATED) as archive:
        for path in files:
            info = zipfile.ZipInfo(path.name, ZIP_TIME)
            info.compress_type = zipfile.ZIP_DEFLATED
            with open(path, "rb") as src, archive.open(info, "w") as out:
                while piece := src.read(1 << 20):
                    out.write(piece)
    return dest


def check_request(request: PublishRequest) -> None:
    """What can be refused without the chain, in words."""
    if request.kind not in KINDS:
        raise PublishError(f"The kind must be one of {', '.join(KINDS)}, not {request.kind!r}.")
    if not request.files:
        raise PublishError("Choose at least one file to publish.")
    for path in request.files:
        if not path.is_file():
            raise PublishError(f"{path} is not a file.")
    names = [p.name for p in request.files]
    if len(set(names)) != len(names):
        raise PublishError("Two files have the same name; rename one (the buyer gets them side by side).")
    if len(request.parents) > MAX_PARENTS or len(set(request.parents)) != len(request.parents):
        raise PublishError(f"An asset has at most {MAX_PARENTS} parents, each once.")
    if not 0 <= request.derivative_royalty_bps <= BPS:
        raise PublishError("The derivative royalty must be between 0 % and 100 %.")
    if request.contributors.campaign and request.contributors.weights:
        raise PublishError("Contributors are a campaign or a list of weights, not both.")
    owner_share = request.contributors.owner_share_bps
    if owner_share is not None and not 0 <= owner_share <= BPS:
        raise PublishError("The share you keep must be between 0 % and 100 % of the dataset's royalties.")
    if owner_share and not request.contributors.any:
        raise PublishError(
            "A share you keep needs contributors to share the rest; without any you get it all."
        )
    for terms in request.offers:
        terms.check()


async def royalty_share(ctx: MarketContext, request: PublishRequest, checks: list[ParentCheck]) -> int:
    """The parent royalty share to register: the request's, checked, or the least accepted."""
    if not request.parents:
        return 0
    least = max(int(await ctx.call("AssetRegistry", "minParentRoyaltyBps")), sum(c.floor_bps for c in checks))
    if least > BPS:
        raise PublishError("These parents' royalty floors add up to more than 100 %.")
    share = least if request.parent_royalty_bps is None else request.parent_royalty_bps
    if not least <= share <= BPS:
        raise PublishError(f"The parents' royalty share must be between {least / 100:g} % and 100 %.")
    return share


def _refuse_parents(checks: list[ParentCheck], accept: bool) -> None:
    refused = [c for c in checks if not c.ok or (c.action == "accept" and not accept)]
    if refused:
        lines = "; ".join(f"parent {c.asset_id}: {c.reason}" for c in refused)
        raise PublishError(f"This derivative cannot be published yet: {lines}.")


async def _store_content(
    ctx: MarketContext, files: tuple[Path, ...]
) -> tuple[ContentInfo, tuple[FileEntry, ...]]:
    owner_key = ctx.wallet.encryption_key().public_key
    entries = []
    for path in files:
        sha, size, cid = await asyncio.to_thread(_digests, path)
        entries.append(FileEntry(path.name, size, sha, cid))
    with tempfile.TemporaryDirectory(prefix="sahara-publish-") as tmp:
        plain = (
            files[0] if len(files) == 1 else await asyncio.to_thread(_zip, files, Path(tmp) / "content.zip")
        )
        sha, size, _cid = await asyncio.to_thread(_digests, plain)
        cid = str(await asyncio.to_thread(encrypt_and_store, ctx.store, plain, owner_key))
    return ContentInfo(cid, size, sha, True, "file" if len(files) == 1 else "zip"), tuple(entries)


async def _contributors(ctx: MarketContext, contributors: Contributors) -> tuple[bytes, int, str, str, int]:
    """(root, total weight, tree CID, labeling record, campaign id) for ``register``."""
    if contributors.campaign:
        record, campaign_id = contributors.campaign
        return b"\0" * 32, 0, "", record, campaign_id
    if contributors.weights:
        tree = build_tree(dict(contributors.weights))
        encoded = json.dumps(tree.dump(), sort_keys=True, separators=(",", ":")).encode()
        cid = str(await asyncio.to_thread(ctx.store.put, [encoded]))
        return tree.root, tree.total_weight, cid, ZERO_ADDRESS, 0
    return b"\0" * 32, 0, "", ZERO_ADDRESS, 0


async def _make_usable(ctx: MarketContext, checks: list[ParentCheck]) -> None:
    for check in checks:
        if check.action == "accept":
            await ctx.send(
                "LicenseMarket", "release", check.license_id, intent=f"accept-license:{check.license_id}",
                description=f"Accept license {check.license_id} to build on asset {check.asset_id}",
            )  # fmt: skip
        elif check.action == "use":
            await ctx.send(
                "LicenseMarket", "useLicense", check.license_id, intent=f"use-license:{check.license_id}",
                description=f"Use license {check.license_id} for asset {check.asset_id}",
            )  # fmt: skip


async def publish(
    ctx: MarketContext, request: PublishRequest, *, progress: Progress | None = None
) -> Published:
    """Publish ``request`` as the active account; ``PublishError`` (nothing signed) when it cannot be."""
    say = progress or (lambda stage, fraction: None)
    check_request(request)
    say("Checking the parents' licenses", 0.05)
    checks = await check_parents(ctx, request.parents)
    _refuse_parents(checks, request.accept_deliveries)
    share = await royalty_share(ctx, request, checks)
    if not all(c.commercial for c in checks) and any(t.price for t in request.offers):
        raise PublishError(
            "A parent's license does not allow commercial use, so this asset can only be offered free."
        )
    draft = AssetMetadata(request.name.strip(), request.kind, request.card, request.tags, request.task_type,
                          request.version, parents=request.parents, extra=dict(request.extra))  # fmt: skip
    check_metadata(draft)
    say("Encrypting and storing the files", 0.15)
    content, entries = await _store_content(ctx, request.files)
    root, total, tree_cid, record, campaign_id = await _contributors(ctx, request.contributors)
    extra = dict(draft.extra)
    if request.contributors.campaign:  # where the asset page and the labelers find who is paid
        extra.setdefault("contributors", {"campaign": {"board": record, "campaign_id": campaign_id}})
    else:
        extra.setdefault("contributors", {"tree_cid": tree_cid} if tree_cid else None)
    meta = AssetMetadata(**{**vars(draft), "files": entries, "content": content, "extra": extra})
    say("Storing the metadata", 0.5)
    metadata_cid = await asyncio.to_thread(store_metadata, ctx.store, meta)
    say("Making the parents' licenses usable", 0.55)
    await _make_usable(ctx, checks)
    say("Registering the asset", 0.65)
    registration = (
        KINDS.index(request.kind), content.cid, metadata_cid, list(request.parents), share,
        request.derivative_royalty_bps, root, total, tree_cid, record, campaign_id,
        request.contributors.owner_share(),
    )  # fmt: skip
    receipt = await ctx.send(
        "AssetRegistry", "register", registration, intent=f"publish:{metadata_cid}",
        description=f"Publish {request.kind} “{meta.name}”",
    )  # fmt: skip
    (registered,) = ctx.receipt_events("AssetRegistry", "AssetRegistered", receipt)
    asset_id = int(registered["assetId"])
    offer_ids = []
    for n, terms in enumerate(request.offers):
        say("Creating the license offers", 0.8 + 0.2 * n / len(request.offers))
        intent = f"offer:{asset_id}:{n}:{metadata_cid}"  # a retried publish never offers twice
        description = f"Offer licenses of {request.kind} #{asset_id}"
        offer_ids.append(await send_offer(ctx, asset_id, terms, intent=intent, description=description))
    say("Published", 1.0)
    return Published(asset_id, tuple(offer_ids), content.cid, metadata_cid, tuple(checks))
