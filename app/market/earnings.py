"""Earnings: what an account can claim from the royalty vault, per asset, and claiming it all at once.

An account earns from an asset four ways: as its **owner** (an asset without contributors), as the
owner of an asset with contributors that keeps an **owner share** of their royalties (paid to
whoever owns it when claiming), as a **labeler** of the settled campaign behind a dataset (weighted
by its accepted items, read by the vault from the TaskBoard) and as a **contributor** in a Merkle
tree (its leaf in the tree's file, which this reads from storage for the weight and proof). An
owner who is also a contributor of the same asset gets two rows, each its own claim entry (an
owner share is claimed with the vault's ``OWNER_SHARE`` weight). Revenue
is lazy in the vault: sales and the royalties derivatives owe their ancestors wait in ``pending``
until ``distribute``. So the amounts shown are what a claim would pay *after* distributing the
account's assets and every descendant of them (children first: a child always has a larger id
than its parents), computed exactly by one ``eth_call`` of the vault's
``multicall([distributeMany(..), claimable(..)...])``, and ``claim_all`` sends that same
distribution with ``claimMany`` in one transaction.
"""

from __future__ import annotations

import asyncio
import json
from collections import defaultdict
from dataclasses import dataclass
from typing import Literal

from eth_abi import decode as abi_decode
from eth_utils import to_checksum_address

from app.chain.bindings import encode_call
from app.chain.merkle import ContributorTree
from app.market.catalog.metadata import read_limited
from app.market.context import MarketContext, topic_of
from app.storage import StorageError

Role = Literal["owner", "owner share", "labeler", "contributor"]
VAULT = "RoyaltyVault"
ZERO = "0x" + "00" * 20
MAX_TREE = 64 * 1024 * 1024
OWNER_SHARE = 2**256 - 1  # RoyaltyVault.OWNER_SHARE: the weight that claims an owner share


class ClaimError(RuntimeError):
    """Nothing was claimed; the message says why."""


@dataclass(frozen=True)
class AssetEarning:
    asset_id: int
    role: Role
    weight: int  # accepted items or tree weight (0 for an owner, OWNER_SHARE for an owner share)
    total_weight: int
    owner_share_bps: int  # the asset's owner share (0: none, or an owner-mode asset)
    claimable: int  # wei a claim pays now, after distributing pending revenue and royalties
    claimed: int  # paid to this account so far
    proof: tuple[bytes, ...] = ()


@dataclass(frozen=True)
class Earnings:
    rows: tuple[AssetEarning, ...]
    distribute: tuple[int, ...]  # the assets a claim distributes first, children first

    @property
    def total(self) -> int:
        return sum(r.claimable for r in self.rows)


@dataclass(frozen=True)
class ClaimRecord:
    asset_id: int
    amount: int
    block: int
    timestamp: int
    tx_hash: str


@dataclass(frozen=True)
class _Registered:
    asset_id: int
    parents: tuple[int, ...]
    root: bytes
    total_weight: int
    tree_cid: str
    record: str
    campaign_id: int
    owner_share_bps: int


async def _registered(ctx: MarketContext) -> list[_Registered]:
    rows = []
    for e in await ctx.logs("AssetRegistry", "AssetRegistered"):
        a = e["args"]
        rows.append(_Registered(
            int(a["assetId"]), tuple(int(p) for p in a["parents"]), bytes(a["contributorsRoot"]),
            int(a["totalWeight"]), str(a["contributorsCid"]), to_checksum_address(a["labelingRecord"]),
            int(a["campaignId"]), int(a["ownerShareBps"]),
        ))  # fmt: skip
    return rows


def _tree(ctx: MarketContext, cid: str) -> ContributorTree | None:
    try:
        return ContributorTree.load(json.loads(read_limited(ctx.store, cid, MAX_TREE)))
    except (StorageError, ValueError, KeyError, TypeError):
        return None  # a tree nobody can read pays nobody through this app; the asset page says so


async def _role(
    ctx: MarketContext, asset: _Registered, account: str
) -> tuple[Role, int, tuple[bytes, ...]] | None:
    if asset.record != ZERO:
        labeled = ctx.client.w3.eth.contract(address=asset.record, abi=ctx.contract("TaskBoard").abi)
        accepted = int(
            await ctx.client.ask(labeled.functions.acceptedItems(asset.campaign_id, account).call())
        )
        return ("labeler", accepted, ()) if accepted else None
    if asset.root != b"\0" * 32:
        tree = await asyncio.to_thread(_tree, ctx, asset.tree_cid)
        if tree is None or tree.root != asset.root:  # a file that is not the registered tree pays nobody
            return None
        try:
            return "contributor", tree.weight(account), tuple(tree.proof(account))
        except KeyError:  # not one of its contributors
            return None
    owner = await ctx.call("AssetRegistry", "ownerOf", asset.asset_id)
    return ("owner", 0, ()) if to_checksum_address(owner) == account else None


