"""Before a derivative is signed: may this account build on each parent, and what would make it so?

``AssetRegistry.register`` refuses a parent the publisher neither owns nor holds a *settled*,
unexpired license for, from an offer that allows derivatives, named by ``licenseHint`` (the
contract's ``canDerive``). A refusal on chain says only ``NotLicensedForDerivative(7)``; here each
parent gets a sentence saying why and what to do, read before anything is stored or signed:

- owned by the publisher, or ``canDerive`` already: usable;
- a delivered license whose dispute window is still open: usable once the publisher accepts the
  delivery (``release``: the seller is paid now and the dispute window ends);
- a valid license that is not the one ``licenseHint`` names: usable after ``useLicense``;
- otherwise why not: no license, not delivered yet, refunded, disputed, expired, no derivatives.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from app.market import licenses
from app.market.context import MarketContext, topic_of
from app.market.licenses import LicenseStatus
from app.market.terms import offer_from_chain

Action = Literal["none", "accept", "use"]  # what must be sent before registering


@dataclass(frozen=True)
class ParentCheck:
    asset_id: int
    ok: bool  # usable now, or after ``action``
    reason: str  # in words, for the wizard and the CLI
    license_id: int = 0  # the license that makes it usable (0: owned, or none)
    action: Action = "none"
    commercial: bool = True  # what the derivative inherits: False makes paid offers impossible
    floor_bps: int = 0  # the parent's royalty floor (the derivative owes at least the sum)


async def _licenses_of(ctx: MarketContext, asset_id: int, account: str) -> list[int]:
    """License ids the account bought for the asset, plus the one its hint names."""
    bought = await ctx.logs(
        "LicenseMarket", "LicensePurchased", [None, topic_of(asset_id), topic_of(account)]
    )
    ids = [int(e["args"]["licenseId"]) for e in bought]
    hint = int(await ctx.call("LicenseMarket", "licenseHint", asset_id, account))
    return sorted(set(ids) | ({hint} if hint else set()), reverse=True)


async def _why_not(
    ctx: MarketContext, license_id: int, account: str, now: int
) -> tuple[int, str, Action, bool]:
    """(rank, sentence, action, commercial) for one license: rank 2 usable now or after an action."""
    record = await licenses.read_license(ctx.client, ctx.deployment, license_id)
    offer = offer_from_chain(record.offer_id, await ctx.call("LicenseMarket", "getOffer", record.offer_id))
    holder = await licenses.license_holder(ctx.client, ctx.deployment, license_id)
    commercial = offer.terms.commercial
    if holder is None or holder.lower() != account.lower():
        return 0, f"license {license_id} is no longer held by this account", "none", commercial
    if record.status == LicenseStatus.PENDING:
        return 1, f"license {license_id} is waiting for the seller's key delivery", "none", commercial
    if record.status == LicenseStatus.DISPUTED:
        return 1, f"license {license_id} is disputed", "none", commercial
    if record.status == LicenseStatus.REFUNDED:
        return 0, f"license {license_id} was refunded", "none", commercial
    if not offer.terms.derivatives:
        return 1, f"license {license_id} does not allow derivatives", "none", commercial
    if record.expires_at <= now:
        return 1, f"license {license_id} has expired", "none", commercial
    if record.status == LicenseStatus.DELIVERED:
        reason = (f"license {license_id} allows derivatives once you accept its delivery "
                  "(the seller is paid now and your dispute window ends)")  # fmt: skip
        return 2, reason, "accept", commercial
    return 2, f"license {license_id} allows derivatives", "use", commercial


async def check_parent(ctx: MarketContext, asset_id: int, account: str | None = None) -> ParentCheck:
    """Whether ``account`` (default: the active one) may register a derivative of ``asset_id``."""
    account = account or ctx.account
    owner = await licenses.asset_owner(ctx.client, ctx.deployment, asset_id)
    if owner is None:
        return ParentCheck(asset_id, False, f"asset {asset_id} does not exist on this network")
    asset = await ctx.call("AssetRegistry", "getAsset", asset_id)
    floor, parent_commercial = int(asset[6]), bool(asset[7])
    if owner.lower() == account.lower():
        return ParentCheck(asset_id, True, f"you own asset {asset_id}", 0, "none", parent_commercial, floor)
    hint = int(await ctx.call("LicenseMarket", "licenseHint", asset_id, account))
    if await ctx.call("LicenseMarket", "canDerive", asset_id, account):
        offer_id = (await licenses.read_license(ctx.client, ctx.deployment, hint)).offer_id
        commercial = bool((await ctx.call("LicenseMarket", "getOffer", offer_id))[5])
        reason = f"license {hint} allows derivatives"
        return ParentCheck(asset_id, True, reason, hint, "none", parent_commercial and commercial, floor)
    held = await _licenses_of(ctx, asset_id, account)
    if not held:
        reason = f"you hold no license of asset {asset_id}: buy one whose terms allow derivatives"
        return ParentCheck(asset_id, False, reason, 0, "none", parent_commercial, floor)
    now = await licenses.chain_time(ctx.client)
    ranked = [(await _why_not(ctx, lid, account, now), lid) for lid in held]
    (rank, reason, action, commercial), license_id = max(ranked, key=lambda r: (r[0][0], r[1]))
    if rank < 2:
        return ParentCheck(asset_id, False, reason, license_id, "none", parent_commercial, floor)
    return ParentCheck(asset_id, True, reason, license_id, action, parent_commercial and commercial, floor)


async def check_parents(ctx: MarketContext, parents: list[int] | tuple[int, ...]) -> list[ParentCheck]:
    """``check_parent`` for each parent, in order (what the wizard shows before signing)."""
    return [await check_parent(ctx, p) for p in parents]
