"""``sahara market show ASSET``: everything the asset page shows, as text, read from the chain.

The metadata is read through the store's hash check: metadata that is missing from storage, does
not match its CID or does not parse is printed as such (with the on-chain facts still shown), never
a traceback.
"""

from __future__ import annotations

import asyncio

from app.market.asset_metadata import AssetMetadataError, load_metadata
from app.market.context import MarketContext, topic_of
from app.market.offers import offers_of
from app.market.terms import describe
from app.words import plural, sahara

KINDS = ("dataset", "model", "agent")
ZERO = "0x" + "00" * 20


async def show_asset(ctx: MarketContext, asset_id: int) -> None:
    from web3.exceptions import ContractLogicError

    try:
        a = await ctx.call("AssetRegistry", "getAsset", asset_id)
    except ContractLogicError:
        print(f"asset {asset_id} does not exist on this network")
        return
    owner = await ctx.call("AssetRegistry", "ownerOf", asset_id)
    print(f"asset {asset_id}: {KINDS[a[1]]}, owned by {owner} (created by {a[0]})")
    try:
        meta = await asyncio.to_thread(load_metadata, ctx.store, a[13])
    except AssetMetadataError as exc:
        print(f"metadata {a[13]}: cannot be shown: {exc}")
        meta = None
    if meta is not None:
        print(f"name: {meta.name} (version {meta.version or '-'})")
        print(f"task: {meta.task_type or '-'}; tags: {', '.join(meta.tags) or '-'}")
        verified = meta.content is not None and meta.content.cid == a[12]
        print(f"content: {a[12]} ({'matches' if verified else 'NOT described by'} the metadata)")
        for f in meta.files:
            print(f"  file {f.name}: {f.size:,} bytes, SHA-256 {f.sha256}")
        print("\n" + meta.card.strip() + "\n" if meta.card.strip() else "(no card)")
    parents = [int(p) for p in a[15]]
    children = [
        int(e["args"]["child"])
        for e in await ctx.logs("AssetRegistry", "ParentLinked", [None, topic_of(asset_id)])
    ]
    print(f"parents: {', '.join(map(str, parents)) or 'none'}"
          + (f" (they receive {a[2] / 100:g} % of its revenue)" if parents else ""))  # fmt: skip
    print(f"derivatives: {', '.join(map(str, children)) or 'none'} (each owes it {a[5] / 100:g} %)")
    if a[8] != ZERO:
        print(f"contributors: the labelers of campaign {a[11]} by accepted items ({a[10]:,} in all)")
    elif a[9] != b"\0" * 32:
        print(f"contributors: a tree of total weight {a[10]:,}, file {a[14]}")
    else:
        print("contributors: the owner")
    if a[16]:  # Asset.ownerShareBps
        print(f"owner share: {a[16] / 100:g} % of the contributors' royalties go to whoever owns it")
    offers = await offers_of(ctx, asset_id)
    for offer in offers:
        state = "active" if offer.active else "paused"
        print(
            f"offer {offer.offer_id} ({state}, {plural(offer.sold, 'license')} sold): {describe(offer.terms)}"
        )
    if not offers:
        print("no license offers")
    accrued = (await ctx.call("RoyaltyVault", "pool", asset_id))[0]
    pending = await ctx.call("RoyaltyVault", "pending", asset_id)
    print(f"revenue: {sahara(accrued)} distributed, {sahara(pending)} waiting to be distributed")
