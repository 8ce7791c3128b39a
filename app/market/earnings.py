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
    block: int = 0  # every number above was read as of this block

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
class Claim:
    """A "claim all" that was mined: what it paid and the block it is in."""

    amount: int
    block: int


class ReadFloor:
    """The oldest block a read may be taken at and still be shown.

    Reads run concurrently with claims: an earnings read begun before a claim was mined can finish
    after it and would show the old total (and enable Claim all again). Each read carries its block
    (``Earnings.block``); the floor rises to every block shown and to every claim's receipt block,
    and a read taken below it is stale."""

    def __init__(self) -> None:
        self.block = 0

    def raise_to(self, block: int) -> None:
        self.block = max(self.block, block)

    def admit(self, block: int) -> bool:
        """Whether a read taken at ``block`` is as new as what is known; if so the floor rises to it."""
        if block < self.block:
            return False
        self.block = block
        return True


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


async def _registered(ctx: MarketContext, block: int) -> list[_Registered]:
    rows = []
    for e in await ctx.logs("AssetRegistry", "AssetRegistered", to_block=block):
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


async def _owners(ctx: MarketContext, block: int) -> dict[int, str]:
    """Each asset's owner as of ``block``, from the registry's transfers (one read, not one call
    per asset: the catalogue's journal holds them)."""
    owners = {}
    for e in await ctx.logs("AssetRegistry", "Transfer", to_block=block):
        owners[int(e["args"]["tokenId"])] = to_checksum_address(e["args"]["to"])
    return owners


async def _role(
    ctx: MarketContext, asset: _Registered, account: str, owner: str | None, block: int
) -> tuple[Role, int, tuple[bytes, ...]] | None:
    if asset.record != ZERO:
        labeled = ctx.client.w3.eth.contract(address=asset.record, abi=ctx.contract("TaskBoard").abi)
        call = labeled.functions.acceptedItems(asset.campaign_id, account).call(block_identifier=block)
        accepted = int(await ctx.client.ask(call))
        return ("labeler", accepted, ()) if accepted else None
    if asset.root != b"\0" * 32:
        tree = await asyncio.to_thread(_tree, ctx, asset.tree_cid)
        if tree is None or tree.root != asset.root:  # a file that is not the registered tree pays nobody
            return None
        try:
            return "contributor", tree.weight(account), tuple(tree.proof(account))
        except KeyError:  # not one of its contributors
            return None
    return ("owner", 0, ()) if owner == account else None


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


async def earnings(ctx: MarketContext, account: str | None = None, *, block: int | None = None) -> Earnings:
    """Per asset, what ``account`` (default: the active one) can claim, royalties included, every
    number read as of one block (default: the head), which the result carries."""
    account = to_checksum_address(account or ctx.account)
    block = await ctx.client.block_number() if block is None else block
    assets, owners = await _registered(ctx, block), await _owners(ctx, block)
    found: list[tuple[_Registered, tuple[Role, int, tuple[bytes, ...]]]] = []
    for asset in assets:
        owner = owners.get(asset.asset_id)
        if asset.owner_share_bps and owner == account:
            found.append((asset, ("owner share", OWNER_SHARE, ())))
        role = await _role(ctx, asset, account, owner, block)
        if role is not None:
            found.append((asset, role))
    order = _descendants(assets, {a.asset_id for a, _ in found})
    vault = ctx.contract(VAULT)
    calls = [encode_call(VAULT, "distributeMany", order)]
    calls += [encode_call(VAULT, "claimable", a.asset_id, account, w) for a, (_, w, _p) in found]
    multicall = vault.functions.multicall(calls)
    results = await ctx.client.ask(multicall.call({"from": account}, block_identifier=block)) if found else []
    rows = []
    for (asset, (role, weight, proof)), raw in zip(found, results[1:], strict=True):
        owner_slot = role in ("owner", "owner share")
        claimed = int(
            await ctx.call(VAULT, "claimed", asset.asset_id, ZERO if owner_slot else account, block=block)
        )
        (amount,) = abi_decode(["uint256"], bytes(raw))
        rows.append(AssetEarning(
            asset.asset_id, role, weight, asset.total_weight, asset.owner_share_bps, int(amount), claimed,
            proof,
        ))  # fmt: skip
    return Earnings(tuple(rows), tuple(order), block)


async def claim_all(ctx: MarketContext, found: Earnings | None = None) -> int:
    """Distribute and claim everything the active account is owed in one transaction; the amount."""
    return (await claim(ctx, found)).amount


async def claim(ctx: MarketContext, found: Earnings | None = None) -> Claim:
    """``claim_all`` with the block it was mined in (reads older than it are stale)."""
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
    paid = sum(
        int(e["amount"]) for e in ctx.receipt_events(VAULT, "Claimed", receipt) if e["account"] == account
    )
    return Claim(paid, int(receipt["blockNumber"]))


async def history(
    ctx: MarketContext, account: str | None = None, *, block: int | None = None
) -> list[ClaimRecord]:
    """Every royalty claim paid to ``account`` up to ``block`` (default: the head), oldest first."""
    account = to_checksum_address(account or ctx.account)
    rows = []
    times: dict[int, int] = {}
    for e in await ctx.logs(VAULT, "Claimed", [None, topic_of(account)], to_block=block):
        block = int(e["blockNumber"])
        if block not in times:
            times[block] = int((await ctx.client.ask(ctx.client.w3.eth.get_block(block)))["timestamp"])
        rows.append(ClaimRecord(int(e["args"]["assetId"]), int(e["args"]["amount"]), block, times[block],
                                "0x" + bytes(e["transactionHash"]).hex()))  # fmt: skip
    return rows
