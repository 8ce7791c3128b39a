""" "My licenses": the licenses an account holds, with expiry and status, and what it can do with each.

The licenses it bought or received are found in the catalogue's journal and, for the blocks the
catalogue has not reached (all of them without one), in the chain's logs (``MarketContext.logs``);
each is then re-read from the chain (status, deadline, expiry, holder), so a row is never staler
than the node. Each row says in words where the license stands and which actions are open now, on
chain time:

- **refund**: pending past the delivery deadline (the seller never delivered): the price comes back;
- **dispute**: delivered and within the dispute window: a bond of ``disputeBondBps`` of the price is
  posted (approved and pulled in the same call sequence) and the arbiter rules;
- **accept**: delivered and within the window: release the escrow now (the seller is paid, the
  license becomes usable for derivatives).
"""

from __future__ import annotations

import asyncio
import datetime as dt
from dataclasses import dataclass

from app.market import licenses
from app.market.context import MarketContext, topic_of
from app.market.licenses import LicenseStatus
from app.market.terms import OfferTerms, offer_from_chain
from app.wallet.calls import CallFailed
from app.wallet.outbox import TxReverted
from app.words import duration, sahara

PERPETUAL = 2**40 - 1


class LicenseActionError(RuntimeError):
    """A refund, dispute or acceptance that cannot happen now; the message says why (nothing sent)."""


@dataclass(frozen=True)
class HeldLicense:
    license_id: int
    asset_id: int
    offer_id: int
    terms: OfferTerms
    status: LicenseStatus
    paid: int  # still in escrow (0 once settled or refunded)
    deadline: int  # pending: deliver by; delivered: end of the dispute window
    expires_at: int  # 0 before delivery; PERPETUAL for a perpetual license
    can_refund: bool
    can_dispute: bool
    can_accept: bool
    state: str  # in words


def _when(timestamp: int) -> str:
    return dt.datetime.fromtimestamp(timestamp, dt.UTC).strftime("%Y-%m-%d %H:%M UTC")


def _state(record: licenses.LicenseRecord, now: int) -> str:
    status = record.status
    if status == LicenseStatus.PENDING:
        if now > record.deadline:
            return (
                f"not delivered by {_when(record.deadline)}: you can take a refund of {sahara(record.paid)}"
            )
        return f"waiting for the seller's key (delivery due within {duration(record.deadline - now)})"
    if status == LicenseStatus.DISPUTED:
        return "disputed: the arbiter rules"
    if status == LicenseStatus.REFUNDED:
        return "refunded"
    if record.expires_at <= now:
        return f"expired on {_when(record.expires_at)}"
    expiry = "perpetual" if record.expires_at >= PERPETUAL else f"valid until {_when(record.expires_at)}"
    if status == LicenseStatus.DELIVERED and now <= record.deadline:
        return f"{expiry}; you can dispute the delivery for {duration(record.deadline - now)}"
    return expiry


async def held_ids(ctx: MarketContext, account: str) -> list[int]:
    """Ids of licenses ``account`` bought or received (whether it still holds them or not)."""
    bought = await ctx.logs("LicenseMarket", "LicensePurchased", [None, None, topic_of(account)])
    received = await ctx.logs("LicenseMarket", "Transfer", [None, topic_of(account)])
    ids = {int(e["args"]["licenseId"]) for e in bought} | {int(e["args"]["tokenId"]) for e in received}
    return sorted(ids)


async def read_held(ctx: MarketContext, license_id: int, now: int) -> HeldLicense:
    record = await licenses.read_license(ctx.client, ctx.deployment, license_id)
    offer = offer_from_chain(record.offer_id, await ctx.call("LicenseMarket", "getOffer", record.offer_id))
    pending, delivered = record.status == LicenseStatus.PENDING, record.status == LicenseStatus.DELIVERED
    open_window = delivered and now <= record.deadline
    return HeldLicense(
        license_id, offer.asset_id, record.offer_id, offer.terms, record.status, record.paid, record.deadline,
        record.expires_at, pending and now > record.deadline, open_window and record.paid > 0, open_window,
        _state(record, now),
    )  # fmt: skip


async def my_licenses(ctx: MarketContext, account: str | None = None) -> list[HeldLicense]:
    """The licenses ``account`` (default: the active one) holds now, newest first; a refunded one
    (burnt) is listed too, so a buyer sees where its money went."""
    account = account or ctx.account
    now = await licenses.chain_time(ctx.client)
    rows = []
    for license_id in reversed(await held_ids(ctx, account)):
        holder = await licenses.license_holder(ctx.client, ctx.deployment, license_id)
        row = await read_held(ctx, license_id, now)
        if (holder is not None and holder.lower() == account.lower()) or row.status == LicenseStatus.REFUNDED:
            rows.append(row)
    return rows


async def _current(ctx: MarketContext, license_id: int) -> HeldLicense:
    now = await licenses.chain_time(ctx.client)
    holder = await licenses.license_holder(ctx.client, ctx.deployment, license_id)
    if holder is None or holder.lower() != ctx.account.lower():
        raise LicenseActionError(f"License {license_id} is not held by this account.")
    return await read_held(ctx, license_id, now)


async def refund(ctx: MarketContext, license_id: int) -> int:
    """Take back the price of a license the seller did not deliver in time; the amount refunded."""
    row = await _current(ctx, license_id)
    if not row.can_refund:
        raise LicenseActionError(f"License {license_id} cannot be refunded: it is {row.state}.")
    try:
        await ctx.send("LicenseMarket", "refund", license_id, intent=f"refund:{license_id}",
                       description=f"Refund license {license_id}")  # fmt: skip
    except (TxReverted, CallFailed) as exc:
        raise LicenseActionError(f"License {license_id} was not refunded: {exc}") from exc
    return row.paid


async def dispute(ctx: MarketContext, license_id: int, reason: str) -> int:
    """Dispute a delivery within its window, stating ``reason`` (stored as a blob, its CID on
    chain); posts the bond. Returns the bond posted."""
    row = await _current(ctx, license_id)
    if not row.can_dispute:
        raise LicenseActionError(f"License {license_id} cannot be disputed: it is {row.state}.")
    bond = row.paid * int(await ctx.call("LicenseMarket", "disputeBondBps")) // 10_000
    reason_cid = str(await asyncio.to_thread(ctx.store.put, [reason.encode()])) if reason.strip() else ""
    market = ctx.deployment.address("LicenseMarket")
    try:
        if bond:
            await ctx.send("SaharaToken", "approve", market, bond, intent=f"dispute-bond:{license_id}",
                           description=f"Allow the dispute bond of license {license_id}")  # fmt: skip
        await ctx.send("LicenseMarket", "dispute", license_id, reason_cid, intent=f"dispute:{license_id}",
                       description=f"Dispute the delivery of license {license_id}")  # fmt: skip
    except (TxReverted, CallFailed) as exc:
        raise LicenseActionError(f"License {license_id} was not disputed: {exc}") from exc
    return bond


async def accept(ctx: MarketContext, license_id: int) -> None:
    """Accept a delivery now (release the escrow to the seller; ends the dispute window)."""
    row = await _current(ctx, license_id)
    if not row.can_accept:
        raise LicenseActionError(f"License {license_id} has nothing to accept: it is {row.state}.")
    await ctx.send("LicenseMarket", "release", license_id, intent=f"accept-license:{license_id}",
                   description=f"Accept the delivery of license {license_id}")  # fmt: skip
