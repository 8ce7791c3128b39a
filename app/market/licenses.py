"""Read licenses, assets and market logs from the chain: what both sides of key delivery check.

Every read goes through the one ``ChainClient`` (``ask`` maps an unreachable node to
``ChainUnavailable``) and the shipped ABIs (``bind``). A view that reverts for a token that does not
exist (``ownerOf`` of a refunded, burnt license) reads as None rather than as an error, because to
the caller "no owner" is an answer. Logs are fetched in bounded block ranges, since public RPC
endpoints refuse wide ``eth_getLogs`` queries.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Sequence
from dataclasses import dataclass
from enum import IntEnum
from typing import Any

from eth_utils import to_checksum_address

from app.chain.bindings import bind
from app.chain.client import ChainClient
from app.chain.contracts import Deployment
from app.market.catalog.journal import Journal
from app.storage import Cid, as_cid

log = logging.getLogger(__name__)

MARKET = "LicenseMarket"
REGISTRY = "AssetRegistry"


class LicenseStatus(IntEnum):
    """``LicenseMarket.Status``."""

    NONE = 0
    PENDING = 1  # paid into escrow; the seller must deliver by ``deadline``
    DELIVERED = 2  # key delivered; the escrow waits out the dispute window (``deadline``)
    DISPUTED = 3  # the buyer disputed the delivery; the arbiter rules
    SETTLED = 4  # escrow paid to the treasury and the asset's royalty vault
    REFUNDED = 5  # escrow returned, license burnt

    @property
    def delivered(self) -> bool:
        """The key was delivered (whatever became of the escrow since)."""
        return self in (LicenseStatus.DELIVERED, LicenseStatus.DISPUTED, LicenseStatus.SETTLED)


@dataclass(frozen=True)
class LicenseRecord:
    """``LicenseMarket.getLicense``: the on-chain state of one license."""

    license_id: int
    offer_id: int
    deadline: int  # pending: deliver by (refund after); delivered: end of the dispute window
    expires_at: int
    status: LicenseStatus
    fee_bps: int
    paid: int
    bound: bool  # used for a derivative: it can never be transferred


@dataclass(frozen=True)
class Delivery:
    """A ``KeyDelivered`` event: where the buyer finds its wrapped key."""

    license_id: int
    asset_id: int
    wrapped_key_cid: str  # as recorded; parse with ``as_cid`` before use
    expires_at: int
    block: int


def bind_market(client: ChainClient, deployment: Deployment) -> Any:
    """The deployment's LicenseMarket bound to the client (``.functions``, ``.events``)."""
    return bind(client.w3, MARKET, deployment.address(MARKET))


def _registry(client: ChainClient, deployment: Deployment) -> Any:
    return bind(client.w3, REGISTRY, deployment.address(REGISTRY))


async def _view(client: ChainClient, call: Any) -> Any:
    """``call.call()``; None if the view reverts (a missing token), ``ChainUnavailable`` if offline."""
    from web3.exceptions import ContractLogicError

    try:
        return await client.ask(call.call())
    except ContractLogicError:
        return None


async def read_license(client: ChainClient, deployment: Deployment, license_id: int) -> LicenseRecord:
    raw = await client.ask(bind_market(client, deployment).functions.getLicense(license_id).call())
    offer_id, deadline, expires_at, status, fee_bps, paid, bound = raw
    return LicenseRecord(
        license_id, offer_id, deadline, expires_at, LicenseStatus(status), fee_bps, paid, bool(bound)
    )


async def dispute_deadline(client: ChainClient, deployment: Deployment, license_id: int) -> int:
    """When the arbiter's time to rule on the license's dispute ends (0: never disputed)."""
    _bond, rule_by = await client.ask(bind_market(client, deployment).functions.disputeOf(license_id).call())
    return int(rule_by)


