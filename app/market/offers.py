"""A seller's offers on an asset already published: read them, add one, pause or resume one, and
publish a new version of the asset's metadata.

Pausing is how an asset is delisted: ``LicenseMarket`` refuses purchases of a paused offer
(``OfferInactive``), licenses already sold keep working. Each action is checked before signing
(the account must own the asset; terms must fit the contract) and sent through the outbox.
"""

from __future__ import annotations

import asyncio
import uuid

from app.market import licenses
from app.market.asset_metadata import AssetMetadata, store_metadata
from app.market.context import MarketContext, topic_of
from app.market.terms import Offer, OfferTerms, TermsError, offer_from_chain


class OfferError(ValueError):
    """The offer action cannot be done by this account; the message says why (nothing signed)."""


async def offers_of(ctx: MarketContext, asset_id: int) -> list[Offer]:
    """Every offer ever made for the asset, oldest first, as the chain holds it now."""
    created = await ctx.logs("LicenseMarket", "OfferCreated", [None, topic_of(asset_id)])
    ids = [int(e["args"]["offerId"]) for e in created]
    return [offer_from_chain(i, await ctx.call("LicenseMarket", "getOffer", i)) for i in ids]


async def _own(ctx: MarketContext, asset_id: int) -> None:
    owner = await licenses.asset_owner(ctx.client, ctx.deployment, asset_id)
    if owner is None:
        raise OfferError(f"Asset {asset_id} does not exist on this network.")
    if owner.lower() != ctx.account.lower():
        raise OfferError(f"Asset {asset_id} is owned by {owner}, not by this account.")


async def create_offer(ctx: MarketContext, asset_id: int, terms: OfferTerms) -> int:
    """Offer licenses of an asset the account owns; the new offer's id."""
    terms.check()
    await _own(ctx, asset_id)
    if terms.price and not await ctx.call("AssetRegistry", "isCommercial", asset_id):
        raise TermsError(
            "A parent's license does not allow commercial use: this asset can only be offered free."
        )
    intent, description = f"offer:{asset_id}:{uuid.uuid4().hex}", f"Offer licenses of asset #{asset_id}"
    return await send_offer(ctx, asset_id, terms, intent=intent, description=description)


async def send_offer(
    ctx: MarketContext, asset_id: int, terms: OfferTerms, *, intent: str, description: str
) -> int:
    """Send ``createOffer`` for terms already checked (through the outbox, as ``intent``) and read the
    new offer's id from the receipt's ``OfferCreated`` event."""
    receipt = await ctx.send(
        "LicenseMarket", "createOffer", terms.as_args(asset_id), intent=intent, description=description
    )
    (created,) = ctx.receipt_events("LicenseMarket", "OfferCreated", receipt)
    return int(created["offerId"])


async def set_offer_active(ctx: MarketContext, offer_id: int, active: bool) -> None:
    """Pause (delist) or resume an offer of an asset the account owns."""
    offer = offer_from_chain(offer_id, await ctx.call("LicenseMarket", "getOffer", offer_id))
    await _own(ctx, offer.asset_id)
    if offer.active == active:
        return
    verb = "Resume" if active else "Pause"
    await ctx.send(
        "LicenseMarket", "setOfferActive", offer_id, active,
        intent=f"offer-active:{offer_id}:{uuid.uuid4().hex}",
        description=f"{verb} offer {offer_id} of asset #{offer.asset_id}",
    )  # fmt: skip


async def publish_version(ctx: MarketContext, asset_id: int, meta: AssetMetadata) -> str:
    """Point the asset at new metadata (a new version: card, tags, version text); its CID. The
    content and its hash stay those registered: ``meta.content`` must still describe them."""
    await _own(ctx, asset_id)
    registered = str(await licenses.asset_content_cid(ctx.client, ctx.deployment, asset_id))
    if meta.content is None or meta.content.cid != registered:
        raise OfferError("The new metadata must describe the asset's registered content (its CID and hash).")
    cid = await asyncio.to_thread(store_metadata, ctx.store, meta)
    await ctx.send(
        "AssetRegistry", "updateMetadata", asset_id, cid, intent=f"metadata:{asset_id}:{cid}",
        description=f"Publish version {meta.version} of asset #{asset_id}",
    )  # fmt: skip
    return cid
