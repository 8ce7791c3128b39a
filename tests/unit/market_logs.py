"""Market logs encoded the way the contracts emit them, for unit tests of the catalogue.

Built from the shipped ABIs (the same ones the decoder reads), so a test log is byte for byte what a
node would return for that event, and a test can then break one field to attack a check.
"""

from __future__ import annotations

import hashlib
import itertools
from typing import Any

from eth_abi import encode as abi_encode

from app.chain.contracts import load_artifact
from app.chain.raw_logs import RawLog
from app.market.catalog.decode import topic_of

REGISTRY = "0x" + "a1" * 20
MARKET = "0x" + "b2" * 20
VAULT = "0x" + "c3" * 20
ADDRESSES = {"AssetRegistry": REGISTRY, "LicenseMarket": MARKET, "RoyaltyVault": VAULT}
CID = "bafkreigh2akiscaildcqabsyg3dfr6chu3fgpregiymsck7e7aqa4s52zy"
_counter = itertools.count()


def _event(contract: str, name: str) -> dict[str, Any]:
    return next(e for e in load_artifact(contract).abi if e.get("type") == "event" and e["name"] == name)


def _word(kind: str, value: Any) -> bytes:
    if kind == "address":
        return bytes(12) + bytes.fromhex(value[2:])
    return int(value).to_bytes(32, "big")


def raw_log(contract: str, name: str, block: int, **args: Any) -> RawLog:
    """The log ``contract`` emits for event ``name`` with ``args``, in ``block``."""
    event = _event(contract, name)
    indexed = [(i["type"], args[i["name"]]) for i in event["inputs"] if i["indexed"]]
    data = [(i["type"], args[i["name"]]) for i in event["inputs"] if not i["indexed"]]
    n = next(_counter)
    return RawLog(
        ADDRESSES[contract].lower(),
        (topic_of(event), *(_word(t, v) for t, v in indexed)),
        abi_encode([t for t, _ in data], [v for _, v in data]),
        block,
        "0x" + hashlib.sha256(f"block{block}".encode()).hexdigest(),
        "0x" + hashlib.sha256(f"tx{n}".encode()).hexdigest(),
        n,
    )


def registered(
    asset: int, creator: str, *, block: int, kind: int = 0, meta: str = CID, parents: tuple[int, ...] = ()
) -> RawLog:
    return raw_log(
        "AssetRegistry", "AssetRegistered", block, assetId=asset, creator=creator, kind=kind,
        contentCid=CID, metadataCid=meta, parents=list(parents), parentRoyaltyBps=2000 if parents else 0,
        derivativeRoyaltyBps=500, contributorsRoot=b"\0" * 32, totalWeight=0, contributorsCid="",
        labelingRecord="0x" + "00" * 20, campaignId=0, ownerShareBps=0,
    )  # fmt: skip


def offered(
    offer: int,
    asset: int,
    seller: str,
    price: int,
    *,
    block: int,
    commercial: bool = True,
    derivatives: bool = True,
) -> RawLog:
    return raw_log(
        "LicenseMarket", "OfferCreated", block, offerId=offer, assetId=asset, seller=seller,
        price=price, duration=0, maxLicenses=0, commercialUse=commercial, derivativesAllowed=derivatives,
        transferable=False,
    )  # fmt: skip


def bought(license_id: int, asset: int, buyer: str, offer: int, price: int, *, block: int) -> RawLog:
    return raw_log(
        "LicenseMarket", "LicensePurchased", block, licenseId=license_id, assetId=asset, buyer=buyer,
        offerId=offer, price=price, deliverBy=0, encryptionPubKey=b"\x04" + b"\x01" * 64,
    )  # fmt: skip


def linked(child: int, parent: int, *, block: int) -> RawLog:
    return raw_log("AssetRegistry", "ParentLinked", block, child=child, parent=parent)


def claimed(asset: int, account: str, amount: int, *, block: int) -> RawLog:
    return raw_log("RoyaltyVault", "Claimed", block, assetId=asset, account=account, amount=amount, weight=0)
