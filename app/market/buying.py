"""Buy a license and get the content: the terms in words, one transaction, then the verified file.

1. ``quote``: the offer's terms and total in words, and what would stop the purchase (inactive,
   sold out, not enough SAHARA), read before anything is signed;
2. ``buy``: a permit and ``buyWithPermit`` in one transaction, publishing the account's encryption
   key; the price waits in escrow until the seller's key delivery (refundable after its deadline).
   A purchase the chain would refuse is refused before signing by the outbox with the contract's
   error, worded here (``BuyError``): nothing is paid;
3. ``download``: wait for the delivery, fetch and decrypt (``access.fetch_licensed_content``: the
   license is checked, the wrapped key opened, every chunk authenticated), then hash the plaintext
   against the metadata's ``content.sha256`` and the content CID against the registration; only a
   file that matches is moved to its destination.
"""

from __future__ import annotations

import asyncio
import os
import tempfile
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from app.chain.permit import signed_permit
from app.fileio import file_digest
from app.market import licenses
from app.market.access import fetch_licensed_content
from app.market.asset_metadata import AssetMetadata, load_metadata
from app.market.context import MarketContext
from app.market.licenses import LicenseStatus
from app.market.terms import Offer, describe, offer_from_chain
from app.wallet.calls import CallFailed
from app.wallet.outbox import TxReverted
from app.words import duration, sahara

Progress = Callable[[str, float], None]
PERMIT_TRIES = 3
_locks: dict[str, asyncio.Lock] = {}  # per chain and account: a permit's nonce is spent once
REASONS = {
    "OfferInactive": "the seller has paused this offer",
    "SoldOut": "every license of this offer is sold",
    "UnknownOffer": "there is no such offer",
    "InvalidPubKey": "this account's encryption key was refused",
    "ERC20InsufficientBalance": "this account does not hold enough SAHARA",
    "ERC20InsufficientAllowance": "the payment permit was not accepted",
}


class BuyError(RuntimeError):
    """The license was not bought (nothing was paid) or the content cannot be delivered; why in words."""


@dataclass(frozen=True)
class Quote:
    offer: Offer
    asset_name: str
    balance: int  # the buyer's SAHARA
    delivery_timeout_s: int
    problem: str  # why it cannot be bought now ("" when it can)

    @property
    def total(self) -> int:
        return self.offer.terms.price

    def words(self) -> str:
        """What the confirmation shows before signing."""
        text = (
            f"License of asset {self.offer.asset_id} “{self.asset_name}”: {describe(self.offer.terms)}. "
            f"You pay {sahara(self.total)} now, held in escrow until the seller delivers the key; if it "
            f"is not delivered within {duration(self.delivery_timeout_s)} you can take it back."
        )
        return f"{text} Cannot buy: {self.problem}." if self.problem else text


@dataclass(frozen=True)
class Downloaded:
    license_id: int
    asset_id: int
    path: Path
    size: int
    sha256: str


def _name(meta: AssetMetadata | None, asset_id: int) -> str:
    return meta.name if meta else f"asset {asset_id}"


async def read_offer(ctx: MarketContext, offer_id: int) -> Offer:
    raw = await ctx.call("LicenseMarket", "getOffer", offer_id)
    return offer_from_chain(offer_id, raw)


async def asset_metadata(ctx: MarketContext, asset_id: int) -> AssetMetadata:
    """The asset's current metadata from storage (``AssetMetadataError`` says what is wrong)."""
    asset = await ctx.call("AssetRegistry", "getAsset", asset_id)
    return await asyncio.to_thread(load_metadata, ctx.store, asset[13])


async def quote(ctx: MarketContext, offer_id: int) -> Quote:
    """The offer in words with what stops it; ``BuyError`` for an offer that does not exist."""
    from web3.exceptions import ContractLogicError

    try:
        offer = await read_offer(ctx, offer_id)
    except ContractLogicError as exc:
        raise BuyError(f"Offer {offer_id} does not exist on this network.") from exc
    try:
        name = (await asset_metadata(ctx, offer.asset_id)).name
    except ValueError:
        name = f"asset {offer.asset_id}"
    balance = int(await ctx.call("SaharaToken", "balanceOf", ctx.account))
    timeout = int(await ctx.call("LicenseMarket", "deliveryTimeout"))
    problem = ""
    if not offer.active:
        problem = REASONS["OfferInactive"]
    elif offer.sold_out:
        problem = REASONS["SoldOut"]
    elif balance < offer.terms.price:
        problem = f"this account holds {sahara(balance)}, less than the price"
    return Quote(offer, name, balance, timeout, problem)


def _reason(exc: Exception) -> str:
    text = str(exc)
    return next((why for error, why in REASONS.items() if error in text), text)