def _descendants(assets: list[_Registered], mine: set[int]) -> list[int]:
    """``mine`` and every asset derived from them, children first (descending ids)."""
    children: dict[int, list[int]] = defaultdict(list)
    for a in assets:
        for p in a.parents:
            children[p].append(a.asset_id)
    seen, stack = set(mine), list(mine)
    while stack:
        for child in children[stack.pop()]:
            if child not in seen:
                seen.add(child)
                stack.append(child)
    return sorted(seen, reverse=True)


async def _owns(ctx: MarketContext, asset: _Registered, account: str) -> bool:
    return to_checksum_address(await ctx.call("AssetRegistry", "ownerOf", asset.asset_id)) == account


async def earnings(ctx: MarketContext, account: str | None = None) -> Earnings:
    """Per asset, what ``account`` (default: the active one) can claim now, royalties included."""
    account = to_checksum_address(account or ctx.account)
    assets = await _registered(ctx)
    found: list[tuple[_Registered, tuple[Role, int, tuple[bytes, ...]]]] = []
    for asset in assets:
        if asset.owner_share_bps and await _owns(ctx, asset, account):
            found.append((asset, ("owner share", OWNER_SHARE, ())))
        role = await _role(ctx, asset, account)
        if role is not None:
            found.append((asset, role))
    order = _descendants(assets, {a.asset_id for a, _ in found})
    vault = ctx.contract(VAULT)
    calls = [encode_call(VAULT, "distributeMany", order)]
    calls += [encode_call(VAULT, "claimable", a.asset_id, account, w) for a, (_, w, _p) in found]
    results = await ctx.client.ask(vault.functions.multicall(calls).call({"from": account})) if found else []
    rows = []
    for (asset, (role, weight, proof)), raw in zip(found, results[1:], strict=True):
        owner_slot = role in ("owner", "owner share")
        claimed = int(await ctx.call(VAULT, "claimed", asset.asset_id, ZERO if owner_slot else account))
        (amount,) = abi_decode(["uint256"], bytes(raw))
        rows.append(AssetEarning(
            asset.asset_id, role, weight, asset.total_weight, asset.owner_share_bps, int(amount), claimed,
            proof,
        ))  # fmt: skip
    return Earnings(tuple(rows), tuple(order))


async def claim_all(ctx: MarketContext, found: Earnings | None = None) -> int:
    """Distribute and claim everything the active account is owed in one transaction; the amount."""
    account = ctx.account
    found = found or await earnings(ctx, account)
    due = [r for r in found.rows if r.claimable > 0]
    if not due:
        raise ClaimError("There is nothing to claim yet.")
    ids = [r.asset_id for r in due]  # an asset twice when the account has both of its shares
    calls = [
        encode_call(VAULT, "distributeMany", list(found.distribute)),
        encode_call(VAULT, "claimMany", account, ids, [r.weight for r in due], [list(r.proof) for r in due]),
    ]
    block = await ctx.client.block_number()  # a new claim per request: the vault never pays one twice
    receipt = await ctx.send(
        VAULT, "multicall", calls, intent=f"claim-all:{account}:{block}",
        description=f"Claim royalties from {len(set(ids))} asset{'s' if len(set(ids)) != 1 else ''}",
    )  # fmt: skip
    return sum(
        int(e["amount"]) for e in ctx.receipt_events(VAULT, "Claimed", receipt) if e["account"] == account
    )


async def history(ctx: MarketContext, account: str | None = None) -> list[ClaimRecord]:
    """Every royalty claim paid to ``account``, oldest first."""
    account = to_checksum_address(account or ctx.account)
    rows = []
    times: dict[int, int] = {}
    for e in await ctx.logs(VAULT, "Claimed", [None, topic_of(account)]):
        block = int(e["blockNumber"])
        if block not in times:
            times[block] = int((await ctx.client.ask(ctx.client.w3.eth.get_block(block)))["timestamp"])
        rows.append(ClaimRecord(int(e["args"]["assetId"]), int(e["args"]["amount"]), block, times[block],
                                "0x" + bytes(e["transactionHash"]).hex()))  # fmt: skip
    return rows