async def license_holder(client: ChainClient, deployment: Deployment, license_id: int) -> str | None:
    owner = await _view(client, bind_market(client, deployment).functions.ownerOf(license_id))
    return None if owner is None else to_checksum_address(owner)


async def asset_of_license(client: ChainClient, deployment: Deployment, license_id: int) -> int:
    return int(await client.ask(bind_market(client, deployment).functions.assetOfLicense(license_id).call()))


async def is_valid_license(
    client: ChainClient, deployment: Deployment, license_id: int, account: str
) -> bool:
    """Delivered, not expired, and held by ``account`` (the contract's own definition)."""
    functions = bind_market(client, deployment).functions
    return bool(await client.ask(functions.isValidLicense(license_id, to_checksum_address(account)).call()))


async def asset_owner(client: ChainClient, deployment: Deployment, asset_id: int) -> str | None:
    owner = await _view(client, _registry(client, deployment).functions.ownerOf(asset_id))
    return None if owner is None else to_checksum_address(owner)


async def asset_content_cid(client: ChainClient, deployment: Deployment, asset_id: int) -> Cid:
    """The content CID the asset was registered with (immutable); ``InvalidCid`` if it is not one."""
    asset = await client.ask(_registry(client, deployment).functions.getAsset(asset_id).call())
    return as_cid(asset[12])  # Asset.contentCid


async def chain_time(client: ChainClient) -> int:
    """The latest block's timestamp: the clock the contracts' deadlines are measured by."""
    return int((await client.ask(client.w3.eth.get_block("latest")))["timestamp"])


async def fetch_logs(
    client: ChainClient, address: str, topics: Sequence[Any], from_block: int, to_block: int
) -> list[Any]:
    """Raw logs of ``address`` with ``topics`` in ``[from_block, to_block]`` (one RPC call)."""
    query = {"address": to_checksum_address(address), "topics": list(topics)}
    query |= {"fromBlock": from_block, "toBlock": to_block}
    return list(await client.ask(client.w3.eth.get_logs(query)))  # type: ignore[arg-type]


def _topic_of_id(value: int) -> str:
    return "0x" + value.to_bytes(32, "big").hex()


async def find_delivery(
    client: ChainClient,
    deployment: Deployment,
    license_id: int,
    *,
    since_block: int | None = None,
    chunk_blocks: int = 50_000,
    journal: Journal | None = None,
) -> Delivery | None:
    """The ``KeyDelivered`` event of ``license_id``, searched from the newest blocks back to
    ``since_block`` (default: the deployment's block) in ``chunk_blocks`` ranges, so a recent
    delivery is found in one call. With the catalogue's ``journal``, only the blocks it has not
    reached are read from the chain; the rest is one lookup in it."""
    market = bind_market(client, deployment)
    event = market.events.KeyDelivered()
    topics = [event.topic, _topic_of_id(license_id)]
    floor = deployment.block if since_block is None else max(0, since_block)
    high = await client.block_number()
    reach = floor if journal is None else max(floor, await asyncio.to_thread(journal.reach))
    while high >= reach:
        low = max(reach, high - chunk_blocks + 1)
        for raw in reversed(await fetch_logs(client, market.address, topics, low, high)):
            if raw.get("removed"):
                continue
            args = event.process_log(raw)["args"]
            if int(args["licenseId"]) == license_id:
                return _delivery(args, int(raw["blockNumber"]))
        high = low - 1
    if journal is not None and high >= floor:
        kept = await asyncio.to_thread(journal.events, MARKET, "KeyDelivered", topics[1:], floor, high)
        if kept:
            return _delivery(kept[-1]["args"], kept[-1]["blockNumber"])
    return None


def _delivery(args: Any, block: int) -> Delivery:
    license_id, asset_id, expires_at = int(args["licenseId"]), int(args["assetId"]), int(args["expiresAt"])
    return Delivery(license_id, asset_id, str(args["wrappedKeyCid"]), expires_at, block)