async def buy(
    ctx: MarketContext, offer_id: int, *, progress: Progress | None = None, request_id: str | None = None
) -> int:
    """Buy one license of ``offer_id`` as the active account; its license id. ``BuyError`` (nothing
    paid) when the offer cannot be bought. ``request_id`` names this purchase (the UI keeps one per
    confirmed dialog): asking again with it after a crash returns the first purchase instead of
    buying a second license; without it every call is a new purchase."""
    say = progress or (lambda stage, fraction: None)
    offer = await quote(ctx, offer_id)
    if offer.problem:
        raise BuyError(f"License not bought: {offer.problem}. Nothing was paid.")
    token, market = ctx.deployment.address("SaharaToken"), ctx.deployment.address("LicenseMarket")
    signer, pubkey = ctx.wallet.signer(), ctx.wallet.encryption_key().public_key
    intent = f"buy:{offer_id}:{request_id or uuid.uuid4().hex}"
    lock = _locks.setdefault(f"{ctx.chain_id}:{signer.address.lower()}", asyncio.Lock())
    async with lock:  # one permit nonce at a time for this account in this process
        for _ in range(PERMIT_TRIES):
            say("Signing the payment permit", 0.1)
            permit = await signed_permit(ctx.client, token, signer, market, offer.total)
            say("Buying the license", 0.3)
            try:
                receipt = await ctx.send(
                    "LicenseMarket", "buyWithPermit", offer_id, pubkey, *permit.args, intent=intent,
                    description=f"Buy a license of asset {offer.offer.asset_id}",
                )  # fmt: skip
                break
            except (TxReverted, CallFailed) as exc:
                nonce = int(await ctx.call("SaharaToken", "nonces", signer.address))
                if nonce == permit.nonce:  # the permit was not the problem: the chain's reason stands
                    raise BuyError(f"License not bought: {_reason(exc)}. Nothing was paid.") from exc
        else:
            raise BuyError(
                "License not bought: other transactions of this account kept using its payment permit. "
                "Nothing was paid; try again once they have finished."
            )
    (bought,) = ctx.receipt_events("LicenseMarket", "LicensePurchased", receipt)
    say("Bought; waiting for the seller's key delivery", 1.0)
    return int(bought["licenseId"])


async def wait_for_delivery(ctx: MarketContext, license_id: int, *, timeout_s: float = 600.0,
                            poll_s: float = 2.0) -> licenses.LicenseRecord:  # fmt: skip
    """The license once delivered; ``BuyError`` if refunded, or still pending after ``timeout_s``."""
    loop = asyncio.get_running_loop()
    end = loop.time() + timeout_s
    while True:
        record = await licenses.read_license(ctx.client, ctx.deployment, license_id)
        if record.status.delivered:
            return record
        if record.status in (LicenseStatus.REFUNDED, LicenseStatus.NONE):
            raise BuyError(
                f"License {license_id} was refunded or does not exist; there is nothing to download."
            )
        if loop.time() >= end:
            raise BuyError(
                f"The seller has not delivered the key of license {license_id} yet. The download starts when "
                "it is delivered; if it never is, take a refund after the delivery deadline."
            )
        await asyncio.sleep(poll_s)


async def download(
    ctx: MarketContext,
    license_id: int,
    dest: Path,
    *,
    progress: Progress | None = None,
    wait_s: float = 600.0,
) -> Downloaded:
    """Decrypt license ``license_id``'s content to ``dest`` once the seller delivered, checked
    against the published hash; ``dest`` is written only when it matches."""
    say = progress or (lambda stage, fraction: None)
    say("Waiting for the seller's key delivery", 0.05)
    await wait_for_delivery(ctx, license_id, timeout_s=wait_s)
    asset_id = await licenses.asset_of_license(ctx.client, ctx.deployment, license_id)
    meta = await asset_metadata(ctx, asset_id)
    registered = str(await licenses.asset_content_cid(ctx.client, ctx.deployment, asset_id))
    if meta.content is None or meta.content.cid != registered:
        raise BuyError(
            f"The metadata of asset {asset_id} does not describe its registered content; not trusted."
        )
    dest.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp_name = tempfile.mkstemp(prefix=".download-", dir=dest.parent)
    os.close(fd)
    tmp = Path(tmp_name)
    try:
        say("Downloading and decrypting", 0.3)
        key = ctx.wallet.encryption_key().private_key
        loop, total = asyncio.get_running_loop(), max(1, meta.content.size)

        shown = [-1]

        def on_bytes(done: int) -> None:  # on the decrypting thread: report on the caller's loop
            percent = min(100, done * 100 // total)
            if percent != shown[0]:  # a step a percent, not a call per chunk
                shown[0] = percent
                fraction = round(0.3 + 0.55 * percent / 100, 4)
                loop.call_soon_threadsafe(say, "Downloading and decrypting", fraction)

        got = await fetch_licensed_content(
            ctx.client, ctx.deployment, ctx.store, license_id, ctx.account, key, tmp,
            on_bytes=on_bytes, journal=ctx.journal,
        )  # fmt: skip
        say("Checking the file's hash", 0.9)
        sha, _size = await asyncio.to_thread(file_digest, tmp)
        if sha != meta.content.sha256 or got.size != meta.content.size:
            raise BuyError(
                f"The decrypted content of “{_name(meta, asset_id)}” does not match the published hash "
                f"(SHA-256 {sha[:12]}…, published {meta.content.sha256[:12]}…); it was not saved. "
                "You can dispute the delivery within the dispute window."
            )
        os.replace(tmp, dest)
    finally:
        tmp.unlink(missing_ok=True)
    say("Downloaded", 1.0)
    return Downloaded(license_id, asset_id, dest, got.size, sha)
