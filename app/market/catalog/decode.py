"""Market logs decoded with the shipped ABIs and checked field by field before anything is stored.

A node (or a contract at a look-alike address) can send anything, and the registry checks little
of what it records (a CID is only a string of at most 128 bytes). So every event is decoded by
(contract address, topic) from the ABIs, and each field is checked: addresses are 20 bytes, ids fit
the database, kinds and shares are in range, CIDs are CIDs this app accepts. An event that fails
raises ``BadEvent`` with why, and the sink skips it with that reason in the log.
"""

from __future__ import annotations

import functools
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from eth_abi import decode as abi_decode
from eth_utils import keccak, to_checksum_address

from app.chain.contracts import load_artifact
from app.chain.indexer import RawLog
from app.storage import InvalidCid, as_cid

REGISTRY, MARKET = "AssetRegistry", "LicenseMarket"
EVENTS = {
    REGISTRY: ("AssetRegistered", "ParentLinked", "MetadataUpdated", "Transfer"),
    MARKET: (
        "OfferCreated", "OfferActiveSet", "LicensePurchased", "KeyDelivered", "LicenseDisputed",
        "DisputeResolved", "LicenseSettled", "LicenseRefunded", "LicenseUsed", "Transfer",
    ),
}  # fmt: skip
MAX_ID = 2**63 - 1  # SQLite's integers
KINDS = range(3)  # Dataset, Model, Agent
MAX_BPS = 10_000
MAX_PUBKEY = 133
CID_FIELDS = ("contentCid", "metadataCid", "wrappedKeyCid")
OPTIONAL_CID_FIELDS = ("contributorsCid", "reasonCid", "previousMetadataCid")
ID_FIELDS = ("assetId", "offerId", "licenseId", "child", "parent", "tokenId", "version")


@functools.lru_cache(maxsize=4096)
def checksum(address: str | bytes) -> str:
    """EIP-55 form (a keccak per call, and the same sellers, buyers and contracts recur)."""
    return to_checksum_address(address)


class BadEvent(ValueError):
    """A log that does not decode, or whose fields are out of shape; the message says which."""


@dataclass(frozen=True)
class MarketEvent:
    """A checked market event: JSON-able ``args`` (big numbers as decimal strings, bytes as hex)."""

    contract: str
    name: str
    args: dict[str, Any]
    block: int
    tx_hash: str
    log_index: int


@dataclass(frozen=True)
class _Spec:
    contract: str
    name: str
    indexed: tuple[tuple[str, str], ...]
    data: tuple[tuple[str, str], ...]


def topic_of(abi_event: Mapping[str, Any]) -> bytes:
    types = ",".join(i["type"] for i in abi_event["inputs"])
    return keccak(text=f"{abi_event['name']}({types})")


class Decoder:
    """Decodes the market's logs for one deployment (its two addresses)."""

    def __init__(self, addresses: Mapping[str, str]) -> None:
        self.specs: dict[tuple[str, bytes], _Spec] = {}
        for contract, names in EVENTS.items():
            address = addresses[contract].lower()
            for entry in load_artifact(contract).abi:
                if entry.get("type") == "event" and entry["name"] in names:
                    spec = _Spec(
                        contract,
                        entry["name"],
                        tuple((i["name"], i["type"]) for i in entry["inputs"] if i["indexed"]),
                        tuple((i["name"], i["type"]) for i in entry["inputs"] if not i["indexed"]),
                    )
                    self.specs[(address, topic_of(entry))] = spec
        self.addresses = sorted({a.lower() for a in addresses.values()})
        self.topics = sorted({topic for _, topic in self.specs})

    def decode(self, raw: RawLog) -> MarketEvent:
        spec = self.specs.get((raw.address, raw.topics[0]))
        if spec is None:
            raise BadEvent(f"an unknown event {raw.topics[0].hex()[:8]} from {raw.address}")
        if len(raw.topics) != 1 + len(spec.indexed):
            raise BadEvent(f"{spec.name}: {len(raw.topics) - 1} indexed fields, expected {len(spec.indexed)}")
        args: dict[str, Any] = {}
        for (name, kind), word in zip(spec.indexed, raw.topics[1:], strict=True):
            args[name] = _indexed(spec.name, name, kind, word)
        try:
            values = abi_decode([t for _, t in spec.data], raw.data) if spec.data else ()
        except Exception as exc:  # eth_abi raises many kinds for hostile data
            raise BadEvent(f"{spec.name}: its data does not decode ({exc})") from exc
        for (name, _), value in zip(spec.data, values, strict=True):
            args[name] = value
        return MarketEvent(
            spec.contract, spec.name, _checked(spec.name, args), raw.block, raw.tx_hash, raw.log_index
        )


def _indexed(event: str, name: str, kind: str, word: bytes) -> Any:
    if kind == "address":
        if any(word[:12]):
            raise BadEvent(f"{event}: {name} is not a 20-byte address")
        return checksum(word[12:])
    if kind.startswith("uint"):
        return int.from_bytes(word, "big")
    raise BadEvent(f"{event}: unexpected indexed type {kind}")


def _checked(event: str, args: dict[str, Any]) -> dict[str, Any]:
    """Range and shape checks; values made JSON-able."""
    out: dict[str, Any] = {}
    for name, value in args.items():
        if name in ID_FIELDS and not 0 <= value <= MAX_ID:
            raise BadEvent(f"{event}: {name} {value} is out of range")
        if name in CID_FIELDS or (name in OPTIONAL_CID_FIELDS and value):
            try:
                value = str(as_cid(value))
            except (InvalidCid, ValueError, TypeError) as exc:
                raise BadEvent(f"{event}: {name} {str(value)[:80]!r} is not a CID ({exc})") from exc
        if name in ("parentRoyaltyBps", "derivativeRoyaltyBps") and value > MAX_BPS:
            raise BadEvent(f"{event}: {name} {value} is over 100 %")
        if name == "kind" and value not in KINDS:
            raise BadEvent(f"{event}: kind {value} is not a dataset, model or agent")
        if name == "parents":
            if len(value) > 16 or any(not 0 < p <= MAX_ID for p in value):
                raise BadEvent(f"{event}: parents {list(value)[:20]} out of shape")
            value = [int(p) for p in value]
        if name == "encryptionPubKey" and len(value) > MAX_PUBKEY:
            raise BadEvent(f"{event}: an encryption key of {len(value)} bytes")
        if isinstance(value, bytes):
            value = value.hex()
        elif isinstance(value, int) and not isinstance(value, bool) and value > MAX_ID:
            value = str(value)  # prices, weights and campaign ids: exact, as text
        elif isinstance(value, str) and name in ("labelingRecord", "by"):
            value = checksum(value)
        out[name] = value
    return out
