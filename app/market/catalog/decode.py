"""Market logs decoded with the shipped ABIs and checked field by field before anything is stored.

A node (or a contract at a look-alike address) can send anything, and the registry checks little
of what it records (a CID is only a string of at most 128 bytes). So every event is decoded by
(contract address, topic) from the ABIs, and each field is checked: addresses are 20 bytes, ids fit
the database, kinds and shares are in range, CIDs are CIDs this app accepts. An event that fails
raises ``BadEvent`` with why, and the sink skips it with that reason in the log.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from functools import lru_cache
from typing import Any, NamedTuple

from eth_utils import keccak

from app.chain.contracts import load_artifact
from app.chain.layout import Layout, LayoutError, checksum
from app.chain.raw_logs import RawLog
from app.storage import InvalidCid, as_cid

REGISTRY, MARKET, VAULT = "AssetRegistry", "LicenseMarket", "RoyaltyVault"
EVENTS = {
    REGISTRY: ("AssetRegistered", "ParentLinked", "MetadataUpdated", "Transfer"),
    MARKET: (
        "OfferCreated", "OfferActiveSet", "LicensePurchased", "KeyDelivered", "LicenseDisputed",
        "DisputeResolved", "LicenseSettled", "LicenseRefunded", "LicenseUsed", "Transfer",
    ),
    # Journaled only (no projection): what Earnings shows, read from the catalogue, not the chain.
    VAULT: ("RevenueDeposited", "RevenueForwarded", "Distributed", "Claimed"),
}  # fmt: skip
MAX_ID = 2**63 - 1  # SQLite's integers
KINDS = range(3)  # Dataset, Model, Agent
MAX_BPS = 10_000
MAX_PUBKEY = 133
CID_FIELDS = ("contentCid", "metadataCid", "wrappedKeyCid")
OPTIONAL_CID_FIELDS = ("contributorsCid", "reasonCid", "previousMetadataCid")
ID_FIELDS = ("assetId", "offerId", "licenseId", "child", "parent", "tokenId", "version")


class BadEvent(ValueError):
    """A log that does not decode, or whose fields are out of shape; the message says which."""


class MarketEvent(NamedTuple):
    """A checked market event: JSON-able ``args`` (big numbers as decimal strings, bytes as hex).

    A named tuple: a backfill makes one per log (a frozen dataclass's ``__init__`` costs more)."""

    contract: str
    name: str
    args: dict[str, Any]
    block: int
    tx_hash: str
    log_index: int


Check = Callable[[str, str, Any], Any]  # (event, field, decoded value) -> the value stored, or BadEvent


@dataclass(frozen=True)
class _Spec:
    contract: str
    name: str
    indexed: tuple[tuple[str, str], ...]
    data: tuple[tuple[str, str], ...]
    layout: Layout
    # Per indexed field, in order: (name, whether an address, its check: None when it keeps the value)
    topic_fields: tuple[tuple[str, bool, Check | None], ...]
    # Per data field, in order: (name, its check or None)
    data_fields: tuple[tuple[str, Check | None], ...]


def topic_of(abi_event: Mapping[str, Any]) -> bytes:
    types = ",".join(i["type"] for i in abi_event["inputs"])
    return keccak(text=f"{abi_event['name']}({types})")


class Decoder:
    """Decodes the market's logs for one deployment (the addresses of the contracts it reads).

    Each event's layout and each field's check are chosen once, here, from the ABI; a log then
    costs one slice-decoding of its data and one check call per field."""

    def __init__(self, addresses: Mapping[str, str]) -> None:
        self.specs: dict[tuple[str, bytes], _Spec] = {}
        for contract, names in EVENTS.items():
            if contract not in addresses:
                continue
            address = addresses[contract].lower()
            for entry in load_artifact(contract).abi:
                if entry.get("type") == "event" and entry["name"] in names:
                    indexed = tuple((i["name"], i["type"]) for i in entry["inputs"] if i["indexed"])
                    data = tuple((i["name"], i["type"]) for i in entry["inputs"] if not i["indexed"])
                    for _, kind in indexed:
                        if kind != "address" and not kind.startswith("uint"):
                            raise ValueError(f"{entry['name']}: unexpected indexed type {kind}")
                    topic_fields = tuple(
                        (name, kind == "address", _kept(_check_for(name, kind, True)))
                        for name, kind in indexed
                    )
                    data_fields = tuple((name, _kept(_check_for(name, kind, False))) for name, kind in data)
                    layout = Layout([t for _, t in data])
                    spec = _Spec(contract, entry["name"], indexed, data, layout, topic_fields, data_fields)
                    self.specs[(address, topic_of(entry))] = spec
        self.addresses = sorted({a.lower() for a in addresses.values()})
        self.topics = sorted({topic for _, topic in self.specs})

    def decode(self, raw: RawLog) -> MarketEvent:
        spec = self.specs.get((raw.address, raw.topics[0]))
        if spec is None:
            raise BadEvent(f"an unknown event {raw.topics[0].hex()[:8]} from {raw.address}")
        if len(raw.topics) != 1 + len(spec.indexed):
            raise BadEvent(f"{spec.name}: {len(raw.topics) - 1} indexed fields, expected {len(spec.indexed)}")
        try:
            values = spec.layout.decode(raw.data) if spec.data else ()
        except LayoutError as exc:
            raise BadEvent(f"{spec.name}: its data does not decode ({exc})") from exc
        event, args = spec.name, {}  # indexed first: the order the journal's JSON has always had
        for (name, address, check), word in zip(spec.topic_fields, raw.topics[1:], strict=True):
            if address:
                if word[:12] != _PAD:
                    raise BadEvent(f"{event}: {name} is not a 20-byte address")
                value: Any = checksum(word[12:])
            else:
                value = int.from_bytes(word, "big")
            args[name] = value if check is None else check(event, name, value)
        for (name, check), value in zip(spec.data_fields, values, strict=True):
            args[name] = value if check is None else check(event, name, value)
        return MarketEvent(spec.contract, event, args, raw.block, raw.tx_hash, raw.log_index)


_PAD = bytes(12)  # the zeros before an address in its topic


# -- the checks, one per field, chosen by name and type ---------------------------------------------


def _same(event: str, name: str, value: Any) -> Any:
    return value


def _as_json(event: str, name: str, value: Any) -> Any:
    """Bytes as hex; integers past SQLite's as exact decimal text (prices, weights, campaign ids)."""
    if isinstance(value, bytes):
        return value.hex()
    if isinstance(value, int) and not isinstance(value, bool) and value > MAX_ID:
        return str(value)
    return value


def _id(event: str, name: str, value: int) -> int:
    if not 0 <= value <= MAX_ID:
        raise BadEvent(f"{event}: {name} {value} is out of range")
    return value


@lru_cache(maxsize=4096)
def _accepted_cid(value: str) -> str:
    """``value`` if it parses as a CID (parsing refuses any spelling but the canonical one); a
    range repeats its CIDs (an asset's content in later events, shared files, the bench's one CID),
    so each is parsed once. Only what parsed is remembered: a refusal raises every time."""
    as_cid(value)
    return value


def _cid(event: str, name: str, value: str) -> str:
    if not value and name in OPTIONAL_CID_FIELDS:
        return value
    try:
        if not isinstance(value, str):
            raise TypeError(f"a {type(value).__name__}")
        return _accepted_cid(value)
    except (InvalidCid, ValueError, TypeError) as exc:
        raise BadEvent(f"{event}: {name} {str(value)[:80]!r} is not a CID ({exc})") from exc


def _bps(event: str, name: str, value: int) -> int:
    if value > MAX_BPS:
        raise BadEvent(f"{event}: {name} {value} is over 100 %")
    return value


def _kind(event: str, name: str, value: int) -> int:
    if value not in KINDS:
        raise BadEvent(f"{event}: kind {value} is not a dataset, model or agent")
    return value


def _parents(event: str, name: str, value: tuple[int, ...]) -> list[int]:
    if len(value) > 16 or any(not 0 < p <= MAX_ID for p in value):
        raise BadEvent(f"{event}: parents {list(value)[:20]} out of shape")
    return [int(p) for p in value]


def _pubkey(event: str, name: str, value: bytes) -> str:
    if len(value) > MAX_PUBKEY:
        raise BadEvent(f"{event}: an encryption key of {len(value)} bytes")
    return value.hex()


CHECKS: dict[str, Check] = {
    **dict.fromkeys(ID_FIELDS, _id),
    **dict.fromkeys(CID_FIELDS + OPTIONAL_CID_FIELDS, _cid),
    "parentRoyaltyBps": _bps,
    "derivativeRoyaltyBps": _bps,
    "ownerShareBps": _bps,
    "kind": _kind,
    "parents": _parents,
    "encryptionPubKey": _pubkey,
}


def _checksummed(event: str, name: str, value: str) -> str:
    return checksum(bytes.fromhex(value[2:]))


def _kept(check: Check) -> Check | None:
    """None for the check that keeps every value as it is: the decoder skips calling it."""
    return None if check is _same else check


def _check_for(name: str, kind: str, indexed: bool) -> Check:
    """The range and shape check of one field by its name; else by its type, what makes it JSON
    (addresses in EIP-55 form: an indexed one already is, see ``Decoder.decode``)."""
    if name in CHECKS:
        return CHECKS[name]
    if kind == "address":
        return _same if indexed else _checksummed
    small_uint = kind.startswith("uint") and int(kind[4:] or 256) < 64
    return _same if kind in ("bool", "string") or small_uint else _as_json
